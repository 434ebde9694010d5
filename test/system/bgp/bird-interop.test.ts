// BGP interop with BIRD 2 in network namespaces, file 003's settings: pask (the EdgeRouter, AS
// 65510, update-source its LAN address 192.168.1.1) peers with BIRD (the Azure gateway, AS 65515,
// 172.16.0.254 on its loopback) two hops away across a Linux router (ebgp-multihop 2, hold 180,
// keepalive 60), through file 003's prefix list both ways. A python3 peer plays a broken speaker.
//
//   [pask] p1 ── r0 203.0.113.254 [rtr] r1 192.0.2.254 ── eth0 192.0.2.1 [azure] lo 172.16.0.254, 172.16.0.253
//     203.0.113.1 (port 1), 192.168.1.1 (port 2) ── eth0 192.168.1.10 [lan]

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireSystemLock, repoRoot } from '../topology.js';
import { Bird, NetLab, Pask, sleep, until, whyNoBgpSystem } from './net.js';

const why = whyNoBgpSystem();

const BIRD_CONF = `router id 172.16.0.254;
protocol device { scan time 1; }
protocol kernel { ipv4 { import all; export none; }; learn; scan time 1; }
protocol static nets { ipv4; route 172.16.0.0/22 blackhole; }
protocol static echoed { ipv4; route 192.168.1.0/24 blackhole; route 192.168.1.1/32 blackhole; route 172.16.5.0/24 blackhole; }
protocol bgp er {
  local 172.16.0.254 as 65515;
  neighbor 192.168.1.1 as 65510;
  multihop 2;
  hold time 180;
  keepalive time 60;
  connect retry time 5;
  error wait time 1, 5;
  ipv4 { import all; export where proto = "nets" || proto = "echoed"; };
}
`;

/** file 003's configuration (test/fixtures/bgp/vpn-scenario.txt), plus the scripted peer as a second neighbor. */
function config(): string {
  const file003 = readFileSync(join(repoRoot(), 'test', 'fixtures', 'bgp', 'vpn-scenario.txt'), 'utf8');
  return `${file003}configure terminal\nrouter bgp 65510\n neighbor 172.16.0.253 remote-as 65516\n neighbor 172.16.0.253 ebgp-multihop 2\n`
    + ' neighbor 172.16.0.253 update-source 192.168.1.1\n neighbor 172.16.0.253 passive\n apply\nend\n';
}

