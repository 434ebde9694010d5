// The embedded lab as the appliance's World: a virtual clock, simulated hosts, switches and
// links, and the appliance's ports as the far ends of some links.
//
// Pacing: `instant` (batches and tests) moves virtual time only when asked — `wait(ms)` runs
// everything due in the next ms at once; `realtime` (the interactive console) advances virtual
// time with a wall-clock timer, and `wait` really waits.

import type { World } from '../appliance.js';
import type { PortBackend } from '../ports/backend.js';
import { RealClock, VirtualClock, type Clock, type Timer } from '../util/clock.js';
import { parseIpv4 } from '../net/addr.js';
import { Host, type HostOptions } from './host/host.js';
import { DEFAULT_LINK_DELAY_MS, Link, LinkPort, type LinkAttachable, type LinkTap } from './link.js';
import { Prng, hashString } from '../util/prng.js';
import { L2Switch } from './switch.js';

export type Pacing = 'instant' | 'realtime';

export interface LabWorldOptions {
  readonly name?: string;
  /** The clock the appliance shares; default a new VirtualClock. */
  readonly clock?: VirtualClock;
  /** Seeds every host's PRNG (ISNs, ports, ids): same seed, same run. Default 1. */
  readonly seed?: number;
  /** One-way delay of every link (default 0.05 ms). */
  readonly linkDelayMs?: number;
  readonly pacing?: Pacing;
  /** The wall clock real-time pacing follows (default RealClock). */
  readonly wallClock?: Clock;
  /** How often real-time pacing advances virtual time (default 5 ms). */
  readonly tickMs?: number;
}

