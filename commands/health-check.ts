// Health checks (`show health-check`).

import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import { kv, optionRule, RULE, SUBRULE, table } from '../src/cli/render.js';
import type { HcTargetRow } from '../src/engine/runtime.js';
import { formatStateTime } from './slb.js';
import { HC_TYPES, type HcId, type HcType, type HealthCheckConfig, type RunningConfig, type Toggle } from '../src/config/model.js';
import { HEALTH_CHECK } from '../src/config/objects.js';
import { formatIpv4, type Ipv4 } from '../src/net/addr.js';
import { descriptionCommands, noSetting } from './common.js';
import { quote } from './quote.js';

type AddrField = 'sip' | 'tip' | 'innerTip' | 'dip';
const ADDR_FIELDS: readonly [string, AddrField][] = [['sip', 'sip'], ['tip', 'tip'], ['inner-tip', 'innerTip'], ['dip', 'dip']];
const ADDR_HELP: Record<string, string> = {
  sip: 'Source address of the probe (default: the egress interface\'s)',
  tip: 'Target address of a plain check (default: the real\'s RIP)',
  'inner-tip': 'Inner destination of a tunnel check (normally the VIP)',
  dip: 'Outer destination of a tunnel check (default: the real\'s RIP)',
};

export const healthCheckCommands = defineCommands<Ctx>([
  {
    syntax: 'health-check (1-65535)', modes: ['config'], doc: 'Create or edit a health check', help: { '<1-65535>': 'Health check ID' },
    run: (ctx, a) => ctx.session.enterSubmode(HEALTH_CHECK, a.num('health-check') as HcId, ctx),
  },
  {
    syntax: 'no health-check (1-65535)', modes: ['config'], doc: 'Remove a health check', help: { '<1-65535>': 'Health check ID' },
    run: (ctx, a) => {
      const id = a.num('health-check') as HcId;
      if (!HEALTH_CHECK.find(ctx.cfg, id)) throw new CliError(`% There is no health-check ${id}`);
      const users = [
        ...ctx.cfg.slbs.filter((s) => s.healthChecks.includes(id)).map((s) => `slb ${s.name}`),
        ...ctx.cfg.routes.networks.filter((r) => r.hc === id).map(() => 'a route'),
      ];
      if (users.length) throw new CliError(`% health-check ${id} is used by ${[...new Set(users)].join(', ')}: remove it there first`);
      ctx.commit(HEALTH_CHECK.remove(ctx.cfg, id));
    },
  },
  {
    syntax: `type <${HC_TYPES.join('|')}>`, modes: ['health-check'], doc: 'What the check probes',
    help: {
      icmp: 'ICMP echo to the real', tcp: 'TCP handshake to the port', udp: 'UDP datagram to the port (ICMP unreachable = down)',
      http: 'HTTP request, expecting a status', 'ip-tunnel-icmp': 'ICMP echo to the inner TIP inside IP-in-IP',
      'ip-tunnel-tcp': 'TCP handshake to the inner TIP inside IP-in-IP', 'ip-tunnel-udp': 'UDP datagram to the inner TIP inside IP-in-IP',
    },
    run: (ctx, a) => ctx.stage(HEALTH_CHECK, 'type', (h) => ({ ...h, type: a.str('type') as HcType })),
  },
  ...(['timeout', 'interval', 'retry', 'recover'] as const).map((f) => ({
    syntax: `${f} (${f === 'recover' ? 0 : 1}-3600)`, modes: ['health-check'], doc: {
      timeout: 'Seconds to wait for an answer', interval: 'Seconds between probes',
      retry: 'Failures in a row before the real goes down', recover: 'Successes in a row before it comes back (0: the first)',
    }[f],
    help: { [`<${f === 'recover' ? 0 : 1}-3600>`]: f === 'timeout' || f === 'interval' ? 'Seconds' : 'Probes' },
    run: (ctx: Ctx, a: import('../src/cli/grammar/args.js').Args) => ctx.stage(HEALTH_CHECK, f, (h) => ({ ...h, [f]: a.num(f) })),
  })),
  {
    syntax: 'status <enable|disable>', modes: ['health-check'], doc: 'Run the check or not',
    help: { enable: 'Run the check', disable: 'Stop the check' },
    run: (ctx, a) => ctx.stage(HEALTH_CHECK, 'status', (h) => ({ ...h, status: a.str('status') as Toggle })),
  },
  {
    syntax: 'graceful-shutdown <enable|disable>', modes: ['health-check'], doc: 'A failing real keeps its sessions but takes no new ones',
    help: { enable: 'A failing real keeps its sessions', disable: 'A failing real\'s sessions go too (the default)' },
    run: (ctx, a) => ctx.stage(HEALTH_CHECK, 'graceful-shutdown', (h) => ({ ...h, gracefulShutdown: a.str('graceful-shutdown') as Toggle })),
  },
  ...ADDR_FIELDS.flatMap(([word, field]) => [
    {
      syntax: `${word} A.B.C.D`, modes: ['health-check'], doc: ADDR_HELP[word]!, help: { 'A.B.C.D': 'Address' },
      run: (ctx: Ctx, a: import('../src/cli/grammar/args.js').Args) => ctx.stage(HEALTH_CHECK, word, (h) => ({ ...h, [field]: a.ip(word) })),
    },
    {
      syntax: `no ${word}`, modes: ['health-check'], doc: `Clear the ${word}`,
      run: (ctx: Ctx) => ctx.stage(HEALTH_CHECK, word, (h) => ({ ...h, [field]: null })),
    },
  ]),
  {
    syntax: 'port (0-65535)', modes: ['health-check'], doc: 'The port probed (0: the real\'s rport)', help: { '<0-65535>': 'Port (0: the real\'s rport)' },
    run: (ctx, a) => ctx.stage(HEALTH_CHECK, 'port', (h) => ({ ...h, port: a.num('port') })),
  },
  {
    syntax: 'http {method <get|head>|path WORD|host WORD|expect (100-599)}', modes: ['health-check'], doc: 'HTTP check: request and expected status',
    help: {
      http: 'HTTP check settings', method: 'Request method', get: 'GET (the default)', head: 'HEAD', path: 'Request path', host: 'Host header',
      expect: 'Expected status code', WORD: 'Request path (e.g. /health) or Host header', '<100-599>': 'Status code (default 200)',
    },
    run: (ctx, a) => ctx.stage(HEALTH_CHECK, 'http', (h) => {
      const path = a.optStr('path');
      if (path !== null && !path.startsWith('/')) throw new CliError(`% Invalid path "${path}": it must start with /`);
      return {
        ...h,
        http: {
          method: (a.optStr('method')?.toUpperCase() as 'GET' | 'HEAD' | undefined) ?? h.http.method,
          path: path ?? h.http.path,
          host: a.optStr('host') ?? h.http.host,
          expectStatus: a.optNum('expect') ?? h.http.expectStatus,
        },
      };
    }),
  },
  {
    syntax: 'udp reply <required|optional>', modes: ['health-check'], doc: 'UDP checks: whether silence counts as up (optional) or down (required)',
    help: { udp: 'UDP check settings', reply: 'Whether an answer is needed', required: 'Silence counts as down', optional: 'Silence counts as up (the default)' },
    run: (ctx, a) => ctx.stage(HEALTH_CHECK, 'udp reply', (h) => ({ ...h, udpReplyRequired: a.str('reply') === 'required' })),
  },
  noSetting(HEALTH_CHECK, 'type', 'Back to the default type (icmp)', (h, d) => ({ ...h, type: d.type })),
  ...(['timeout', 'interval', 'retry', 'recover'] as const).map((f) =>
    noSetting(HEALTH_CHECK, f, `Back to the default ${f} (${HEALTH_CHECK.create(1 as HcId)[f]})`, (h, d) => ({ ...h, [f]: d[f] }))),
  noSetting(HEALTH_CHECK, 'status', 'Run the check (status enable)', (h, d) => ({ ...h, status: d.status })),
  noSetting(HEALTH_CHECK, 'graceful-shutdown', 'Back to the default (disable)', (h, d) => ({ ...h, gracefulShutdown: d.gracefulShutdown })),
  noSetting(HEALTH_CHECK, 'port', 'Back to the real\'s rport (port 0)', (h, d) => ({ ...h, port: d.port })),
  noSetting(HEALTH_CHECK, 'http', 'Back to the default HTTP request (GET /, expect 200)', (h, d) => ({ ...h, http: d.http }), { http: 'HTTP check settings' }),
  noSetting(HEALTH_CHECK, 'udp reply', 'Back to the default (optional)', (h, d) => ({ ...h, udpReplyRequired: d.udpReplyRequired }),
    { udp: 'UDP check settings', reply: 'Whether an answer is needed' }),
  ...descriptionCommands(HEALTH_CHECK, 'health check'),
  {
    syntax: 'show health-check status [(1-65535)$id]', modes: ['global'], privilege: 1, doc: 'What each health check sees: every target, its state, cause and response time',
    help: { status: 'What each check sees: targets, state, cause, response time', '<1-65535>': 'Health check ID' },
    run: (ctx, a) => {
      const id = a.optNum('id');
      if (id !== null && !ctx.cfg.healthChecks.some((h) => h.id === id)) throw new CliError(`% There is no health-check ${id}`);
      ctx.write(showHealthCheckStatus(ctx.appliance.runtime.hcTargets(id === null ? undefined : (id as HcId)), ctx.appliance.clock.now()));
    },
    json: {
      schema: '{ healthCheck: number; target: string; port: number; tunnelTo: string | null; state: "up" | "down" | null; cause: string; rttMs: number | null; probes: number; sinceSeconds: number | null; usedBy: string[] }[]',
      of: (ctx, a) => {
        const id = a.optNum('id');
        if (id !== null && !ctx.cfg.healthChecks.some((h) => h.id === id)) throw new CliError(`% There is no health-check ${id}`);
        const now = ctx.appliance.clock.now();
        return ctx.appliance.runtime.hcTargets(id === null ? undefined : (id as HcId)).map((r) => ({
          healthCheck: r.hc, target: formatIpv4(r.dst), port: r.port, tunnelTo: r.tunnelTo === null ? null : formatIpv4(r.tunnelTo),
          state: r.up === null ? null : r.up ? 'up' : 'down', cause: r.cause, rttMs: r.up === null ? null : r.rttMs, probes: r.probes,
          sinceSeconds: r.sinceMs ? Math.floor((now - r.sinceMs) / 1000) : null, usedBy: [...r.users],
        }));
      },
    },
  },
  {
    syntax: 'show health-check [(1-65535)]', modes: ['global'], privilege: 1, doc: 'Health checks', help: { '<1-65535>': 'Health check ID' },
    run: (ctx, a) => {
      const id = a.optNum('health-check');
      const list = ctx.cfg.healthChecks.filter((h) => id === null || h.id === id);
      if (id !== null && list.length === 0) throw new CliError(`% There is no health-check ${id}`);
      ctx.write(list.map(showHealthCheck).join(''));
    },
  },
]);

