// `show ip route`: the routing table the engine forwards with (every source, the selected
// routes, ECMP paths), in FRR's layout. `show route` stays the appliance's own view of the
// configured routes (the lab notes' format).

import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import type { RoutingView } from '../src/engine/runtime.js';
import { formatIpv4, formatPrefix } from '../src/net/addr.js';
import { showRouteBgp } from './bgp.js';
import { formatRouteSummary, formatRouteTable, ROUTE_CODES, type RouteSource } from '../src/routing/index.js';

const SOURCE_HELP: Record<string, string> = {
  connected: 'Connected networks of the interfaces',
  static: 'Static routes (network, interface and default-gateway routes)',
  bgp: 'Routes learned by BGP',
  summary: 'Routes per source',
};

function routing(ctx: Ctx): RoutingView {
  const r = ctx.appliance.runtime.routing();
  if (r === null) throw new CliError('% The packet engine is not running');
  return r;
}

function table(r: RoutingView, only: RouteSource | null): string {
  const lines = formatRouteTable(r.rib, (i) => r.interfaceName(i));
  if (only === null) return `${lines.join('\n')}\n`;
  // A route's further ECMP paths are continuation lines under its first.
  const legend = lines.indexOf('') + 1;
  const body: string[] = lines.slice(0, legend);
  let keep = false;
  for (const l of lines.slice(legend)) {
    if (l[0] !== ' ') keep = l.startsWith(ROUTE_CODES[only]);
    if (keep) body.push(l);
  }
  return `${body.join('\n')}\n`;
}

export const ipRouteCommands = defineCommands<Ctx>([
  {
    syntax: 'show ip route [<connected|static|bgp>$source]', modes: ['global'], privilege: 1,
    doc: 'The routing table the engine forwards with: every route by source, > selected, * in the FIB, ECMP paths',
    help: { ip: 'IPv4', route: 'The routing table (the engine\'s)', ...SOURCE_HELP },
    run: (ctx, a) => {
      const only = a.optStr('source') as RouteSource | null;
      // BGP's routes in file 003's layout (commands/bgp.ts): with their recursive next hops and ages.
      if (only === 'bgp') ctx.write(showRouteBgp(ctx));
      else ctx.write(table(routing(ctx), only));
    },
    json: {
      schema: '{ prefix: string; source: "connected" | "static" | "bgp" | ...; distance: number; metric: number; selected: boolean; nexthops: { gateway: string | null; interface: string }[] }[]',
      of: (ctx) => {
        const r = routing(ctx);
        const out = [];
        for (const e of r.rib.entries()) {
          for (const rt of e.routes) {
            out.push({
              prefix: formatPrefix(e.prefix), source: rt.source, distance: rt.distance, metric: rt.metric,
              selected: e.selected?.routes.includes(rt) ?? false,
              nexthops: rt.nexthops.map((n) => ({ gateway: n.gw === 0 ? null : formatIpv4(n.gw), interface: r.interfaceName(n.ifIdx) })),
            });
          }
        }
        return out;
      },
    },
  },
  {
    syntax: 'show ip route summary', modes: ['global'], privilege: 1, doc: 'Routes and FIB entries per source',
    help: SOURCE_HELP,
    run: (ctx) => ctx.write(`${formatRouteSummary(routing(ctx).rib).join('\n')}\n`),
  },
  {
    syntax: 'show ip route A.B.C.D', modes: ['global'], privilege: 1, doc: 'The route the engine uses for one address (longest prefix)',
    help: { 'A.B.C.D': 'Destination address' },
    run: (ctx, a) => {
      const r = routing(ctx);
      const dst = a.ip('route');
      const sel = r.rib.lookupRoute(dst);
      if (sel === null) throw new CliError(`% Network not in table`);
      const lines = [
        `Routing entry for ${formatPrefix(sel.prefix)}`,
        `  Known via "${sel.source}", distance ${sel.distance}, metric ${sel.metric}, best`,
        ...sel.nexthops.map((n) => `  * ${n.gw === 0 ? 'directly connected' : formatIpv4(n.gw)}, via ${r.interfaceName(n.ifIdx)}`),
      ];
      ctx.write(`${lines.join('\n')}\n`);
    },
  },
]);
