// Port boundaries: which ports and traffic the SLB processes (`show port-boundary`).

import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import { kv, RULE, SUBRULE } from '../src/cli/render.js';
import { ANY_PREFIX } from '../src/config/defaults.js';
import type { FilterProtocol, PbId, PortBoundaryConfig, PortRange, Toggle } from '../src/config/model.js';
import { PORT_BOUNDARY } from '../src/config/objects.js';
import { formatMac, formatPrefix, networkOf, type Mac, type PortNo, type Prefix, type VlanId } from '../src/net/addr.js';
import { descriptionCommands, noSetting } from './common.js';
import { quote } from './quote.js';

const net = (p: Prefix): Prefix => ({ addr: networkOf(p), len: p.len });
const range = (r: PortRange | null) => (r === null ? '' : r.from === r.to ? String(r.from) : `${r.from}-${r.to}`);

export const portBoundaryCommands = defineCommands<Ctx>([
  {
    syntax: 'port-boundary (1-64)', modes: ['config'], doc: 'Create or edit a port boundary', help: { '<1-64>': 'Port boundary ID' },
    run: (ctx, a) => ctx.session.enterSubmode(PORT_BOUNDARY, a.num('port-boundary') as PbId, ctx),
  },
  {
    syntax: 'no port-boundary (1-64)', modes: ['config'], doc: 'Remove a port boundary', help: { '<1-64>': 'Port boundary ID' },
    run: (ctx, a) => {
      const id = a.num('port-boundary') as PbId;
      if (!PORT_BOUNDARY.find(ctx.cfg, id)) throw new CliError(`% There is no port-boundary ${id}`);
      ctx.commit(PORT_BOUNDARY.remove(ctx.cfg, id));
    },
  },
  {
    syntax: 'type <include|exclude>', modes: ['port-boundary'], doc: 'Process the matching traffic (include) or everything else (exclude)',
    help: { include: 'SLB processes the matching traffic', exclude: 'SLB processes everything else' },
    run: (ctx, a) => ctx.stage(PORT_BOUNDARY, 'type', (p) => ({ ...p, type: a.str('type') as 'include' | 'exclude' })),
  },
  {
    syntax: 'status <enable|disable>', modes: ['port-boundary'], doc: 'Use the port boundary or not',
    help: { enable: 'Use it', disable: 'Ignore it' },
    run: (ctx, a) => ctx.stage(PORT_BOUNDARY, 'status', (p) => ({ ...p, status: a.str('status') as Toggle })),
  },
  {
    syntax: 'port PORTS', modes: ['port-boundary'], doc: 'The ingress ports it covers', help: { port: 'The ingress ports it covers' },
    run: (ctx, a) => ctx.stage(PORT_BOUNDARY, 'port', (p) => ({ ...p, ports: a.list('port') as PortNo[] })),
  },
  {
    syntax: 'no port', modes: ['port-boundary'], doc: 'Cover no port', help: { port: 'The ingress ports it covers' },
    run: (ctx) => ctx.stage(PORT_BOUNDARY, 'port', (p) => ({ ...p, ports: [] })),
  },
  {
    syntax: 'vlan (1-4094)', modes: ['port-boundary'], doc: 'Only traffic of this VLAN', help: { vlan: 'Only traffic of this VLAN', '<1-4094>': 'VLAN id' },
    run: (ctx, a) => ctx.stage(PORT_BOUNDARY, 'vlan', (p) => ({ ...p, vlan: a.num('vlan') as VlanId })),
  },
  {
    syntax: 'no vlan', modes: ['port-boundary'], doc: 'Any VLAN', help: { vlan: 'The VLAN condition' },
    run: (ctx) => ctx.stage(PORT_BOUNDARY, 'vlan', (p) => ({ ...p, vlan: null })),
  },
  {
    syntax: 'protocol <all|tcp|udp|icmp>', modes: ['port-boundary'], doc: 'Only this protocol', help: { protocol: 'Only this protocol' },
    run: (ctx, a) => ctx.stage(PORT_BOUNDARY, 'protocol', (p) => ({ ...p, protocol: a.str('protocol') as FilterProtocol })),
  },
  {
    syntax: '<src-ip|dst-ip>$which A.B.C.D/M$net', modes: ['port-boundary'], doc: 'Only traffic from/to this network',
    help: { 'src-ip': 'Only traffic from this network', 'dst-ip': 'Only traffic to this network', 'A.B.C.D/M': 'Network' },
    run: (ctx, a) => {
      const which = a.str('which');
      const v = net(a.prefix('net'));
      ctx.stage(PORT_BOUNDARY, which, (p) => (which === 'src-ip' ? { ...p, srcIp: v } : { ...p, dstIp: v }));
    },
  },
  {
    syntax: '<src-port|dst-port>$which PORTRANGE$ports', modes: ['port-boundary'], doc: 'Only traffic from/to these TCP/UDP ports',
    help: { 'src-port': 'Only traffic from these ports', 'dst-port': 'Only traffic to these ports' },
    run: (ctx, a) => {
      const which = a.str('which');
      const r = a.range('ports');
      ctx.stage(PORT_BOUNDARY, which, (p) => (which === 'src-port' ? { ...p, srcPort: r } : { ...p, dstPort: r }));
    },
  },
  {
    syntax: 'no <src-ip|dst-ip|src-port|dst-port>$which', modes: ['port-boundary'], doc: 'Remove an address or port condition',
    help: { 'src-ip': 'The source network condition', 'dst-ip': 'The destination network condition', 'src-port': 'The source port condition', 'dst-port': 'The destination port condition' },
    run: (ctx, a) => {
      const which = a.str('which');
      ctx.stage(PORT_BOUNDARY, which, (p) => ({
        ...p,
        ...(which === 'src-ip' ? { srcIp: ANY_PREFIX } : which === 'dst-ip' ? { dstIp: ANY_PREFIX } : which === 'src-port' ? { srcPort: null } : { dstPort: null }),
      }));
    },
  },
  {
    syntax: 'promisc <on|off>', modes: ['port-boundary'], doc: 'Also take frames not addressed to the appliance',
    help: { on: 'Take every frame', off: 'Only frames addressed to the appliance (the default)' },
    run: (ctx, a) => ctx.stage(PORT_BOUNDARY, 'promisc', (p) => ({ ...p, promisc: a.str('promisc') === 'on' })),
  },
  {
    syntax: 'include-mac XX:XX:XX:XX:XX:XX', modes: ['port-boundary'], doc: 'Only frames from this MAC (repeatable)', help: { 'XX:XX:XX:XX:XX:XX': 'Source MAC' },
    run: (ctx, a) => ctx.stage(PORT_BOUNDARY, 'include-mac', (p) => {
      const m = a.num('include-mac') as Mac;
      return p.includeMac.includes(m) ? p : { ...p, includeMac: [...p.includeMac, m] };
    }),
  },
  {
    syntax: 'no include-mac', modes: ['port-boundary'], doc: 'Frames from any MAC',
    run: (ctx) => ctx.stage(PORT_BOUNDARY, 'include-mac', (p) => ({ ...p, includeMac: [] })),
  },
  noSetting(PORT_BOUNDARY, 'type', 'Back to the default type (include)', (p, d) => ({ ...p, type: d.type })),
  noSetting(PORT_BOUNDARY, 'status', 'Use the port boundary (status enable)', (p, d) => ({ ...p, status: d.status })),
  noSetting(PORT_BOUNDARY, 'protocol', 'Any protocol', (p, d) => ({ ...p, protocol: d.protocol }), { protocol: 'The protocol condition' }),
  noSetting(PORT_BOUNDARY, 'promisc', 'Only frames addressed to the appliance (promisc off)', (p, d) => ({ ...p, promisc: d.promisc })),
  ...descriptionCommands(PORT_BOUNDARY, 'port boundary'),
  {
    syntax: 'show port-boundary [(1-64)]', modes: ['global'], privilege: 1, doc: 'Port boundaries', help: { '<1-64>': 'Port boundary ID' },
    run: (ctx, a) => {
      const id = a.optNum('port-boundary');
      const list = ctx.cfg.portBoundaries.filter((p) => id === null || p.id === id);
      if (id !== null && list.length === 0) throw new CliError(`% There is no port-boundary ${id}`);
      ctx.write(list.map(showPortBoundary).join(''));
    },
  },
]);