/** Runs `fn` after the current macrotask, so that promise chains (the engine's) settle in between. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class LabWorld implements World {
  readonly name: string;
  readonly clock: VirtualClock;
  readonly seed: number;
  readonly linkDelayMs: number;
  readonly links: Link[] = [];
  private readonly hostMap = new Map<string, Host>();
  private readonly switchMap = new Map<string, L2Switch>();
  private readonly ports = new Map<number, LinkPort>();
  private readonly taps = new Set<LinkTap>();
  private pacingMode: Pacing;
  private readonly wall: Clock | null;
  private readonly tickMs: number;
  private driver: Timer | null = null;
  private lastWall = 0;
  private closed = false;

  constructor(opts: LabWorldOptions = {}) {
    this.name = opts.name ?? 'lab';
    this.clock = opts.clock ?? new VirtualClock();
    this.seed = (opts.seed ?? 1) >>> 0;
    this.linkDelayMs = opts.linkDelayMs ?? DEFAULT_LINK_DELAY_MS;
    this.wall = opts.wallClock ?? null;
    this.tickMs = opts.tickMs ?? 5;
    this.pacingMode = 'instant';
    this.setPacing(opts.pacing ?? 'instant');
  }

  // ---- topology ----

  addHost(name: string, opts: HostOptions = {}): Host {
    if (this.hostMap.has(name) || this.switchMap.has(name) || name === 'appliance') {
      throw new Error(`the lab already has something named ${name}`);
    }
    const h = new Host(name, this.clock, { ...opts, seed: opts.seed ?? new Prng(hashString(name, this.seed)).u32() });
    this.hostMap.set(name, h);
    return h;
  }

  addRouter(name: string, opts: HostOptions = {}): Host {
    return this.addHost(name, { role: 'router', ...opts, forwarding: true });
  }

  addSwitch(name: string, ports = 8): L2Switch {
    if (this.hostMap.has(name) || this.switchMap.has(name) || name === 'appliance') {
      throw new Error(`the lab already has something named ${name}`);
    }
    const s = new L2Switch(name, ports, this.clock);
    this.switchMap.set(name, s);
    return s;
  }

  /** The lab side's handle for appliance port `n` (created on first use). */
  appliancePort(n: number): LinkPort {
    if (!Number.isInteger(n) || n < 1 || n > 16) throw new RangeError(`no appliance port ${n}`);
    let p = this.ports.get(n);
    if (!p) {
      p = new LinkPort(n, `lab port ${n}`);
      this.ports.set(n, p);
    }
    return p;
  }

  /**
   * An endpoint by label: `HOST.NIC` (`client.eth0`), `SWITCH.N` (`sw2.3`), `appliance.N`.
   */
  endpoint(label: string): LinkAttachable {
    const dot = label.lastIndexOf('.');
    if (dot <= 0) throw new Error(`bad endpoint "${label}": use HOST.NIC, SWITCH.PORT or appliance.PORT`);
    const owner = label.slice(0, dot);
    const part = label.slice(dot + 1);
    if (owner === 'appliance') return this.appliancePort(Number(part));
    const sw = this.switchMap.get(owner);
    if (sw) return sw.port(Number(part));
    const h = this.hostMap.get(owner);
    if (h) return h.nic(part);
    throw new Error(`bad endpoint "${label}": no host or switch ${owner}`);
  }

  /** Connects two endpoints (objects or labels) with a new link. */
  connect(a: LinkAttachable | string, b: LinkAttachable | string, delayMs = this.linkDelayMs): Link {
    const x = typeof a === 'string' ? this.endpoint(a) : a;
    const y = typeof b === 'string' ? this.endpoint(b) : b;
    for (const l of this.links) {
      if ([l.a.label, l.b.label].some((t) => t === x.label || t === y.label)) {
        throw new Error(`${l.a.label === x.label || l.b.label === x.label ? x.label : y.label} is already connected`);
      }
    }
    const link = new Link(this.clock, delayMs, this.taps).join(x, y);
    this.links.push(link);
    return link;
  }

  /** The link one of whose ends is plugged into `label`. */
  linkAt(label: string): Link | undefined {
    return this.links.find((l) => l.a.label === label || l.b.label === label);
  }

  /** Sees every frame on every link; returns the function that stops. */
  tap(fn: LinkTap): () => void {
    this.taps.add(fn);
    return () => void this.taps.delete(fn);
  }

  /** The PortBackend of appliance port `n`, or null when no link reaches it. */
  portBackend(n: number): PortBackend | null {
    const p = this.ports.get(n);
    return p && p.peerLabel !== null ? p : null;
  }

  /** Appliance ports that have a link, ascending. */
  connectedPorts(): number[] {
    return [...this.ports.values()].filter((p) => p.peerLabel !== null).map((p) => p.port).sort((a, b) => a - b);
  }

  hosts(): Host[] {
    return [...this.hostMap.values()];
  }

  switches(): L2Switch[] {
    return [...this.switchMap.values()];
  }

  host(name: string): Host | undefined {
    return this.hostMap.get(name);
  }

  /**
   * A host by name, or by an address on one of its interfaces (or, when only one host has it,
   * on its loopback).
   */
  findHost(nameOrAddr: string): Host | undefined {
    const byName = this.hostMap.get(nameOrAddr);
    if (byName) return byName;
    const a = parseIpv4(nameOrAddr);
    if (a === null) return undefined;
    const hosts = this.hosts();
    const onNic = hosts.find((h) => h.nics.some((n) => n.hasAddress(a)));
    if (onNic) return onNic;
    const onLo = hosts.filter((h) => h.lo.hasAddress(a));
    return onLo.length === 1 ? onLo[0] : undefined;
  }

  /** `client.eth0 <-> router.eth2` lines, for diagnostics. */
  describeLinks(): string[] {
    return this.links.map((l) => l.label);
  }

  // ---- time ----

  get pacing(): Pacing {
    return this.pacingMode;
  }

  /** Switches between instant and real-time pacing. */
  setPacing(p: Pacing): void {
    this.pacingMode = p;
    this.driver?.cancel();
    this.driver = null;
    if (p === 'realtime' && !this.closed) {
      const wall = this.wall ?? new RealClock();
      this.lastWall = wall.now();
      this.driver = wall.setInterval(() => {
        const now = wall.now();
        const d = now - this.lastWall;
        this.lastWall = now;
        if (d > 0) this.clock.advance(d);
      }, this.tickMs);
    }
  }

  /** Runs everything due in the next `ms` of virtual time, synchronously (tests). */
  runFor(ms: number): void {
    this.clock.advance(ms);
  }

  /** Lets `ms` of virtual time pass: at once (instant) or along with the wall clock (real time). */
  async wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || signal?.aborted) return;
    if (this.pacingMode === 'instant') {
      await this.step(this.clock.now() + Math.max(0, ms), signal, null);
      return;
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        t.cancel();
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const t = this.clock.setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * Lets time pass until `p` settles or `maxMs` have gone by; returns its value, or null if it
   * did not settle in time (or the wait was aborted).
   */
  async settle<T>(p: Promise<T>, maxMs: number, signal?: AbortSignal): Promise<T | null> {
    let done = false;
    let value: T | null = null;
    void p.then((v) => {
      done = true;
      value = v;
    });
    if (this.pacingMode === 'instant') {
      await this.step(this.clock.now() + Math.max(0, maxMs), signal, () => done);
      await nextTurn();
      return done ? value : null;
    }
    await new Promise<void>((resolve) => {
      const finish = () => {
        t.cancel();
        signal?.removeEventListener('abort', finish);
        resolve();
      };
      const t = this.clock.setTimeout(finish, maxMs);
      signal?.addEventListener('abort', finish, { once: true });
      void p.then(finish);
    });
    return done ? value : null;
  }

  /** Instant pacing: fires timers in order up to `end`, yielding between instants. */
  private async step(end: number, signal: AbortSignal | undefined, until: (() => boolean) | null): Promise<void> {
    for (;;) {
      if (until?.() || signal?.aborted || this.closed) return;
      const next = this.clock.nextDue();
      if (next === null || next > end) {
        this.clock.advance(Math.max(0, end - this.clock.now()));
        return;
      }
      this.clock.advance(Math.max(0, next - this.clock.now()));
      await nextTurn();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.driver?.cancel();
    this.driver = null;
    for (const l of this.links) l.up = false;
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
