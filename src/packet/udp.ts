// UDP headers (RFC 768).

import { readU16, writeU16 } from './bytes.js';
import { l4Checksum, verifyL4Checksum } from './checksum.js';
import { IPPROTO_UDP } from './ipv4.js';
import { DECODE_VERIFY_L4_CHECKSUM, DropReason, type IpMeta } from './meta.js';

export const UDP_HEADER_LEN = 8;
export const UDP_CHECKSUM_OFF = 6;

/**
 * Parses the UDP header at `off` of an IPv4 packet ending at `end`. In a first fragment the
 * length field describes the whole datagram, so it is only checked to be >= 8.
 */
export function parseUdp(buf: Uint8Array, off: number, end: number, m: IpMeta, flags: number): number {
  const avail = end - off;
  if (avail < UDP_HEADER_LEN) return DropReason.TRUNCATED_L4;
  const udpLen = readU16(buf, off + 4);
  if (udpLen < UDP_HEADER_LEN || (!m.isFragment && udpLen > avail)) return DropReason.BAD_UDP_LENGTH;
  const csum = readU16(buf, off + 6);
  if ((flags & DECODE_VERIFY_L4_CHECKSUM) !== 0 && !m.isFragment && csum !== 0 &&
    !verifyL4Checksum(buf, off, udpLen, m.ipSrc, m.ipDst, IPPROTO_UDP)) {
    return DropReason.UDP_CHECKSUM;
  }
  m.sport = readU16(buf, off);
  m.dport = readU16(buf, off + 2);
  m.udpLen = udpLen;
  m.l4Checksum = csum;
  m.payloadOff = off + UDP_HEADER_LEN;
  m.payloadLen = (m.isFragment ? avail : udpLen) - UDP_HEADER_LEN;
  return DropReason.OK;
}

/** Writes a UDP header with checksum 0 (none); returns 8. */
export function writeUdpHeader(buf: Uint8Array, off: number, sport: number, dport: number, udpLen: number): number {
  writeU16(buf, off, sport);
  writeU16(buf, off + 2, dport);
  writeU16(buf, off + 4, udpLen);
  writeU16(buf, off + 6, 0);
  return UDP_HEADER_LEN;
}

/**
 * Computes and stores the checksum of the datagram buf[off, off+udpLen) (payload in place);
 * a computed 0 is sent as 0xffff, since 0 means "no checksum". Returns the stored value.
 */
export function setUdpChecksum(buf: Uint8Array, off: number, udpLen: number, src: number, dst: number): number {
  writeU16(buf, off + UDP_CHECKSUM_OFF, 0);
  const c = l4Checksum(buf, off, udpLen, src, dst, IPPROTO_UDP) || 0xffff;
  writeU16(buf, off + UDP_CHECKSUM_OFF, c);
  return c;
}

/** True when the checksum verifies or is 0 (absent). */
export function verifyUdpChecksum(buf: Uint8Array, off: number, udpLen: number, src: number, dst: number): boolean {
  return readU16(buf, off + UDP_CHECKSUM_OFF) === 0 || verifyL4Checksum(buf, off, udpLen, src, dst, IPPROTO_UDP);
}
