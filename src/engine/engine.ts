// The packet engine: a pipeline of small stages driven by `receive(port, frame, len)`.
//
//   ports.rx -> decode -> l2 (stage-l2.ts: VLAN, learning, bridging)
//            -> l3 (stage-l3.ts: ARP, local delivery, VIP, routing)
//            -> slb (stage-slb.ts: boundary gate, sessions, filters, scheduling)
//            -> encap/nat (nat.ts) -> l3 output (ARP, pending queue) -> ports.tx (tagging, tap)
//
// The stages share one Dataplane (dataplane.ts: tables, counters, buffers, clock); this file
// wires them and is the public face: `configure(cfg)` takes each committed running
// configuration, `attach`/`detach` the port backends, `runtime` answers the show commands,
// and the engine itself is the health checker's ProbeIo and HealthSink. The engine knows
// nothing of the CLI.
//
// Fast path: a packet of an existing session to a VIP costs a decode into one reused
// PacketMeta, a MAC-table refresh, two small hash probes (VIP, session), a copy into the
// output buffer and a header write, using a per-binding cache of the resolved path that a
// generation number invalidates whenever routes, ARP, MAC table or configuration change.
// No per-packet allocation.
//
// Time comes only from the injected Clock. Housekeeping (ARP retries/refresh/expiry, MAC
// ageing, session and sticky expiry) runs on a clock timer armed only while there is state
// to age.
//
// Re-entrancy: a backend may deliver frames synchronously from inside `transmit` (a lab
// link answering at once). Such frames are copied and processed after the current one.

import type { RealId, RunningConfig } from '../config/model.js';
import type { HealthSink } from '../health/health-sink.js';
import type { ProbeIo } from '../health/probe-io.js';
import { formatPrefix, isMulticastMac, maskOf, type Ipv4, type Mac, type Prefix } from '../net/addr.js';
import { copyBytes, readU32 } from '../packet/bytes.js';
import { decodeFrame } from '../packet/decode.js';
import { ETH_HEADER_LEN } from '../packet/ethernet.js';
import { encapsulateIpip } from '../packet/ipip.js';
import { IPV4_MAX_LEN } from '../packet/ipv4.js';
import { DECODE_VERIFY_IP_CHECKSUM, DropReason } from '../packet/meta.js';
import type { CaptureTap, PortBackend } from '../ports/backend.js';
import type { Clock, Timer } from '../util/clock.js';
import { ARP_MAX_TRIES, ARP_REACHABLE_MS, ARP_RETRY_MS, ArpState, type ArpCache } from './arp.js';
import { Dataplane, PORTS } from './dataplane.js';
import type { MacTable, VlanTable } from './l2.js';
import { routeHealthKey, type Fib, type InterfaceTable } from './l3-tables.js';
import { BufferPool, HEADROOM } from './pool.js';
import { Ports } from './ports.js';
import { EngineRuntime } from './runtime-view.js';
import type { SessionTable, StickyTable } from './session/index.js';
import type { ServiceTable } from './slb.js';
import { L2Stage } from './stage-l2.js';
import { L3Stage, type ListenFilter, type LocalHandler } from './stage-l3.js';
import { SlbStage } from './stage-slb.js';
import { EngineDrop, type EngineStats } from './stats.js';

export { PORTS };

export interface EngineIdentity {
  /** The MAC of every data interface. */
  readonly baseMac: Mac;
}

export interface EngineOptions {
  /** Most concurrent sessions (default 65,536). */
  sessionCapacity?: number;
  /** Most sticky entries (default: sessionCapacity). */
  stickyCapacity?: number;
  /** MAC table entries (default 16,384). */
  macCapacity?: number;
  /** Packets waiting for ARP, in total and per next hop (defaults 256 and 16). */
  arpMaxPending?: number;
  arpMaxPerHop?: number;
  /** Service and (service, real) binding index limits of the session table (defaults 4096 / 65,536). */
  maxServices?: number;
  maxBindings?: number;
  /** Verify IPv4 header checksums of received packets (default true). */
  verifyIpChecksum?: boolean;
  /** Housekeeping period in ms (default 1000). */
  housekeepingMs?: number;
  /** Sessions examined per housekeeping tick for expiry (default 65,536). */
  sweepBudget?: number;
  /** Seed of the session-table hash. */
  seed?: number;
}

