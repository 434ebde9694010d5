// GENEVE (RFC 8926): the 8-byte header, its TLV options, and the three options AWS's Gateway
// Load Balancer carries (class 0x0108: type 1 the GWLB endpoint id, 8 bytes; type 2 the
// attachment id, 8 bytes; type 3 the flow cookie, 4 bytes).
//
//    0                   1                   2                   3
//   |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
//   |        Virtual Network Identifier (VNI)       |    Reserved   |
//   |          Option Class         |      Type     |R|R|R| Length  |   (options, Length in words)
//
// The parser is total: whatever the bytes, it returns a GeneveError (OK = 0) and never throws.
// Writers work in caller buffers.

import { copyBytes, copyDistinct, readU16, readU32, writeU16, writeU32 } from './bytes.js';
import { IPPROTO_UDP, IPV4_HEADER_LEN, IPV4_MAX_LEN, writeIpv4Header, IP_FLAG_DF } from './ipv4.js';
import { UDP_HEADER_LEN, setUdpChecksum, writeUdpHeader } from './udp.js';

export const GENEVE_PORT = 6081;
export const GENEVE_HEADER_LEN = 8;
/** Option length field: 5 bits of 4-byte words; the header's: 6 bits. */
export const GENEVE_MAX_OPTIONS_LEN = 63 * 4;
export const GENEVE_FLAG_OAM = 0x80;
export const GENEVE_FLAG_CRITICAL = 0x40;
/** Bit 7 of an option's type: a receiver that does not understand the option must drop the packet. */
export const GENEVE_OPT_TYPE_CRITICAL = 0x80;
export const GENEVE_PROTO_IPV4 = 0x0800;
export const GENEVE_PROTO_IPV6 = 0x86dd;
export const GENEVE_PROTO_TEB = 0x6558;

export const AWS_GWLB_CLASS = 0x0108;
export const AWS_OPT_ENDPOINT_ID = 1;
export const AWS_OPT_ATTACHMENT_ID = 2;
export const AWS_OPT_FLOW_COOKIE = 3;
/** The three AWS options with their 4-byte option headers: 12 + 12 + 8. */
export const AWS_OPTIONS_LEN = 32;
/** What a GWLB packet adds to the inner packet: outer IPv4, UDP, GENEVE header, the AWS options (68). */
export const GENEVE_GWLB_OVERHEAD = IPV4_HEADER_LEN + UDP_HEADER_LEN + GENEVE_HEADER_LEN + AWS_OPTIONS_LEN;
/** The UDP source port AWS's GWLB uses (file 002's `10.254.11.60.60001 > 10.254.11.101.6081`). */
export const GWLB_SOURCE_PORT = 60001;
/** Outer TTL of the packets a GWLB sends (file 002: ttl 255, id 0, no DF). */
export const GWLB_OUTER_TTL = 255;

/** Why a GENEVE packet is refused; 0 is OK. Names in GENEVE_ERROR_NAMES. */
export const GeneveError = {
  OK: 0,
  /** Fewer than 8 bytes, or fewer than the header's option length promises. */
  TRUNCATED: 1,
  /** Version other than 0. */
  BAD_VERSION: 2,
  /** An option whose length runs past the options area. */
  BAD_OPTION_LENGTH: 3,
  /** A critical option (type bit 7) the receiver does not understand. */
  UNKNOWN_CRITICAL: 4,
  /** A protocol type other than IPv4 (0x0800) or IPv6 (0x86DD). */
  BAD_PROTOCOL: 5,
  /** One of the three AWS options is missing. */
  MISSING_AWS_OPTION: 6,
  /** An AWS option with another length than 8, 8 and 4 data bytes, or given twice. */
  BAD_AWS_OPTION: 7,
} as const;
export type GeneveError = (typeof GeneveError)[keyof typeof GeneveError];

