// Modes, the system name, terminal settings, saving and showing the configuration.

import { formatMac, formatPrefix } from '../src/net/addr.js';
import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import { CONFIG_MODES, SUBMODES } from '../src/cli/modes.js';
import { kv, RULE, SUBRULE } from '../src/cli/render.js';
import { MGMT_IF } from '../src/config/defaults.js';
import { renderRunningConfig } from './running-config.js';
import { saveStartupConfig, readStartupConfig } from '../src/config/startup.js';
import { systemFacts } from '../src/util/system-facts.js';

export const systemCommands = defineCommands<Ctx>([
  {
    syntax: 'enable', modes: ['exec'], privilege: 1, doc: 'Enter privileged mode',
    run: async (ctx) => ctx.session.enable(ctx),
  },
  {
    syntax: 'disable', modes: ['exec'], doc: 'Leave privileged mode',
    run: (ctx) => { ctx.session.privileged = false; },
  },
  {
    syntax: 'configure terminal', modes: ['exec'], doc: 'Enter configuration mode', help: { terminal: 'Configure from the terminal' },
    run: (ctx) => ctx.session.enterConfig(),
  },
  {
    syntax: '<exit|logout|quit>$how', modes: ['exec'], privilege: 1, doc: 'Close the session',
    run: (ctx) => ctx.session.close(),
  },
  {
    syntax: 'exit', modes: CONFIG_MODES, doc: 'Leave the current mode (unapplied changes are discarded)',
    run: (ctx) => void ctx.session.exit({ write: (t) => ctx.write(t) }),
  },
  {
    syntax: 'end', modes: CONFIG_MODES, doc: 'Back to privileged exec mode (unapplied changes are discarded)',
    run: (ctx) => ctx.session.end({ write: (t) => ctx.write(t) }),
  },
  {
    syntax: 'do LINE', modes: CONFIG_MODES, doc: 'Run an exec command without leaving the configuration mode',
    help: { LINE: 'The exec command' },
    run: (ctx, a) => ctx.session.runExec(a.str('do'), { write: (t) => ctx.write(t) }, ctx.signal),
  },
  {
    syntax: 'apply', modes: SUBMODES, doc: 'Validate the staged changes and commit them',
    run: (ctx) => ctx.session.apply(),
  },
  {
    syntax: 'hostname NAME', modes: ['config'], doc: 'Set the system name', help: { NAME: 'The name shown in the prompt' },
    run: (ctx, a) => ctx.commit({ ...ctx.cfg, hostname: a.str('hostname') }),
  },
  {
    syntax: 'no hostname', modes: ['config'], doc: 'Restore the default system name',
    run: (ctx) => ctx.commit({ ...ctx.cfg, hostname: 'switch' }),
  },
  {
    syntax: 'terminal length (0-512)', modes: ['global'], privilege: 1, doc: 'Lines per page (0: no paging)',
    run: (ctx, a) => { ctx.session.terminalLength = a.num('length'); },
  },
  {
    syntax: 'terminal width (40-512)', modes: ['global'], privilege: 1, doc: 'Characters per line',
    run: (ctx, a) => { ctx.session.terminalWidth = a.num('width'); },
  },
  {
    syntax: 'show system', modes: ['global'], privilege: 1, doc: 'Product, version and resources',
    run: (ctx) => ctx.write(showSystem(ctx)),
  },
  {
    syntax: 'show running-config', modes: ['global'], doc: 'The running configuration, as commands',
    run: (ctx) => ctx.write(renderRunningConfig(ctx.cfg)),
  },
  {
    syntax: 'show startup-config', modes: ['global'], doc: 'The saved start-up configuration',
    run: async (ctx) => {
      const path = ctx.appliance.startupConfigPath;
      const text = path ? await readStartupConfig(path) : null;
      if (text === null) throw new CliError('% There is no saved start-up configuration');
      ctx.write(text);
    },
  },
  {
    syntax: 'write memory', modes: ['global'], doc: 'Save the running configuration as the start-up configuration',
    run: saveRunningConfig,
  },
  {
    syntax: 'copy running-config startup-config', modes: ['global'], doc: 'Same as write memory',
    run: saveRunningConfig,
  },
  {
    syntax: 'show log', modes: ['global'], privilege: 1, doc: 'The event log (health changes and more)',
    run: (ctx) => {
      for (const e of ctx.appliance.log.list()) ctx.print(`${formatLogTime(e.wallMs)} ${e.facility}: ${e.text}`);
    },
  },
  {
    syntax: 'clear log', modes: ['global'], doc: 'Empty the event log',
    run: (ctx) => ctx.appliance.log.clear(),
  },
  {
    syntax: 'wait (0-86400)', modes: ['global'], privilege: 1, doc: 'Let time pass (instant on the lab\'s virtual clock in a batch)',
    help: { wait: 'Seconds' },
    run: async (ctx, a) => {
      const world = ctx.appliance.world;
      const ms = a.num('wait') * 1000;
      if (world) await world.wait(ms, ctx.signal);
      else await new Promise<void>((res) => setTimeout(res, ms));
    },
  },
]);

async function saveRunningConfig(ctx: Ctx): Promise<void> {
  const path = ctx.appliance.startupConfigPath;
  if (!path) throw new CliError('% This appliance has no place to save its configuration (started without one)');
  await saveStartupConfig(path, renderRunningConfig(ctx.cfg));
  ctx.print('[OK]');
}

function formatLogTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function showSystem(ctx: Ctx): string {
  const id = ctx.appliance.identity;
  const mgmt = ctx.cfg.interfaces.find((i) => i.name === MGMT_IF);
  const f = systemFacts();
  const up = Math.floor((ctx.appliance.clock.now() - ctx.appliance.bootedAt) / 1000);
  const row = (k: string, v: string) => kv(8, 17, k, v);
  return '\n' + [
    RULE,
    '  SYSTEM',
    SUBRULE,
    '    System',
    row('Product Name', id.productName),
    row('Serial Number', id.serial),
    row('OS version', id.osVersion),
    row('Mgmt IP Address', mgmt?.address ? formatPrefix(mgmt.address) : ''),
    row('Mgmt MAC Address', formatMac(id.mgmtMac)),
    row('SDRAM Size', `${f.memoryMb}MB`),
    row('Storage Size', f.storage),
    row('Log Storage Size', f.logStorage),
    row('System Uptime', formatUptime(up)),
    RULE,
  ].join('\n') + '\n\n';
}


export function formatUptime(sec: number): string {
  const d = Math.floor(sec / 86400);
  const h = Math.floor((sec % 86400) / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = sec % 60;
  const part = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  const parts: string[] = [];
  if (d) parts.push(part(d, 'day'));
  if (h) parts.push(part(h, 'hour'));
  if (m || d || h) parts.push(part(m, 'minute'));
  parts.push(part(s, 'second'));
  return parts.join(' ');
}
