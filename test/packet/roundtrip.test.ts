// Round trips: build -> decode, encapsulate -> decapsulate, rewrite -> checksums still valid.

import { describe, expect, it } from 'vitest';
import { ipv4, mac } from '../../src/net/addr.js';
import {
  buildArpFrame, buildIcmpEchoFrame, buildTcpFrame, buildUdpFrame, checksumUpdate16, decapsulateIpipFrame,
  DECODE_VERIFY_IP_CHECKSUM, DECODE_VERIFY_L4_CHECKSUM, decodeFrame, decrementTtl, DropReason, encapsulateIpip,
  ETHERTYPE_IPV4, InnerKind, internetChecksum, IPPROTO_ICMP, IPPROTO_IPIP, IPPROTO_TCP, IPPROTO_UDP,
  ipipInnerOffset, PacketMeta, popVlanTag, pushVlanTag, readU16, rewriteDstPort, rewriteIcmpEchoId, rewriteIpv4Dst,
  rewriteIpv4Src, rewriteMacs, rewriteSrcPort, setDscp, setIpv4Checksum, setTcpChecksum, setUdpChecksum, TCP_SYN,
  TCPOPT_MSS, TCPOPT_NOP, TCPOPT_SACK_PERMITTED, TCPOPT_TIMESTAMP, TCPOPT_WSCALE, verifyIpv4Checksum,
  verifyL4Checksum, writeEthernet, writeIpv4Header, writeTcpHeader, type IpMeta,
} from '../../src/packet/index.js';
import { Prng } from './helpers.js';
import { randomIpSpec, randomTcpSpec, randomValidFrame } from './gen.js';

const VERIFY = DECODE_VERIFY_IP_CHECKSUM | DECODE_VERIFY_L4_CHECKSUM;

function decode(f: Uint8Array, len = f.length): PacketMeta {
  const m = new PacketMeta();
  const r = decodeFrame(f, len, m, VERIFY);
  expect(r, `drop reason ${r} for ${Buffer.from(f.subarray(0, len)).toString('hex')}`).toBe(DropReason.OK);
  return m;
}

/** Checksums of the IP header and the TCP/UDP segment, recomputed from scratch. */
function expectChecksumsValid(f: Uint8Array, m: IpMeta): void {
  expect(verifyIpv4Checksum(f, m.l3Off)).toBe(true);
  const copy = Buffer.from(f);
  setIpv4Checksum(copy, m.l3Off);
  expect(readU16(copy, m.l3Off + 10)).toBe(readU16(f, m.l3Off + 10));
  if (m.isFragment) return;
  const segLen = m.l3End - m.l4Off;
  if (m.proto === IPPROTO_TCP) {
    expect(verifyL4Checksum(f, m.l4Off, segLen, m.ipSrc, m.ipDst, IPPROTO_TCP)).toBe(true);
    expect(setTcpChecksum(copy, m.l4Off, segLen, m.ipSrc, m.ipDst)).toBe(readU16(f, m.l4Off + 16));
  } else if (m.proto === IPPROTO_UDP && readU16(f, m.l4Off + 6) !== 0) {
    expect(verifyL4Checksum(f, m.l4Off, m.udpLen, m.ipSrc, m.ipDst, IPPROTO_UDP)).toBe(true);
    expect(setUdpChecksum(copy, m.l4Off, m.udpLen, m.ipSrc, m.ipDst)).toBe(readU16(f, m.l4Off + 6));
  } else if (m.proto === IPPROTO_ICMP) {
    expect(internetChecksum(f, m.l4Off, segLen)).toBe(0);
  }
}

