// The lab's exec commands, run as a batch against an appliance whose world is the default lab
// (no packet engine: requests go to the RIPs directly, or find nobody at the VIP).
import { describe, expect, it } from 'vitest';
import { Appliance } from '../../src/appliance.js';
import { ALL_COMMANDS } from '../../commands/index.js';
import { HELP_WORDS } from '../../commands/help-words.js';
import { labCommands, parseLabUrl } from '../../commands/lab.js';
import { linesOfFile, runBatch } from '../../src/cli/batch.js';
import { CommandRegistry } from '../../src/cli/registry.js';
import { CliSession } from '../../src/cli/session.js';
import { VirtualClock } from '../../src/util/clock.js';
import { defaultLab, type LabWorld } from '../../src/lab/index.js';
import { formatIpv4 } from '../../src/net/addr.js';

const registry = new CommandRegistry([...ALL_COMMANDS, ...labCommands], HELP_WORDS);

function labAppliance(): { app: Appliance; lab: LabWorld } {
  const clock = new VirtualClock();
  const app = new Appliance(clock);
  const lab = defaultLab({ clock });
  app.world = lab;
  return { app, lab };
}

async function run(app: Appliance, text: string): Promise<{ ok: boolean; out: string; err: string }> {
  const session = new CliSession(app, registry, { privilege: 15, interactive: false });
  let out = '';
  let err = '';
  const ok = await runBatch(session, linesOfFile('t', text), { out: (t) => (out += t), err: (t) => (err += t) });
  return { ok, out, err };
}

describe('lab commands', () => {
  it('lab request: one line per GET with the status and the answering server', async () => {
    const { app } = labAppliance();
    const r = await run(app, 'lab request client http://192.168.211.150/ count 3\nlab request 192.168.212.225 server2');
    expect(r.err).toBe('');
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^1 200 OK server1 \(\d+\.\d ms\)$/);
    expect(lines[1]).toMatch(/^2 200 OK server1 \(/);
    expect(lines[2]).toMatch(/^3 200 OK server1 \(/);
    expect(lines[3]).toBe('total 3: server1 3');
    expect(lines[4]).toMatch(/^1 200 OK server2 \(/);
  });

  it('lab service down: requests are reset (TCP RST); up again: served', async () => {
    const { app, lab } = labAppliance();
    const r = await run(app, [
      'lab service server1 tcp 80 down',
      'lab request client http://192.168.211.150/',
      'lab service 192.168.211.150 tcp 80 up',
      'lab request client http://192.168.211.150:80/index.html',
      'lab service server2 tcp 8080 up',
      'lab request client http://server2:8080/',
    ].join('\n'));
    expect(r.err).toBe('');
    expect(r.out.trim().split('\n').map((l) => l.replace(/ \(.*\)$/, ''))).toEqual(['1 reset', '1 200 OK server1', '1 200 OK server2']);
    expect(lab.host('server2')!.service('tcp', 8080)?.up).toBe(true);
  });

  it('lab request reports unreachable and timeout', async () => {
    const { app, lab } = labAppliance();
    const t0 = lab.clock.now();
    // nobody answers ARP for the VIP without the engine: the router reports host unreachable
    const r = await run(app, 'lab request client http://192.168.193.50/');
    expect(r.out).toMatch(/^1 unreachable \(\d+ ms\)\n$/);
    expect(lab.clock.now() - t0).toBeGreaterThanOrEqual(3000);
    // the router knows server1; then its link drops everything: the SYNs go unanswered
    expect((await run(app, 'lab request client 192.168.211.150')).out).toMatch(/^1 200 OK server1/);
    lab.linkAt('server1.eno1')!.up = false;
    const t1 = lab.clock.now();
    const r2 = await run(app, 'lab request client 192.168.211.150');
    expect(r2.out).toBe('1 timeout (10000 ms)\n');
    expect(lab.clock.now() - t1).toBe(10_000);
  });

  it('lab ipip and lab show', async () => {
    const { app, lab } = labAppliance();
    const r = await run(app, 'lab ipip server1 off\nlab service server2 udp 161 down\nlab show');
    expect(r.err).toBe('');
    expect(lab.host('server1')!.ipip).toBe(false);
    expect(lab.host('server2')!.ipip).toBe(true);
    const out = r.out;
    expect(out).toContain('  LAB: default');
    expect(out).toMatch(/server1 +server +eno1 +192\.168\.211\.150\/24 +d4:ae:52:ca:a2:98 +sw1\.2/);
    expect(out).toMatch(/\n {22}lo {8}192\.168\.193\.50\/32\n/);
    expect(out).toMatch(/router +router +eth0 +192\.168\.193\.1\/24 +00:00:5e:00:01:c1 +appliance\.1/);
    expect(out).toMatch(/server1 +192\.168\.211\.1 +off +1 +2 +off +linux/);
    expect(out).toMatch(/server2 +192\.168\.211\.1 +on +1 +2 +off +linux/);
    expect(out).toMatch(/client +192\.168\.212\.1 +off +0 +0 +off +windows/);
    expect(out).toMatch(/server2 +udp +161 +echo +down/);
    expect(out).toMatch(/server1 +tcp +80 +http +up/);
    expect(out).toMatch(/Appliance Ports\n +Port +Link\n +1 +router\.eth0\n/);
    for (const l of out.split('\n')) {
      expect(l.length).toBeLessThanOrEqual(80);
      expect(l).toBe(l.trimEnd());
    }
  });

  it('wait advances the lab clock at once in a batch', async () => {
    const { app, lab } = labAppliance();
    await run(app, 'wait 5');
    expect(lab.clock.now()).toBe(5000);
  });

  it('lab ping', async () => {
    const { app } = labAppliance();
    const r = await run(app, 'lab ping client 192.168.211.151 count 2');
    expect(r.out).toMatch(/^1 reply from 192\.168\.211\.151 ttl 63 \(\d\.\d ms\)\n2 reply from 192\.168\.211\.151 ttl 63/);
  });

  it('clear errors for bad hosts, URLs, services, and without a lab', async () => {
    const { app, lab } = labAppliance();
    const r = await run(app, [
      'lab request nobody http://192.168.211.150/',
      'lab request client https://192.168.211.150/',
      'lab request client http://nobody/',
      'lab request client http://1.2.3/',
      'lab request client http://192.168.211.150:70000/',
      'lab service server1 udp 53 down',
      'lab ipip 10.0.0.1 on',
    ].join('\n'));
    expect(r.ok).toBe(false);
    expect(r.err.split('\n').filter(Boolean)).toEqual([
      't:1: % There is no lab host "nobody"',
      't:2: % Only http:// URLs are supported, not "https://192.168.211.150/"',
      't:3: % There is no lab host "nobody" (in URL "http://nobody/")',
      't:4: % Invalid URL "http://1.2.3/": use http://A.B.C.D[:PORT][/PATH]',
      't:5: % Invalid port 70000 in URL "http://192.168.211.150:70000/"',
      't:6: % server1 has no udp service on port 53',
      't:7: % There is no lab host "10.0.0.1"',
    ]);
    const u = parseLabUrl(lab, '192.168.211.150:8080?x=1');
    expect([formatIpv4(u.addr), u.port, u.path, u.hostHeader]).toEqual(['192.168.211.150', 8080, '/?x=1', '192.168.211.150:8080']);

    app.world = null;
    const n = await run(app, 'lab show\nlab request client http://192.168.211.150/');
    expect(n.err.split('\n').filter(Boolean)).toEqual(['t:1: % No lab is loaded', 't:2: % No lab is loaded']);
  });
});
