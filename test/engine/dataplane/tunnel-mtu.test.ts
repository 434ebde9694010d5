// l3dsr-iptunnel and the egress MTU: what fits is sent as it is; a packet that would not fit
// once encapsulated is refused with ICMP fragmentation needed when it has DF (as Linux's
// ip_tunnel and LVS do), else fragmented before encapsulation, each fragment in its own tunnel
// packet.

import { describe, expect, it } from 'vitest';
import {
  ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, IP_FLAG_MF, IP_FRAG_OFFSET_MASK, IPPROTO_ICMP, IPPROTO_IPIP,
  PacketMeta, decodeFrame, readU16, verifyChecksum, verifyIpv4Checksum,
} from '../../../src/packet/index.js';
import {
  CLIENT, ME, REAL1, REAL1_MAC, REAL2, REAL2_MAC, ROUTER_MAC, SRV_IP, VIP, decode, ipBytes, labConfig, rig, takeAll, type Rig,
} from './harness.js';
import { TCP_ACK, TCP_SYN, arpReply, clientTcp, primeHost, primeRouter } from './frames.js';

/** A rig whose one real (REAL1, port 3) is known; `mtus` by port. */
function tunnelRig(mtus: Record<number, number> = {}, primeReal = true): Rig {
  const r = rig(labConfig({ reals: [{ id: 1, rip: REAL1 }] }), {}, mtus);
  primeRouter(r);
  if (primeReal) primeHost(r, 3, REAL1_MAC, REAL1, SRV_IP);
  return r;
}

/** Opens a session for client port `sport` (its SYN goes through and is forgotten). */
function open(r: Rig, sport: number): void {
  r.ports[1]!.inject(clientTcp(sport, TCP_SYN));
  takeAll(r);
}

/** A client segment whose IPv4 packet is `ipLen` bytes long (20 + 20 + payload). */
function segment(sport: number, ipLen: number, df: boolean, id = 0x1234): Buffer {
  const payload = Buffer.alloc(ipLen - 40);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 7 + 3) & 0xff;
  return clientTcp(sport, TCP_ACK, { seq: 276011401, ack: 1, payload, df, id });
}

interface Frag {
  port: number;
  outer: PacketMeta;
  /** The inner IPv4 packet. */
  inner: Buffer;
}

/** The tunnel packets sent, outer headers checked, with their inner packets. */
function tunnelPackets(sent: [number, Buffer][]): Frag[] {
  return sent.map(([port, frame]) => {
    const outer = new PacketMeta();
    expect(decodeFrame(frame, frame.length, outer, 0)).toBe(0);
    expect(outer.proto).toBe(IPPROTO_IPIP);
    expect(verifyIpv4Checksum(frame, outer.l3Off)).toBe(true);
    expect(outer.isFragment).toBe(false);
    return { port, outer, inner: Buffer.from(frame.subarray(outer.l4Off, outer.l3End)) };
  });
}

/** Reassembles inner fragments (checking each header); returns the payload and the first header. */
function reassemble(frags: Buffer[]): { header: Buffer; payload: Buffer } {
  const parts: [number, Buffer][] = [];
  let header: Buffer | null = null;
  let end = -1;
  for (const f of frags) {
    const hlen = (f[0]! & 0x0f) * 4;
    expect(verifyChecksum(f, 0, hlen)).toBe(true);
    expect(readU16(f, 2)).toBe(f.length);
    const word = readU16(f, 6);
    const off = (word & IP_FRAG_OFFSET_MASK) * 8;
    const data = f.subarray(hlen);
    if ((word & IP_FLAG_MF) !== 0) expect(data.length % 8).toBe(0);
    else end = off + data.length;
    if (off === 0) header = f.subarray(0, hlen);
    parts.push([off, data]);
  }
  parts.sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [off, data] of parts) {
    expect(off).toBe(at);
    at += data.length;
  }
  expect(at).toBe(end);
  return { header: Buffer.from(header!), payload: Buffer.concat(parts.map((p) => p[1])) };
}

