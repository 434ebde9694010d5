// SLB services (`slb NAME` sub-mode, `show info slb`).

import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import { kv, optionRule, RULE, SUBRULE, table } from '../src/cli/render.js';
import { ANY_PREFIX, newFilter } from '../src/config/defaults.js';
import {
  LB_METHODS, NAT_MODES, type FilterConfig, type FilterId, type FilterProtocol, type HcId, type LbMethod, type NatMode,
  type RealId, type RunningConfig, type SlbConfig, type Toggle, type VipProtocol,
} from '../src/config/model.js';
import { SLB } from '../src/config/objects.js';
import type { RuntimeView } from '../src/engine/runtime.js';
import { formatIpv4, formatPrefix, lenOfMask, networkOf, type Ipv4, type Prefix } from '../src/net/addr.js';
import { checkDescription, descriptionCommands, MAX_DESCRIPTION, noSetting } from './common.js';
import { quote } from './quote.js';
import { geneveInfoLines, geneveSlbRunning } from './geneve.js';

const net = (p: Prefix): Prefix => ({ addr: networkOf(p), len: p.len });

function mask(a: Ipv4, what: string): Ipv4 {
  if (lenOfMask(a) === null) throw new CliError(`% ${formatIpv4(a)} is not a valid ${what} mask`);
  return a;
}

