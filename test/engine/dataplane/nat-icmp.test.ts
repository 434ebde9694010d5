// ICMP errors related to NAT sessions (conntrack's RELATED, LVS's ip_vs_out_icmp/ip_vs_in_icmp):
// an error quoting a packet of a NAT session is translated back for whoever sent that packet,
// with every checksum valid, and leaves the session alone. DSR sessions and errors of no
// session are handled as before.

import { describe, expect, it } from 'vitest';
import {
  ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, ICMP_PORT_UNREACH, ICMP_REDIRECT, ICMP_TIME_EXCEEDED, IPPROTO_ICMP, IPPROTO_TCP,
  IPPROTO_UDP, PacketMeta, buildIcmpErrorFrame, buildTcpFrame, readU16, readU32, verifyIpv4Checksum, verifyL4Checksum,
  type IpMeta,
} from '../../../src/packet/index.js';
import {
  CLIENT, ME, REAL1, REAL1_MAC, REAL2, REAL2_MAC, ROUTER_MAC, SRV_IP, VIP, decode, ipBytes, takeAll,
  type LabSpec, type Rig,
  sentOne,
} from './harness.js';
import { TCP_ACK, TCP_SYN, clientTcp, clientUdp, primedSlbRig } from './frames.js';

function natRig(spec: LabSpec = {}): Rig {
  return primedSlbRig({ natMode: 'nat', reals: [{ id: 1, rip: REAL1, rport: 8080 }], ...spec });
}

/** The quoted datagram of a decoded ICMP error: its bytes. */
function quoted(frame: Uint8Array, m: PacketMeta): Buffer {
  return Buffer.from(frame.subarray(m.inner.l3Off, m.inner.l3End));
}

/** The quoted TCP/UDP checksum verifies (the quote must hold the whole segment). */
function innerL4Ok(frame: Uint8Array, q: IpMeta): boolean {
  return verifyL4Checksum(frame, q.l4Off, q.l3End - q.l4Off, q.ipSrc, q.ipDst, q.proto);
}

/** A session's bookkeeping that an ICMP error must not change. */
function snapshot(r: Rig, sid: number): unknown {
  const i = r.engine.sessions.info(sid);
  return [i.state, i.lastSeen, i.expiresAt, i.packetsOrig, i.packetsReply, i.bytesOrig, i.bytesReply];
}

/** Opens a NAT TCP session (client SYN from port `cport`); returns the frame the real got and the sid. */
function openTcp(r: Rig, cport: number): { syn: Buffer; fwd: Buffer; sid: number } {
  const syn = clientTcp(cport, TCP_SYN);
  r.ports[1]!.inject(syn);
  const fwd = sentOne(r);
  expect(fwd.port).toBe(3);
  expect([fwd.m.ipSrc, fwd.m.ipDst, fwd.m.sport, fwd.m.dport]).toEqual([CLIENT, REAL1, cport, 8080]);
  const sid = r.engine.sessions.lookupOrig(r.clock.now(), IPPROTO_TCP, CLIENT, cport, VIP, 80);
  expect(sid).toBeGreaterThanOrEqual(0);
  return { syn, fwd: fwd.frame, sid };
}

