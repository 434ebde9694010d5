// TCP headers and options (RFC 9293, 7323, 2018).

import { readU16, readU32, writeU16, writeU32 } from './bytes.js';
import { l4Checksum, verifyL4Checksum } from './checksum.js';
import { IPPROTO_TCP } from './ipv4.js';
import { DECODE_VERIFY_L4_CHECKSUM, DropReason, type IpMeta } from './meta.js';

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

export const TCP_HEADER_LEN = 20;
export const TCP_MAX_OPTIONS_LEN = 40;
/** Offset of the checksum field in the TCP header. */
export const TCP_CHECKSUM_OFF = 16;

export const TCPOPT_EOL = 0;
export const TCPOPT_NOP = 1;
export const TCPOPT_MSS = 2;
export const TCPOPT_WSCALE = 3;
export const TCPOPT_SACK_PERMITTED = 4;
export const TCPOPT_SACK = 5;
export const TCPOPT_TIMESTAMP = 8;

/** The option fields the walker fills; IpMeta has them. */
export interface TcpOptionFields {
  mss: number;
  wscale: number;
  sackPermitted: boolean;
  sackBlocks: number;
  hasTimestamps: boolean;
  tsVal: number;
  tsEcr: number;
  tcpOptionsOk: boolean;
}

/** Values the option writer takes; a PacketMeta of a received SYN qualifies. */
export interface TcpOptionValues {
  mss: number;
  wscale: number;
  tsVal: number;
  tsEcr: number;
}

/**
 * Walks the options in buf[off, end) and fills `o` (absent: mss/wscale -1, flags false).
 * Options with an unexpected length are ignored; a length byte < 2 or past `end` stops the walk
 * and clears tcpOptionsOk. Returns tcpOptionsOk.
 */
export function parseTcpOptions(buf: Uint8Array, off: number, end: number, o: TcpOptionFields): boolean {
  o.mss = -1;
  o.wscale = -1;
  o.sackPermitted = false;
  o.sackBlocks = 0;
  o.hasTimestamps = false;
  o.tsVal = 0;
  o.tsEcr = 0;
  o.tcpOptionsOk = true;
  let i = off;
  while (i < end) {
    const kind = buf[i]!;
    if (kind === TCPOPT_EOL) break;
    if (kind === TCPOPT_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= end) {
      o.tcpOptionsOk = false;
      break;
    }
    const l = buf[i + 1]!;
    if (l < 2 || i + l > end) {
      o.tcpOptionsOk = false;
      break;
    }
    switch (kind) {
      case TCPOPT_MSS:
        if (l === 4) o.mss = readU16(buf, i + 2);
        break;
      case TCPOPT_WSCALE:
        if (l === 3) o.wscale = buf[i + 2]!;
        break;
      case TCPOPT_SACK_PERMITTED:
        if (l === 2) o.sackPermitted = true;
        break;
      case TCPOPT_SACK:
        o.sackBlocks = (l - 2) >>> 3;
        break;
      case TCPOPT_TIMESTAMP:
        if (l === 10) {
          o.hasTimestamps = true;
          o.tsVal = readU32(buf, i + 2);
          o.tsEcr = readU32(buf, i + 6);
        }
        break;
    }
    i += l;
  }
  return o.tcpOptionsOk;
}

/**
 * Parses the TCP header at `off` of an IPv4 packet ending at `end` (m.l3End). The IPv4 fields
 * of `m` must already be filled (the checksum needs the addresses).
 */
export function parseTcp(buf: Uint8Array, off: number, end: number, m: IpMeta, flags: number): number {
  const avail = end - off;
  if (avail < TCP_HEADER_LEN) return DropReason.TRUNCATED_L4;
  const doff = buf[off + 12]! >>> 4;
  const hlen = doff * 4;
  if (doff < 5 || hlen > avail) return DropReason.BAD_TCP_OFFSET;
  if ((flags & DECODE_VERIFY_L4_CHECKSUM) !== 0 && !m.isFragment &&
    !verifyL4Checksum(buf, off, avail, m.ipSrc, m.ipDst, IPPROTO_TCP)) {
    return DropReason.TCP_CHECKSUM;
  }
  m.sport = readU16(buf, off);
  m.dport = readU16(buf, off + 2);
  m.seq = readU32(buf, off + 4);
  m.ack = readU32(buf, off + 8);
  m.tcpDataOffset = doff;
  m.tcpFlags = buf[off + 13]!;
  m.window = readU16(buf, off + 14);
  m.l4Checksum = readU16(buf, off + 16);
  m.urgentPtr = readU16(buf, off + 18);
  if (hlen > TCP_HEADER_LEN) parseTcpOptions(buf, off + TCP_HEADER_LEN, off + hlen, m);
  m.payloadOff = off + hlen;
  m.payloadLen = avail - hlen;
  return DropReason.OK;
}