export const slbCommands = defineCommands<Ctx>([
  {
    syntax: 'slb NAME', modes: ['config'], doc: 'Create or edit an SLB service', help: { NAME: 'Service name' },
    run: (ctx, a) => ctx.session.enterSubmode(SLB, a.str('slb'), ctx),
  },
  {
    syntax: 'no slb NAME', modes: ['config'], doc: 'Remove an SLB service', help: { NAME: 'Service name' },
    run: (ctx, a) => {
      const name = a.str('slb');
      if (!SLB.find(ctx.cfg, name)) throw new CliError(`% There is no slb ${name}`);
      ctx.commit(SLB.remove(ctx.cfg, name));
    },
  },
  {
    syntax: 'vip A.B.C.D protocol <tcp|udp> vport (1-65535)', modes: ['slb'], doc: 'Add a virtual address and port',
    help: { vip: 'Virtual IP address', vport: 'Virtual port', protocol: 'The VIP\'s protocol', tcp: 'TCP', udp: 'UDP', '<1-65535>': 'Port' },
    run: (ctx, a) => ctx.stage(SLB, 'vip', (s) => {
      const v = { addr: a.ip('vip'), protocol: a.str('protocol') as VipProtocol, vport: a.num('vport') };
      const exists = s.vips.some((x) => x.addr === v.addr && x.protocol === v.protocol && x.vport === v.vport);
      return exists ? s : { ...s, vips: [...s.vips, v] };
    }),
  },
  {
    syntax: 'no vip A.B.C.D [protocol <tcp|udp> vport (1-65535)]', modes: ['slb'], doc: 'Remove virtual addresses',
    help: { vip: 'Virtual IP address', protocol: 'Only the VIP of this protocol and port', vport: 'Virtual port', '<1-65535>': 'Port' },
    run: (ctx, a) => ctx.stage(SLB, 'vip', (s) => {
      const addr = a.ip('vip');
      const proto = a.optStr('protocol');
      const vport = a.optNum('vport');
      const keep = s.vips.filter((x) => !(x.addr === addr && (proto === null || (x.protocol === proto && x.vport === vport))));
      if (keep.length === s.vips.length) throw new CliError(`% slb ${s.name} has no such vip`);
      return { ...s, vips: keep };
    }),
  },
  {
    syntax: `nat-mode <${NAT_MODES.join('|')}>`, modes: ['slb'], doc: 'How traffic reaches the real servers',
    help: { nat: 'Destination NAT to RIP:rport, replies translated back', dsr: 'Direct server return: MAC rewrite on the same L2',
      'l3dsr-iptunnel': 'Direct server return through IP-in-IP to the RIP', 'l3dsr-dscp': 'Direct server return with the VIP marked by DSCP',
      geneve: 'Gateway load balancer: routed traffic goes through an appliance target in GENEVE' },
    run: (ctx, a) => ctx.stage(SLB, 'nat-mode', (s) => ({ ...s, natMode: a.str('nat-mode') as NatMode })),
  },
  {
    syntax: `lb-method <${LB_METHODS.join('|')}>`, modes: ['slb'], doc: 'How a real server is chosen',
    help: { rr: 'Round robin', wrr: 'Weighted round robin', lc: 'Least connections (weighted)', hash: 'Source address hash', maglev: 'Maglev consistent hashing' },
    run: (ctx, a) => ctx.stage(SLB, 'lb-method', (s) => ({ ...s, lbMethod: a.str('lb-method') as LbMethod })),
  },
  {
    syntax: 'health-check (1-65535)', modes: ['slb'], doc: 'Check the reals with this health check', help: { '<1-65535>': 'Health check ID' },
    run: (ctx, a) => ctx.stage(SLB, 'health-check', (s) => {
      const id = a.num('health-check') as HcId;
      return s.healthChecks.includes(id) ? s : { ...s, healthChecks: [...s.healthChecks, id] };
    }),
  },
  {
    syntax: 'no health-check (1-65535)', modes: ['slb'], doc: 'Stop using a health check', help: { '<1-65535>': 'Health check ID' },
    run: (ctx, a) => ctx.stage(SLB, 'health-check', (s) => ({ ...s, healthChecks: s.healthChecks.filter((h) => h !== a.num('health-check')) })),
  },
  {
    syntax: 'hc-condition <all|any>', modes: ['slb'], doc: 'A real is up when all (or any) of its checks pass',
    help: { 'hc-condition': 'How a real\'s health checks combine', all: 'Up when every check passes (the default)', any: 'Up when one check passes' },
    run: (ctx, a) => ctx.stage(SLB, 'hc-condition', (s) => ({ ...s, hcCondition: a.str('hc-condition') as 'all' | 'any' })),
  },
  {
    syntax: 'real (1-65535) [backup]', modes: ['slb'], doc: 'Add a real server (backup: used only while no other is healthy)',
    help: { real: 'A real server of the service', '<1-65535>': 'Real server ID', backup: 'Used only while no primary real is healthy' },
    run: (ctx, a) => ctx.stage(SLB, 'real', (s) => {
      const id = a.num('real') as RealId;
      const m = { id, backup: a.has('backup') };
      return { ...s, reals: s.reals.some((r) => r.id === id) ? s.reals.map((r) => (r.id === id ? m : r)) : [...s.reals, m] };
    }),
  },
  {
    syntax: 'no real (1-65535)', modes: ['slb'], doc: 'Remove a real server from the service', help: { real: 'A real server of the service', '<1-65535>': 'Real server ID' },
    run: (ctx, a) => ctx.stage(SLB, 'real', (s) => ({ ...s, reals: s.reals.filter((r) => r.id !== a.num('real')) })),
  },
  {
    syntax: 'filter (1-64) {type <include|exclude>|protocol <all|tcp|udp|icmp>|sip A.B.C.D/M|dip A.B.C.D/M|status <enable|disable>|description LINE}',
    modes: ['slb'], doc: 'Add or change a traffic filter',
    help: {
      filter: 'Traffic the service takes (include) or leaves (exclude)', '<1-64>': 'Filter ID', sip: 'Source network', dip: 'Destination network',
      type: 'Include or exclude the matching traffic', include: 'The service takes matching traffic', exclude: 'The service leaves matching traffic',
      protocol: 'Match only this protocol', all: 'Any protocol', status: 'Use the filter or not', description: 'Describe the filter',
      LINE: `Free text (up to ${MAX_DESCRIPTION} characters)`,
    },
    run: (ctx, a) => ctx.stage(SLB, 'filter', (s) => {
      const id = a.num('filter') as FilterId;
      const old = s.filters.find((f) => f.id === id) ?? newFilter(id);
      const f: FilterConfig = {
        ...old,
        type: (a.optStr('type') as FilterConfig['type'] | null) ?? old.type,
        protocol: (a.optStr('protocol') as FilterProtocol | null) ?? old.protocol,
        srcIp: a.optPrefix('sip') ? net(a.prefix('sip')) : old.srcIp,
        dstIp: a.optPrefix('dip') ? net(a.prefix('dip')) : old.dstIp,
        status: (a.optStr('status') as Toggle | null) ?? old.status,
        description: checkDescription(a.optStr('description') ?? old.description),
      };
      const filters = [...s.filters.filter((x) => x.id !== id), f].sort((x, y) => x.id - y.id);
      return { ...s, filters };
    }),
  },
  {
    syntax: 'no filter (1-64)', modes: ['slb'], doc: 'Remove a filter', help: { filter: 'A traffic filter', '<1-64>': 'Filter ID' },
    run: (ctx, a) => ctx.stage(SLB, 'filter', (s) => ({ ...s, filters: s.filters.filter((f) => f.id !== a.num('filter')) })),
  },
  {
    syntax: 'sticky time (0-86400)', modes: ['slb'], doc: 'Send a client to the same real for this many seconds (0: off)',
    help: { sticky: 'Session stickiness', time: 'How long a client sticks to its real', '<0-86400>': 'Seconds (0: no stickiness)' },
    run: (ctx, a) => ctx.stage(SLB, 'sticky', (s) => ({ ...s, sticky: { ...s.sticky, time: a.num('time') } })),
  },
  {
    syntax: 'sticky <src-subnet|dst-subnet>$which A.B.C.D$mask', modes: ['slb'], doc: 'Which address bits make clients the same for stickiness',
    help: { sticky: 'Session stickiness', 'src-subnet': 'Mask of the client\'s address', 'dst-subnet': 'Mask of the destination address', 'A.B.C.D': 'Mask, e.g. 255.255.255.0' },
    run: (ctx, a) => ctx.stage(SLB, 'sticky', (s) => {
      const m = mask(a.ip('mask'), a.str('which'));
      return { ...s, sticky: a.str('which') === 'src-subnet' ? { ...s.sticky, srcMask: m } : { ...s.sticky, dstMask: m } };
    }),
  },
  {
    syntax: 'status <enable|disable>', modes: ['slb'], doc: 'Put the service in or out of service',
    help: { status: 'Put the service in or out of service', enable: 'In service', disable: 'Out of service' },
    run: (ctx, a) => ctx.stage(SLB, 'status', (s) => ({ ...s, status: a.str('status') as Toggle })),
  },
  {
    syntax: 'priority (1-100)', modes: ['slb'], doc: 'Service priority when VIPs overlap (higher wins)', help: { '<1-100>': 'Priority (default 50)' },
    run: (ctx, a) => ctx.stage(SLB, 'priority', (s) => ({ ...s, priority: a.num('priority') })),
  },
  {
    syntax: 'session-timeout <global|(1-86400)$seconds>', modes: ['slb'], doc: 'Idle timeout of this service\'s sessions',
    help: { global: 'Use the global timeouts (by protocol and TCP state)', '<1-86400>': 'Seconds of idle' },
    run: (ctx, a) => ctx.stage(SLB, 'session-timeout', (s) => ({ ...s, sessionTimeout: a.optNum('seconds') })),
  },
  {
    syntax: 'fail-skip <none|port|real>', modes: ['slb'], doc: 'What a failed check takes out of service',
    help: { none: 'Only the failed real (the default)', port: 'Every real on the failed port', real: 'The real in every service that uses it' },
    run: (ctx, a) => ctx.stage(SLB, 'fail-skip', (s) => ({ ...s, failSkip: a.str('fail-skip') as SlbConfig['failSkip'] })),
  },
  {
    syntax: 'fail-action <default|reset|drop>', modes: ['slb'], doc: 'What new flows get when no real is healthy',
    help: { default: 'Handled as if there were no service', reset: 'A TCP reset', drop: 'Nothing: they are dropped' },
    run: (ctx, a) => ctx.stage(SLB, 'fail-action', (s) => ({ ...s, failAction: a.str('fail-action') as SlbConfig['failAction'] })),
  },
  {
    syntax: 'session-reset <none|client|both>', modes: ['slb'], doc: 'Send resets when a session is cleared',
    help: { none: 'No reset (the default)', client: 'A TCP reset to the client', both: 'A TCP reset to the client and the real' },
    run: (ctx, a) => ctx.stage(SLB, 'session-reset', (s) => ({ ...s, sessionReset: a.str('session-reset') as SlbConfig['sessionReset'] })),
  },
  {
    syntax: 'keep-backup <service|real>$what <enable|disable>$state', modes: ['slb'], doc: 'Stay on the backup after the primary recovers',
    help: { service: 'For the backup service', real: 'For backup reals', enable: 'Stay on the backup', disable: 'Return to the primary (the default)' },
    run: (ctx, a) => ctx.stage(SLB, 'keep-backup', (s) => (a.str('what') === 'service'
      ? { ...s, keepBackupService: a.str('state') as Toggle } : { ...s, keepBackupReal: a.str('state') as Toggle })),
  },
  {
    syntax: 'dscp (1-63)', modes: ['slb'], doc: 'l3dsr-dscp: the DSCP value that marks this VIP', help: { '<1-63>': 'DSCP value' },
    run: (ctx, a) => ctx.stage(SLB, 'dscp', (s) => ({ ...s, dscp: a.num('dscp') })),
  },
  noSetting(SLB, 'nat-mode', 'Back to the default NAT mode (nat)', (s, d) => ({ ...s, natMode: d.natMode })),
  noSetting(SLB, 'lb-method', 'Back to the default method (rr)', (s, d) => ({ ...s, lbMethod: d.lbMethod })),
  noSetting(SLB, 'hc-condition', 'Back to the default condition (all)', (s, d) => ({ ...s, hcCondition: d.hcCondition }),
    { 'hc-condition': 'How a real\'s health checks combine' }),
  noSetting(SLB, 'sticky time', 'No stickiness (time 0)', (s, d) => ({ ...s, sticky: { ...s.sticky, time: d.sticky.time } }),
    { sticky: 'Session stickiness', time: 'How long a client sticks to its real' }),
  noSetting(SLB, 'sticky src-subnet', 'Back to the default source mask (255.255.255.255)', (s, d) => ({ ...s, sticky: { ...s.sticky, srcMask: d.sticky.srcMask } }),
    { sticky: 'Session stickiness', 'src-subnet': 'Mask of the client\'s address' }),
  noSetting(SLB, 'sticky dst-subnet', 'Back to the default destination mask (0.0.0.0)', (s, d) => ({ ...s, sticky: { ...s.sticky, dstMask: d.sticky.dstMask } }),
    { sticky: 'Session stickiness', 'dst-subnet': 'Mask of the destination address' }),
  noSetting(SLB, 'status', 'Back in service (status enable)', (s, d) => ({ ...s, status: d.status }), { status: 'Put the service in or out of service' }),
  noSetting(SLB, 'priority', 'Back to the default priority (50)', (s, d) => ({ ...s, priority: d.priority })),
  noSetting(SLB, 'session-timeout', 'Back to the global timeouts', (s, d) => ({ ...s, sessionTimeout: d.sessionTimeout })),
  noSetting(SLB, 'fail-skip', 'Back to the default (none)', (s, d) => ({ ...s, failSkip: d.failSkip })),
  noSetting(SLB, 'fail-action', 'Back to the default (default)', (s, d) => ({ ...s, failAction: d.failAction })),
  noSetting(SLB, 'session-reset', 'Back to the default (none)', (s, d) => ({ ...s, sessionReset: d.sessionReset })),
  noSetting(SLB, 'keep-backup', 'Back to the defaults (disable, for the service and the reals)',
    (s, d) => ({ ...s, keepBackupService: d.keepBackupService, keepBackupReal: d.keepBackupReal })),
  noSetting(SLB, 'dscp', 'No DSCP value', (s, d) => ({ ...s, dscp: d.dscp })),
  ...descriptionCommands(SLB, 'service'),
  {
    syntax: 'show info slb [NAME]', modes: ['global'], privilege: 1, doc: 'An SLB service: configuration, health and statistics',
    help: { NAME: 'Service name' },
    run: (ctx, a) => {
      const name = a.optStr('slb');
      const list = ctx.cfg.slbs.filter((s) => name === null || s.name === name);
      if (name !== null && list.length === 0) throw new CliError(`% There is no slb ${name}`);
      const since = (slb: string, real: number) => ctx.appliance.adminTimes.realSince(slb, real);
      ctx.write(list.map((s) => showInfoSlb(ctx.cfg, s, ctx.appliance.runtime, ctx.appliance.clock.now(), since)).join(''));
    },
    json: {
      schema: [
        '{ name: string; status: "enable" | "disable"; priority: number; natMode: string; lbMethod: string; failSkip: string; failAction: string;',
        'sessionTimeout: number | null; sessionReset: string; hcCondition: "all" | "any"; healthChecks: number[]; health: "ACT" | "DEACT" | "INACT";',
        'vips: { addr: string; protocol: "tcp" | "udp"; vport: number }[];',
        'filters: { id: number; type: string; protocol: string; srcIp: string; dstIp: string; status: string; hits: number; description: string }[];',
        'sticky: { time: number; srcSubnet: string; dstSubnet: string };',
        'reals: { id: number; name: string; rip: string | null; rport: number; backup: boolean; status: string; health: "ACT" | "DEACT" | "INACT"; cause: string; stateSeconds: number; currentSessions: number; totalSessions: number; description: string }[];',
        'cps: number; currentSessions: number; totalSessions: number; description: string }[]',
      ].join(' '),
      of: (ctx, a) => {
        const name = a.optStr('slb');
        const list = ctx.cfg.slbs.filter((s) => name === null || s.name === name);
        if (name !== null && list.length === 0) throw new CliError(`% There is no slb ${name}`);
        const since = (slb: string, real: number) => ctx.appliance.adminTimes.realSince(slb, real);
        return list.map((s) => slbJson(ctx.cfg, s, ctx.appliance.runtime, ctx.appliance.clock.now(), since));
      },
    },
  },
]);

