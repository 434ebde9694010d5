// The RIB: every route from every source, per prefix, and the selection that feeds the FIB.
//
// A route is keyed by (prefix, source, owner): the owner tells apart routes of one source to
// one prefix (two static routes with different gateways, one BGP route per peer). Per prefix
// the usable candidates (distance < 255) with the lowest distance, then the lowest metric,
// are selected together, and the union of their next hops is the prefix's ECMP group. Each
// add or withdraw reselects that one prefix only; when its selection changes, the FIB entry
// of that prefix is rewritten (its ECMP group derived from the previous one, so flows on the
// next hops that stay do not move) and the generation counter is bumped. Subscribers hear of
// every change, with whether the selection changed. The fast path reads the FIB (an LPM of
// group ids) and the groups' bucket tables.

import { maskOf, type Ipv4, type Prefix } from '../net/addr.js';
import { EcmpGroups, MAX_ECMP_PATHS } from './ecmp.js';
import { Lpm } from './lpm.js';
import { PrefixMap } from './prefix-map.js';
import { MAX_IF_IDX, NextHopTable, type NextHop } from './nexthops.js';

export type RouteSource = 'kernel' | 'connected' | 'static' | 'ospf' | 'bgp';
export const ROUTE_SOURCES: readonly RouteSource[] = ['kernel', 'connected', 'static', 'ospf', 'bgp'];

/** Administrative distances (FRR's defaults); BGP is eBGP, iBGP routes pass IBGP_DISTANCE. */
export const DEFAULT_DISTANCE: Readonly<Record<RouteSource, number>> = {
  kernel: 0, connected: 0, static: 1, ospf: 110, bgp: 20,
};
export const IBGP_DISTANCE = 200;
/** A route at this distance is kept but never selected (as in IOS and FRR). */
export const UNUSABLE_DISTANCE = 255;

export interface RouteInput {
  /** Host bits are ignored. */
  readonly prefix: { readonly addr: number; readonly len: number };
  readonly source: RouteSource;
  /** Tells apart routes of one source to one prefix (a peer, a gateway); default ''. */
  readonly owner?: string;
  /** Default: DEFAULT_DISTANCE[source]. */
  readonly distance?: number;
  /** Default 0. */
  readonly metric?: number;
  /** At least one. */
  readonly nexthops: readonly NextHop[];
}

export interface Route {
  /** The network (host bits clear). */
  readonly prefix: Prefix;
  readonly source: RouteSource;
  readonly owner: string;
  readonly distance: number;
  readonly metric: number;
  /** Distinct, ordered by interface then gateway. */
  readonly nexthops: readonly NextHop[];
}

/** What a prefix forwards with: the best candidates merged. */
export interface Selection {
  readonly prefix: Prefix;
  /** Source of the first selected route. */
  readonly source: RouteSource;
  readonly distance: number;
  readonly metric: number;
  /** Every usable candidate with that distance and metric. */
  readonly routes: readonly Route[];
  /** Union of their next hops (the ECMP paths), ordered by interface then gateway, at most MAX_ECMP_PATHS. */
  readonly nexthops: readonly NextHop[];
  /** The ECMP group installed in the FIB. */
  readonly group: number;
}

export interface RibEntry {
  readonly prefix: Prefix;
  /** All candidates, best first. */
  readonly routes: readonly Route[];
  readonly selected: Selection | null;
}

export interface RibChange {
  readonly prefix: Prefix;
  /** The selection (and so maybe the FIB) changed; false when only a losing candidate did. */
  readonly bestChanged: boolean;
  /** The generation after the change. */
  readonly gen: number;
}

export type RibListener = (change: RibChange) => void;

export interface SourceCount {
  /** Routes of the source in the RIB. */
  routes: number;
  /** Of those, routes selected (forwarding). */
  fib: number;
}

interface PrefixState {
  readonly prefix: Prefix;
  /** Best first. */
  routes: Route[];
  selected: Selection | null;
}

const SOURCE_RANK: Readonly<Record<RouteSource, number>> = { kernel: 0, connected: 1, static: 2, ospf: 3, bgp: 4 };

/** The prefixes' states: a typed index (prefix -> slot) over an array, so no boxed keys. */
class PrefixStates {
  private readonly index = new PrefixMap();
  private readonly slots: (PrefixState | null)[] = [];
  private readonly freeSlots: number[] = [];

  get size(): number {
    return this.index.size;
  }

  get(net: number, len: number): PrefixState | undefined {
    const i = this.index.get(net, len);
    return i < 0 ? undefined : this.slots[i]!;
  }

  add(st: PrefixState): void {
    const i = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.slots.length;
    this.slots[i] = st;
    this.index.set(st.prefix.addr, st.prefix.len, i);
  }

  delete(st: PrefixState): void {
    const i = this.index.delete(st.prefix.addr, st.prefix.len);
    this.slots[i] = null;
    this.freeSlots.push(i);
  }

  *values(): IterableIterator<PrefixState> {
    for (const s of this.slots) if (s) yield s;
  }
}

