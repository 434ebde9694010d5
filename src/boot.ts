// Builds an appliance from the command-line options: clock, world (the embedded lab or real
// ports), dataplane, and the start-up configuration.

import { homedir } from 'node:os';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { Appliance, LAB_IDENTITY, type ApplianceIdentity, type World } from './appliance.js';
import { parseMac } from './net/addr.js';
import { commandRegistry } from '../commands/index.js';
import type { BatchStreams } from './cli/batch.js';
import { loadConfigText } from './cli/load-config.js';
import type { PaskOptions } from './cli/options.js';
import { readStartupConfig } from './config/startup.js';
import { startObservers } from './observe/index.js';
import { startDataplane } from './dataplane.js';
import { namedLab } from './lab/index.js';
import { RealClock, VirtualClock } from './util/clock.js';

/** Where `write memory` saves when no --config is given: $PASK_HOME or ~/.pask. */
export function defaultStartupPath(): string {
  const home = process.env.PASK_HOME ?? join(homedir(), '.pask');
  mkdirSync(home, { recursive: true });
  return join(home, 'startup-config');
}

/**
 * The identity on real ports: the lab's, with the data interfaces' MAC from PASK_BASE_MAC when
 * set (several appliances on one L2 segment, e.g. a gateway and its GENEVE targets, each need their own).
 */
export function identityFromEnv(env: NodeJS.ProcessEnv = process.env): ApplianceIdentity {
  const m = env.PASK_BASE_MAC ? parseMac(env.PASK_BASE_MAC) : null;
  return m === null ? LAB_IDENTITY : { ...LAB_IDENTITY, baseMac: m };
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

/**
 * Where the lab's virtual clock starts: the real time now, or `PASK_LAB_TIME` (an ISO 8601
 * time) for runs that need the same timestamps every time.
 */
export function labEpoch(env: NodeJS.ProcessEnv = process.env): number {
  const pinned = env.PASK_LAB_TIME ? Date.parse(env.PASK_LAB_TIME) : NaN;
  return Number.isFinite(pinned) ? pinned : Date.now();
}

export async function bootAppliance(opts: BootOptions, io: BatchStreams, mode: BootMode = 'batch'): Promise<Appliance> {
  let app: Appliance;
  if (opts.lab !== 'none') {
    const clock = new VirtualClock(labEpoch());
    app = new Appliance(clock);
    const lab = namedLab(opts.lab, { clock, pacing: mode === 'batch' ? 'instant' : 'realtime' });
    if (lab === null) throw new Error(`% There is no lab ${opts.lab}`);
    app.world = lab;
    const dp = startDataplane(app);
    for (const n of lab.connectedPorts()) dp.engine.attach(n, lab.portBackend(n)!);
    app.onClose(() => dp.close());
  } else {
    app = new Appliance(new RealClock(), identityFromEnv());
    app.world = new RealWorld();
    const dp = startDataplane(app);
    app.onClose(() => dp.close());
    if (opts.ports.length) await attachLinuxPorts(app, dp.engine, opts.ports);
  }
  startObservers(app);
  app.startupConfigPath = opts.config ?? opts.startupPath ?? defaultStartupPath();
  const text = await readStartupConfig(app.startupConfigPath);
  if (text === null && opts.config) throw new Error(`% Cannot read the configuration file ${opts.config}`);
  if (text !== null) {
    const ok = await loadConfigText(app, commandRegistry(), app.startupConfigPath, text, { out: () => {}, err: io.err }, { from: 'startup-config', audit: false });
    app.log.add('config', `start-up configuration ${app.startupConfigPath} loaded${ok ? '' : ' with errors'}`, ok ? 'notice' : 'warning');
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
