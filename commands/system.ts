// Modes, the system name, terminal settings, saving, reloading and showing the configuration.

import { unlink } from 'node:fs/promises';
import { formatMac, formatPrefix } from '../src/net/addr.js';
import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import { configOfText, loadConfigText } from '../src/cli/load-config.js';
import { CONFIG_MODES, SUBMODES } from '../src/cli/modes.js';
import { kv, RULE, SUBRULE } from '../src/cli/render.js';
import { paskVersion } from '../src/cli/version.js';
import { defaultConfig, MGMT_IF } from '../src/config/defaults.js';
import { renderBlocks, renderRunningConfig, runningBlocks, type RunningKind } from './running-config.js';
import { saveStartupConfig, readStartupConfig } from '../src/config/startup.js';
import { systemFacts } from '../src/util/system-facts.js';
import { formatDuration } from '../src/server/sessions.js';

/** Longest `banner motd` text. */
const MAX_BANNER = 1000;

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
    help: { exit: 'Close the session', logout: 'Close the session', quit: 'Close the session' },
    run: async (ctx) => {
      if (ctx.session.local && !(await confirmUnsaved(ctx, 'Leaving ends the appliance'))) return;
      ctx.session.close();
    },
  },
  {
    syntax: 'exit', modes: CONFIG_MODES, doc: 'Leave the current mode (unapplied changes are discarded)',
    run: (ctx) => void ctx.session.exit(ctx),
  },
  {
    syntax: 'end', modes: CONFIG_MODES, doc: 'Back to privileged exec mode (unapplied changes are discarded)',
    run: (ctx) => ctx.session.end(ctx),
  },
  {
    syntax: 'do LINE', modes: CONFIG_MODES, doc: 'Run an exec command without leaving the configuration mode',
    help: { LINE: 'The exec command' },
    run: (ctx, a) => ctx.session.runExec(a.str('do'), ctx, ctx.signal),
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
    run: (ctx) => ctx.commit({ ...ctx.cfg, hostname: defaultConfig().hostname }),
  },
  {
    syntax: 'banner motd LINE', modes: ['config'], doc: 'Text every console shows before its first prompt',
    help: { motd: 'Message of the day', LINE: 'The text, quoted ("\\n" starts a new line, "\\\\" is a backslash)' },
    run: (ctx, a) => {
      const text = a.str('motd').replace(/\\([\\n])/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
      if (text.length > MAX_BANNER) throw new CliError(`% The banner is too long (${text.length} characters): at most ${MAX_BANNER}`);
      ctx.commit({ ...ctx.cfg, banner: text });
    },
  },
  {
    syntax: 'no banner motd', modes: ['config'], doc: 'Remove the banner', help: { motd: 'Message of the day' },
    run: (ctx) => ctx.commit({ ...ctx.cfg, banner: '' }),
  },
  {
    syntax: 'terminal length (0-512)', modes: ['global'], privilege: 1, doc: 'Lines per page (0: no paging)',
    help: { length: 'Lines per page', '<0-512>': 'Lines (0: no paging)' },
    run: (ctx, a) => { ctx.session.terminalLength = a.num('length'); },
  },
  {
    syntax: 'terminal width (40-512)', modes: ['global'], privilege: 1, doc: 'Characters per line',
    help: { width: 'Characters per line', '<40-512>': 'Characters' },
    run: (ctx, a) => { ctx.session.terminalWidth = a.num('width'); },
  },
  {
    syntax: 'show terminal', modes: ['global'], privilege: 1, doc: 'This session\'s line: page length, width, idle timeout',
    help: { terminal: 'This session\'s terminal settings' },
    run: (ctx) => ctx.write(showTerminal(ctx)),
  },
  {
    syntax: 'show system', modes: ['global'], privilege: 1, doc: 'Product, version and resources',
    run: (ctx) => ctx.write(showSystem(ctx)),
  },
  {
    syntax: 'show version', modes: ['global'], privilege: 1, doc: 'Software version, product, uptime and what the appliance runs on',
    help: { version: 'Software and hardware versions' },
    run: (ctx) => ctx.write(showVersion(ctx)),
  },
  {
    syntax: 'show clock', modes: ['global'], privilege: 1, doc: 'The appliance\'s time (the lab\'s virtual clock, started at the real time)',
    help: { clock: 'Date and time' },
    run: (ctx) => ctx.print(formatClock(ctx.appliance.clock.wallNow())),
  },
  {
    syntax: 'show running-config [<slb [NAME]|real [(1-65535)]|health-check [(1-65535)]|port-boundary [(1-64)]|vlan [NAME]|interface [NAME]|route|username|logging>]',
    modes: ['global'], doc: 'The running configuration, as commands (all of it, or one kind of object, or one object)',
    help: {
      slb: 'SLB services', real: 'Real servers', 'health-check': 'Health checks', 'port-boundary': 'Port boundaries', vlan: 'VLANs',
      interface: 'IP interfaces', route: 'Static routes and the default gateway', username: 'User accounts and the enable secret',
      logging: 'Syslog and metrics settings', NAME: 'Its name', '<1-65535>': 'Its ID', '<1-64>': 'Its ID',
    },
    run: (ctx, a) => ctx.write(showRunning(ctx, a)),
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
    syntax: 'write [memory]', modes: ['global'], doc: 'Save the running configuration as the start-up configuration',
    help: { write: 'Save or show the running configuration', memory: 'Save as the start-up configuration (the default)' },
    run: saveRunningConfig,
  },
  {
    syntax: 'write terminal', modes: ['global'], doc: 'Same as show running-config',
    help: { write: 'Save or show the running configuration', terminal: 'Show the running configuration' },
    run: (ctx) => ctx.write(renderRunningConfig(ctx.cfg)),
  },
  {
    syntax: 'write erase', modes: ['global'], doc: 'Erase the start-up configuration (the next start is a factory one)',
    help: { write: 'Save or show the running configuration', erase: 'Erase the start-up configuration' },
    run: async (ctx) => {
      const path = savePath(ctx);
      if (ctx.session.interactive && !(await confirm(ctx, 'Erasing the start-up configuration. Continue? [confirm]'))) throw new CliError('% Erase aborted');
      await unlink(path).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'ENOENT') throw new CliError(`% Cannot erase ${path}: ${e.message}`); });
      ctx.appliance.audit.configAction(ctx.session.actor(), `erased the start-up configuration ${path}`);
      ctx.print('[OK]');
    },
  },
  {
    syntax: 'copy running-config startup-config', modes: ['global'], doc: 'Same as write memory',
    help: { copy: 'Copy a configuration', 'running-config': 'From the running configuration', 'startup-config': 'To the start-up configuration' },
    run: saveRunningConfig,
  },
  {
    syntax: 'copy startup-config running-config', modes: ['global'], doc: 'Merge the saved start-up configuration into the running one',
    help: { copy: 'Copy a configuration', 'startup-config': 'From the saved start-up configuration', 'running-config': 'Into the running configuration' },
    run: async (ctx) => {
      const path = savePath(ctx);
      const text = await readStartupConfig(path);
      if (text === null) throw new CliError('% There is no saved start-up configuration');
      const errors: string[] = [];
      const actor = ctx.session.actor();
      const ok = await loadConfigText(ctx.appliance, ctx.session.registry, path, text, { out: () => {}, err: (t) => errors.push(t) },
        { from: actor.from, user: actor.user, audit: true });
      for (const e of errors.join('').trimEnd().split('\n').filter((l) => l)) ctx.warn(e);
      if (!ok) throw new CliError(`% Some lines of ${path} failed (above); the others were applied`);
      ctx.print('[OK]');
    },
  },
  {
    syntax: 'reload', modes: ['exec'], doc: 'Restart the appliance: the running configuration becomes the start-up one (asks to save unsaved changes)',
    help: { reload: 'Restart the appliance' },
    run: reload,
  },
  {
    syntax: 'show log', modes: ['global'], privilege: 1, doc: 'The event log: health changes, configuration changes (who, from where, what), logins and refused privilege',
    help: { log: 'Event log' },
    run: (ctx) => {
      for (const e of ctx.appliance.log.list()) ctx.print(`${formatLogTime(e.wallMs)} ${e.facility}: ${e.text}`);
    },
  },
  {
    syntax: 'clear log', modes: ['global'], doc: 'Empty the event log',
    help: { log: 'Event log' },
    run: (ctx) => ctx.appliance.log.clear(),
  },
  {
    syntax: 'wait (0-86400)', modes: ['global'], privilege: 1, doc: 'Let time pass (instant on the lab\'s virtual clock in a batch)',
    help: { '<0-86400>': 'Seconds' },
    run: async (ctx, a) => {
      const world = ctx.appliance.world;
      const ms = a.num('wait') * 1000;
      if (world) await world.wait(ms, ctx.signal);
      else await new Promise<void>((res) => setTimeout(res, ms));
    },
  },
]);

