// ICMP for IPv4 (RFC 792, 1191): echo, and errors that quote the offending datagram.

import { copyBytes, readU16, readU32, writeU16, writeU32 } from './bytes.js';
import { checksumUpdate32, internetChecksum, verifyChecksum } from './checksum.js';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, IPV4_HEADER_LEN, readIpv4Fields } from './ipv4.js';
import { DECODE_VERIFY_L4_CHECKSUM, DropReason, type IpMeta } from './meta.js';

export const ICMP_ECHO_REPLY = 0;
export const ICMP_DEST_UNREACH = 3;
export const ICMP_SOURCE_QUENCH = 4;
export const ICMP_REDIRECT = 5;
export const ICMP_ECHO_REQUEST = 8;
export const ICMP_TIME_EXCEEDED = 11;
export const ICMP_PARAM_PROBLEM = 12;

/** Destination-unreachable codes. */
export const ICMP_NET_UNREACH = 0;
export const ICMP_HOST_UNREACH = 1;
export const ICMP_PROTO_UNREACH = 2;
export const ICMP_PORT_UNREACH = 3;
export const ICMP_FRAG_NEEDED = 4;
/** Time-exceeded code: TTL expired in transit. */
export const ICMP_TTL_EXCEEDED = 0;

export const ICMP_HEADER_LEN = 8;
/** How much of the original L4 header an error quotes after the IP header. */
export const ICMP_QUOTE_L4_LEN = 8;

export function isIcmpError(type: number): boolean {
  return type === ICMP_DEST_UNREACH || type === ICMP_SOURCE_QUENCH || type === ICMP_REDIRECT ||
    type === ICMP_TIME_EXCEEDED || type === ICMP_PARAM_PROBLEM;
}

/** Parses the ICMP message at `off` of an IPv4 packet ending at `end`. */
export function parseIcmp(buf: Uint8Array, off: number, end: number, m: IpMeta, flags: number): number {
  const avail = end - off;
  if (avail < ICMP_HEADER_LEN) return DropReason.TRUNCATED_L4;
  if ((flags & DECODE_VERIFY_L4_CHECKSUM) !== 0 && !m.isFragment && !verifyChecksum(buf, off, avail)) {
    return DropReason.ICMP_CHECKSUM;
  }
  const type = buf[off]!;
  m.icmpType = type;
  m.icmpCode = buf[off + 1]!;
  m.l4Checksum = readU16(buf, off + 2);
  if (type === ICMP_ECHO_REQUEST || type === ICMP_ECHO_REPLY) {
    m.icmpId = readU16(buf, off + 4);
    m.icmpSeq = readU16(buf, off + 6);
  } else if (isIcmpError(type)) {
    m.icmpInnerOff = off + ICMP_HEADER_LEN;
  }
  m.payloadOff = off + ICMP_HEADER_LEN;
  m.payloadLen = avail - ICMP_HEADER_LEN;
  return DropReason.OK;
}

/**
 * Leniently parses the datagram quoted by an ICMP error at buf[off, end) into `m` (reset first):
 * the IPv4 header must be complete and well-formed as far as version and IHL go, but its total
 * length may exceed what is quoted. From the L4 header (only when fragOffset is 0) it takes
 * whatever of the first 8 bytes is present: TCP/UDP ports, TCP seq, UDP length and checksum,
 * ICMP type/code/checksum/id/seq. Sets l3End to `end` and leaves payloadOff at -1.
 * Returns false (fields undefined) when there is no usable IPv4 header.
 */
