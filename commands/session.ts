// Operator sessions (lines): who is connected, ending another session, the idle timeout.

import type { RunningConfig } from '../src/config/model.js';
import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import type { CliSession } from '../src/cli/session.js';
import { table } from '../src/cli/render.js';
import { formatDuration, formatIdle, DEFAULT_EXEC_TIMEOUT_MS } from '../src/server/sessions.js';

/** The mode a session is in, as `show users` prints it. */
export function modeName(s: CliSession): string {
  const f = s.frame;
  if (f.mode === 'exec') return s.privileged ? 'privileged' : 'user';
  if (f.mode === 'config') return 'config';
  if (f.mode === 'edgeos') return 'configure (edgeos)';
  return `config-${f.mode}[${f.edit.key}]`;
}

export const sessionCommands = defineCommands<Ctx>([
  {
    syntax: 'show users', modes: ['global'], privilege: 1, doc: 'The operator sessions (lines): user, from where, mode, idle time; * marks yours',
    run: (ctx) => {
      const reg = ctx.appliance.sessions;
      const mine = reg.lineOf(ctx.session);
      const rows = reg.list().map((l) => [
        l === mine ? '*' : '', l.id, l.user || '-', l.from, modeName(l.session), formatIdle(reg.idleMs(l)),
      ]);
      const t = reg.execTimeoutMs;
      ctx.print(
        ...table(['', 'Line', 'User', 'From', 'Mode', 'Idle'], rows, { indent: 0, minWidths: [1, 4] }),
        '',
        `Idle timeout of SSH and control-socket consoles (exec-timeout): ${t > 0 ? formatDuration(t) : 'none'}`,
      );
    },
  },
  {
    syntax: 'clear line (0-9999)', modes: ['global'], doc: 'End another operator session (see show users)',
    help: { line: 'A session, by its line number in show users' },
    run: (ctx, a) => {
      const reg = ctx.appliance.sessions;
      const id = a.num('line');
      const target = reg.get(id);
      const mine = reg.lineOf(ctx.session);
      if (!target) throw new CliError(`% Line ${id} is not in use`);
      if (target === mine) throw new CliError(`% Line ${id} is your own session: use exit`);
      if (target.kind === 'console') throw new CliError(`% Line ${id} is the local console: it cannot be cleared`);
      const by = `${ctx.session.user ? `user ${ctx.session.user}` : 'an operator'}${mine ? ` on line ${mine.id}` : ''}`;
      ctx.appliance.log.add('session', `line ${id} (${target.user || '-'}, ${target.from}) cleared by ${by}`);
      target.close(`% Session closed: line ${id} was cleared by ${by}`);
      reg.remove(target);
      ctx.print('[OK]');
    },
  },
  {
    syntax: 'exec-timeout (0-35791)$minutes [(0-2147483)$seconds]', modes: ['config'],
    doc: 'Idle timeout of SSH and control-socket consoles (default 10 minutes; 0: none)',
    help: { minutes: 'Minutes (0 with no seconds: never time out)', seconds: 'And seconds' },
    run: (ctx, a) => ctx.commit({ ...ctx.cfg, execTimeout: a.num('minutes') * 60 + (a.optNum('seconds') ?? 0) }),
  },
  {
    syntax: 'no exec-timeout', modes: ['config'], doc: 'Restore the default idle timeout (10 minutes)',
    run: (ctx) => ctx.commit({ ...ctx.cfg, execTimeout: DEFAULT_EXEC_TIMEOUT_MS / 1000 }),
  },
]);

export function execTimeoutRunning(cfg: RunningConfig): string[] {
  const t = cfg.execTimeout;
  if (t === DEFAULT_EXEC_TIMEOUT_MS / 1000) return [];
  return [`exec-timeout ${Math.floor(t / 60)}${t % 60 ? ` ${t % 60}` : ''}`];
}
