// The parse result of one frame: reusable mutable objects with numeric fields only, filled by
// the decoders in place so that the fast path allocates nothing per packet. Field shapes are
// fixed in the constructors (every field initialised) so V8 keeps one hidden class per type.
//
// Validity: a field is meaningful only for the layer that was parsed. Offsets that were not
// reached are -1; other fields of layers that were not reached are 0 / false (or -1 where noted).

import type { Ipv4, Mac } from '../net/addr.js';

/** Why a frame was rejected. 0 is "ok"; every other value names a counter in DROP_REASON_NAMES. */
export const DropReason = {
  OK: 0,
  /** Shorter than an Ethernet header. */
  TRUNCATED_ETH: 1,
  /** 802.1Q TPID present but the tag or the following EtherType is cut off. */
  TRUNCATED_VLAN: 2,
  TRUNCATED_ARP: 3,
  /** ARP that is not Ethernet/IPv4 (htype 1, ptype 0x0800, hlen 6, plen 4) or not request/reply. */
  BAD_ARP: 4,
  /** Fewer than 20 bytes, or fewer than IHL*4 bytes, captured for the IPv4 header. */
  TRUNCATED_IP: 5,
  BAD_IP_VERSION: 6,
  /** IHL < 5. */
  BAD_IHL: 7,
  /** Total length smaller than the header or larger than what was captured. */
  BAD_IP_LENGTH: 8,
  /** An option with a length < 2 or running past the header. */
  BAD_IP_OPTIONS: 9,
  /** Fragment offset + fragment payload past 65535 (the reassembled datagram would be too big). */
  BAD_FRAGMENT: 10,
  IP_CHECKSUM: 11,
  /** The L4 header does not fit in the IP payload. */
  TRUNCATED_L4: 12,
  /** TCP data offset < 5 or past the end of the IP payload. */
  BAD_TCP_OFFSET: 13,
  /** UDP length < 8 or larger than the IP payload. */
  BAD_UDP_LENGTH: 14,
  TCP_CHECKSUM: 15,
  UDP_CHECKSUM: 16,
  ICMP_CHECKSUM: 17,
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

/** Counter names, indexed by drop reason. */
export const DROP_REASON_NAMES: readonly string[] = [
  'ok',
  'truncated-eth',
  'truncated-vlan',
  'truncated-arp',
  'bad-arp',
  'truncated-ip',
  'bad-ip-version',
  'bad-ihl',
  'bad-ip-length',
  'bad-ip-options',
  'bad-fragment',
  'ip-checksum',
  'truncated-l4',
  'bad-tcp-offset',
  'bad-udp-length',
  'tcp-checksum',
  'udp-checksum',
  'icmp-checksum',
];

/** Bits for the `flags` argument of the decoders. */
export const DECODE_VERIFY_IP_CHECKSUM = 1;
/** TCP/UDP (with pseudo header) and ICMP checksums; never for fragments, UDP checksum 0 passes. */
export const DECODE_VERIFY_L4_CHECKSUM = 2;

/** What `PacketMeta.inner` holds. */
export const InnerKind = {
  NONE: 0,
  /** The payload of an IP-in-IP (protocol 4) packet, fully parsed like the outer one. */
  IPIP: 1,
  /**
   * The original datagram quoted in an ICMP error: IP header plus what follows of the first
   * 8 bytes (ports, TCP seq, ICMP type/code/id/seq). `ipTotalLen` is the quoted value and may
   * exceed what is present; `payloadOff` is -1.
   */
  ICMP_QUOTE: 2,
} as const;
export type InnerKind = (typeof InnerKind)[keyof typeof InnerKind];

/** IPv4 + L4 fields. Used for the outer packet (as part of PacketMeta) and for `inner`. */
export class IpMeta {
  // ---- IPv4 ----
  /** Offset of the IPv4 header in the buffer (in a PacketMeta: of whatever follows L2, = l2Len). */
  l3Off = -1;
  /** Offset just past the IPv4 packet: l3Off + ipTotalLen (Ethernet padding excluded). */
  l3End = -1;
  /** Header length in 32-bit words (5..15); options occupy (ihl - 5) * 4 bytes. */
  ihl = 0;
  tos = 0;
  ipTotalLen = 0;
  ipId = 0;
  dontFragment = false;
  moreFragments = false;
  /** Fragment offset in bytes (the header field times 8). */
  fragOffset = 0;
  /** MF set or offset != 0. L4 fields are parsed only when fragOffset is 0. */
  isFragment = false;
  ttl = 0;
  proto = 0;
  /** The header checksum as found in the packet. */
  ipChecksum = 0;
  ipSrc = 0 as Ipv4;
  ipDst = 0 as Ipv4;

  // ---- L4 (common) ----
  /** Offset of the L4 header (for IP-in-IP: of the inner IPv4 header); -1 if not reached. */
  l4Off = -1;
  /** Start of the L4 payload (after TCP options / the UDP or ICMP header); -1 if not reached. */
  payloadOff = -1;
  /** Bytes from payloadOff to the end of the L4 data (UDP: udpLen - 8; else up to l3End). */
  payloadLen = 0;
  /** TCP/UDP ports (0 for other protocols). */
  sport = 0;
  dport = 0;
  /** The TCP/UDP/ICMP checksum as found in the packet. */
  l4Checksum = 0;

  // ---- TCP ----
  /** FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 ECE 0x40 CWR 0x80. */
  tcpFlags = 0;
  seq = 0;
  ack = 0;
  window = 0;
  /** Header length in 32-bit words (5..15). */
  tcpDataOffset = 0;
  urgentPtr = 0;
  /** MSS option value, -1 if absent. */
  mss = -1;
  /** Window scale shift count, -1 if absent. */
  wscale = -1;
  sackPermitted = false;
  /** Number of SACK blocks in a SACK option (0 if none). */
  sackBlocks = 0;
  hasTimestamps = false;
  tsVal = 0;
  tsEcr = 0;
  /** False when the option walk met a length byte that is < 2 or runs past the header. */
  tcpOptionsOk = true;

  // ---- UDP ----
  /** The UDP length field (header included). */
  udpLen = 0;

  // ---- ICMP ----
  icmpType = 0;
  icmpCode = 0;
  /** Identifier and sequence number of echo request/reply (0 otherwise). */
  icmpId = 0;
  icmpSeq = 0;
  /** For error messages (3, 4, 5, 11, 12): offset of the quoted IP header, else -1. */
  icmpInnerOff = -1;

  /** Back to the "nothing parsed" state. */
  resetIp(): void {
    this.l3Off = -1;
    this.l3End = -1;
    this.ihl = 0;
    this.tos = 0;
    this.ipTotalLen = 0;
    this.ipId = 0;
    this.dontFragment = false;
    this.moreFragments = false;
    this.fragOffset = 0;
    this.isFragment = false;
    this.ttl = 0;
    this.proto = 0;
    this.ipChecksum = 0;
    this.ipSrc = 0 as Ipv4;
    this.ipDst = 0 as Ipv4;
    this.l4Off = -1;
    this.payloadOff = -1;
    this.payloadLen = 0;
    this.sport = 0;
    this.dport = 0;
    this.l4Checksum = 0;
    this.tcpFlags = 0;
    this.seq = 0;
    this.ack = 0;
    this.window = 0;
    this.tcpDataOffset = 0;
    this.urgentPtr = 0;
    this.mss = -1;
    this.wscale = -1;
    this.sackPermitted = false;
    this.sackBlocks = 0;
    this.hasTimestamps = false;
    this.tsVal = 0;
    this.tsEcr = 0;
    this.tcpOptionsOk = true;
    this.udpLen = 0;
    this.icmpType = 0;
    this.icmpCode = 0;
    this.icmpId = 0;
    this.icmpSeq = 0;
    this.icmpInnerOff = -1;
  }
}

/** Everything `decodeFrame` learns about one frame. Allocate one per worker and reuse it. */
export class PacketMeta extends IpMeta {
  /** The frame length that was decoded (min of the given length and the buffer size). */
  len = 0;

  // ---- Ethernet / 802.1Q ----
  /** 48-bit numbers (see net/addr.ts). */
  dstMac = 0 as Mac;
  srcMac = 0 as Mac;
  /** EtherType after the VLAN tag, if any (0x0800 IPv4, 0x0806 ARP, anything else passes). */
  etherType = 0;
  /** VLAN id 0..4095 of the 802.1Q tag, -1 when untagged. */
  vlanId = -1;
  /** Priority code point of the tag, -1 when untagged. */
  vlanPcp = -1;
  /** Ethernet header length: 14, or 18 with a tag. The tag, when present, sits at offset 12. */
  l2Len = 0;

  // ---- ARP (Ethernet/IPv4) ----
  /** 1 request, 2 reply; 0 when not ARP. */
  arpOp = 0;
  arpSha = 0 as Mac;
  arpSpa = 0 as Ipv4;
  arpTha = 0 as Mac;
  arpTpa = 0 as Ipv4;

  // ---- Encapsulated / quoted packet ----
  /**
   * What `inner` holds (InnerKind). When decodeFrame returns non-zero with innerKind IPIP,
   * it was the inner packet that was malformed.
   */
  innerKind: InnerKind = InnerKind.NONE;
  /** Valid only when innerKind is not NONE. */
  readonly inner = new IpMeta();

  reset(): void {
    this.len = 0;
    this.dstMac = 0 as Mac;
    this.srcMac = 0 as Mac;
    this.etherType = 0;
    this.vlanId = -1;
    this.vlanPcp = -1;
    this.l2Len = 0;
    this.arpOp = 0;
    this.arpSha = 0 as Mac;
    this.arpSpa = 0 as Ipv4;
    this.arpTha = 0 as Mac;
    this.arpTpa = 0 as Ipv4;
    this.innerKind = InnerKind.NONE;
    this.resetIp();
  }
}