describe('l3dsr-iptunnel and the egress MTU (1500 by default)', () => {
  it('a 1480-byte packet with DF fits: one 1500-byte tunnel packet carrying it unchanged', () => {
    const r = tunnelRig();
    open(r, 50000);
    const seg = segment(50000, 1480, true);
    r.ports[1]!.inject(seg);
    const [t, ...rest] = tunnelPackets(takeAll(r));
    expect(rest).toEqual([]);
    expect([t!.port, t!.outer.dstMac, t!.outer.ipSrc, t!.outer.ipDst, t!.outer.ipTotalLen]).toEqual([3, REAL1_MAC, SRV_IP, REAL1, 1500]);
    expect(t!.outer.dontFragment).toBe(true);
    expect(t!.inner.equals(ipBytes(seg))).toBe(true);
    expect(r.engine.stats.dropsByName()['frag-needed']).toBeUndefined();
  });

  it('a 1481-byte packet with DF is dropped and answered with ICMP fragmentation needed, MTU 1480, from the VIP', () => {
    const r = tunnelRig();
    open(r, 50001);
    const seg = segment(50001, 1481, true);
    r.ports[1]!.inject(seg);
    const sent = takeAll(r);
    expect(sent.length).toBe(1);
    const [port, frame] = sent[0]!;
    const m = decode(frame);
    expect([port, m.dstMac, m.srcMac, m.proto, m.icmpType, m.icmpCode, m.ipSrc, m.ipDst])
      .toEqual([1, ROUTER_MAC, ME, IPPROTO_ICMP, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, VIP, CLIENT]);
    expect(readU16(frame, m.l4Off + 4)).toBe(0); // unused (RFC 1191)
    expect(readU16(frame, m.l4Off + 6)).toBe(1480); // next-hop MTU
    // It quotes the original IP header and the first 8 bytes of its payload.
    const orig = ipBytes(seg);
    expect(Buffer.from(frame.subarray(m.l4Off + 8, m.l3End)).equals(orig.subarray(0, 28))).toBe(true);
    expect([m.inner.ipSrc, m.inner.ipDst, m.inner.sport, m.inner.dport]).toEqual([CLIENT, VIP, 50001, 80]);
    expect(r.engine.stats.dropsByName()['frag-needed']).toBe(1);
    expect(r.engine.stats.ports[1]!.dropsByName()['frag-needed']).toBe(1);
    expect(r.engine.stats.icmpSent).toBe(1);
    // The session stays: a segment that fits still goes through.
    r.ports[1]!.inject(segment(50001, 1480, true));
    expect(tunnelPackets(takeAll(r)).length).toBe(1);
  });

  it('the ICMP errors go through the engine\'s rate limit (bursts of 50)', () => {
    const r = tunnelRig();
    open(r, 50002);
    for (let i = 0; i < 60; i++) r.ports[1]!.inject(segment(50002, 1500, true));
    expect(takeAll(r).length).toBe(50);
    expect(r.engine.stats.rateLimited).toBe(10);
    expect(r.engine.stats.dropsByName()['frag-needed']).toBe(60);
  });

  it('a 1481-byte packet without DF becomes two tunnel packets whose inner fragments reassemble to it', () => {
    const r = tunnelRig();
    open(r, 50003);
    const seg = segment(50003, 1481, false, 0xbeef);
    const orig = ipBytes(seg);
    r.ports[1]!.inject(seg);
    const ts = tunnelPackets(takeAll(r));
    expect(ts.length).toBe(2);
    for (const t of ts) {
      expect([t.port, t.outer.dstMac, t.outer.ipSrc, t.outer.ipDst, t.outer.dontFragment]).toEqual([3, REAL1_MAC, SRV_IP, REAL1, false]);
      expect(t.outer.ipTotalLen).toBeLessThanOrEqual(1500);
    }
    expect(ts[0]!.outer.ipId).not.toBe(ts[1]!.outer.ipId);
    const [a, b] = [ts[0]!.inner, ts[1]!.inner];
    // 1461 payload bytes. First: 20 + 1456 (the most that fits in 1480, a multiple of 8), MF, offset 0;
    // last: 20 + 5, offset 1456, MF clear.
    expect([a.length, readU16(a, 6)]).toEqual([1476, IP_FLAG_MF]);
    expect([b.length, readU16(b, 6)]).toEqual([25, 1456 / 8]);
    expect(ts.map((t) => t.outer.ipTotalLen)).toEqual([1496, 45]);
    for (const f of [a, b]) {
      expect(readU16(f, 4)).toBe(0xbeef); // the inner ID is kept
      // Everything else of the header is the original's (length, flags/offset and checksum aside).
      expect(Buffer.concat([f.subarray(0, 2), f.subarray(4, 6), f.subarray(8, 10), f.subarray(12, 20)]))
        .toEqual(Buffer.concat([orig.subarray(0, 2), orig.subarray(4, 6), orig.subarray(8, 10), orig.subarray(12, 20)]));
    }
    const { header, payload } = reassemble([a, b]);
    expect(payload.equals(orig.subarray(20))).toBe(true);
    expect(header.subarray(12, 20).equals(orig.subarray(12, 20))).toBe(true);
    expect(r.engine.stats.dropTotal()).toBe(0);
    expect(r.engine.stats.icmpSent).toBe(0);
  });

  it('a full-size 1500-byte packet without DF: 1476 + 44 inner bytes, in order', () => {
    const r = tunnelRig();
    open(r, 50004);
    const seg = segment(50004, 1500, false);
    r.ports[1]!.inject(seg);
    const ts = tunnelPackets(takeAll(r));
    expect(ts.map((t) => t.inner.length)).toEqual([1476, 44]);
    expect(reassemble(ts.map((t) => t.inner)).payload.equals(ipBytes(seg).subarray(20))).toBe(true);
  });

  it('a backend reporting MTU 9000 takes a large packet unfragmented', () => {
    const r = tunnelRig({ 3: 9000 });
    open(r, 50005);
    const seg = segment(50005, 8980, true);
    r.ports[1]!.inject(seg);
    const ts = tunnelPackets(takeAll(r));
    expect(ts.length).toBe(1);
    expect([ts[0]!.port, ts[0]!.outer.ipTotalLen]).toEqual([3, 9000]);
    expect(ts[0]!.inner.equals(ipBytes(seg))).toBe(true);
    // One more byte does not fit: fragmentation needed with MTU 8980.
    r.ports[1]!.inject(segment(50005, 8981, true));
    const [[, icmp]] = takeAll(r) as [[number, Buffer]];
    const m = decode(icmp);
    expect([m.icmpType, m.icmpCode, readU16(icmp, m.l4Off + 6)]).toEqual([ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, 8980]);
  });

  it('a jumbo packet without DF over a 1500 link: every fragment fits and they reassemble', () => {
    const r = tunnelRig();
    open(r, 50006);
    const seg = segment(50006, 8000, false);
    r.ports[1]!.inject(seg);
    const ts = tunnelPackets(takeAll(r));
    expect(ts.length).toBe(6); // 7980 payload bytes in 1456-byte pieces
    for (const t of ts) expect(t.outer.ipTotalLen).toBeLessThanOrEqual(1500);
    expect(reassemble(ts.map((t) => t.inner)).payload.equals(ipBytes(seg).subarray(20))).toBe(true);
  });
});