function optionLen(kind: number): number {
  switch (kind) {
    case TCPOPT_EOL:
    case TCPOPT_NOP:
      return 1;
    case TCPOPT_MSS:
      return 4;
    case TCPOPT_WSCALE:
      return 3;
    case TCPOPT_SACK_PERMITTED:
      return 2;
    case TCPOPT_TIMESTAMP:
      return 10;
    default:
      throw new RangeError(`TCP option kind ${kind} cannot be written`);
  }
}

/** Bytes the options in `order` take, padded to a multiple of 4. */
export function tcpOptionsLen(order: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < order.length; i++) n += optionLen(order[i]!);
  return (n + 3) & ~3;
}

/**
 * Writes the options listed in `order` (TCPOPT_* kinds, e.g. a module-level constant array)
 * with values from `v`, padded with EOL to a multiple of 4. Returns the bytes written.
 * Throws RangeError (a programming error) for unknown kinds or more than 40 bytes.
 */
export function writeTcpOptions(buf: Uint8Array, off: number, order: ArrayLike<number>, v: TcpOptionValues): number {
  const total = tcpOptionsLen(order);
  if (total > TCP_MAX_OPTIONS_LEN) throw new RangeError(`TCP options too long: ${total} bytes`);
  let i = off;
  for (let k = 0; k < order.length; k++) {
    const kind = order[k]!;
    buf[i] = kind;
    switch (kind) {
      case TCPOPT_EOL:
      case TCPOPT_NOP:
        i += 1;
        break;
      case TCPOPT_MSS:
        buf[i + 1] = 4;
        writeU16(buf, i + 2, v.mss);
        i += 4;
        break;
      case TCPOPT_WSCALE:
        buf[i + 1] = 3;
        buf[i + 2] = v.wscale;
        i += 3;
        break;
      case TCPOPT_SACK_PERMITTED:
        buf[i + 1] = 2;
        i += 2;
        break;
      case TCPOPT_TIMESTAMP:
        buf[i + 1] = 10;
        writeU32(buf, i + 2, v.tsVal);
        writeU32(buf, i + 6, v.tsEcr);
        i += 10;
        break;
    }
  }
  while (i < off + total) buf[i++] = TCPOPT_EOL;
  return total;
}

/**
 * Writes a TCP header with its options at `off`, checksum zero (see setTcpChecksum, which
 * needs the payload in place). Returns the header length.
 */
export function writeTcpHeader(
  buf: Uint8Array, off: number, sport: number, dport: number, seq: number, ack: number, flags: number, window: number,
  options: ArrayLike<number> | null = null, values: TcpOptionValues | null = null, urgentPtr = 0,
): number {
  let optLen = 0;
  if (options !== null && options.length > 0) {
    if (values === null) throw new RangeError('TCP options need values');
    optLen = writeTcpOptions(buf, off + TCP_HEADER_LEN, options, values);
  }
  const hlen = TCP_HEADER_LEN + optLen;
  writeU16(buf, off, sport);
  writeU16(buf, off + 2, dport);
  writeU32(buf, off + 4, seq);
  writeU32(buf, off + 8, ack);
  buf[off + 12] = (hlen / 4) << 4;
  buf[off + 13] = flags & 0xff;
  writeU16(buf, off + 14, window);
  writeU16(buf, off + 16, 0);
  writeU16(buf, off + 18, urgentPtr);
  return hlen;
}

/** Computes and stores the checksum of the segment buf[off, off+len); returns it. */
export function setTcpChecksum(buf: Uint8Array, off: number, len: number, src: number, dst: number): number {
  writeU16(buf, off + TCP_CHECKSUM_OFF, 0);
  const c = l4Checksum(buf, off, len, src, dst, IPPROTO_TCP);
  writeU16(buf, off + TCP_CHECKSUM_OFF, c);
  return c;
}

export function verifyTcpChecksum(buf: Uint8Array, off: number, len: number, src: number, dst: number): boolean {
  return verifyL4Checksum(buf, off, len, src, dst, IPPROTO_TCP);
}
