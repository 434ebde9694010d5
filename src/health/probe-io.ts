// What the health checker needs from the dataplane: send packets the appliance originates
// (through the same routing, ARP and IP-in-IP encapsulation as SLB traffic) and get back the
// packets addressed to the appliance. The engine implements it; unit tests use a fake.

import type { Ipv4, Mac } from '../net/addr.js';
import type { PacketMeta } from '../packet/meta.js';
import type { Clock } from '../util/clock.js';

export interface LocalPacket {
  /** The whole frame as received and its decoded fields (outer packet; `meta.inner` for IP-in-IP). */
  readonly frame: Uint8Array;
  readonly len: number;
  readonly meta: PacketMeta;
  /** Appliance port it arrived on. */
  readonly port: number;
}

/**
 * What a listener takes: TCP/UDP by local port, ICMP echo replies by identifier, every ICMP
 * error, or every packet of another IP protocol (`raw`: ESP 50, VRRP 112 ...).
 */
export type ListenFilter =
  | { readonly proto: 6 | 17; readonly localPort: number }
  | { readonly proto: 1; readonly icmpId: number }
  | { readonly proto: 'icmp-error' }
  | { readonly proto: 'raw'; readonly ipProto: number };

export interface ProbeIo {
  readonly clock: Clock;
  /** The address of the interface the appliance would use to reach `dst`, or null when unroutable. */
  sourceFor(dst: Ipv4): Ipv4 | null;
  /**
   * Sends an IPv4 packet (header included, checksums done) as the appliance. With `tunnelTo`
   * it is wrapped in IP-in-IP first: outer source = the egress interface address, outer
   * destination = `tunnelTo`. Returns false when there is no route (nothing was sent).
   */
  sendIpv4(packet: Uint8Array, len: number, tunnelTo?: Ipv4): boolean;
  /**
   * Packets addressed to one of the appliance's own addresses (or to a VIP, for the replies of
   * tunnel checks that come back from VIP:port) that the engine does not consume itself:
   * TCP and UDP by local port, ICMP echo replies by identifier, ICMP errors (all of them:
   * the listener matches the quoted packet). Returns the function that stops listening.
   */
  listen(filter: ListenFilter, handler: (p: LocalPacket) => void): () => void;
  /** Records a neighbour seen in a reply (the appliance learns a real's MAC from its answers). */
  learnNeighbor(ip: Ipv4, mac: Mac, port: number): void;
}
