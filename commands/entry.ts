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

export const entryCommands = defineCommands<Ctx>([
  {
    syntax: 'show entry [slb NAME]', modes: ['global'], privilege: 1, doc: 'The session table',
    run: (ctx, a) => {
      const only = a.optStr('slb');
      ctx.write(showEntry([...ctx.appliance.runtime.sessions()].filter((s) => only === null || s.slb === only)));
    },
  },
  {
    syntax: 'clear entry [slb NAME]', modes: ['global'], doc: 'Remove sessions from the table',
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
    help: { tcp: 'Established TCP', 'tcp-syn': 'TCP before the handshake completes', 'tcp-fin': 'TCP after FIN or RST' },
    run: (ctx, a) => ctx.commit({ ...ctx.cfg, sessionTimeouts: { ...ctx.cfg.sessionTimeouts, [TIMEOUT_FIELDS[a.str('kind')]!]: a.num('seconds') } }),
  },
]);

export function showEntry(rows: readonly SessionRow[]): string {
  const ep = (a: number, p: number) => `${formatIpv4(a)}:${p}`;
  const t = table(['Prot', '[Org]Sip:Sport', 'Dip:Dport', '-', '[Rep]Sip:Sport', 'Dip:Dport', 'Svc:Real', '[R]Svc:Real'],
    rows.map((r) => [r.proto, ep(r.origSrc, r.origSport), ep(r.origDst, r.origDport), '-', ep(r.replySrc, r.replySport),
      ep(r.replyDst, r.replyDport), `slb.${r.slb}:${r.real}`, '']),
    { indent: 0 });
  return [RULE, t[0]!, DASHES, ...t.slice(1), RULE].join('\n') + '\n';
}

export function sessionTimeoutRunning(cfg: RunningConfig): string[] {
  const d = defaultConfig().sessionTimeouts;
  return Object.entries(TIMEOUT_FIELDS).filter(([, f]) => cfg.sessionTimeouts[f] !== d[f]).map(([k, f]) => `session-timeout ${k} ${cfg.sessionTimeouts[f]}`);
}
