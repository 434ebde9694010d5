// The SLB tables: services (with a stable index for the session table), their bindings to
// reals (one per (service, real) pair, with health, counters and a stable index that the
// session table stores as its "real"), the VIP index, port boundaries and filters.
//
// Everything the packet path reads is prepared here at configuration time: VIPs in an
// IntPairHash, port boundaries compiled per ingress port, filters as flat objects. The
// engine (engine.ts) drives the packets; this module owns the state that survives
// reconfiguration: health, hits, totals and indexes of the objects that still exist.

import type {
  FilterProtocol, LbMethod, NatMode, RealConfig, RealId, RunningConfig, SlbConfig,
} from '../config/model.js';
import { maskOf, PORT_COUNT, type Ipv4, type Prefix } from '../net/addr.js';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from '../packet/ipv4.js';
import type { PacketMeta } from '../packet/meta.js';
import { IntPairHash } from './int-hash.js';
import type { InterfaceTable } from './interfaces.js';
import { createScheduler, type Scheduler } from './lb/index.js';
import { NAT_MODE_CODES, type SessionTable, type StickyTable } from './session/index.js';

export const NAT_CODE = NAT_MODE_CODES;
/** A gateway load balancer's idle timeout of flows other than TCP (AWS: 120 s, fixed). */
export const GENEVE_OTHER_IDLE_S = 120;

function protoCode(p: FilterProtocol | 'tcp' | 'udp'): number {
  switch (p) {
    case 'tcp': return IPPROTO_TCP;
    case 'udp': return IPPROTO_UDP;
    case 'icmp': return IPPROTO_ICMP;
    default: return 0;
  }
}

const netOf = (p: Prefix): number => (p.addr & maskOf(p.len)) >>> 0;

/** A real as a member of one service. */
export class Binding {
  realCfg: RealConfig | null = null;
  rip = 0;
  /** Configured rport (0 = the VIP's port). */
  rport = 0;
  weight = 1;
  maxConns = 0;
  enabled = true;
  backup = false;
  /** Health as last reported (or assumed: up without checks, down with checks until reported). */
  up: boolean;
  cause = '';
  /** Clock ms of the last health change. */
  since: number;
  totalSessions = 0;
  /** At maxConns: takes no new sessions until one ends. */
  full = false;
  /** Whether the service had health checks when the health was last (re)initialised. */
  checked: boolean;

  constructor(readonly idx: number, readonly svc: Service, readonly realId: RealId, checked: boolean, now: number) {
    this.checked = checked;
    this.up = !checked;
    this.since = now;
  }

  usable(): boolean {
    return this.enabled && this.up && !this.full && this.rip !== 0;
  }
}

export interface CompiledFilter {
  readonly id: number;
  readonly include: boolean;
  readonly proto: number;
  readonly srcNet: number;
  readonly srcMask: number;
  readonly dstNet: number;
  readonly dstMask: number;
}

const CPS_BUCKETS = 10;
const CPS_BUCKET_MS = 100;

export type ServiceState = 'ACT' | 'DEACT' | 'INACT';

/** A service's state as `show info slb` gives it, with its VIPs (empty when `removed`). */
export interface ServiceHealthEvent {
  readonly slb: string;
  readonly vips: readonly Ipv4[];
  readonly state: ServiceState;
  readonly removed: boolean;
}
export type ServiceHealthListener = (e: ServiceHealthEvent) => void;

export class Service {
  cfg: SlbConfig;
  enabled = true;
  natCode = 0;
  natMode: NatMode = 'nat';
  dscp = 0;
  failAction: SlbConfig['failAction'] = 'default';
  members: Binding[] = [];
  readonly byReal = new Map<number, Binding>();
  scheduler: Scheduler | null = null;
  private schedSig = '';
  filters: CompiledFilter[] = [];
  /** Hits by filter id (kept while the filter exists). */
  readonly hits = new Map<number, number>();
  hasChecks = false;
  sticky = false;
  private stickySig = '';
  private readonly cpsCount = new Float64Array(CPS_BUCKETS);
  private readonly cpsId = new Float64Array(CPS_BUCKETS).fill(-1);

  constructor(readonly idx: number, readonly name: string, cfg: SlbConfig) {
    this.cfg = cfg;
  }

  /** The service's VIP addresses (each once). */
  vipAddrs(): Ipv4[] {
    return [...new Set(this.cfg.vips.map((v) => v.addr))];
  }

