// From the running config to what must be probed: for each enabled SLB, each enabled member
// real with a RIP, each of the SLB's checks resolved against it; for each route bound to a
// check, the check against the route's gateway.
//
// Target address rules: tunnel checks probe the Inner TIP (the SLB's first VIP when unset)
// inside IP-in-IP to the DIP (default: the RIP); plain checks probe the TIP (default: the RIP).
// Port 0 means the real's rport, and when that is 0 too, the (first) VIP's vport; an `http`
// check still without a port uses 80, other TCP/UDP checks fail with `no-port`.

import { connectedRoutes } from '../config/derived.js';
import type { HcId, HealthCheckConfig, RealId, RunningConfig } from '../config/model.js';
import { prefixContains, type Ipv4, type Prefix } from '../net/addr.js';
import type { ProbeSpec } from './probe.js';
import { isTunnelType } from './probes/index.js';

export interface PlannedCheck {
  readonly hc: HealthCheckConfig;
  /** null: the check is disabled (does not run, counts as up). */
  readonly spec: ProbeSpec | null;
  /** Identity of the (check, target): state persists across reconfigurations while it stays the same. */
  readonly key: string | null;
}

export interface RealPlan {
  readonly slb: string;
  readonly real: RealId;
  readonly rip: Ipv4;
  readonly condition: 'all' | 'any';
  readonly checks: readonly PlannedCheck[];
}

export interface RoutePlan {
  readonly dest: Prefix;
  readonly gateway: Ipv4;
  readonly check: PlannedCheck;
}

export interface HealthPlan {
  readonly reals: readonly RealPlan[];
  readonly routes: readonly RoutePlan[];
}

interface Defaults {
  readonly rport: number;
  readonly vport: number;
  readonly vip: Ipv4 | null;
}

export function targetKey(hc: HcId, spec: ProbeSpec): string {
  return `${hc}/${spec.type}/${spec.dst >>> 0}/${spec.port}/${spec.tunnelTo === null ? '-' : spec.tunnelTo >>> 0}`;
}

/** Resolves a check against the address it is attached to (a RIP or a route's gateway). */
export function resolveSpec(hc: HealthCheckConfig, base: Ipv4, d: Defaults, onLink: (a: Ipv4) => boolean): ProbeSpec {
  const tunnel = isTunnelType(hc.type);
  let error: string | null = null;
  let dst: Ipv4;
  let tunnelTo: Ipv4 | null = null;
  if (tunnel) {
    tunnelTo = hc.dip ?? base;
    const inner = hc.innerTip ?? d.vip;
    if (inner === null) error = 'no-inner-tip';
    dst = inner ?? (0 as Ipv4);
  } else {
    dst = hc.tip ?? base;
  }
  let port = 0;
  if (hc.type !== 'icmp' && hc.type !== 'ip-tunnel-icmp') {
    port = hc.port || d.rport || d.vport;
    if (port === 0) {
      if (hc.type === 'http') port = 80;
      else error ??= 'no-port';
    }
  }
  const neighbor = tunnelTo ?? dst;
  return {
    type: hc.type, dst, port, tunnelTo, sip: hc.sip, neighbor, neighborOnLink: onLink(neighbor),
    http: hc.http, udpReplyRequired: hc.udpReplyRequired, timeoutMs: hc.timeout * 1000, error,
  };
}

function plan(hc: HealthCheckConfig, base: Ipv4, d: Defaults, onLink: (a: Ipv4) => boolean): PlannedCheck {
  if (hc.status === 'disable') return { hc, spec: null, key: null };
  const spec = resolveSpec(hc, base, d, onLink);
  return { hc, spec, key: targetKey(hc.id, spec) };
}

export function planHealth(cfg: RunningConfig): HealthPlan {
  const nets = connectedRoutes(cfg).map((c) => c.dest);
  const onLink = (a: Ipv4): boolean => nets.some((n) => prefixContains(n, a));
  const hcs = new Map(cfg.healthChecks.map((h) => [h.id, h]));
  const realsById = new Map(cfg.reals.map((r) => [r.id, r]));
  const reals: RealPlan[] = [];
  for (const slb of cfg.slbs) {
    if (slb.status !== 'enable') continue;
    const vip = slb.vips[0];
    for (const member of slb.reals) {
      const real = realsById.get(member.id);
      if (!real || real.rip === null || real.status !== 'enable') continue;
      const d: Defaults = { rport: real.rport, vport: vip?.vport ?? 0, vip: vip?.addr ?? null };
      const checks: PlannedCheck[] = [];
      for (const id of slb.healthChecks) {
        const hc = hcs.get(id);
        if (hc) checks.push(plan(hc, real.rip, d, onLink));
      }
      reals.push({ slb: slb.name, real: real.id, rip: real.rip, condition: slb.hcCondition, checks });
    }
  }
  const routes: RoutePlan[] = [];
  for (const r of cfg.routes.networks) {
    if (r.hc === null) continue;
    const hc = hcs.get(r.hc);
    if (!hc) continue;
    routes.push({ dest: r.dest, gateway: r.gateway, check: plan(hc, r.gateway, { rport: 0, vport: 0, vip: null }, onLink) });
  }
  return { reals, routes };
}
