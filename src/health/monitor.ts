// The health checker: runs every (check, target) of the running config on a fixed-rate
// schedule, keeps each one's up/down state (retry/recover), combines a real's checks under the
// SLB's H/C condition and tells the dataplane (HealthSink) and the operator (event log).
//
// Scheduling: the targets of one check are spread evenly over its interval (target i of n at
// offset i·interval/n from the check's epoch) and each runs at fixed rate: its next due time is
// the previous due time + interval, whatever the processing time. A probe still outstanding
// when its next one is due is ended first as if its deadline had passed. Everything waits on
// one timer (probe-scheduler.ts), so 10,000 targets cost one heap entry each, not one timer each.

import type { HcId, HealthCheckConfig, HcType, RealId, RunningConfig } from '../config/model.js';
import { routeKey } from '../config/derived.js';
import type { HcResult } from '../engine/runtime.js';
import { formatIpv4, formatPrefix, type Ipv4, type Mac, type Prefix } from '../net/addr.js';
import { readU16 } from '../packet/bytes.js';
import { InnerKind } from '../packet/meta.js';
import type { EventLog } from '../util/event-log.js';
import type { HealthSink } from './health-sink.js';
import type { ActiveProbe, IcmpErrorSink, ProbeEnv, ProbeOutcome, ProbeSpec } from './probe.js';
import type { LocalPacket, ProbeIo } from './probe-io.js';
import { createProbe } from './probes/index.js';
import type { HcTargetRow } from '../engine/runtime.js';
import { NumberPool } from './number-pool.js';
import { Prng } from '../util/prng.js';
import { ProbeScheduler, type Scheduled } from './probe-scheduler.js';
import { HcStateMachine } from './state.js';
import { planHealth, type PlannedCheck } from './targets.js';

export interface HealthMonitorOptions {
  /** Seed of the PRNG behind source ports, ICMP identifiers and TCP sequence numbers. */
  seed?: number;
  /** Source ports of TCP/UDP probes (inclusive); default 1024-65535. Ignored with `ports`. */
  portRange?: readonly [number, number];
  /** The appliance's reservation of local ports and echo identifiers (its host stack's), shared with its sockets. */
  ports?: NumberPool;
  echoIds?: NumberPool;
}

/** HcResult plus why the last probe failed ('' after a success, 'init' before the first result). */
export interface HcTargetResult extends HcResult {
  readonly cause: string;
}

/** One (check, target), for `show health-check` and debugging. */
/** A check's probing of one target: what `show health-check status` lists, plus the scheduler's view. */
export interface HcTargetInfo extends HcTargetRow {
  readonly type: HcType;
  readonly okRun: number;
  readonly failRun: number;
  /** Clock ms of the next probe (NaN when not scheduled). */
  readonly nextDueMs: number;
}

export interface RealHealth {
  readonly up: boolean;
  readonly cause: string;
  readonly graceful: boolean;
  /** Clock ms of the last change as reported to the sink. */
  readonly since: number;
}

export interface HealthStats {
  /** Probes started. */
  readonly probes: number;
  readonly successes: number;
  readonly failures: number;
  readonly timeouts: number;
  /** Worst and mean lateness of a probe against its due time (clock ms). */
  readonly worstLatenessMs: number;
  readonly meanLatenessMs: number;
  /** Probes waiting for their answer / holding resources (incl. TCP closes). */
  readonly outstanding: number;
  readonly live: number;
  readonly targets: number;
  readonly packetsSent: number;
  readonly sendFailures: number;
}

class Target implements Scheduled {
  at = 0;
  heapIdx = -1;
  seq = 0;
  readonly sm: HcStateMachine;
  rttMs = 0;
  cause = 'init';
  sinceMs = 0;
  probes = 0;
  lastSentAt = -Infinity;
  active: ActiveProbe | null = null;
  deadline: Scheduled | null = null;
  reals: RealBinding[] = [];
  routes: RouteBinding[] = [];

  constructor(readonly key: string, public hc: HealthCheckConfig, public spec: ProbeSpec, private readonly mon: HealthMonitor) {
    this.sm = new HcStateMachine(hc.retry, hc.recover);
  }

  get intervalMs(): number {
    return Math.max(1, this.hc.interval * 1000);
  }

  fire(): void {
    this.mon.due(this);
  }
}

interface BoundCheck {
  readonly hc: HealthCheckConfig;
  /** null: disabled (counts as up). */
  readonly target: Target | null;
}

