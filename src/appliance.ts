// One appliance: its running configuration, its identity, its clock and the dataplane the
// configuration drives. Consoles (terminal, batch, SSH, control socket) all talk to one of these.

import { defaultConfig } from './config/defaults.js';
import type { RunningConfig } from './config/model.js';
import { ConfigStore } from './config/store.js';
import type { CaptureHub } from './capture/live.js';
import { IDLE_RUNTIME, type RuntimeView } from './engine/runtime.js';
import { mac, type Mac } from './net/addr.js';
import type { Clock } from './util/clock.js';
import { EventLog } from './util/event-log.js';
import { SessionRegistry } from './server/sessions.js';

export interface ApplianceIdentity {
  readonly productName: string;
  readonly serial: string;
  readonly osVersion: string;
  readonly mgmtMac: Mac;
  /** The MAC of every data interface. */
  readonly baseMac: Mac;
}

export const LAB_IDENTITY: ApplianceIdentity = {
  productName: 'PAS-K3200X',
  serial: 'R211K30000A03201',
  osVersion: 'v2.2.7.4.0',
  mgmtMac: mac('00:06:c4:90:03:92'),
  baseMac: mac('00:06:c4:90:03:93'),
};

/** A lab or a set of real ports: whatever the appliance's packets travel on. */
export interface World {
  readonly name: string;
  /** Lets virtual time pass (the lab) or waits for real time. */
  wait(ms: number, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export class Appliance {
  readonly store: ConfigStore;
  readonly log: EventLog;
  readonly bootedAt: number;
  runtime: RuntimeView = IDLE_RUNTIME;
  world: World | null = null;
  /** Live captures on the dataplane's ports (null: no dataplane). */
  captures: CaptureHub | null = null;
  /** Where `write memory` saves and start-up loads; null: nowhere (nothing is saved). */
  startupConfigPath: string | null = null;
  /** The operator sessions (lines) on this appliance: `show users`, `clear line`, idle timeout. */
  readonly sessions = new SessionRegistry();

  constructor(
    readonly clock: Clock,
    readonly identity: ApplianceIdentity = LAB_IDENTITY,
    initial: RunningConfig = defaultConfig(),
  ) {
    this.store = new ConfigStore(initial);
    this.sessions.execTimeoutMs = initial.execTimeout * 1000;
    this.store.subscribe((cfg) => { this.sessions.execTimeoutMs = cfg.execTimeout * 1000; });
    this.log = new EventLog(clock);
    this.bootedAt = clock.now();
  }

  get config(): RunningConfig {
    return this.store.current;
  }

  private readonly closers: (() => void | Promise<void>)[] = [];

  /** Registers something to release when the appliance shuts down (last registered, first closed). */
  onClose(fn: () => void | Promise<void>): void {
    this.closers.unshift(fn);
  }

  async close(): Promise<void> {
    for (const fn of this.closers.splice(0)) await fn();
    await this.world?.close();
  }
}