export const GENEVE_ERROR_NAMES: readonly string[] = [
  'ok', 'truncated', 'bad-version', 'bad-option-length', 'unknown-critical-option', 'bad-protocol',
  'missing-aws-option', 'bad-aws-option',
];

const AWS_ENDPOINT_SEEN = 1;
const AWS_ATTACHMENT_SEEN = 2;
const AWS_COOKIE_SEEN = 4;
const AWS_ALL_SEEN = 7;

/** What parseGeneve learns of one header (reused: no allocation per packet). */
export class GeneveMeta {
  /** Offset of the GENEVE header, and just past its options (the inner packet). */
  off = -1;
  payloadOff = -1;
  /** Bytes from payloadOff to the end given to the parser. */
  payloadLen = 0;
  /** Length of the options in bytes. */
  optionsLen = 0;
  oam = false;
  critical = false;
  protocol = 0;
  vni = 0;
  /** Options seen, in all. */
  options = 0;
  /** Bits: 1 endpoint id, 2 attachment id, 4 flow cookie (each exactly once, with its right length). */
  awsSeen = 0;
  /** An AWS option came with a wrong length or twice. */
  awsBad = false;
  endpointHi = 0;
  endpointLo = 0;
  attachmentHi = 0;
  attachmentLo = 0;
  flowCookie = 0;

  reset(): void {
    this.off = -1;
    this.payloadOff = -1;
    this.payloadLen = 0;
    this.optionsLen = 0;
    this.oam = false;
    this.critical = false;
    this.protocol = 0;
    this.vni = 0;
    this.options = 0;
    this.awsSeen = 0;
    this.awsBad = false;
    this.endpointHi = 0;
    this.endpointLo = 0;
    this.attachmentHi = 0;
    this.attachmentLo = 0;
    this.flowCookie = 0;
  }
}

/**
 * Parses the GENEVE header at buf[off, end) and walks its options. Options of class 0x0108
 * types 1-3 are read into `g`; any other option with the critical bit makes the packet
 * UNKNOWN_CRITICAL (RFC 8926 3.5.1: the receiver does not understand it). The protocol type
 * is not judged here (gwlbCheck does). `g` is reset first.
 */
export function parseGeneve(buf: Uint8Array, off: number, end: number, g: GeneveMeta): number {
  g.reset();
  if (!(off >= 0) || !(end <= buf.length) || end - off < GENEVE_HEADER_LEN) return GeneveError.TRUNCATED;
  const b0 = buf[off]!;
  if (b0 >>> 6 !== 0) return GeneveError.BAD_VERSION;
  const optLen = (b0 & 0x3f) * 4;
  const flags = buf[off + 1]!;
  g.off = off;
  g.optionsLen = optLen;
  g.oam = (flags & GENEVE_FLAG_OAM) !== 0;
  g.critical = (flags & GENEVE_FLAG_CRITICAL) !== 0;
  g.protocol = readU16(buf, off + 2);
  g.vni = readU32(buf, off + 4) >>> 8;
  const optEnd = off + GENEVE_HEADER_LEN + optLen;
  if (optEnd > end) return GeneveError.TRUNCATED;
  let p = off + GENEVE_HEADER_LEN;
  while (p < optEnd) {
    if (optEnd - p < 4) return GeneveError.BAD_OPTION_LENGTH;
    const cls = readU16(buf, p);
    const type = buf[p + 2]!;
    const len = 4 + (buf[p + 3]! & 0x1f) * 4;
    if (p + len > optEnd) return GeneveError.BAD_OPTION_LENGTH;
    g.options++;
    if (cls === AWS_GWLB_CLASS && type >= AWS_OPT_ENDPOINT_ID && type <= AWS_OPT_FLOW_COOKIE) {
      readAwsOption(buf, p, type, len, g);
    } else if ((type & GENEVE_OPT_TYPE_CRITICAL) !== 0) {
      return GeneveError.UNKNOWN_CRITICAL;
    }
    p += len;
  }
  g.payloadOff = optEnd;
  g.payloadLen = end - optEnd;
  return GeneveError.OK;
}