function savePath(ctx: Ctx): string {
  const path = ctx.appliance.startupConfigPath;
  if (!path) throw new CliError('% This appliance has no place to save its configuration (started without one)');
  return path;
}

async function saveRunningConfig(ctx: Ctx): Promise<void> {
  const path = savePath(ctx);
  await saveStartupConfig(path, renderRunningConfig(ctx.cfg));
  ctx.appliance.audit.configAction(ctx.session.actor(), `saved the running config to ${path}`);
  ctx.print('[OK]');
}

/** Whether the running config differs from what the start-up configuration gives a fresh appliance. */
async function unsavedChanges(ctx: Ctx): Promise<boolean> {
  const path = ctx.appliance.startupConfigPath;
  const text = path ? await readStartupConfig(path) : null;
  const saved = text === null ? defaultConfig() : await configOfText(ctx.session.registry, text);
  return renderRunningConfig(saved) !== renderRunningConfig(ctx.appliance.config);
}

/** `[confirm]`: Enter or yes. */
async function confirm(ctx: Ctx, question: string): Promise<boolean> {
  const a = await ctx.session.ask(question);
  return a !== null && (a.trim() === '' || /^y(es?)?$/i.test(a.trim()));
}

/** yes/no (prefixes too); null when abandoned or answered otherwise. */
async function yesNo(ctx: Ctx, question: string): Promise<'yes' | 'no' | null> {
  const a = (await ctx.session.ask(question))?.trim().toLowerCase() ?? null;
  if (a && 'yes'.startsWith(a)) return 'yes';
  if (a && 'no'.startsWith(a)) return 'no';
  return null;
}