describe('build -> decode', () => {
  it('TCP frames keep every field (seeded)', () => {
    const rng = new Prng(793);
    for (let n = 0; n < 1000; n++) {
      const s = randomTcpSpec(rng);
      const m = decode(buildTcpFrame(s));
      const opt = (k: string) => s.options!.find((o) => o.kind === k);
      const ts = opt('ts') as { val: number; ecr: number } | undefined;
      expect(m).toMatchObject({
        dstMac: s.dstMac, srcMac: s.srcMac, vlanId: s.vlanId ?? -1, vlanPcp: s.vlanId === undefined ? -1 : s.pcp,
        l2Len: s.vlanId === undefined ? 14 : 18, etherType: ETHERTYPE_IPV4, ipSrc: s.src, ipDst: s.dst, ttl: s.ttl,
        ipId: s.id, tos: s.tos, dontFragment: s.df, isFragment: false, proto: IPPROTO_TCP, sport: s.sport,
        dport: s.dport, seq: s.seq, ack: s.ack, tcpFlags: s.flags, window: s.window, urgentPtr: s.urgentPtr,
        payloadLen: (s.payload as Uint8Array).length,
        mss: (opt('mss') as { value: number } | undefined)?.value ?? -1,
        wscale: (opt('wscale') as { value: number } | undefined)?.value ?? -1,
        sackPermitted: opt('sackOK') !== undefined, hasTimestamps: ts !== undefined, tsVal: ts?.val ?? 0,
        tsEcr: ts?.ecr ?? 0, tcpOptionsOk: true,
      });
    }
  });

  it('UDP, ICMP echo and ARP frames keep every field', () => {
    const rng = new Prng(768);
    for (let n = 0; n < 300; n++) {
      const ip = randomIpSpec(rng);
      const payload = rng.bytes(rng.range(0, 100));
      const u = decode(buildUdpFrame({ ...ip, sport: 7, dport: 65535, payload }));
      expect(u).toMatchObject({ ipSrc: ip.src, ipDst: ip.dst, proto: IPPROTO_UDP, sport: 7, dport: 65535,
        udpLen: 8 + payload.length, payloadLen: payload.length });
      const e = decode(buildIcmpEchoFrame({ ...ip, id: n, seq: 65535 - n, payload, reply: n % 2 === 1 }));
      expect(e).toMatchObject({ proto: IPPROTO_ICMP, icmpType: n % 2 === 1 ? 0 : 8, icmpCode: 0, icmpId: n,
        icmpSeq: 65535 - n, payloadLen: payload.length, icmpInnerOff: -1 });
    }
    const a = decode(buildArpFrame({ op: 'reply', sha: mac('02:00:00:00:00:0a'), spa: ipv4('10.0.0.10'),
      tha: mac('02:00:00:00:00:0b'), tpa: ipv4('10.0.0.11'), vlanId: 4094, pcp: 7 }));
    expect(a).toMatchObject({ arpOp: 2, dstMac: mac('02:00:00:00:00:0b'), srcMac: mac('02:00:00:00:00:0a'),
      vlanId: 4094, vlanPcp: 7, arpSpa: ipv4('10.0.0.10'), arpTpa: ipv4('10.0.0.11') });
  });

  it('writers honour the buffer offset and return the bytes written', () => {
    const buf = new Uint8Array(200).fill(0xee);
    const base = 37;
    let o = base;
    o += writeEthernet(buf, o, 1, 2, ETHERTYPE_IPV4, 5, 3);
    expect(o - base).toBe(18);
    const order = [TCPOPT_MSS, TCPOPT_NOP, TCPOPT_WSCALE, TCPOPT_SACK_PERMITTED, TCPOPT_TIMESTAMP] as const;
    const values = { mss: 1400, wscale: 9, tsVal: 1, tsEcr: 2 };
    const ipAt = o;
    o += 20;
    const hlen = writeTcpHeader(buf, o, 1000, 2000, 1, 2, TCP_SYN, 100, order, values);
    expect(hlen).toBe(20 + 20); // 4 + 1 + 3 + 2 + 10 = 20
    writeIpv4Header(buf, ipAt, ipv4('1.2.3.4'), ipv4('5.6.7.8'), IPPROTO_TCP, 20 + hlen, 9, 77, 0x4000, 0);
    setTcpChecksum(buf, o, hlen, ipv4('1.2.3.4'), ipv4('5.6.7.8'));
    expect(buf[base - 1]).toBe(0xee);
    expect(buf[o + hlen]).toBe(0xee);
    const m = decode(buf.subarray(base, o + hlen));
    expect(m).toMatchObject({ dstMac: 1, srcMac: 2, vlanId: 5, vlanPcp: 3, ttl: 9, ipId: 77, dontFragment: true,
      mss: 1400, wscale: 9, sackPermitted: true, tsVal: 1, tsEcr: 2, tcpDataOffset: 10 });
  });

  it('pads TCP options to 4 bytes with EOL', () => {
    const buf = new Uint8Array(60);
    expect(writeTcpHeader(buf, 0, 1, 2, 0, 0, 0, 0, [TCPOPT_WSCALE], { mss: 0, wscale: 3, tsVal: 0, tsEcr: 0 })).toBe(24);
    expect([...buf.subarray(20, 24)]).toEqual([3, 3, 3, 0]);
    expect(() => writeTcpHeader(buf, 0, 1, 2, 0, 0, 0, 0, [8, 8, 8, 8, 8], { mss: 0, wscale: 0, tsVal: 0, tsEcr: 0 }))
      .toThrow(RangeError);
  });
});