class RealBinding {
  rip = 0 as Ipv4;
  condition: 'all' | 'any' = 'all';
  checks: BoundCheck[] = [];
  reported = false;
  up = false;
  cause = '';
  graceful = false;
  since = 0;
  constructor(readonly slb: string, readonly real: RealId) {}
}

class RouteBinding {
  check: BoundCheck | null = null;
  reported = false;
  up = false;
  constructor(readonly dest: Prefix, readonly gateway: Ipv4) {}
}

const IPPROTO_ICMP = 1;
const IPPROTO_IPIP = 4;

export class HealthMonitor {
  private readonly sched: ProbeScheduler;
  private readonly rng: Prng;
  private readonly env: ProbeEnv;
  private targetsByKey = new Map<string, Target>();
  private realsByKey = new Map<string, RealBinding>();
  private routesByKey = new Map<string, RouteBinding>();
  /** Per check: the epoch its slots count from, and the interval it was computed for. */
  private readonly epochs = new Map<HcId, { epoch: number; intervalMs: number }>();
  private readonly portSinks = new Map<number, IcmpErrorSink>();
  private readonly echoSinks = new Map<number, IcmpErrorSink>();
  private readonly tunnelSinks = new Map<number, IcmpErrorSink>();
  private ipId = 0;
  private tunnelIpId = 0;
  private running = false;
  private stopErrors: (() => void) | null = null;
  private counters = { probes: 0, successes: 0, failures: 0, timeouts: 0, worstLateness: 0, latenessSum: 0, sent: 0, sendFailures: 0 };

  constructor(private readonly io: ProbeIo, private readonly sink: HealthSink, private readonly log: EventLog,
    opts: HealthMonitorOptions = {}) {
    const clock = io.clock;
    this.sched = new ProbeScheduler(clock);
    this.rng = new Prng(opts.seed ?? ((clock.wallNow() ^ (process.pid << 16)) >>> 0));
    const [lo, hi] = opts.portRange ?? [1024, 65535];
    const ports = opts.ports ?? new NumberPool(lo, hi, this.rng);
    const echoIds = opts.echoIds ?? new NumberPool(1, 65535, this.rng);
    const tsOffset = this.rng.u32();
    const counters = this.counters;
    this.env = {
      io, rng: this.rng, ports, echoIds, sched: this.sched, tsOffset, live: new Set(),
      now: () => clock.now(),
      nextIpId: () => (this.ipId = (this.ipId + 1) & 0xffff),
      takeTunnelIpId: (s) => this.takeTunnelIpId(s),
      releaseTunnelIpId: (id) => { this.tunnelSinks.delete(id); },
      onPortErrors: (proto, port, s) => this.route(this.portSinks, (proto << 16) | port, s),
      onEchoErrors: (id, s) => this.route(this.echoSinks, id, s),
      sourceFor: (spec) => spec.sip ?? io.sourceFor(spec.neighbor),
      learn: (spec, from, mac, port) => this.learn(spec, from, mac, port),
      after: (ms, fn) => this.sched.at(clock.now() + ms, fn),
      cancel: (e) => { if (e) this.sched.remove(e); },
      sent: (ok) => { if (ok) counters.sent++; else counters.sendFailures++; },
    };
  }

  // ---------------------------------------------------------------- lifecycle

