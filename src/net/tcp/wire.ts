// Segment headers as the stack writes them: the option layouts of its SYNs and SYN-ACKs (Linux:
// mss, sackOK, TS, nop, wscale; Windows: mss, nop, wscale, nop, nop, sackOK), timestamps on
// every later segment, SACK blocks after them (nop, nop, sack), and the segment validity checks
// of the input path.

import { writeU32 } from '../../packet/bytes.js';
import type { IpMeta } from '../../packet/meta.js';
import {
  TCP_HEADER_LEN, TCP_RST, TCP_SYN, TCPOPT_MSS, TCPOPT_NOP, TCPOPT_SACK, TCPOPT_SACK_PERMITTED,
  TCPOPT_TIMESTAMP, TCPOPT_WSCALE, writeTcpHeader, type TcpOptionValues,
} from '../../packet/tcp.js';
import type { TcpProfile } from './profile.js';

const LINUX_SYN = [TCPOPT_MSS, TCPOPT_SACK_PERMITTED, TCPOPT_TIMESTAMP, TCPOPT_NOP, TCPOPT_WSCALE];
const WINDOWS_SYN = [TCPOPT_MSS, TCPOPT_NOP, TCPOPT_WSCALE, TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK_PERMITTED];
/** Options of every segment after the handshake when timestamps are on. */
export const TS_OPTIONS: readonly number[] = [TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TIMESTAMP];
/** Bytes of the timestamp option as written (nop, nop, TS). */
export const TS_OPTIONS_LEN = 12;
/** Largest TCP header. */
export const TCP_MAX_HEADER_LEN = 60;

/** The options of a SYN the profile sends, in its order. */
export function synOptions(p: TcpProfile): number[] {
  let order = p.synLayout === 'windows' ? [...WINDOWS_SYN] : [...LINUX_SYN];
  if (!p.timestamps) order = order.filter((k) => k !== TCPOPT_TIMESTAMP);
  if (!p.sack) order = order.filter((k) => k !== TCPOPT_SACK_PERMITTED);
  return order;
}

/** Linux's SYN-ACK: mss, then only what the peer's SYN offered too. */
export function synAckOptions(ts: boolean, sack: boolean, wscale: boolean): number[] {
  const order = [TCPOPT_MSS];
  if (ts) order.push(...(sack ? [TCPOPT_SACK_PERMITTED] : [TCPOPT_NOP, TCPOPT_NOP]), TCPOPT_TIMESTAMP);
  else if (sack) order.push(TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK_PERMITTED);
  if (wscale) order.push(TCPOPT_NOP, TCPOPT_WSCALE);
  return order;
}

/**
 * Writes a TCP header at buf[0] with the options in `order` and then `sackCount` SACK blocks
 * (wire sequence numbers, start/end pairs in `sack`). Checksum zero. Returns the header length.
 */
export function writeSegmentHeader(
  buf: Uint8Array, sport: number, dport: number, seq: number, ack: number, flags: number, window: number,
  order: readonly number[] | null, values: TcpOptionValues, sack: readonly number[] | null, sackCount: number,
): number {
  let hlen = writeTcpHeader(buf, 0, sport, dport, seq, ack, flags, window, order, values);
  if (sack && sackCount > 0) {
    buf[hlen] = TCPOPT_NOP;
    buf[hlen + 1] = TCPOPT_NOP;
    buf[hlen + 2] = TCPOPT_SACK;
    buf[hlen + 3] = 2 + 8 * sackCount;
    let o = hlen + 4;
    for (let i = 0; i < sackCount; i++) {
      writeU32(buf, o, sack[2 * i]! >>> 0);
      writeU32(buf, o + 4, sack[2 * i + 1]! >>> 0);
      o += 8;
    }
    hlen = o;
    buf[12] = (hlen / 4) << 4;
  }
  return hlen;
}

/** Most SACK blocks that fit next to the given options. */
export function maxSackBlocks(timestamps: boolean): number {
  return timestamps ? 3 : 4;
}

/**
 * True when the decoded segment's offsets fit `buf` and its flags make sense; anything else is
 * dropped without a word (a bad segment never throws).
 */
export function segmentLooksSane(buf: Uint8Array, m: IpMeta): boolean {
  const l4 = m.l4Off;
  const hlen = m.tcpDataOffset * 4;
  if (!Number.isInteger(l4) || l4 < 0 || hlen < TCP_HEADER_LEN || hlen > TCP_MAX_HEADER_LEN) return false;
  if (m.payloadOff !== l4 + hlen || !(m.payloadLen >= 0) || m.payloadOff + m.payloadLen > buf.length) return false;
  if (!Number.isInteger(m.payloadLen)) return false;
  return !((m.tcpFlags & TCP_SYN) && (m.tcpFlags & TCP_RST));
}
