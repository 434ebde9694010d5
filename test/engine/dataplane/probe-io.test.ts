// The health checker's plumbing: ProbeIo (send as the appliance, optionally through IP-in-IP;
// receive what is addressed to it) and HealthSink.

import { beforeAll, describe, expect, it } from 'vitest';
import type { RealId, RunningConfig } from '../../../src/config/model.js';
import type { LocalPacket } from '../../../src/health/probe-io.js';
import { ipv4, type Ipv4 } from '../../../src/net/addr.js';
import {
  ICMP_DEST_UNREACH, ICMP_PROTO_UNREACH, IPPROTO_IPIP, IPPROTO_TCP, IPPROTO_UDP, TCP_RST, buildIcmpEchoFrame, buildIcmpErrorFrame,
  buildTcpFrame, buildUdpFrame, setTcpChecksum, writeIpv4Header, writeTcpHeader, TCPOPT_MSS, TCPOPT_NOP, TCPOPT_SACK_PERMITTED,
  TCPOPT_TIMESTAMP, TCPOPT_WSCALE, IPPROTO_ICMP,
} from '../../../src/packet/index.js';
import { ME, ME_IP, RIP, ROUTER_IP, ROUTER_MAC, VIP, decode, referenceConfig, rig, takeAll } from './harness.js';
import { TCP_ACK, TCP_SYN, arpReply, primeRouter } from './frames.js';

let cfg: RunningConfig;
beforeAll(async () => {
  cfg = await referenceConfig();
});

/** The health check's SYN of file 000 as an IPv4 packet: 192.168.193.181.55982 > 192.168.193.50.80 with options. */
function probeSyn(sport = 55982): Uint8Array {
  const opts = [TCPOPT_MSS, TCPOPT_SACK_PERMITTED, TCPOPT_TIMESTAMP, TCPOPT_NOP, TCPOPT_WSCALE];
  const b = new Uint8Array(60);
  const h = writeTcpHeader(b, 20, sport, 80, 2620729253, 0, TCP_SYN, 64240, opts, { mss: 1460, wscale: 8, tsVal: 4090394018, tsEcr: 0 });
  writeIpv4Header(b, 0, ME_IP, VIP, IPPROTO_TCP, 20 + h, 64, 1, 0x4000);
  setTcpChecksum(b, 20, h, ME_IP, VIP);
  return b.subarray(0, 20 + h);
}

