// Scale-out behind ECMP: two pask instances with the same SLB (l3dsr-iptunnel, maglev, two nginx
// reals decapsulating IP-in-IP with the tc BPF program) announce the VIP to a BIRD router that
// installs both as ECMP next hops in front of the client. Flows spread over both; a transfer in
// progress survives the instance that carries it going away (SIGTERM: a Cease, then SIGKILL with
// 3 s BGP timers) because the other instance adopts the flow on the real Maglev picks; when every
// real's nginx stops, the VIP is withdrawn.
//
//   [client] eth0 10.10.0.2 ── c0 10.10.0.1 [edge: BIRD AS 65000] br0 10.20.0.1/24
//      br0 ├─ p1 [lb1] 10.20.0.11 (AS 65001)   ├─ eth0 [srv1] 10.20.0.21, VIP 10.30.0.80 on lo
//          └─ p1 [lb2] 10.20.0.12 (AS 65001)   └─ eth0 [srv2] 10.20.0.22, VIP 10.30.0.80 on lo

import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireSystemLock } from '../topology.js';
import { Bird, NetLab, Pask, sleep, startNginx, until, whyNoBgpSystem } from './net.js';

const why = whyNoBgpSystem();
const VIP = '10.30.0.80';
const BIG = 24 << 20;
const LBS = [{ role: 'lb1', addr: '10.20.0.11', mac: '02:00:0a:14:00:0b' }, { role: 'lb2', addr: '10.20.0.12', mac: '02:00:0a:14:00:0c' }];
const REALS = [{ role: 'srv1', addr: '10.20.0.21' }, { role: 'srv2', addr: '10.20.0.22' }];

const BIRD_CONF = `router id 10.20.0.1;
protocol device { scan time 1; }
protocol kernel { ipv4 { import none; export all; }; merge paths on; }
${LBS.map((l) => `protocol bgp ${l.role} {
  local 10.20.0.1 as 65000;
  neighbor ${l.addr} as 65001;
  hold time 3;
  keepalive time 1;
  connect retry time 2;
  error wait time 1, 2;
  ipv4 { import all; export none; };
}`).join('\n')}
`;

function lbConfig(addr: string): string {
  return [
    'configure terminal', `hostname ${addr === LBS[0]!.addr ? 'lb1' : 'lb2'}`,
    'vlan edge', ' vid 20', ' port 1 untagged', ' apply',
    'interface edge', ` ip address ${addr}/24`, ' apply',
    'route default-gateway 10.20.0.1',
    'health-check 1', ' type ip-tunnel-tcp', ` inner-tip ${VIP}`, ' port 0', ' interval 2', ' timeout 1', ' retry 1', ' apply',
    ...REALS.flatMap((r, i) => [`real ${i + 1}`, ` rip ${r.addr}`, ' rport 80', ' apply']),
    'port-boundary 1', ' type include', ' port 1', ' apply',
    'slb web', ` vip ${VIP} protocol tcp vport 80`, ' nat-mode l3dsr-iptunnel', ' lb-method maglev', ' health-check 1', ' real 1', ' real 2',
    ` filter 1 type include protocol tcp dip ${VIP}/32`, ' apply',
    'router bgp 65001', ' timers bgp 1 3', ' redistribute slb', ' neighbor 10.20.0.1 remote-as 65000', ' neighbor 10.20.0.1 advertisement-interval 0', ' apply',
    'end', '',
  ].join('\n');
}

