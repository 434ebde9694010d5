// The VTEP in the engine (scenario 004's configuration): a VLAN bridged to VNI 42 through a
// virtual port; encapsulation per the FDB (unicast, head-end replication), decapsulation with
// learning, ageing, moves, max-entries, the overlay MTU, malformed packets, the ARP proxy, and
// the physical ports' VLANs left as they were.

import { describe, expect, it } from 'vitest';
import type { RunningConfig } from '../../src/config/model.js';
import { ipv4, mac, readMac, type Ipv4, type Mac } from '../../src/net/addr.js';
import {
  ARP_REPLY, ARP_REQUEST, buildArpFrame, buildIcmpEchoFrame, buildUdpFrame, ETHERTYPE_ARP, ICMP_ECHO_REPLY, IPPROTO_UDP, readU16,
} from '../../src/packet/index.js';
import { parseVxlan, VXLAN_HEADER_LEN, writeVxlanHeader } from '../../src/packet/vxlan.js';
import { HostStack } from '../../src/stack/host-stack.js';
import { Prng } from '../../src/util/prng.js';
import { fdbLine } from '../../src/vxlan/show.js';
import { stackBinder, Vtep } from '../../src/vxlan/vtep.js';
import { VXLAN_SPORT_MAX, VXLAN_SPORT_MIN } from '../../src/engine/vxlan-encap.js';
import { newAppliance, runClean } from '../helpers/cli.js';
import { decode, ME, rig, takeAll, type Rig } from '../engine/dataplane/harness.js';

const CONFIG_004 = [
  'configure terminal',
  'vlan underlay', ' vid 104', ' port 1 untagged', ' apply',
  'interface underlay', ' ip address 192.168.104.2/24', ' apply',
  'vlan overlay', ' vid 12', ' port 2,3 untagged', ' vxlan vni 42', ' apply',
  'interface overlay', ' ip address 12.12.12.1/24', ' apply',
  'vxlan', ' source-address 192.168.104.2', ' apply',
  'end', '',
].join('\n');

const LOCAL = ipv4('192.168.104.2'), REMOTE = ipv4('192.168.104.3'), REMOTE2 = ipv4('192.168.104.4');
const R_MAC = mac('08:00:27:6a:1f:03'), R2_MAC = mac('08:00:27:6a:1f:04');
const PINK = mac('02:42:c0:a8:00:02'), PINK2 = mac('02:42:c0:a8:00:03');
const PINK_IP = ipv4('12.12.12.2'), PINK2_IP = ipv4('12.12.12.3');

interface VxRig extends Rig {
  vtep: Vtep;
  cfg: RunningConfig;
}

async function vxRig(extra = ''): Promise<VxRig> {
  const app = newAppliance();
  await runClean(app, CONFIG_004 + (extra ? `configure terminal\n${extra}\nend\n` : ''));
  const r = rig(app.config);
  const stack = new HostStack(r.engine, new Prng(1));
  const vtep = new Vtep(r.engine, stackBinder(stack), ME);
  vtep.configure(app.config);
  r.engine.learnNeighbor(REMOTE, R_MAC, 1);
  r.engine.learnNeighbor(REMOTE2, R2_MAC, 1);
  takeAll(r);
  return { ...r, vtep, cfg: app.config };
}

/** A frame of pinkns (12.12.12.2) to `dstMac`: an ICMP echo request to 12.12.12.3 of `size` bytes of IP. */
function pinkFrame(dstMac: number = PINK2, srcMac: number = PINK, ipLen = 84, dstIp: number = PINK2_IP): Buffer {
  return buildIcmpEchoFrame({ dstMac, srcMac, src: PINK_IP, dst: dstIp, id: 1, seq: 1, payload: 'x'.repeat(ipLen - 28) });
}

/** What a remote VTEP sends: `inner` in VXLAN (VNI `vni`) from `from` to the appliance's VTEP address. */
function vxlanFrom(inner: Uint8Array, vni = 42, from: Ipv4 = REMOTE, fromMac: number = R_MAC, to: number = LOCAL, flags = 0x08, dport = 4789): Buffer {
  const payload = new Uint8Array(VXLAN_HEADER_LEN + inner.length);
  writeVxlanHeader(payload, 0, vni);
  payload[0] = flags;
  payload.set(inner, VXLAN_HEADER_LEN);
  return buildUdpFrame({ dstMac: ME, srcMac: fromMac, src: from, dst: to, sport: 40001, dport, payload });
}