  /** Counts a new session for CPS. */
  countNew(now: number): void {
    const id = Math.floor(now / CPS_BUCKET_MS);
    const k = id % CPS_BUCKETS;
    if (this.cpsId[k] !== id) {
      this.cpsId[k] = id;
      this.cpsCount[k] = 0;
    }
    this.cpsCount[k]!++;
  }

  /** New sessions over the last second. */
  cps(now: number): number {
    const cur = Math.floor(now / CPS_BUCKET_MS);
    let n = 0;
    for (let k = 0; k < CPS_BUCKETS; k++) {
      const id = this.cpsId[k]!;
      if (id > cur - CPS_BUCKETS && id <= cur) n += this.cpsCount[k]!;
    }
    return n;
  }

  /**
   * The filter deciding a new flow: its position in `filters`, -1 when the service has no
   * enabled filter (everything is taken), -2 when filters exist and none matched.
   */
  matchFilter(proto: number, src: number, dst: number): number {
    const fs = this.filters;
    if (fs.length === 0) return -1;
    for (let k = 0; k < fs.length; k++) {
      const f = fs[k]!;
      if ((f.proto === 0 || f.proto === proto) && ((src & f.srcMask) >>> 0) === f.srcNet &&
        ((dst & f.dstMask) >>> 0) === f.dstNet) return k;
    }
    return -2;
  }

  hit(k: number): void {
    const id = this.filters[k]!.id;
    this.hits.set(id, (this.hits.get(id) ?? 0) + 1);
  }

  /** Rebuilds the scheduler when the method or the member list changed; otherwise syncs health. */
  syncScheduler(): void {
    const method: LbMethod = this.cfg.lbMethod;
    const sig = `${method}|${this.members.map((b) => `${b.idx}:${b.weight}:${b.backup ? 1 : 0}`).join(',')}`;
    if (sig !== this.schedSig || this.scheduler === null) {
      this.schedSig = sig;
      this.scheduler = createScheduler(method, this.members.map((b) => ({
        realIndex: b.idx, weight: b.weight, healthy: b.usable(), backup: b.backup,
      })));
    } else {
      for (const b of this.members) this.scheduler.setHealthy(b.idx, b.usable());
    }
  }

  /** Tells the scheduler a binding's usability (after a health, status or fullness change). */
  syncBinding(b: Binding): void {
    this.scheduler?.setHealthy(b.idx, b.usable());
  }

  stickyChanged(sig: string): boolean {
    const changed = sig !== this.stickySig;
    this.stickySig = sig;
    return changed;
  }
}

interface CompiledBoundary {
  readonly include: boolean;
  readonly vid: number;
  readonly proto: number;
  readonly srcNet: number;
  readonly srcMask: number;
  readonly dstNet: number;
  readonly dstMask: number;
  readonly sportFrom: number;
  readonly sportTo: number;
  readonly dportFrom: number;
  readonly dportTo: number;
  readonly macs: readonly number[];
  readonly promisc: boolean;
  /** No condition at all: matches every packet. */
  readonly any: boolean;
}

export interface VipAddr {
  readonly addr: number;
  /** Interface indexes on which the appliance answers ARP for it. */
  readonly arpIfs: readonly number[];
}

export class ServiceTable {
  readonly services: (Service | null)[] = [];
  readonly byName = new Map<string, Service>();
  /** Binding index -> binding. */
  readonly bindings: (Binding | null)[] = [];
  private freeSvc: number[] = [];
  private freeBind: number[] = [];
  private nextSvc = 0;
  private nextBind = 0;

  /** (vip, proto << 16 | vport) -> service index, enabled services only. */
  private vipSvc = new IntPairHash();
  /** (vip, 0) -> index in vipAddrs, every configured VIP. */
  private vipAddrIdx = new IntPairHash();
  vipAddrs: VipAddr[] = [];
  /** Whether any service uses NAT mode (replies come back through the appliance). */
  anyNat = false;

  private pbByPort: CompiledBoundary[][] = Array.from({ length: PORT_COUNT + 1 }, () => []);
  /** Per port: an include boundary without conditions covers it and no exclude boundary does. */
  private readonly pbFast = new Uint8Array(PORT_COUNT + 1);
  /** Per port: a promiscuous boundary covers it. */
  readonly pbPromisc = new Uint8Array(PORT_COUNT + 1);
  anyPromisc = false;