describe.skipIf(!!why)(`scale-out: two pask instances behind BIRD's ECMP${why ? ` (skipped: ${why})` : ''}`, () => {
  let lab: NetLab;
  let bird: Bird;
  const lbs = new Map<string, Pask>();
  let release: (() => void) | null = null;
  const vipRoute = () => lab.ip('edge', 'route', 'show', `${VIP}/32`);
  const nexthops = () => (vipRoute().match(/nexthop via|^10\.30\.0\.80 via/gm) ?? []).length;

  async function startLb(l: (typeof LBS)[number]): Promise<Pask> {
    const p = new Pask(lab, l.role, { 1: 'p1' }, { PASK_BASE_MAC: l.mac });
    await p.start();
    p.batch(lbConfig(l.addr));
    lbs.set(l.role, p);
    return p;
  }

  /** Which instance holds the client's session to the VIP from `port`. */
  function holder(port: number): string | null {
    for (const [role, p] of lbs) if (p.alive && p.cli('show entry').includes(`10.10.0.2:${port}`)) return role;
    return null;
  }

  beforeAll(async () => {
    release = await acquireSystemLock();
    lab = new NetLab();
    for (const r of ['client', 'edge', ...LBS.map((l) => l.role), ...REALS.map((r) => r.role)]) lab.addNs(r);
    lab.veth('client', 'eth0', 'edge', 'c0');
    lab.ip('client', 'addr', 'add', '10.10.0.2/24', 'dev', 'eth0');
    lab.ip('client', 'route', 'add', 'default', 'via', '10.10.0.1');
    lab.router('edge');
    lab.x('edge', ['sysctl', '-qw', 'net.ipv4.fib_multipath_hash_policy=1']);
    lab.ip('edge', 'addr', 'add', '10.10.0.1/24', 'dev', 'c0');
    const ports: string[] = [];
    LBS.forEach((l, i) => {
      lab.veth(l.role, 'p1', 'edge', `e${i + 1}`);
      lab.ip(l.role, 'link', 'set', 'p1', 'promisc', 'on');
      ports.push(`e${i + 1}`);
    });
    REALS.forEach((r, i) => {
      lab.veth(r.role, 'eth0', 'edge', `s${i + 1}`);
      ports.push(`s${i + 1}`);
      lab.ip(r.role, 'addr', 'add', `${r.addr}/24`, 'dev', 'eth0');
      lab.ip(r.role, 'addr', 'add', `${VIP}/32`, 'dev', 'lo');
      lab.ip(r.role, 'route', 'add', 'default', 'via', '10.20.0.1');
      lab.x(r.role, ['sysctl', '-qw', 'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2', 'net.ipv4.conf.all.rp_filter=0',
        'net.ipv4.conf.default.rp_filter=0', 'net.ipv4.conf.eth0.rp_filter=0', 'net.ipv4.conf.lo.rp_filter=0']);
      lab.decap(r.role, 'eth0');
    });
    lab.bridge('edge', 'br0', ports);
    lab.ip('edge', 'addr', 'add', '10.20.0.1/24', 'dev', 'br0');
    for (const r of REALS) await startNginx(lab, r.role, r.addr, r.role, BIG);
    bird = new Bird(lab, 'edge', 'bird');
    await bird.start(BIRD_CONF);
    for (const l of LBS) await startLb(l);
    const both = await until(() => nexthops() === 2, 40_000, 250);
    if (!both) {
      throw new Error(`the VIP did not get two next hops: ${vipRoute()}\n${bird.birdc('show protocols')}\n`
        + `${[...lbs.values()].map((p) => p.cli('show ip bgp summary', 'show info slb web', 'show log')).join('\n')}`);
    }
  }, 900_000);

  afterAll(async () => {
    try {
      for (const p of lbs.values()) await p.stop('SIGKILL');
      await bird?.stop();
    } finally {
      lab?.destroy();
      release?.();
    }
  }, 60_000);

  it('BIRD installs the VIP with both instances as ECMP next hops; 100 requests spread over both', () => {
    expect(vipRoute()).toMatch(/nexthop via 10\.20\.0\.11/);
    expect(vipRoute()).toMatch(/nexthop via 10\.20\.0\.12/);
    const bodies: string[] = [];
    for (let i = 0; i < 100; i++) {
      const r = lab.tryX('client', ['curl', '-sS', '-m', '3', `http://${VIP}/`]);
      bodies.push(r.status === 0 ? r.stdout.trim() : `error ${r.stderr}`);
    }
    expect(bodies.filter((b) => b.startsWith('error')), bodies.join('\n')).toEqual([]);
    const totals = [...lbs.values()].map((p) => Number(/^\s+Total sessions\s+:\s+(\d+)$/m.exec(p.cli('show info slb web'))?.[1] ?? -1));
    expect(totals[0]! + totals[1]!).toBeGreaterThanOrEqual(100);
    for (const t of totals) expect(t, `sessions per instance: ${totals.join(', ')}`).toBeGreaterThanOrEqual(15);
  }, 120_000);

  for (const sig of ['SIGTERM', 'SIGKILL'] as const) {
    it(`a long transfer completes through the other instance when the one carrying it is stopped (${sig})`, async () => {
      const port = sig === 'SIGTERM' ? 40001 : 40002;
      const curl = spawn('ip', ['netns', 'exec', lab.ns('client'), 'curl', '-sS', '-o', '/dev/null', '-w', '%{size_download} %{http_code}',
        '--local-port', String(port), '--limit-rate', '4M', '-m', '60', `http://${VIP}/big`], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      curl.stdout.on('data', (d: Buffer) => (out += d.toString()));
      curl.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const done = new Promise<number | null>((r) => curl.on('exit', (c) => r(c)));
      const who = await until(() => holder(port), 5000, 100);
      expect(who, 'no instance has the transfer\'s session').not.toBeNull();
      await sleep(1500);
      const victim = lbs.get(who!)!;
      await victim.stop(sig);
      const withdrawn = await until(() => nexthops() === 1, 10_000, 100);
      expect(withdrawn, vipRoute()).toBe(true);
      // SIGTERM: pask ends its session with a Cease before it goes; SIGKILL: BIRD's hold timer notices.
      if (sig === 'SIGTERM') expect(bird.logText()).toMatch(new RegExp(`${who}: Received: Administrative shutdown`));
      else expect(await until(() => new RegExp(`${who}: Error: Hold timer expired`).test(bird.logText()), 5000, 100), bird.logText().slice(-2000)).toBe(true);
      const code = await done;
      expect(code, out).toBe(0);
      expect(out).toBe(`${BIG} 200`);
      // The survivor adopted the flow mid-way (no SYN ever reached it).
      const other = [...lbs.entries()].find(([r]) => r !== who)![1];
      expect(other.cli('show entry')).toContain(`10.10.0.2:${port}`);
      // The stopped instance comes back and is an ECMP next hop again.
      await startLb(LBS.find((l) => l.role === who)!);
      expect(await until(() => nexthops() === 2, 40_000, 250), vipRoute()).toBe(true);
    }, 120_000);
  }

  it('stopping nginx on every real withdraws the VIP', async () => {
    for (const r of REALS) lab.x(r.role, ['sh', '-c', `kill $(cat ${lab.dir}/nginx-${r.role}/nginx.pid)`]);
    expect(await until(() => vipRoute().trim() === '', 30_000, 250), vipRoute()).toBe(true);
    for (const p of lbs.values()) expect(p.cli('show log')).toMatch(/bgp: /);
  }, 60_000);
});