function readAwsOption(buf: Uint8Array, p: number, type: number, len: number, g: GeneveMeta): void {
  const bit = type === AWS_OPT_ENDPOINT_ID ? AWS_ENDPOINT_SEEN : type === AWS_OPT_ATTACHMENT_ID ? AWS_ATTACHMENT_SEEN : AWS_COOKIE_SEEN;
  const want = type === AWS_OPT_FLOW_COOKIE ? 8 : 12;
  if (len !== want || (g.awsSeen & bit) !== 0) {
    g.awsBad = true;
    return;
  }
  g.awsSeen |= bit;
  if (type === AWS_OPT_ENDPOINT_ID) {
    g.endpointHi = readU32(buf, p + 4);
    g.endpointLo = readU32(buf, p + 8);
  } else if (type === AWS_OPT_ATTACHMENT_ID) {
    g.attachmentHi = readU32(buf, p + 4);
    g.attachmentLo = readU32(buf, p + 8);
  } else {
    g.flowCookie = readU32(buf, p + 4);
  }
}

/**
 * What a GWLB appliance (and a GWLB taking a packet back) requires of a parsed packet: inner
 * IPv4 or IPv6, and the three AWS options each once with its length. OK or a GeneveError.
 */
export function gwlbCheck(g: GeneveMeta): number {
  if (g.protocol !== GENEVE_PROTO_IPV4 && g.protocol !== GENEVE_PROTO_IPV6) return GeneveError.BAD_PROTOCOL;
  if (g.awsBad) return GeneveError.BAD_AWS_OPTION;
  if (g.awsSeen !== AWS_ALL_SEEN) return GeneveError.MISSING_AWS_OPTION;
  return GeneveError.OK;
}

/** Writes the 8-byte header (reserved fields zero); `optionsLen` in bytes, a multiple of 4 up to 252. Returns 8. */
export function writeGeneveHeader(buf: Uint8Array, off: number, optionsLen: number, flags: number, protocol: number, vni: number): number {
  buf[off] = (optionsLen >>> 2) & 0x3f;
  buf[off + 1] = flags & 0xc0;
  writeU16(buf, off + 2, protocol);
  writeU32(buf, off + 4, (vni & 0xffffff) << 8);
  return GENEVE_HEADER_LEN;
}

/** Writes one option whose data is `words` 32-bit values (0..31 of them). Returns its length. */
export function writeGeneveOption(buf: Uint8Array, off: number, cls: number, type: number, words: readonly number[]): number {
  writeU16(buf, off, cls);
  buf[off + 2] = type & 0xff;
  buf[off + 3] = words.length & 0x1f;
  for (let i = 0; i < words.length; i++) writeU32(buf, off + 4 + i * 4, words[i]!);
  return 4 + words.length * 4;
}

/** Writes the three AWS options (endpoint id, attachment id, flow cookie), 32 bytes. Returns 32. */
export function writeAwsOptions(buf: Uint8Array, off: number, endpointHi: number, endpointLo: number,
  attachmentHi: number, attachmentLo: number, cookie: number): number {
  writeU16(buf, off, AWS_GWLB_CLASS);
  buf[off + 2] = AWS_OPT_ENDPOINT_ID;
  buf[off + 3] = 2;
  writeU32(buf, off + 4, endpointHi);
  writeU32(buf, off + 8, endpointLo);
  writeU16(buf, off + 12, AWS_GWLB_CLASS);
  buf[off + 14] = AWS_OPT_ATTACHMENT_ID;
  buf[off + 15] = 2;
  writeU32(buf, off + 16, attachmentHi);
  writeU32(buf, off + 20, attachmentLo);
  writeU16(buf, off + 24, AWS_GWLB_CLASS);
  buf[off + 26] = AWS_OPT_FLOW_COOKIE;
  buf[off + 27] = 1;
  writeU32(buf, off + 28, cookie);
  return AWS_OPTIONS_LEN;
}

