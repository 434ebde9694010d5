// Static routes and the default gateway (`show route`).

import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import { kv, RULE, SUBRULE, table } from '../src/cli/render.js';
import { connectedRoutes, interfaceFor } from '../src/config/derived.js';
import type { HcId, InterfaceRoute, NetworkRoute, RunningConfig } from '../src/config/model.js';
import type { RuntimeView } from '../src/engine/runtime.js';
import { formatIpv4, formatPrefix, networkOf, type Ipv4, type Prefix } from '../src/net/addr.js';
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
    syntax: 'route network A.B.C.D/M interface NAME {priority (1-255)|description LINE}',
    modes: ['config'], doc: 'Add or change an interface route (no gateway: the destination is reached on the interface\'s link)',
    help: { interface: 'Send out of this interface; on a VLAN the appliance resolves each destination itself (ARP)', NAME: 'A data interface (VLAN, loopback or tunnel)' },
    run: (ctx, a) => {
      const r: InterfaceRoute = {
        dest: networkPrefix(a.prefix('network')),
        iface: a.str('interface'),
        priority: a.optNum('priority') ?? DEFAULT_PRIORITY,
        description: a.optStr('description') ?? '',
      };
      const same = (x: InterfaceRoute) => formatPrefix(x.dest) === formatPrefix(r.dest) && x.iface === r.iface;
      const list = ctx.cfg.routes.interfaceRoutes;
      const interfaceRoutes = list.some(same) ? list.map((x) => (same(x) ? r : x)) : [...list, r];
      ctx.commit({ ...ctx.cfg, routes: { ...ctx.cfg.routes, interfaceRoutes } });
    },
  },
  {
    syntax: 'no route network A.B.C.D/M [gateway A.B.C.D]', modes: ['config'], doc: 'Remove static network routes (all to the network unless a gateway is named)',
    run: (ctx, a) => removeRoutes(ctx, a.prefix('network'), a.optIp('gateway'), null),
  },
  {
    syntax: 'no route network A.B.C.D/M interface NAME', modes: ['config'], doc: 'Remove an interface route',
    run: (ctx, a) => removeRoutes(ctx, a.prefix('network'), null, a.str('interface')),
  },
  {
    syntax: 'show route', modes: ['global'], privilege: 1, doc: 'The routing table',
    run: (ctx) => ctx.write(showRoute(ctx.cfg, ctx.appliance.runtime)),
  },
]);

function removeRoutes(ctx: Ctx, prefix: Prefix, gw: Ipv4 | null, ifName: string | null): void {
  const dest = formatPrefix(networkPrefix(prefix));
  const r = ctx.cfg.routes;
  const networks = ifName !== null ? r.networks : r.networks.filter((x) => !(formatPrefix(x.dest) === dest && (gw === null || x.gateway === gw)));
  const interfaceRoutes = gw !== null ? r.interfaceRoutes : r.interfaceRoutes.filter((x) => !(formatPrefix(x.dest) === dest && (ifName === null || x.iface === ifName)));
  if (networks.length === r.networks.length && interfaceRoutes.length === r.interfaceRoutes.length) {
    throw new CliError(`% There is no route to ${dest}${gw !== null ? ` via ${formatIpv4(gw)}` : ifName !== null ? ` out of ${ifName}` : ''}`);
  }
  ctx.commit({ ...ctx.cfg, routes: { ...r, networks, interfaceRoutes } });
}

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
  for (const r of cfg.routes.interfaceRoutes) {
    rows.push([formatPrefix(r.dest), '0.0.0.0', r.iface, String(r.priority), '', '', '', r.description]);
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
  for (const r of cfg.routes.interfaceRoutes) {
    let l = `route network ${formatPrefix(r.dest)} interface ${r.iface}`;
    if (r.priority !== DEFAULT_PRIORITY) l += ` priority ${r.priority}`;
    if (r.description) l += ` description ${quote(r.description)}`;
    lines.push(l);
  }
  return lines;
}
