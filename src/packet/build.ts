// Convenience frame builders for tests and the lab's simulated hosts.
// These ALLOCATE (a Buffer per frame, option arrays): never call them on the fast path.

import { BROADCAST_MAC } from '../net/addr.js';
import { ARP_REPLY, ARP_REQUEST, writeArp } from './arp.js';
import { ETH_HEADER_LEN, ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_VLAN, VLAN_TAG_LEN, writeEthernet } from './ethernet.js';
import { ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, ICMP_HEADER_LEN, icmpQuoteLen, writeIcmpEcho, writeIcmpError } from './icmp.js';
import { encapsulateIpip } from './ipip.js';
import {
  IP_FLAG_DF, IP_FLAG_MF, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, IPV4_HEADER_LEN, IPV4_MAX_LEN, writeIpv4Header,
} from './ipv4.js';
import {
  TCPOPT_EOL, TCPOPT_MSS, TCPOPT_NOP, TCPOPT_SACK_PERMITTED, TCPOPT_TIMESTAMP, TCPOPT_WSCALE, TCP_HEADER_LEN,
  setTcpChecksum, tcpOptionsLen, writeTcpHeader, type TcpOptionValues,
} from './tcp.js';
import { UDP_HEADER_LEN, setUdpChecksum, writeUdpHeader } from './udp.js';

export const DEFAULT_DST_MAC = 0x020000000002;
export const DEFAULT_SRC_MAC = 0x020000000001;

export interface L2Spec {
  dstMac?: number;
  srcMac?: number;
  /** Adds an 802.1Q tag when given. */
  vlanId?: number;
  pcp?: number;
  /** Zero-pads the frame to at least this many bytes (e.g. 60, the Ethernet minimum). */
  padTo?: number;
}

export interface Ipv4Spec extends L2Spec {
  src: number;
  dst: number;
  /** Default 64. */
  ttl?: number;
  id?: number;
  tos?: number;
  df?: boolean;
  mf?: boolean;
  /** In bytes; a multiple of 8. */
  fragOffset?: number;
}

export type TcpOptionSpec =
  | { kind: 'mss'; value: number }
  | { kind: 'sackOK' }
  | { kind: 'ts'; val: number; ecr: number }
  | { kind: 'nop' }
  | { kind: 'wscale'; value: number }
  | { kind: 'eol' };

export interface TcpFrameSpec extends Ipv4Spec {
  sport: number;
  dport: number;
  seq?: number;
  ack?: number;
  /** TCP_SYN | TCP_ACK ...; default 0. */
  flags?: number;
  /** Default 65535. */
  window?: number;
  urgentPtr?: number;
  /** Written in this order, padded with EOL to a multiple of 4. */
  options?: readonly TcpOptionSpec[];
  payload?: Uint8Array | string;
}

export interface UdpFrameSpec extends Ipv4Spec {
  sport: number;
  dport: number;
  payload?: Uint8Array | string;
  /** False sends checksum 0 (none). Default true. */
  checksum?: boolean;
}

export interface IcmpEchoFrameSpec extends Ipv4Spec {
  /** Echo reply instead of request. */
  reply?: boolean;
  id: number;
  seq: number;
  payload?: Uint8Array | string;
}

export interface IcmpErrorFrameSpec extends Ipv4Spec {
  type: number;
  code: number;
  /** The 32-bit rest-of-header word (next-hop MTU for fragmentation-needed). */
  rest?: number;
  /** The offending Ethernet frame; its IPv4 header + 8 bytes are quoted. */
  original: Uint8Array;
  /** Quote this many bytes of the original IPv4 packet instead (at most what there is). */
  quoteLen?: number;
}

export interface ArpFrameSpec extends L2Spec {
  op: 'request' | 'reply' | number;
  sha: number;
  spa: number;
  /** Default 0 (unknown) for requests. */
  tha?: number;
  tpa: number;
}

export interface IpipSpec extends L2Spec {
  outerSrc: number;
  outerDst: number;
  df?: boolean;
  id?: number;
}

function bytesOf(p: Uint8Array | string | undefined): Uint8Array {
  if (p === undefined) return new Uint8Array(0);
  return typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
}

function l2LenOf(s: L2Spec): number {
  return s.vlanId !== undefined ? ETH_HEADER_LEN + VLAN_TAG_LEN : ETH_HEADER_LEN;
}

function allocFrame(s: L2Spec, len: number): Buffer {
  return Buffer.alloc(Math.max(len, s.padTo ?? 0));
}

function writeL2(buf: Uint8Array, s: L2Spec, etherType: number): number {
  return writeEthernet(buf, 0, s.dstMac ?? DEFAULT_DST_MAC, s.srcMac ?? DEFAULT_SRC_MAC, etherType, s.vlanId ?? -1, s.pcp ?? 0);
}

/** Allocates a frame with Ethernet + IPv4 headers for an L4 part of l4Len bytes; returns it and the L4 offset. */
function ipFrame(s: Ipv4Spec, proto: number, l4Len: number): { buf: Buffer; l4: number } {
  const ipLen = IPV4_HEADER_LEN + l4Len;
  if (ipLen > IPV4_MAX_LEN) throw new RangeError(`IPv4 packet too long: ${ipLen}`);
  const l2 = l2LenOf(s);
  const buf = allocFrame(s, l2 + ipLen);
  writeL2(buf, s, ETHERTYPE_IPV4);
  const frag = (s.df ? IP_FLAG_DF : 0) | (s.mf ? IP_FLAG_MF : 0) | ((s.fragOffset ?? 0) >>> 3);
  writeIpv4Header(buf, l2, s.src, s.dst, proto, ipLen, s.ttl ?? 64, s.id ?? 0, frag, s.tos ?? 0);
  return { buf, l4: l2 + IPV4_HEADER_LEN };
}