/** The outer headers of one GENEVE packet (everything but the options' bytes and the payload). */
export interface GeneveOuter {
  outerSrc: number;
  outerDst: number;
  sport: number;
  dport: number;
  ttl: number;
  id: number;
  df: boolean;
  tos: number;
  protocol: number;
  vni: number;
}

/**
 * Writes at out[off] a whole GENEVE packet from the outer IPv4 header on: IPv4, UDP (with its
 * checksum), the GENEVE header, the options opts[optOff, optOff+optLen) and the payload
 * src[srcOff, srcOff+len). `out` may be `src` (the payload is moved first). Returns the outer
 * packet's length, or -1 when it would not fit 65535 bytes or `out`, or the options are bad.
 */
export function writeGenevePacket(out: Uint8Array, off: number, src: Uint8Array, srcOff: number, len: number,
  opts: Uint8Array, optOff: number, optLen: number, o: Readonly<GeneveOuter>): number {
  const total = IPV4_HEADER_LEN + UDP_HEADER_LEN + GENEVE_HEADER_LEN + optLen + len;
  if (len < 0 || optLen < 0 || (optLen & 3) !== 0 || optLen > GENEVE_MAX_OPTIONS_LEN || total > IPV4_MAX_LEN ||
    off < 0 || off + total > out.length) {
    return -1;
  }
  copyPayload(out, off + total - len, src, srcOff, len);
  copyBytes(out, off + OPTIONS_AT, opts, optOff, optLen);
  return finishGenevePacket(out, off, total, optLen, o);
}

/**
 * writeGenevePacket with the three AWS options written in place (what a gateway sends for
 * every packet: no option buffer to copy). Returns the outer length (payload + 68) or -1.
 */
export function writeGwlbPacket(out: Uint8Array, off: number, src: Uint8Array, srcOff: number, len: number, o: Readonly<GeneveOuter>,
  endpointHi: number, endpointLo: number, attachmentHi: number, attachmentLo: number, cookie: number): number {
  const total = GENEVE_GWLB_OVERHEAD + len;
  if (len < 0 || total > IPV4_MAX_LEN || off < 0 || off + total > out.length) return -1;
  copyPayload(out, off + GENEVE_GWLB_OVERHEAD, src, srcOff, len);
  writeAwsOptions(out, off + OPTIONS_AT, endpointHi, endpointLo, attachmentHi, attachmentLo, cookie);
  return finishGenevePacket(out, off, total, AWS_OPTIONS_LEN, o);
}

/** The payload into place: a memmove within one buffer, else a plain copy (as wrapIpip). */
function copyPayload(out: Uint8Array, at: number, src: Uint8Array, srcOff: number, len: number): void {
  if (out === src) copyBytes(out, at, src, srcOff, len);
  else copyDistinct(out, at, src, srcOff, len);
}

/** Where the options start, from the outer IPv4 header. */
const OPTIONS_AT = IPV4_HEADER_LEN + UDP_HEADER_LEN + GENEVE_HEADER_LEN;

/** The GENEVE header, the UDP header and checksum, the IPv4 header, around options and payload already in place. */
function finishGenevePacket(out: Uint8Array, off: number, total: number, optLen: number, o: Readonly<GeneveOuter>): number {
  const udp = off + IPV4_HEADER_LEN;
  writeGeneveHeader(out, udp + UDP_HEADER_LEN, optLen, 0, o.protocol, o.vni);
  writeUdpHeader(out, udp, o.sport, o.dport, total - IPV4_HEADER_LEN);
  setUdpChecksum(out, udp, total - IPV4_HEADER_LEN, o.outerSrc, o.outerDst);
  writeIpv4Header(out, off, o.outerSrc, o.outerDst, IPPROTO_UDP, total, o.ttl, o.id, o.df ? IP_FLAG_DF : 0, o.tos);
  return total;
}