  /** Each service's last announced state (ACT while enabled with a usable real, INACT disabled, else DEACT). */
  private readonly announced = new Map<string, ServiceState>();
  private readonly serviceListeners: ServiceHealthListener[] = [];

  constructor(
    private readonly sessions: SessionTable,
    private readonly sticky: StickyTable,
  ) {}

  /** The state `show info slb` gives a service. */
  serviceState(svc: Service): ServiceState {
    if (!svc.enabled) return 'INACT';
    return svc.members.some((b) => b.enabled && b.up && b.rip !== 0) ? 'ACT' : 'DEACT';
  }

  /**
   * Subscribes to services' state changes (BGP announces VIPs from them): the listener hears
   * every service's current state at once, then each change, and `removed` when a service goes.
   */
  subscribeServiceHealth(l: ServiceHealthListener): () => void {
    this.serviceListeners.push(l);
    for (const svc of this.byName.values()) l({ slb: svc.name, vips: svc.vipAddrs(), state: this.serviceState(svc), removed: false });
    return () => {
      const i = this.serviceListeners.indexOf(l);
      if (i >= 0) this.serviceListeners.splice(i, 1);
    };
  }

  /** Tells the listeners of every service whose state differs from what they last heard. */
  private announce(): void {
    for (const [name, state] of [...this.announced]) {
      if (this.byName.has(name)) continue;
      this.announced.delete(name);
      for (const l of this.serviceListeners.slice()) l({ slb: name, vips: [], state, removed: true });
    }
    for (const svc of this.byName.values()) {
      const state = this.serviceState(svc);
      if (this.announced.get(svc.name) === state) continue;
      this.announced.set(svc.name, state);
      for (const l of this.serviceListeners.slice()) l({ slb: svc.name, vips: svc.vipAddrs(), state, removed: false });
    }
  }

  // ---- configuration ----

  configure(cfg: RunningConfig, ifs: InterfaceTable, now: number): void {
    const realsById = new Map<number, RealConfig>();
    for (const r of cfg.reals) realsById.set(r.id, r);
    const enabledChecks = new Set(cfg.healthChecks.filter((h) => h.status === 'enable').map((h) => h.id as number));
    const keep = new Set<string>();
    for (const s of cfg.slbs) {
      keep.add(s.name);
      let svc = this.byName.get(s.name);
      if (svc === undefined) {
        const idx = this.freeSvc.length ? this.freeSvc.pop()! : this.nextSvc++;
        if (idx >= this.sessions.maxServices) continue; // more services than the table takes
        svc = new Service(idx, s.name, s);
        this.services[idx] = svc;
        this.byName.set(s.name, svc);
      }
      this.configureService(svc, s, realsById, enabledChecks, now);
    }
    for (const [name, svc] of [...this.byName]) if (!keep.has(name)) this.removeService(svc);
    this.announce();

    // VIP indexes.
    this.vipSvc = new IntPairHash(cfg.slbs.length * 2);
    this.vipAddrIdx = new IntPairHash(cfg.slbs.length);
    this.vipAddrs = [];
    this.anyNat = false;
    for (const s of cfg.slbs) {
      const svc = this.byName.get(s.name);
      if (svc === undefined) continue;
      if (svc.enabled && svc.natMode === 'nat') this.anyNat = true;
      for (const v of s.vips) {
        const a = v.addr >>> 0;
        if (svc.enabled) this.vipSvc.set(a, (protoCode(v.protocol) << 16) | v.vport, svc.idx);
        if (this.vipAddrIdx.get(a, 0) < 0) {
          const home = ifs.subnetOf(a);
          const arpIfs = home >= 0 ? [home] : ifs.all.filter((i) => i.kind === 'vlan').map((i) => i.idx);
          this.vipAddrIdx.set(a, 0, this.vipAddrs.length);
          this.vipAddrs.push({ addr: a, arpIfs });
        }
      }
    }

    // Port boundaries.
    this.pbByPort = Array.from({ length: PORT_COUNT + 1 }, () => []);
    this.pbFast.fill(0);
    this.pbPromisc.fill(0);
    this.anyPromisc = false;
    for (const pb of cfg.portBoundaries) {
      if (pb.status !== 'enable') continue;
      const c: CompiledBoundary = {
        include: pb.type === 'include',
        vid: pb.vlan ?? -1,
        proto: protoCode(pb.protocol),
        srcNet: netOf(pb.srcIp), srcMask: maskOf(pb.srcIp.len),
        dstNet: netOf(pb.dstIp), dstMask: maskOf(pb.dstIp.len),
        sportFrom: pb.srcPort?.from ?? -1, sportTo: pb.srcPort?.to ?? -1,
        dportFrom: pb.dstPort?.from ?? -1, dportTo: pb.dstPort?.to ?? -1,
        macs: [...pb.includeMac],
        promisc: pb.promisc,
        any: pb.vlan === null && pb.protocol === 'all' && pb.srcIp.len === 0 && pb.dstIp.len === 0 &&
          pb.srcPort === null && pb.dstPort === null && pb.includeMac.length === 0,
      };
      for (const p of pb.ports) {
        if (p < 1 || p > PORT_COUNT) continue;
        this.pbByPort[p]!.push(c);
        if (c.promisc) {
          this.pbPromisc[p] = 1;
          this.anyPromisc = true;
        }
      }
    }
    for (let p = 1; p <= PORT_COUNT; p++) {
      const list = this.pbByPort[p]!;
      this.pbFast[p] = list.some((b) => b.include && b.any) && !list.some((b) => !b.include) ? 1 : 0;
    }
  }

