// In-place header rewrites for NAT and forwarding, with incremental checksum fix-up (RFC 1624).
// They take the IpMeta of a successfully decoded packet (the outer one, or `inner` of IP-in-IP;
// not an ICMP_QUOTE, whose bytes are covered by the outer ICMP checksum: rewriteQuotedAddrPort
// is for those) and keep its fields in step with the bytes.

import { writeMac } from '../net/addr.js';
import type { Ipv4 } from '../net/addr.js';
import { readU16, readU32, writeU16, writeU32 } from './bytes.js';
import { checksumUpdate16, checksumUpdate32 } from './checksum.js';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from './ipv4.js';
import { ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST } from './icmp.js';
import type { IpMeta } from './meta.js';
import { TCP_CHECKSUM_OFF } from './tcp.js';
import { UDP_CHECKSUM_OFF } from './udp.js';

const IP_CHECKSUM_OFF = 10;

/** Offset of the TCP/UDP checksum field, or -1 when there is none to fix (other protocol, non-first fragment). */
function l4ChecksumAt(m: IpMeta): number {
  if (m.fragOffset !== 0 || m.l4Off < 0) return -1;
  let at = -1;
  if (m.proto === IPPROTO_TCP) at = m.l4Off + TCP_CHECKSUM_OFF;
  else if (m.proto === IPPROTO_UDP) at = m.l4Off + UDP_CHECKSUM_OFF;
  return at + 2 <= m.l3End ? at : -1;
}

/** Folds a 16- or 32-bit change of data covered by the TCP/UDP checksum into that checksum. */
function fixL4(buf: Uint8Array, m: IpMeta, oldValue: number, newValue: number, wide: boolean): void {
  const at = l4ChecksumAt(m);
  if (at < 0) return;
  const hc = readU16(buf, at);
  const udp = m.proto === IPPROTO_UDP;
  if (udp && hc === 0) return;
  let c = wide ? checksumUpdate32(hc, oldValue, newValue) : checksumUpdate16(hc, oldValue, newValue);
  if (udp && c === 0) c = 0xffff;
  writeU16(buf, at, c);
  m.l4Checksum = c;
}

function fixIpChecksum(buf: Uint8Array, m: IpMeta, oldWord: number, newWord: number, wide: boolean): void {
  const at = m.l3Off + IP_CHECKSUM_OFF;
  const hc = readU16(buf, at);
  const c = wide ? checksumUpdate32(hc, oldWord, newWord) : checksumUpdate16(hc, oldWord, newWord);
  writeU16(buf, at, c);
  m.ipChecksum = c;
}

function rewriteAddr(buf: Uint8Array, m: IpMeta, field: number, addr: number): void {
  const ip = m.l3Off;
  const old = readU32(buf, ip + field);
  writeU32(buf, ip + field, addr);
  fixIpChecksum(buf, m, old, addr, true);
  // The TCP/UDP pseudo header includes both addresses.
  fixL4(buf, m, old, addr, true);
}

/** Sets the IPv4 source address; fixes the header checksum and the TCP/UDP checksum. */
export function rewriteIpv4Src(buf: Uint8Array, m: IpMeta, addr: number): void {
  rewriteAddr(buf, m, 12, addr >>> 0);
  m.ipSrc = (addr >>> 0) as Ipv4;
}

/** Sets the IPv4 destination address; fixes the header checksum and the TCP/UDP checksum. */
export function rewriteIpv4Dst(buf: Uint8Array, m: IpMeta, addr: number): void {
  rewriteAddr(buf, m, 16, addr >>> 0);
  m.ipDst = (addr >>> 0) as Ipv4;
}

function rewritePort(buf: Uint8Array, m: IpMeta, field: number, port: number): boolean {
  if ((m.proto !== IPPROTO_TCP && m.proto !== IPPROTO_UDP) || m.fragOffset !== 0 || m.l4Off < 0) return false;
  const at = m.l4Off + field;
  const old = readU16(buf, at);
  writeU16(buf, at, port);
  fixL4(buf, m, old, port & 0xffff, false);
  return true;
}

/** Sets the TCP/UDP source port with checksum fix-up. False (nothing written) for other packets. */
export function rewriteSrcPort(buf: Uint8Array, m: IpMeta, port: number): boolean {
  if (!rewritePort(buf, m, 0, port)) return false;
  m.sport = port & 0xffff;
  return true;
}

/** Sets the TCP/UDP destination port with checksum fix-up. False (nothing written) for other packets. */
export function rewriteDstPort(buf: Uint8Array, m: IpMeta, port: number): boolean {
  if (!rewritePort(buf, m, 2, port)) return false;
  m.dport = port & 0xffff;
  return true;
}

/**
 * Decrements the TTL with header checksum fix-up and returns the new TTL. A TTL of 0 or 1 is
 * left untouched and 0 is returned: the packet has expired (drop it, send time-exceeded).
 */
export function decrementTtl(buf: Uint8Array, m: IpMeta): number {
  const ip = m.l3Off;
  const ttl = buf[ip + 8]!;
  if (ttl <= 1) return 0;
  // TTL shares a 16-bit word with the protocol.
  const oldWord = (ttl << 8) | buf[ip + 9]!;
  buf[ip + 8] = ttl - 1;
  fixIpChecksum(buf, m, oldWord, oldWord - 0x100, false);
  m.ttl = ttl - 1;
  return ttl - 1;
}

