// GENEVE as an encapsulation step, the way AWS's Gateway Load Balancer sends to its targets:
// outer IPv4 (TTL 255, id as given, DF as given), UDP 60001 -> 6081 with its checksum, the
// GENEVE header (protocol IPv4, VNI 0) and the three class-0x0108 options. The endpoint and
// attachment ids belong to the step (one step per gateway service); the flow cookie is set for
// each packet before `wrap` (the step is reused, nothing is allocated per packet).

import type { EncapStep } from './encap.js';
import {
  GENEVE_GWLB_OVERHEAD, GENEVE_PORT, GENEVE_PROTO_IPV4, GWLB_OUTER_TTL, GWLB_SOURCE_PORT, writeGwlbPacket, type GeneveOuter,
} from '../packet/geneve.js';

export class GeneveGwlbStep implements EncapStep {
  readonly name = 'geneve';
  readonly overhead = GENEVE_GWLB_OVERHEAD;
  private endpointHi = 0;
  private endpointLo = 0;
  private attachmentHi = 0;
  private attachmentLo = 0;
  private cookie = 0;
  private readonly outer: GeneveOuter = {
    outerSrc: 0, outerDst: 0, sport: GWLB_SOURCE_PORT, dport: GENEVE_PORT, ttl: GWLB_OUTER_TTL, id: 0, df: false, tos: 0,
    protocol: GENEVE_PROTO_IPV4, vni: 0,
  };

  constructor(endpointHi = 0, endpointLo = 0, attachmentHi = 0, attachmentLo = 0) {
    this.setIds(endpointHi, endpointLo, attachmentHi, attachmentLo);
  }

  /** Options 1 and 2: the GWLB endpoint id and the attachment id, as two 32-bit halves each. */
  setIds(endpointHi: number, endpointLo: number, attachmentHi: number, attachmentLo: number): void {
    this.endpointHi = endpointHi >>> 0;
    this.endpointLo = endpointLo >>> 0;
    this.attachmentHi = attachmentHi >>> 0;
    this.attachmentLo = attachmentLo >>> 0;
  }

  /** Option 3 of the next packets: the flow's cookie. */
  setFlowCookie(cookie: number): void {
    this.cookie = cookie >>> 0;
  }

  wrap(out: Uint8Array, off: number, src: Uint8Array, srcOff: number, len: number,
    outerSrc: number, outerDst: number, df: boolean, id: number): number {
    const o = this.outer;
    o.outerSrc = outerSrc;
    o.outerDst = outerDst;
    o.df = df;
    o.id = id;
    return writeGwlbPacket(out, off, src, srcOff, len, o, this.endpointHi, this.endpointLo, this.attachmentHi, this.attachmentLo, this.cookie);
  }
}

/** "2356de92d389839c" -> [0x2356de92, 0xd389839c]; anything that is not 16 hex digits gives [0, 0]. */
export function idHalves(hex: string): [number, number] {
  if (!/^[0-9a-f]{16}$/i.test(hex)) return [0, 0];
  return [parseInt(hex.slice(0, 8), 16) >>> 0, parseInt(hex.slice(8), 16) >>> 0];
}