const addr = (a: Ipv4 | null) => (a === null ? '' : formatIpv4(a));

export function showHealthCheck(h: HealthCheckConfig): string {
  const row = (k: string, v: string | number) => kv(4, 21, k, v);
  const lines = [
    RULE,
    `  HEALTH-CHECK: ${h.id}`,
    SUBRULE,
    row('ID', h.id),
    row('Type', h.type),
    row('Timeout', h.timeout),
    row('Interval', h.interval),
    row('Retry', h.retry),
    row('Recover', h.recover),
    row('Status', h.status),
    row('Graceful Shutdown', h.gracefulShutdown),
    row('Description', h.description),
    '',
    optionRule(4),
    row('SIP', addr(h.sip)),
    row('TIP', addr(h.tip)),
    row('Inner TIP', addr(h.innerTip)),
    row('DIP', addr(h.dip)),
    row('Port', h.port),
  ];
  if (h.type === 'http') {
    lines.push(row('HTTP Method', h.http.method), row('HTTP Path', h.http.path), row('HTTP Host', h.http.host), row('HTTP Expect', h.http.expectStatus));
  }
  if (h.udpReplyRequired) lines.push(row('UDP Reply', 'required'));
  lines.push(RULE);
  return `\n${lines.join('\n')}\n\n`;
}