/** The VXLAN packets sent out of port 1: [remote, vni, inner frame, outer UDP source port, UDP checksum]. */
function tunnelled(sent: [number, Buffer][]): { to: number; vni: number; inner: Buffer; sport: number; csum: number; df: boolean; ttl: number }[] {
  return sent.filter(([p]) => p === 1).map(([, f]) => {
    const m = decode(f, false);
    expect([m.proto, m.dport, m.srcMac, m.ipSrc]).toEqual([IPPROTO_UDP, 4789, ME, LOCAL]);
    return {
      to: m.ipDst, vni: parseVxlan(f, m.payloadOff, m.payloadOff + m.payloadLen), inner: f.subarray(m.payloadOff + VXLAN_HEADER_LEN, m.payloadOff + m.payloadLen),
      sport: m.sport, csum: readU16(f, m.l4Off + 6), df: m.dontFragment, ttl: m.ttl,
    };
  });
}

const drops = (v: Vtep) => v.status().drops;

describe('the VTEP: bridge -> tunnel', () => {
  it('encapsulates a frame to a MAC of the FDB toward its VTEP: MAC-in-UDP, checksum 0, TTL 64, DF clear, the frame unchanged', async () => {
    const r = await vxRig('vxlan fdb 02:42:c0:a8:00:03 vni 42 remote 192.168.104.3');
    const f = pinkFrame();
    r.ports[2]!.inject(f);
    const sent = takeAll(r);
    // Unknown on the bridge: flooded to port 3 and to the segment's port, which tunnels it.
    expect(sent.filter(([p]) => p !== 1).map(([p]) => p)).toEqual([3]);
    const t = tunnelled(sent);
    expect(t.length).toBe(1);
    expect(t[0]).toMatchObject({ to: REMOTE, vni: 42, csum: 0, df: false, ttl: 64 });
    expect(t[0]!.sport >= VXLAN_SPORT_MIN && t[0]!.sport < VXLAN_SPORT_MAX).toBe(true);
    expect(t[0]!.inner.equals(f)).toBe(true);
    const s = r.vtep.segment(42)!;
    expect([s.stats.txFrames, s.stats.txPackets, s.stats.flooded]).toEqual([1, 1, 0]);
  });

  it('floods broadcast and unknown unicast to every all-zeros entry (head-end replication), or drops and counts without one', async () => {
    const r = await vxRig();
    r.ports[2]!.inject(pinkFrame());
    expect(tunnelled(takeAll(r))).toEqual([]);
    expect(drops(r.vtep)).toEqual({ 'no-remote': 1 });

    const r2 = await vxRig('vxlan fdb 00:00:00:00:00:00 vni 42 remote 192.168.104.3\nvxlan fdb 00:00:00:00:00:00 vni 42 remote 192.168.104.4');
    const req = buildArpFrame({ op: 'request', sha: PINK, spa: PINK_IP, tpa: PINK2_IP });
    r2.ports[2]!.inject(req);
    r2.ports[2]!.inject(pinkFrame());
    const t = tunnelled(takeAll(r2));
    expect(t.map((x) => [x.to, x.vni])).toEqual([[REMOTE, 42], [REMOTE2, 42], [REMOTE, 42], [REMOTE2, 42]]);
    expect(t[0]!.inner.equals(req)).toBe(true);
    expect(t[1]!.inner.equals(req)).toBe(true);
    expect(r2.vtep.segment(42)!.stats.flooded).toBe(2);
    expect(r2.vtep.segment(42)!.stats.txPackets).toBe(4);
  });

  it('drops and counts a frame bigger than the overlay MTU (1450 of IP), never fragments it', async () => {
    const r = await vxRig('vxlan fdb 02:42:c0:a8:00:03 vni 42 remote 192.168.104.3');
    r.ports[2]!.inject(pinkFrame(PINK2, PINK, 1450));
    expect(tunnelled(takeAll(r)).map((t) => t.inner.length)).toEqual([1464]);
    r.ports[2]!.inject(pinkFrame(PINK2, PINK, 1451));
    expect(tunnelled(takeAll(r))).toEqual([]);
    expect(drops(r.vtep)).toEqual({ mtu: 1 });
    // The overlay's interface carries the overlay MTU.
    expect(r.engine.interfaceByName('overlay')!.mtu).toBe(1450);
    expect(r.engine.interfaceByName('underlay')!.mtu).toBe(1500);
  });
});