interface Deferred {
  port: number;
  buf: Uint8Array;
  len: number;
}

export class Engine implements ProbeIo, HealthSink {
  /** What the show commands read (everything but the health checker's own results). */
  readonly runtime: EngineRuntime;
  private readonly dp: Dataplane;
  private readonly ports: Ports;
  private readonly l2: L2Stage;
  private readonly l3: L3Stage;
  private cfg: RunningConfig | null = null;
  private readonly decodeFlags: number;
  private busy = false;
  private readonly deferPool = new BufferPool(64);
  private readonly deferred: Deferred[] = [];
  private timer: Timer | null = null;
  private readonly tickMs: number;
  private readonly sweepBudget: number;

  constructor(readonly clock: Clock, identity: EngineIdentity, opts: EngineOptions = {}) {
    const cap = opts.sessionCapacity ?? 65536;
    const maxBindings = opts.maxBindings ?? 65536;
    const dp = new Dataplane(clock, identity.baseMac, {
      sessionCapacity: cap, stickyCapacity: opts.stickyCapacity ?? cap, macCapacity: opts.macCapacity,
      arpMaxPending: opts.arpMaxPending, arpMaxPerHop: opts.arpMaxPerHop,
      maxServices: opts.maxServices ?? 4096, maxBindings, seed: opts.seed,
    });
    this.dp = dp;
    this.ports = dp.ports = new Ports(dp);
    this.l2 = dp.l2 = new L2Stage(dp);
    this.l3 = dp.l3 = new L3Stage(dp);
    dp.slbStage = new SlbStage(dp, maxBindings);
    dp.arm = () => this.arm();
    this.decodeFlags = opts.verifyIpChecksum === false ? 0 : DECODE_VERIFY_IP_CHECKSUM;
    this.tickMs = opts.housekeepingMs ?? 1000;
    this.sweepBudget = opts.sweepBudget ?? 65536;
    this.runtime = new EngineRuntime(this);
  }

  // ---- the tables and counters (read-only use outside the engine) ----

  get stats(): EngineStats { return this.dp.stats; }
  get vlans(): VlanTable { return this.dp.vlans; }
  get macs(): MacTable { return this.dp.macs; }
  get ifs(): InterfaceTable { return this.dp.ifs; }
  get fib(): Fib { return this.dp.fib; }
  get arp(): ArpCache { return this.dp.arp; }
  get sessions(): SessionTable { return this.dp.sessions; }
  get sticky(): StickyTable { return this.dp.sticky; }
  get slb(): ServiceTable { return this.dp.slb; }
  /** Unexpected exceptions caught on the packet path (should stay 0; the tests check it). */
  get internalErrors(): number { return this.dp.internalErrors; }
  get lastInternalError(): unknown { return this.dp.lastInternalError; }
  get config(): RunningConfig | null { return this.cfg; }

  // ===================================================================== configuration

  /**
   * Installs a committed running configuration. Tables are rebuilt from it; sessions, the
   * ARP cache, the MAC table, counters and health are kept for the objects that remain.
   */
  configure(cfg: RunningConfig): void {
    const dp = this.dp;
    const was = this.enter();
    try {
      const now = this.clock.now();
      this.cfg = cfg;
      dp.vlans.configure(cfg);
      dp.macs.flushNonMembers(dp.vlans);
      dp.ifs.configure(cfg, dp.vlans);
      // ARP entries follow their subnet to its (possibly renumbered) interface, or go.
      for (const e of [...dp.arp.map.values()]) {
        const ifIdx = dp.ifs.subnetOf(e.ip);
        if (ifIdx < 0) this.l3.dropPending(dp.arp.remove(e), EngineDrop.ARP_UNRESOLVED);
        else if (e.ifIdx !== ifIdx) {
          e.ifIdx = ifIdx;
          dp.arp.gen++;
        }
      }
      dp.fib.configure(cfg, dp.ifs);
      dp.sessions.setTimeouts(cfg.sessionTimeouts);
      dp.slb.configure(cfg, dp.ifs, now);
      dp.gen++;
    } finally {
      this.leave(was);
    }
  }

  // ===================================================================== ports

