// GENEVE (file 002): the gateway settings of an `slb` in `nat-mode geneve`, the
// `geneve-appliance` sub-mode (the appliance as a target), and their show commands.

import type { Args } from '../src/cli/grammar/args.js';
import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import { kv, RULE, SUBRULE, table } from '../src/cli/render.js';
import { ANY_PREFIX, DEFAULT_GENEVE_GATEWAY, newFilter } from '../src/config/defaults.js';
import { GENEVE_APPLIANCE, parseOptionId } from '../src/config/geneve.js';
import type {
  FilterConfig, FilterId, FilterProtocol, GeneveApplianceConfig, GeneveGatewayConfig, RunningConfig, SlbConfig, Toggle,
} from '../src/config/model.js';
import { SLB } from '../src/config/objects.js';
import type { RuntimeView } from '../src/engine/runtime.js';
import { formatIpv4, formatPrefix, networkOf, type Prefix } from '../src/net/addr.js';
import { checkDescription, MAX_DESCRIPTION, noSetting } from './common.js';
import { quote } from './quote.js';

const net = (p: Prefix): Prefix => ({ addr: networkOf(p), len: p.len });
const PROTO_NAMES: Readonly<Record<number, string>> = { 1: 'icmp', 6: 'tcp', 17: 'udp' };

function gateway(s: SlbConfig, change: Partial<GeneveGatewayConfig>): SlbConfig {
  return { ...s, geneve: { ...s.geneve, ...change } };
}

function optionId(text: string, what: string): string {
  const id = parseOptionId(text);
  if (id === null) throw new CliError(`% ${text} is not a valid ${what}: up to 16 hex digits (8 bytes), e.g. 2356de92d389839c`);
  return id;
}

/** `filter N {...}` (as an slb's), for the appliance's policy. */
function stageFilter(ctx: Ctx, a: Args): void {
  ctx.stage(GENEVE_APPLIANCE, 'filter', (g) => {
    const id = a.num('filter') as FilterId;
    const old = g.filters.find((f) => f.id === id) ?? newFilter(id);
    const f: FilterConfig = {
      ...old,
      type: (a.optStr('type') as FilterConfig['type'] | null) ?? old.type,
      protocol: (a.optStr('protocol') as FilterProtocol | null) ?? old.protocol,
      srcIp: a.optPrefix('sip') ? net(a.prefix('sip')) : old.srcIp,
      dstIp: a.optPrefix('dip') ? net(a.prefix('dip')) : old.dstIp,
      status: (a.optStr('status') as Toggle | null) ?? old.status,
      description: checkDescription(a.optStr('description') ?? old.description),
    };
    return { ...g, filters: [...g.filters.filter((x) => x.id !== id), f].sort((x, y) => x.id - y.id) };
  });
}

function applianceOf(ctx: Ctx) {
  const role = ctx.appliance.geneveAppliance;
  if (role === null) throw new CliError('% geneve-appliance: this appliance has no dataplane');
  return role;
}