export function showPortBoundary(p: PortBoundaryConfig): string {
  const row = (k: string, v: string | number) => kv(4, 21, k, v);
  const lines = [
    RULE,
    `  PORT-BOUNDARY: ${p.id}`,
    SUBRULE,
    row('ID', p.id),
    row('Status', p.status),
    row('Type', p.type),
    row('Boundary', p.boundary),
    row('Promisc', p.promisc ? 'on' : 'off'),
    row('Include MAC', p.includeMac.length ? p.includeMac.map(formatMac).join(',') : 'none'),
    row('Port List', p.ports.join(',')),
    row('Vlan ID', p.vlan ?? ''),
    row('Protocol', p.protocol),
    row('Src IP', formatPrefix(p.srcIp)),
    row('Dst IP', formatPrefix(p.dstIp)),
    row('Src Port', range(p.srcPort)),
    row('Dst port', range(p.dstPort)),
    row('Description', p.description),
    RULE,
  ];
  return `\n${lines.join('\n')}\n\n`;
}

export function portBoundaryRunning(p: PortBoundaryConfig): string[] {
  const d = PORT_BOUNDARY.create(p.id);
  const lines: string[] = [];
  if (p.type !== d.type) lines.push(`type ${p.type}`);
  if (p.status !== d.status) lines.push(`status ${p.status}`);
  if (p.ports.length) lines.push(`port ${p.ports.join(',')}`);
  if (p.vlan !== null) lines.push(`vlan ${p.vlan}`);
  if (p.protocol !== d.protocol) lines.push(`protocol ${p.protocol}`);
  if (p.srcIp.len !== 0) lines.push(`src-ip ${formatPrefix(p.srcIp)}`);
  if (p.dstIp.len !== 0) lines.push(`dst-ip ${formatPrefix(p.dstIp)}`);
  if (p.srcPort) lines.push(`src-port ${range(p.srcPort)}`);
  if (p.dstPort) lines.push(`dst-port ${range(p.dstPort)}`);
  if (p.promisc) lines.push('promisc on');
  for (const m of p.includeMac) lines.push(`include-mac ${formatMac(m)}`);
  if (p.description) lines.push(`description ${quote(p.description)}`);
  return lines;
}