describe('IP-in-IP', () => {
  it('encapsulate -> decapsulate returns the inner packet unchanged (seeded)', () => {
    const rng = new Prng(2003);
    for (let n = 0; n < 500; n++) {
      const f = randomValidFrame(rng);
      const m = new PacketMeta();
      if (decodeFrame(f, f.length, m) !== DropReason.OK || m.etherType !== ETHERTYPE_IPV4) continue;
      const inner = Buffer.from(f.subarray(m.l3Off, m.l3End));
      const out = new Uint8Array(f.length + 100);
      const df = rng.bool();
      const vlan = rng.bool() ? rng.int(4096) : -1;
      const n1 = encapsulateIpip(out, 0, f, m.l3Off, inner.length, 0x0a, 0x0b, ipv4('192.0.2.1'), ipv4('198.51.100.2'), df, n, vlan);
      expect(n1).toBe((vlan >= 0 ? 18 : 14) + 20 + inner.length);
      const e = decode(out, n1);
      expect(e).toMatchObject({ proto: IPPROTO_IPIP, ttl: 64, dontFragment: df, ipId: n, tos: m.tos, vlanId: vlan,
        ipSrc: ipv4('192.0.2.1'), ipDst: ipv4('198.51.100.2'), innerKind: InnerKind.IPIP, ipTotalLen: inner.length + 20 });
      expect(e.inner.ipSrc).toBe(m.ipSrc);
      expect(e.inner.sport).toBe(m.sport);
      expect(ipipInnerOffset(out, e.l3Off, n1)).toBe(e.l3Off + 20);
      const start = decapsulateIpipFrame(out, n1);
      expect(start).toBe(20);
      expect(Buffer.from(out.subarray(start + e.l2Len, n1))).toEqual(inner);
      const d = decode(out.subarray(start, n1));
      expect(d).toMatchObject({ dstMac: 0x0a, srcMac: 0x0b, vlanId: vlan, ipSrc: m.ipSrc, ipDst: m.ipDst, proto: m.proto });
    }
  });

  it('encapsulates in place, the frame moving up over itself', () => {
    const f = buildTcpFrame({ src: 1, dst: 2, sport: 3, dport: 4, payload: 'x'.repeat(300) });
    const buf = Buffer.alloc(f.length + 20);
    f.copy(buf);
    const inner = Buffer.from(f.subarray(14));
    const n = encapsulateIpip(buf, 0, buf, 14, inner.length, 5, 6, 7, 8, true);
    expect(Buffer.from(buf.subarray(34, n))).toEqual(inner);
    expect(decode(buf, n).inner.payloadLen).toBe(300);
  });

  it('refuses what would not fit', () => {
    const f = buildTcpFrame({ src: 1, dst: 2, sport: 3, dport: 4 });
    expect(encapsulateIpip(new Uint8Array(f.length + 19), 0, f, 14, f.length - 14, 0, 0, 0, 0, false)).toBe(-1);
    expect(encapsulateIpip(new Uint8Array(70_000), 0, new Uint8Array(65_530), 0, 65_520, 0, 0, 0, 0, false)).toBe(-1);
  });

  it('rejects non-IPIP frames for decapsulation', () => {
    const f = buildTcpFrame({ src: 1, dst: 2, sport: 3, dport: 4 });
    expect(decapsulateIpipFrame(f, f.length)).toBe(-1);
    expect(ipipInnerOffset(f, 14, f.length)).toBe(-1);
    expect(decapsulateIpipFrame(f, 10)).toBe(-1);
  });
});

