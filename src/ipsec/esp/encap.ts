// ESP as an encapsulation step (src/engine/encap.ts): the outer IPv4 header, a UDP header when
// the SA is UDP-encapsulated (RFC 3948: 4500 -> the peer's port, checksum 0), and the ESP
// packet of the inner one. The outer header takes the inner TOS, TTL 64, DF clear (a packet too
// big for the path is fragmented outside, see fragmentOuter).

import type { EncapStep } from '../../engine/encap.js';
import { writeU16 } from '../../packet/bytes.js';
import { IPPROTO_UDP, IP_FLAG_DF, IPV4_HEADER_LEN, writeIpv4Header, writeIpv4Fragment } from '../../packet/ipv4.js';
import { writeUdpHeader } from '../../packet/udp.js';
import type { EspSa } from './esp-sa.js';

export const IPPROTO_ESP = 50;
export const OUTER_TTL = 64;

export class EspEncap implements EncapStep {
  readonly name = 'esp';
  /** UDP encapsulation: our port and the peer's (null: raw ESP, protocol 50). */
  natT: { sport: number; dport: number } | null = null;

  constructor(public sa: EspSa) {}

  get overhead(): number {
    return IPV4_HEADER_LEN + (this.natT ? 8 : 0) + this.sa.maxOverhead;
  }

  wrap(out: Uint8Array, off: number, src: Uint8Array, srcOff: number, len: number, outerSrc: number, outerDst: number, df: boolean, id: number): number {
    const udp = this.natT !== null;
    const espOff = off + IPV4_HEADER_LEN + (udp ? 8 : 0);
    const n = this.sa.encrypt(out, espOff, src, srcOff, len);
    if (n < 0) return -1;
    const total = espOff + n - off;
    if (udp) writeUdpHeader(out, off + IPV4_HEADER_LEN, this.natT!.sport, this.natT!.dport, 8 + n);
    const tos = src[srcOff + 1]!;
    writeIpv4Header(out, off, outerSrc, outerDst, udp ? IPPROTO_UDP : IPPROTO_ESP, total, OUTER_TTL, id, df ? IP_FLAG_DF : 0, tos);
    return total;
  }
}

/**
 * Splits the IPv4 packet src[0, len) into fragments of at most `mtu` bytes, each written to
 * `scratch` and handed to `send`. Returns false if any send failed.
 */
export function fragmentOuter(src: Uint8Array, len: number, mtu: number, scratch: Uint8Array, send: (b: Uint8Array, n: number) => boolean): boolean {
  const hlen = (src[0]! & 0x0f) * 4;
  const payload = len - hlen;
  const step = Math.floor((mtu - hlen) / 8) * 8;
  writeU16(src, 6, 0);
  let ok = true;
  for (let start = 0; start < payload; start += step) {
    const n = writeIpv4Fragment(scratch, 0, src, 0, len, start, Math.min(step, payload - start));
    ok = send(scratch, n) && ok;
  }
  return ok;
}