  private configureService(svc: Service, s: SlbConfig, reals: Map<number, RealConfig>, checks: Set<number>, now: number): void {
    if (svc.cfg !== s && svc.cfg.natMode !== s.natMode) {
      // Sessions are forwarded by the mode they were created with; a new mode starts afresh.
      this.sessions.clear(svc.idx);
    }
    svc.cfg = s;
    svc.enabled = s.status === 'enable';
    svc.natMode = s.natMode;
    svc.natCode = NAT_CODE[s.natMode];
    svc.dscp = s.dscp & 0x3f;
    svc.failAction = s.failAction;
    const hasChecks = s.healthChecks.some((id) => checks.has(id));
    svc.hasChecks = hasChecks;

    const members: Binding[] = [];
    const seen = new Set<number>();
    for (const m of s.reals) {
      if (seen.has(m.id)) continue;
      seen.add(m.id);
      const r = reals.get(m.id) ?? null;
      let b = svc.byReal.get(m.id);
      if (b === undefined) {
        const idx = this.freeBind.length ? this.freeBind.pop()! : this.nextBind++;
        if (idx >= this.sessions.maxReals) continue;
        b = new Binding(idx, svc, m.id, hasChecks, now);
        this.bindings[idx] = b;
        svc.byReal.set(m.id, b);
      } else {
        const rip = r?.rip ?? 0;
        if (b.rip !== (rip >>> 0) || b.rport !== (r?.rport ?? 0)) {
          // The sessions' reply tuples name the old address: they cannot continue.
          this.dropSessionsOf(b);
        }
        if (b.checked !== hasChecks) {
          b.checked = hasChecks;
          const up = !hasChecks;
          if (b.up !== up) {
            b.up = up;
            b.since = now;
          }
          b.cause = '';
        }
      }
      b.realCfg = r;
      b.rip = r === null || r.rip === null ? 0 : r.rip >>> 0;
      b.rport = r?.rport ?? 0;
      b.weight = r?.weight ?? 0;
      b.maxConns = r?.maxConns ?? 0;
      b.enabled = r !== null && r.status === 'enable';
      b.backup = m.backup;
      b.full = b.maxConns > 0 && this.sessions.realCounts[b.idx]! >= b.maxConns;
      members.push(b);
    }
    for (const [id, b] of [...svc.byReal]) if (!seen.has(id)) { svc.byReal.delete(id); this.removeBinding(b); }
    svc.members = members;
    svc.syncScheduler();

    svc.filters = s.filters.filter((f) => f.status === 'enable').map((f) => ({
      id: f.id, include: f.type === 'include', proto: protoCode(f.protocol),
      srcNet: netOf(f.srcIp), srcMask: maskOf(f.srcIp.len), dstNet: netOf(f.dstIp), dstMask: maskOf(f.dstIp.len),
    }));
    const fids = new Set(s.filters.map((f) => f.id as number));
    for (const id of [...svc.hits.keys()]) if (!fids.has(id)) svc.hits.delete(id);

    if (s.natMode === 'geneve') this.sessions.setServiceTimeout(svc.idx, s.geneve.tcpIdleTimeout, GENEVE_OTHER_IDLE_S);
    else this.sessions.setServiceTimeout(svc.idx, s.sessionTimeout);
    const st = s.sticky;
    svc.sticky = st.time > 0;
    if (svc.stickyChanged(`${st.time}|${st.srcMask}|${st.dstMask}`)) {
      this.sticky.clear(svc.idx);
      this.sticky.configureService(svc.idx, st.time, st.srcMask, st.dstMask);
    }
  }

