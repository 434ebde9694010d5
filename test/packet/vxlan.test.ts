// The VXLAN codec (RFC 7348) and the VXLAN encapsulation step: the header laid out by hand from
// the RFC, the strict parser (Linux's "unparsed flags" rule), totality on random input, and the
// outer UDP source port from the inner flow.

import { describe, expect, it } from 'vitest';
import { VxlanEncap, innerFlowHash, vxlanSourcePort, VXLAN_SPORT_MAX, VXLAN_SPORT_MIN } from '../../src/engine/vxlan-encap.js';
import { ipv4, mac } from '../../src/net/addr.js';
import {
  buildArpFrame, buildTcpFrame, buildUdpFrame, decodeFrame, DECODE_VERIFY_IP_CHECKSUM, ETHERTYPE_IPV4, IPPROTO_UDP, PacketMeta,
  readU16, TCP_SYN, verifyIpv4Checksum,
} from '../../src/packet/index.js';
import { ETHERTYPE_ARP, writeEthernet } from '../../src/packet/ethernet.js';
import {
  parseVxlan, VXLAN_FRAME_OVERHEAD, VXLAN_HEADER_LEN, VXLAN_OVERHEAD, VxlanError, wrapVxlan, writeVxlanHeader,
} from '../../src/packet/vxlan.js';
import { rng } from '../helpers/rng.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const A = mac('02:42:c0:a8:00:02'), B = mac('02:42:c0:a8:00:03');

function inner(sport = 1025, dport = 80): Buffer {
  return buildTcpFrame({ dstMac: B, srcMac: A, src: ipv4('12.12.12.2'), dst: ipv4('12.12.12.3'), sport, dport, seq: 9, flags: TCP_SYN });
}

describe('VXLAN header', () => {
  it('is 8 bytes: the I flag, 24 reserved bits, the 24-bit VNI, 8 reserved bits', () => {
    const b = new Uint8Array(8).fill(0xee);
    expect(writeVxlanHeader(b, 0, 42)).toBe(8);
    expect(hex(b)).toBe('0800000000002a00');
    writeVxlanHeader(b, 0, 0xabcdef);
    expect(hex(b)).toBe('08000000abcdef00');
  });

  it('adds 50 bytes to a frame on the wire (file 004: 14 + 20 + 8 + 8), 36 from the outer IPv4 header on', () => {
    expect(VXLAN_FRAME_OVERHEAD).toBe(50);
    expect(VXLAN_OVERHEAD).toBe(36);
    expect(1500 - VXLAN_FRAME_OVERHEAD).toBe(1450);
  });

  it('parses the VNI of a valid header and refuses what Linux refuses', () => {
    const f = new Uint8Array(8 + 14);
    writeVxlanHeader(f, 0, 4242);
    expect(parseVxlan(f, 0, f.length)).toBe(4242);
    const bad = (edit: (b: Uint8Array) => void) => {
      const c = f.slice();
      edit(c);
      return parseVxlan(c, 0, c.length);
    };
    expect(bad((c) => (c[0] = 0x00))).toBe(VxlanError.BAD_FLAGS); // I clear
    expect(bad((c) => (c[0] = 0x0c))).toBe(VxlanError.BAD_FLAGS); // another flag
    expect(bad((c) => (c[2] = 1))).toBe(VxlanError.BAD_FLAGS); // reserved
    expect(bad((c) => (c[7] = 1))).toBe(VxlanError.BAD_FLAGS); // reserved after the VNI
    expect(parseVxlan(f, 0, 7)).toBe(VxlanError.SHORT);
    expect(parseVxlan(f, 0, 8 + 13)).toBe(VxlanError.SHORT_FRAME);
    expect(parseVxlan(f, 20, 10)).toBe(VxlanError.SHORT);
    expect(parseVxlan(f, 0, 99)).toBe(VxlanError.SHORT);
  });

  it('never throws, and returns a VNI or an error, on random input', () => {
    const p = rng(7);
    let valid = 0;
    for (let i = 0; i < 20000; i++) {
      const b = new Uint8Array(p.int(0, 40));
      for (let k = 0; k < b.length; k++) b[k] = p.chance(0.8) ? 0 : p.int(0, 255);
      const off = p.int(-2, 10), end = p.chance(0.5) ? b.length : p.int(-2, 44);
      if (off >= 0 && off < b.length && p.chance(0.5)) b[off] = 0x08;
      const r = parseVxlan(b, off, end);
      expect(Number.isInteger(r)).toBe(true);
      if (r >= 0) {
        valid++;
        expect(r).toBe((b[off + 4]! << 16) | (b[off + 5]! << 8) | b[off + 6]!);
        expect([b[off], b[off + 1], b[off + 2], b[off + 3], b[off + 7], end - off >= 22]).toEqual([8, 0, 0, 0, 0, true]);
      } else {
        expect([-1, -2, -3]).toContain(r);
      }
    }
    expect(valid).toBeGreaterThan(50);
  });
});

