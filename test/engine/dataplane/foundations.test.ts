// The engine's middle: tunnel interfaces and re-injection, loopback interfaces, a commit that
// re-derives only what it changed, the host stack's sockets (UDP, raw IP, multicast), and the
// services' health events.
import { describe, expect, it } from 'vitest';
import type { RunningConfig } from '../../../src/config/model.js';
import type { TunnelEndpoint } from '../../../src/engine/interfaces.js';
import { buildUdpFrame, IPPROTO_IPIP, IPPROTO_UDP, readU32, TCP_ACK, TCP_SYN } from '../../../src/packet/index.js';
import { HostStack } from '../../../src/stack/host-stack.js';
import { Prng } from '../../../src/util/prng.js';
import { CLIENT, CLIENT_SIDE_MAC, decode, ipv4, ME, ME_IP, REAL1, ROUTER_MAC, takeAll, VIP, type Rig } from './harness.js';
import { clientTcp, primedSlbRig } from './frames.js';

/** A tunnel endpoint that records what the engine sends into it. */
class RecordingTunnel implements TunnelEndpoint {
  readonly type = 'test';
  readonly overhead = 20;
  readonly sent: { dst: number; nh: number; len: number }[] = [];
  transmit(buf: Uint8Array, off: number, len: number, nh: number): boolean {
    this.sent.push({ dst: readU32(buf, off + 16), nh, len });
    return true;
  }
}

/** An IPv4 packet (no link header) of a UDP datagram. */
function udpPacket(src: number, dst: number, dport: number, data = 'x', ttl = 64): Uint8Array {
  const f = buildUdpFrame({ src, dst, sport: 40000, dport, payload: Buffer.from(data), ttl });
  return f.subarray(14);
}

function withConfig(r: Rig, f: (c: RunningConfig) => RunningConfig): void {
  r.engine.configure(f(r.engine.config!));
}