export function formatStateTime(ms: number): string {
  const sec = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(sec / 86400);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d} days ${p(Math.floor((sec % 86400) / 3600))}:${p(Math.floor((sec % 3600) / 60))}:${p(sec % 60)}`;
}

/** `adminSince`: when a real was last put in or out of service (its State-Time counts from then if later). */
export function showInfoSlb(cfg: RunningConfig, s: SlbConfig, rt: RuntimeView, now: number, adminSince: (slb: string, real: number) => number = () => 0): string {
  const top = (k: string, v: string | number) => kv(4, 21, k, v);
  const sub = (k: string, v: string | number) => kv(8, 17, k, v);
  const reals = s.reals.map((m) => ({ m, r: cfg.reals.find((x) => x.id === m.id)! })).filter((x) => x.r);
  const hcs = s.healthChecks.map((id) => cfg.healthChecks.find((h) => h.id === id)).filter((h) => h !== undefined);
  const gshdn = hcs.some((h) => h.gracefulShutdown === 'enable') ? 'enable' : 'disable';
  const lines: string[] = [
    RULE,
    `  SLB: ${s.name}`,
    SUBRULE,
    top('Name', s.name),
    top('IP Version', 'ipv4'),
    top('Status', s.status),
    top('Priority', s.priority),
    top('NAT Mode', s.natMode),
    top('LB Method', s.lbMethod),
    top('Fail Skip', s.failSkip),
    top('Fail Action', s.failAction),
    top('Session Timeout Mode', s.sessionTimeout === null ? 'global' : `${s.sessionTimeout}`),
    top('Session Reset', s.sessionReset),
    top('Session-sync', 'none'),
    top('H/C Condition', s.hcCondition),
    top('Health Check', s.healthChecks.join(',')),
    top('Passive Health Check', ''),
    top('Service Health', rt.serviceHealth(s.name)),
    ...geneveInfoLines(s, cfg, rt),
    '',
    '    Vip',
    ...table(['VIP', 'Protocol', 'Vport'], s.vips.map((v) => [formatIpv4(v.addr), v.protocol, v.vport]), { indent: 7 }),
    '',
    top('Description', s.description),
    '',
    '    Filter',
    ...table(['ID', 'Type', 'Protocol', 'Src IP', 'Dst IP', 'Status', 'Hit', 'Description'],
      s.filters.map((f) => [f.id, f.type, f.protocol, formatPrefix(f.srcIp), formatPrefix(f.dstIp), f.status, rt.filterHits(s.name, f.id), f.description]),
      { indent: 7, minWidths: [5, 0, 0, 0, 0, 0, 5] }),
    '',
    '    Sticky',
    sub('Time', s.sticky.time),
    '',
    optionRule(8),
    sub('Src Subnet', formatIpv4(s.sticky.srcMask)),
    sub('Dst Subnet', formatIpv4(s.sticky.dstMask)),
    '',
    '    Keep-Backup',
    sub('Service', s.keepBackupService),
    sub('Real', s.keepBackupReal),
    '',
    top('Backup', ''),
    '',
    top('Dynamic-Filter', ''),
    '',
    '    Real',
    ...table(['ID', 'Name', 'RIP', 'Rport', 'Backup', 'Status', 'G-SHDN', 'Health', 'Cause', 'State-Time', 'Description'],
      reals.map(({ m, r }) => {
        const st = rt.real(s.name, r.id);
        return [r.id, r.name, r.rip === null ? '' : formatIpv4(r.rip), r.rport, m.backup ? 'backup' : '', r.status, gshdn, st.health, st.cause,
          formatStateTime(now - Math.max(st.since, adminSince(s.name, r.id))), r.description];
      }),
      // G-SHDN keeps the seed's width (that of "disable") whatever the value.
      { indent: 7, minWidths: [5, 0, 0, 0, 0, 0, 7] }),
    '',
    '    Health-Check-Info',
    ...table(['ID', 'Type', 'Port', 'Status'], hcs.map((h) => [h.id, h.type, h.port, h.status]), { indent: 7, minWidths: [5, 0, 5] }),
    '',
    '    Health-Check-Result',
    ...healthCheckResult(s, reals.map((x) => x.r), hcs.map((h) => h.id), rt),
    '',
    '    Real Health-Check-Result',
    ...realHealthCheckResult(reals.map((x) => x.r.id)),
    '',
    '    Statistics',
    '        Real',
    ...table(['ID', 'Name', 'Current sessions', 'Total sessions'], reals.map(({ r }) => {
      const st = rt.real(s.name, r.id);
      return [r.id, r.name, st.currentSessions, st.totalSessions];
    }), { indent: 11, minWidths: [5] }),
    '',
    sub('CPS', rt.cps(s.name)),
    sub('Current sessions', reals.reduce((n, { r }) => n + rt.real(s.name, r.id).currentSessions, 0)),
    sub('Total sessions', reals.reduce((n, { r }) => n + rt.real(s.name, r.id).totalSessions, 0)),
    '',
    top('Service-Chain-Info', ''),
    '',
    RULE,
  ];
  return `\n${lines.join('\n')}\n\n`;
}

/** `show info slb | json`: the same facts as the text, as one object per service. */
export function slbJson(cfg: RunningConfig, s: SlbConfig, rt: RuntimeView, now: number, adminSince: (slb: string, real: number) => number) {
  const reals = s.reals.map((m) => ({ m, r: cfg.reals.find((x) => x.id === m.id)! })).filter((x) => x.r).map(({ m, r }) => {
    const st = rt.real(s.name, r.id);
    return {
      id: r.id, name: r.name, rip: r.rip === null ? null : formatIpv4(r.rip), rport: r.rport, backup: m.backup, status: r.status,
      health: st.health, cause: st.cause, stateSeconds: Math.max(0, Math.floor((now - Math.max(st.since, adminSince(s.name, r.id))) / 1000)),
      currentSessions: st.currentSessions, totalSessions: st.totalSessions, description: r.description,
    };
  });
  return {
    name: s.name, status: s.status, priority: s.priority, natMode: s.natMode, lbMethod: s.lbMethod, failSkip: s.failSkip, failAction: s.failAction,
    sessionTimeout: s.sessionTimeout, sessionReset: s.sessionReset, hcCondition: s.hcCondition, healthChecks: [...s.healthChecks],
    health: rt.serviceHealth(s.name),
    vips: s.vips.map((v) => ({ addr: formatIpv4(v.addr), protocol: v.protocol, vport: v.vport })),
    filters: s.filters.map((f) => ({
      id: f.id, type: f.type, protocol: f.protocol, srcIp: formatPrefix(f.srcIp), dstIp: formatPrefix(f.dstIp), status: f.status,
      hits: rt.filterHits(s.name, f.id), description: f.description,
    })),
    sticky: { time: s.sticky.time, srcSubnet: formatIpv4(s.sticky.srcMask), dstSubnet: formatIpv4(s.sticky.dstMask) },
    reals,
    cps: rt.cps(s.name),
    currentSessions: reals.reduce((n, r) => n + r.currentSessions, 0),
    totalSessions: reals.reduce((n, r) => n + r.totalSessions, 0),
    description: s.description,
  };
}

const mark = (up: boolean | null) => (up === null ? '-' : up ? 'O' : 'X');

/** `ID Name   Total Active: 1` with each check's mark under its ID and the response time after it. */
function healthCheckResult(s: SlbConfig, reals: { id: RealId; name: string }[], hcs: HcId[], rt: RuntimeView): string[] {
  const idW = Math.max(2, ...reals.map((r) => String(r.id).length));
  const nameW = Math.max(4, ...reals.map((r) => r.name.length));
  const labels = hcs.map((id, i) => (i === 0 ? `Active: ${id}` : String(id)));
  const cells = reals.map((r) => hcs.map((hc) => rt.hcResult(s.name, r.id, hc)));
  const widths = labels.map((l, i) => Math.max(l.length, ...cells.map((c) => 1 + (c[i]!.up === null ? 0 : ` (${c[i]!.rttMs} ms)`.length))));
  const head = `${'ID'.padEnd(idW)} ${'Name'.padEnd(nameW)} Total ${labels.map((l, i) => l.padEnd(widths[i]!)).join(' ')}`;
  const rows = reals.map((r, ri) => {
    const res = cells[ri]!;
    const total = res.length === 0 ? null : s.hcCondition === 'all'
      ? (res.some((x) => x.up === false) ? false : res.every((x) => x.up === true) ? true : null)
      : (res.some((x) => x.up === true) ? true : res.every((x) => x.up === false) ? false : null);
    const hcCells = res.map((x, i) => {
      const anchor = labels[i]!.length;
      const cell = mark(x.up).padStart(anchor) + (x.up === null ? '' : ` (${x.rttMs} ms)`);
      return cell.padEnd(widths[i]!);
    });
    return `${String(r.id).padEnd(idW)} ${r.name.padEnd(nameW)} ${mark(total).padStart(5)} ${hcCells.join(' ')}`;
  });
  return [head, ...rows].map((l) => `        ${l}`.trimEnd());
}

/** Real-level (passive) checks: none are configured, shown as D (disabled). */
function realHealthCheckResult(ids: RealId[]): string[] {
  const idW = Math.max(2, ...ids.map((id) => String(id).length));
  return [`${'ID'.padEnd(idW)} Total`, ...ids.map((id) => `${String(id).padEnd(idW)} ${'D'.padStart(5)}`)].map((l) => `        ${l}`);
}

export function slbRunning(s: SlbConfig): string[] {
  const d = SLB.create(s.name);
  const lines: string[] = [];
  for (const v of s.vips) lines.push(`vip ${formatIpv4(v.addr)} protocol ${v.protocol} vport ${v.vport}`);
  if (s.natMode !== d.natMode) lines.push(`nat-mode ${s.natMode}`);
  if (s.dscp) lines.push(`dscp ${s.dscp}`);
  if (s.lbMethod !== d.lbMethod) lines.push(`lb-method ${s.lbMethod}`);
  lines.push(...geneveSlbRunning(s));
  for (const h of s.healthChecks) lines.push(`health-check ${h}`);
  if (s.hcCondition !== d.hcCondition) lines.push(`hc-condition ${s.hcCondition}`);
  for (const r of s.reals) lines.push(`real ${r.id}${r.backup ? ' backup' : ''}`);
  for (const f of s.filters) {
    let l = `filter ${f.id} type ${f.type} protocol ${f.protocol}`;
    if (f.srcIp.len !== 0 || f.srcIp.addr !== ANY_PREFIX.addr) l += ` sip ${formatPrefix(f.srcIp)}`;
    if (f.dstIp.len !== 0 || f.dstIp.addr !== ANY_PREFIX.addr) l += ` dip ${formatPrefix(f.dstIp)}`;
    if (f.status !== 'enable') l += ` status ${f.status}`;
    if (f.description) l += ` description ${quote(f.description)}`;
    lines.push(l);
  }
  if (s.sticky.time !== d.sticky.time) lines.push(`sticky time ${s.sticky.time}`);
  if (s.sticky.srcMask !== d.sticky.srcMask) lines.push(`sticky src-subnet ${formatIpv4(s.sticky.srcMask)}`);
  if (s.sticky.dstMask !== d.sticky.dstMask) lines.push(`sticky dst-subnet ${formatIpv4(s.sticky.dstMask)}`);
  if (s.status !== d.status) lines.push(`status ${s.status}`);
  if (s.priority !== d.priority) lines.push(`priority ${s.priority}`);
  if (s.sessionTimeout !== null) lines.push(`session-timeout ${s.sessionTimeout}`);
  if (s.failSkip !== d.failSkip) lines.push(`fail-skip ${s.failSkip}`);
  if (s.failAction !== d.failAction) lines.push(`fail-action ${s.failAction}`);
  if (s.sessionReset !== d.sessionReset) lines.push(`session-reset ${s.sessionReset}`);
  if (s.keepBackupService !== d.keepBackupService) lines.push(`keep-backup service ${s.keepBackupService}`);
  if (s.keepBackupReal !== d.keepBackupReal) lines.push(`keep-backup real ${s.keepBackupReal}`);
  if (s.description) lines.push(`description ${quote(s.description)}`);
  return lines;
}
