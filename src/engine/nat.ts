// The encap/NAT stage: what each NAT mode does to a packet of a session on its way out.
// The packet has been copied into the engine's output buffer and its meta shifted to match
// (shiftMeta); these rewrite it in place with incremental checksums (packet/rewrite.ts) or
// wrap it (packet/ipip.ts). No allocation.

import type { IpMeta } from '../packet/meta.js';
import { IPIP_ENCAP } from './encap.js';
import {
  rewriteDstPort, rewriteIpv4Dst, rewriteIpv4Src, rewriteQuotedAddrPort, rewriteSrcPort, setDscp,
} from '../packet/rewrite.js';

/** Moves every offset of `m` by `delta` (after the packet was copied to another offset/buffer). */
export function shiftMeta(m: IpMeta, delta: number): void {
  if (delta === 0) return;
  m.l3Off += delta;
  m.l3End += delta;
  if (m.l4Off >= 0) m.l4Off += delta;
  if (m.payloadOff >= 0) m.payloadOff += delta;
  if (m.icmpInnerOff >= 0) m.icmpInnerOff += delta;
}

/** nat, client -> real: destination VIP:vport becomes RIP:rport (rport 0 keeps the port). */
export function natToReal(buf: Uint8Array, m: IpMeta, rip: number, rport: number): void {
  rewriteIpv4Dst(buf, m, rip);
  if (rport !== 0 && rport !== m.dport) rewriteDstPort(buf, m, rport);
}

/** nat, real -> client: source RIP:rport becomes VIP:vport. */
export function natToClient(buf: Uint8Array, m: IpMeta, vip: number, vport: number): void {
  rewriteIpv4Src(buf, m, vip);
  if (vport !== m.sport) rewriteSrcPort(buf, m, vport);
}

/**
 * nat, an ICMP error from the real's side (the real, or a router on the way to it) about a
 * client -> real packet, on its way to the client: the quoted destination RIP:rport becomes
 * VIP:vport again, and the outer source becomes the VIP. The outer source is rewritten
 * whoever sent the error, as conntrack does (nf_nat_icmp_reply_translation sets the outer
 * header to the inverse of the connection's original tuple, VIP -> client, for a DNAT
 * connection; LVS's ip_vs_nat_icmp sets the source to the VIP likewise): the client never
 * learns the RIP or addresses behind the appliance.
 * `q` is the quote (`inner`); `m` the outer packet. Checksums: see rewriteQuotedAddrPort.
 */
export function natIcmpToClient(buf: Uint8Array, m: IpMeta, q: IpMeta, vip: number, vport: number): void {
  rewriteQuotedAddrPort(buf, m, q, true, vip, vport);
  rewriteIpv4Src(buf, m, vip);
}

/**
 * nat, an ICMP error from the client's side about a real -> client answer (sent to the VIP, the
 * answer's source), on its way to the real: the quoted source VIP:vport becomes RIP:rport and
 * the outer destination the RIP; the outer source is kept (conntrack: DNAT of the outer header).
 */
export function natIcmpToReal(buf: Uint8Array, m: IpMeta, q: IpMeta, rip: number, rport: number): void {
  rewriteQuotedAddrPort(buf, m, q, false, rip, rport);
  rewriteIpv4Dst(buf, m, rip);
}

/**
 * l3dsr-dscp, client -> real: the destination VIP becomes the RIP (ports kept), so the packet
 * is routed to the real across any L3 hop, and the DSCP (ECN bits kept) tells the real which
 * VIP it was for: the real restores the VIP from it and answers the client from the VIP.
 */
export function dscpToReal(buf: Uint8Array, m: IpMeta, rip: number, dscp: number): void {
  rewriteIpv4Dst(buf, m, rip);
  setDscp(buf, m, dscp);
}

/**
 * l3dsr-iptunnel: writes at out[off] the IPv4 packet src[ipOff, ipOff+ipLen) unchanged inside
 * IP-in-IP from `outerSrc` to `rip` (TTL 64, TOS copied from the inner header, DF as `df`: the
 * inner packet's). Returns the outer packet's length or -1 (too big).
 */
export function tunnelToReal(out: Uint8Array, off: number, src: Uint8Array, ipOff: number, ipLen: number, df: boolean,
  outerSrc: number, rip: number, ipId: number): number {
  return IPIP_ENCAP.wrap(out, off, src, ipOff, ipLen, outerSrc, rip, df, ipId);
}

/**
 * l3dsr-iptunnel, a packet too big for the tunnel whose DF is clear: as tunnelToReal, for the
 * fragment of the IPv4 packet src[m.l3Off, m.l3End) that carries its payload bytes [dataStart,
 * dataStart+dataLen) (a multiple of 8). Returns the outer packet's length or -1.
 */
export function tunnelFragmentToReal(
  out: Uint8Array, off: number, src: Uint8Array, m: IpMeta, dataStart: number, dataLen: number, outerSrc: number, rip: number,
  ipId: number,
): number {
  return IPIP_ENCAP.wrapFragment(out, off, src, m.l3Off, m.l3End - m.l3Off, dataStart, dataLen, outerSrc, rip, ipId);
}