describe('NAT and forwarding rewrites', () => {
  it('keep IP and TCP/UDP checksums valid (seeded, verified by full recomputation)', () => {
    const rng = new Prng(3022);
    let tcp = 0;
    let udp = 0;
    let udpNone = 0;
    for (let n = 0; n < 2000; n++) {
      const f = randomValidFrame(rng);
      const m = new PacketMeta();
      if (decodeFrame(f, f.length, m, VERIFY) !== DropReason.OK || m.etherType !== ETHERTYPE_IPV4) continue;
      const t: IpMeta = m.innerKind === InnerKind.IPIP && rng.bool() ? m.inner : m;
      const udpChecksumWas = t.proto === IPPROTO_UDP && !t.isFragment ? readU16(f, t.l4Off + 6) : -1;
      const src = rng.u32();
      const dst = rng.u32();
      const sport = rng.int(65536);
      const dport = rng.int(65536);
      rewriteIpv4Src(f, t, src);
      rewriteIpv4Dst(f, t, dst);
      const ports = rewriteSrcPort(f, t, sport) && rewriteDstPort(f, t, dport);
      expect(ports).toBe((t.proto === IPPROTO_TCP || t.proto === IPPROTO_UDP) && t.fragOffset === 0);
      setDscp(f, t, rng.int(64));
      const ttl = t.ttl;
      expect(decrementTtl(f, t)).toBe(ttl > 1 ? ttl - 1 : 0);
      rewriteMacs(f, 0, 0x0a0b0c0d0e0f, 0x010203040506);
      expectChecksumsValid(f, t);
      if (t !== m) expectChecksumsValid(f, m);
      if (udpChecksumWas === 0) {
        expect(readU16(f, t.l4Off + 6)).toBe(0);
        udpNone++;
      }
      if (t.proto === IPPROTO_TCP && !t.isFragment) tcp++;
      if (udpChecksumWas > 0) udp++;
      // The meta follows the bytes: decoding again gives the same fields.
      const again = decode(f);
      const t2 = t === m ? again : again.inner;
      if (t === m) Object.assign(m, { dstMac: 0x0a0b0c0d0e0f, srcMac: 0x010203040506 });
      expect({ ...t2 }).toEqual({ ...t });
      expect(again.dstMac).toBe(0x0a0b0c0d0e0f);
    }
    expect(tcp).toBeGreaterThan(100);
    expect(udp).toBeGreaterThan(50);
    expect(udpNone).toBeGreaterThan(5);
  });

  it('UDP: a rewrite that makes the checksum 0 stores 0xffff', () => {
    // Search for a port whose rewrite yields a computed checksum of 0.
    const f = buildUdpFrame({ src: ipv4('10.0.0.1'), dst: ipv4('10.0.0.2'), sport: 1000, dport: 53, payload: 'abcd' });
    const m = decode(f);
    const c = readU16(f, 40);
    // Want newPort with ~(~c + ~1000 + newPort) == 0, i.e. ~c + ~1000 + newPort == 0xffff (one's complement).
    const target = (0xffff - ((~c & 0xffff) + (~1000 & 0xffff)) % 0xffff + 0xffff) % 0xffff;
    expect(checksumUpdate16(c, 1000, target)).toBe(0);
    expect(rewriteSrcPort(f, m, target)).toBe(true);
    expect(readU16(f, 40)).toBe(0xffff);
    expect(verifyL4Checksum(f, 34, m.udpLen, m.ipSrc, m.ipDst, IPPROTO_UDP)).toBe(true);
  });

  it('UDP: a computed checksum of 0 is sent as 0xffff', () => {
    const spec = { src: ipv4('10.0.0.1'), dst: ipv4('10.0.0.2'), sport: 1000, dport: 53 };
    const c0 = readU16(buildUdpFrame({ ...spec, payload: Buffer.from([0, 0]) }), 40);
    // A payload word equal to that checksum brings the sum to 0xffff, so the checksum to 0.
    const f = buildUdpFrame({ ...spec, payload: Buffer.from([c0 >> 8, c0 & 0xff]) });
    expect(readU16(f, 40)).toBe(0xffff);
    const m = decode(f);
    expect(verifyL4Checksum(f, 34, m.udpLen, m.ipSrc, m.ipDst, IPPROTO_UDP)).toBe(true);
  });

  it('decrements TTL as in RFC 1624 and stops at 1', () => {
    const f = buildTcpFrame({ src: 1, dst: 2, sport: 3, dport: 4, ttl: 2 });
    const m = decode(f);
    expect(decrementTtl(f, m)).toBe(1);
    expect(f[22]).toBe(1);
    expect(verifyIpv4Checksum(f, 14)).toBe(true);
    const before = Buffer.from(f);
    expect(decrementTtl(f, m)).toBe(0);
    expect(f).toEqual(before);
  });

  it('sets DSCP and keeps ECN', () => {
    const f = buildUdpFrame({ src: 1, dst: 2, sport: 3, dport: 4, tos: 0x03 });
    const m = decode(f);
    setDscp(f, m, 46);
    expect(f[15]).toBe((46 << 2) | 3);
    expect(m.tos).toBe(0xbb);
    expect(verifyIpv4Checksum(f, 14)).toBe(true);
  });

  it('rewrites an ICMP echo id with checksum fix-up, and only echoes', () => {
    const f = buildIcmpEchoFrame({ src: 1, dst: 2, id: 100, seq: 1, payload: 'hello' });
    const m = decode(f);
    expect(rewriteIcmpEchoId(f, m, 0xfffe)).toBe(true);
    expect(decode(f).icmpId).toBe(0xfffe);
    const u = buildUdpFrame({ src: 1, dst: 2, sport: 3, dport: 4 });
    const before = Buffer.from(u);
    expect(rewriteIcmpEchoId(u, decode(u), 5)).toBe(false);
    expect(u).toEqual(before);
  });

  it('leaves non-first fragments without L4 fix-up and other protocols\' ports alone', () => {
    const f = buildUdpFrame({ src: 1, dst: 2, sport: 3, dport: 4, fragOffset: 1480, payload: 'zzzzzzzz' });
    const m = decode(f);
    const l4Before = Buffer.from(f.subarray(34));
    rewriteIpv4Src(f, m, 99);
    expect(rewriteSrcPort(f, m, 5)).toBe(false);
    expect(Buffer.from(f.subarray(34))).toEqual(l4Before);
    expect(verifyIpv4Checksum(f, 14)).toBe(true);
  });
});

describe('802.1Q push / pop', () => {
  it('tags and untags a frame in place', () => {
    const f = buildTcpFrame({ src: 1, dst: 2, sport: 3, dport: 4, dstMac: 0x111111111111, srcMac: 0x222222222222 });
    const buf = Buffer.alloc(f.length + 4);
    f.copy(buf, 4);
    const start = pushVlanTag(buf, 4, 300, 6);
    expect(start).toBe(0);
    const t = decode(buf);
    expect(t).toMatchObject({ vlanId: 300, vlanPcp: 6, l2Len: 18, dstMac: 0x111111111111, srcMac: 0x222222222222, sport: 3 });
    const s2 = popVlanTag(buf, 0);
    expect(s2).toBe(4);
    expect(Buffer.from(buf.subarray(s2))).toEqual(f);
    expect(decode(buf.subarray(s2)).vlanId).toBe(-1);
  });
});
