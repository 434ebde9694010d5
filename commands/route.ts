// Static routes and the default gateway (`show route`).

import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import { kv, RULE, SUBRULE, table } from '../src/cli/render.js';
import { connectedRoutes, interfaceFor } from '../src/config/derived.js';
import type { HcId, NetworkRoute, RunningConfig } from '../src/config/model.js';
import type { RuntimeView } from '../src/engine/runtime.js';
import { formatIpv4, formatPrefix, networkOf, type Prefix } from '../src/net/addr.js';
import { quote } from './quote.js';

const DEFAULT_PRIORITY = 10;

function networkPrefix(p: Prefix): Prefix {
  return { addr: networkOf(p), len: p.len };
}

export const routeCommands = defineCommands<Ctx>([
  {
    syntax: 'route default-gateway A.B.C.D', modes: ['config'], doc: 'Set the default gateway',
    help: { 'default-gateway': 'The next hop for destinations no other route covers' },
    run: (ctx, a) => ctx.commit({ ...ctx.cfg, routes: { ...ctx.cfg.routes, defaultGateway: a.ip('default-gateway') } }),
  },
  {
    syntax: 'no route default-gateway', modes: ['config'], doc: 'Remove the default gateway',
    run: (ctx) => ctx.commit({ ...ctx.cfg, routes: { ...ctx.cfg.routes, defaultGateway: null } }),
  },
  {
    syntax: 'route network A.B.C.D/M gateway A.B.C.D {priority (1-255)|health-check (1-65535)|description LINE}',
    modes: ['config'], doc: 'Add or change a static network route',
    help: { network: 'A route to a network', 'A.B.C.D/M': 'Destination network', gateway: 'Next hop', priority: 'Route priority (lower wins between equal prefixes; default 10)', 'health-check': 'Withdraw the route while this health check fails' },
    run: (ctx, a) => {
      const r: NetworkRoute = {
        dest: networkPrefix(a.prefix('network')),
        gateway: a.ip('gateway'),
        priority: a.optNum('priority') ?? DEFAULT_PRIORITY,
        hc: (a.optNum('health-check') as HcId | null) ?? null,
        description: a.optStr('description') ?? '',
      };
      const same = (x: NetworkRoute) => formatPrefix(x.dest) === formatPrefix(r.dest) && x.gateway === r.gateway;
      const list = ctx.cfg.routes.networks;
      const networks = list.some(same) ? list.map((x) => (same(x) ? r : x)) : [...list, r];
      ctx.commit({ ...ctx.cfg, routes: { ...ctx.cfg.routes, networks } });
    },
  },
  {
    syntax: 'no route network A.B.C.D/M [gateway A.B.C.D]', modes: ['config'], doc: 'Remove static network routes',
    run: (ctx, a) => {
      const dest = formatPrefix(networkPrefix(a.prefix('network')));
      const gw = a.optIp('gateway');
      const keep = ctx.cfg.routes.networks.filter((x) => !(formatPrefix(x.dest) === dest && (gw === null || x.gateway === gw)));
      if (keep.length === ctx.cfg.routes.networks.length) throw new CliError(`% There is no route to ${dest}${gw === null ? '' : ` via ${formatIpv4(gw)}`}`);
      ctx.commit({ ...ctx.cfg, routes: { ...ctx.cfg.routes, networks: keep } });
    },
  },
  {
    syntax: 'show route', modes: ['global'], privilege: 1, doc: 'The routing table',
    run: (ctx) => ctx.write(showRoute(ctx.cfg, ctx.appliance.runtime)),
  },
]);

export function showRoute(cfg: RunningConfig, rt: RuntimeView): string {
  const rows: string[][] = connectedRoutes(cfg).map((c) => [formatPrefix(c.dest), '0.0.0.0', c.iface, '', '', '', '', '']);
  for (const r of cfg.routes.networks) {
    const hc = r.hc === null ? undefined : cfg.healthChecks.find((h) => h.id === r.hc);
    const up = r.hc === null ? null : rt.routeUp(formatPrefix(r.dest), r.gateway);
    rows.push([
      formatPrefix(r.dest), formatIpv4(r.gateway), interfaceFor(cfg, r.gateway)?.iface ?? '', String(r.priority),
      r.hc === null ? '' : String(r.hc), hc?.type ?? '', up === null ? '' : up ? 'up' : 'down', r.description,
    ]);
  }
  const gw = cfg.routes.defaultGateway;
  const lines = [
    RULE,
    '  ROUTE',
    SUBRULE,
    kv(4, 21, 'Default-Gateway', gw === null ? '' : formatIpv4(gw)),
    '',
    '    Network',
    ...table(['Destination', 'Gateway', 'Interface', 'Priority', 'HC-ID', 'HC-Type', 'HC-Result', 'Description'], rows, { indent: 7 }),
    RULE,
  ];
  return `\n${lines.join('\n')}\n\n`;
}

export function routeRunning(cfg: RunningConfig): string[] {
  const lines: string[] = [];
  if (cfg.routes.defaultGateway !== null) lines.push(`route default-gateway ${formatIpv4(cfg.routes.defaultGateway)}`);
  for (const r of cfg.routes.networks) {
    let l = `route network ${formatPrefix(r.dest)} gateway ${formatIpv4(r.gateway)}`;
    if (r.priority !== DEFAULT_PRIORITY) l += ` priority ${r.priority}`;
    if (r.hc !== null) l += ` health-check ${r.hc}`;
    if (r.description) l += ` description ${quote(r.description)}`;
    lines.push(l);
  }
  return lines;
}
