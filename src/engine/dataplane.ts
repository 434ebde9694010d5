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
import { Fib, InterfaceTable } from './l3-tables.js';
import { HEADROOM } from './pool.js';
import { SessionTable, StickyTable } from './session/index.js';
import { ServiceTable } from './slb.js';
import { EngineStats } from './stats.js';
import type { L2Stage } from './stage-l2.js';
import type { L3Stage } from './stage-l3.js';
import type { SlbStage } from './stage-slb.js';
import type { Ports } from './ports.js';

export const PORTS = 16;
/** Output buffers: headroom + the largest IPv4 packet + an outer header for IP-in-IP. */
export const OUT_SIZE = HEADROOM + IPV4_MAX_LEN + 64;

export interface DataplaneOptions {
  sessionCapacity: number;
  stickyCapacity: number;
  macCapacity?: number;
  arpMaxPending?: number;
  arpMaxPerHop?: number;
  maxServices: number;
  maxBindings: number;
  seed?: number;
}

export class Dataplane {
  readonly stats = new EngineStats();
  readonly vlans = new VlanTable();
  readonly macs: MacTable;
  readonly ifs = new InterfaceTable();
  readonly fib = new Fib();
  readonly arp: ArpCache;
  readonly sessions: SessionTable;
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
  /** Arms the housekeeping timer (set by the engine). */
  arm: () => void = () => {};
  timerArmed = false;

  constructor(readonly clock: Clock, readonly baseMac: number, opts: DataplaneOptions) {
    this.sessions = new SessionTable({
      capacity: opts.sessionCapacity, maxServices: opts.maxServices, maxReals: opts.maxBindings, seed: opts.seed,
      onEnd: (sid) => this.slbStage.sessionEnded(sid),
    });
    this.sticky = new StickyTable({ capacity: opts.stickyCapacity, maxServices: opts.maxServices });
    this.slb = new ServiceTable(this.sessions, this.sticky);
    this.macs = new MacTable(opts.macCapacity);
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
    return (this.gen + this.fib.gen + this.arp.gen + this.macs.gen) | 0;
  }

  internalError(e: unknown): void {
    this.internalErrors++;
    this.lastInternalError = e;
  }
}