export const geneveCommands = defineCommands<Ctx>([
  // ---- the gateway: settings of an slb in nat-mode geneve ----
  {
    syntax: 'hash-tuple <5|3|2>', modes: ['slb'], doc: 'nat-mode geneve: the fields that keep a flow on one target (both directions)',
    help: { 'hash-tuple': 'Flow stickiness of nat-mode geneve', 5: 'Addresses, ports and protocol (the default)', 3: 'Addresses and protocol', 2: 'Addresses' },
    run: (ctx, a) => ctx.stage(SLB, 'hash-tuple', (s) => gateway(s, { hashTuple: Number(a.str('hash-tuple')) as 5 | 3 | 2 })),
  },
  {
    syntax: 'target-failover <no-rebalance|rebalance>', modes: ['slb'], doc: 'nat-mode geneve: what the flows of a failed target do',
    help: {
      'target-failover': 'What the flows of a failed target do', 'no-rebalance': 'They stay on it (the default); new flows go to healthy targets',
      rebalance: 'They are rehashed onto healthy targets',
    },
    run: (ctx, a) => ctx.stage(SLB, 'target-failover', (s) => gateway(s, { targetFailover: a.str('target-failover') as GeneveGatewayConfig['targetFailover'] })),
  },
  {
    syntax: 'geneve-endpoint-id WORD', modes: ['slb'], doc: 'nat-mode geneve: option 1 of every packet (the GWLB endpoint id, 8 bytes)',
    help: { 'geneve-endpoint-id': 'GENEVE option 0x0108/1: the endpoint id', WORD: 'Up to 16 hex digits, e.g. 2356de92d389839c' },
    run: (ctx, a) => ctx.stage(SLB, 'geneve-endpoint-id', (s) => gateway(s, { endpointId: optionId(a.str('geneve-endpoint-id'), 'endpoint id') })),
  },
  {
    syntax: 'geneve-attachment-id WORD', modes: ['slb'], doc: 'nat-mode geneve: option 2 of every packet (the attachment id, 8 bytes)',
    help: { 'geneve-attachment-id': 'GENEVE option 0x0108/2: the attachment id', WORD: 'Up to 16 hex digits' },
    run: (ctx, a) => ctx.stage(SLB, 'geneve-attachment-id', (s) => gateway(s, { attachmentId: optionId(a.str('geneve-attachment-id'), 'attachment id') })),
  },
  {
    syntax: 'tcp-idle-timeout (60-6000)', modes: ['slb'], doc: 'nat-mode geneve: idle timeout of TCP flows (other flows: 120 s)',
    help: { 'tcp-idle-timeout': 'Idle timeout of TCP flows', '<60-6000>': 'Seconds (default 350)' },
    run: (ctx, a) => ctx.stage(SLB, 'tcp-idle-timeout', (s) => gateway(s, { tcpIdleTimeout: a.num('tcp-idle-timeout') })),
  },
  noSetting(SLB, 'hash-tuple', 'Back to the 5-tuple', (s) => gateway(s, { hashTuple: DEFAULT_GENEVE_GATEWAY.hashTuple }),
    { 'hash-tuple': 'Flow stickiness of nat-mode geneve' }),
  noSetting(SLB, 'target-failover', 'Back to no-rebalance', (s) => gateway(s, { targetFailover: DEFAULT_GENEVE_GATEWAY.targetFailover }),
    { 'target-failover': 'What the flows of a failed target do' }),
  noSetting(SLB, 'geneve-endpoint-id', 'Back to endpoint id 0', (s) => gateway(s, { endpointId: DEFAULT_GENEVE_GATEWAY.endpointId }),
    { 'geneve-endpoint-id': 'GENEVE option 0x0108/1: the endpoint id' }),
  noSetting(SLB, 'geneve-attachment-id', 'Back to attachment id 0', (s) => gateway(s, { attachmentId: DEFAULT_GENEVE_GATEWAY.attachmentId }),
    { 'geneve-attachment-id': 'GENEVE option 0x0108/2: the attachment id' }),
  noSetting(SLB, 'tcp-idle-timeout', 'Back to 350 seconds', (s) => gateway(s, { tcpIdleTimeout: DEFAULT_GENEVE_GATEWAY.tcpIdleTimeout }),
    { 'tcp-idle-timeout': 'Idle timeout of TCP flows' }),

  // ---- the target: geneve-appliance ----
  {
    syntax: 'geneve-appliance', modes: ['config'], doc: 'Configure the appliance as a GENEVE target of a gateway load balancer',
    run: (ctx) => ctx.session.enterSubmode(GENEVE_APPLIANCE, '', ctx),
  },
  {
    syntax: 'no geneve-appliance', modes: ['config'], doc: 'Stop being a GENEVE target (the settings go)',
    run: (ctx) => {
      if (ctx.cfg.geneveAppliance === null) throw new CliError('% There is no geneve-appliance');
      ctx.commit(GENEVE_APPLIANCE.remove(ctx.cfg, ''));
    },
  },
  {
    syntax: 'interface NAME', modes: ['geneve-appliance'], doc: 'The data interface whose address receives the GENEVE traffic',
    help: { interface: 'Where the gateway sends', NAME: 'Interface name' },
    run: (ctx, a) => ctx.stage(GENEVE_APPLIANCE, 'interface', (g) => ({ ...g, iface: a.str('interface') })),
  },
  {
    syntax: 'udp-port (1-65535)', modes: ['geneve-appliance'], doc: 'The UDP port of the GENEVE traffic (default 6081)',
    help: { 'udp-port': 'UDP port of the GENEVE traffic', '<1-65535>': 'Port' },
    run: (ctx, a) => ctx.stage(GENEVE_APPLIANCE, 'udp-port', (g) => ({ ...g, udpPort: a.num('udp-port') })),
  },
  {
    syntax: 'health-port (1-65535)', modes: ['geneve-appliance'], doc: 'A TCP port the appliance answers itself (HTTP 200), for the gateway\'s checks',
    help: { 'health-port': 'TCP port for the gateway\'s health checks', '<1-65535>': 'Port' },
    run: (ctx, a) => ctx.stage(GENEVE_APPLIANCE, 'health-port', (g) => ({ ...g, healthPort: a.num('health-port') })),
  },
  {
    syntax: 'status <enable|disable>', modes: ['geneve-appliance'], doc: 'Take GENEVE traffic (and answer the health port) or not',
    help: { status: 'Take GENEVE traffic or not', enable: 'Decapsulate, inspect and return', disable: 'Closed: the gateway\'s checks fail' },
    run: (ctx, a) => ctx.stage(GENEVE_APPLIANCE, 'status', (g) => ({ ...g, status: a.str('status') as Toggle })),
  },
  {
    syntax: 'filter (1-64) {type <include|exclude>|protocol <all|tcp|udp|icmp>|sip A.B.C.D/M|dip A.B.C.D/M|status <enable|disable>|description LINE}',
    modes: ['geneve-appliance'], doc: 'Inspect the inner packets: the first matching filter returns (include) or drops (exclude)',
    help: {
      filter: 'Policy on the inner packets', '<1-64>': 'Filter ID', sip: 'Source network', dip: 'Destination network',
      type: 'Return or drop the matching packets', include: 'Returned to the gateway', exclude: 'Dropped',
      protocol: 'Match only this protocol', all: 'Any protocol', status: 'Use the filter or not', description: 'Describe the filter',
      LINE: `Free text (up to ${MAX_DESCRIPTION} characters)`,
    },
    run: (ctx, a) => stageFilter(ctx, a),
  },
  {
    syntax: 'no filter (1-64)', modes: ['geneve-appliance'], doc: 'Remove a filter', help: { filter: 'Policy on the inner packets', '<1-64>': 'Filter ID' },
    run: (ctx, a) => ctx.stage(GENEVE_APPLIANCE, 'filter', (g) => ({ ...g, filters: g.filters.filter((f) => f.id !== a.num('filter')) })),
  },
  {
    syntax: 'default-action <return|drop>', modes: ['geneve-appliance'], doc: 'What happens to inner packets no filter matches',
    help: { 'default-action': 'For packets no filter matches', return: 'Returned to the gateway (the default)', drop: 'Dropped' },
    run: (ctx, a) => ctx.stage(GENEVE_APPLIANCE, 'default-action', (g) => ({ ...g, defaultAction: a.str('default-action') as GeneveApplianceConfig['defaultAction'] })),
  },
  {
    syntax: 'session <enable|disable>', modes: ['geneve-appliance'], doc: 'Per-flow sessions: drop packets that neither start a flow nor belong to one',
    help: { session: 'Per-flow sessions', enable: 'Track flows (TCP 350 s, others 120 s idle)', disable: 'No sessions (the default)' },
    run: (ctx, a) => ctx.stage(GENEVE_APPLIANCE, 'session', (g) => ({ ...g, sessions: a.str('session') as Toggle })),
  },
  noSetting(GENEVE_APPLIANCE, 'interface', 'No interface', (g, d) => ({ ...g, iface: d.iface }), { interface: 'Where the gateway sends' }),
  noSetting(GENEVE_APPLIANCE, 'udp-port', 'Back to 6081', (g, d) => ({ ...g, udpPort: d.udpPort }), { 'udp-port': 'UDP port of the GENEVE traffic' }),
  noSetting(GENEVE_APPLIANCE, 'health-port', 'No health port', (g, d) => ({ ...g, healthPort: d.healthPort }),
    { 'health-port': 'TCP port for the gateway\'s health checks' }),
  noSetting(GENEVE_APPLIANCE, 'default-action', 'Back to return', (g, d) => ({ ...g, defaultAction: d.defaultAction }),
    { 'default-action': 'For packets no filter matches' }),
  noSetting(GENEVE_APPLIANCE, 'session', 'No per-flow sessions', (g, d) => ({ ...g, sessions: d.sessions }), { session: 'Per-flow sessions' }),
  noSetting(GENEVE_APPLIANCE, 'status', 'Back to enable', (g, d) => ({ ...g, status: d.status }), { status: 'Take GENEVE traffic or not' }),
  {
    syntax: 'show geneve-appliance', modes: ['global'], privilege: 1, doc: 'The GENEVE target role: settings, state, policy and counters',
    help: { 'geneve-appliance': 'The appliance as a GENEVE target' },
    run: (ctx) => ctx.write(showGeneveAppliance(ctx)),
  },
  {
    syntax: 'show geneve-appliance sessions', modes: ['global'], privilege: 1, doc: 'The GENEVE target\'s per-flow sessions',
    help: { 'geneve-appliance': 'The appliance as a GENEVE target', sessions: 'Per-flow sessions (with session enable)' },
    run: (ctx) => {
      const rows = applianceOf(ctx).sessions();
      const t = table(['Prot', 'Sip:Sport', 'Dip:Dport', 'Cookie', 'Pkts', 'Rep Pkts', 'State', 'Idle'], rows.map((r) => [
        PROTO_NAMES[r.proto] ?? String(r.proto), `${formatIpv4(r.src)}:${r.sport}`, `${formatIpv4(r.dst)}:${r.dport}`,
        r.cookie.toString(16).padStart(8, '0'), r.packetsOrig, r.packetsReply, r.state, `${Math.floor(r.idleMs / 1000)}s`,
      ]), { indent: 0 });
      ctx.write([RULE, ...t, RULE].join('\n') + '\n');
    },
  },
  {
    syntax: 'clear geneve-appliance counters', modes: ['global'], doc: 'Zero the GENEVE target\'s counters and filter hits',
    help: { 'geneve-appliance': 'The appliance as a GENEVE target', counters: 'Received, returned, dropped, hits' },
    run: (ctx) => applianceOf(ctx).clearCounters(),
  },
]);