describe('the routed branch (next hop not resolved yet)', () => {
  it('fragments for the smallest MTU of the VLAN\'s ports and sends them once ARP resolves', () => {
    const r = tunnelRig({ 3: 9000 }, false); // port 4 (tagged in the same VLAN) reports nothing: 1500
    open(r, 50010); // the SYN waits for ARP
    const seg = segment(50010, 1481, false);
    r.ports[1]!.inject(seg);
    r.ports[3]!.inject(arpReply(REAL1_MAC, REAL1, ME, SRV_IP));
    const ts = tunnelPackets(takeAll(r).filter(([, f]) => decode(f, false).proto === IPPROTO_IPIP));
    expect(ts.map((t) => t.inner.length)).toEqual([ipBytes(clientTcp(50010, TCP_SYN)).length, 1476, 25]); // the SYN, then the two fragments
    expect(reassemble(ts.slice(1).map((t) => t.inner)).payload.equals(ipBytes(seg).subarray(20))).toBe(true);
  });

  it('with DF answers fragmentation needed for that MTU', () => {
    const r = tunnelRig({ 3: 9000, 4: 4000 }, false);
    open(r, 50011);
    r.ports[1]!.inject(segment(50011, 5000, true));
    const sent = takeAll(r);
    expect(sent.length).toBe(1);
    const m = decode(sent[0]![1]);
    expect([sent[0]![0], m.icmpType, m.icmpCode, readU16(sent[0]![1], m.l4Off + 6)]).toEqual([1, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, 3980]);
    r.ports[1]!.inject(segment(50011, 3980, true));
    r.ports[3]!.inject(arpReply(REAL1_MAC, REAL1, ME, SRV_IP));
    const ts = tunnelPackets(takeAll(r).filter(([, f]) => decode(f, false).proto === IPPROTO_IPIP));
    expect(ts.map((t) => t.outer.ipTotalLen)).toEqual([20 + ipBytes(clientTcp(50011, TCP_SYN)).length, 4000]);
  });
});

describe('other reals', () => {
  it('each binding keeps its own MTU: a real behind a 9000 port and one behind a 1500 port', () => {
    const r = rig(labConfig({ reals: [{ id: 1, rip: REAL1 }, { id: 2, rip: REAL2 }] }), {}, { 3: 9000 });
    primeRouter(r);
    primeHost(r, 3, REAL1_MAC, REAL1, SRV_IP);
    primeHost(r, 4, REAL2_MAC, REAL2, SRV_IP, 211);
    open(r, 50020); // rr: real 1
    open(r, 50021); // real 2
    r.ports[1]!.inject(segment(50020, 3000, false));
    expect(tunnelPackets(takeAll(r)).map((t) => [t.port, t.inner.length])).toEqual([[3, 3000]]);
    r.ports[1]!.inject(segment(50021, 3000, false));
    const ts = tunnelPackets(takeAll(r));
    expect(ts.map((t) => [t.port, t.outer.vlanId, t.inner.length])).toEqual([[4, 211, 1476], [4, 211, 1476], [4, 211, 88]]);
    expect(r.engine.stats.dropsByName()).toEqual({});
  });
});
