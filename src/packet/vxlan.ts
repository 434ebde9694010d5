// VXLAN (RFC 7348): an Ethernet frame carried in UDP.
//
//    0                   1                   2                   3
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |R|R|R|R|I|R|R|R|            Reserved                           |
//   |                VXLAN Network Identifier (VNI) |   Reserved    |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The parser is strict where Linux's vxlan is: a header with any bit but I set, or a non-zero
// reserved byte after the VNI, is malformed (Linux drops it as "unparsed flags"), and the
// inner frame must hold at least an Ethernet header.

import { copyBytes, copyDistinct } from './bytes.js';
import { ETH_HEADER_LEN } from './ethernet.js';
import { IP_FLAG_DF, IPPROTO_UDP, IPV4_HEADER_LEN, IPV4_MAX_LEN, writeIpv4Header } from './ipv4.js';
import { UDP_HEADER_LEN, writeUdpHeader } from './udp.js';

export const VXLAN_HEADER_LEN = 8;
/** The IANA port (RFC 7348). */
export const VXLAN_PORT = 4789;
/** Linux's default when `ip link add ... type vxlan` is given no `dstport`. */
export const VXLAN_LINUX_PORT = 8472;
export const VXLAN_FLAG_I = 0x08;
export const VNI_MAX = 0xffffff;
/** What encapsulation puts in front of the inner frame from the outer IPv4 header on (20 + 8 + 8). */
export const VXLAN_OVERHEAD = IPV4_HEADER_LEN + UDP_HEADER_LEN + VXLAN_HEADER_LEN;
/** With the outer Ethernet header: file 004's 50 bytes, so a 1500-byte underlay carries a 1450-byte overlay. */
export const VXLAN_FRAME_OVERHEAD = ETH_HEADER_LEN + VXLAN_OVERHEAD;
/** The TTL of the outer header (Linux's `ttl auto` sends 64). */
export const VXLAN_OUTER_TTL = 64;

/** Why a VXLAN payload was refused (negative results of parseVxlan). */
export const VxlanError = {
  /** Fewer than 8 bytes of VXLAN header. */
  SHORT: -1,
  /** The I flag clear, another flag bit set, or a reserved field not zero. */
  BAD_FLAGS: -2,
  /** The inner frame is shorter than an Ethernet header. */
  SHORT_FRAME: -3,
} as const;

/** Counter names of the VxlanError values, by -error. */
export const VXLAN_ERROR_NAMES: readonly string[] = ['', 'short', 'bad-flags', 'short-frame'];

/**
 * The VNI of the VXLAN payload buf[off, end) (a UDP datagram's payload), or a negative
 * VxlanError. The inner frame is buf[off + 8, end).
 */
export function parseVxlan(buf: Uint8Array, off: number, end: number): number {
  if (!(off >= 0) || !(end <= buf.length) || end - off < VXLAN_HEADER_LEN) return VxlanError.SHORT;
  if (buf[off] !== VXLAN_FLAG_I || buf[off + 1] !== 0 || buf[off + 2] !== 0 || buf[off + 3] !== 0 || buf[off + 7] !== 0) {
    return VxlanError.BAD_FLAGS;
  }
  if (end - off - VXLAN_HEADER_LEN < ETH_HEADER_LEN) return VxlanError.SHORT_FRAME;
  return (buf[off + 4]! << 16) | (buf[off + 5]! << 8) | buf[off + 6]!;
}

/** Writes the 8-byte VXLAN header (I flag, `vni`) at `off`; returns 8. */
export function writeVxlanHeader(buf: Uint8Array, off: number, vni: number): number {
  buf[off] = VXLAN_FLAG_I;
  buf[off + 1] = 0;
  buf[off + 2] = 0;
  buf[off + 3] = 0;
  buf[off + 4] = (vni >>> 16) & 0xff;
  buf[off + 5] = (vni >>> 8) & 0xff;
  buf[off + 6] = vni & 0xff;
  buf[off + 7] = 0;
  return VXLAN_HEADER_LEN;
}

/**
 * Writes at out[off] an outer IPv4 header (TTL 64, DF as given), a UDP header (`sport` ->
 * `dport`, checksum 0 as RFC 7348 allows over IPv4) and the VXLAN header of `vni`, followed by
 * the inner Ethernet frame src[srcOff, srcOff+len); no outer link header. `out` may be `src`
 * (overlapping ranges are fine); a different `out` must not share memory with `src`. Returns the outer packet's length, or -1 when the frame is
 * shorter than an Ethernet header, the result would exceed 65535 bytes or `out`, or a field
 * is out of range.
 */
export function wrapVxlan(
  out: Uint8Array, off: number, src: Uint8Array, srcOff: number, len: number,
  outerSrc: number, outerDst: number, sport: number, dport: number, vni: number, df: boolean, id = 0,
): number {
  const total = VXLAN_OVERHEAD + len;
  if (!(len >= ETH_HEADER_LEN) || total > IPV4_MAX_LEN || !(off >= 0) || off + total > out.length || srcOff < 0 ||
    srcOff + len > src.length || !(vni >= 0 && vni <= VNI_MAX)) {
    return -1;
  }
  const udp = off + IPV4_HEADER_LEN;
  const vx = udp + UDP_HEADER_LEN;
  // The payload first: `out` may be `src`, with the frame sitting where the headers go.
  if (out === src) copyBytes(out, vx + VXLAN_HEADER_LEN, src, srcOff, len);
  else copyDistinct(out, vx + VXLAN_HEADER_LEN, src, srcOff, len);
  writeVxlanHeader(out, vx, vni);
  writeUdpHeader(out, udp, sport, dport, UDP_HEADER_LEN + VXLAN_HEADER_LEN + len);
  writeIpv4Header(out, off, outerSrc, outerDst, IPPROTO_UDP, total, VXLAN_OUTER_TTL, id, df ? IP_FLAG_DF : 0, 0);
  return total;
}
