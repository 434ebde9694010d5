// The packet engine: a pipeline of small stages driven by `receive(port, frame, len)`.
//
//   ports.rx -> decode -> l2 (stage-l2.ts: VLAN, learning, bridging)
//            -> l3 (stage-l3.ts: ARP, local delivery, VIP, routing)
//            -> slb (stage-slb.ts: boundary gate, sessions, filters, scheduling)
//            -> encap/nat (nat.ts) -> l3 output (ARP, pending queue) -> ports.tx (tagging, tap)
//
// The stages share one EngineContext (context.ts: tables, counters, buffers, clock); this file
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
import { BROADCAST_MAC, formatPrefix, isMulticastMac, maskOf, MAX_PORTS, type Ipv4, type Mac, type Prefix } from '../net/addr.js';
import { copyBytes, readU32 } from '../packet/bytes.js';
import { decodeFrame, decodeIpv4 } from '../packet/decode.js';
import { parseIcmpQuote } from '../packet/icmp.js';
import { ETHERTYPE_IPV4 } from '../packet/ethernet.js';
import { IPIP_ENCAP } from './encap.js';
import { IPV4_MAX_LEN } from '../packet/ipv4.js';
import { DECODE_VERIFY_IP_CHECKSUM, DropReason, InnerKind } from '../packet/meta.js';
import type { CaptureTap, PortBackend } from '../ports/backend.js';
import type { Clock, Timer } from '../util/clock.js';
import type { ArpCache, ArpIo, StaticArp } from './arp.js';
import { EngineContext, PORTS } from './context.js';
import { MAX_L2_PORT, type MacTable, type VlanTable } from './l2.js';
import type { Interface, InterfaceTable, TunnelEndpoint } from './interfaces.js';
import type { OffloadHook } from './offload-hook.js';
import type { Rib } from '../routing/index.js';
import { routeHealthKey } from './route-sync.js';
import { BufferPool, HEADROOM } from './pool.js';
import { Ports } from './ports.js';
import type { FlowCache } from './flow-cache.js';
import { FlowPeek, peekFlow } from '../packet/flow-peek.js';
import { EngineRuntime } from './runtime-view.js';
import type { SessionTable, StickyTable } from './session/index.js';
import type { ServiceHealthListener, ServiceTable } from './slb.js';
import type { GeneveGateway } from './geneve-gateway.js';
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
  /**
   * Established flows the flow cache holds (flow-cache.ts; rounded up to a power of two;
   * default: the session capacity, at least 1,024 and at most 262,144 (16 MB); 0: no cache).
   */
  flowCacheSlots?: number;
}

function flowCacheSlots(n: number): number {
  if (!(n >= 1)) return 0;
  let s = 4;
  while (s < n && s < 1 << 24) s *= 2;
  return s;
}

interface Deferred {
  /** The ingress port of a frame, or 0 for a packet re-injected on interface `ifIdx`. */
  port: number;
  ifIdx: number;
  buf: Uint8Array;
  len: number;
}

export class Engine implements ProbeIo, HealthSink {
  /** What the show commands read (everything but the health checker's own results). */
  readonly runtime: EngineRuntime;
  private readonly dp: EngineContext;
  private readonly ports: Ports;
  private readonly l2: L2Stage;
  private readonly l3: L3Stage;
  private cfg: RunningConfig | null = null;
  private readonly decodeFlags: number;
  /** What peekFlow reads of a frame for the flow cache. */
  private readonly peek = new FlowPeek();
  private busy = false;
  private readonly deferPool = new BufferPool(64);
  private readonly deferred: Deferred[] = [];
  private timer: Timer | null = null;
  /** Requests and failures of the ARP cache's housekeeping. */
  private readonly arpIo: ArpIo = {
    request: (e, unicast) => this.l3.sendArpRequest(e.ifIdx, e.ip, unicast ? e.mac : BROADCAST_MAC),
    failed: (_e, queued) => this.l3.dropPending(queued, EngineDrop.ARP_UNRESOLVED),
  };
  private readonly tickMs: number;
  private readonly sweepBudget: number;