function preference(a: Route, b: Route): number {
  return a.distance - b.distance || a.metric - b.metric || SOURCE_RANK[a.source] - SOURCE_RANK[b.source] ||
    (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0);
}

function nextHopOrder(a: NextHop, b: NextHop): number {
  return a.ifIdx - b.ifIdx || a.gw - b.gw;
}

function sameNextHops(a: readonly NextHop[], b: readonly NextHop[]): boolean {
  return a.length === b.length && a.every((n, i) => n.gw === b[i]!.gw && n.ifIdx === b[i]!.ifIdx);
}

function sameRoute(a: Route, b: Route): boolean {
  return a.distance === b.distance && a.metric === b.metric && sameNextHops(a.nexthops, b.nexthops);
}

/** Distinct next hops in order, at most `limit` (copies, so that the caller's objects may change). */
function normalizeNextHops(list: readonly NextHop[], limit: number): NextHop[] {
  const sorted = list.map((n) => ({ gw: n.gw, ifIdx: n.ifIdx }));
  let ordered = true;
  for (let k = 1; k < sorted.length && ordered; k++) ordered = nextHopOrder(sorted[k - 1]!, sorted[k]!) < 0;
  if (ordered) return sorted.length > limit ? sorted.slice(0, limit) : sorted;
  sorted.sort(nextHopOrder);
  const out: NextHop[] = [];
  for (const n of sorted) {
    const last = out[out.length - 1];
    if (last && last.gw === n.gw && last.ifIdx === n.ifIdx) continue;
    if (out.length === limit) break;
    out.push(n);
  }
  return out;
}

function checkInt(what: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`${what} out of range: ${v}`);
}

function normalizePrefix(p: { readonly addr: number; readonly len: number }): Prefix {
  checkInt('prefix length', p.len, 0, 32);
  return { addr: ((p.addr & maskOf(p.len)) >>> 0) as Ipv4, len: p.len };
}

export class Rib {
  readonly nexthops = new NextHopTable();
  readonly groups = new EcmpGroups(this.nexthops);
  /** The FIB: prefix -> ECMP group id. */
  readonly fib = new Lpm();
  private readonly prefixes = new PrefixStates();
  private readonly listeners: RibListener[] = [];
  private generation = 0;
  private nRoutes = 0;

  /** Bumped whenever a prefix's selection changes. */
  get gen(): number {
    return this.generation;
  }

  /** Prefixes with at least one route. */
  get prefixCount(): number {
    return this.prefixes.size;
  }

  /** Routes of every source. */
  get routeCount(): number {
    return this.nRoutes;
  }

