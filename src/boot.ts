// Builds an appliance from the command-line options: clock, world (the embedded lab or real
// ports), dataplane, and the start-up configuration.

import { homedir } from 'node:os';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { Appliance, type World } from './appliance.js';
import { commandRegistry } from '../commands/index.js';
import { linesOfFile, runBatch, type BatchStreams } from './cli/batch.js';
import type { PaskOptions } from './cli/options.js';
import { CliSession } from './cli/session.js';
import { readStartupConfig } from './config/startup.js';
import { startDataplane } from './dataplane.js';
import { defaultLab } from './lab/index.js';
import { RealClock, VirtualClock } from './util/clock.js';

/** Where `write memory` saves when no --config is given: $PASK_HOME or ~/.pask. */
export function defaultStartupPath(): string {
  const home = process.env.PASK_HOME ?? join(homedir(), '.pask');
  mkdirSync(home, { recursive: true });
  return join(home, 'startup-config');
}

/** How the appliance will be used: a batch runs the lab's virtual time only when it waits. */
export type BootMode = 'batch' | 'console' | 'serve';

/** Real time for an appliance without a lab: waiting is sleeping. */
class RealWorld implements World {
  readonly name = 'ports';
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        signal?.removeEventListener('abort', done);
        clearTimeout(t);
        resolve();
      }
      signal?.addEventListener('abort', done);
    });
  }
  async close(): Promise<void> {}
}

/** What boot needs of the command line; `startupPath` overrides where the start-up config lives. */
export type BootOptions = Pick<PaskOptions, 'lab' | 'ports' | 'config'> & { readonly startupPath?: string };

export async function bootAppliance(opts: BootOptions, io: BatchStreams, mode: BootMode = 'batch'): Promise<Appliance> {
  let app: Appliance;
  if (opts.lab === 'default') {
    const clock = new VirtualClock();
    app = new Appliance(clock);
    const lab = defaultLab({ clock, pacing: mode === 'batch' ? 'instant' : 'realtime' });
    app.world = lab;
    const dp = startDataplane(app);
    for (const n of lab.connectedPorts()) dp.engine.attach(n, lab.portBackend(n)!);
    app.onClose(() => dp.close());
  } else {
    app = new Appliance(new RealClock());
    app.world = new RealWorld();
    const dp = startDataplane(app);
    app.onClose(() => dp.close());
    if (opts.ports.length) await attachLinuxPorts(app, dp.engine, opts.ports);
  }
  app.startupConfigPath = opts.config ?? opts.startupPath ?? defaultStartupPath();
  const text = await readStartupConfig(app.startupConfigPath);
  if (text === null && opts.config) throw new Error(`% Cannot read the configuration file ${opts.config}`);
  if (text !== null) {
    const session = new CliSession(app, commandRegistry(), { privilege: 15, interactive: false });
    await runBatch(session, linesOfFile(app.startupConfigPath, text), { out: () => {}, err: io.err });
  }
  return app;
}

async function attachLinuxPorts(app: Appliance, engine: import('./engine/engine.js').Engine, ports: PaskOptions['ports']): Promise<void> {
  const { openLinuxPort } = await import('./ports/linux/index.js');
  for (const { port, ifname } of ports) {
    const backend = openLinuxPort(ifname, {});
    engine.attach(port, backend);
    app.onClose(() => backend.close());
  }
}
