// Syslog collectors (`logging host`), and what is sent to them (`show logging`).

import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import { kv, RULE, SUBRULE, table } from '../src/cli/render.js';
import type { LoggingHost, RunningConfig } from '../src/config/model.js';
import { formatIpv4 } from '../src/net/addr.js';
import { DEFAULT_SYSLOG_PORT, SYSLOG_FACILITY } from '../src/observe/syslog.js';

/** At most this many collectors. */
const MAX_HOSTS = 8;

export const loggingCommands = defineCommands<Ctx>([
  {
    syntax: 'logging host A.B.C.D [port (1-65535)] [<udp|tcp>$transport]', modes: ['config'],
    doc: 'Send the event log to a syslog collector as RFC 5424 messages (default udp, port 514)',
    help: {
      logging: 'Syslog', host: 'A syslog collector', 'A.B.C.D': 'The collector\'s address', port: 'Its port (default 514)',
      '<1-65535>': 'Port', udp: 'One message per datagram (RFC 5426)', tcp: 'A TCP stream with octet counting (RFC 6587)',
    },
    run: (ctx, a) => {
      const h: LoggingHost = { addr: a.ip('host'), port: a.optNum('port') ?? DEFAULT_SYSLOG_PORT, transport: (a.optStr('transport') ?? 'udp') as LoggingHost['transport'] };
      const others = ctx.cfg.loggingHosts.filter((x) => x.addr !== h.addr);
      if (others.length >= MAX_HOSTS) throw new CliError(`% At most ${MAX_HOSTS} logging hosts`);
      const hosts = ctx.cfg.loggingHosts.some((x) => x.addr === h.addr) ? ctx.cfg.loggingHosts.map((x) => (x.addr === h.addr ? h : x)) : [...others, h];
      ctx.commit({ ...ctx.cfg, loggingHosts: hosts });
    },
  },
  {
    syntax: 'no logging host A.B.C.D', modes: ['config'], doc: 'Stop sending to a syslog collector',
    help: { logging: 'Syslog', host: 'A syslog collector', 'A.B.C.D': 'The collector\'s address' },
    run: (ctx, a) => {
      const addr = a.ip('host');
      if (!ctx.cfg.loggingHosts.some((x) => x.addr === addr)) throw new CliError(`% There is no logging host ${formatIpv4(addr)}`);
      ctx.commit({ ...ctx.cfg, loggingHosts: ctx.cfg.loggingHosts.filter((x) => x.addr !== addr) });
    },
  },
  {
    syntax: 'show logging', modes: ['global'], privilege: 1, doc: 'The syslog collectors and the size of the event log',
    help: { logging: 'Syslog settings' },
    run: (ctx) => {
      const rows = ctx.cfg.loggingHosts.map((h) => [formatIpv4(h.addr), h.port, h.transport]);
      ctx.write(`\n${[
        RULE,
        '  LOGGING',
        SUBRULE,
        kv(4, 21, 'Format', 'RFC 5424'),
        kv(4, 21, 'Facility', `local${SYSLOG_FACILITY - 16}`),
        kv(4, 21, 'Event log entries', ctx.appliance.log.list().length),
        '',
        '    Hosts',
        ...(rows.length ? table(['Address', 'Port', 'Transport'], rows, { indent: 7 }) : ['       none']),
        RULE,
      ].join('\n')}\n\n`);
    },
  },
]);

export function loggingRunning(cfg: RunningConfig): string[] {
  return cfg.loggingHosts.map((h) =>
    `logging host ${formatIpv4(h.addr)}${h.port !== DEFAULT_SYSLOG_PORT ? ` port ${h.port}` : ''}${h.transport !== 'udp' ? ` ${h.transport}` : ''}`);
}
