// IPv4 headers (RFC 791).

import type { Ipv4 } from '../net/addr.js';
import { copyBytes, readU16, readU32, writeU16, writeU32 } from './bytes.js';
import { internetChecksum, verifyChecksum, verifyChecksum20 } from './checksum.js';
import { DECODE_VERIFY_IP_CHECKSUM, DropReason, type IpMeta } from './meta.js';

export const IPPROTO_ICMP = 1;
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPV4_HEADER_LEN = 20;
/** Bits of the flags/fragment-offset word. */
export const IP_FLAG_DF = 0x4000;
export const IP_FLAG_MF = 0x2000;
export const IP_FRAG_OFFSET_MASK = 0x1fff;
export const IPV4_MAX_LEN = 65535;

/** True when the options in buf[off, end) are well-formed TLVs (EOL and NOP are single bytes). */
export function ipv4OptionsValid(buf: Uint8Array, off: number, end: number): boolean {
  let i = off;
  while (i < end) {
    const kind = buf[i]!;
    if (kind === 0) return true;
    if (kind === 1) {
      i++;
      continue;
    }
    if (i + 1 >= end) return false;
    const l = buf[i + 1]!;
    if (l < 2 || i + l > end) return false;
    i += l;
  }
  return true;
}

/**
 * Parses and validates the IPv4 header at `off`; `end` is the end of the captured data (the
 * frame length, or the end of the enclosing packet). Fills the IPv4 fields of `m`, plus l4Off
 * and l3End. Does not look at L4.
 */
export function parseIpv4Header(buf: Uint8Array, off: number, end: number, m: IpMeta, flags: number): number {
  const avail = end - off;
  if (avail < IPV4_HEADER_LEN) return DropReason.TRUNCATED_IP;
  const vihl = buf[off]!;
  if (vihl >>> 4 !== 4) return DropReason.BAD_IP_VERSION;
  const ihl = vihl & 0x0f;
  if (ihl < 5) return DropReason.BAD_IHL;
  const hlen = ihl * 4;
  if (hlen > avail) return DropReason.TRUNCATED_IP;
  const total = readU16(buf, off + 2);
  if (total < hlen || total > avail) return DropReason.BAD_IP_LENGTH;
  const frag = readU16(buf, off + 6);
  const fragOffset = (frag & IP_FRAG_OFFSET_MASK) * 8;
  if (fragOffset + total - hlen > IPV4_MAX_LEN) return DropReason.BAD_FRAGMENT;
  if (hlen > IPV4_HEADER_LEN && !ipv4OptionsValid(buf, off + IPV4_HEADER_LEN, off + hlen)) {
    return DropReason.BAD_IP_OPTIONS;
  }
  if ((flags & DECODE_VERIFY_IP_CHECKSUM) !== 0 && !(hlen === IPV4_HEADER_LEN ? verifyChecksum20(buf, off) : verifyChecksum(buf, off, hlen))) {
    return DropReason.IP_CHECKSUM;
  }
  readIpv4Fields(buf, off, m);
  m.l3End = off + total;
  return DropReason.OK;
}

/**
 * Copies the header fields of the IPv4 header at `off` into `m` without any validation (the
 * caller has checked that IHL*4 bytes are present). Sets l3Off and l4Off, not l3End.
 */
export function readIpv4Fields(buf: Uint8Array, off: number, m: IpMeta): void {
  const ihl = buf[off]! & 0x0f;
  const frag = readU16(buf, off + 6);
  m.l3Off = off;
  m.ihl = ihl;
  m.tos = buf[off + 1]!;
  m.ipTotalLen = readU16(buf, off + 2);
  m.ipId = readU16(buf, off + 4);
  m.dontFragment = (frag & IP_FLAG_DF) !== 0;
  m.moreFragments = (frag & IP_FLAG_MF) !== 0;
  m.fragOffset = (frag & IP_FRAG_OFFSET_MASK) * 8;
  m.isFragment = m.moreFragments || m.fragOffset !== 0;
  m.ttl = buf[off + 8]!;
  m.proto = buf[off + 9]!;
  m.ipChecksum = readU16(buf, off + 10);
  m.ipSrc = readU32(buf, off + 12) as Ipv4;
  m.ipDst = readU32(buf, off + 16) as Ipv4;
  m.l4Off = off + ihl * 4;
}

