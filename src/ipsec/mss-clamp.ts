// MSS clamping of TCP SYNs crossing a VTI (EdgeOS `firewall options mss-clamp interface-type vti`,
// iptables' TCPMSS --set-mss): a SYN whose MSS option is above the limit gets the limit, and
// its checksum is updated incrementally (RFC 1624). In place, no allocation; any packet it
// does not understand is left alone.

import { readU16, writeU16 } from '../packet/bytes.js';
import { checksumUpdate16 } from '../packet/checksum.js';
import { IPPROTO_TCP, IP_FRAG_OFFSET_MASK } from '../packet/ipv4.js';
import { TCP_CHECKSUM_OFF, TCP_RST, TCP_SYN, TCPOPT_EOL, TCPOPT_MSS, TCPOPT_NOP } from '../packet/tcp.js';

/** Clamps the MSS of the IPv4 packet buf[off, off+len); returns whether it changed it. */
export function clampMss(buf: Uint8Array, off: number, len: number, mss: number): boolean {
  if (len < 40 || (buf[off]! >>> 4) !== 4 || buf[off + 9] !== IPPROTO_TCP) return false;
  if ((readU16(buf, off + 6) & IP_FRAG_OFFSET_MASK) !== 0) return false;
  const ihl = (buf[off]! & 0x0f) * 4;
  const tcp = off + ihl;
  if (ihl < 20 || tcp + 20 > off + len) return false;
  const flags = buf[tcp + 13]!;
  if ((flags & TCP_SYN) === 0 || (flags & TCP_RST) !== 0) return false;
  const doff = (buf[tcp + 12]! >>> 4) * 4;
  const end = tcp + doff;
  if (doff < 20 || end > off + len) return false;
  for (let i = tcp + 20; i < end;) {
    const kind = buf[i]!;
    if (kind === TCPOPT_EOL) return false;
    if (kind === TCPOPT_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= end) return false;
    const olen = buf[i + 1]!;
    if (olen < 2 || i + olen > end) return false;
    if (kind === TCPOPT_MSS && olen === 4) {
      const cur = readU16(buf, i + 2);
      if (cur <= mss) return false;
      writeU16(buf, i + 2, mss);
      // The MSS value is a 16-bit word of the segment only when it sits at an even offset from the TCP header.
      const c = readU16(buf, tcp + TCP_CHECKSUM_OFF);
      if (((i + 2 - tcp) & 1) === 0) writeU16(buf, tcp + TCP_CHECKSUM_OFF, checksumUpdate16(c, cur, mss));
      else {
        const next = i + 4 < off + len ? buf[i + 4]! : 0;
        const w0 = (buf[i + 1]! << 8) | (cur >>> 8), w1 = ((cur & 0xff) << 8) | next;
        const n0 = (buf[i + 1]! << 8) | (mss >>> 8), n1 = ((mss & 0xff) << 8) | next;
        writeU16(buf, tcp + TCP_CHECKSUM_OFF, checksumUpdate16(checksumUpdate16(c, w0, n0), w1, n1));
      }
      return true;
    }
    i += olen;
  }
  return false;
}