describe('the VTEP: tunnel -> bridge', () => {
  it('decapsulates VXLAN of its VNI to the bridge, learns the inner source behind the outer source, then unicasts to it', async () => {
    const r = await vxRig('vxlan fdb 00:00:00:00:00:00 vni 42 remote 192.168.104.4');
    const inner = pinkFrame(PINK, PINK2, 84, PINK_IP);
    r.ports[1]!.inject(vxlanFrom(inner));
    const sent = takeAll(r);
    expect(sent.map(([p]) => p)).toEqual([2, 3]);
    expect(sent[0]![1].equals(inner)).toBe(true);
    expect(r.vtep.fdb.entries().map(fdbLine)).toEqual([
      '02:42:c0:a8:00:03 dev vxlan42 dst 192.168.104.3 vni 42 port 4789 self',
      '00:00:00:00:00:00 dev vxlan42 dst 192.168.104.4 vni 42 port 4789 self permanent',
    ]);
    // The answer goes to the learned VTEP only, not to the flood list.
    r.ports[2]!.inject(pinkFrame());
    expect(tunnelled(takeAll(r)).map((t) => t.to)).toEqual([REMOTE]);
  });

  it('ages a learned entry 300 s after the last frame from its MAC (frames toward it do not refresh it), then floods again', async () => {
    const r = await vxRig('vxlan fdb 00:00:00:00:00:00 vni 42 remote 192.168.104.4');
    r.ports[1]!.inject(vxlanFrom(pinkFrame(PINK, PINK2, 84, PINK_IP)));
    takeAll(r);
    for (let t = 0; t < 29; t++) {
      r.clock.advance(10_000);
      r.ports[2]!.inject(pinkFrame());
    }
    expect(r.vtep.fdb.lookup(42, PINK2)).toBeDefined();
    r.clock.advance(10_000);
    expect(r.vtep.fdb.lookup(42, PINK2)).toBeUndefined();
    expect(r.vtep.fdb.counters.aged).toBe(1);
    takeAll(r);
    r.ports[2]!.inject(pinkFrame());
    expect(tunnelled(takeAll(r)).map((t) => t.to)).toEqual([REMOTE2]);
    // Traffic from it brings it back.
    r.ports[1]!.inject(vxlanFrom(pinkFrame(PINK, PINK2, 84, PINK_IP)));
    expect(r.vtep.fdb.lookup(42, PINK2)!.remote).toBe(REMOTE);
  });

  it('uses the configured ageing, and keeps learned entries with ageing 0', async () => {
    const r = await vxRig('vxlan\n ageing 20\n apply');
    r.ports[1]!.inject(vxlanFrom(pinkFrame(PINK, PINK2, 84, PINK_IP)));
    r.clock.advance(19_000);
    expect(r.vtep.fdb.learnedSize).toBe(1);
    r.clock.advance(1000);
    expect(r.vtep.fdb.learnedSize).toBe(0);
    const r0 = await vxRig('vxlan\n ageing 0\n apply');
    r0.ports[1]!.inject(vxlanFrom(pinkFrame(PINK, PINK2, 84, PINK_IP)));
    r0.clock.advance(3_600_000);
    expect(r0.vtep.fdb.learnedSize).toBe(1);
  });

  it('moves a learned MAC that shows up behind another VTEP, never a static one', async () => {
    const r = await vxRig('vxlan fdb 02:42:c0:a8:00:09 vni 42 remote 192.168.104.3');
    r.ports[1]!.inject(vxlanFrom(pinkFrame(PINK, PINK2, 84, PINK_IP)));
    r.ports[1]!.inject(vxlanFrom(pinkFrame(PINK, PINK2, 84, PINK_IP), 42, REMOTE2, R2_MAC));
    expect(r.vtep.fdb.lookup(42, PINK2)!.remote).toBe(REMOTE2);
    expect(r.vtep.fdb.counters.moved).toBe(1);
    r.ports[1]!.inject(vxlanFrom(pinkFrame(PINK, mac('02:42:c0:a8:00:09'), 84, PINK_IP), 42, REMOTE2, R2_MAC));
    expect(r.vtep.fdb.lookup(42, mac('02:42:c0:a8:00:09'))!.remote).toBe(REMOTE);
  });

  it('works on Linux\'s port 8472 when told to (udp-port 8472), and ignores 4789 then', async () => {
    const r = await vxRig('vxlan\n udp-port 8472\n apply\nvxlan fdb 00:00:00:00:00:00 vni 42 remote 192.168.104.3');
    r.ports[1]!.inject(vxlanFrom(pinkFrame(PINK, PINK2, 84, PINK_IP), 42, REMOTE, R_MAC, LOCAL, 0x08, 8472));
    expect(takeAll(r).map(([p]) => p)).toEqual([2, 3]);
    expect(r.vtep.fdb.lookup(42, PINK2)).toMatchObject({ remote: REMOTE, port: 8472 });
    r.ports[1]!.inject(vxlanFrom(pinkFrame(PINK, PINK2, 84, PINK_IP)));
    expect(takeAll(r).filter(([p]) => p !== 1)).toEqual([]);
    r.ports[2]!.inject(pinkFrame());
    const sent = takeAll(r).filter(([p]) => p === 1).map(([, f]) => decode(f, false));
    expect(sent.map((m) => [m.ipDst, m.dport])).toEqual([[REMOTE, 8472]]);
  });

  it('does not learn with learning disable', async () => {
    const r = await vxRig('vxlan\n learning disable\n apply');
    r.ports[1]!.inject(vxlanFrom(pinkFrame(PINK, PINK2, 84, PINK_IP)));
    expect(takeAll(r).map(([p]) => p)).toEqual([2, 3]);
    expect(r.vtep.fdb.size).toBe(0);
  });

  it('cannot be made to grow the FDB past max-entries by random source MACs: refusals are counted', async () => {
    const r = await vxRig('vxlan\n max-entries 64\n apply');
    const rnd = new Prng(3);
    for (let i = 0; i < 2000; i++) {
      const src = (0x020000000000 + rnd.int(0, 0xffffff) * 256 + (i & 0xff)) as Mac;
      r.ports[1]!.inject(vxlanFrom(pinkFrame(PINK, src, 84, PINK_IP)));
    }
    expect(r.vtep.fdb.learnedSize).toBe(64);
    expect(r.vtep.fdb.counters.refused).toBe(2000 - 64);
    expect(r.vtep.segment(42)!.stats.rxFrames).toBe(2000);
  });

  it('counts and drops malformed VXLAN: short, bad flags, an unknown VNI, not for its address, the own MAC inside', async () => {
    const r = await vxRig('interface loopback 0\n ip address 10.255.0.1/32\n apply');
    const inner = pinkFrame(PINK, PINK2, 84, PINK_IP);
    r.ports[1]!.inject(buildUdpFrame({ dstMac: ME, srcMac: R_MAC, src: REMOTE, dst: LOCAL, sport: 1, dport: 4789, payload: new Uint8Array(5) }));
    r.ports[1]!.inject(vxlanFrom(inner, 42, REMOTE, R_MAC, LOCAL, 0x00));
    r.ports[1]!.inject(vxlanFrom(inner, 42, REMOTE, R_MAC, LOCAL, 0x0c));
    r.ports[1]!.inject(vxlanFrom(inner.subarray(0, 10)));
    r.ports[1]!.inject(vxlanFrom(inner, 43));
    r.ports[1]!.inject(vxlanFrom(inner, 42, REMOTE, R_MAC, ipv4('10.255.0.1')));
    r.ports[1]!.inject(vxlanFrom(pinkFrame(PINK, ME, 84, PINK_IP)));
    expect(takeAll(r).filter(([p]) => p !== 1)).toEqual([]);
    expect(drops(r.vtep)).toEqual({ short: 1, 'bad-flags': 2, 'short-frame': 1, 'unknown-vni': 1, 'not-local-vtep': 1, 'own-mac': 1 });
    expect(r.vtep.fdb.size).toBe(0);
    expect(r.engine.internalErrors).toBe(0);
  });
});

