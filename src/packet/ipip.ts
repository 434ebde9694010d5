// IP-in-IP (RFC 2003): add or remove an outer IPv4 header.

import { copyBytes, copyDistinct, readU16 } from './bytes.js';
import { ETH_HEADER_LEN, ETHERTYPE_IPV4, ETHERTYPE_VLAN, VLAN_TAG_LEN, writeEthernet } from './ethernet.js';
import {
  IP_FLAG_DF, IP_FLAG_MF, IP_FRAG_OFFSET_MASK, IPPROTO_IPIP, IPV4_HEADER_LEN, IPV4_MAX_LEN, writeIpv4Fragment, writeIpv4Header,
} from './ipv4.js';

export const IPIP_OUTER_TTL = 64;

/**
 * Writes at out[off] an outer IPv4 header (protocol 4, TTL 64, TOS copied from the inner header
 * as RFC 2003 says, DF as given) followed by the inner IPv4 packet src[ipOff, ipOff+ipLen)
 * unchanged; no link header. `out` may be `src` (overlapping ranges are fine); a different
 * `out` must not share memory with `src`. Returns the
 * outer packet's length, or -1 when it would exceed 65535 bytes or `out`.
 */
export function wrapIpip(
  out: Uint8Array, off: number, src: Uint8Array, ipOff: number, ipLen: number,
  outerSrc: number, outerDst: number, df: boolean, id = 0,
): number {
  const outerLen = IPV4_HEADER_LEN + ipLen;
  if (outerLen > IPV4_MAX_LEN || off < 0 || off + outerLen > out.length || ipLen < 1) return -1;
  const tos = src[ipOff + 1]!;
  if (out === src) copyBytes(out, off + IPV4_HEADER_LEN, src, ipOff, ipLen);
  else copyDistinct(out, off + IPV4_HEADER_LEN, src, ipOff, ipLen);
  writeIpv4Header(out, off, outerSrc, outerDst, IPPROTO_IPIP, outerLen, IPIP_OUTER_TTL, id, df ? IP_FLAG_DF : 0, tos);
  return outerLen;
}

/**
 * As wrapIpip, for one fragment of the inner packet: the inner packet is the fragment of the
 * IPv4 packet src[ipOff, ipOff+ipLen) carrying its payload bytes [dataStart, dataStart+dataLen)
 * (see writeIpv4Fragment), and the outer DF is clear (the inner packet could be fragmented).
 * This is how a packet too big for the tunnel's MTU is sent (fragmented before encapsulation,
 * RFC 4459 section 3), so the endpoint never has to reassemble outer fragments. `out` must not
 * overlap `src`. Returns the outer packet's length, or -1 when the piece is not within the
 * payload, its start is not a multiple of 8, or the result would exceed 65535 bytes or `out`.
 */
export function wrapIpipFragment(
  out: Uint8Array, off: number, src: Uint8Array, ipOff: number, ipLen: number, dataStart: number, dataLen: number,
  outerSrc: number, outerDst: number, id = 0,
): number {
  const hlen = (src[ipOff]! & 0x0f) * 4;
  const outerLen = IPV4_HEADER_LEN + hlen + dataLen;
  if (hlen < IPV4_HEADER_LEN || dataLen < 1 || dataStart < 0 || (dataStart & 7) !== 0 || hlen + dataStart + dataLen > ipLen ||
    outerLen > IPV4_MAX_LEN || off < 0 || off + outerLen > out.length) {
    return -1;
  }
  writeIpv4Fragment(out, off + IPV4_HEADER_LEN, src, ipOff, ipLen, dataStart, dataLen);
  writeIpv4Header(out, off, outerSrc, outerDst, IPPROTO_IPIP, outerLen, IPIP_OUTER_TTL, id, 0, src[ipOff + 1]!);
  return outerLen;
}

/**
 * A whole frame: an Ethernet header (tagged when vlanId >= 0) and wrapIpip's packet, at
 * out[outOff]. For packet builders and test peers; the engine writes link headers in one place
 * (its port stage) and uses wrapIpip. Returns the frame length or -1.
 */
export function encapsulateIpip(
  out: Uint8Array, outOff: number, src: Uint8Array, ipOff: number, ipLen: number,
  dstMac: number, srcMac: number, outerSrc: number, outerDst: number, df: boolean,
  id = 0, vlanId = -1, pcp = 0,
): number {
  const l2 = vlanId >= 0 ? ETH_HEADER_LEN + VLAN_TAG_LEN : ETH_HEADER_LEN;
  if (outOff + l2 > out.length) return -1;
  const n = wrapIpip(out, outOff + l2, src, ipOff, ipLen, outerSrc, outerDst, df, id);
  if (n < 0) return -1;
  writeEthernet(out, outOff, dstMac, srcMac, ETHERTYPE_IPV4, vlanId, pcp);
  return l2 + n;
}

/**
 * Offset of the inner IPv4 header of the IP-in-IP packet at buf[ipOff, end), or -1 when it is
 * not one (not version 4, bad IHL or length, protocol not 4, a fragment, or no room for an
 * inner 20-byte header). The inner packet itself is not validated (decodeFrame does that).
 */
export function ipipInnerOffset(buf: Uint8Array, ipOff: number, end: number): number {
  const avail = end - ipOff;
  if (avail < IPV4_HEADER_LEN) return -1;
  const vihl = buf[ipOff]!;
  const hlen = (vihl & 0x0f) * 4;
  const total = readU16(buf, ipOff + 2);
  const frag = readU16(buf, ipOff + 6);
  if (vihl >>> 4 !== 4 || hlen < IPV4_HEADER_LEN || total > avail || buf[ipOff + 9] !== IPPROTO_IPIP ||
    (frag & (IP_FLAG_MF | IP_FRAG_OFFSET_MASK)) !== 0 || hlen + IPV4_HEADER_LEN > total) {
    return -1;
  }
  return ipOff + hlen;
}

/**
 * Decapsulates the IP-in-IP frame buf[0, len) in place: the Ethernet header (with its tag, if
 * any) is moved up to sit right before the inner packet, dropping the outer IPv4 header.
 * Returns the new start of the frame (its end is unchanged, `len`), or -1 if the frame is not
 * Ethernet + IPv4 protocol 4.
 */
export function decapsulateIpipFrame(buf: Uint8Array, len: number): number {
  if (len > buf.length) len = buf.length;
  if (len < ETH_HEADER_LEN) return -1;
  let l2 = ETH_HEADER_LEN;
  if (readU16(buf, 12) === ETHERTYPE_VLAN) {
    if (len < ETH_HEADER_LEN + VLAN_TAG_LEN) return -1;
    l2 += VLAN_TAG_LEN;
  }
  if (readU16(buf, l2 - 2) !== ETHERTYPE_IPV4) return -1;
  const inner = ipipInnerOffset(buf, l2, len);
  if (inner < 0) return -1;
  const start = inner - l2;
  copyBytes(buf, start, buf, 0, l2);
  return start;
}
