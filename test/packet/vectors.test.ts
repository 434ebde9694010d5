// Known vectors: the scapy/tcpdump reference capture, and frames laid out by hand from the RFCs.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatIpv4, formatMac, ipv4, mac } from '../../src/net/addr.js';
import {
  buildArpFrame, buildIcmpEchoFrame, buildIcmpErrorFrame, buildIpipFrame, buildTcpFrame, buildUdpFrame,
  DECODE_VERIFY_IP_CHECKSUM, DECODE_VERIFY_L4_CHECKSUM, decodeFrame, DropReason, ETHERTYPE_ARP, ETHERTYPE_IPV4,
  ICMP_DEST_UNREACH, ICMP_PROTO_UNREACH, InnerKind, IpMeta, IPPROTO_ICMP, IPPROTO_IPIP, IPPROTO_TCP, IPPROTO_UDP,
  PacketMeta, parseIcmpQuote, readU16, TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN, verifyChecksum, verifyIpv4Checksum,
  verifyL4Checksum, type TcpOptionSpec,
} from '../../src/packet/index.js';
import { hex, readPcap } from './helpers.js';

const REF = new URL('../fixtures/tcpdump-reference/', import.meta.url).pathname;
const records = readPcap(`${REF}samples.pcap`);
const text = readFileSync(`${REF}samples-nnevv.txt`, 'utf8');
const VERIFY = DECODE_VERIFY_IP_CHECKSUM | DECODE_VERIFY_L4_CHECKSUM;

const PROTO_NAMES: Record<number, string> = { 1: 'ICMP', 4: 'IPIP', 6: 'TCP', 17: 'UDP' };

/** The tcpdump -v rendering of an IPv4 header, from decoded fields. */
function ipLine(m: IpMeta): string {
  const flags = m.dontFragment ? 'DF' : m.moreFragments ? '+' : 'none';
  return `(tos 0x${m.tos.toString(16)}, ttl ${m.ttl}, id ${m.ipId}, offset ${m.fragOffset}, flags [${flags}], ` +
    `proto ${PROTO_NAMES[m.proto]} (${m.proto}), length ${m.ipTotalLen})`;
}