describe('the appliance on the overlay', () => {
  it('answers a ping from behind the remote VTEP through the tunnel: its ARP goes across, the reply follows the learned entry', async () => {
    const r = await vxRig('vxlan fdb 00:00:00:00:00:00 vni 42 remote 192.168.104.4');
    const echo = buildIcmpEchoFrame({ dstMac: ME, srcMac: PINK2, src: PINK2_IP, dst: ipv4('12.12.12.1'), id: 9, seq: 1, payload: 'hello' });
    r.ports[1]!.inject(vxlanFrom(echo));
    // The appliance asks for 12.12.12.3: a broadcast, flooded to the all-zeros list.
    const asked = tunnelled(takeAll(r));
    expect(asked.map((x) => [x.to, decodeInner(x.inner).arpOp, decodeInner(x.inner).arpTpa, decodeInner(x.inner).srcMac])).toEqual([
      [REMOTE2, ARP_REQUEST, PINK2_IP, ME],
    ]);
    r.ports[1]!.inject(vxlanFrom(buildArpFrame({ op: 'reply', sha: PINK2, spa: PINK2_IP, tha: ME, tpa: ipv4('12.12.12.1'), dstMac: ME })));
    const replies = tunnelled(takeAll(r));
    expect(replies.map((x) => x.to)).toEqual([REMOTE]);
    const m = decodeInner(replies[0]!.inner);
    expect([m.icmpType, m.ipSrc, m.ipDst, m.srcMac, m.dstMac]).toEqual([ICMP_ECHO_REPLY, ipv4('12.12.12.1'), PINK2_IP, ME, PINK2]);
    expect(r.engine.runtime.neighbors().map((n) => [n.addr, n.state])).toContainEqual([PINK2_IP, 'REACHABLE']);
  });
});

