// The fast-path decoder: Ethernet -> (802.1Q) -> ARP | IPv4 -> TCP / UDP / ICMP / IP-in-IP.

import { parseArp } from './arp.js';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, parseEthernet } from './ethernet.js';
import { parseIcmp, parseIcmpQuote } from './icmp.js';
import { IPPROTO_ICMP, IPPROTO_IPIP, IPPROTO_TCP, IPPROTO_UDP, parseIpv4Header } from './ipv4.js';
import { DropReason, InnerKind, type IpMeta, type PacketMeta } from './meta.js';
import { parseTcp } from './tcp.js';
import { parseUdp } from './udp.js';

/**
 * Decodes the IPv4 packet at `off` (captured data ends at `end`) and its L4 header into `m`.
 * Non-first fragments and protocols other than TCP/UDP/ICMP stop after the IP header with
 * payloadOff = l4Off. For IP-in-IP, l4Off/payloadOff point at the inner header (not parsed).
 * Fields of `m` are not reset; reset it first when reusing it for a different packet.
 */
export function decodeIpv4(buf: Uint8Array, off: number, end: number, m: IpMeta, flags = 0): number {
  const r = parseIpv4Header(buf, off, end, m, flags);
  if (r !== DropReason.OK) return r;
  const l4 = m.l4Off;
  const l3End = m.l3End;
  if (m.fragOffset === 0) {
    switch (m.proto) {
      case IPPROTO_TCP:
        return parseTcp(buf, l4, l3End, m, flags);
      case IPPROTO_UDP:
        return parseUdp(buf, l4, l3End, m, flags);
      case IPPROTO_ICMP:
        return parseIcmp(buf, l4, l3End, m, flags);
    }
  }
  m.payloadOff = l4;
  m.payloadLen = l3End - l4;
  return DropReason.OK;
}

/**
 * Decodes the frame buf[0, len) into `meta` (reset first). Returns 0 or a DropReason. `len` is
 * clamped to [0, buf.length] (NaN counts as 0). Frames with an EtherType other than IPv4/ARP
 * (IPv6, a second VLAN tag, LLC ...) pass with only the L2 fields (and l3Off) filled.
 * An unfragmented IP-in-IP payload is decoded into `meta.inner` (one level; deeper nesting is
 * left as the inner packet's payload). The datagram quoted by an ICMP error is parsed into
 * `meta.inner` when it has a usable IPv4 header (innerKind ICMP_QUOTE); a bad quote is not a drop.
 * `flags`: DECODE_VERIFY_IP_CHECKSUM | DECODE_VERIFY_L4_CHECKSUM.
 */
export function decodeFrame(buf: Uint8Array, len: number, meta: PacketMeta, flags = 0): number {
  meta.reset();
  if (!(len >= 0)) len = 0; // negative or NaN
  else if (len > buf.length) len = buf.length;
  else len = Math.floor(len);
  meta.len = len;
  let r = parseEthernet(buf, len, meta);
  if (r !== DropReason.OK) return r;
  const l3 = meta.l2Len;
  if (meta.etherType === ETHERTYPE_IPV4) {
    r = decodeIpv4(buf, l3, len, meta, flags);
    if (r !== DropReason.OK) return r;
    if (meta.proto === IPPROTO_IPIP && !meta.isFragment) {
      meta.innerKind = InnerKind.IPIP;
      meta.inner.resetIp();
      return decodeIpv4(buf, meta.l4Off, meta.l3End, meta.inner, flags);
    }
    if (meta.icmpInnerOff >= 0 && parseIcmpQuote(buf, meta.icmpInnerOff, meta.l3End, meta.inner)) {
      meta.innerKind = InnerKind.ICMP_QUOTE;
    }
    return DropReason.OK;
  }
  if (meta.etherType === ETHERTYPE_ARP) return parseArp(buf, l3, len, meta);
  return DropReason.OK;
}