  private dropSessionsOf(b: Binding): void {
    this.sessions.removeReal(b.idx);
    this.sticky.removeReal(b.idx);
  }

  private removeBinding(b: Binding): void {
    if (this.bindings[b.idx] !== b) return;
    this.dropSessionsOf(b);
    this.bindings[b.idx] = null;
    this.freeBind.push(b.idx);
  }

  private removeService(svc: Service): void {
    this.sessions.clear(svc.idx);
    this.sticky.clear(svc.idx);
    this.sticky.configureService(svc.idx, 0, 0, 0);
    this.sessions.setServiceTimeout(svc.idx, null);
    for (const b of svc.members) this.removeBinding(b);
    for (const b of svc.byReal.values()) this.removeBinding(b);
    this.services[svc.idx] = null;
    this.byName.delete(svc.name);
    this.freeSvc.push(svc.idx);
  }

  // ---- packet path ----

  /** Service index for (vip, proto, vport) of an enabled service, or -1. */
  serviceFor(vip: number, proto: number, vport: number): number {
    return this.vipSvc.get(vip, (proto << 16) | vport);
  }

  /** Index in vipAddrs when `addr` is a configured VIP, else -1. */
  vipIndex(addr: number): number {
    if (this.vipAddrs.length === 0) return -1;
    return this.vipAddrIdx.get(addr, 0);
  }

  /** Whether the appliance answers ARP for `addr` (a VIP) on interface `ifIdx`. */
  answersArpFor(addr: number, ifIdx: number): boolean {
    const k = this.vipIndex(addr);
    return k >= 0 && this.vipAddrs[k]!.arpIfs.includes(ifIdx);
  }

  /**
   * The port-boundary gate: whether SLB processes this packet (received on `port` in VLAN
   * `vid`). An include boundary takes what matches its conditions; an exclude boundary takes
   * what does not, and a packet matching an exclude boundary is never taken.
   */
  boundaryAllows(port: number, vid: number, m: PacketMeta): boolean {
    if (this.pbFast[port] === 1) return true;
    const list = this.pbByPort[port]!;
    if (list.length === 0) return false;
    let inc = false, excl = false;
    for (let k = 0; k < list.length; k++) {
      const b = list[k]!;
      const match = b.any || boundaryMatch(b, vid, m);
      if (b.include) {
        if (match) inc = true;
      } else {
        if (match) return false;
        excl = true;
      }
    }
    return inc || excl;
  }

  isPromiscPort(port: number): boolean {
    return this.pbPromisc[port] === 1;
  }

  // ---- health ----

  /** Applies a health report; returns the binding (or null when unknown) and whether it changed. */
  setHealth(slb: string, real: RealId, up: boolean, cause: string, now: number): Binding | null {
    const svc = this.byName.get(slb);
    const b = svc?.byReal.get(real);
    if (svc === undefined || b === undefined) return null;
    if (b.up !== up) {
      b.up = up;
      b.since = now;
    }
    b.cause = cause;
    svc.syncBinding(b);
    this.announce();
    return b;
  }
}

function boundaryMatch(b: CompiledBoundary, vid: number, m: PacketMeta): boolean {
  if (b.vid >= 0 && b.vid !== vid) return false;
  if (b.proto !== 0 && b.proto !== m.proto) return false;
  if (((m.ipSrc & b.srcMask) >>> 0) !== b.srcNet || ((m.ipDst & b.dstMask) >>> 0) !== b.dstNet) return false;
  if (b.sportFrom >= 0 || b.dportFrom >= 0) {
    if (m.proto !== IPPROTO_TCP && m.proto !== IPPROTO_UDP) return false;
    if (b.sportFrom >= 0 && (m.sport < b.sportFrom || m.sport > b.sportTo)) return false;
    if (b.dportFrom >= 0 && (m.dport < b.dportFrom || m.dport > b.dportTo)) return false;
  }
  if (b.macs.length > 0 && !b.macs.includes(m.srcMac)) return false;
  return true;
}