describe.skipIf(!!why)(`BGP with BIRD 2${why ? ` (skipped: ${why})` : ''}`, () => {
  let lab: NetLab;
  let bird: Bird;
  let pask: Pask;
  let release: (() => void) | null = null;
  const summaryLine = () => pask.cli('show ip bgp summary').split('\n').find((l) => l.startsWith('172.16.0.254')) ?? '';
  const established = () => /\s2$/.test(summaryLine()) || /\s\d+$/.test(summaryLine());

  beforeAll(async () => {
    release = await acquireSystemLock();
    lab = new NetLab();
    for (const r of ['pask', 'rtr', 'azure', 'lan']) lab.addNs(r);
    lab.veth('pask', 'p1', 'rtr', 'r0');
    lab.veth('pask', 'p2', 'lan', 'eth0');
    lab.veth('rtr', 'r1', 'azure', 'eth0');
    for (const i of ['p1', 'p2']) lab.ip('pask', 'link', 'set', i, 'promisc', 'on');
    lab.router('rtr');
    lab.ip('rtr', 'addr', 'add', '203.0.113.254/24', 'dev', 'r0');
    lab.ip('rtr', 'addr', 'add', '192.0.2.254/24', 'dev', 'r1');
    lab.ip('rtr', 'route', 'add', '172.16.0.0/22', 'via', '192.0.2.1');
    lab.ip('rtr', 'route', 'add', '192.168.1.0/24', 'via', '203.0.113.1');
    lab.ip('azure', 'addr', 'add', '192.0.2.1/24', 'dev', 'eth0');
    lab.ip('azure', 'addr', 'add', '172.16.0.254/32', 'dev', 'lo');
    lab.ip('azure', 'addr', 'add', '172.16.0.253/32', 'dev', 'lo');
    lab.ip('azure', 'route', 'add', 'default', 'via', '192.0.2.254');
    lab.ip('lan', 'addr', 'add', '192.168.1.10/24', 'dev', 'eth0');
    lab.ip('lan', 'route', 'add', 'default', 'via', '192.168.1.1');
    bird = new Bird(lab, 'azure', 'bird');
    await bird.start(BIRD_CONF);
    pask = new Pask(lab, 'pask', { 1: 'p1', 2: 'p2' });
    await pask.start();
    pask.batch(config());
  }, 900_000);

  afterAll(async () => {
    try {
      await pask?.stop();
      await bird?.stop();
    } finally {
      lab?.destroy();
      release?.();
    }
  }, 60_000);

  it('reaches Established with file 003\'s settings and exchanges routes both ways through the prefix list', async () => {
    const up = await until(() => /Established/.test(pask.cli('show ip bgp neighbors 172.16.0.254')), 30_000, 250);
    expect(up, `${pask.cli('show ip bgp neighbors 172.16.0.254', 'show log')}\n${bird.logText()}`).toBe(true);
    const nb = pask.cli('show ip bgp neighbors 172.16.0.254');
    expect(nb).toMatch(/hold time is 180, keepalive interval is 60 seconds/);
    expect(nb).toMatch(/External BGP neighbor may be up to 2 hops away\./);
    expect(nb).toMatch(/Local host: 192\.168\.1\.1, /);
    expect(bird.birdc('show protocols er')).toMatch(/Established/);
    // BIRD -> pask: four routes sent, two accepted (the /32s and 172.16.5.0/24 are refused).
    await until(() => /172\.16\.0\.0\/22/.test(pask.cli('show ip route bgp')), 10_000, 250);
    const rec = pask.cli('show ip bgp neighbors 172.16.0.254 received-routes');
    for (const p of ['192.168.1.0/24', '192.168.1.1/32', '172.16.5.0/24', '172.16.0.0/22']) expect(rec).toContain(p);
    expect(summaryLine()).toMatch(/\s2$/);
    expect(pask.cli('show ip route bgp')).toMatch(/B {4}\*> 172\.16\.0\.0\/22 \[20\/0\] via 172\.16\.0\.254 \(recursive via 203\.0\.113\.254, eth0\) \)/);
    expect(pask.cli('show ip bgp')).not.toContain('172.16.5.0/24');
    // pask -> BIRD: its network, with its AS, next hop its update-source; nothing sent back.
    const got = await until(() => {
      const t = bird.birdc('show route protocol er all');
      return /192\.168\.1\.0\/24/.test(t) ? t : '';
    }, 10_000, 250);
    expect(got).toMatch(/BGP\.as_path: 65510/);
    expect(got).toMatch(/BGP\.next_hop: 192\.168\.1\.1/);
    expect(got).not.toMatch(/172\.16\.0\.0\/22/);
    // Traffic follows the BGP route: the LAN host reaches the Azure side's address.
    expect(lab.tryX('lan', ['ping', '-c', '2', '-W', '2', '172.16.0.254']).status).toBe(0);
  }, 60_000);

  it('propagates a withdrawal and the announcement again', async () => {
    bird.birdc('disable nets');
    expect(await until(() => !/172\.16\.0\.0\/22/.test(pask.cli('show ip route bgp')), 10_000, 100)).toBe(true);
    expect(summaryLine()).toMatch(/\s1$/);
    bird.birdc('enable nets');
    expect(await until(() => /172\.16\.0\.0\/22/.test(pask.cli('show ip route bgp')), 10_000, 100)).toBe(true);
  }, 30_000);

  it('route refresh: BIRD asks pask (reload in), pask asks BIRD (clear ip bgp soft in without soft-reconfiguration)', async () => {
    bird.birdc('reload in er');
    expect(await until(() => /Route refresh request: received 1,/.test(pask.cli('show ip bgp neighbors 172.16.0.254')), 10_000, 200)).toBe(true);
    pask.batch('configure\ndelete protocols bgp 65510 neighbor 172.16.0.254 soft-reconfiguration inbound\ncommit\nexit\n');
    pask.cli('clear ip bgp 172.16.0.254 soft in');
    expect(pask.cli('show ip bgp neighbors 172.16.0.254')).toMatch(/Route refresh request: received 1, sent 1/);
    await sleep(1000);
    // BIRD answered with its routes again: still there, the session never dropped.
    expect(pask.cli('show ip route bgp')).toMatch(/172\.16\.0\.0\/22/);
    expect(pask.cli('show ip bgp neighbors 172.16.0.254')).toMatch(/Connections established 1; dropped 0/);
  }, 30_000);

  it('a malformed UPDATE from a scripted peer: treat-as-withdraw for a bad ORIGIN, a session reset (3/10) for bad NLRI', async () => {
    const py = spawn('ip', ['netns', 'exec', lab.ns('azure'), '/usr/bin/python3', join(repoRoot(), 'test', 'system', 'bgp', 'peer.py'), '172.16.0.253', '192.168.1.1', '65516'],
      { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    py.stdout.on('data', (d: Buffer) => (out += d.toString()));
    py.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      expect(await until(() => out.includes('recv KEEPALIVE'), 10_000, 100), out).toBe(true);
      py.stdin.write('valid\n');
      expect(await until(() => pask.cli('show ip bgp').includes('10.77.0.0/16'), 10_000, 100), out).toBe(true);
      py.stdin.write('bad-origin\n');
      expect(await until(() => !pask.cli('show ip bgp').includes('10.77.0.0/16'), 10_000, 100)).toBe(true);
      expect(pask.cli('show log')).toMatch(/neighbor 172\.16\.0\.253: UPDATE treated as withdraw \(RFC 7606\): malformed ORIGIN \(value 5\): 1 prefix\(es\) starting 10\.77\.0\.0\/16/);
      py.stdin.write('valid\n');
      expect(await until(() => pask.cli('show ip bgp').includes('10.77.0.0/16'), 10_000, 100), 'the session survived the bad UPDATE').toBe(true);
      expect(out).not.toContain('NOTIFICATION');
      py.stdin.write('bad-nlri\n');
      expect(await until(() => out.includes('closed'), 10_000, 100), out).toBe(true);
      expect(out).toContain('recv NOTIFICATION 3/10');
      expect(pask.cli('show log')).toMatch(/neighbor 172\.16\.0\.253: session down: sent NOTIFICATION 3\/10 \(UPDATE Message Error\/Invalid Network Field\)/);
      expect(await until(() => !pask.cli('show ip bgp').includes('10.77.0.0/16'), 5000, 100)).toBe(true);
      // BIRD's session was never touched.
      expect(pask.cli('show ip bgp neighbors 172.16.0.254')).toMatch(/BGP state = Established/);
    } finally {
      py.kill('SIGKILL');
    }
  }, 60_000);

  it('restarting BIRD brings the session back; its routes go while it is away', async () => {
    await bird.stop('SIGTERM');
    expect(await until(() => !/Established/.test(pask.cli('show ip bgp neighbors 172.16.0.254')), 10_000, 100)).toBe(true);
    expect(pask.cli('show ip route bgp')).not.toMatch(/172\.16\.0\.0\/22/);
    expect(pask.cli('show log')).toMatch(/neighbor 172\.16\.0\.254: session down: received NOTIFICATION 6\/\d/);
    await bird.start();
    const back = await until(() => /Established/.test(pask.cli('show ip bgp neighbors 172.16.0.254')), 60_000, 250);
    expect(back, `${pask.cli('show ip bgp summary', 'show log')}\n${bird.logText()}`).toBe(true);
    expect(await until(() => /172\.16\.0\.0\/22/.test(pask.cli('show ip route bgp')), 10_000, 100)).toBe(true);
    expect(pask.cli('show ip bgp neighbors 172.16.0.254')).toMatch(/Connections established 2; dropped 1/);
    void established;
  }, 90_000);
});
