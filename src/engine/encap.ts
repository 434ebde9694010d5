// Encapsulations as small pluggable steps. A step wraps a payload (an IPv4 packet for IP-in-IP
// and ESP, an Ethernet frame for VXLAN and GENEVE) in its outer headers from the outer IPv4
// header on; the link header is never a step's business (the port stage writes it, in one
// place). The SLB fast path, its slow path and the health probes use the same step, so a
// tunnel is built one way whoever sends into it.

import { IPV4_HEADER_LEN } from '../packet/ipv4.js';
import { wrapIpip, wrapIpipFragment } from '../packet/ipip.js';

export interface EncapStep {
  readonly name: string;
  /** Bytes the step adds in front of the payload. */
  readonly overhead: number;
  /**
   * Writes at out[off] the outer headers followed by the payload src[srcOff, srcOff+len)
   * (`out` may be `src`). `df`: the outer DF bit. Returns the outer packet's length or -1.
   */
  wrap(out: Uint8Array, off: number, src: Uint8Array, srcOff: number, len: number,
    outerSrc: number, outerDst: number, df: boolean, id: number): number;
}

export interface FragmentingEncapStep extends EncapStep {
  /** Wraps the fragment of the IPv4 packet src[srcOff, srcOff+len) carrying its payload bytes [dataStart, dataStart+dataLen). */
  wrapFragment(out: Uint8Array, off: number, src: Uint8Array, srcOff: number, len: number, dataStart: number, dataLen: number,
    outerSrc: number, outerDst: number, id: number): number;
}

/** IP-in-IP (RFC 2003): l3dsr-iptunnel and the ip-tunnel health checks. */
export const IPIP_ENCAP: FragmentingEncapStep = {
  name: 'ipip',
  overhead: IPV4_HEADER_LEN,
  wrap: wrapIpip,
  wrapFragment: wrapIpipFragment,
};