/** Sets the DSCP (upper 6 bits of the TOS byte; ECN kept) with header checksum fix-up. */
export function setDscp(buf: Uint8Array, m: IpMeta, dscp: number): void {
  const ip = m.l3Off;
  const oldWord = readU16(buf, ip);
  const tos = ((dscp & 0x3f) << 2) | (oldWord & 0x03);
  const newWord = (oldWord & 0xff00) | tos;
  buf[ip + 1] = tos;
  fixIpChecksum(buf, m, oldWord, newWord, false);
  m.tos = tos;
}

/** Sets the identifier of an ICMP echo request/reply (query NAT). False for other packets. */
export function rewriteIcmpEchoId(buf: Uint8Array, m: IpMeta, id: number): boolean {
  if (m.proto !== IPPROTO_ICMP || m.fragOffset !== 0 || m.l4Off < 0 ||
    (m.icmpType !== ICMP_ECHO_REQUEST && m.icmpType !== ICMP_ECHO_REPLY)) {
    return false;
  }
  const icmp = m.l4Off;
  const old = readU16(buf, icmp + 4);
  writeU16(buf, icmp + 4, id);
  // The ICMP checksum has no pseudo header: only the id itself changes the sum.
  m.l4Checksum = checksumUpdate16(readU16(buf, icmp + 2), old, id & 0xffff);
  writeU16(buf, icmp + 2, m.l4Checksum);
  m.icmpId = id & 0xffff;
  return true;
}

/** Rewrites the destination and source MACs of the frame starting at `off` (no meta involved). */
export function rewriteMacs(buf: Uint8Array, off: number, dstMac: number, srcMac: number): void {
  writeMac(buf, off, dstMac);
  writeMac(buf, off + 6, srcMac);
}

/**
 * NAT of the datagram quoted by an ICMP error (what conntrack's nf_nat_icmp_reply_translation
 * and LVS's ip_vs_nat_icmp do to the inner header): sets the quoted source (`dst` false) or
 * destination (`dst` true) address and, for TCP/UDP with ports quoted, port. `m` is the outer
 * ICMP error, `q` its quote (`inner` of a PacketMeta with innerKind ICMP_QUOTE), both over `buf`.
 * Every checksum is fixed incrementally (RFC 1624), so each stays valid if it was: the quoted
 * IP header checksum; the quoted TCP/UDP checksum when its field is within the quote (UDP: not
 * when 0, i.e. none; conntrack's tcp_manip_pkt wants the whole 20-byte TCP header, which only
 * differs for a quote cut at 18 or 19 bytes); and the ICMP checksum, which covers all of these
 * bytes. The outer IP header is not touched. Keeps `q` (and m.l4Checksum) in step with the bytes.
 */
export function rewriteQuotedAddrPort(buf: Uint8Array, m: IpMeta, q: IpMeta, dst: boolean, addr: number, port: number): void {
  addr >>>= 0;
  port &= 0xffff;
  let ic = readU16(buf, m.l4Off + 2);
  // The quoted IP header: address and header checksum.
  const ip = q.l3Off, field = ip + (dst ? 16 : 12);
  const oldAddr = readU32(buf, field);
  const oldIpCk = readU16(buf, ip + IP_CHECKSUM_OFF);
  const newIpCk = checksumUpdate32(oldIpCk, oldAddr, addr);
  writeU32(buf, field, addr);
  writeU16(buf, ip + IP_CHECKSUM_OFF, newIpCk);
  ic = checksumUpdate16(checksumUpdate32(ic, oldAddr, addr), oldIpCk, newIpCk);
  q.ipChecksum = newIpCk;
  if (dst) q.ipDst = addr as Ipv4;
  else q.ipSrc = addr as Ipv4;
  // The quoted TCP/UDP header: port, and the checksum (pseudo header address + port).
  const l4 = q.proto === IPPROTO_TCP || q.proto === IPPROTO_UDP ? q.l4Off : -1;
  if (l4 >= 0 && q.fragOffset === 0 && l4 + 4 <= q.l3End) {
    const pAt = l4 + (dst ? 2 : 0);
    const oldPort = readU16(buf, pAt);
    writeU16(buf, pAt, port);
    ic = checksumUpdate16(ic, oldPort, port);
    if (dst) q.dport = port;
    else q.sport = port;
    const at = l4ChecksumAt(q);
    const udp = q.proto === IPPROTO_UDP;
    const hc = at >= 0 ? readU16(buf, at) : 0;
    if (at >= 0 && !(udp && hc === 0)) {
      let c = checksumUpdate16(checksumUpdate32(hc, oldAddr, addr), oldPort, port);
      if (udp && c === 0) c = 0xffff;
      writeU16(buf, at, c);
      ic = checksumUpdate16(ic, hc, c);
      q.l4Checksum = c;
    }
  }
  writeU16(buf, m.l4Off + 2, ic);
  m.l4Checksum = ic;
}
