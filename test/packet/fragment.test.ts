// Codecs for the tunnel MTU: the ICMP rest-of-header word (next-hop MTU), IPv4 fragments and
// IP-in-IP encapsulation of one fragment.

import { describe, expect, it } from 'vitest';
import { ipv4 } from '../../src/net/addr.js';
import {
  buildIcmpErrorFrame, buildTcpFrame, DECODE_VERIFY_IP_CHECKSUM, decodeFrame, wrapIpip, wrapIpipFragment, writeEthernet, ETHERTYPE_IPV4,
  ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, IP_FLAG_DF, IP_FLAG_MF, IPPROTO_IPIP, IPPROTO_TCP, PacketMeta, readU16, readU32,
  setIcmpRest, setIpv4Checksum, verifyChecksum, verifyIpv4Checksum, writeIcmpError, writeIpv4Fragment, writeIpv4Header,
} from '../../src/packet/index.js';

const A = ipv4('192.0.2.1'), B = ipv4('198.51.100.2');

/** An IPv4 packet: header with `options` (padded to 4), protocol 6, then `payloadLen` patterned bytes. */
function packet(payloadLen: number, options: number[] = [], frag = 0, id = 0x4242): Uint8Array {
  const optLen = (options.length + 3) & ~3;
  const hlen = 20 + optLen;
  const p = new Uint8Array(hlen + payloadLen);
  writeIpv4Header(p, 0, A, B, IPPROTO_TCP, p.length, 57, id, frag, 0x28);
  p[0] = 0x40 | (hlen / 4);
  p.set(options, 20);
  setIpv4Checksum(p, 0);
  for (let i = hlen; i < p.length; i++) p[i] = (i * 13 + 1) & 0xff;
  return p;
}

describe('setIcmpRest', () => {
  it('sets the next-hop MTU of a fragmentation-needed error with a checksum that matches writing it directly', () => {
    const orig = buildTcpFrame({ src: A, dst: B, sport: 1, dport: 2, payload: 'x'.repeat(100), df: true });
    const a = new Uint8Array(100), b = new Uint8Array(100);
    const n = writeIcmpError(a, 4, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, 0, orig, 14, orig.length);
    expect(writeIcmpError(b, 4, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, 1480, orig, 14, orig.length)).toBe(n);
    setIcmpRest(a, 4, 1480);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect([readU16(a, 8), readU16(a, 10)]).toEqual([0, 1480]);
    expect(verifyChecksum(a, 4, n)).toBe(true);
    // Any word, and back.
    for (const w of [0xffffffff, 0x12345678, 0xffff, 0]) {
      setIcmpRest(a, 4, w);
      expect(readU32(a, 8)).toBe(w);
      expect(verifyChecksum(a, 4, n)).toBe(true);
    }
    // The same as the frame builder's rest.
    const f = buildIcmpErrorFrame({ src: B, dst: A, type: ICMP_DEST_UNREACH, code: ICMP_FRAG_NEEDED, rest: 9000, original: orig });
    const m = new PacketMeta();
    expect(decodeFrame(f, f.length, m, DECODE_VERIFY_IP_CHECKSUM)).toBe(0);
    setIcmpRest(f, m.l4Off, 1400);
    setIcmpRest(f, m.l4Off, 9000);
    expect(verifyChecksum(f, m.l4Off, m.l3End - m.l4Off)).toBe(true);
  });
});