  constructor(readonly clock: Clock, identity: EngineIdentity, opts: EngineOptions = {}) {
    const cap = opts.sessionCapacity ?? 65536;
    const maxBindings = opts.maxBindings ?? 65536;
    const dp = new EngineContext(clock, identity.baseMac, {
      sessionCapacity: cap, stickyCapacity: opts.stickyCapacity ?? cap, macCapacity: opts.macCapacity,
      arpMaxPending: opts.arpMaxPending, arpMaxPerHop: opts.arpMaxPerHop,
      maxServices: opts.maxServices ?? 4096, maxBindings, seed: opts.seed,
      flowCacheSlots: flowCacheSlots(opts.flowCacheSlots ?? Math.min(Math.max(cap, 1024), 262144)),
    });
    this.dp = dp;
    this.ports = dp.ports = new Ports(dp);
    this.l2 = dp.l2 = new L2Stage(dp);
    this.l3 = dp.l3 = new L3Stage(dp);
    dp.slbStage = new SlbStage(dp, maxBindings);
    dp.arm = () => this.arm();
    dp.inject = (ifIdx, buf, off, len) => this.inject(ifIdx, buf, off, len);
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
  /** Whether a health-bound static route (by routeHealthKey) is installed; null for one not bound to a check. */
  routeUp(key: string): boolean | null {
    return this.dp.configRoutes.routeUp(key);
  }

  /** The routing table the engine forwards with. */
  get rib(): Rib { return this.dp.rib; }
  get arp(): ArpCache { return this.dp.arp; }
  /** The established-flow cache (flow-cache.ts), or null when configured without one. */
  get flowCache(): FlowCache | null { return this.dp.flowCache; }

  /** The session table, with every packet the flow cache forwarded counted. */
  get sessions(): SessionTable {
    this.dp.flowCache?.sync();
    return this.dp.sessions;
  }
  get sticky(): StickyTable { return this.dp.sticky; }
  /** SLBs in nat-mode geneve (their flows, targets and counters). */
  get geneveGateway(): GeneveGateway { return this.dp.slbStage.geneve; }
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
      const prev = this.cfg;
      this.cfg = cfg;
      dp.flowCache?.invalidate(); // the stages decide again under the new configuration
      // The config is immutable and copy-on-write: an unchanged part is the same object, and
      // only what changed is derived again (a hostname change touches no table).
      const vlansChanged = prev === null || prev.vlans !== cfg.vlans;
      if (vlansChanged) {
        dp.vlans.configure(cfg);
        dp.macs.flushNonMembers(dp.vlans);
      }
      const ifsChanged = (vlansChanged || prev.interfaces !== cfg.interfaces) && dp.ifs.configure(cfg, dp.vlans);
      if (ifsChanged) {
        // ARP entries follow their subnet to its (possibly renumbered) interface; off every
        // subnet (an interface route's) they stay while their interface does; else they go.
        for (const e of [...dp.arp.map.values()]) {
          let ifIdx = dp.ifs.subnetOf(e.ip);
          if (ifIdx < 0 && dp.ifs.list[e.ifIdx]?.kind === 'vlan') ifIdx = e.ifIdx;
          if (ifIdx < 0) this.l3.dropPending(dp.arp.remove(e), EngineDrop.ARP_UNRESOLVED);
          else if (e.ifIdx !== ifIdx) {
            e.ifIdx = ifIdx;
            dp.arp.gen++;
          }
        }
      }
      if (ifsChanged || prev === null || prev.staticArps !== cfg.staticArps) this.syncStaticArps(cfg, now);
      if (ifsChanged || prev === null || prev.routes !== cfg.routes) dp.configRoutes.sync(cfg);
      if (prev === null || prev.sessionTimeouts !== cfg.sessionTimeouts) dp.sessions.setTimeouts(cfg.sessionTimeouts);
      const slbChanged = prev === null || vlansChanged || ifsChanged || prev.slbs !== cfg.slbs || prev.reals !== cfg.reals ||
        prev.healthChecks !== cfg.healthChecks || prev.portBoundaries !== cfg.portBoundaries;
      if (slbChanged) {
        dp.slb.configure(cfg, dp.ifs, now);
        dp.slbStage.geneve.configure();
      }
      if (vlansChanged || ifsChanged || slbChanged) dp.gen++;
      // Offloaded flows follow the new configuration at once (their packets no longer come here).
      if (dp.offload !== null) dp.offload.sync(now, dp.topoGen());
    } finally {
      this.leave(was);
    }
  }

  /** The configuration's `arp` entries, PERMANENT on their VLAN's interface. */
  private syncStaticArps(cfg: RunningConfig, now: number): void {
    const dp = this.dp;
    const list: StaticArp[] = [];
    for (const a of cfg.staticArps) {
      const i = dp.ifs.byNameOf(a.vlan);
      if (i !== undefined) list.push({ ip: a.addr, mac: a.mac, ifIdx: i.idx });
    }
    for (const e of dp.arp.setStatic(list, now)) this.l3.releasePending(e);
    if (dp.arp.map.size !== 0) this.arm();
  }

  // ===================================================================== tunnel interfaces

  /**
   * Adds a tunnel interface (a vti, a VXLAN or GENEVE endpoint) whose output is `endpoint`:
   * routes through it (its connected network, static interface routes, BGP routes) encapsulate.
   * What the endpoint decapsulates it hands to `inject(iface.idx, ...)`. The interface has a
   * virtual port (`iface.port`) for counters, port boundaries and captures.
   */
  addTunnel(name: string, endpoint: TunnelEndpoint, opts: { readonly address?: Prefix | null; readonly mtu?: number } = {}): Interface {
    const dp = this.dp;
    if (dp.ifs.byNameOf(name) !== undefined) throw new RangeError(`interface ${name} exists`);
    const i = dp.ifs.add(name, 'tunnel');
    i.tunnel = endpoint;
    if (opts.mtu !== undefined) i.mtu = opts.mtu;
    if (opts.address) i.setAddress(opts.address.addr, opts.address.len);
    dp.ifs.refresh();
    this.resyncRoutes();
    return i;
  }

  /** Changes a tunnel interface's address, MTU or state (up: routes through it are installed). */
  updateTunnel(name: string, change: { readonly address?: Prefix | null; readonly mtu?: number; readonly up?: boolean }): void {
    const i = this.dp.ifs.byNameOf(name);
    if (i === undefined || i.kind !== 'tunnel') throw new RangeError(`no tunnel interface ${name}`);
    if (change.address === null) i.clearAddress();
    else if (change.address !== undefined) i.setAddress(change.address.addr, change.address.len);
    if (change.mtu !== undefined) i.mtu = change.mtu;
    if (change.up !== undefined) i.up = change.up;
    this.dp.ifs.refresh();
    this.resyncRoutes();
  }

  removeTunnel(name: string): void {
    const i = this.dp.ifs.byNameOf(name);
    if (i === undefined || i.kind !== 'tunnel') return;
    this.dp.ifs.remove(i);
    this.resyncRoutes();
  }

  /**
   * Attaches an L2 endpoint (a VXLAN VTEP bridging a VLAN to a VNI) on a new virtual port and
   * returns the port: frames the engine bridges to it go to `backend.transmit`; what the
   * endpoint decapsulates it hands to `receive(port, frame, len)`. VLAN membership takes the
   * virtual ports up to 31.
   */
  attachVirtual(backend: PortBackend): number {
    const p = this.dp.ifs.reservePort();
    if (p < 0) throw new RangeError('no virtual port left');
    this.attach(p, backend);
    return p;
  }

  detachVirtual(port: number): void {
    this.setVirtualVlan(port, 0);
    this.detach(port);
    this.dp.ifs.releasePort(port);
  }

  /** Bridges virtual port `port` (an attachVirtual port up to 31) into VLAN `vid` as an untagged member (0: out of every VLAN). */
  setVirtualVlan(port: number, vid: number): void {
    const dp = this.dp;
    if (port <= PORTS || port > MAX_L2_PORT) {
      if (vid === 0) return;
      throw new RangeError(`virtual port ${port} cannot be a VLAN member (17..${MAX_L2_PORT})`);
    }
    dp.vlans.setVirtual(port, vid);
    dp.macs.flushNonMembers(dp.vlans);
    dp.gen++;
  }

  /**
   * Routes the IPv4 packet buf[off, off+len) the appliance originates from the caller's own
   * buffer (off >= HEADROOM; the link header is written in front of it): how an L2 endpoint
   * (a VTEP) sends what it encapsulated from inside its transmit, leaving the engine's buffers,
   * which may hold the frame being encapsulated, alone. False when unroutable.
   */
  sendIpv4At(buf: Uint8Array, off: number, len: number): boolean {
    const dp = this.dp;
    if (!(len >= 20) || !(off >= HEADROOM) || off + len > buf.length) return false;
    const dst = readU32(buf, off + 16);
    const nh = dp.routeLocal(dst);
    if (nh < 0) return false;
    const was = this.enter();
    try {
      if (dp.ifs.isOwn(dst)) return this.l3.loopLocal(buf, off, len, dst);
      this.l3.output(buf, off, len, dp.nhIf(nh), dp.nhAddr(nh, dst));
      return true;
    } finally {
      this.leave(was);
    }
  }

  /** The interface called `name` (any kind), for counters and state. */
  interfaceByName(name: string): Interface | undefined {
    return this.dp.ifs.byNameOf(name);
  }

  private resyncRoutes(): void {
    const was = this.enter();
    try {
      if (this.cfg !== null) this.dp.configRoutes.sync(this.cfg);
      this.dp.gen++;
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

  /**
   * Installs (or, with null, removes) the established-flow offloader (src/offload/): the engine
   * shows it the packets of sessions that leave by a resolved path, the sessions that end, the
   * captures, and calls its sync on each housekeeping round and configuration.
   */
  setOffload(hook: OffloadHook | null): void {
    this.dp.offload = hook;
  }

  /** The engine's topology generation (changes with routes, ARP, MAC table, configuration, ports). */
  get topologyGeneration(): number {
    return this.dp.topoGen();
  }

  backend(port: number): PortBackend | null {
    return this.ports.backends[port] ?? null;
  }

  hasCaptureTap(port: number): boolean {
    return (this.ports.taps[port] ?? null) !== null;
  }

  /** Sets (or clears, with null) the capture tap of a port; it sees every frame in and out. */
  setCaptureTap(port: number, tap: CaptureTap | null): void {
    this.checkPort(port);
    const was = this.ports.taps[port] !== null;
    this.ports.taps[port] = tap;
    if (this.dp.offload !== null && was !== (tap !== null)) this.dp.offload.tapped(port, tap !== null);
  }

  /** Physical ports 1..16, and the virtual ports above (a VXLAN endpoint's L2 port, a tunnel's). */
  private checkPort(port: number): void {
    if (!Number.isInteger(port) || port < 1 || port > MAX_PORTS) throw new RangeError(`switch port out of range: ${port}`);
  }

  // ===================================================================== receive

  /**
   * Processes one frame received on `port`. Never throws; malformed frames are counted by
   * drop reason. The frame is read during the call only (never modified, never kept).
   */
  receive(port: number, frame: Uint8Array, len: number): void {
    // A physical port, or a virtual one with a backend attached (an L2 tunnel endpoint's).
    if (!(port >= 1 && port <= MAX_PORTS) || (port | 0) !== port || (port > PORTS && this.ports.backends[port] === null)) {
      this.dp.stats.drops[EngineDrop.BAD_PORT]!++;
      return;
    }
    if (this.busy) {
      this.defer(port, frame, 0, len);
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
    // An established flow's packet the stages already decided on goes straight out.
    const fc = dp.flowCache;
    if (fc !== null && fc.size !== 0 && peekFlow(frame, len, this.decodeFlags, this.peek) &&
      dp.slbStage.cached(port, frame, len, this.peek, this.decodeFlags)) {
      return;
    }
    const r = decodeFrame(frame, len, m, this.decodeFlags);
    if (r === DropReason.TRUNCATED_ETH || r === DropReason.TRUNCATED_VLAN) {
      dp.drop(r);
      return;
    }
    // L3 errors are dropped only if the frame goes up to L3; a bridge forwards them.
    this.l2.input(port, frame, m, r);
  }

  /**
   * Re-injects the IPv4 packet buf[off, off+len) as received on interface `ifIdx` (a tunnel
   * endpoint's decapsulated packet, or what a loopback loops back): it goes through the same
   * stages as a packet from a port (filters, SLB, local delivery, routing), counted on the
   * interface and its virtual port. Never throws; the packet is read during the call only.
   * Called while the engine is busy (from inside a stage) it is queued and processed after
   * the current packet, like a frame a backend delivers synchronously.
   */
  inject(ifIdx: number, buf: Uint8Array, off: number, len: number): void {
    const dp = this.dp;
    const iface = dp.ifs.list[ifIdx];
    if (iface === undefined || !(len >= 20) || off < 0 || off + len > buf.length) {
      dp.stats.drops[EngineDrop.NO_INTERFACE]!++;
      return;
    }
    if (this.busy) {
      this.defer(0, buf, off, len, ifIdx);
      return;
    }
    this.busy = true;
    try {
      const port = iface.port;
      dp.curPort = port;
      const c = iface.counters;
      c.rxPackets++;
      c.rxBytes += len;
      if (port > 0) {
        const ps = dp.stats.ports[port]!;
        ps.rxPackets++;
        ps.rxBytes += len;
      }
      const m = dp.meta;
      m.reset();
      m.len = off + len;
      m.etherType = ETHERTYPE_IPV4;
      const r = decodeIpv4(buf, off, off + len, m, this.decodeFlags);
      if (r !== DropReason.OK) {
        dp.drop(r);
        return;
      }
      if (m.icmpInnerOff >= 0 && parseIcmpQuote(buf, m.icmpInnerOff, m.l3End, m.inner)) m.innerKind = InnerKind.ICMP_QUOTE;
      this.l3.ipInput(port, -1, ifIdx, buf, m, false, this.clock.now());
    } catch (e) {
      dp.internalError(e);
    } finally {
      dp.curPort = 0;
      this.busy = false;
    }
    if (this.deferred.length !== 0) this.drainDeferred();
  }

  /** A frame (or re-injected packet) that arrived while another was being processed. */
  private defer(port: number, frame: Uint8Array, off: number, len: number, ifIdx = -1): void {
    const n = Math.max(0, Math.min(len | 0, frame.length - off));
    const buf = this.deferPool.acquire(n);
    if (buf === null) {
      this.dp.stats.drops[EngineDrop.REENTRANT_OVERFLOW]!++;
      return;
    }
    copyBytes(buf, 0, frame, off, n);
    this.deferred.push({ port, ifIdx, buf, len: n });
  }

  private drainDeferred(): void {
    while (this.deferred.length !== 0 && !this.busy) {
      const d = this.deferred.shift()!;
      if (d.ifIdx >= 0) this.inject(d.ifIdx, d.buf, 0, d.len);
      else this.receive(d.port, d.buf, d.len);
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
      dp.arp.tick(now, this.arpIo);
      dp.macs.age(now);
      dp.flowCache?.sync();
      if (dp.offload !== null) dp.offload.sync(now, dp.topoGen()); // offloaded flows' last-seen times first
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
    const nh = this.dp.routeLocal(dst);
    if (nh < 0) return null;
    const src = this.dp.sourceOn(this.dp.nhIf(nh));
    return src === 0 ? null : (src as Ipv4);
  }

  sendIpv4(packet: Uint8Array, len: number, tunnelTo?: Ipv4): boolean {
    const dp = this.dp;
    if (!(len >= 20) || len > packet.length || len > IPV4_MAX_LEN) return false;
    const dst = tunnelTo !== undefined ? tunnelTo >>> 0 : readU32(packet, 16);
    const nh = dp.routeLocal(dst);
    if (nh < 0) return false;
    const was = this.enter();
    try {
      const b = dp.probeOut;
      let ipLen = len;
      if (tunnelTo !== undefined) {
        // The same encapsulation step as the dataplane's l3dsr-iptunnel (outer TTL 64, TOS and DF of the inner packet).
        const df = (packet[6]! & 0x40) !== 0;
        ipLen = IPIP_ENCAP.wrap(b, HEADROOM, packet, 0, len, dp.sourceOn(dp.nhIf(nh)), dst, df, dp.nextIpId());
        if (ipLen < 0) return false;
      } else {
        copyBytes(b, HEADROOM, packet, 0, len);
      }
      dp.stats.probesSent++;
      if (tunnelTo === undefined && dp.ifs.isOwn(dst)) return this.l3.loopLocal(b, HEADROOM, ipLen, dst);
      this.l3.output(b, HEADROOM, ipLen, dp.nhIf(nh), dp.nhAddr(nh, dst));
      return true;
    } finally {
      this.leave(was);
    }
  }

  listen(filter: ListenFilter, handler: LocalHandler): () => void {
    return this.l3.listen(filter, handler);
  }

  isOwnAddress(addr: Ipv4): boolean {
    return this.dp.ifs.isOwn(addr);
  }

  /** Joins an IPv4 multicast group: its packets reach the listeners (a control plane protocol's). */
  joinGroup(group: Ipv4): void {
    if ((group >>> 28) === 0xe) this.dp.groups.add(group >>> 0);
  }

  leaveGroup(group: Ipv4): void {
    this.dp.groups.delete(group >>> 0);
  }

  /** Services' ACT/DEACT/INACT changes (see ServiceTable.subscribeServiceHealth). */
  subscribeServiceHealth(l: ServiceHealthListener): () => void {
    return this.dp.slb.subscribeServiceHealth(l);
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
    dp.flowCache?.invalidate();
    if (b === null || up || graceful) return;
    // A gateway's target-failover no-rebalance: the flows stay on their (failed) target.
    if (b.svc.natMode === 'geneve' && b.svc.cfg.geneve.targetFailover === 'no-rebalance') return;
    dp.sessions.removeReal(b.idx);
    dp.sticky.removeReal(b.idx);
  }

  setRouteHealth(dest: Prefix, gateway: Ipv4, up: boolean): void {
    const net = { addr: ((dest.addr & maskOf(dest.len)) >>> 0) as Ipv4, len: dest.len };
    this.dp.configRoutes.setHealth(routeHealthKey(formatPrefix(net), gateway), up);
  }
}
