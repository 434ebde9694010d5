// Metrics: `metrics listen [ADDR:]PORT` serves the Prometheus text format; Debian's promtool
// finds nothing to say about it, and a real Prometheus server on loopback scrapes it.
import { spawnSync } from 'node:child_process';
import { get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Appliance } from '../../src/appliance.js';
import { batch, labAppliance, REFERENCE_SCENARIO, runClean } from '../helpers/cli.js';
import { freePort, startPrometheus, waitUntil, whyNot } from './tools.js';

function fetchText(url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    }).on('error', reject);
  });
}

/** The value of the sample `name{labels}` in an exposition, or null. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const l of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(l);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return null;
}

describe('metrics', () => {
  let app: Appliance;
  let port: number;
  beforeAll(async () => {
    app = await labAppliance();
    port = await freePort();
    await runClean(app, `${REFERENCE_SCENARIO}wait 10\nlab request client http://192.168.193.50/ count 3\nconfigure terminal\nmetrics listen 127.0.0.1:${port}\nend\n`);
  }, 60_000);
  afterAll(async () => { await app?.close(); });

  it('serves the engine, port, service, real and health-check figures at /metrics', async () => {
    const r = await fetchText(`http://127.0.0.1:${port}/metrics`);
    expect(r.status).toBe(200);
    expect(r.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const t = r.body;
    expect(sample(t, 'pask_real_up', { slb: 'test', real: '1', name: 'server' })).toBe(1);
    expect(sample(t, 'pask_real_health_state', { slb: 'test', real: '1', state: 'ACT' })).toBe(1);
    expect(sample(t, 'pask_real_health_state', { slb: 'test', real: '1', state: 'DEACT' })).toBe(0);
    expect(sample(t, 'pask_slb_health_state', { slb: 'test', state: 'ACT' })).toBe(1);
    expect(sample(t, 'pask_slb_sessions_created_total', { slb: 'test' })).toBe(3);
    expect(sample(t, 'pask_real_sessions_created_total', { slb: 'test', real: '1' })).toBe(3);
    expect(sample(t, 'pask_slb_filter_hits_total', { slb: 'test', filter: '1' })).toBeGreaterThan(0);
    expect(sample(t, 'pask_port_receive_packets_total', { port: '1' })).toBeGreaterThan(0);
    expect(sample(t, 'pask_port_up', { port: '1' })).toBe(1);
    expect(sample(t, 'pask_port_up', { port: '16' })).toBe(0);
    expect(sample(t, 'pask_receive_bytes_total')).toBeGreaterThan(0);
    expect(sample(t, 'pask_sessions_created_total')).toBeGreaterThanOrEqual(3);
    expect(sample(t, 'pask_health_check_target_up', { health_check: '1', target: '192.168.193.50', port: '80' })).toBe(1);
    expect(sample(t, 'pask_health_check_probes_total', { health_check: '1', target: '192.168.193.50', port: '80' })).toBeGreaterThan(0);
    expect(t).toContain('# TYPE pask_receive_packets_total counter\n');
    expect(t).toContain('# TYPE pask_sessions gauge\n');
    expect((await fetchText(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    // The same text from the shell.
    expect(await runClean(app, 'show metrics | include ^pask_real_up')).toBe('pask_real_up{slb="test",real="1",name="server"} 1\n');
    expect(await runClean(app, 'show running-config logging')).toBe(`metrics listen 127.0.0.1:${port}\n!\n`);
  });

  it('refuses an address it cannot listen on, and keeps the configuration as it was', async () => {
    const r = await batch(app, `configure terminal\nmetrics listen 127.0.0.1:${port}0\nmetrics listen 127.0.0.1:0\nend`);
    expect(r.err).toMatch(/% Cannot serve metrics on 127\.0\.0\.1:\d+0: listen E|% Invalid address "127\.0\.0\.1:0"/);
    expect(app.config.metricsListen).toEqual({ host: '127.0.0.1', port });
  });

  const whyPromtool = whyNot('promtool', 'prometheus');
  it.skipIf(whyPromtool !== null)(`promtool check metrics reports nothing${whyPromtool ? ` (skipped: ${whyPromtool})` : ''}`, async () => {
    const body = (await fetchText(`http://127.0.0.1:${port}/metrics`)).body;
    const r = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  const whyProm = whyNot('prometheus', 'prometheus');
  it.skipIf(whyProm !== null)(`a Prometheus server scrapes it${whyProm ? ` (skipped: ${whyProm})` : ''}`, async () => {
    const prom = await startPrometheus(`127.0.0.1:${port}`);
    try {
      const query = async (q: string) => {
        const r = await fetchText(`http://127.0.0.1:${prom.port}/api/v1/query?query=${encodeURIComponent(q)}`).catch(() => null);
        if (!r || r.status !== 200) return null;
        const res = (JSON.parse(r.body) as { data: { result: { value: [number, string] }[] } }).data.result;
        return res.length ? res[0]!.value[1] : null;
      };
      expect(await waitUntil(`Prometheus to scrape pask:\n${prom.output()}`, () => query('up{job="pask"}'), 60_000)).toBe('1');
      expect(await waitUntil('pask_real_up', () => query('pask_real_up{slb="test",real="1"}'), 30_000)).toBe('1');
      expect(await query('pask_slb_sessions_created_total{slb="test"}')).toBe('3');
    } finally {
      await prom.stop();
    }
  }, 120_000);
});