/**
 * On the local console, before what would lose unsaved changes: offers to save them. False
 * when the operator cancels.
 */
async function confirmUnsaved(ctx: Ctx, why: string): Promise<boolean> {
  if (!ctx.appliance.startupConfigPath || !(await unsavedChanges(ctx))) return true;
  const a = await yesNo(ctx, `${why}: the running configuration has unsaved changes. Save them? [yes/no]: `);
  if (a === null) {
    ctx.print('% Cancelled: nothing was saved, the session goes on');
    return false;
  }
  if (a === 'yes') await saveRunningConfig(ctx);
  return true;
}

async function reload(ctx: Ctx): Promise<void> {
  const app = ctx.appliance;
  const path = app.startupConfigPath;
  if (ctx.session.interactive) {
    if (path && (await unsavedChanges(ctx))) {
      const a = await yesNo(ctx, 'System configuration has been modified. Save? [yes/no]: ');
      if (a === null) throw new CliError('% Reload aborted');
      if (a === 'yes') await saveRunningConfig(ctx);
    }
    if (!(await confirm(ctx, 'Proceed with reload? [confirm]'))) throw new CliError('% Reload aborted');
  } else if (path && (await unsavedChanges(ctx))) {
    throw new CliError('% The running configuration has unsaved changes: save them first (write memory), or they would be lost');
  }
  app.audit.configAction(ctx.session.actor(), 'reloaded the appliance');
  ctx.session.end(ctx);
  const errs = app.store.commit(defaultConfig());
  if (errs.length) throw new CliError(errs.join('\n'));
  app.runtime.clearSessions();
  app.runtime.clearCounters();
  app.bootedAt = app.clock.now();
  const text = path ? await readStartupConfig(path) : null;
  if (text !== null) {
    const errors: string[] = [];
    await loadConfigText(app, ctx.session.registry, path!, text, { out: () => {}, err: (t) => errors.push(t) }, { from: 'startup-config', audit: false });
    for (const e of errors.join('').trimEnd().split('\n').filter((l) => l)) ctx.warn(e);
  }
  ctx.print(text === null ? 'Reloaded with the factory configuration' : `Reloaded with the start-up configuration ${path}`);
}