  /** Attaches a backend to port 1..16 (replacing any) and starts receiving from it. */
  attach(port: number, backend: PortBackend): void {
    this.checkPort(port);
    this.detach(port);
    this.ports.backends[port] = backend;
    backend.attach((frame, len) => this.receive(port, frame, len));
    this.dp.gen++;
  }

  detach(port: number): void {
    this.checkPort(port);
    const b = this.ports.backends[port];
    if (b === null || b === undefined) return;
    this.ports.backends[port] = null;
    b.detach();
    this.dp.macs.flush(-1, port);
    this.dp.gen++;
  }

  backend(port: number): PortBackend | null {
    return this.ports.backends[port] ?? null;
  }

  /** Sets (or clears, with null) the capture tap of a port; it sees every frame in and out. */
  setCaptureTap(port: number, tap: CaptureTap | null): void {
    this.checkPort(port);
    this.ports.taps[port] = tap;
  }

  private checkPort(port: number): void {
    if (!Number.isInteger(port) || port < 1 || port > PORTS) throw new RangeError(`switch port out of range: ${port}`);
  }

  // ===================================================================== receive

  /**
   * Processes one frame received on `port`. Never throws; malformed frames are counted by
   * drop reason. The frame is read during the call only (never modified, never kept).
   */
  receive(port: number, frame: Uint8Array, len: number): void {
    if (!(port >= 1 && port <= PORTS) || (port | 0) !== port) {
      this.dp.stats.drops[EngineDrop.BAD_PORT]!++;
      return;
    }
    if (this.busy) {
      this.defer(port, frame, len);
      return;
    }
    this.busy = true;
    try {
      this.input(port, frame, len);
    } catch (e) {
      this.dp.internalError(e);
    } finally {
      this.dp.curPort = 0;
      this.busy = false;
    }
    if (this.deferred.length !== 0) this.drainDeferred();
  }

  private input(port: number, frame: Uint8Array, len: number): void {
    const dp = this.dp;
    dp.curPort = port;
    if (!(len >= 0)) len = 0; // negative or NaN
    else if (len > frame.length) len = frame.length;
    else len = Math.floor(len);
    this.ports.rx(port, frame, len);
    const m = dp.meta;
    const r = decodeFrame(frame, len, m, this.decodeFlags);
    if (r === DropReason.TRUNCATED_ETH || r === DropReason.TRUNCATED_VLAN) {
      dp.drop(r);
      return;
    }
    // L3 errors are dropped only if the frame goes up to L3; a bridge forwards them.
    this.l2.input(port, frame, m, r);
  }

  /** A frame that arrived while another was being processed (a backend delivering synchronously). */
  private defer(port: number, frame: Uint8Array, len: number): void {
    const n = Math.max(0, Math.min(len | 0, frame.length));
    const buf = this.deferPool.acquire(n);
    if (buf === null) {
      this.dp.stats.drops[EngineDrop.REENTRANT_OVERFLOW]!++;
      return;
    }
    copyBytes(buf, 0, frame, 0, n);
    this.deferred.push({ port, buf, len: n });
  }

  private drainDeferred(): void {
    while (this.deferred.length !== 0 && !this.busy) {
      const d = this.deferred.shift()!;
      this.receive(d.port, d.buf, d.len);
      this.deferPool.release(d.buf);
    }
  }

  private enter(): boolean {
    const was = this.busy;
    this.busy = true;
    return was;
  }

  private leave(was: boolean): void {
    this.busy = was;
    if (!was) {
      this.dp.curPort = 0;
      if (this.deferred.length !== 0) this.drainDeferred();
    }
  }

  // ===================================================================== housekeeping

  private arm(): void {
    if (this.timer !== null) return;
    this.timer = this.clock.setTimeout(() => this.tick(), this.tickMs);
    this.dp.timerArmed = true;
  }

  /** Stops the housekeeping timer (the engine keeps working; the timer re-arms on new state). */
  close(): void {
    this.timer?.cancel();
    this.timer = null;
    this.dp.timerArmed = false;
  }