describe('engine foundations', () => {
  it('a tunnel interface: routes through it go to its endpoint; what it decapsulates is re-injected and routed like a port\'s packet', () => {
    const r = primedSlbRig();
    const t = new RecordingTunnel();
    const vti = r.engine.addTunnel('vti9', t, { address: { addr: ipv4('172.31.0.1'), len: 30 }, mtu: 1436 });
    expect(vti.kind).toBe('tunnel');
    expect(vti.port).toBeGreaterThan(16);
    withConfig(r, (c) => ({ ...c, routes: { ...c.routes, interfaceRoutes: [{ dest: { addr: ipv4('10.99.0.0'), len: 16 }, iface: 'vti9', priority: 10, description: '' }] } }));
    // A client's packet to 10.99.1.1 is routed into the tunnel (TTL decremented), the next hop being the destination itself.
    r.ports[1]!.inject(buildUdpFrame({ dstMac: ME, srcMac: CLIENT_SIDE_MAC, src: CLIENT, dst: ipv4('10.99.1.1'), sport: 1, dport: 2, payload: Buffer.from('hi') }));
    expect(t.sent).toEqual([{ dst: ipv4('10.99.1.1'), nh: ipv4('10.99.1.1'), len: 30 }]);
    expect(vti.counters.txPackets).toBe(1);
    takeAll(r);
    // A packet that came out of the tunnel toward the client leaves port 1 to the router, TTL decremented.
    r.engine.inject(vti.idx, udpPacket(ipv4('10.99.1.1'), CLIENT, 5000), 0, 29);
    const out = takeAll(r);
    expect(out.length).toBe(1);
    const m = decode(out[0]![1]);
    expect([out[0]![0], m.dstMac, m.ipSrc, m.ipDst, m.ttl]).toEqual([1, ROUTER_MAC, ipv4('10.99.1.1'), CLIENT, 63]);
    expect(vti.counters.rxPackets).toBe(1);
    expect(r.engine.stats.ports[vti.port]!.rxPackets).toBe(1);
    // A malformed packet on the tunnel is counted and dropped.
    const drops = r.engine.stats.dropTotal();
    r.engine.inject(vti.idx, new Uint8Array(24).fill(0x45), 0, 24);
    expect(r.engine.stats.dropTotal()).toBe(drops + 1);
    expect(r.engine.internalErrors).toBe(0);
    // Removed: its routes go.
    r.engine.removeTunnel('vti9');
    expect(r.engine.rib.lookupRoute(ipv4('10.99.1.1'))?.prefix.len).toBe(0);
  });

  it('a commit re-derives only what changed: a hostname or an unrelated route leaves sessions and path caches alone', () => {
    const r = primedSlbRig();
    r.ports[1]!.inject(clientTcp(5000, TCP_SYN));
    r.ports[1]!.inject(clientTcp(5000, TCP_ACK));
    const resolves = r.engine.stats.pathResolves;
    expect(resolves).toBeGreaterThan(0);
    expect(r.engine.sessions.size).toBe(1);
    withConfig(r, (c) => ({ ...c, hostname: 'other' }));
    withConfig(r, (c) => ({ ...c, routes: { ...c.routes, networks: [...c.routes.networks, { dest: { addr: ipv4('172.20.0.0'), len: 16 }, gateway: ipv4('192.168.193.1'), priority: 10, hc: null, description: '' }] } }));
    r.ports[1]!.inject(clientTcp(5000, TCP_ACK));
    expect(r.engine.stats.pathResolves).toBe(resolves);
    expect(r.engine.sessions.size).toBe(1);
    // A route covering the real's address does make its path be resolved again.
    withConfig(r, (c) => ({ ...c, routes: { ...c.routes, networks: [...c.routes.networks, { dest: { addr: REAL1, len: 32 }, gateway: ipv4('10.0.211.11'), priority: 10, hc: null, description: '' }] } }));
    r.ports[1]!.inject(clientTcp(5000, TCP_ACK));
    expect(r.engine.stats.pathResolves).toBe(resolves + 1);
  });

  it('a loopback interface\'s address is the appliance\'s: answered, and listed as connected', () => {
    const r = primedSlbRig();
    withConfig(r, (c) => ({ ...c, interfaces: [...c.interfaces, { name: 'loopback0', address: { addr: ipv4('10.255.0.1'), len: 32 }, shutdown: false, rpf: 'default', description: '' }] }));
    const lo = r.engine.interfaceByName('loopback0')!;
    expect(lo.kind).toBe('loopback');
    expect(r.engine.rib.best({ addr: ipv4('10.255.0.1'), len: 32 })?.source).toBe('connected');
    expect(r.engine.isOwnAddress(ipv4('10.255.0.1') as never)).toBe(true);
  });

  it('the host stack: UDP sockets share the port reservation, raw IP protocols and joined multicast groups reach their sockets', () => {
    const r = primedSlbRig();
    const stack = new HostStack(r.engine, new Prng(5));
    const got: string[] = [];
    const sock = stack.udp(5353, (d, sport) => got.push(`${Buffer.from(d.payload).toString()} from ${sport}`))!;
    expect(stack.udp(5353, () => {})).toBeNull();
    expect(stack.ports.inUse(5353)).toBe(true);
    r.ports[1]!.inject(buildUdpFrame({ dstMac: ME, srcMac: ROUTER_MAC, src: CLIENT, dst: ME_IP, sport: 40000, dport: 5353, payload: Buffer.from('hello') }));
    expect(got).toEqual(['hello from 40000']);
    // Multicast: ignored until joined.
    const group = ipv4('224.0.0.18');
    const mcastFrame = () => buildUdpFrame({ dstMac: 0x01005e000012, srcMac: ROUTER_MAC, src: ipv4('192.168.193.1'), dst: group, sport: 40000, dport: 5353, payload: Buffer.from('group') });
    r.ports[1]!.inject(mcastFrame());
    expect(got.length).toBe(1);
    stack.joinGroup(group);
    r.ports[1]!.inject(mcastFrame());
    expect(got).toEqual(['hello from 40000', 'group from 40000']);
    stack.leaveGroup(group);
    takeAll(r);
    // Sending: routed by the engine to the router.
    expect(sock.send(CLIENT, 9, Buffer.from('out'))).toBe(true);
    const out = takeAll(r).map(([, f]) => decode(f));
    expect(out.map((m) => [m.proto, m.ipSrc, m.ipDst, m.dport, m.dstMac])).toEqual([[IPPROTO_UDP, ME_IP, CLIENT, 9, ROUTER_MAC]]);
    sock.close();
    expect(stack.ports.inUse(5353)).toBe(false);
    // A raw protocol (112, VRRP) reaches its socket; without one the appliance answers protocol unreachable.
    const raw: number[] = [];
    const vrrp = stack.raw(112, (p) => raw.push(p.payload.length));
    const rawFrame = buildUdpFrame({ dstMac: ME, srcMac: ROUTER_MAC, src: CLIENT, dst: ME_IP, sport: 1, dport: 2, payload: Buffer.from('12345678') });
    rawFrame[14 + 9] = 112; // the same bytes as protocol 112 (header checksum fixed below)
    rawFrame[14 + 10] = 0; rawFrame[14 + 11] = 0;
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += (rawFrame[14 + i]! << 8) | rawFrame[14 + i + 1]!;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    rawFrame.writeUInt16BE(~sum & 0xffff, 14 + 10);
    r.ports[1]!.inject(rawFrame);
    expect(raw).toEqual([16]);
    vrrp.close();
    takeAll(r);
    r.ports[1]!.inject(rawFrame);
    const unreach = takeAll(r).map(([, f]) => decode(f, false));
    expect(unreach.map((m) => [m.icmpType, m.icmpCode])).toEqual([[3, 2]]);
    expect(IPPROTO_IPIP).toBe(4);
  });

  it('services announce their ACT/DEACT changes to subscribers', () => {
    const r = primedSlbRig({ healthCheck: true });
    const events: string[] = [];
    const stop = r.engine.subscribeServiceHealth((e) => events.push(`${e.slb} ${e.state} ${e.vips.length}`));
    // Checked reals are down until their check reports them up.
    expect(events).toEqual(['web DEACT 1']);
    r.engine.setRealHealth('web', 1 as never, true, '', false);
    r.engine.setRealHealth('web', 2 as never, true, '', false);
    expect(events).toEqual(['web DEACT 1', 'web ACT 1']);
    r.engine.setRealHealth('web', 1 as never, false, 'timeout', false);
    expect(events.length).toBe(2);
    r.engine.setRealHealth('web', 2 as never, false, 'timeout', false);
    expect(events).toEqual(['web DEACT 1', 'web ACT 1', 'web DEACT 1']);
    stop();
    r.engine.setRealHealth('web', 2 as never, true, '', false);
    expect(events.length).toBe(3);
    expect(VIP).toBeGreaterThan(0);
  });
});