function showRunning(ctx: Ctx, a: import('../src/cli/grammar/args.js').Args): string {
  const kinds: RunningKind[] = ['slb', 'real', 'health-check', 'port-boundary', 'vlan', 'interface', 'route', 'username', 'logging'];
  const kind = kinds.find((k) => a.has(k));
  if (kind === undefined) return renderRunningConfig(ctx.cfg);
  const key = a.isSet(kind) ? String(a.optStr(kind) ?? a.optNum(kind)) : null;
  const wanted = kind === 'logging' ? ['logging', 'metrics'] : [kind];
  const blocks = runningBlocks(ctx.cfg).filter((b) => wanted.includes(b.kind) && (key === null || b.key === key));
  if (key !== null && blocks.length === 0) throw new CliError(`% There is no ${kind} ${key}`);
  return renderBlocks(blocks);
}

function formatLogTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** IOS's `show clock`: `03:00:12.345 UTC Fri May 16 2025`. */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)} UTC ` +
    `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${d.getUTCFullYear()}`;
}

function uptimeSeconds(ctx: Ctx): number {
  return Math.floor((ctx.appliance.clock.now() - ctx.appliance.bootedAt) / 1000);
}

function showSystem(ctx: Ctx): string {
  const id = ctx.appliance.identity;
  const mgmt = ctx.cfg.interfaces.find((i) => i.name === MGMT_IF);
  const f = systemFacts();
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
    row('System Uptime', formatUptime(uptimeSeconds(ctx))),
    RULE,
  ].join('\n') + '\n\n';
}

function showVersion(ctx: Ctx): string {
  const app = ctx.appliance;
  const id = app.identity;
  const world = app.world === null ? 'no dataplane' : app.world.name === 'ports' ? 'real ports (wall clock)' : `the embedded lab "${app.world.name}" (virtual clock)`;
  return [
    `pask ${paskVersion()}, PAS-K-style L4 switch and load balancer`,
    `Product ${id.productName}, serial number ${id.serial}, OS version ${id.osVersion}`,
    `${ctx.cfg.hostname} uptime is ${formatUptime(uptimeSeconds(ctx))}`,
    `Running on ${world}`,
    `Node.js ${process.version} (${process.platform} ${process.arch})`,
    `Start-up configuration: ${app.startupConfigPath ?? 'none'}`,
  ].join('\n') + '\n';
}

function showTerminal(ctx: Ctx): string {
  const reg = ctx.appliance.sessions;
  const line = reg.lineOf(ctx.session);
  const s = ctx.session;
  const idle = !line || line.kind === 'console' || !line.interactive ? 'none' : reg.execTimeoutMs > 0 ? formatDuration(reg.execTimeoutMs) : 'none';
  const row = (k: string, v: string | number) => kv(0, 13, k, v);
  return [
    row('Line', line ? `${line.id} (${line.from})` : s.interactive ? 'console' : 'batch'),
    row('User', s.user ?? '-'),
    row('Privilege', s.privileged ? '15' : '1'),
    row('Length', `${s.terminalLength} lines${s.terminalLength === 0 ? ' (no paging)' : ''}`),
    row('Width', `${s.terminalWidth} columns`),
    row('Idle timeout', idle),
  ].join('\n') + '\n';
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
