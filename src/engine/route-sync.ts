// The configuration's share of the routing table. The RIB (src/routing) holds routes of every
// source and is what the engine forwards with; this module derives the routes the running
// config implies — connected networks of the interfaces, static network routes (health-bound
// ones only while their check passes), interface routes, the default gateway — and keeps the
// RIB in step with them one route at a time: a commit adds and withdraws only the routes that
// differ, so an unrelated change (a hostname, another route) leaves the rest alone.
//
// Keys: (prefix, source, owner). The owner tells apart what the config holds several of for
// one prefix: `if NAME` for a connected network or an interface route, `via A.B.C.D` for a
// static route, `default-gateway`.

import type { RunningConfig } from '../config/model.js';
import { formatIpv4, formatPrefix, maskOf, type Prefix } from '../net/addr.js';
import type { Rib, RouteInput } from '../routing/index.js';
import type { InterfaceTable } from './interfaces.js';

/** The metric of the default gateway: any static 0.0.0.0/0 network route (priority 1-255) wins over it. */
export const DEFAULT_GATEWAY_METRIC = 1000;

/** The key of a health-bound route (what the health monitor reports on). */
export function routeHealthKey(dest: Prefix | string, gateway: number): string {
  return `${typeof dest === 'string' ? dest : formatPrefix(dest)} ${formatIpv4(gateway)}`;
}

interface Derived {
  readonly input: RouteInput;
  /** Compared with the installed route's to tell whether it changed. */
  readonly sig: string;
}

export class ConfigRoutes {
  /** What this module installed, by key. */
  private installed = new Map<string, Derived>();
  /** Health of health-bound routes by routeHealthKey; survives reconfiguration. */
  private readonly health = new Map<string, boolean>();
  /** The health-bound routes of the current config, by routeHealthKey. */
  private bound = new Set<string>();
  private cfg: RunningConfig | null = null;

  constructor(private readonly rib: Rib, private readonly ifs: InterfaceTable) {}

  /** Brings the RIB's config-derived routes in line with `cfg`. */
  sync(cfg: RunningConfig): void {
    this.cfg = cfg;
    const want = this.derive(cfg);
    for (const [k, d] of this.installed) {
      if (!want.has(k)) this.rib.withdraw(d.input.prefix, d.input.source, d.input.owner);
    }
    for (const [k, d] of want) {
      const had = this.installed.get(k);
      if (had === undefined || had.sig !== d.sig) this.rib.add(d.input);
    }
    this.installed = want;
  }

  /** A health-bound static route's check changed: the route is installed only while up. */
  setHealth(key: string, up: boolean): void {
    if (this.health.get(key) === up) return;
    this.health.set(key, up);
    if (this.cfg !== null && this.bound.has(key)) this.sync(this.cfg);
  }

  /** null for a route not bound to a health check (or unknown). */
  routeUp(key: string): boolean | null {
    return this.bound.has(key) ? (this.health.get(key) ?? true) : null;
  }

  private derive(cfg: RunningConfig): Map<string, Derived> {
    const out = new Map<string, Derived>();
    const put = (input: RouteInput) => {
      const p = input.prefix;
      const key = `${p.addr >>> 0}/${p.len} ${input.source} ${input.owner ?? ''}`;
      out.set(key, { input, sig: `${input.distance ?? ''} ${input.metric ?? 0} ${input.nexthops.map((n) => `${n.ifIdx}:${n.gw}`).join(',')}` });
    };
    for (const i of this.ifs.all) {
      if (!i.hasAddr || !i.up) continue;
      put({ prefix: { addr: i.net, len: i.len }, source: 'connected', owner: `if ${i.name}`, nexthops: [{ gw: 0, ifIdx: i.idx }] });
    }
    const bound = new Set<string>();
    for (const r of cfg.routes.networks) {
      const ifIdx = this.ifs.subnetOf(r.gateway);
      if (ifIdx < 0) continue; // the gateway is not on a connected (enabled) network
      const net = { addr: (r.dest.addr & maskOf(r.dest.len)) >>> 0, len: r.dest.len };
      if (r.hc !== null) {
        const key = routeHealthKey(formatPrefix(net as Prefix), r.gateway);
        bound.add(key);
        if (this.health.get(key) === false) continue;
      }
      put({ prefix: net, source: 'static', owner: `via ${formatIpv4(r.gateway)}`, metric: r.priority,
        nexthops: [{ gw: r.gateway >>> 0, ifIdx }] });
    }
    for (const k of [...this.health.keys()]) if (!bound.has(k)) this.health.delete(k);
    this.bound = bound;
    for (const r of cfg.routes.interfaceRoutes) {
      const i = this.ifs.byNameOf(r.iface);
      if (i === undefined || !i.up) continue;
      const net = { addr: (r.dest.addr & maskOf(r.dest.len)) >>> 0, len: r.dest.len };
      put({ prefix: net, source: 'static', owner: `if ${r.iface}`, metric: r.priority, nexthops: [{ gw: 0, ifIdx: i.idx }] });
    }
    const gw = cfg.routes.defaultGateway;
    if (gw !== null) {
      const ifIdx = this.ifs.subnetOf(gw);
      if (ifIdx >= 0) {
        put({ prefix: { addr: 0, len: 0 }, source: 'static', owner: 'default-gateway', metric: DEFAULT_GATEWAY_METRIC,
          nexthops: [{ gw: gw >>> 0, ifIdx }] });
      }
    }
    return out;
  }
}