export function healthCheckRunning(h: HealthCheckConfig): string[] {
  const d = HEALTH_CHECK.create(h.id);
  const lines: string[] = [`type ${h.type}`];
  for (const f of ['timeout', 'interval', 'retry', 'recover'] as const) if (h[f] !== d[f]) lines.push(`${f} ${h[f]}`);
  if (h.status !== d.status) lines.push(`status ${h.status}`);
  if (h.gracefulShutdown !== d.gracefulShutdown) lines.push(`graceful-shutdown ${h.gracefulShutdown}`);
  for (const [word, field] of ADDR_FIELDS) if (h[field] !== null) lines.push(`${word} ${formatIpv4(h[field]!)}`);
  if (h.port !== d.port) lines.push(`port ${h.port}`);
  const hd = d.http;
  const http: string[] = [];
  if (h.http.method !== hd.method) http.push(`method ${h.http.method.toLowerCase()}`);
  if (h.http.path !== hd.path) http.push(`path ${h.http.path}`);
  if (h.http.host !== hd.host) http.push(`host ${h.http.host}`);
  if (h.http.expectStatus !== hd.expectStatus) http.push(`expect ${h.http.expectStatus}`);
  if (http.length) lines.push(`http ${http.join(' ')}`);
  if (h.udpReplyRequired) lines.push('udp reply required');
  if (h.description) lines.push(`description ${quote(h.description)}`);
  return lines;
}

export function healthCheckIds(cfg: RunningConfig): HcId[] {
  return cfg.healthChecks.map((h) => h.id);
}

export function showHealthCheckStatus(rows: readonly HcTargetRow[], now: number): string {
  const state = (up: boolean | null) => (up === null ? '-' : up ? 'up' : 'down');
  const t = table(['ID', 'Target', 'Port', 'Tunnel-To', 'State', 'Cause', 'RTT', 'Probes', 'Since', 'Used-By'],
    rows.map((r) => [r.hc, formatIpv4(r.dst), r.port, r.tunnelTo === null ? '' : formatIpv4(r.tunnelTo), state(r.up), r.cause,
      r.up === null ? '' : `${r.rttMs} ms`, r.probes, r.sinceMs ? formatStateTime(now - r.sinceMs) : '', r.users.join(', ')]),
    { indent: 2, minWidths: [5] });
  return `\n${[RULE, '  HEALTH-CHECK STATUS', SUBRULE, ...t, RULE].join('\n')}\n\n`;
}
