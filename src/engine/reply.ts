// Packets the appliance answers with as a host: TCP RST, ICMP errors and echo replies. Each
// writer puts an IPv4 packet (header + payload, checksums done) at out[off...] and returns
// its length; the caller routes it. No allocation.

import { copyBytes, writeU16 } from '../packet/bytes.js';
import { internetChecksum } from '../packet/checksum.js';
import { ICMP_ECHO_REPLY, writeIcmpError } from '../packet/icmp.js';
import { IP_FLAG_DF, IPPROTO_ICMP, IPPROTO_TCP, IPV4_HEADER_LEN, writeIpv4Header } from '../packet/ipv4.js';
import type { IpMeta } from '../packet/meta.js';
import { TCP_ACK, TCP_FIN, TCP_HEADER_LEN, TCP_RST, TCP_SYN, setTcpChecksum, writeTcpHeader } from '../packet/tcp.js';

export const HOST_TTL = 64;

/**
 * The RST answering the TCP segment `m` (RFC 9293 3.10.7.1): from its destination to its
 * source; if the segment had ACK, `seq = its ack` and no ACK flag; otherwise `seq 0`,
 * `ack = seq + length (SYN and FIN count one)`, flags RST|ACK. Window 0, no options.
 */
export function writeRst(out: Uint8Array, off: number, m: IpMeta, ipId: number): number {
  const len = IPV4_HEADER_LEN + TCP_HEADER_LEN;
  writeIpv4Header(out, off, m.ipDst, m.ipSrc, IPPROTO_TCP, len, HOST_TTL, ipId, IP_FLAG_DF, 0);
  const l4 = off + IPV4_HEADER_LEN;
  if ((m.tcpFlags & TCP_ACK) !== 0) {
    writeTcpHeader(out, l4, m.dport, m.sport, m.ack, 0, TCP_RST, 0);
  } else {
    const segLen = m.payloadLen + ((m.tcpFlags & TCP_SYN) !== 0 ? 1 : 0) + ((m.tcpFlags & TCP_FIN) !== 0 ? 1 : 0);
    writeTcpHeader(out, l4, m.dport, m.sport, 0, (m.seq + segLen) >>> 0, TCP_RST | TCP_ACK, 0);
  }
  setTcpChecksum(out, l4, TCP_HEADER_LEN, m.ipDst, m.ipSrc);
  return len;
}

/**
 * An ICMP error from `src` about the IPv4 packet frame[m.l3Off, m.l3End) (its header + 8 bytes
 * quoted), addressed to that packet's source.
 */
export function writeIcmpErrorPacket(
  out: Uint8Array, off: number, src: number, type: number, code: number, frame: Uint8Array, m: IpMeta, ipId: number,
): number {
  const n = writeIcmpError(out, off + IPV4_HEADER_LEN, type, code, 0, frame, m.l3Off, m.l3End);
  writeIpv4Header(out, off, src, m.ipSrc, IPPROTO_ICMP, IPV4_HEADER_LEN + n, HOST_TTL, ipId, 0, 0xc0);
  return IPV4_HEADER_LEN + n;
}

/** The echo reply to the echo request `m` (in `frame`), from its destination. IP options are not copied. */
export function writeEchoReply(out: Uint8Array, off: number, frame: Uint8Array, m: IpMeta, ipId: number): number {
  const icmpLen = m.l3End - m.l4Off;
  const l4 = off + IPV4_HEADER_LEN;
  copyBytes(out, l4, frame, m.l4Off, icmpLen);
  out[l4] = ICMP_ECHO_REPLY;
  out[l4 + 1] = 0;
  writeU16(out, l4 + 2, 0);
  writeU16(out, l4 + 2, internetChecksum(out, l4, icmpLen));
  writeIpv4Header(out, off, m.ipDst, m.ipSrc, IPPROTO_ICMP, IPV4_HEADER_LEN + icmpLen, HOST_TTL, ipId, 0, m.tos);
  return IPV4_HEADER_LEN + icmpLen;
}