describe('wrapVxlan', () => {
  it('writes IPv4 (TTL 64, no DF unless asked, protocol UDP), UDP (checksum 0) and VXLAN before the unchanged frame', () => {
    const f = inner();
    const out = new Uint8Array(200);
    const n = wrapVxlan(out, 4, f, 0, f.length, ipv4('192.168.104.2'), ipv4('192.168.104.3'), 39783, 4789, 42, false, 7);
    expect(n).toBe(VXLAN_OVERHEAD + f.length);
    const ip = out.subarray(4, 4 + n);
    expect(ip[0]).toBe(0x45);
    expect(readU16(ip, 2)).toBe(n);
    expect(readU16(ip, 4)).toBe(7);
    expect(readU16(ip, 6)).toBe(0);
    expect([ip[8], ip[9]]).toEqual([64, IPPROTO_UDP]);
    expect(verifyIpv4Checksum(ip, 0)).toBe(true);
    expect([readU16(ip, 20), readU16(ip, 22), readU16(ip, 24), readU16(ip, 26)]).toEqual([39783, 4789, n - 20, 0]);
    expect(hex(ip.subarray(28, 36))).toBe('0800000000002a00');
    expect(hex(ip.subarray(36))).toBe(hex(f));
    expect(readU16(out.subarray(4), 6)).toBe(0);
    const df = wrapVxlan(out, 0, f, 0, f.length, 1, 2, 1, 2, 3, true);
    expect(readU16(out, 6)).toBe(0x4000);
    expect(df).toBe(n);
  });

  it('works in place (the frame where the headers go) and refuses what does not fit', () => {
    const f = inner();
    const buf = new Uint8Array(300);
    buf.set(f, 10);
    const n = wrapVxlan(buf, 10, buf, 10, f.length, 1, 2, 3, 4789, 42, false);
    expect(hex(buf.subarray(10 + 36, 10 + n))).toBe(hex(f));
    expect(wrapVxlan(new Uint8Array(40), 0, f, 0, f.length, 1, 2, 3, 4, 5, false)).toBe(-1);
    expect(wrapVxlan(buf, 0, f, 0, 13, 1, 2, 3, 4, 5, false)).toBe(-1);
    expect(wrapVxlan(buf, 0, f, 0, f.length, 1, 2, 3, 4, 0x1000000, false)).toBe(-1);
    expect(wrapVxlan(buf, 0, f, 50, f.length, 1, 2, 3, 4, 5, false)).toBe(-1);
  });

  it('decodes as an ordinary UDP datagram whose payload parses back to the VNI and the frame', () => {
    const f = inner();
    const out = new Uint8Array(14 + 200);
    const n = wrapVxlan(out, 14, f, 0, f.length, ipv4('192.168.104.2'), ipv4('192.168.104.3'), 40001, 4789, 42, false);
    writeEthernet(out, 0, mac('08:00:27:6a:1f:03'), mac('00:06:c4:90:03:93'), ETHERTYPE_IPV4, -1);
    const m = new PacketMeta();
    expect(decodeFrame(out, 14 + n, m, DECODE_VERIFY_IP_CHECKSUM)).toBe(0);
    expect([m.proto, m.sport, m.dport]).toEqual([IPPROTO_UDP, 40001, 4789]);
    expect(parseVxlan(out, m.payloadOff, m.payloadOff + m.payloadLen)).toBe(42);
    expect(hex(out.subarray(m.payloadOff + VXLAN_HEADER_LEN, m.payloadOff + m.payloadLen))).toBe(hex(f));
  });
});

describe('the VXLAN encapsulation step', () => {
  it('takes its source port from the inner flow: one port per flow, in Linux\'s range, spread over flows', () => {
    const step = new VxlanEncap(42, 4789);
    const out = new Uint8Array(200);
    const ports = new Set<number>();
    for (let sport = 1000; sport < 1400; sport++) {
      const f = inner(sport);
      step.wrap(out, 0, f, 0, f.length, 1, 2, false, 0);
      const p = readU16(out, 20);
      expect(p).toBe(vxlanSourcePort(f, 0, f.length));
      expect(p >= VXLAN_SPORT_MIN && p < VXLAN_SPORT_MAX).toBe(true);
      ports.add(p);
      expect(readU16(out, 22)).toBe(4789);
      expect(readU16(out, 26)).toBe(0);
    }
    expect(ports.size).toBeGreaterThan(390);
    // The same flow, the same port; a reply (swapped tuple) is another flow.
    expect(vxlanSourcePort(inner(), 0, 60)).toBe(vxlanSourcePort(inner(), 0, 60));
  });

  it('hashes non-IP frames on the MACs and EtherType, IP fragments without ports', () => {
    const arp1 = buildArpFrame({ op: 1, srcMac: A, dstMac: 0xffffffffffff, sha: A, spa: ipv4('12.12.12.2'), tha: 0, tpa: ipv4('12.12.12.3') });
    const arp2 = buildArpFrame({ op: 1, srcMac: B, dstMac: 0xffffffffffff, sha: B, spa: ipv4('12.12.12.3'), tha: 0, tpa: ipv4('12.12.12.2') });
    expect(readU16(arp1, 12)).toBe(ETHERTYPE_ARP);
    expect(innerFlowHash(arp1, 0, arp1.length)).not.toBe(innerFlowHash(arp2, 0, arp2.length));
    const u1 = buildUdpFrame({ dstMac: B, srcMac: A, src: 1, dst: 2, sport: 5, dport: 6, payload: 'x' });
    const u2 = buildUdpFrame({ dstMac: B, srcMac: A, src: 1, dst: 2, sport: 7, dport: 6, payload: 'x' });
    expect(innerFlowHash(u1, 0, u1.length)).not.toBe(innerFlowHash(u2, 0, u2.length));
    u1[20] = 0x20; // MF: a first fragment
    u2[20] = 0x20;
    expect(innerFlowHash(u1, 0, u1.length)).toBe(innerFlowHash(u2, 0, u2.length));
    expect(innerFlowHash(new Uint8Array(5), 0, 5)).toBe(0);
  });
});