const OPTION_KINDS: Record<TcpOptionSpec['kind'], number> = {
  mss: TCPOPT_MSS, sackOK: TCPOPT_SACK_PERMITTED, ts: TCPOPT_TIMESTAMP, nop: TCPOPT_NOP, wscale: TCPOPT_WSCALE, eol: TCPOPT_EOL,
};

export function buildTcpFrame(s: TcpFrameSpec): Buffer {
  const opts = s.options ?? [];
  const order = opts.map((o) => OPTION_KINDS[o.kind]);
  const values: TcpOptionValues = { mss: 0, wscale: 0, tsVal: 0, tsEcr: 0 };
  for (const o of opts) {
    if (o.kind === 'mss') values.mss = o.value;
    else if (o.kind === 'wscale') values.wscale = o.value;
    else if (o.kind === 'ts') {
      values.tsVal = o.val;
      values.tsEcr = o.ecr;
    }
  }
  const payload = bytesOf(s.payload);
  const tcpLen = TCP_HEADER_LEN + tcpOptionsLen(order) + payload.length;
  const { buf, l4 } = ipFrame(s, IPPROTO_TCP, tcpLen);
  const hlen = writeTcpHeader(buf, l4, s.sport, s.dport, s.seq ?? 0, s.ack ?? 0, s.flags ?? 0, s.window ?? 65535,
    order, values, s.urgentPtr ?? 0);
  buf.set(payload, l4 + hlen);
  setTcpChecksum(buf, l4, tcpLen, s.src, s.dst);
  return buf;
}

export function buildUdpFrame(s: UdpFrameSpec): Buffer {
  const payload = bytesOf(s.payload);
  const udpLen = UDP_HEADER_LEN + payload.length;
  const { buf, l4 } = ipFrame(s, IPPROTO_UDP, udpLen);
  writeUdpHeader(buf, l4, s.sport, s.dport, udpLen);
  buf.set(payload, l4 + UDP_HEADER_LEN);
  if (s.checksum !== false) setUdpChecksum(buf, l4, udpLen, s.src, s.dst);
  return buf;
}

export function buildIcmpEchoFrame(s: IcmpEchoFrameSpec): Buffer {
  const payload = bytesOf(s.payload);
  const { buf, l4 } = ipFrame(s, IPPROTO_ICMP, ICMP_HEADER_LEN + payload.length);
  buf.set(payload, l4 + ICMP_HEADER_LEN);
  writeIcmpEcho(buf, l4, s.reply ? ICMP_ECHO_REPLY : ICMP_ECHO_REQUEST, s.id, s.seq, payload.length);
  return buf;
}

/** Quotes the IPv4 packet of `original` (after its Ethernet header and tag). */
export function buildIcmpErrorFrame(s: IcmpErrorFrameSpec): Buffer {
  const o = s.original;
  const ipOff = o.length >= ETH_HEADER_LEN && ((o[12]! << 8) | o[13]!) === ETHERTYPE_VLAN
    ? ETH_HEADER_LEN + VLAN_TAG_LEN : ETH_HEADER_LEN;
  const { buf, l4 } = ipFrame(s, IPPROTO_ICMP, ICMP_HEADER_LEN + icmpQuoteLen(o, ipOff, o.length, s.quoteLen ?? -1));
  writeIcmpError(buf, l4, s.type, s.code, s.rest ?? 0, o, ipOff, o.length, s.quoteLen ?? -1);
  return buf;
}

export function buildArpFrame(s: ArpFrameSpec): Buffer {
  const op = s.op === 'request' ? ARP_REQUEST : s.op === 'reply' ? ARP_REPLY : s.op;
  const tha = s.tha ?? 0;
  const l2 = l2LenOf(s);
  const buf = allocFrame(s, l2 + 28);
  writeEthernet(buf, 0, s.dstMac ?? (op === ARP_REQUEST ? BROADCAST_MAC : tha), s.srcMac ?? s.sha, ETHERTYPE_ARP,
    s.vlanId ?? -1, s.pcp ?? 0);
  writeArp(buf, l2, op, s.sha, s.spa, tha, s.tpa);
  return buf;
}

/**
 * Wraps the IPv4 packet of `inner` (an Ethernet frame, optionally tagged) in an outer IPv4
 * header (protocol 4, TTL 64) and a new Ethernet header. Ethernet padding of `inner` is dropped.
 */
export function buildIpipFrame(inner: Uint8Array, s: IpipSpec): Buffer {
  const ipOff = ((inner[12]! << 8) | inner[13]!) === ETHERTYPE_VLAN ? ETH_HEADER_LEN + VLAN_TAG_LEN : ETH_HEADER_LEN;
  const ipLen = Math.min((inner[ipOff + 2]! << 8) | inner[ipOff + 3]!, inner.length - ipOff);
  const buf = allocFrame(s, l2LenOf(s) + IPV4_HEADER_LEN + ipLen);
  const n = encapsulateIpip(buf, 0, inner, ipOff, ipLen, s.dstMac ?? DEFAULT_DST_MAC, s.srcMac ?? DEFAULT_SRC_MAC,
    s.outerSrc, s.outerDst, s.df ?? false, s.id ?? 0, s.vlanId ?? -1, s.pcp ?? 0);
  if (n < 0) throw new RangeError('cannot encapsulate: packet too long');
  return buf;
}