  /** Computes the targets of `cfg`; targets that persist keep their state. Reports new and changed health to the sink. */
  configure(cfg: RunningConfig): void {
    const plan = planHealth(cfg);
    const old = this.targetsByKey;
    const targets = new Map<string, Target>();
    const bind = (pc: PlannedCheck): BoundCheck => {
      if (pc.key === null || pc.spec === null) return { hc: pc.hc, target: null };
      let t = targets.get(pc.key);
      if (!t) {
        t = old.get(pc.key);
        if (t) {
          t.hc = pc.hc;
          t.spec = pc.spec;
          t.sm.retry = pc.hc.retry;
          t.sm.recover = pc.hc.recover;
          t.reals = [];
          t.routes = [];
        } else {
          t = new Target(pc.key, pc.hc, pc.spec, this);
        }
        targets.set(pc.key, t);
      }
      return { hc: pc.hc, target: t };
    };

    const reals = new Map<string, RealBinding>();
    for (const rp of plan.reals) {
      const key = `${rp.slb}\u0000${rp.real}`;
      const b = this.realsByKey.get(key) ?? new RealBinding(rp.slb, rp.real);
      b.rip = rp.rip;
      b.condition = rp.condition;
      b.checks = rp.checks.map(bind);
      for (const c of b.checks) if (c.target && !c.target.reals.includes(b)) c.target.reals.push(b);
      reals.set(key, b);
    }
    const routes = new Map<string, RouteBinding>();
    for (const rp of plan.routes) {
      const key = `${routeKey(rp.dest)} ${formatIpv4(rp.gateway)}`;
      const b = this.routesByKey.get(key) ?? new RouteBinding(rp.dest, rp.gateway);
      b.check = bind(rp.check);
      if (b.check.target) b.check.target.routes.push(b);
      routes.set(key, b);
    }

    for (const [key, t] of old) {
      if (!targets.has(key)) this.retire(t);
    }
    this.targetsByKey = targets;
    this.realsByKey = reals;
    this.routesByKey = routes;
    const ids = new Set<HcId>();
    for (const t of targets.values()) ids.add(t.hc.id);
    for (const id of [...this.epochs.keys()]) if (!ids.has(id)) this.epochs.delete(id);
    if (this.running) this.schedule();

    for (const b of reals.values()) this.updateReal(b, null);
    for (const b of routes.values()) this.updateRoute(b);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopErrors = this.io.listen({ proto: 'icmp-error' }, (p) => this.onIcmpError(p));
    this.sched.start();
    this.schedule();
  }

  /** Stops probing: in-flight probes are dropped (no result), closes are reset. State is kept. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    for (const t of this.targetsByKey.values()) this.quiesce(t);
    for (const p of [...this.env.live]) p.abort();
    this.sched.clear();
    this.sched.stop();
    this.stopErrors?.();
    this.stopErrors = null;
  }

  get isRunning(): boolean {
    return this.running;
  }

  // ---------------------------------------------------------------- queries

  hcResult(slb: string, real: RealId, hc: HcId): HcTargetResult {
    const b = this.realsByKey.get(`${slb}\u0000${real}`);
    const c = b?.checks.find((x) => x.hc.id === hc);
    if (!c) return { up: null, rttMs: 0, cause: '' };
    if (!c.target) return { up: true, rttMs: 0, cause: '' };
    return { up: c.target.sm.up, rttMs: c.target.rttMs, cause: c.target.cause };
  }

  /** A check over all its targets: null before any result, false when any target is down. */
  hcState(hc: HcId): { up: boolean | null } {
    let any = false;
    let disabled = false;
    for (const b of this.realsByKey.values()) for (const c of b.checks) if (c.hc.id === hc && !c.target) disabled = true;
    for (const b of this.routesByKey.values()) if (b.check?.hc.id === hc && !b.check.target) disabled = true;
    for (const t of this.targetsByKey.values()) {
      if (t.hc.id !== hc) continue;
      const up = t.sm.up;
      if (up === false) return { up: false };
      if (up === true) any = true;
    }
    return { up: any || disabled ? true : null };
  }

  /** The combined health of a real in an SLB as last reported to the sink; null if not monitored. */
  realHealth(slb: string, real: RealId): RealHealth | null {
    const b = this.realsByKey.get(`${slb}\u0000${real}`);
    return b && b.reported ? { up: b.up, cause: b.cause, graceful: b.graceful, since: b.since } : null;
  }

  /** Whether a route bound to a check is installed; null if the route has no check. */
  routeUp(dest: string | Prefix, gateway: Ipv4): boolean | null {
    const d = typeof dest === 'string' ? dest : routeKey(dest);
    const b = this.routesByKey.get(`${d} ${formatIpv4(gateway)}`);
    return b && b.reported ? b.up : null;
  }

  targets(hc?: HcId): HcTargetInfo[] {
    const out: HcTargetInfo[] = [];
    for (const t of this.targetsByKey.values()) {
      if (hc !== undefined && t.hc.id !== hc) continue;
      out.push({
        hc: t.hc.id, type: t.spec.type, dst: t.spec.dst, port: t.spec.port, tunnelTo: t.spec.tunnelTo,
        up: t.sm.up, rttMs: t.rttMs, cause: t.cause, sinceMs: t.sinceMs, probes: t.probes,
        okRun: t.sm.okRun, failRun: t.sm.failRun, nextDueMs: t.heapIdx >= 0 ? t.at : NaN,
        users: [
          ...t.reals.map((b) => `slb ${b.slb} real ${b.real}`),
          ...t.routes.map((b) => `route ${formatPrefix(b.dest)} ${formatIpv4(b.gateway)}`),
        ],
      });
    }
    return out;
  }

