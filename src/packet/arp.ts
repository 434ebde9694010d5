// ARP for Ethernet/IPv4 (RFC 826).

import type { Ipv4 } from '../net/addr.js';
import { readMac, writeMac } from '../net/addr.js';
import { readU16, readU32, writeU16, writeU32 } from './bytes.js';
import { DropReason, type PacketMeta } from './meta.js';

export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;
export const ARP_LEN = 28;
const HTYPE_ETHERNET = 1;
const PTYPE_IPV4 = 0x0800;

/** Parses the ARP packet at `off` (frame length `len`) into the arp* fields. */
export function parseArp(buf: Uint8Array, off: number, len: number, m: PacketMeta): number {
  if (len - off < ARP_LEN) return DropReason.TRUNCATED_ARP;
  const op = readU16(buf, off + 6);
  if (readU16(buf, off) !== HTYPE_ETHERNET || readU16(buf, off + 2) !== PTYPE_IPV4 ||
    buf[off + 4] !== 6 || buf[off + 5] !== 4 || (op !== ARP_REQUEST && op !== ARP_REPLY)) {
    return DropReason.BAD_ARP;
  }
  m.arpOp = op;
  m.arpSha = readMac(buf, off + 8);
  m.arpSpa = readU32(buf, off + 14) as Ipv4;
  m.arpTha = readMac(buf, off + 18);
  m.arpTpa = readU32(buf, off + 24) as Ipv4;
  m.payloadOff = off + ARP_LEN;
  m.payloadLen = 0;
  return DropReason.OK;
}

/** Writes an ARP packet (no Ethernet header) at `off`; returns 28. */
export function writeArp(
  buf: Uint8Array, off: number, op: number, sha: number, spa: number, tha: number, tpa: number,
): number {
  writeU16(buf, off, HTYPE_ETHERNET);
  writeU16(buf, off + 2, PTYPE_IPV4);
  buf[off + 4] = 6;
  buf[off + 5] = 4;
  writeU16(buf, off + 6, op);
  writeMac(buf, off + 8, sha);
  writeU32(buf, off + 14, spa);
  writeMac(buf, off + 18, tha);
  writeU32(buf, off + 24, tpa);
  return ARP_LEN;
}
