// `--lab gwlb` (file 002): pask is the gateway load balancer 10.254.11.60 in nat-mode geneve in
// front of four lab appliances in two zones. Traffic of the workload network crosses an
// appliance in GENEVE in both directions; flows stay on one appliance (5-, 3-, 2-tuple); a
// target whose health port goes down takes no new flows within interval x retry, and its
// existing flows follow target-failover; returns that are not a target's known flow are
// counted and dropped.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Appliance } from '../../src/appliance.js';
import { bootAppliance } from '../../src/boot.js';
import { LabWorld } from '../../src/lab/index.js';
import {
  APPLIANCES_A, APPLIANCES_B, geneveTargetOf, INTERNET, WORKLOAD, WORKLOAD_B, type LabGeneveTarget,
} from '../../src/lab/geneve-lab.js';
import { ipv4 } from '../../src/net/addr.js';
import { AWS_OPTIONS_LEN, writeAwsOptions, writeGeneveHeader, writeGeneveOption } from '../../src/packet/geneve.js';
import { buildIcmpEchoFrame } from '../../src/packet/build.js';
import { Prng } from '../../src/util/prng.js';
import { batch, runClean as run } from '../helpers/cli.js';

async function boot(): Promise<{ app: Appliance; world: LabWorld }> {
  const home = mkdtempSync(join(tmpdir(), 'pask-gwlb-'));
  const app = await bootAppliance({ lab: 'gwlb', ports: [], config: null, startupPath: join(home, 'startup-config') },
    { out: () => {}, err: (t) => { throw new Error(t); } }, 'batch');
  if (!(app.world instanceof LabWorld)) throw new Error('no lab');
  return { app, world: app.world };
}

/** The cli-contract's scenario 002 configuration (pask as the GWLB), with file 002's endpoint id. */
const GWLB_CONFIG = `configure terminal
hostname gwlb
vlan appliance
 vid 11
 port 1 untagged
 apply
interface appliance
 ip address 10.254.11.60/24
 apply
vlan workload
 vid 121
 port 2 untagged
 apply
interface workload
 ip address 10.1.21.1/24
 apply
vlan outside
 vid 100
 port 3 untagged
 apply
interface outside
 ip address 198.51.100.1/24
 apply
route default-gateway 198.51.100.254
health-check 11
 type tcp
 port 80
 interval 10
 apply
real 11
 name appliance-11-101
 rip 10.254.11.101
 apply
real 12
 name appliance-11-102
 rip 10.254.11.102
 apply
slb gwlb
 nat-mode geneve
 lb-method hash
 hash-tuple 5
 geneve-endpoint-id 2356de92d389839c
 health-check 11
 real 11
 real 12
 filter 1 type include protocol all sip 10.1.0.0/16
 filter 2 type include protocol all dip 10.1.0.0/16
 apply
end
`;

/** Zone B: the GWLB's second address and two more targets. */
const ZONE_B = `configure terminal
vlan appliance-b
 vid 12
 port 4 untagged
 apply
interface appliance-b
 ip address 10.254.12.149/24
 apply
real 13
 name appliance-12-101
 rip 10.254.12.101
 apply
real 14
 name appliance-12-102
 rip 10.254.12.102
 apply
slb gwlb
 real 13
 real 14
 apply
end
`;

function targets(world: LabWorld, addrs: readonly string[] = [...APPLIANCES_A, ...APPLIANCES_B]): Map<string, LabGeneveTarget> {
  return new Map(addrs.map((a) => [a, geneveTargetOf(world.findHost(a))!]));
}

/** Bidirectional flow -> the appliances that saw it (each flow key once per direction). */
function flowsByAppliance(ts: Map<string, LabGeneveTarget>): Map<string, Set<string>> {
  const seen = new Map<string, Set<string>>();
  for (const [addr, t] of ts) {
    for (const k of t.flows.keys()) {
      const [proto, a, , b] = k.split(' ');
      const key = `${proto} ${[a, b].sort().join(' ')}`;
      if (!seen.has(key)) seen.set(key, new Set());
      seen.get(key)!.add(addr);
    }
  }
  return seen;
}