describe('ProbeIo', () => {
  it('gives the source address toward a destination, null when unroutable', () => {
    const r = rig(cfg);
    expect(r.engine.sourceFor(RIP)).toBe(ME_IP);
    const r2 = rig({ ...cfg, routes: { defaultGateway: null, networks: [], interfaceRoutes: [] } });
    expect(r2.engine.sourceFor(RIP)).toBe(null);
    expect(r2.engine.sendIpv4(probeSyn(), 40, RIP)).toBe(false);
    expect(takeAll(r2)).toEqual([]);
  });

  it('sends a probe inside IP-in-IP like the seed (outer 192.168.193.181 > RIP, to the router MAC), waiting for ARP', () => {
    const r = rig(cfg);
    const pkt = probeSyn();
    expect(r.engine.sendIpv4(pkt, pkt.length, RIP)).toBe(true);
    const arp = takeAll(r);
    expect(arp.length).toBe(1);
    expect(decode(arp[0]![1]).arpTpa).toBe(ROUTER_IP);
    r.ports[1]!.inject(arpReply(ROUTER_MAC, ROUTER_IP, ME, ME_IP));
    const sent = takeAll(r);
    expect(sent.length).toBe(1);
    const [port, f] = sent[0]!;
    expect(port).toBe(1);
    expect(f.length).toBe(94);
    const m = decode(f);
    expect([m.dstMac, m.srcMac, m.proto, m.ipSrc, m.ipDst, m.ttl]).toEqual([ROUTER_MAC, ME, IPPROTO_IPIP, ME_IP, RIP, 64]);
    expect(Buffer.from(f.subarray(m.l4Off, m.l3End)).equals(Buffer.from(pkt))).toBe(true);
    expect([m.inner.sport, m.inner.dport, m.inner.ipDst]).toEqual([55982, 80, VIP]);
  });

  it('sends plain packets through routing and ARP, and learnNeighbor fills the ARP cache', () => {
    const r = rig(cfg);
    r.engine.learnNeighbor(ROUTER_IP, ROUTER_MAC, 1);
    expect(r.engine.runtime.arp()).toMatchObject([{ addr: ROUTER_IP, mac: ROUTER_MAC, state: 'complete' }]);
    r.engine.learnNeighbor(ipv4('8.8.8.8'), ROUTER_MAC, 1); // not on a connected network: ignored
    expect(r.engine.runtime.arp().length).toBe(1);
    const ping = buildIcmpEchoFrame({ src: ME_IP, dst: RIP, id: 4242, seq: 1 });
    expect(r.engine.sendIpv4(ping.subarray(14), ping.length - 14)).toBe(true);
    const [[, f]] = takeAll(r) as [[number, Buffer]];
    const m = decode(f);
    expect([m.dstMac, m.proto, m.ipSrc, m.ipDst, m.icmpId]).toEqual([ROUTER_MAC, IPPROTO_ICMP, ME_IP, RIP, 4242]);
  });

  it('delivers the server\'s direct SYN/ACK from VIP:80 to the listener of the local port, and resets when nobody listens', () => {
    const r = rig(cfg);
    primeRouter(r);
    const got: LocalPacket[] = [];
    const stop = r.engine.listen({ proto: 6, localPort: 23114 }, (p) => got.push({ ...p, meta: { ...p.meta } as never }));
    const synAck = buildTcpFrame({
      dstMac: ME, srcMac: 0x00d0f8223542, src: VIP, dst: ME_IP, sport: 80, dport: 23114, seq: 749677678, ack: 2096822829,
      flags: TCP_SYN | TCP_ACK, window: 65160,
    });
    r.ports[1]!.inject(synAck);
    expect(got.length).toBe(1);
    expect(got[0]!.port).toBe(1);
    expect([got[0]!.meta.ipSrc, got[0]!.meta.sport, got[0]!.meta.tcpFlags, got[0]!.meta.seq]).toEqual([VIP, 80, TCP_SYN | TCP_ACK, 749677678]);
    expect(takeAll(r)).toEqual([]);
    stop();
    r.ports[1]!.inject(synAck);
    expect(got.length).toBe(1);
    // Nobody listens: a host would reset, but the VIP is the appliance's own address (DSR servers
    // answer from it), so there is nowhere to send the RST to.
    expect(takeAll(r)).toEqual([]);
    expect(r.engine.stats.dropsByName()['no-listener']).toBe(1);
    // From an ordinary address the RST goes out, routed.
    const fromRip = buildTcpFrame({ dstMac: ME, srcMac: 0x00d0f8223542, src: RIP, dst: ME_IP, sport: 80, dport: 23114, seq: 1, ack: 2096822829, flags: TCP_SYN | TCP_ACK });
    r.ports[1]!.inject(fromRip);
    const [[, f]] = takeAll(r) as [[number, Buffer]];
    const m = decode(f);
    expect([m.dstMac, m.ipSrc, m.ipDst, m.sport, m.dport, m.tcpFlags, m.seq]).toEqual([ROUTER_MAC, ME_IP, RIP, 23114, 80, TCP_RST, 2096822829]);
  });

  it('delivers to listeners on a VIP source address (probes sent from the VIP)', () => {
    const r = rig(cfg);
    primeRouter(r);
    let n = 0;
    r.engine.listen({ proto: 6, localPort: 33333 }, () => n++);
    r.ports[1]!.inject(buildTcpFrame({ dstMac: ME, srcMac: ROUTER_MAC, src: RIP, dst: VIP, sport: 80, dport: 33333, flags: TCP_SYN | TCP_ACK }));
    expect(n).toBe(1);
    expect(takeAll(r)).toEqual([]);
  });

  it('delivers UDP by port, echo replies by identifier, and every ICMP error to the error listeners', () => {
    const r = rig(cfg);
    primeRouter(r);
    const seen: string[] = [];
    r.engine.listen({ proto: 17, localPort: 40326 }, (p) => seen.push(`udp ${p.meta.sport}`));
    r.engine.listen({ proto: 1, icmpId: 4242 }, (p) => seen.push(`echo ${p.meta.icmpSeq}`));
    r.engine.listen({ proto: 'icmp-error' }, (p) => seen.push(`error ${p.meta.icmpType}/${p.meta.icmpCode} quoting ${p.meta.inner.proto}`));
    r.ports[1]!.inject(buildUdpFrame({ dstMac: ME, srcMac: ROUTER_MAC, src: VIP, dst: ME_IP, sport: 161, dport: 40326, payload: 'x' }));
    r.ports[1]!.inject(buildIcmpEchoFrame({ dstMac: ME, srcMac: ROUTER_MAC, src: RIP, dst: ME_IP, id: 4242, seq: 9, reply: true }));
    r.ports[1]!.inject(buildIcmpEchoFrame({ dstMac: ME, srcMac: ROUTER_MAC, src: RIP, dst: ME_IP, id: 1, seq: 9, reply: true }));
    // "ICMP 192.168.211.150 protocol 4 unreachable" about a tunnelled probe
    const ipip = buildTcpFrame({ src: ME_IP, dst: RIP, sport: 1, dport: 2 });
    ipip[14 + 9] = IPPROTO_IPIP;
    r.ports[1]!.inject(buildIcmpErrorFrame({ dstMac: ME, srcMac: ROUTER_MAC, src: RIP, dst: ME_IP, type: ICMP_DEST_UNREACH, code: ICMP_PROTO_UNREACH, original: ipip }));
    expect(seen).toEqual(['udp 161', 'echo 9', `error 3/2 quoting ${IPPROTO_IPIP}`]);
    // UDP to a port nobody listens on: port unreachable
    r.ports[1]!.inject(buildUdpFrame({ dstMac: ME, srcMac: ROUTER_MAC, src: RIP, dst: ME_IP, sport: 161, dport: 5, payload: 'x' }));
    const sent = takeAll(r);
    expect(sent.length).toBe(1);
    expect(decode(sent[0]![1]).icmpType).toBe(ICMP_DEST_UNREACH);
    expect(decode(sent[0]![1]).inner.proto).toBe(IPPROTO_UDP);
  });

  it('lets a listener answer at once (sending from inside the handler)', () => {
    const r = rig(cfg);
    primeRouter(r);
    r.engine.listen({ proto: 6, localPort: 64851 }, (p) => {
      // ACK the SYN/ACK through the tunnel, as the checker does
      const b = new Uint8Array(40);
      writeTcpHeader(b, 20, 64851, 80, p.meta.ack, (p.meta.seq + 1) >>> 0, TCP_ACK, 251);
      writeIpv4Header(b, 0, ME_IP, VIP, IPPROTO_TCP, 40);
      setTcpChecksum(b, 20, 20, ME_IP, VIP);
      r.engine.sendIpv4(b, 40, RIP as Ipv4);
    });
    r.ports[1]!.inject(buildTcpFrame({ dstMac: ME, srcMac: ROUTER_MAC, src: VIP, dst: ME_IP, sport: 80, dport: 64851, seq: 2727981331, ack: 2325090199, flags: TCP_SYN | TCP_ACK }));
    const [[, f]] = takeAll(r) as [[number, Buffer]];
    const m = decode(f);
    expect([m.proto, m.ipDst, m.inner.tcpFlags, m.inner.ack]).toEqual([IPPROTO_IPIP, RIP, TCP_ACK, 2727981332]);
    expect(r.engine.internalErrors).toBe(0);
  });
});

describe('HealthSink', () => {
  it('records cause and since of each change', () => {
    const r = rig(cfg);
    const real = 1 as RealId;
    r.clock.advance(1234);
    r.engine.setRealHealth('test', real, true, '', false);
    r.clock.advance(1000);
    r.engine.setRealHealth('test', real, true, '', false); // no change: since stays
    expect(r.engine.runtime.real('test', real)).toMatchObject({ health: 'ACT', since: 1234 });
    r.clock.advance(1000);
    r.engine.setRealHealth('test', real, false, 'RST', false);
    expect(r.engine.runtime.real('test', real)).toMatchObject({ health: 'DEACT', cause: 'RST', since: 3234 });
    // unknown names are ignored
    r.engine.setRealHealth('nope', real, true, '', false);
    r.engine.setRealHealth('test', 99 as RealId, true, '', false);
    expect(r.engine.runtime.real('test', 99 as RealId).health).toBe('INACT');
  });
});