describe('ICMP errors of NAT sessions, from the real\'s side', () => {
  it('port unreachable quoting the whole forwarded SYN: the client gets its own SYN back, from the VIP', () => {
    const r = natRig();
    const { syn, fwd, sid } = openTcp(r, 43000);
    r.clock.advance(5000);
    takeAll(r);
    const before = snapshot(r, sid);
    const pkts = r.engine.stats.slbPackets;
    // Linux quotes as much as fits in 576 bytes: here the whole SYN, TCP checksum included.
    r.ports[3]!.inject(buildIcmpErrorFrame({
      dstMac: ME, srcMac: REAL1_MAC, src: REAL1, dst: CLIENT, type: ICMP_DEST_UNREACH, code: ICMP_PORT_UNREACH,
      original: fwd, quoteLen: 548,
    }));
    const out = sentOne(r); // the ICMP checksum and the outer IP checksum verified by decode()
    expect(out.port).toBe(1);
    const m = out.m;
    expect([m.dstMac, m.srcMac, m.proto, m.ipSrc, m.ipDst, m.icmpType, m.icmpCode])
      .toEqual([ROUTER_MAC, ME, IPPROTO_ICMP, VIP, CLIENT, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH]);
    // The quote is exactly the client's SYN as it sent it (VIP:80 as destination).
    expect(quoted(out.frame, m).equals(ipBytes(syn))).toBe(true);
    expect([m.inner.ipSrc, m.inner.ipDst, m.inner.sport, m.inner.dport]).toEqual([CLIENT, VIP, 43000, 80]);
    expect(verifyIpv4Checksum(out.frame, m.inner.l3Off)).toBe(true);
    expect(innerL4Ok(out.frame, m.inner)).toBe(true);
    // The session is still there, untouched; the error counts as an SLB packet.
    expect(r.engine.sessions.isLive(sid)).toBe(true);
    expect(snapshot(r, sid)).toEqual(before);
    expect(r.engine.stats.slbPackets).toBe(pkts + 1);
    expect(r.engine.internalErrors).toBe(0);
  });

  it('fragmentation needed (MTU 1400) quoting header + 8 bytes: MTU kept, quote translated, checksums valid', () => {
    const r = natRig();
    const { syn, fwd, sid } = openTcp(r, 43001);
    const before = snapshot(r, sid);
    r.ports[3]!.inject(buildIcmpErrorFrame({
      dstMac: ME, srcMac: REAL1_MAC, src: REAL1, dst: CLIENT, type: ICMP_DEST_UNREACH, code: ICMP_FRAG_NEEDED,
      rest: 1400, original: fwd,
    }));
    const out = sentOne(r);
    const m = out.m;
    expect(out.port).toBe(1);
    expect([m.ipSrc, m.ipDst, m.icmpType, m.icmpCode]).toEqual([VIP, CLIENT, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED]);
    expect(readU32(out.frame, m.l4Off + 4)).toBe(1400); // unused(16) + next-hop MTU(16)
    const q = quoted(out.frame, m);
    expect(q.length).toBe(28);
    expect(q.equals(ipBytes(syn).subarray(0, 28))).toBe(true);
    expect(verifyIpv4Checksum(out.frame, m.inner.l3Off)).toBe(true);
    expect(snapshot(r, sid)).toEqual(before);
  });

  it('an error from a router on the way to the real reaches the client from the VIP too (as conntrack does)', () => {
    const r = natRig();
    const { syn, fwd, sid } = openTcp(r, 43002);
    const before = snapshot(r, sid);
    // REAL2 plays a router between the appliance and the real.
    r.ports[3]!.inject(buildIcmpErrorFrame({
      dstMac: ME, srcMac: REAL2_MAC, src: REAL2, dst: CLIENT, type: ICMP_TIME_EXCEEDED, code: 0, original: fwd,
    }));
    const out = sentOne(r);
    expect([out.port, out.m.ipSrc, out.m.ipDst, out.m.icmpType]).toEqual([1, VIP, CLIENT, ICMP_TIME_EXCEEDED]);
    expect(quoted(out.frame, out.m).equals(ipBytes(syn).subarray(0, 28))).toBe(true);
    expect(snapshot(r, sid)).toEqual(before);
  });

  it('UDP: port unreachable quoting the forwarded datagram; the quoted UDP checksum is translated back', () => {
    const r = natRig({ reals: [{ id: 1, rip: REAL1, rport: 5300 }], vips: [{ protocol: 'udp', vport: 53 }], filters: [] });
    const dgram = clientUdp(5353);
    r.ports[1]!.inject(dgram);
    const fwd = sentOne(r);
    expect([fwd.m.ipDst, fwd.m.dport]).toEqual([REAL1, 5300]);
    r.ports[3]!.inject(buildIcmpErrorFrame({
      dstMac: ME, srcMac: REAL1_MAC, src: REAL1, dst: CLIENT, type: ICMP_DEST_UNREACH, code: ICMP_PORT_UNREACH,
      original: fwd.frame, quoteLen: 548,
    }));
    const out = sentOne(r);
    expect([out.m.ipSrc, out.m.ipDst, out.m.inner.proto, out.m.inner.dport]).toEqual([VIP, CLIENT, IPPROTO_UDP, 53]);
    expect(quoted(out.frame, out.m).equals(ipBytes(dgram))).toBe(true);
    expect(innerL4Ok(out.frame, out.m.inner)).toBe(true);
  });

  it('a quote of a TCP header cut after its checksum field: the checksum is still translated', () => {
    const r = natRig();
    const { syn, fwd } = openTcp(r, 43003);
    r.ports[3]!.inject(buildIcmpErrorFrame({
      dstMac: ME, srcMac: REAL1_MAC, src: REAL1, dst: CLIENT, type: ICMP_DEST_UNREACH, code: ICMP_PORT_UNREACH,
      original: fwd, quoteLen: 20 + 18,
    }));
    const out = sentOne(r);
    expect(quoted(out.frame, out.m).equals(ipBytes(syn).subarray(0, 38))).toBe(true);
  });

  it('an error failing its ICMP checksum, or a redirect, is dropped (as LVS and conntrack do)', () => {
    const r = natRig();
    const { fwd, sid } = openTcp(r, 43004);
    const before = snapshot(r, sid);
    const bad = buildIcmpErrorFrame({
      dstMac: ME, srcMac: REAL1_MAC, src: REAL1, dst: CLIENT, type: ICMP_DEST_UNREACH, code: ICMP_PORT_UNREACH, original: fwd,
    });
    bad[bad.length - 1]! ^= 0xff; // inside the quote, under the ICMP checksum only
    r.ports[3]!.inject(bad);
    expect(takeAll(r)).toEqual([]);
    expect(r.engine.stats.dropsByName()['icmp-checksum']).toBe(1);
    r.ports[3]!.inject(buildIcmpErrorFrame({
      dstMac: ME, srcMac: REAL1_MAC, src: REAL1, dst: CLIENT, type: ICMP_REDIRECT, code: 1, rest: SRV_IP, original: fwd,
    }));
    expect(takeAll(r)).toEqual([]);
    expect(r.engine.stats.dropsByName()['ignored']).toBe(1);
    expect(snapshot(r, sid)).toEqual(before);
  });
});

