// What the show commands read from the dataplane: counters, health, sessions. The engine
// implements it; an appliance without a running engine reports an idle one.

import type { Rib } from '../routing/index.js';
import type { Ipv4, Mac } from '../net/addr.js';
import type { HcId, RealId } from '../config/model.js';
import type { BackendCounter } from '../ports/backend.js';

export type Health = 'ACT' | 'DEACT' | 'INACT';

export interface RealRuntime {
  readonly health: Health;
  readonly cause: string;
  /** Clock time (ms) of the last health change. */
  readonly since: number;
  readonly currentSessions: number;
  readonly totalSessions: number;
}

export interface HcResult {
  /** null: not probed yet. */
  readonly up: boolean | null;
  readonly rttMs: number;
}

export interface SessionRow {
  readonly proto: 'tcp' | 'udp' | 'icmp';
  readonly origSrc: Ipv4; readonly origSport: number; readonly origDst: Ipv4; readonly origDport: number;
  readonly replySrc: Ipv4; readonly replySport: number; readonly replyDst: Ipv4; readonly replyDport: number;
  readonly slb: string;
  readonly real: RealId;
}

/** One neighbour as `ip neigh show` prints it (`show ip neighbors`). */
export interface NeighborRow {
  readonly addr: Ipv4;
  readonly iface: string;
  /** null: no MAC (INCOMPLETE, FAILED). */
  readonly mac: Mac | null;
  /** Linux's name of the state: REACHABLE, STALE, PERMANENT... */
  readonly state: string;
}

/** One target of a gateway SLB (nat-mode geneve), for `show info slb`. */
export interface GeneveTargetRow {
  readonly real: RealId;
  /** Flows on it now, and since it joined. */
  readonly flows: number;
  readonly totalFlows: number;
  /** Wrapped packets sent to it and returns accepted from it (outer bytes). */
  readonly txPackets: number;
  readonly txBytes: number;
  readonly rxPackets: number;
  readonly rxBytes: number;
  /** Returns from it refused (no known flow of this target, another cookie or other ids). */
  readonly rxRefused: number;
}

export interface ArpRow {
  readonly addr: Ipv4;
  readonly mac: Mac | null;
  readonly iface: string;
  readonly port: number | null;
  readonly ageSec: number;
  readonly state: 'complete' | 'incomplete' | 'static';
}

/** One health check's probing of one target, for `show health-check status`. */
export interface HcTargetRow {
  readonly hc: HcId;
  /** Probe destination (the Inner TIP for tunnel checks). */
  readonly dst: Ipv4;
  readonly port: number;
  /** Outer destination of a tunnel check. */
  readonly tunnelTo: Ipv4 | null;
  /** null before the first result. */
  readonly up: boolean | null;
  readonly rttMs: number;
  readonly cause: string;
  /** Clock ms of the last up/down change (0 if none yet). */
  readonly sinceMs: number;
  readonly probes: number;
  /** Who uses it: `slb <name> real <id>` / `route <prefix> <gateway>`. */
  readonly users: readonly string[];
}

export interface RouteRuntime {
  /** A route bound to a health check: whether it is installed. */
  routeUp(dest: string, gateway: Ipv4): boolean | null;
  /** The routing table the engine forwards with, and interface names by index (null: no engine). */
  routing(): RoutingView | null;
}

/** Traffic and drop counters, since start or the last `clearCounters`. */
export interface TrafficCounters {
  readonly rxPackets: number;
  readonly rxBytes: number;
  readonly txPackets: number;
  readonly txBytes: number;
  readonly dropTotal: number;
  /** The non-zero drop counters by reason name, in reason order. */
  readonly drops: Readonly<Record<string, number>>;
}

export interface PortCounters extends TrafficCounters {
  /** The attached backend's name (a lab link, `linux:IFNAME`); null: nothing attached. */
  readonly attached: string | null;
}

export interface EngineCounters extends TrafficCounters {
  readonly slbPackets: number;
  readonly sessionsCreated: number;
  readonly currentSessions: number;
  readonly flooded: number;
  /** Unexpected exceptions on the packet path since start (not reset by clearCounters). */
  readonly internalErrors: number;
}

export interface RuntimeView extends RouteRuntime {
  filterHits(slb: string, filterId: number): number;
  serviceHealth(slb: string): Health;
  real(slb: string, real: RealId): RealRuntime;
  hcResult(slb: string, real: RealId, hc: HcId): HcResult;
  hcState(hc: HcId): { up: boolean | null };
  hcTargets(hc?: HcId): readonly HcTargetRow[];
  cps(slb: string): number;
  sessions(): Iterable<SessionRow>;
  clearSessions(slb?: string): number;
  arp(): readonly ArpRow[];
  /** Counters of switch port 1..16. */
  portCounters(port: number): PortCounters;
  /** The own counters of the backend on the port (empty: none attached, or it keeps none). */
  backendCounters(port: number): readonly BackendCounter[];
  engineCounters(): EngineCounters;
  /** Zeroes the engine's traffic and drop counters, global and per port. */
  clearCounters(): void;
  /** `clear arp`: forgets the resolved neighbours (they are asked again when next needed); how many. */
  clearArp?(): number;
  /** The neighbour table with Linux's states (`show ip neighbors`). */
  neighbors?(): readonly NeighborRow[];
  /** The targets of a gateway SLB (nat-mode geneve) with their counters, in the SLB's real order. */
  geneveTargets?(slb: string): readonly GeneveTargetRow[];
  /** The gateway's drops that no one target owns (malformed returns, returns from non-targets...), by reason. */
  geneveGatewayDrops?(): Readonly<Record<string, number>>;
}

const NO_TRAFFIC: TrafficCounters = { rxPackets: 0, rxBytes: 0, txPackets: 0, txBytes: 0, dropTotal: 0, drops: {} };

export interface RoutingView {
  readonly rib: Rib;
  interfaceName(ifIdx: number): string;
}

export const IDLE_RUNTIME: RuntimeView = {
  filterHits: () => 0,
  serviceHealth: () => 'DEACT',
  real: () => ({ health: 'INACT', cause: '', since: 0, currentSessions: 0, totalSessions: 0 }),
  hcResult: () => ({ up: null, rttMs: 0 }),
  hcState: () => ({ up: null }),
  hcTargets: () => [],
  cps: () => 0,
  sessions: () => [],
  clearSessions: () => 0,
  arp: () => [],
  routeUp: () => null,
  routing: () => null,
  portCounters: () => ({ ...NO_TRAFFIC, attached: null }),
  backendCounters: () => [],
  engineCounters: () => ({ ...NO_TRAFFIC, slbPackets: 0, sessionsCreated: 0, currentSessions: 0, flooded: 0, internalErrors: 0 }),
  clearCounters: () => {},
};
