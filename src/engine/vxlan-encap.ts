// VXLAN as an encapsulation step (MAC-in-UDP, RFC 7348): one step per (VNI, destination port).
// The outer UDP source port comes from a hash of the inner flow, as Linux's udp_flow_src_port
// does, so that the underlay's ECMP and RSS spread flows while each flow keeps one path: the
// 5-tuple of an inner IPv4 TCP/UDP packet (not of a fragment), the addresses and protocol
// of other IPv4, the MACs and EtherType of anything else. The checksum is 0 (RFC 7348 5).

import { readU32 } from '../packet/bytes.js';
import { ETHERTYPE_IPV4, ETHERTYPE_VLAN } from '../packet/ethernet.js';
import { IP_FLAG_MF, IP_FRAG_OFFSET_MASK, IPPROTO_TCP, IPPROTO_UDP } from '../packet/ipv4.js';
import { VXLAN_OVERHEAD, wrapVxlan } from '../packet/vxlan.js';
import type { EncapStep } from './encap.js';
import { flowHash, fmix32, mix32 } from './lb/hash.js';

/** Linux's source-port range for tunnels (net.ipv4.ip_local_port_range: 32768-60999). */
export const VXLAN_SPORT_MIN = 32768;
export const VXLAN_SPORT_MAX = 60999;

/** A hash of the flow of the Ethernet frame f[off, off+len) (int32). */
export function innerFlowHash(f: Uint8Array, off: number, len: number): number {
  const end = off + len;
  let l2 = off + 14;
  if (l2 > end) return 0;
  let type = (f[l2 - 2]! << 8) | f[l2 - 1]!;
  if (type === ETHERTYPE_VLAN && l2 + 4 <= end) {
    l2 += 4;
    type = (f[l2 - 2]! << 8) | f[l2 - 1]!;
  }
  if (type === ETHERTYPE_IPV4 && l2 + 20 <= end && (f[l2]! >>> 4) === 4) {
    const ihl = (f[l2]! & 0x0f) * 4;
    const proto = f[l2 + 9]!;
    const src = readU32(f, l2 + 12), dst = readU32(f, l2 + 16);
    const frag = ((f[l2 + 6]! << 8) | f[l2 + 7]!) & (IP_FLAG_MF | IP_FRAG_OFFSET_MASK);
    const l4 = l2 + ihl;
    if ((proto === IPPROTO_TCP || proto === IPPROTO_UDP) && frag === 0 && l4 + 4 <= end) {
      return flowHash(proto, src, (f[l4]! << 8) | f[l4 + 1]!, dst, (f[l4 + 2]! << 8) | f[l4 + 3]!);
    }
    return flowHash(proto, src, 0, dst, 0);
  }
  // The MACs and the EtherType.
  let h = mix32(0x7e5a, (f[off]! << 24) | (f[off + 1]! << 16) | (f[off + 2]! << 8) | f[off + 3]!);
  h = mix32(h, (f[off + 4]! << 24) | (f[off + 5]! << 16) | (f[off + 6]! << 8) | f[off + 7]!);
  h = mix32(h, (f[off + 8]! << 24) | (f[off + 9]! << 16) | (f[off + 10]! << 8) | f[off + 11]!);
  return fmix32(mix32(h, type) ^ 16);
}

/** The outer UDP source port for the inner frame f[off, off+len): in [VXLAN_SPORT_MIN, VXLAN_SPORT_MAX). */
export function vxlanSourcePort(f: Uint8Array, off: number, len: number): number {
  const h = innerFlowHash(f, off, len) >>> 0;
  return VXLAN_SPORT_MIN + Math.floor((h * (VXLAN_SPORT_MAX - VXLAN_SPORT_MIN)) / 0x100000000);
}

/** VXLAN toward one VNI and destination port. */
export class VxlanEncap implements EncapStep {
  readonly name = 'vxlan';
  readonly overhead = VXLAN_OVERHEAD;

  constructor(readonly vni: number, readonly dport: number) {}

  wrap(out: Uint8Array, off: number, src: Uint8Array, srcOff: number, len: number,
    outerSrc: number, outerDst: number, df: boolean, id: number): number {
    return wrapVxlan(out, off, src, srcOff, len, outerSrc, outerDst, vxlanSourcePort(src, srcOff, len), this.dport, this.vni, df, id);
  }
}