describe('ICMP errors of NAT sessions, from the client\'s side', () => {
  it('an error quoting the translated answer goes to the real with the answer as the real sent it', () => {
    const r = natRig();
    const { sid } = openTcp(r, 43010);
    const synAck = buildTcpFrame({
      dstMac: ME, srcMac: REAL1_MAC, src: REAL1, dst: CLIENT, sport: 8080, dport: 43010, seq: 5000, ack: 276011401,
      flags: TCP_SYN | TCP_ACK, payload: 'hello',
    });
    r.ports[3]!.inject(synAck);
    const back = sentOne(r);
    expect([back.port, back.m.ipSrc, back.m.sport]).toEqual([1, VIP, 80]);
    r.clock.advance(2000);
    takeAll(r);
    const before = snapshot(r, sid);
    // The client (or a router on its side) answers the VIP with an error quoting the whole answer.
    r.ports[1]!.inject(buildIcmpErrorFrame({
      dstMac: ME, srcMac: ROUTER_MAC, src: CLIENT, dst: VIP, type: ICMP_DEST_UNREACH, code: ICMP_FRAG_NEEDED, rest: 1280,
      original: back.frame, quoteLen: 548,
    }));
    const out = sentOne(r);
    const m = out.m;
    expect(out.port).toBe(3);
    expect([m.dstMac, m.ipSrc, m.ipDst, m.icmpType, m.icmpCode, readU16(out.frame, m.l4Off + 6)])
      .toEqual([REAL1_MAC, CLIENT, REAL1, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, 1280]);
    expect(quoted(out.frame, m).equals(ipBytes(synAck))).toBe(true);
    expect(verifyIpv4Checksum(out.frame, m.inner.l3Off)).toBe(true);
    expect(innerL4Ok(out.frame, m.inner)).toBe(true);
    expect(snapshot(r, sid)).toEqual(before);
  });
});