  stats(): HealthStats {
    const c = this.counters;
    let outstanding = 0;
    for (const t of this.targetsByKey.values()) if (t.active) outstanding++;
    return {
      probes: c.probes, successes: c.successes, failures: c.failures, timeouts: c.timeouts,
      worstLatenessMs: c.worstLateness, meanLatenessMs: c.probes ? c.latenessSum / c.probes : 0,
      outstanding, live: this.env.live.size, targets: this.targetsByKey.size,
      packetsSent: c.sent, sendFailures: c.sendFailures,
    };
  }

  // ---------------------------------------------------------------- scheduling

  /**
   * Places every target on its check's grid: slot i of n at epoch + i·I/n + k·I. A target
   * that has run keeps at least one interval since its last probe (the first grid point of
   * its slot from then on); a new target takes the first grid point from now.
   */
  private schedule(): void {
    const now = this.io.clock.now();
    const groups = new Map<HcId, Target[]>();
    for (const t of this.targetsByKey.values()) {
      let g = groups.get(t.hc.id);
      if (!g) groups.set(t.hc.id, (g = []));
      g.push(t);
    }
    for (const [id, group] of groups) {
      const I = group[0]!.intervalMs;
      let e = this.epochs.get(id);
      if (!e || e.intervalMs !== I) this.epochs.set(id, (e = { epoch: now, intervalMs: I }));
      const n = group.length;
      for (let i = 0; i < n; i++) {
        const t = group[i]!;
        const off = e.epoch + (i * I) / n;
        const earliest = Math.max(now, t.lastSentAt + I);
        const k = Math.ceil((earliest - off) / I);
        t.at = Math.max(off + k * I, now);
        this.sched.add(t);
      }
    }
  }

  /** A target's probe is due (called by the scheduler at or after t.at). */
  due(t: Target): void {
    const now = this.io.clock.now();
    const due = t.at;
    const late = now - due;
    const c = this.counters;
    if (late > c.worstLateness) c.worstLateness = late;
    c.latenessSum += late;
    // Fixed rate: the next slot counts from this due time, not from now.
    const I = t.intervalMs;
    let next = due + I;
    if (next <= now) next += Math.floor((now - next) / I + 1) * I;
    t.at = next;
    this.sched.add(t);
    if (t.active) t.active.expire();
    this.launch(t, now);
  }

  private launch(t: Target, now: number): void {
    t.lastSentAt = now;
    t.probes++;
    this.counters.probes++;
    const p: ActiveProbe = createProbe(this.env, t.spec, (o) => this.outcome(t, p, o));
    t.active = p;
    p.start();
    if (t.active === p) {
      t.deadline = this.sched.at(now + t.spec.timeoutMs, () => {
        t.deadline = null;
        if (t.active === p) p.expire();
      });
    }
  }

  private outcome(t: Target, p: ActiveProbe, o: ProbeOutcome): void {
    if (t.active !== p) return;
    t.active = null;
    if (t.deadline) {
      this.sched.remove(t.deadline);
      t.deadline = null;
    }
    const c = this.counters;
    if (o.ok) c.successes++;
    else {
      c.failures++;
      if (o.cause === 'timeout') c.timeouts++;
    }
    this.apply(t, o);
  }

  /** Ends what a target has in flight without a result and takes it off the schedule. */
  private quiesce(t: Target): void {
    this.sched.remove(t);
    if (t.deadline) {
      this.sched.remove(t.deadline);
      t.deadline = null;
    }
    const p = t.active;
    t.active = null;
    p?.abort();
  }

  private retire(t: Target): void {
    this.quiesce(t);
    t.reals = [];
    t.routes = [];
  }

  // ---------------------------------------------------------------- state

