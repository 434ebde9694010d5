// The session table (`show entry`, `clear entry`) and the global session timeouts.

import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import { DASHES, RULE, table } from '../src/cli/render.js';
import { defaultConfig } from '../src/config/defaults.js';
import type { RunningConfig, SessionTimeouts } from '../src/config/model.js';
import type { SessionRow } from '../src/engine/runtime.js';
import { formatIpv4 } from '../src/net/addr.js';

const TIMEOUT_FIELDS: Record<string, keyof SessionTimeouts> = { tcp: 'tcp', 'tcp-syn': 'tcpSyn', 'tcp-fin': 'tcpFin', udp: 'udp', icmp: 'icmp' };

const TIMEOUT_HELP = {
  tcp: 'Established TCP', 'tcp-syn': 'TCP before the handshake completes', 'tcp-fin': 'TCP after FIN or RST', udp: 'UDP', icmp: 'ICMP',
  '<1-86400>': 'Seconds of idle',
};

function sessionsOf(ctx: Ctx, slb: string | null): SessionRow[] {
  if (slb !== null && !ctx.cfg.slbs.some((s) => s.name === slb)) throw new CliError(`% There is no slb ${slb}`);
  return [...ctx.appliance.runtime.sessions()].filter((s) => slb === null || s.slb === slb);
}

export const entryCommands = defineCommands<Ctx>([
  {
    syntax: 'show entry [slb NAME]', modes: ['global'], privilege: 1, doc: 'The session table',
    help: { slb: 'Only the sessions of one service', NAME: 'Service name' },
    run: (ctx, a) => ctx.write(showEntry(sessionsOf(ctx, a.optStr('slb')))),
    json: {
      schema: '{ proto: "tcp" | "udp" | "icmp"; orig: Flow; reply: Flow; slb: string; real: number }[]  where Flow = { src: string; sport: number; dst: string; dport: number }',
      of: (ctx, a) => sessionsOf(ctx, a.optStr('slb')).map((r) => ({
        proto: r.proto,
        orig: { src: formatIpv4(r.origSrc), sport: r.origSport, dst: formatIpv4(r.origDst), dport: r.origDport },
        reply: { src: formatIpv4(r.replySrc), sport: r.replySport, dst: formatIpv4(r.replyDst), dport: r.replyDport },
        slb: r.slb, real: r.real,
      })),
    },
  },
  {
    syntax: 'clear entry [slb NAME]', modes: ['global'], doc: 'Remove sessions from the table',
    help: { slb: 'Only the sessions of one service', NAME: 'Service name' },
    run: (ctx, a) => {
      const only = a.optStr('slb');
      if (only !== null && !ctx.cfg.slbs.some((s) => s.name === only)) throw new CliError(`% There is no slb ${only}`);
      const n = ctx.appliance.runtime.clearSessions(only ?? undefined);
      ctx.print(`${n} session${n === 1 ? '' : 's'} cleared`);
    },
  },
  {
    syntax: 'session-timeout <tcp|tcp-syn|tcp-fin|udp|icmp>$kind (1-86400)$seconds', modes: ['config'],
    doc: 'Global idle timeouts of sessions, by protocol and TCP state',
    help: TIMEOUT_HELP,
    run: (ctx, a) => ctx.commit({ ...ctx.cfg, sessionTimeouts: { ...ctx.cfg.sessionTimeouts, [TIMEOUT_FIELDS[a.str('kind')]!]: a.num('seconds') } }),
  },
  {
    syntax: 'no session-timeout <tcp|tcp-syn|tcp-fin|udp|icmp>$kind', modes: ['config'], doc: 'Back to the default global timeout',
    help: TIMEOUT_HELP,
    run: (ctx, a) => {
      const f = TIMEOUT_FIELDS[a.str('kind')]!;
      ctx.commit({ ...ctx.cfg, sessionTimeouts: { ...ctx.cfg.sessionTimeouts, [f]: defaultConfig().sessionTimeouts[f] } });
    },
  },
]);

export function showEntry(rows: readonly SessionRow[]): string {
  const ep = (a: number, p: number) => `${formatIpv4(a)}:${p}`;
  const t = table(['Prot', '[Org]Sip:Sport', 'Dip:Dport', '-', '[Rep]Sip:Sport', 'Dip:Dport', 'Svc:Real', '[R]Svc:Real'],
    rows.map((r) => [r.proto, ep(r.origSrc, r.origSport), ep(r.origDst, r.origDport), '-', ep(r.replySrc, r.replySport),
      ep(r.replyDst, r.replyDport), `slb.${r.slb}:${r.real}`, '']),
    // The seed's widths: an empty table (or short addresses) keeps them.
    { indent: 0, minWidths: [4, 21, 17, 1, 17, 21, 10] });
  return [RULE, t[0]!, DASHES, ...t.slice(1), RULE].join('\n') + '\n';
}

export function sessionTimeoutRunning(cfg: RunningConfig): string[] {
  const d = defaultConfig().sessionTimeouts;
  return Object.entries(TIMEOUT_FIELDS).filter(([, f]) => cfg.sessionTimeouts[f] !== d[f]).map(([k, f]) => `session-timeout ${k} ${cfg.sessionTimeouts[f]}`);
}