function showGeneveAppliance(ctx: Ctx): string {
  const g = ctx.cfg.geneveAppliance;
  if (g === null) throw new CliError('% There is no geneve-appliance');
  const role = applianceOf(ctx);
  const c = role.counters();
  const iface = g.iface === null ? undefined : ctx.cfg.interfaces.find((i) => i.name === g.iface);
  const top = (k: string, v: string | number) => kv(4, 21, k, v);
  const lines = [
    RULE,
    '  GENEVE appliance',
    SUBRULE,
    top('Status', g.status),
    top('State', role.listening ? 'listening' : 'closed'),
    top('Interface', g.iface === null ? '' : `${g.iface}${iface?.address ? ` (${formatIpv4(iface.address.addr)})` : ''}`),
    top('UDP Port', g.udpPort),
    top('Health Port', g.healthPort === 0 ? 'none' : `${g.healthPort}${role.healthListening ? ' (listening)' : ''}`),
    top('Default Action', g.defaultAction),
    top('Session', g.sessions),
    '',
    '    Filter',
    ...table(['ID', 'Type', 'Protocol', 'Src IP', 'Dst IP', 'Status', 'Hit', 'Description'],
      g.filters.map((f) => [f.id, f.type, f.protocol, formatPrefix(f.srcIp), formatPrefix(f.dstIp), f.status, role.hits.get(f.id) ?? 0, f.description]),
      { indent: 7, minWidths: [5, 0, 0, 0, 0, 0, 5] }),
    '',
    '    Statistics',
    kv(8, 17, 'Received', c.received),
    kv(8, 17, 'Returned', c.returned),
    kv(8, 17, 'Default hits', c.defaultHits),
    kv(8, 17, 'Dropped', Object.values(c.drops).reduce((n, x) => n + x, 0)),
    ...Object.entries(c.drops).map(([k, v]) => kv(10, 24, k, v)),
    '',
    RULE,
  ];
  return `\n${lines.join('\n')}\n\n`;
}

