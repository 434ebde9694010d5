// `| json` after the show commands scripts use most: the same facts as the text, as JSON.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Appliance } from '../../src/appliance.js';
import { batch, labAppliance, REFERENCE_SCENARIO, runClean } from '../helpers/cli.js';

describe('| json', () => {
  let app: Appliance;
  const json = async (cmd: string) => JSON.parse(await runClean(app, `${cmd} | json`)) as unknown;
  beforeAll(async () => {
    app = await labAppliance();
    await runClean(app, `${REFERENCE_SCENARIO}wait 10\nlab request client http://192.168.193.50/ count 2\n`);
  });

  it('show info slb', async () => {
    const [s] = (await json('show info slb test')) as Record<string, unknown>[];
    expect(s).toMatchObject({
      name: 'test', status: 'enable', natMode: 'l3dsr-iptunnel', lbMethod: 'rr', health: 'ACT', healthChecks: [1],
      vips: [{ addr: '192.168.193.50', protocol: 'tcp', vport: 80 }],
      filters: [{ id: 1, type: 'include', protocol: 'tcp', srcIp: '0.0.0.0/0', dstIp: '192.168.193.50/32', status: 'enable' }],
      sticky: { time: 60, srcSubnet: '255.255.255.255', dstSubnet: '0.0.0.0' },
      reals: [{ id: 1, name: 'server', rip: '192.168.211.150', rport: 80, backup: false, status: 'enable', health: 'ACT', cause: '', totalSessions: 2 }],
      totalSessions: 2,
    });
    expect((s!.filters as { hits: number }[])[0]!.hits).toBeGreaterThan(0);
    expect(await json('show info slb')).toHaveLength(1);
    expect((await batch(app, 'show info slb nosuch | json')).err).toContain('% There is no slb nosuch');
  });

  it('show entry', async () => {
    const rows = (await json('show entry')) as Record<string, unknown>[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows[0]).toMatchObject({ proto: 'tcp', orig: { src: '192.168.212.225', dst: '192.168.193.50', dport: 80 }, slb: 'test', real: 1 });
    expect(await json('show entry slb test')).toEqual(rows);
  });

  it('show real and show health-check status', async () => {
    expect(await json('show real')).toEqual([{
      id: 1, name: 'server', rip: '192.168.211.150', rport: 80, sslRport: null, weight: 1, maxConns: 0, svcIp: null, status: 'enable', description: '',
    }]);
    const [t] = (await json('show health-check status')) as Record<string, unknown>[];
    expect(t).toMatchObject({ healthCheck: 1, target: '192.168.193.50', port: 80, tunnelTo: '192.168.211.150', state: 'up', cause: '' });
    expect(t!.probes).toBeGreaterThan(0);
  });

  it('show port and show statistics', async () => {
    const ports = (await json('show port')) as Record<string, unknown>[];
    expect(ports).toHaveLength(16);
    expect(ports[0]).toMatchObject({ port: 1, drops: expect.any(Number), dropsByReason: expect.any(Object) });
    expect(ports[0]!.rxPackets).toBeGreaterThan(0);
    expect(await json('show port 1')).toMatchObject({ port: 1, backend: expect.any(Object) });
    const st = (await json('show statistics')) as Record<string, number>;
    expect(st.sessionsCreated).toBeGreaterThanOrEqual(2);
    expect(st.rxPackets).toBeGreaterThan(0);
  });

  it('works after the command only, first; other commands say which have it', async () => {
    expect(await runClean(app, 'show real | json | include "name"')).toBe('    "name": "server",\n');
    const no = await batch(app, 'show vlan | json');
    expect(no.err).toMatch(/% "show vlan" has no JSON output: "\| json" works after .*show info slb.*show entry/);
    expect((await batch(app, 'show real | include x | json')).err).toContain('% "| json" must come first after the command');
  });
});