describe('writeIpv4Fragment', () => {
  it('splits a packet into 8-byte-aligned pieces with MF, offsets, lengths and checksums; the rest of the header kept', () => {
    const p = packet(1000, [], IP_FLAG_DF);
    const out = new Uint8Array(2000);
    const pieces: Uint8Array[] = [];
    for (let d = 0; d < 1000; d += 296) {
      const n = writeIpv4Fragment(out, 3, p, 0, p.length, d, Math.min(296, 1000 - d));
      pieces.push(out.slice(3, 3 + n));
    }
    expect(pieces.map((f) => f.length)).toEqual([316, 316, 316, 132]);
    expect(pieces.map((f) => readU16(f, 6))).toEqual([
      IP_FLAG_DF | IP_FLAG_MF, IP_FLAG_DF | IP_FLAG_MF | 37, IP_FLAG_DF | IP_FLAG_MF | 74, IP_FLAG_DF | 111,
    ]);
    for (const f of pieces) {
      expect(readU16(f, 2)).toBe(f.length);
      expect(verifyIpv4Checksum(f, 0)).toBe(true);
      expect([f[1], readU16(f, 4), f[8], f[9], readU32(f, 12), readU32(f, 16)]).toEqual([0x28, 0x4242, 57, IPPROTO_TCP, A, B]);
    }
    expect(Buffer.concat(pieces.map((f) => f.subarray(20))).equals(Buffer.from(p.subarray(20)))).toBe(true);
  });

  it('fragments a first fragment further: offsets add up, the last piece keeps MF', () => {
    const p = packet(64, [], IP_FLAG_MF | 10); // offset 80, MF
    const out = new Uint8Array(200);
    writeIpv4Fragment(out, 0, p, 0, p.length, 0, 32);
    expect(readU16(out, 6)).toBe(IP_FLAG_MF | 10);
    writeIpv4Fragment(out, 0, p, 0, p.length, 32, 32);
    expect(readU16(out, 6)).toBe(IP_FLAG_MF | 14);
  });

  it('keeps every option in the first piece and only those with the copy flag in the others (the rest become NOPs)', () => {
    // Record route (7, not copied) len 7, router alert (0x94, copied) len 4, EOL: 12 bytes.
    const opts = [7, 7, 4, 0, 0, 0, 0, 0x94, 4, 0, 0, 0];
    const p = packet(40, opts);
    const out = new Uint8Array(100);
    expect(writeIpv4Fragment(out, 0, p, 0, p.length, 0, 16)).toBe(32 + 16);
    expect([...out.subarray(20, 32)]).toEqual(opts);
    expect(verifyIpv4Checksum(out, 0)).toBe(true);
    expect(writeIpv4Fragment(out, 0, p, 0, p.length, 16, 24)).toBe(32 + 24);
    expect([...out.subarray(20, 32)]).toEqual([1, 1, 1, 1, 1, 1, 1, 0x94, 4, 0, 0, 0]);
    expect(out[0]).toBe(0x48);
    expect(verifyIpv4Checksum(out, 0)).toBe(true);
    expect(readU16(out, 6)).toBe(2);
    expect(Buffer.from(out.subarray(32, 56)).equals(Buffer.from(p.subarray(48, 72)))).toBe(true);
  });
});

describe('wrapIpipFragment', () => {
  it('wraps one fragment: outer header (DF clear, TOS copied) then the fragment; -1 when out of bounds', () => {
    const p = packet(100, [], 0, 7);
    const out = new Uint8Array(300);
    const n = wrapIpipFragment(out, 14, p, 0, p.length, 48, 52, A, B, 99);
    expect(n).toBe(20 + 20 + 52);
    writeEthernet(out, 0, 0x0a, 0x0b, ETHERTYPE_IPV4);
    const m = new PacketMeta();
    expect(decodeFrame(out, 14 + n, m, DECODE_VERIFY_IP_CHECKSUM)).toBe(0);
    expect([m.proto, m.ipSrc, m.ipDst, m.ipId, m.dontFragment, m.tos, m.ipTotalLen]).toEqual([IPPROTO_IPIP, A, B, 99, false, 0x28, 92]);
    expect([m.inner.ipId, m.inner.fragOffset, m.inner.moreFragments, m.inner.ipTotalLen]).toEqual([7, 48, false, 72]);
    // An unfragmented piece (the whole payload) is the packet itself, as wrapIpip gives it (DF aside).
    const whole = new Uint8Array(300);
    const w = wrapIpip(whole, 0, p, 0, p.length, A, B, false, 99);
    expect(wrapIpipFragment(out, 0, p, 0, p.length, 0, 100, A, B, 99)).toBe(w);
    expect(Buffer.from(out.subarray(0, w)).equals(Buffer.from(whole.subarray(0, w)))).toBe(true);
    // Out of bounds: not a multiple of 8, past the payload, empty, no room.
    expect(wrapIpipFragment(out, 0, p, 0, p.length, 4, 8, A, B)).toBe(-1);
    expect(wrapIpipFragment(out, 0, p, 0, p.length, 96, 8, A, B)).toBe(-1);
    expect(wrapIpipFragment(out, 0, p, 0, p.length, 8, 0, A, B)).toBe(-1);
    expect(wrapIpipFragment(new Uint8Array(100), 0, p, 0, p.length, 0, 100, A, B)).toBe(-1);
  });
});