/** `show info slb` lines of a gateway SLB (after Service Health): its settings, targets and drops. */
export function geneveInfoLines(s: SlbConfig, cfg: RunningConfig, rt: RuntimeView): string[] {
  if (s.natMode !== 'geneve') return [];
  const g = s.geneve;
  const top = (k: string, v: string | number) => kv(4, 21, k, v);
  const rows = rt.geneveTargets?.(s.name) ?? [];
  const drops = rt.geneveGatewayDrops?.() ?? {};
  return [
    top('Hash Tuple', g.hashTuple),
    top('Target Failover', g.targetFailover),
    top('Endpoint ID', g.endpointId),
    top('Attachment ID', g.attachmentId),
    top('TCP Idle Timeout', g.tcpIdleTimeout),
    '',
    '    GENEVE Target',
    ...table(['ID', 'Name', 'RIP', 'Flows', 'Total flows', 'Tx pkts', 'Tx bytes', 'Rx pkts', 'Rx bytes', 'Refused'], rows.map((r) => {
      const real = cfg.reals.find((x) => x.id === r.real);
      return [r.real, real?.name ?? '', real?.rip === null || real === undefined ? '' : formatIpv4(real.rip), r.flows, r.totalFlows,
        r.txPackets, r.txBytes, r.rxPackets, r.rxBytes, r.rxRefused];
    }), { indent: 7, minWidths: [5] }),
    '',
    top('Gateway Drops', Object.entries(drops).map(([k, v]) => `${k} ${v}`).join(', ')),
  ];
}