/**
 * Writes a 20-byte IPv4 header (no options) at `off` and its checksum. `fragField` is the raw
 * flags/fragment-offset word (IP_FLAG_DF, IP_FLAG_MF | offset/8). Returns 20.
 */
export function writeIpv4Header(
  buf: Uint8Array, off: number, src: number, dst: number, proto: number, totalLen: number,
  ttl = 64, id = 0, fragField = 0, tos = 0,
): number {
  tos &= 0xff;
  totalLen &= 0xffff;
  id &= 0xffff;
  fragField &= 0xffff;
  ttl &= 0xff;
  proto &= 0xff;
  src >>>= 0;
  dst >>>= 0;
  buf[off] = 0x45;
  buf[off + 1] = tos;
  writeU16(buf, off + 2, totalLen);
  writeU16(buf, off + 4, id);
  writeU16(buf, off + 6, fragField);
  buf[off + 8] = ttl;
  buf[off + 9] = proto;
  writeU32(buf, off + 12, src);
  writeU32(buf, off + 16, dst);
  // The checksum from the field values (the sum of the header's ten 16-bit words), not re-read from the buffer.
  let sum = (0x4500 | tos) + totalLen + id + fragField + ((ttl << 8) | proto) +
    (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff);
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  writeU16(buf, off + 10, ~sum & 0xffff);
  return IPV4_HEADER_LEN;
}

/** Header length in bytes of the IPv4 header at `off`. */
export function ipv4HeaderLen(buf: Uint8Array, off: number): number {
  return (buf[off]! & 0x0f) * 4;
}

/** Recomputes the header checksum (options included) after arbitrary edits. */
export function setIpv4Checksum(buf: Uint8Array, off: number): void {
  writeU16(buf, off + 10, 0);
  writeU16(buf, off + 10, internetChecksum(buf, off, ipv4HeaderLen(buf, off)));
}

export function verifyIpv4Checksum(buf: Uint8Array, off: number): boolean {
  return verifyChecksum(buf, off, ipv4HeaderLen(buf, off));
}

/**
 * Writes at out[off] one fragment of the IPv4 packet src[ipOff, ipOff+ipLen) (RFC 791): a copy
 * of its header with total length hlen + dataLen, fragment offset = its own + dataStart / 8,
 * MF set unless the piece ends the payload of a packet that had MF clear, DF, ID, TOS, TTL kept,
 * a fresh checksum; then its payload bytes [dataStart, dataStart+dataLen). In a piece other than
 * the first, options without the copy flag become NOPs (as Linux's ip_options_fragment does), so
 * every fragment keeps the header length. `dataStart` must be a multiple of 8 and the range
 * within the payload (the caller checks); `out` must not overlap `src`. Returns hlen + dataLen.
 */
export function writeIpv4Fragment(
  out: Uint8Array, off: number, src: Uint8Array, ipOff: number, ipLen: number, dataStart: number, dataLen: number,
): number {
  const hlen = (src[ipOff]! & 0x0f) * 4;
  copyBytes(out, off, src, ipOff, hlen);
  if (dataStart !== 0 && hlen > IPV4_HEADER_LEN) nopUncopiedOptions(out, off + IPV4_HEADER_LEN, off + hlen);
  copyBytes(out, off + hlen, src, ipOff + hlen + dataStart, dataLen);
  const frag = readU16(src, ipOff + 6);
  const mf = dataStart + dataLen >= ipLen - hlen ? frag & IP_FLAG_MF : IP_FLAG_MF;
  const fragOff = ((frag & IP_FRAG_OFFSET_MASK) + (dataStart >>> 3)) & IP_FRAG_OFFSET_MASK;
  writeU16(out, off + 2, hlen + dataLen);
  writeU16(out, off + 6, (frag & ~(IP_FLAG_MF | IP_FRAG_OFFSET_MASK) & 0xffff) | mf | fragOff);
  setIpv4Checksum(out, off);
  return hlen + dataLen;
}

/** Replaces the options in buf[off, end) whose copy flag (bit 7 of the type) is clear with NOPs. */
function nopUncopiedOptions(buf: Uint8Array, off: number, end: number): void {
  let i = off;
  while (i < end) {
    const kind = buf[i]!;
    if (kind === 0) return;
    if (kind === 1) {
      i++;
      continue;
    }
    const l = i + 1 < end ? buf[i + 1]! : 0;
    if (l < 2 || i + l > end) return;
    if ((kind & 0x80) === 0) buf.fill(1, i, i + l);
    i += l;
  }
}
