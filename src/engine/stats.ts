// Counters of the dataplane: per port and global, with drops by reason. The reasons extend the
// codec's DropReason (0..17: malformed frames) with the engine's own (why a well-formed frame
// was not forwarded). Counters are plain numbers in typed arrays and fields: bumping one costs
// an increment, no allocation.

import { DROP_REASON_NAMES } from '../packet/meta.js';
import { MAX_PORTS } from '../net/addr.js';

/** Engine drop reasons, numbered after the codec's DropReason values. */
export const EngineDrop = {
  /** The egress port has no backend attached. */
  PORT_DOWN: 18,
  /** `receive` was called with a port outside 1..16 (counted globally only). */
  BAD_PORT: 19,
  /** Tagged with a VLAN the port is not a tagged member of, or untagged on a port with no untagged VLAN. */
  VLAN_NOT_MEMBER: 20,
  /** Addressed to the appliance with an EtherType other than IPv4/ARP (IPv6, LLC, QinQ ...). */
  UNSUPPORTED_ETHERTYPE: 21,
  /** Addressed to the appliance on a VLAN without an (enabled) interface. */
  NO_INTERFACE: 22,
  /** TTL expired in transit (answered with ICMP time exceeded). */
  TTL_EXCEEDED: 23,
  /** No route to the destination (answered with ICMP net unreachable when forwarding). */
  NO_ROUTE: 24,
  /** The ARP pending queue (per next hop or in total) was full. */
  ARP_QUEUE_FULL: 25,
  /** A queued packet's next hop never answered ARP. */
  ARP_UNRESOLVED: 26,
  /** A new flow to a service with no usable real (answered per fail-action). */
  NO_HEALTHY_REAL: 27,
  /** A TCP segment other than a SYN to a VIP with no session (answered with a RST). */
  NO_SESSION: 28,
  /** Traffic to a VIP outside every port boundary (the appliance answers it as a host: RST / ICMP). */
  NO_BOUNDARY: 29,
  /** A new flow that no include filter of the service matched (or an exclude filter did). */
  FILTERED: 30,
  /** The session table refused a new session (full). */
  SESSION_TABLE_FULL: 31,
  /** A non-first IP fragment addressed to a VIP (no ports to match a session with). */
  FRAGMENT: 32,
  /** A packet for the appliance itself that nothing listens to (TCP gets a RST, UDP ICMP port unreachable). */
  NO_LISTENER: 33,
  /** Source address is broadcast, multicast, zero or one of the appliance's own. */
  MARTIAN: 34,
  /** A unicast frame whose destination MAC lives on the port it came in on (filtered, not forwarded). */
  L2_SAME_PORT: 35,
  /** A frame whose source MAC is the appliance's own (a loop or a spoof). */
  OWN_SOURCE_MAC: 36,
  /** The encapsulated packet would not fit (65535 bytes). */
  ENCAP_TOO_BIG: 37,
  /** Broadcast/multicast IP, or an ICMP message the appliance does not act on. */
  IGNORED: 38,
  /** Re-entrant frames deferred while a frame was processed, beyond the deferral queue. */
  REENTRANT_OVERFLOW: 39,
  /** Would exceed the egress MTU once encapsulated (IP-in-IP) and has DF set (answered with ICMP fragmentation needed). */
  FRAG_NEEDED: 40,
} as const;
export type EngineDrop = (typeof EngineDrop)[keyof typeof EngineDrop];

const ENGINE_NAMES: Record<number, string> = {
  18: 'port-down',
  19: 'bad-port',
  20: 'vlan-not-member',
  21: 'unsupported-ethertype',
  22: 'no-interface',
  23: 'ttl-exceeded',
  24: 'no-route',
  25: 'arp-queue-full',
  26: 'arp-unresolved',
  27: 'no-healthy-real',
  28: 'no-session',
  29: 'no-boundary',
  30: 'filtered',
  31: 'session-table-full',
  32: 'fragment',
  33: 'no-listener',
  34: 'martian',
  35: 'l2-same-port',
  36: 'own-source-mac',
  37: 'encap-too-big',
  38: 'ignored',
  39: 'reentrant-overflow',
  40: 'frag-needed',
};

/** Every drop reason's counter name, indexed by reason (codec reasons then engine reasons). */
export const DROP_NAMES: readonly string[] = (() => {
  const out = [...DROP_REASON_NAMES];
  for (let i = out.length; i <= 40; i++) out.push(ENGINE_NAMES[i] ?? `reason-${i}`);
  return out;
})();
export const DROP_COUNT = DROP_NAMES.length;

export class PortStats {
  rxPackets = 0;
  rxBytes = 0;
  txPackets = 0;
  txBytes = 0;
  /** Drops by reason (DROP_NAMES), counted on the port the frame came in on (or should have left by). */
  readonly drops = new Float64Array(DROP_COUNT);

  dropTotal(): number {
    let n = 0;
    for (let i = 1; i < DROP_COUNT; i++) n += this.drops[i]!;
    return n;
  }

  /** The non-zero drop counters by name (allocates; for display and tests). */
  dropsByName(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 1; i < DROP_COUNT; i++) if (this.drops[i]! > 0) out[DROP_NAMES[i]!] = this.drops[i]!;
    return out;
  }

  reset(): void {
    this.rxPackets = this.rxBytes = this.txPackets = this.txBytes = 0;
    this.drops.fill(0);
  }
}

/** Everything the engine counts. `ports[p]` for p in 1..16, and the virtual ports of loopback and tunnel interfaces above (index 0 unused). */
export class EngineStats extends PortStats {
  readonly ports: readonly PortStats[] = Array.from({ length: MAX_PORTS + 1 }, () => new PortStats());
  /** Frames forwarded by the bridge (per egress copy). */
  bridged = 0;
  flooded = 0;
  /** IPv4 packets routed between interfaces. */
  routed = 0;
  /** Packets delivered to the appliance itself (ICMP echo, listeners). */
  local = 0;
  arpRequestsSent = 0;
  arpRepliesSent = 0;
  icmpSent = 0;
  rstSent = 0;
  /** ICMP errors and RSTs not sent because their rate limit was reached. */
  rateLimited = 0;
  /** SLB: sessions created, and packets that followed an existing session (both directions). */
  sessionsCreated = 0;
  slbPackets = 0;
  /** Frames the health checker sent through ProbeIo. */
  probesSent = 0;
  /** Paths to reals resolved again (a per-binding path cache miss: first use, or a change it depends on). */
  pathResolves = 0;

  override reset(): void {
    super.reset();
    for (const p of this.ports) p.reset();
    this.bridged = this.flooded = this.routed = this.local = 0;
    this.arpRequestsSent = this.arpRepliesSent = this.icmpSent = this.rstSent = this.rateLimited = 0;
    this.sessionsCreated = this.slbPackets = this.probesSent = this.pathResolves = 0;
  }
}