const okCount = (out: string, re: RegExp) => out.split('\n').filter((l) => re.test(l)).length;

/** `show entry` rows of the gateway: flow -> real id. */
function entryTargets(out: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of out.split('\n')) {
    const f = l.trim().split(/\s+/);
    if (f.length >= 7 && f[3] === '-' && /^slb\.gwlb:\d+$/.test(f[6]!)) m.set(`${f[0]} ${f[1]} ${f[2]}`, f[6]!.split(':')[1]!);
  }
  return m;
}

describe('pask as the gateway load balancer (--lab gwlb)', () => {
  it('pings and HTTP cross an appliance both ways; show entry lists each flow with its target; both directions on one appliance', async () => {
    const { app, world } = await boot();
    await run(app, GWLB_CONFIG);
    await run(app, 'wait 12\n');
    const ping = await run(app, `lab ping workload ${INTERNET} count 3\n`);
    expect(okCount(ping, /^\d reply from 54\.230\.62\.60 ttl 62/)).toBe(3);
    const http = await run(app, `lab request workload http://${INTERNET}/ count 10\nlab request workload-b http://${INTERNET}/ count 10\n`);
    expect(okCount(http, /^\d+ 200 OK internet/)).toBe(20);
    // The other way: the outside opens a connection to the workload (filter 2, dip 10.1.0.0/16).
    const inbound = await run(app, `lab request internet http://${WORKLOAD}/ count 4\n`);
    expect(okCount(inbound, /^\d+ 200 OK workload/)).toBe(4);

    const entry = await run(app, 'show entry\n');
    const flows = entryTargets(entry);
    expect(flows.get(`icmp ${WORKLOAD}:0 ${INTERNET}:0`)).toMatch(/^1[12]$/);
    expect([...flows.keys()].filter((k) => k.startsWith('tcp')).length).toBe(24);
    expect(new Set(flows.values())).toEqual(new Set(['11', '12'])); // 5-tuple: the flows spread over both targets

    const ts = targets(world, APPLIANCES_A);
    const byFlow = flowsByAppliance(ts);
    expect(byFlow.size).toBe(25);
    for (const [flow, apps] of byFlow) expect(apps.size, flow).toBe(1);
    // ... in both directions, and on the appliance show entry names.
    for (const [flow, apps] of byFlow) {
      const [proto, a, b] = flow.split(' ');
      const t = ts.get([...apps][0]!)!;
      expect(t.flows.has(`${proto} ${a} > ${b}`) && t.flows.has(`${proto} ${b} > ${a}`), flow).toBe(true);
    }
    // One cookie per flow, a different one for each.
    const cookies = [...ts.values()].flatMap((t) => [...t.cookies.values()]);
    for (const c of cookies) expect(c.size).toBe(1);
    expect(new Set(cookies.map((c) => [...c][0])).size).toBe(25);

    const info = await run(app, 'show info slb gwlb\n');
    expect(info).toContain('    NAT Mode             : geneve');
    expect(info).toContain('    Endpoint ID          : 2356de92d389839c');
    expect(info).toMatch(/ {7}11 +appliance-11-101 10\.254\.11\.101 +\d+ +\d+ +[1-9]\d* +\d+ +[1-9]\d* +\d+ +0\n/);
    expect(info).toMatch(/Filter\n.*\n {7}1 +include all +10\.1\.0\.0\/16 +0\.0\.0\.0\/0 +enable 21/);
    expect(info).toMatch(/ {7}2 +include all +0\.0\.0\.0\/0 +10\.1\.0\.0\/16 +enable 4/);
    expect(app.runtime.engineCounters().internalErrors).toBe(0);
    await app.close();
  });

  it('hash-tuple 2: every flow between two hosts shares an appliance; 3: per protocol; in both zones', async () => {
    const { app, world } = await boot();
    await run(app, GWLB_CONFIG + ZONE_B + 'configure terminal\nslb gwlb\n hash-tuple 2\n apply\nend\nwait 12\n');
    const out = await run(app, `lab request workload http://${INTERNET}/ count 12\nlab ping workload ${INTERNET} count 2\n` +
      `lab request workload-b http://${INTERNET}/ count 12\nlab request internet http://${WORKLOAD}/ count 3\n`);
    expect(okCount(out, /200 OK/)).toBe(27);
    const ts = targets(world);
    const byFlow = flowsByAppliance(ts);
    const hostsOn = (host: string) => new Set([...byFlow].filter(([k]) => k.includes(`${host}:`)).flatMap(([, v]) => [...v]));
    expect(hostsOn(WORKLOAD).size).toBe(1); // 13 TCP flows, 3 inbound, and the pings: one appliance
    expect(hostsOn(WORKLOAD_B).size).toBe(1);
    // 2-tuple stickiness is a hash like the others: with four targets, the two pairs may share one; all four are healthy.
    const info = await run(app, 'show info slb gwlb\n');
    expect(info.match(/ ACT /g)?.length).toBe(4);

    // 3-tuple: TCP and ICMP between the same hosts are different flows of the hash, each on one appliance.
    await run(app, 'clear entry\nconfigure terminal\nslb gwlb\n hash-tuple 3\n apply\nend\n');
    for (const t of ts.values()) t.flows.clear();
    await run(app, `lab request workload http://${INTERNET}/ count 8\nlab ping workload ${INTERNET} count 2\n`);
    const tcpOn = new Set([...ts].filter(([, t]) => t.packetsOf((k) => k.startsWith('tcp')) > 0).map(([a]) => a));
    const icmpOn = new Set([...ts].filter(([, t]) => t.packetsOf((k) => k.startsWith('icmp')) > 0).map(([a]) => a));
    expect(tcpOn.size).toBe(1);
    expect(icmpOn.size).toBe(1);
    await app.close();
  });

  for (const failover of ['no-rebalance', 'rebalance'] as const) {
    it(`a target's health port going down moves new flows away within interval x retry; existing flows: ${failover}`, async () => {
      const { app, world } = await boot();
      await run(app, GWLB_CONFIG + `configure terminal\nslb gwlb\n target-failover ${failover}\n apply\nend\nwait 12\n`);
      // An existing flow: the pings between the workload and the internet host (one ICMP flow).
      expect(okCount(await run(app, `lab ping workload ${INTERNET} count 2\n`), /reply from/)).toBe(2);
      const first = entryTargets(await run(app, 'show entry\n')).get(`icmp ${WORKLOAD}:0 ${INTERNET}:0`)!;
      const [down, other] = first === '11' ? ['10.254.11.101', '10.254.11.102'] : ['10.254.11.102', '10.254.11.101'];
      const ts = targets(world, APPLIANCES_A);
      await run(app, `lab service ${down} tcp 80 down\n`);
      // interval 10 s x retry 3 (+ the 3 s timeout of the last probe): DEACT by then, not long before.
      let elapsed = 0;
      for (; elapsed <= 60; elapsed++) {
        if ((await run(app, 'show info slb gwlb\n')).match(new RegExp(`${first} +appliance-\\S+ +\\S+ +0 +enable disable DEACT`))) break;
        await run(app, 'wait 1\n');
      }
      expect(elapsed).toBeLessThanOrEqual(10 * 3 + 3);
      expect(elapsed).toBeGreaterThanOrEqual(10 * 2);

      const before = new Map([...ts].map(([a, t]) => [a, t.packetsOf((k) => k.startsWith('tcp'))]));
      const http = await run(app, `lab request workload http://${INTERNET}/ count 10\n`);
      expect(okCount(http, /200 OK internet/)).toBe(10);
      // Every new flow went to the healthy target.
      expect(ts.get(down)!.packetsOf((k) => k.startsWith('tcp'))).toBe(before.get(down));
      expect(ts.get(other)!.packetsOf((k) => k.startsWith('tcp'))).toBeGreaterThan(before.get(other)!);

      const icmpDown = ts.get(down)!.packetsOf((k) => k.startsWith('icmp'));
      const icmpOther = ts.get(other)!.packetsOf((k) => k.startsWith('icmp'));
      expect(okCount(await run(app, `lab ping workload ${INTERNET} count 2\n`), /reply from/)).toBe(2);
      const now = entryTargets(await run(app, 'show entry\n')).get(`icmp ${WORKLOAD}:0 ${INTERNET}:0`);
      if (failover === 'no-rebalance') {
        // The existing flow stays on its target (whose GENEVE path still works: only its health port is down).
        expect(now).toBe(first);
        expect(ts.get(down)!.packetsOf((k) => k.startsWith('icmp'))).toBe(icmpDown + 4);
      } else {
        expect(now).not.toBe(first);
        expect(ts.get(other)!.packetsOf((k) => k.startsWith('icmp'))).toBe(icmpOther + 4);
        expect(ts.get(down)!.packetsOf((k) => k.startsWith('icmp'))).toBe(icmpDown);
      }
      await app.close();
    });
  }

  it('no-rebalance: the flows of a target that is really gone fail; the others keep working', async () => {
    const { app, world } = await boot();
    await run(app, GWLB_CONFIG + 'wait 12\n');
    expect(okCount(await run(app, `lab ping workload ${INTERNET} count 1\n`), /reply from/)).toBe(1);
    const first = entryTargets(await run(app, 'show entry\n')).get(`icmp ${WORKLOAD}:0 ${INTERNET}:0`)!;
    const gone = first === '11' ? '10.254.11.101' : '10.254.11.102';
    // The appliance stops returning anything at all (and its checks fail).
    geneveTargetOf(world.findHost(gone))!.dropIf = () => true;
    await run(app, `lab service ${gone} tcp 80 down\nwait 40\n`);
    expect(okCount(await run(app, `lab ping workload ${INTERNET} count 2\n`), /reply from/)).toBe(0);
    expect(okCount(await run(app, `lab request workload-b http://${INTERNET}/ count 6\n`), /200 OK/)).toBe(6);
    await app.close();
  });

  it('an appliance that drops one flow\'s returns makes that flow fail and no other', async () => {
    const { app, world } = await boot();
    await run(app, GWLB_CONFIG + 'wait 12\n');
    for (const a of APPLIANCES_A) {
      // Both appliances drop the returns of workload-b's HTTP, whichever carries it.
      geneveTargetOf(world.findHost(a))!.dropIf = (m) => (m.ipSrc >>> 0) === ipv4(WORKLOAD_B) && m.dport === 80;
    }
    expect(okCount(await run(app, `lab request workload http://${INTERNET}/ count 5\n`), /200 OK internet/)).toBe(5);
    const failed = await run(app, `lab request workload-b http://${INTERNET}/ count 2\n`);
    expect(okCount(failed, /200 OK/)).toBe(0);
    expect(okCount(failed, /^[12] (timeout|reset)/)).toBe(2);
    expect(okCount(await run(app, `lab ping workload-b ${INTERNET} count 2\n`), /reply from/)).toBe(2);
    expect(okCount(await run(app, `lab request workload http://${INTERNET}/ count 5\n`), /200 OK internet/)).toBe(5);
    await app.close();
  });

  it('returns that are not a target\'s known flow, and malformed GENEVE, are counted and dropped, never thrown', async () => {
    const { app, world } = await boot();
    await run(app, GWLB_CONFIG + 'wait 12\n');
    expect(okCount(await run(app, `lab ping workload ${INTERNET} count 1\n`), /reply from/)).toBe(1);
    const t11 = world.findHost('10.254.11.101')!;
    const gw = ipv4('10.254.11.60');
    const send = (h: typeof t11, payload: Uint8Array) => h.udp.send(null, 60001, gw, 6081, payload);
    const good = (cookie: number, inner: Uint8Array, protocol = 0x0800) => {
      const b = new Uint8Array(8 + AWS_OPTIONS_LEN + inner.length);
      writeGeneveHeader(b, 0, AWS_OPTIONS_LEN, 0, protocol, 0);
      writeAwsOptions(b, 8, 0x2356de92, 0xd389839c, 0, 0, cookie);
      b.set(inner, 40);
      return b;
    };
    // An inner packet of a flow pask never saw (a well-formed ICMP echo from 10.1.21.101 to 9.9.9.9).
    const inner = Uint8Array.from(buildIcmpEchoFrame({ src: ipv4(WORKLOAD), dst: ipv4('9.9.9.9'), id: 1, seq: 1 }).subarray(14));
    send(t11, good(1, inner)); // unknown flow
    send(t11, new Uint8Array(5)); // truncated
    const past = good(1, inner);
    past[0] = 20; // the header's options length past the datagram's end
    send(t11, past);
    const optPast = good(1, inner);
    optPast[8 + 3] = 9; // the first option says 36 bytes of data: past the 32 bytes of options
    send(t11, optPast);
    const crit = new Uint8Array(8 + 4 + AWS_OPTIONS_LEN);
    writeGeneveHeader(crit, 0, 4 + AWS_OPTIONS_LEN, 0x40, 0x0800, 0);
    writeGeneveOption(crit, 8, 0x0101, 0x80, []);
    writeAwsOptions(crit, 12, 1, 2, 3, 4, 5);
    send(t11, crit); // unknown critical option
    send(t11, good(1, inner, 0x6558)); // wrong protocol type
    const missing = good(1, inner);
    missing[0] = 6; // 24 bytes of options: the cookie is gone (it becomes payload)
    send(t11, missing);
    send(world.findHost(WORKLOAD)!, good(1, inner)); // not a target
    await run(app, 'wait 1\n');
    const info = await run(app, 'show info slb gwlb\n');
    expect(info).toMatch(/Gateway Drops {8}: truncated 2, bad-option-length 1, unknown-critical-option 1, bad-protocol 1, missing-aws-option 1, not-a-target 1, unknown-flow 1/);
    expect(info).toMatch(/ {7}11 +appliance-11-101 .* 1\n/); // the refused return counts on its target
    expect(app.runtime.engineCounters().internalErrors).toBe(0);
    // Random GENEVE-ish payloads from a target: all counted, none thrown.
    const rng = new Prng(7);
    for (let i = 0; i < 300; i++) {
      const p = good(rng.u32(), inner);
      for (let k = rng.int(0, 8); k > 0; k--) p[rng.int(0, p.length - 1)] = rng.int(0, 255);
      send(t11, p.subarray(0, rng.int(0, p.length)));
    }
    await run(app, 'wait 1\n');
    expect(app.runtime.engineCounters().internalErrors).toBe(0);
    const drops = app.runtime.geneveGatewayDrops!();
    expect(Object.values(drops).reduce((n, x) => n + x, 0)).toBe(8 + 300);
    // Still working.
    expect(okCount(await run(app, `lab ping workload ${INTERNET} count 1\n`), /reply from/)).toBe(1);
    await app.close();
  });

  it('flows idle out as on AWS: ICMP and UDP after 120 s, TCP after tcp-idle-timeout (350 s)', async () => {
    const { app, world } = await boot();
    await run(app, GWLB_CONFIG + 'wait 12\n');
    const wl = world.host('workload')!;
    // A TCP connection held open, idle (the internet host's HTTP server waits for a request).
    const c = wl.tcp.connect(ipv4(INTERNET), 80);
    expect(okCount(await run(app, `lab ping workload ${INTERNET} count 1\n`), /reply from/)).toBe(1);
    expect(c.state).toBe('ESTABLISHED');
    const flows = async () => [...entryTargets(await run(app, 'show entry\n')).keys()].map((k) => k.split(' ')[0]).sort();
    expect(await flows()).toEqual(['icmp', 'tcp']);
    await run(app, 'wait 119\n');
    expect(await flows()).toEqual(['icmp', 'tcp']);
    await run(app, 'wait 3\n');
    expect(await flows()).toEqual(['tcp']);
    await run(app, 'wait 226\n'); // 348 s idle
    expect(await flows()).toEqual(['tcp']);
    await run(app, 'wait 4\n');
    expect(await flows()).toEqual([]);
    c.close();
    await app.close();
  });

  it('68 bytes more on a 1500-byte link: DF packets too big get fragmentation needed (MTU 1432), others go in wrapped fragments', async () => {
    const { app, world } = await boot();
    await run(app, GWLB_CONFIG + 'wait 12\n');
    const wl = world.host('workload')!;
    const big = wl.ping(ipv4(INTERNET), { payload: new Uint8Array(1440), timeoutMs: 1000 });
    await run(app, 'wait 1\n');
    expect(await big).toMatchObject({ outcome: 'unreachable', from: ipv4('10.1.21.1'), code: 4 });
    const fits = wl.ping(ipv4(INTERNET), { payload: new Uint8Array(1400), timeoutMs: 1000 });
    await run(app, 'wait 1\n');
    expect((await fits).outcome).toBe('reply');
    // Without DF (a UDP datagram of 1400 bytes of payload): two wrapped pieces, each within the MTU.
    const pkt = wl.ip.packet(ipv4(WORKLOAD), ipv4(INTERNET), 17, 8 + 1460);
    pkt.set([0x9c, 0x40, 0x00, 0x35, (8 + 1460) >> 8, (8 + 1460) & 0xff, 0, 0], 20);
    const cap = 'capture start big port 6081\n';
    await run(app, cap);
    wl.ip.send(pkt);
    await run(app, 'wait 1\ncapture stop big\n');
    const dump = await run(app, 'show capture big -nnv\n');
    const lens = [...dump.matchAll(/proto UDP \(17\), length (\d+)\)\n {4}10\.254\.11\.60\.60001 > 10\.254\.11\.10[12]\.6081: /g)].map((m) => Number(m[1]));
    expect(lens, dump).toEqual([1496, 148]);
    // The inner packet went as two fragments (1408 bytes of payload, then the rest), the same id.
    expect(dump).toMatch(/\tIP \(tos 0x0, ttl 64, id (\d+), offset 0, flags \[\+\], proto UDP \(17\), length 1428\)[^]*\tIP \(tos 0x0, ttl 64, id \1, offset 1408, flags \[none\], proto UDP \(17\), length 80\)/);
    await app.close();
  });

  it('configuration: geneve settings round-trip in show running-config; a geneve slb takes no vip and needs a hash method', async () => {
    const { app } = await boot();
    await run(app, GWLB_CONFIG + 'configure terminal\nslb gwlb\n target-failover rebalance\n geneve-attachment-id 0x1\n tcp-idle-timeout 600\n apply\nend\n');
    const rc = await run(app, 'show running-config\n');
    expect(rc).toContain('slb gwlb\n nat-mode geneve\n lb-method hash\n target-failover rebalance\n geneve-endpoint-id 2356de92d389839c\n' +
      ' geneve-attachment-id 0000000000000001\n tcp-idle-timeout 600\n health-check 11\n');
    // Replayed on a fresh appliance, it gives the same configuration.
    const again = await boot();
    await run(again.app, rc);
    expect(await run(again.app, 'show running-config\n')).toBe(rc);
    await again.app.close();
    const bad = await batch(app, 'configure terminal\nslb gwlb\n vip 10.0.0.1 protocol tcp vport 80\n lb-method rr\n apply\n geneve-endpoint-id xyz\nend\n');
    expect(bad.err).toContain('nat-mode geneve takes no vip');
    expect(bad.err).toContain('use lb-method hash or maglev');
    expect(bad.err).toContain('xyz is not a valid endpoint id');
    await app.close();
  });
});
