// Loading configuration text (the start-up configuration, `copy startup-config
// running-config`): run as a batch, in configuration mode from the first line unless the text
// begins with `configure` itself, so a file of bare configuration lines loads as well.

import { Appliance } from '../appliance.js';
import type { RunningConfig } from '../config/model.js';
import { VirtualClock } from '../util/clock.js';
import { linesOfFile, runBatch, type BatchStreams } from './batch.js';
import type { CommandRegistry } from './registry.js';
import { CliSession } from './session.js';

export interface LoadOptions {
  /** Where the lines come from, for the audit trail (`startup-config`, or the operator's origin). */
  readonly from: string;
  readonly user?: string;
  /** Record the changes in the log (not for the start-up load at boot). */
  readonly audit: boolean;
}

function startsWithConfigure(text: string): boolean {
  for (const raw of text.split(/\r?\n/)) {
    const l = raw.trim();
    if (l === '' || l.startsWith('!') || l.startsWith('#')) continue;
    return /^conf(i(g(u(r(e)?)?)?)?)?(\s|$)/i.test(l);
  }
  return false;
}

/** Runs `text` against `app`; true when every line succeeded (errors go to `io.err`). */
export async function loadConfigText(app: Appliance, registry: CommandRegistry, name: string, text: string, io: BatchStreams, opts: LoadOptions): Promise<boolean> {
  const session = new CliSession(app, registry, {
    privilege: 15, interactive: false, from: opts.from, audit: opts.audit, ...(opts.user ? { user: opts.user } : {}),
  });
  if (!startsWithConfigure(text)) session.enterConfig();
  return runBatch(session, linesOfFile(name, text), io);
}

/** The running configuration that `text` gives a fresh appliance (to tell whether it is saved). */
export async function configOfText(registry: CommandRegistry, text: string): Promise<RunningConfig> {
  const scratch = new Appliance(new VirtualClock());
  await loadConfigText(scratch, registry, 'startup-config', text, { out: () => {}, err: () => {} }, { from: 'startup-config', audit: false });
  return scratch.config;
}
