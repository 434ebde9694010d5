// L3 tables: the data interfaces (one per VLAN that has an interface; `mgmt` is out of band
// and ignored here) and the forwarding table (connected networks, static network routes,
// the default gateway) with longest-prefix match.

import type { RunningConfig } from '../config/model.js';
import { MGMT_IF } from '../config/defaults.js';
import { formatIpv4, formatPrefix, maskOf, type Prefix } from '../net/addr.js';
import type { VlanTable } from './l2.js';

export interface L3If {
  readonly idx: number;
  readonly name: string;
  readonly vid: number;
  /** Unsigned address, 0 when the interface has none. */
  readonly addr: number;
  readonly len: number;
  readonly mask: number;
  readonly net: number;
  readonly bcast: number;
  readonly hasAddr: boolean;
}

export class InterfaceTable {
  list: L3If[] = [];
  /** VLAN id -> interface index, -1 when the VLAN has no (enabled) interface. */
  readonly byVid = new Int16Array(4096).fill(-1);
  /** Unsigned addresses of the addressed interfaces (parallel to addrIf). */
  private addrs = new Float64Array(0);
  private addrIf = new Int32Array(0);

  configure(cfg: RunningConfig, vlans: VlanTable): void {
    for (const i of this.list) this.byVid[i.vid] = -1;
    const list: L3If[] = [];
    for (const i of cfg.interfaces) {
      if (i.name === MGMT_IF || i.shutdown) continue;
      const vid = vlans.byName.get(i.name);
      if (vid === undefined) continue;
      const a = i.address;
      const len = a ? a.len : 0;
      const mask = a ? maskOf(len) : 0;
      const addr = a ? a.addr >>> 0 : 0;
      const net = (addr & mask) >>> 0;
      list.push({
        idx: list.length, name: i.name, vid, addr, len, mask, net,
        bcast: a ? (net | ~mask) >>> 0 : 0, hasAddr: a !== null && addr !== 0,
      });
    }
    this.list = list;
    for (const i of list) this.byVid[i.vid] = i.idx;
    const addressed = list.filter((i) => i.hasAddr);
    this.addrs = Float64Array.from(addressed.map((i) => i.addr));
    this.addrIf = Int32Array.from(addressed.map((i) => i.idx));
  }

  /** Index of the interface owning address `ip`, or -1. */
  ownerOf(ip: number): number {
    ip = ip >>> 0;
    const a = this.addrs;
    for (let k = 0; k < a.length; k++) if (a[k] === ip) return this.addrIf[k]!;
    return -1;
  }

  isOwn(ip: number): boolean {
    return this.ownerOf(ip) >= 0;
  }

  /** The addressed interface whose subnet holds `ip`, or -1. */
  subnetOf(ip: number): number {
    for (const i of this.list) if (i.hasAddr && ((ip & i.mask) >>> 0) === i.net) return i.idx;
    return -1;
  }

  /** Directed broadcast of one of the interfaces. */
  isBroadcast(ip: number): boolean {
    ip = ip >>> 0;
    if (ip === 0xffffffff) return true;
    for (const i of this.list) if (i.hasAddr && i.len < 31 && i.bcast === ip) return true;
    return false;
  }
}

export type RouteKind = 'connected' | 'static' | 'default';

export interface FibRoute {
  readonly kind: RouteKind;
  readonly net: number;
  readonly len: number;
  readonly mask: number;
  /** Next hop, 0 for a connected network (the destination itself is the next hop). */
  readonly gw: number;
  readonly ifIdx: number;
  readonly priority: number;
  /** Bound to a health check: installed only while `up`. */
  readonly hcBound: boolean;
  /** `a.b.c.d/len gw` (the key of route health). */
  readonly key: string;
  up: boolean;
}

export function routeHealthKey(dest: Prefix | string, gateway: number): string {
  return `${typeof dest === 'string' ? dest : formatPrefix(dest)} ${formatIpv4(gateway)}`;
}

const DEFAULT_GW_PRIORITY = 1000;

/** The forwarding table. Routes are kept sorted (longest prefix, then lowest priority) so a lookup is the first match. */
export class Fib {
  routes: FibRoute[] = [];
  /** Health of HC-bound routes by key; survives reconfiguration. */
  readonly health = new Map<string, boolean>();
  gen = 0;

  configure(cfg: RunningConfig, ifs: InterfaceTable): void {
    const out: FibRoute[] = [];
    for (const i of ifs.list) {
      if (!i.hasAddr) continue;
      out.push({ kind: 'connected', net: i.net, len: i.len, mask: i.mask, gw: 0, ifIdx: i.idx, priority: 0, hcBound: false,
        key: routeHealthKey({ addr: i.net as never, len: i.len }, 0), up: true });
    }
    const keys = new Set<string>();
    for (const r of cfg.routes.networks) {
      const ifIdx = ifs.subnetOf(r.gateway);
      if (ifIdx < 0) continue; // gateway not on a connected (enabled) network
      const mask = maskOf(r.dest.len);
      const key = routeHealthKey({ addr: ((r.dest.addr & mask) >>> 0) as never, len: r.dest.len }, r.gateway);
      const hcBound = r.hc !== null;
      keys.add(key);
      out.push({ kind: 'static', net: (r.dest.addr & mask) >>> 0, len: r.dest.len, mask, gw: r.gateway >>> 0, ifIdx,
        priority: r.priority, hcBound, key, up: hcBound ? (this.health.get(key) ?? true) : true });
    }
    for (const k of [...this.health.keys()]) if (!keys.has(k)) this.health.delete(k);
    const gw = cfg.routes.defaultGateway;
    if (gw !== null) {
      const ifIdx = ifs.subnetOf(gw);
      if (ifIdx >= 0) {
        out.push({ kind: 'default', net: 0, len: 0, mask: 0, gw: gw >>> 0, ifIdx, priority: DEFAULT_GW_PRIORITY, hcBound: false,
          key: routeHealthKey('0.0.0.0/0', gw), up: true });
      }
    }
    const rank = (r: FibRoute) => (r.kind === 'connected' ? 0 : 1);
    out.sort((a, b) => b.len - a.len || rank(a) - rank(b) || a.priority - b.priority);
    this.routes = out;
    this.gen++;
  }

  /** The best installed route for `dst`, or null. */
  lookup(dst: number): FibRoute | null {
    const rs = this.routes;
    for (let k = 0; k < rs.length; k++) {
      const r = rs[k]!;
      if (((dst & r.mask) >>> 0) === r.net && r.up) return r;
    }
    return null;
  }

  /** Installs or withdraws an HC-bound route. Returns whether anything changed. */
  setHealth(key: string, up: boolean): boolean {
    const prev = this.health.get(key);
    this.health.set(key, up);
    let changed = prev !== up;
    for (const r of this.routes) {
      if (r.key === key && r.hcBound && r.up !== up) {
        r.up = up;
        changed = true;
      }
    }
    if (changed) this.gen++;
    return changed;
  }

  /** null for a route not bound to a health check (or unknown). */
  routeUp(key: string): boolean | null {
    for (const r of this.routes) if (r.key === key) return r.hcBound ? r.up : null;
    return null;
  }
}