/** The gateway settings of an slb in `show running-config` (only those off the defaults). */
export function geneveSlbRunning(s: SlbConfig): string[] {
  const g = s.geneve, d = DEFAULT_GENEVE_GATEWAY;
  const lines: string[] = [];
  if (g.hashTuple !== d.hashTuple) lines.push(`hash-tuple ${g.hashTuple}`);
  if (g.targetFailover !== d.targetFailover) lines.push(`target-failover ${g.targetFailover}`);
  if (g.endpointId !== d.endpointId) lines.push(`geneve-endpoint-id ${g.endpointId}`);
  if (g.attachmentId !== d.attachmentId) lines.push(`geneve-attachment-id ${g.attachmentId}`);
  if (g.tcpIdleTimeout !== d.tcpIdleTimeout) lines.push(`tcp-idle-timeout ${g.tcpIdleTimeout}`);
  return lines;
}

/** The `geneve-appliance` section's body in `show running-config` (null: not configured). */
export function geneveApplianceRunning(cfg: RunningConfig): string[] | null {
  const g = cfg.geneveAppliance;
  if (g === null) return null;
  const d = GENEVE_APPLIANCE.create('');
  const lines: string[] = [];
  if (g.iface !== null) lines.push(`interface ${g.iface}`);
  if (g.udpPort !== d.udpPort) lines.push(`udp-port ${g.udpPort}`);
  if (g.healthPort !== d.healthPort) lines.push(`health-port ${g.healthPort}`);
  for (const f of g.filters) {
    let l = `filter ${f.id} type ${f.type} protocol ${f.protocol}`;
    if (f.srcIp.len !== 0 || f.srcIp.addr !== ANY_PREFIX.addr) l += ` sip ${formatPrefix(f.srcIp)}`;
    if (f.dstIp.len !== 0 || f.dstIp.addr !== ANY_PREFIX.addr) l += ` dip ${formatPrefix(f.dstIp)}`;
    if (f.status !== 'enable') l += ` status ${f.status}`;
    if (f.description) l += ` description ${quote(f.description)}`;
    lines.push(l);
  }
  if (g.defaultAction !== d.defaultAction) lines.push(`default-action ${g.defaultAction}`);
  if (g.sessions !== d.sessions) lines.push(`session ${g.sessions}`);
  if (g.status !== d.status) lines.push(`status ${g.status}`);
  return lines;
}