function ethLine(m: PacketMeta, type: string): string {
  return `${formatMac(m.srcMac)} > ${formatMac(m.dstMac)}, ethertype ${type}, length ${m.len}: `;
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

function endpoints(m: IpMeta): string {
  return `${formatIpv4(m.ipSrc)}.${m.sport} > ${formatIpv4(m.ipDst)}.${m.dport}`;
}

function decodeOk(frame: Uint8Array, flags = VERIFY): PacketMeta {
  const m = new PacketMeta();
  const r = decodeFrame(frame, frame.length, m, flags);
  expect(r, `drop reason ${r}`).toBe(DropReason.OK);
  return m;
}

const L4 = mac('00:06:c4:90:03:93');
const GW = mac('00:00:5e:00:01:c1');
const SRV = mac('00:d0:f8:22:35:42');
const SYN_OPTIONS: TcpOptionSpec[] = [
  { kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: 4097397498, ecr: 0 }, { kind: 'nop' },
  { kind: 'wscale', value: 8 },
];
const SYNACK_OPTIONS: TcpOptionSpec[] = [
  { kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: 2280122968, ecr: 4097397498 }, { kind: 'nop' },
  { kind: 'wscale', value: 7 },
];

describe('samples.pcap (scapy frames, tcpdump -nnevv reference)', () => {
  it('holds the expected records', () => {
    expect(records.map((r) => r.data.length)).toEqual([94, 74, 101, 62, 90, 42, 148, 90]);
  });

  it('frame 1: IP-in-IP carrying a TCP SYN with options', () => {
    const m = decodeOk(records[0]!.data);
    const i = m.inner;
    expect(text).toContain(ethLine(m, 'IPv4 (0x0800)') + ipLine(m));
    expect(text).toContain(`    ${formatIpv4(m.ipSrc)} > ${formatIpv4(m.ipDst)}: ${ipLine(i)}`);
    expect(text).toContain(`    ${endpoints(i)}: Flags [S], cksum 0x${hex4(i.l4Checksum)} (correct), seq ${i.seq}, ` +
      `win ${i.window}, options [mss ${i.mss},sackOK,TS val ${i.tsVal} ecr ${i.tsEcr},nop,wscale ${i.wscale}], length ${i.payloadLen}`);
    expect(m).toMatchObject({
      dstMac: GW, srcMac: L4, etherType: ETHERTYPE_IPV4, vlanId: -1, l2Len: 14, l3Off: 14, ihl: 5, ipTotalLen: 80,
      ipId: 11, ttl: 64, proto: IPPROTO_IPIP, ipChecksum: 0x6402, ipSrc: ipv4('192.168.193.181'),
      ipDst: ipv4('192.168.211.150'), l4Off: 34, isFragment: false, dontFragment: false, innerKind: InnerKind.IPIP,
      payloadOff: 34, payloadLen: 60,
    });
    expect(i).toMatchObject({
      l3Off: 34, l3End: 94, ipId: 12, ttl: 64, ipChecksum: 0x7677, proto: IPPROTO_TCP, ipSrc: ipv4('192.168.193.181'),
      ipDst: ipv4('192.168.193.50'), l4Off: 54, sport: 64851, dport: 80, seq: 2325090198, ack: 0, tcpFlags: TCP_SYN,
      window: 64240, tcpDataOffset: 10, l4Checksum: 0x69d0, mss: 1460, sackPermitted: true, hasTimestamps: true,
      tsVal: 4097397498, tsEcr: 0, wscale: 8, tcpOptionsOk: true, payloadOff: 94, payloadLen: 0,
    });
  });

  it('frame 2: TCP SYN/ACK', () => {
    const m = decodeOk(records[1]!.data);
    expect(text).toContain(ethLine(m, 'IPv4 (0x0800)') + ipLine(m));
    expect(text).toContain(`    ${endpoints(m)}: Flags [S.], cksum 0x${hex4(m.l4Checksum)} (correct), seq ${m.seq}, ` +
      `ack ${m.ack}, win ${m.window}, options [mss ${m.mss},sackOK,TS val ${m.tsVal} ecr ${m.tsEcr},nop,wscale ${m.wscale}]`);
    expect(m).toMatchObject({
      srcMac: SRV, dstMac: L4, ipId: 1, proto: IPPROTO_TCP, sport: 80, dport: 64851, seq: 2727981331, ack: 2325090199,
      tcpFlags: TCP_SYN | TCP_ACK, window: 65160, l4Checksum: 0xa03a, mss: 1460, wscale: 7, sackPermitted: true,
      tsVal: 2280122968, tsEcr: 4097397498, innerKind: InnerKind.NONE,
    });
  });

  it('frame 3: IP-in-IP carrying TCP with an HTTP payload', () => {
    const f = records[2]!.data;
    const m = decodeOk(f);
    const i = m.inner;
    expect(text).toContain(ethLine(m, 'IPv4 (0x0800)') + ipLine(m));
    expect(text).toContain(`${ipLine(i)}\n    ${endpoints(i)}: Flags [P.], cksum 0x${hex4(i.l4Checksum)} (correct), ` +
      `seq ${i.seq}:${i.seq + i.payloadLen}, ack ${i.ack}, win ${i.window}, length ${i.payloadLen}`);
    expect(i).toMatchObject({ tcpFlags: TCP_PSH | TCP_ACK, payloadLen: 27, mss: -1, wscale: -1, hasTimestamps: false });
    expect(Buffer.from(f.subarray(i.payloadOff, i.payloadOff + i.payloadLen)).toString()).toBe('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  });

  it('frame 4: IP-in-IP carrying an empty UDP datagram', () => {
    const m = decodeOk(records[3]!.data);
    const i = m.inner;
    expect(text).toContain(`${ipLine(i)}\n    ${endpoints(i)}: [udp sum ok]`);
    expect(i).toMatchObject({ proto: IPPROTO_UDP, sport: 60101, dport: 161, udpLen: 8, payloadLen: 0, l4Checksum: 0x103e });
  });

  it('frame 5: ICMP protocol-unreachable quoting an IP-in-IP packet', () => {
    const f = records[4]!.data;
    const m = decodeOk(f);
    expect(text).toContain(ethLine(m, 'IPv4 (0x0800)') + ipLine(m));
    expect(text).toContain(`${formatIpv4(m.ipSrc)} > ${formatIpv4(m.ipDst)}: ICMP ${formatIpv4(m.inner.ipDst)} ` +
      `protocol ${m.inner.proto} unreachable, length ${m.payloadLen + 8}`);
    expect(text).toContain(`\t${ipLine(m.inner)}\n    ${formatIpv4(m.inner.ipSrc)} > ${formatIpv4(m.inner.ipDst)}:`);
    expect(m).toMatchObject({
      proto: IPPROTO_ICMP, icmpType: ICMP_DEST_UNREACH, icmpCode: ICMP_PROTO_UNREACH, icmpInnerOff: 42,
      innerKind: InnerKind.ICMP_QUOTE, payloadLen: 48,
    });
    expect(m.inner).toMatchObject({ l3Off: 42, l3End: 90, proto: IPPROTO_IPIP, ipTotalLen: 60, l4Off: 62 });
    // The quote holds IP + IP + 8 bytes of TCP: parse the innermost header too.
    const q = new IpMeta();
    expect(parseIcmpQuote(f, m.inner.l4Off, m.inner.l3End, q)).toBe(true);
    expect(text).toContain(`${ipLine(q)}\n    ${endpoints(q)}:  [|tcp]`);
    expect(q).toMatchObject({ proto: IPPROTO_TCP, sport: 32623, dport: 80, ipDst: ipv4('192.168.193.50'), seq: 0 });
  });

  it('frame 6: ARP request', () => {
    const m = decodeOk(records[5]!.data);
    expect(text).toContain(ethLine(m, 'ARP (0x0806)') + `Ethernet (len 6), IPv4 (len 4), Request who-has ` +
      `${formatIpv4(m.arpTpa)} tell ${formatIpv4(m.arpSpa)}, length 28`);
    expect(m).toMatchObject({ etherType: ETHERTYPE_ARP, arpOp: 1, arpSha: L4, arpTha: 0, dstMac: 0xffffffffffff, l4Off: -1 });
  });

  it('frame 7: UDP (VXLAN) whose payload is another frame', () => {
    const f = records[6]!.data;
    const m = decodeOk(f);
    expect(text).toContain(`${endpoints(m)}: [udp sum ok] VXLAN`);
    expect(m).toMatchObject({ sport: 40001, dport: 4789, udpLen: 114, payloadLen: 106 });
    // VXLAN header is 8 bytes, then the inner Ethernet frame.
    const innerFrame = f.subarray(m.payloadOff + 8, m.payloadOff + m.payloadLen);
    const n = decodeOk(innerFrame);
    expect(text).toContain(`${formatMac(n.srcMac)} > ${formatMac(n.dstMac)}, ethertype IPv4 (0x0800), length 98: ${ipLine(n)}`);
    expect(text).toContain(`${formatIpv4(n.ipSrc)} > ${formatIpv4(n.ipDst)}: ICMP echo request, id ${n.icmpId}, seq ${n.icmpSeq}, length ${n.payloadLen + 8}`);
  });

  it('frame 8: UDP (Geneve) with TTL 255 and id 0', () => {
    const m = decodeOk(records[7]!.data);
    expect(text).toContain(ethLine(m, 'IPv4 (0x0800)') + ipLine(m));
    expect(text).toContain(`${endpoints(m)}: [udp sum ok] Geneve`);
    expect(m).toMatchObject({ ttl: 255, ipId: 0, dport: 6081 });
  });

  it('rebuilds frames 1-6 byte for byte with the builders', () => {
    const syn = buildTcpFrame({
      src: ipv4('192.168.193.181'), dst: ipv4('192.168.193.50'), id: 12, ttl: 64, sport: 64851, dport: 80,
      seq: 2325090198, flags: TCP_SYN, window: 64240, options: SYN_OPTIONS,
    });
    expect(readU16(syn, 14 + 20 + 16)).toBe(0x69d0);
    const f1 = buildIpipFrame(syn, {
      dstMac: GW, srcMac: L4, outerSrc: ipv4('192.168.193.181'), outerDst: ipv4('192.168.211.150'), id: 11,
    });
    expect(readU16(f1, 14 + 10)).toBe(0x6402);
    expect(f1.toString('hex')).toBe(records[0]!.data.toString('hex'));

    const f2 = buildTcpFrame({
      dstMac: L4, srcMac: SRV, src: ipv4('192.168.193.50'), dst: ipv4('192.168.193.181'), id: 1, sport: 80, dport: 64851,
      seq: 2727981331, ack: 2325090199, flags: TCP_SYN | TCP_ACK, window: 65160, options: SYNACK_OPTIONS,
    });
    expect(readU16(f2, 14 + 20 + 16)).toBe(0xa03a);
    expect(f2.toString('hex')).toBe(records[1]!.data.toString('hex'));

    const get = buildTcpFrame({
      src: ipv4('192.168.212.225'), dst: ipv4('192.168.193.50'), id: 1, sport: 52446, dport: 80, seq: 1236981391,
      ack: 347682253, flags: TCP_PSH | TCP_ACK, window: 255, payload: 'GET / HTTP/1.1\r\nHost: x\r\n\r\n',
    });
    const tunnel = { dstMac: GW, srcMac: L4, outerSrc: ipv4('192.168.193.181'), outerDst: ipv4('192.168.211.150'), id: 1 };
    expect(buildIpipFrame(get, tunnel).toString('hex')).toBe(records[2]!.data.toString('hex'));

    const udp = buildUdpFrame({ src: ipv4('192.168.193.181'), dst: ipv4('192.168.193.50'), id: 1, sport: 60101, dport: 161 });
    expect(buildIpipFrame(udp, tunnel).toString('hex')).toBe(records[3]!.data.toString('hex'));

    const quoted = buildIpipFrame(
      buildTcpFrame({ src: ipv4('10.10.10.1'), dst: ipv4('192.168.193.50'), id: 1, sport: 32623, dport: 80, flags: TCP_SYN, window: 8192 }),
      { outerSrc: ipv4('10.10.10.1'), outerDst: ipv4('10.10.10.10'), id: 1 },
    );
    const errSpec = {
      dstMac: L4, srcMac: mac('d4:ae:52:ca:a2:98'), src: ipv4('10.10.10.10'), dst: ipv4('10.10.10.1'), id: 1,
      type: ICMP_DEST_UNREACH, code: ICMP_PROTO_UNREACH, original: quoted,
    };
    // By default an error quotes the IP header + 8 bytes (here: the outer header and 8 bytes of the inner one).
    const err = buildIcmpErrorFrame(errSpec);
    expect(err.length).toBe(14 + 20 + 8 + 28);
    expect(err.subarray(42).toString('hex')).toBe(records[4]!.data.subarray(42, 70).toString('hex'));
    expect(verifyIpv4Checksum(err, 14)).toBe(true);
    expect(verifyChecksum(err, 34, err.length - 34)).toBe(true);
    // scapy's frame quotes 48 bytes (IP + IP + 8 bytes of TCP).
    expect(buildIcmpErrorFrame({ ...errSpec, quoteLen: 48 }).toString('hex')).toBe(records[4]!.data.toString('hex'));

    const arp = buildArpFrame({ op: 'request', sha: L4, spa: ipv4('192.168.193.181'), tpa: ipv4('192.168.193.1') });
    expect(arp.toString('hex')).toBe(records[5]!.data.toString('hex'));
  });

  it('finds all L3/L4 checksums in the capture valid', () => {
    for (const r of records) {
      const m = decodeOk(r.data);
      expect(verifyIpv4Checksum(r.data, m.l3Off)).toBe(m.etherType === ETHERTYPE_IPV4);
      if (m.proto === IPPROTO_TCP || m.proto === IPPROTO_UDP) {
        expect(verifyL4Checksum(r.data, m.l4Off, m.l3End - m.l4Off, m.ipSrc, m.ipDst, m.proto)).toBe(true);
      }
      if (m.innerKind === InnerKind.IPIP) expect(verifyIpv4Checksum(r.data, m.inner.l3Off)).toBe(true);
    }
  });
});

describe('ICMP error quotes', () => {
  it('take from the quoted L4 header only the bytes that are there', () => {
    const echo = buildIcmpEchoFrame({ src: ipv4('10.0.0.1'), dst: ipv4('10.0.0.2'), id: 0x1234, seq: 0x5678 });
    const tcp = buildTcpFrame({ src: ipv4('10.0.0.1'), dst: ipv4('10.0.0.2'), sport: 1111, dport: 2222, seq: 0xabcdef01 });
    for (const [orig, proto] of [[echo, IPPROTO_ICMP], [tcp, IPPROTO_TCP]] as const) {
      for (let quote = 0; quote <= 28; quote++) {
        const f = buildIcmpErrorFrame({ src: 1, dst: 2, type: 11, code: 0, original: orig, quoteLen: quote });
        // Bytes beyond the frame end that must not be read.
        const buf = Buffer.concat([f, Buffer.alloc(16, 0xff)]);
        const m = new PacketMeta();
        expect(decodeFrame(buf, f.length, m, VERIFY)).toBe(DropReason.OK);
        expect(m.icmpInnerOff).toBe(42);
        expect(m.innerKind).toBe(quote >= 20 ? InnerKind.ICMP_QUOTE : InnerKind.NONE);
        if (quote < 20) continue;
        const q = m.inner;
        expect(q).toMatchObject({ proto, l3Off: 42, l4Off: 62, l3End: 42 + quote, payloadOff: -1 });
        if (proto === IPPROTO_ICMP) {
          expect([q.icmpType, q.icmpId, q.icmpSeq]).toEqual(quote >= 28 ? [8, 0x1234, 0x5678] : quote >= 24 ? [8, 0, 0] : [0, 0, 0]);
        } else {
          expect([q.sport, q.dport, q.seq]).toEqual(quote >= 28 ? [1111, 2222, 0xabcdef01] : quote >= 24 ? [1111, 2222, 0] : [0, 0, 0]);
        }
      }
    }
  });

  it('rejects a quote that is not IPv4', () => {
    const q = new IpMeta();
    expect(parseIcmpQuote(hex('60000000 00000000 00000000 00000000 00000000'), 0, 20, q)).toBe(false);
    expect(parseIcmpQuote(hex('46000000 00000000 00000000 00000000 00000000'), 0, 20, q)).toBe(false);
    expect(parseIcmpQuote(hex('44000000 00000000 00000000 00000000 00000000'), 0, 20, q)).toBe(false);
  });
});

describe('hand-laid frames (RFC 791/768/792/793/826, IEEE 802.1Q)', () => {
  it('802.1Q-tagged UDP with a Router Alert IP option', () => {
    const f = hex(`
      aabbccddeeff 001122334455          | dst, src
      8100 a064                          | TPID, TCI: PCP 5 (101), DEI 0, VID 100 (0x064)
      0800                               | IPv4
      46 b8 0023 1234 4000 11 11 add7    | IHL 6, TOS 0xb8 (EF), len 35, id 0x1234, DF, TTL 17, UDP, checksum
      0a000001 0a000002                  | 10.0.0.1 > 10.0.0.2
      94040000                           | option 148 (Router Alert), length 4, value 0
      14e9 0035 000b 1255                | 5353 > 53, length 11, checksum
      616263                             | "abc"`);
    const m = decodeOk(f);
    expect(m).toMatchObject({
      dstMac: mac('aa:bb:cc:dd:ee:ff'), srcMac: mac('00:11:22:33:44:55'), vlanId: 100, vlanPcp: 5, l2Len: 18,
      etherType: ETHERTYPE_IPV4, l3Off: 18, ihl: 6, tos: 0xb8, ipTotalLen: 35, ipId: 0x1234, dontFragment: true,
      ttl: 17, proto: IPPROTO_UDP, ipChecksum: 0xadd7, ipSrc: ipv4('10.0.0.1'), ipDst: ipv4('10.0.0.2'), l4Off: 42,
      sport: 5353, dport: 53, udpLen: 11, l4Checksum: 0x1255, payloadOff: 50, payloadLen: 3, l3End: 53,
    });
  });

  it('a non-first fragment: L4 is not parsed', () => {
    const f = hex(`
      020000000002 020000000001 0800
      45 00 0024 beef 00b9 3f 06 63f8    | len 36, id 0xbeef, offset 185*8 = 1480, TTL 63, TCP
      ac100009 ac10000a                  | 172.16.0.9 > 172.16.0.10
      000102030405060708090a0b0c0d0e0f   | 16 bytes from the middle of a segment`);
    const m = decodeOk(f);
    expect(m).toMatchObject({
      isFragment: true, moreFragments: false, fragOffset: 1480, ipId: 0xbeef, proto: IPPROTO_TCP, sport: 0, dport: 0,
      l4Off: 34, payloadOff: 34, payloadLen: 16, l3End: 50,
    });
  });

  it('ICMP echo reply in a frame padded to 60 bytes', () => {
    const f = hex(`
      020000000002 020000000001 0800
      45 00 0020 0007 4000 40 01 b671    | len 32, id 7, DF, TTL 64, ICMP
      c0000201 c0000263                  | 192.0.2.1 > 192.0.2.99
      00 00 dee9 4242 0003               | echo reply, checksum, id 0x4242, seq 3
      70696e67                           | "ping"
      0000000000000000000000000000       | Ethernet padding`);
    expect(f.length).toBe(60);
    const m = decodeOk(f);
    expect(m).toMatchObject({
      len: 60, l3End: 46, proto: IPPROTO_ICMP, icmpType: 0, icmpCode: 0, icmpId: 0x4242, icmpSeq: 3, l4Checksum: 0xdee9,
      icmpInnerOff: -1, payloadOff: 42, payloadLen: 4, innerKind: InnerKind.NONE,
    });
  });

  it('TCP FIN/ACK in a padded frame (padding is not payload and not checksummed)', () => {
    const f = hex(`
      020000000002 020000000001 0800
      45 02 0028 ffff 4000 80 06 948d    | TOS 0x02 (ECT(0)), len 40, id 65535, DF, TTL 128, TCP
      c6336407 cb007105                  | 198.51.100.7 > 203.0.113.5
      01bb 9c40 000003e8 000007d0        | 443 > 40000, seq 1000, ack 2000
      50 11 0200 9ddf 0000               | data offset 5, FIN|ACK, window 512, checksum, urgent 0
      000000000000`);
    const m = decodeOk(f);
    expect(m).toMatchObject({
      tos: 2, ttl: 128, ipId: 0xffff, sport: 443, dport: 40000, seq: 1000, ack: 2000, tcpFlags: TCP_FIN | TCP_ACK,
      window: 512, tcpDataOffset: 5, l4Checksum: 0x9ddf, payloadOff: 54, payloadLen: 0, mss: -1, l3End: 54,
    });
  });

  it('ARP reply', () => {
    const f = hex(`
      66778899aabb 001122334455 0806
      0001 0800 06 04 0002               | Ethernet, IPv4, hlen 6, plen 4, reply
      001122334455 0a010101              | sender 00:11:22:33:44:55 10.1.1.1
      66778899aabb 0a010102              | target 66:77:88:99:aa:bb 10.1.1.2`);
    const m = decodeOk(f);
    expect(m).toMatchObject({
      etherType: ETHERTYPE_ARP, arpOp: 2, arpSha: mac('00:11:22:33:44:55'), arpSpa: ipv4('10.1.1.1'),
      arpTha: mac('66:77:88:99:aa:bb'), arpTpa: ipv4('10.1.1.2'), l3Off: 14, payloadOff: 42, payloadLen: 0,
    });
  });

  it('reports each malformation with its own reason', () => {
    const good = hex(`
      020000000002 020000000001 0800
      45 02 0028 ffff 4000 80 06 948d c6336407 cb007105
      01bb 9c40 000003e8 000007d0 50 11 0200 9ddf 0000`);
    const m = new PacketMeta();
    const mutate = (...edits: number[]): number => {
      const f = Buffer.from(good);
      for (let i = 0; i < edits.length; i += 2) f[edits[i]!] = edits[i + 1]!;
      return decodeFrame(f, f.length, m, VERIFY);
    };
    expect(decodeFrame(good, 13, m)).toBe(DropReason.TRUNCATED_ETH);
    expect(decodeFrame(good, 33, m)).toBe(DropReason.TRUNCATED_IP);
    expect(mutate(14, 0x65)).toBe(DropReason.BAD_IP_VERSION);
    expect(mutate(14, 0x44)).toBe(DropReason.BAD_IHL);
    expect(mutate(14, 0x4f)).toBe(DropReason.TRUNCATED_IP); // 60-byte header, 40 bytes captured
    expect(mutate(14, 0x47, 17, 0x18)).toBe(DropReason.BAD_IP_LENGTH); // 28-byte header, total 24
    expect(mutate(14, 0x46)).toBe(DropReason.BAD_IP_OPTIONS); // option kind 1 (NOP) x3, then kind 0xbb length 0x9c
    const withOptions = Buffer.from(good);
    withOptions.set([0x46, 0, 0, 0x28 + 4], 14); // IHL 6, total 44
    withOptions.set([0x2f], 23); // protocol 47 (GRE): payload not parsed
    withOptions.set([0x01, 0x01, 0x01, 0x00], 34); // NOP NOP NOP EOL
    expect(decodeFrame(Buffer.concat([withOptions, Buffer.alloc(4)]), good.length + 4, m)).toBe(DropReason.OK);
    expect(m).toMatchObject({ ihl: 6, l4Off: 38, proto: 47, payloadOff: 38, payloadLen: 20 });
    withOptions[37] = 0x44; // kind 0x44 with no room for its length byte
    expect(decodeFrame(Buffer.concat([withOptions, Buffer.alloc(4)]), good.length + 4, m)).toBe(DropReason.BAD_IP_OPTIONS);
    expect(mutate(17, 0x29)).toBe(DropReason.BAD_IP_LENGTH); // 41 > 40 captured
    expect(mutate(17, 0x13)).toBe(DropReason.BAD_IP_LENGTH); // 19 < header
    expect(mutate(20, 0x1f, 21, 0xff)).toBe(DropReason.BAD_FRAGMENT); // offset 0x1fff*8 + 20 > 65535
    expect(mutate(22, 0x81)).toBe(DropReason.IP_CHECKSUM);
    expect(decodeFrame(Buffer.from(good).fill(0x81, 22, 23), good.length, m, 0)).toBe(DropReason.OK);
    expect(mutate(46, 0x40)).toBe(DropReason.BAD_TCP_OFFSET);
    expect(mutate(46, 0x60)).toBe(DropReason.BAD_TCP_OFFSET);
    expect(mutate(47, 0x12)).toBe(DropReason.TCP_CHECKSUM);
    expect(decodeFrame(Buffer.from(good).fill(0x12, 47, 48), good.length, m, DECODE_VERIFY_IP_CHECKSUM)).toBe(DropReason.OK);
    const shortIp = Buffer.from(good);
    shortIp[17] = 39; // IP total 39: 19 bytes of TCP header
    shortIp[24] = 0; shortIp[25] = 0;
    expect(decodeFrame(shortIp, shortIp.length, m)).toBe(DropReason.TRUNCATED_L4);
  });
});