function decodeInner(f: Uint8Array) {
  return decode(f, false);
}

describe('the ARP proxy', () => {
  const request = (tpa: number) => buildArpFrame({ op: 'request', sha: PINK, spa: PINK_IP, tpa });

  it('answers a request from the local side for a known remote neighbour as the neighbour, and sends nothing across', async () => {
    const r = await vxRig('vxlan\n arp-proxy enable\n apply\narp 12.12.12.3 02:42:c0:a8:00:03 vlan overlay\nvxlan fdb 00:00:00:00:00:00 vni 42 remote 192.168.104.3');
    r.ports[2]!.inject(request(PINK2_IP));
    const sent = takeAll(r);
    expect(tunnelled(sent)).toEqual([]);
    const back = sent.filter(([p]) => p === 2).map(([, f]) => decode(f, false));
    expect(back.map((m) => [m.arpOp, m.srcMac, m.dstMac, m.arpSha, m.arpSpa, m.arpTha, m.arpTpa])).toEqual([
      [ARP_REPLY, PINK2, PINK, PINK2, PINK2_IP, PINK, PINK_IP],
    ]);
    expect(r.vtep.segment(42)!.stats.arpProxied).toBe(1);
    // The bridge now knows the neighbour's MAC behind the segment.
    expect(r.engine.macs.lookup(12, PINK2)).toBe(r.vtep.segment(42)!.port);
  });

  it('sends requests it cannot answer across, and answers nothing without arp-proxy', async () => {
    const r = await vxRig('vxlan\n arp-proxy enable\n apply\nvxlan fdb 00:00:00:00:00:00 vni 42 remote 192.168.104.3');
    r.ports[2]!.inject(request(PINK2_IP));
    expect(tunnelled(takeAll(r)).map((t) => readU16(t.inner, 12))).toEqual([ETHERTYPE_ARP]);
    const off = await vxRig('arp 12.12.12.3 02:42:c0:a8:00:03 vlan overlay\nvxlan fdb 00:00:00:00:00:00 vni 42 remote 192.168.104.3');
    off.ports[2]!.inject(request(PINK2_IP));
    const sent = takeAll(off);
    expect(tunnelled(sent).length).toBe(1);
    expect(sent.filter(([p]) => p === 2)).toEqual([]);
  });

  it('leaves a neighbour behind a local port to answer for itself', async () => {
    const r = await vxRig('vxlan\n arp-proxy enable\n apply\narp 12.12.12.5 02:42:c0:a8:00:05 vlan overlay');
    // 12.12.12.5 sits on port 3 (the bridge learned it there).
    r.ports[3]!.inject(buildArpFrame({ op: 'request', sha: mac('02:42:c0:a8:00:05'), spa: ipv4('12.12.12.5'), tpa: ipv4('12.12.12.1') }));
    takeAll(r);
    r.ports[2]!.inject(request(ipv4('12.12.12.5')));
    const sent = takeAll(r);
    expect(sent.filter(([p, f]) => p === 2 && decode(f, false).arpOp === ARP_REPLY)).toEqual([]);
    expect(sent.filter(([p]) => p === 3).map(([, f]) => decode(f, false).arpOp)).toEqual([ARP_REQUEST]);
  });
});