describe('ICMP errors handled as before', () => {
  it('an error quoting a tuple of no session is routed untouched (TTL decremented)', () => {
    const r = natRig();
    openTcp(r, 43020);
    const other = buildTcpFrame({ dstMac: REAL1_MAC, srcMac: ME, src: CLIENT, dst: REAL1, sport: 43021, dport: 8080, flags: TCP_SYN });
    const err = buildIcmpErrorFrame({
      dstMac: ME, srcMac: REAL1_MAC, src: REAL1, dst: CLIENT, type: ICMP_DEST_UNREACH, code: ICMP_PORT_UNREACH, original: other,
    });
    const pkts = r.engine.stats.slbPackets, routed = r.engine.stats.routed;
    r.ports[3]!.inject(err);
    const out = sentOne(r);
    expect([out.port, out.m.ipSrc, out.m.ipDst, out.m.ttl]).toEqual([1, REAL1, CLIENT, 63]);
    expect(quoted(out.frame, out.m).equals(ipBytes(other).subarray(0, 28))).toBe(true);
    expect(r.engine.stats.slbPackets).toBe(pkts);
    expect(r.engine.stats.routed).toBe(routed + 1);
  });

  it('an error addressed to the VIP quoting no session reaches the icmp-error listeners', () => {
    const r = natRig();
    const seen: string[] = [];
    r.engine.listen({ proto: 'icmp-error' }, (p) => seen.push(`${p.meta.ipDst === VIP} ${p.meta.inner.sport}`));
    const answer = buildTcpFrame({ dstMac: ROUTER_MAC, srcMac: ME, src: VIP, dst: CLIENT, sport: 80, dport: 43030, flags: TCP_ACK });
    r.ports[1]!.inject(buildIcmpErrorFrame({
      dstMac: ME, srcMac: ROUTER_MAC, src: CLIENT, dst: VIP, type: ICMP_DEST_UNREACH, code: ICMP_PORT_UNREACH, original: answer,
    }));
    expect(takeAll(r)).toEqual([]);
    expect(seen).toEqual(['true 80']);
  });

  it('a DSR session\'s error is not translated', () => {
    const r = natRig({ natMode: 'dsr', reals: [{ id: 2, rip: REAL2 }] });
    const syn = clientTcp(43040, TCP_SYN);
    r.ports[1]!.inject(syn);
    const fwd = sentOne(r);
    expect([fwd.port, fwd.m.ipDst]).toEqual([3, VIP]);
    const sid = r.engine.sessions.lookupOrig(r.clock.now(), IPPROTO_TCP, CLIENT, 43040, VIP, 80);
    const before = snapshot(r, sid);
    const pkts = r.engine.stats.slbPackets;
    // The real (VIP on its loopback) found the SYN undeliverable; its error goes to the client through the appliance.
    r.ports[3]!.inject(buildIcmpErrorFrame({
      dstMac: ME, srcMac: REAL2_MAC, src: REAL2, dst: CLIENT, type: ICMP_DEST_UNREACH, code: ICMP_PORT_UNREACH, original: fwd.frame,
    }));
    const out = sentOne(r);
    expect([out.port, out.m.ipSrc, out.m.ipDst, out.m.ttl]).toEqual([1, REAL2, CLIENT, 63]);
    expect(quoted(out.frame, out.m).equals(ipBytes(syn).subarray(0, 28))).toBe(true);
    expect(r.engine.stats.slbPackets).toBe(pkts);
    expect(snapshot(r, sid)).toEqual(before);
  });
});
