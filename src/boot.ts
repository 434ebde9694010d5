// Builds an appliance from the command-line options: clock, world (lab or real ports) and
// the start-up configuration.

import { homedir } from 'node:os';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { Appliance } from './appliance.js';
import { commandRegistry } from '../commands/index.js';
import { linesOfFile, runBatch, type BatchStreams } from './cli/batch.js';
import type { PaskOptions } from './cli/options.js';
import { CliSession } from './cli/session.js';
import { readStartupConfig } from './config/startup.js';
import { RealClock, VirtualClock } from './util/clock.js';

/** Where `write memory` saves when no --config is given: $PASK_HOME or ~/.pask. */
export function defaultStartupPath(): string {
  const home = process.env.PASK_HOME ?? join(homedir(), '.pask');
  mkdirSync(home, { recursive: true });
  return join(home, 'startup-config');
}

export async function bootAppliance(opts: PaskOptions, io: BatchStreams): Promise<Appliance> {
  const clock = opts.lab === 'default' ? new VirtualClock() : new RealClock();
  const app = new Appliance(clock);
  app.startupConfigPath = opts.config ?? defaultStartupPath();
  const text = await readStartupConfig(app.startupConfigPath);
  if (text === null && opts.config) throw new Error(`% Cannot read the configuration file ${opts.config}`);
  if (text !== null) {
    const session = new CliSession(app, commandRegistry(), { privilege: 15, interactive: false });
    await runBatch(session, linesOfFile(app.startupConfigPath, text), { out: () => {}, err: io.err });
  }
  return app;
}