describe('VLAN membership of the segment', () => {
  it('bridges the physical ports as before; the underlay never reaches the segment; removing the VNI frees the port', async () => {
    const r = await vxRig('vxlan fdb 00:00:00:00:00:00 vni 42 remote 192.168.104.3');
    const seg = r.vtep.segment(42)!;
    expect(r.engine.vlans.isMember(12, seg.port)).toBe(true);
    expect(r.engine.vlans.isMember(104, seg.port)).toBe(false);
    // port 3 known: port 2 -> 3 is bridged, nothing tunnelled.
    r.ports[3]!.inject(pinkFrame(PINK, PINK2, 84, PINK_IP));
    takeAll(r);
    r.ports[2]!.inject(pinkFrame());
    expect(takeAll(r).map(([p]) => p)).toEqual([3]);
    // Broadcast in the underlay: port 1's VLAN only (and the appliance).
    const before = seg.stats.txFrames;
    r.ports[1]!.inject(buildArpFrame({ op: 'request', sha: R_MAC, spa: REMOTE, tpa: ipv4('192.168.104.77') }));
    expect(seg.stats.txFrames).toBe(before);
    // The segment goes with its VNI.
    const app = newAppliance();
    await runClean(app, `${CONFIG_004}configure terminal\nvlan overlay\n no vxlan vni\n apply\nend\n`);
    r.engine.configure(app.config);
    r.vtep.configure(app.config);
    expect(r.vtep.segment(42)).toBeUndefined();
    expect(r.engine.vlans.isMember(12, seg.port)).toBe(false);
    expect(r.engine.interfaceByName('overlay')!.mtu).toBe(1500);
    expect(r.vtep.status()).toMatchObject({ up: false, why: 'no VLAN is bridged to a VNI' });
  });

  it('keeps the membership across reconfigurations of the VLANs', async () => {
    const r = await vxRig();
    const app = newAppliance();
    await runClean(app, `${CONFIG_004}configure terminal\nvlan other\n vid 7\n port 5 untagged\n apply\nend\n`);
    r.engine.configure(app.config);
    r.vtep.configure(app.config);
    expect(r.engine.vlans.isMember(12, r.vtep.segment(42)!.port)).toBe(true);
    expect(r.engine.vlans.isMember(7, 5)).toBe(true);
  });
});

describe('no virtual port left', () => {
  it('refuses the segment, says why, and leaves the rest working', async () => {
    const loops = Array.from({ length: 15 }, (_, i) => `interface loopback ${i}\n ip address 10.255.0.${i + 1}/32\n apply`).join('\n');
    const app = newAppliance();
    await runClean(app, `configure terminal\n${loops}\nend\n${CONFIG_004}`);
    const r = rig(app.config);
    const vtep = new Vtep(r.engine, stackBinder(new HostStack(r.engine, new Prng(1))), ME);
    vtep.configure(app.config);
    expect(vtep.segment(42)).toBeUndefined();
    expect(vtep.status().refused).toEqual(['vni 42: no virtual L2 port left (17-31 are taken by other interfaces)']);
    r.ports[2]!.inject(pinkFrame());
    expect(takeAll(r).map(([p]) => p)).toEqual([3]);
  });
});

describe('readMac sanity', () => {
  it('reads the inner source of the frames built here', () => {
    expect(readMac(pinkFrame(), 6)).toBe(PINK);
  });
});
