// The state the pipeline stages share: tables, counters, reusable buffers, the clock and the
// identity. One instance per engine; every stage holds it (and the others through it).
//
//   ports (rx accounting, tap) -> l2 (VLAN, learning, bridging) -> l3 (ARP, local, routing)
//     -> slb (boundary, sessions, scheduling) -> nat (encap/rewrite) -> l3 out (ARP, queue)
//     -> ports (tagging per egress port, tap, tx)

import { PacketMeta } from '../packet/meta.js';
import { IPV4_MAX_LEN } from '../packet/ipv4.js';
import type { Clock } from '../util/clock.js';
import { ArpCache } from './arp.js';
import { MacTable, VlanTable } from './l2.js';
import { InterfaceTable, MAX_PORTS } from './interfaces.js';
import { Rib } from '../routing/index.js';
import { ConfigRoutes } from './route-sync.js';
import { hash32 } from './lb/hash.js';
import { HEADROOM } from './pool.js';
import { SessionTable, StickyTable } from './session/index.js';
import { ServiceTable } from './slb.js';
import { EngineStats } from './stats.js';
import { FlowCache } from './flow-cache.js';
import type { L2Stage } from './stage-l2.js';
import type { L3Stage } from './stage-l3.js';
import type { SlbStage } from './stage-slb.js';
import type { Ports } from './ports.js';
import type { OffloadHook } from './offload-hook.js';

/** Physical switch ports (1..PORTS); loopback and tunnel interfaces have virtual ports above them, up to MAX_PORTS. */
export const PORTS = 16;
export { MAX_PORTS };
/** Ports that can be VLAN members (the membership masks are 32 bits): the physical ones and the first virtual ones. */
export const L2_PORTS = 31;
/** Output buffers: headroom + the largest IPv4 packet + an outer header for IP-in-IP. */
export const OUT_SIZE = HEADROOM + IPV4_MAX_LEN + 64;

export interface EngineContextOptions {
  sessionCapacity: number;
  stickyCapacity: number;
  macCapacity?: number;
  arpMaxPending?: number;
  arpMaxPerHop?: number;
  maxServices: number;
  maxBindings: number;
  seed?: number;
  /** Slots of the established-flow cache (a power of two; 0: none). */
  flowCacheSlots: number;
}

export class EngineContext {
  readonly stats = new EngineStats();
  readonly vlans = new VlanTable();
  readonly macs: MacTable;
  readonly ifs = new InterfaceTable();
  /** The routing table the engine forwards with (routes of every source). */
  readonly rib = new Rib();
  /** The running config's routes in the RIB. */
  readonly configRoutes: ConfigRoutes;
  readonly arp: ArpCache;
  readonly sessions: SessionTable;
  /** Established sessions' client-to-real flows, forwarded without the stages (flow-cache.ts), or null. */
  readonly flowCache: FlowCache | null;
  readonly sticky: StickyTable;
  readonly slb: ServiceTable;

  /** The decoded received frame (one, reused). */
  readonly meta = new PacketMeta();
  /** Output buffer of the packet path (packets built at HEADROOM, frames at 0). */
  readonly out = new Uint8Array(OUT_SIZE);
  /** Re-tagging copies for bridging. */
  readonly l2out = new Uint8Array(OUT_SIZE);
  /** ARP requests and replies. */
  readonly arpOut = new Uint8Array(64);
  /** Packets sent through ProbeIo. */
  readonly probeOut = new Uint8Array(OUT_SIZE);

  /** IPv4 multicast groups the appliance joined (their packets go up to its listeners). */
  readonly groups = new Set<number>();
  /** Ingress port of the frame being processed (0 outside receive): drops are counted on it. */
  curPort = 0;
  private ipId = 0;
  /** Bumped on configuration and attach/detach (part of topoGen). */
  gen = 0;
  /** Unexpected exceptions caught on the packet path (should stay 0). */
  internalErrors = 0;
  lastInternalError: unknown = null;

  // The stages, wired by the engine.
  ports!: Ports;
  l2!: L2Stage;
  l3!: L3Stage;
  slbStage!: SlbStage;
  /** Re-injects an IPv4 packet as received on interface `ifIdx` (set by the engine; see Engine.inject). */
  inject: (ifIdx: number, buf: Uint8Array, off: number, len: number) => void = () => {};
  /** Arms the housekeeping timer (set by the engine). */
  arm: () => void = () => {};
  timerArmed = false;
  /** Established-flow offload into the kernel (src/offload/), or null. */
  offload: OffloadHook | null = null;

  constructor(readonly clock: Clock, readonly baseMac: number, opts: EngineContextOptions) {
    this.sessions = new SessionTable({
      capacity: opts.sessionCapacity, maxServices: opts.maxServices, maxReals: opts.maxBindings, seed: opts.seed,
      onEnd: (sid) => this.slbStage.sessionEnded(sid),
    });
    this.flowCache = opts.flowCacheSlots > 0 ? new FlowCache(opts.flowCacheSlots, this.sessions) : null;
    if (this.flowCache !== null) {
      const fc = this.flowCache;
      this.sessions.cacheFlush = (sid) => fc.flush(sid);
    }
    this.sticky = new StickyTable({ capacity: opts.stickyCapacity, maxServices: opts.maxServices });
    this.slb = new ServiceTable(this.sessions, this.sticky);
    this.macs = new MacTable(opts.macCapacity);
    this.configRoutes = new ConfigRoutes(this.rib, this.ifs);
    this.arp = new ArpCache({ maxPending: opts.arpMaxPending, maxPerHop: opts.arpMaxPerHop });
  }

  /** Counts a drop globally and on the current ingress port. */
  drop(reason: number): void {
    this.stats.drops[reason]!++;
    if (this.curPort !== 0) this.stats.ports[this.curPort]!.drops[reason]!++;
  }

  nextIpId(): number {
    this.ipId = (this.ipId + 1) & 0xffff;
    return this.ipId;
  }

  /** Changes whenever routes, ARP, the MAC table, the configuration or the ports change (path caches compare it). */
  topoGen(): number {
    return (this.gen + this.arp.gen + this.macs.gen) | 0;
  }

  /**
   * The next hop toward `dst` for a packet of flow `flowHash` (ECMP picks per flow): its id, or
   * -1 when there is no route. nhIf/nhGw read it; a gateway of 0 means `dst` itself.
   */
  route(dst: number, flowHash: number): number {
    return this.rib.lookup(dst >>> 0, flowHash);
  }

  /** route() for packets the appliance originates, which have no flow yet: hashed on the destination. */
  routeLocal(dst: number): number {
    return this.rib.lookup(dst >>> 0, hash32(dst >>> 0));
  }

  nhIf(nh: number): number {
    return this.rib.nhIfIdx(nh);
  }

  /** The address to resolve for next hop `nh` of a packet to `dst`. */
  nhAddr(nh: number, dst: number): number {
    const gw = this.rib.nhGateway(nh);
    return gw !== 0 ? gw : dst >>> 0;
  }

  /**
   * The source address of what the appliance sends out of interface `ifIdx`: the interface's
   * address, else (an unnumbered interface) a loopback's, else any of its addresses; 0 if none.
   */
  sourceOn(ifIdx: number): number {
    const i = this.ifs.list[ifIdx];
    if (i !== undefined && i.hasAddr) return i.addr;
    let any = 0;
    for (const j of this.ifs.all) {
      if (!j.hasAddr) continue;
      if (j.kind === 'loopback') return j.addr;
      if (any === 0) any = j.addr;
    }
    return any;
  }

  internalError(e: unknown): void {
    this.internalErrors++;
    this.lastInternalError = e;
  }
}
