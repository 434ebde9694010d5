// A quick look at the frames an established-flow cache can take (src/engine/flow-cache.ts): an
// untagged IPv4 TCP or UDP packet without IP options, not a fragment, valid as decodeFrame would
// find it, and (TCP) without SYN, FIN or RST — nearly every packet of an established flow. It
// reads the few words the cache needs instead of decoding the whole frame into a PacketMeta, as
// Open vSwitch's miniflow extraction does in front of its exact-match cache. decodeFrame stays
// the one full decoder: every frame this refuses goes to it, and a frame this accepts is one
// decodeFrame accepts with the same fields (test/packet/flow-peek.test.ts).

import { verifyChecksum20 } from './checksum.js';
import { DECODE_VERIFY_IP_CHECKSUM, DECODE_VERIFY_L4_CHECKSUM } from './meta.js';
import { TCP_FIN, TCP_RST, TCP_SYN } from './tcp.js';

/** What peekFlow read (one instance, reused). */
export class FlowPeek {
  dstMac = 0;
  srcMac = 0;
  src = 0;
  dst = 0;
  /** sport << 16 | dport (int32). */
  ports = 0;
  proto = 0;
  /** The IPv4 packet: at offset 14, this many bytes (its total length). */
  ipLen = 0;
  dontFragment = false;
  tcpFlags = 0;
}

/** Reads the frame buf[0, len) into `p` when it is such a packet; false (p unspecified) otherwise. */
export function peekFlow(buf: Uint8Array, len: number, flags: number, p: FlowPeek): boolean {
  if (len > buf.length || len < 34 || buf[12] !== 0x08 || buf[13] !== 0x00 || buf[14] !== 0x45) return false;
  if ((flags & DECODE_VERIFY_L4_CHECKSUM) !== 0) return false;
  const total = (buf[16]! << 8) | buf[17]!;
  if (total > len - 14 || ((buf[20]! & 0x3f) | buf[21]!) !== 0) return false; // longer than the frame, MF or an offset
  const proto = buf[23]!;
  let tcpFlags = 0;
  if (proto === 6) {
    if (total < 40) return false;
    const doff = buf[46]! >>> 4;
    tcpFlags = buf[47]!;
    if (doff < 5 || doff * 4 > total - 20 || (tcpFlags & (TCP_SYN | TCP_FIN | TCP_RST)) !== 0) return false;
  } else if (proto === 17) {
    if (total < 28) return false;
    const udpLen = (buf[38]! << 8) | buf[39]!;
    if (udpLen < 8 || udpLen > total - 20) return false;
  } else {
    return false;
  }
  if ((flags & DECODE_VERIFY_IP_CHECKSUM) !== 0 && !verifyChecksum20(buf, 14)) return false;
  p.dstMac = buf[0]! * 0x10000000000 + buf[1]! * 0x100000000 + (((buf[2]! << 24) | (buf[3]! << 16) | (buf[4]! << 8) | buf[5]!) >>> 0);
  p.srcMac = buf[6]! * 0x10000000000 + buf[7]! * 0x100000000 + (((buf[8]! << 24) | (buf[9]! << 16) | (buf[10]! << 8) | buf[11]!) >>> 0);
  p.src = (buf[26]! << 24) | (buf[27]! << 16) | (buf[28]! << 8) | buf[29]!;
  p.dst = (buf[30]! << 24) | (buf[31]! << 16) | (buf[32]! << 8) | buf[33]!;
  p.ports = (buf[34]! << 24) | (buf[35]! << 16) | (buf[36]! << 8) | buf[37]!;
  p.proto = proto;
  p.ipLen = total;
  p.dontFragment = (buf[20]! & 0x40) !== 0;
  p.tcpFlags = tcpFlags;
  return true;
}