  /** One housekeeping round: ARP retries/refresh/expiry, MAC ageing, session and sticky expiry. */
  private tick(): void {
    const dp = this.dp;
    this.timer = null;
    dp.timerArmed = false;
    const was = this.enter();
    try {
      const now = this.clock.now();
      for (const e of [...dp.arp.map.values()]) {
        if (e.state === ArpState.INCOMPLETE) {
          if (now < e.nextTry) continue;
          if (e.tries >= ARP_MAX_TRIES) {
            this.l3.dropPending(dp.arp.remove(e), EngineDrop.ARP_UNRESOLVED);
            continue;
          }
        } else {
          if (now - e.updated < ARP_REACHABLE_MS || now < e.nextTry) continue;
          if (e.tries >= ARP_MAX_TRIES) {
            dp.arp.remove(e);
            continue;
          }
        }
        e.tries++;
        e.nextTry = now + ARP_RETRY_MS;
        this.l3.sendArpRequest(e.ifIdx, e.ip);
      }
      dp.macs.age(now);
      if (dp.sessions.size !== 0) dp.sessions.sweep(now, this.sweepBudget);
      if (dp.sticky.size !== 0) dp.sticky.sweep(now, this.sweepBudget);
    } catch (e) {
      dp.internalError(e);
    } finally {
      this.leave(was);
    }
    if (dp.arp.map.size !== 0 || dp.macs.size !== 0 || dp.sessions.size !== 0 || dp.sticky.size !== 0) this.arm();
  }

  // ===================================================================== ProbeIo

  get probeIo(): ProbeIo {
    return this;
  }

  sourceFor(dst: Ipv4): Ipv4 | null {
    const route = this.dp.fib.lookup(dst);
    return route === null ? null : (this.dp.ifs.list[route.ifIdx]!.addr as Ipv4);
  }

  sendIpv4(packet: Uint8Array, len: number, tunnelTo?: Ipv4): boolean {
    const dp = this.dp;
    if (!(len >= 20) || len > packet.length || len > IPV4_MAX_LEN) return false;
    const dst = tunnelTo !== undefined ? tunnelTo >>> 0 : readU32(packet, 16);
    const route = dp.fib.lookup(dst);
    if (route === null) return false;
    const was = this.enter();
    try {
      const b = dp.probeOut;
      let ipLen = len;
      if (tunnelTo !== undefined) {
        // The same encapsulation as the dataplane's l3dsr-iptunnel (outer TTL 64, TOS and DF of the inner packet).
        const df = (packet[6]! & 0x40) !== 0;
        const n = encapsulateIpip(b, HEADROOM - ETH_HEADER_LEN, packet, 0, len, 0, dp.baseMac, dp.ifs.list[route.ifIdx]!.addr,
          dst, df, dp.nextIpId(), -1);
        if (n < 0) return false;
        ipLen = n - ETH_HEADER_LEN;
      } else {
        copyBytes(b, HEADROOM, packet, 0, len);
      }
      dp.stats.probesSent++;
      this.l3.output(b, HEADROOM, ipLen, route.ifIdx, route.gw !== 0 ? route.gw : dst);
      return true;
    } finally {
      this.leave(was);
    }
  }

  listen(filter: ListenFilter, handler: LocalHandler): () => void {
    return this.l3.listen(filter, handler);
  }

  learnNeighbor(ip: Ipv4, mac: Mac, port: number): void {
    const dp = this.dp;
    const ifIdx = dp.ifs.subnetOf(ip);
    if (ifIdx < 0 || isMulticastMac(mac) || mac === 0) return;
    const was = this.enter();
    try {
      const e = dp.arp.learn(ip, mac, ifIdx, port, this.clock.now(), true);
      if (e !== null && e.queue.length !== 0) this.l3.releasePending(e);
      this.arm();
    } finally {
      this.leave(was);
    }
  }

  // ===================================================================== HealthSink

  setRealHealth(slb: string, real: RealId, up: boolean, cause: string, graceful: boolean): void {
    const dp = this.dp;
    const b = dp.slb.setHealth(slb, real, up, cause, this.clock.now());
    if (b === null || up || graceful) return;
    dp.sessions.removeReal(b.idx);
    dp.sticky.removeReal(b.idx);
  }

  setRouteHealth(dest: Prefix, gateway: Ipv4, up: boolean): void {
    const net = { addr: ((dest.addr & maskOf(dest.len)) >>> 0) as Ipv4, len: dest.len };
    this.dp.fib.setHealth(routeHealthKey(formatPrefix(net), gateway), up);
  }
}
