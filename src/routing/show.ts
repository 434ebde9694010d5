// `show ip route` and `show ip route summary` in FRR's layout, from a RIB. Interface names
// come from the caller (the RIB only knows interface indexes).

import { formatIpv4, formatPrefix } from '../net/addr.js';
import type { NextHop } from './nexthops.js';
import { ROUTE_SOURCES, type Rib, type RibEntry, type RouteSource } from './rib.js';

export const ROUTE_CODES: Readonly<Record<RouteSource, string>> = {
  kernel: 'K', connected: 'C', static: 'S', ospf: 'O', bgp: 'B',
};

export const ROUTE_CODES_LEGEND = [
  'Codes: K - kernel route, C - connected, S - static, O - OSPF, B - BGP,',
  '       > - selected route, * - FIB route',
];

export type IfNameOf = (ifIdx: number) => string;

function hopText(n: NextHop, ifName: IfNameOf): string {
  if (n.gw === 0) return `is directly connected, ${ifName(n.ifIdx)}`;
  return `via ${formatIpv4(n.gw)}, ${ifName(n.ifIdx)}`;
}

/** Lines of one route: the first with the code, prefix and [distance/metric], then one per further next hop. */
function routeLines(e: RibEntry, head: { source: RouteSource; distance: number; metric: number },
  hops: readonly NextHop[], selected: boolean, ifName: IfNameOf): string[] {
  const mark = selected ? '>*' : '  ';
  const dm = head.source === 'connected' ? '' : `[${head.distance}/${head.metric}] `;
  const lead = `${ROUTE_CODES[head.source]}${mark} ${formatPrefix(e.prefix)} ${dm}`;
  const out = [lead + hopText(hops[0]!, ifName)];
  const pad = ' '.repeat(lead.length - 3);
  for (let k = 1; k < hops.length; k++) out.push(`  ${selected ? '*' : ' '}${pad}${hopText(hops[k]!, ifName)}`);
  return out;
}

/** `show ip route`: the legend, a blank line, then every prefix (selected paths first, then the other candidates). */
export function formatRouteTable(rib: Rib, ifName: IfNameOf, legend = true): string[] {
  const out = legend ? [...ROUTE_CODES_LEGEND, ''] : [];
  for (const e of rib.entries()) {
    const sel = e.selected;
    if (sel) out.push(...routeLines(e, sel, sel.nexthops, true, ifName));
    for (const r of e.routes) {
      if (!sel?.routes.includes(r)) out.push(...routeLines(e, r, r.nexthops, false, ifName));
    }
  }
  return out;
}

/** `show ip route summary`: routes and selected routes per source, and totals. */
export function formatRouteSummary(rib: Rib): string[] {
  const counts = rib.countsBySource();
  const row = (a: string, b: string | number, c: string | number) => `${a.padEnd(21)}${String(b).padEnd(21)}${c}`;
  const out = [row('Route Source', 'Routes', 'FIB')];
  let routes = 0, fib = 0;
  for (const s of ROUTE_SOURCES) {
    const c = counts.get(s);
    if (!c) continue;
    out.push(row(s, c.routes, c.fib));
    routes += c.routes;
    fib += c.fib;
  }
  out.push('------', row('Totals', routes, fib));
  return out;
}