  subscribe(l: RibListener): () => void {
    this.listeners.push(l);
    return () => {
      const i = this.listeners.indexOf(l);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  // ------------------------------------------------------------------ fast path

  /** The next-hop id for a packet to `dst` in flow `flowHash`, or -1 when no route. Allocation-free. */
  lookup(dst: number, flowHash: number): number {
    const g = this.fib.lookup(dst);
    return g < 0 ? -1 : this.groups.select(g, flowHash);
  }

  /** The ECMP group for `dst`, or -1. */
  lookupGroup(dst: number): number {
    return this.fib.lookup(dst);
  }

  /** Interface index of next hop `id`. */
  nhIfIdx(id: number): number {
    return this.nexthops.nhIf[id]!;
  }

  /** Gateway of next hop `id`: 0 when the destination is on the link (send to it directly). */
  nhGateway(id: number): number {
    return this.nexthops.nhGw[id]!;
  }

  // ------------------------------------------------------------------ slow path

  /** The selection of the longest prefix holding `dst`, or null. */
  lookupRoute(dst: number): Selection | null {
    const len = this.fib.matchLength(dst);
    if (len < 0) return null;
    return this.prefixes.get((dst & maskOf(len)) >>> 0, len)?.selected ?? null;
  }

  /** All routes to exactly `prefix` (host bits ignored), best first. */
  routesFor(prefix: { readonly addr: number; readonly len: number }): readonly Route[] {
    const p = normalizePrefix(prefix);
    return this.prefixes.get(p.addr, p.len)?.routes ?? [];
  }

  /** The selection of exactly `prefix`, or null. */
  best(prefix: { readonly addr: number; readonly len: number }): Selection | null {
    const p = normalizePrefix(prefix);
    return this.prefixes.get(p.addr, p.len)?.selected ?? null;
  }

  /** Every prefix, by address then length (the order of `show ip route`). */
  *entries(): IterableIterator<RibEntry> {
    const all = [...this.prefixes.values()].sort((a, b) => a.prefix.addr - b.prefix.addr || a.prefix.len - b.prefix.len);
    for (const s of all) yield { prefix: s.prefix, routes: s.routes, selected: s.selected };
  }

  /** Routes and selected routes per source (sources with none are absent). */
  countsBySource(): Map<RouteSource, SourceCount> {
    const out = new Map<RouteSource, SourceCount>();
    for (const s of this.prefixes.values()) {
      for (const r of s.routes) {
        let c = out.get(r.source);
        if (!c) out.set(r.source, (c = { routes: 0, fib: 0 }));
        c.routes++;
        if (s.selected?.routes.includes(r)) c.fib++;
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ updates

  /** Adds a route, or replaces the route of the same (prefix, source, owner). Returns whether the RIB changed. */
  add(input: RouteInput): boolean {
    const prefix = normalizePrefix(input.prefix);
    if (!Object.hasOwn(SOURCE_RANK, input.source)) throw new RangeError(`unknown route source: ${String(input.source)}`);
    const distance = input.distance ?? DEFAULT_DISTANCE[input.source];
    const metric = input.metric ?? 0;
    checkInt('distance', distance, 0, UNUSABLE_DISTANCE);
    checkInt('metric', metric, 0, 0xffffffff);
    if (input.nexthops.length === 0) throw new RangeError('a route needs a next hop');
    for (const n of input.nexthops) {
      checkInt('gateway', n.gw, 0, 0xffffffff);
      checkInt('interface index', n.ifIdx, 0, MAX_IF_IDX);
    }
    let st = this.prefixes.get(prefix.addr, prefix.len);
    if (!st) {
      st = { prefix, routes: [], selected: null };
      this.prefixes.add(st);
    }
    const route: Route = {
      prefix: st.prefix, source: input.source, owner: input.owner ?? '', distance, metric,
      nexthops: normalizeNextHops(input.nexthops, Infinity),
    };
    const at = st.routes.findIndex((r) => r.source === route.source && r.owner === route.owner);
    if (at >= 0) {
      if (sameRoute(st.routes[at]!, route)) return false;
      st.routes[at] = route;
    } else {
      st.routes.push(route);
      this.nRoutes++;
    }
    if (st.routes.length > 1) st.routes.sort(preference);
    this.reselect(st);
    return true;
  }

  /** Withdraws the route of (prefix, source, owner). Returns whether there was one. */
  withdraw(prefix: { readonly addr: number; readonly len: number }, source: RouteSource, owner = ''): boolean {
    const p = normalizePrefix(prefix);
    const st = this.prefixes.get(p.addr, p.len);
    if (!st) return false;
    const at = st.routes.findIndex((r) => r.source === source && r.owner === owner);
    if (at < 0) return false;
    st.routes.splice(at, 1);
    this.nRoutes--;
    this.reselect(st);
    return true;
  }

  /** Withdraws every route of `source` (of `owner` only, when given), one at a time. Returns how many. */
  withdrawAll(source: RouteSource, owner?: string): number {
    const doomed: Route[] = [];
    for (const s of this.prefixes.values()) {
      for (const r of s.routes) if (r.source === source && (owner === undefined || r.owner === owner)) doomed.push(r);
    }
    for (const r of doomed) this.withdraw(r.prefix, r.source, r.owner);
    return doomed.length;
  }

  private reselect(st: PrefixState): void {
    const old = st.selected;
    const next = this.select(st);
    const bestChanged = old === null ? next !== null : next === null || !sameSelection(old, next);
    if (bestChanged) {
      if (next !== null) {
        const ids = next.nexthops.map((n) => this.nexthops.acquire(n.gw, n.ifIdx)).sort((a, b) => a - b);
        next.group = old !== null ? this.groups.acquireChanged(old.group, ids) : this.groups.acquireFresh(ids);
        for (const id of ids) this.nexthops.release(id);
        this.fib.insert(st.prefix.addr, st.prefix.len, next.group);
      } else {
        this.fib.delete(st.prefix.addr, st.prefix.len);
      }
      if (old !== null) this.groups.release(old.group);
      st.selected = next;
      this.generation++;
    }
    if (st.routes.length === 0) this.prefixes.delete(st);
    if (this.listeners.length === 0) return;
    const change: RibChange = { prefix: st.prefix, bestChanged, gen: this.generation };
    for (const l of this.listeners) l(change);
  }

  private select(st: PrefixState): { -readonly [K in keyof Selection]: Selection[K] } | null {
    const first = st.routes[0];
    if (!first || first.distance >= UNUSABLE_DISTANCE) return null;
    const routes: Route[] = [first];
    let hops = first.nexthops;
    for (let k = 1; k < st.routes.length; k++) {
      const r = st.routes[k]!;
      if (r.distance !== first.distance || r.metric !== first.metric) break;
      routes.push(r);
    }
    if (routes.length > 1 || hops.length > MAX_ECMP_PATHS) {
      hops = normalizeNextHops(routes.flatMap((r) => r.nexthops), MAX_ECMP_PATHS);
    }
    return {
      prefix: st.prefix, source: first.source, distance: first.distance, metric: first.metric, routes, nexthops: hops, group: -1,
    };
  }
}

function sameSelection(a: Selection, b: Selection): boolean {
  return a.distance === b.distance && a.metric === b.metric && a.routes.length === b.routes.length &&
    a.routes.every((r, i) => r === b.routes[i]) && sameNextHops(a.nexthops, b.nexthops);
}

export type { NextHop } from './nexthops.js';