  private apply(t: Target, o: ProbeOutcome): void {
    const now = this.io.clock.now();
    const prevCause = t.cause;
    t.rttMs = o.rttMs;
    t.cause = o.ok ? '' : o.cause;
    const was = t.sm.up === true;
    if (!t.sm.record(o.ok)) {
      // Still down, but now for another reason (e.g. the first failure after 'init'): say why.
      if (!o.ok && t.sm.phase === 'down' && t.cause !== prevCause) for (const b of t.reals) this.updateReal(b, t);
      return;
    }
    t.sinceMs = now;
    const is = t.sm.up === true;
    const change = `${was ? 'up' : 'down'} -> ${is ? 'up' : 'down'}${is ? '' : ` (${t.cause})`}`;
    const what = `health-check ${t.hc.id} ${t.hc.type}`;
    for (const b of t.reals) this.log.add('health', `slb ${b.slb} real ${b.real} (${formatIpv4(b.rip)}) ${what}: ${change}`);
    for (const b of t.routes) this.log.add('health', `route ${formatPrefix(b.dest)} gateway ${formatIpv4(b.gateway)} ${what}: ${change}`);
    for (const b of t.reals) this.updateReal(b, t);
    for (const b of t.routes) this.updateRoute(b);
  }

  /**
   * Combines a real's checks and tells the sink when the result differs from what it was
   * told: up/down, or (while down) the cause. A cause-only update repeats the graceful flag
   * of the transition, so that it never removes sessions a graceful shutdown kept.
   */
  private updateReal(b: RealBinding, trigger: Target | null): void {
    let up: boolean;
    if (b.checks.length === 0) up = true;
    else if (b.condition === 'any') up = b.checks.some(isUp);
    else up = b.checks.every(isUp);
    let cause = '';
    let graceful = false;
    if (!up) {
      const c = (trigger && b.checks.find((x) => x.target === trigger && !isUp(x))) ?? b.checks.find((x) => !isUp(x))!;
      cause = c.target ? c.target.cause || 'init' : '';
      graceful = c.hc.gracefulShutdown === 'enable';
    }
    if (b.reported && b.up === up) {
      if (up || cause === b.cause) return;
      b.cause = cause;
      this.sink.setRealHealth(b.slb, b.real, false, cause, b.graceful);
      return;
    }
    b.reported = true;
    b.up = up;
    b.cause = cause;
    b.graceful = graceful;
    b.since = this.io.clock.now();
    this.sink.setRealHealth(b.slb, b.real, up, cause, graceful);
  }

  private updateRoute(b: RouteBinding): void {
    const up = b.check ? isUp(b.check) : true;
    if (b.reported && b.up === up) return;
    b.reported = true;
    b.up = up;
    this.sink.setRouteHealth(b.dest, b.gateway, up);
  }

  // ---------------------------------------------------------------- packets

  private route(map: Map<number, IcmpErrorSink>, key: number, s: IcmpErrorSink | null): void {
    if (s) map.set(key, s);
    else map.delete(key);
  }

  private takeTunnelIpId(s: IcmpErrorSink): number {
    for (let i = 0; i < 65536; i++) {
      this.tunnelIpId = (this.tunnelIpId + 1) & 0xffff;
      if (!this.tunnelSinks.has(this.tunnelIpId)) break;
    }
    this.tunnelSinks.set(this.tunnelIpId, s);
    return this.tunnelIpId;
  }

  private learn(spec: ProbeSpec, from: Ipv4, mac: Mac, port: number): void {
    if (from === spec.neighbor && spec.neighborOnLink) this.io.learnNeighbor(from, mac, port);
  }

  /** ICMP errors: find the probe whose packet is quoted (by port, echo id, or inner IP id for IP-in-IP). */
  private onIcmpError(p: LocalPacket): void {
    const m = p.meta;
    if (m.proto !== IPPROTO_ICMP || m.innerKind !== InnerKind.ICMP_QUOTE) return;
    const type = m.icmpType;
    if (type !== 3 && type !== 11 && type !== 12) return;
    const q = m.inner;
    let s: IcmpErrorSink | undefined;
    if (q.proto === 6 || q.proto === 17) s = this.portSinks.get((q.proto << 16) | q.sport);
    else if (q.proto === IPPROTO_ICMP) s = this.echoSinks.get(q.icmpId);
    else if (q.proto === IPPROTO_IPIP && q.l3End - q.l4Off >= 6) s = this.tunnelSinks.get(readU16(p.frame, q.l4Off + 4));
    if (s && s.matchesQuote(q, p.frame)) s.onIcmpError(type, m.icmpCode, q.proto, m.ipSrc);
  }
}

function isUp(c: BoundCheck): boolean {
  return c.target === null || c.target.sm.phase === 'up';
}