export function parseIcmpQuote(buf: Uint8Array, off: number, end: number, m: IpMeta): boolean {
  m.resetIp();
  if (end - off < IPV4_HEADER_LEN) return false;
  const vihl = buf[off]!;
  const hlen = (vihl & 0x0f) * 4;
  if (vihl >>> 4 !== 4 || hlen < IPV4_HEADER_LEN || off + hlen > end) return false;
  readIpv4Fields(buf, off, m);
  m.l3End = end;
  if (m.fragOffset !== 0) return true;
  const l4 = m.l4Off;
  const have = end - l4;
  switch (m.proto) {
    case IPPROTO_TCP:
    case IPPROTO_UDP:
      if (have >= 4) {
        m.sport = readU16(buf, l4);
        m.dport = readU16(buf, l4 + 2);
      }
      if (have >= 8) {
        if (m.proto === IPPROTO_TCP) {
          m.seq = readU32(buf, l4 + 4);
        } else {
          m.udpLen = readU16(buf, l4 + 4);
          m.l4Checksum = readU16(buf, l4 + 6);
        }
      }
      break;
    case IPPROTO_ICMP:
      if (have >= 4) {
        m.icmpType = buf[l4]!;
        m.icmpCode = buf[l4 + 1]!;
        m.l4Checksum = readU16(buf, l4 + 2);
      }
      if (have >= 8 && (m.icmpType === ICMP_ECHO_REQUEST || m.icmpType === ICMP_ECHO_REPLY)) {
        m.icmpId = readU16(buf, l4 + 4);
        m.icmpSeq = readU16(buf, l4 + 6);
      }
      break;
  }
  return true;
}

/**
 * Writes an echo request/reply header at `off` and computes the checksum over it and the
 * `dataLen` bytes of data that must already be at off + 8. Returns 8 + dataLen.
 */
export function writeIcmpEcho(buf: Uint8Array, off: number, type: number, id: number, seq: number, dataLen: number): number {
  buf[off] = type;
  buf[off + 1] = 0;
  writeU16(buf, off + 2, 0);
  writeU16(buf, off + 4, id);
  writeU16(buf, off + 6, seq);
  writeU16(buf, off + 2, internetChecksum(buf, off, ICMP_HEADER_LEN + dataLen));
  return ICMP_HEADER_LEN + dataLen;
}

/**
 * Bytes an error quoting the IPv4 packet at orig[ipOff, ipEnd) carries after its header: the IP
 * header + 8 bytes, or `quoteLen` bytes when given (RFC 1812 allows more), never more than there is.
 */
export function icmpQuoteLen(orig: Uint8Array, ipOff: number, ipEnd: number, quoteLen = -1): number {
  const want = quoteLen >= 0 ? quoteLen : (orig[ipOff]! & 0x0f) * 4 + ICMP_QUOTE_L4_LEN;
  const have = ipEnd - ipOff;
  return want < have ? want : have;
}

/**
 * Writes an ICMP error at `off`: type, code, the 32-bit "rest of header" (`rest`: e.g. the
 * next-hop MTU for fragmentation-needed, the pointer << 24 for parameter problem, else 0),
 * then the original IP header plus the first 8 bytes of its payload, taken from
 * orig[ipOff, ipEnd) (or `quoteLen` bytes of it, see icmpQuoteLen). `buf` and `orig` may be the
 * same buffer. Returns the bytes written.
 */
export function writeIcmpError(
  buf: Uint8Array, off: number, type: number, code: number, rest: number,
  orig: Uint8Array, ipOff: number, ipEnd: number, quoteLen = -1,
): number {
  const q = icmpQuoteLen(orig, ipOff, ipEnd, quoteLen);
  copyBytes(buf, off + ICMP_HEADER_LEN, orig, ipOff, q);
  buf[off] = type;
  buf[off + 1] = code;
  writeU16(buf, off + 2, 0);
  writeU32(buf, off + 4, rest);
  writeU16(buf, off + 2, internetChecksum(buf, off, ICMP_HEADER_LEN + q));
  return ICMP_HEADER_LEN + q;
}

/**
 * Sets the 32-bit "rest of header" (bytes 4-7) of the ICMP message at `off`, updating its
 * checksum incrementally (RFC 1624): e.g. on an error written with rest 0, the next-hop MTU of
 * fragmentation needed (RFC 1191: bytes 4-5 unused and zero, the MTU in bytes 6-7, i.e. `mtu`).
 */
export function setIcmpRest(buf: Uint8Array, off: number, rest: number): void {
  const old = readU32(buf, off + 4);
  rest >>>= 0;
  writeU32(buf, off + 4, rest);
  writeU16(buf, off + 2, checksumUpdate32(readU16(buf, off + 2), old, rest));
}

export function verifyIcmpChecksum(buf: Uint8Array, off: number, len: number): boolean {
  return verifyChecksum(buf, off, len);
}
