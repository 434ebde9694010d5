// One appliance: its running configuration, its identity, its clock and the dataplane the
// configuration drives. Consoles (terminal, batch, SSH, control socket) all talk to one of these.

import { defaultConfig } from './config/defaults.js';
import type { RunningConfig } from './config/model.js';
import { ConfigStore } from './config/store.js';
import { AdminStateTimes } from './config/admin-times.js';
import type { CaptureHub } from './capture/live.js';
import { IDLE_RUNTIME, type RuntimeView } from './engine/runtime.js';
import type { HostStack } from './stack/host-stack.js';
import type { Vtep } from './vxlan/vtep.js';
import { mac, type Mac } from './net/addr.js';
import type { Clock } from './util/clock.js';
import { EventLog } from './util/event-log.js';
import { SessionRegistry } from './server/sessions.js';
import { Audit } from './observe/audit.js';
import type { MetricsEndpoint } from './observe/metrics-endpoint.js';
import type { GeneveAppliance } from './geneve/appliance.js';
import type { FlowOffload } from './offload/flow-offload.js';

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
  /** Configuration changes and refused privilege, into the log (see src/observe/audit.ts). */
  readonly audit: Audit;
  /** When reals were last put in or out of service (State-Time of a disabled real). */
  readonly adminTimes: AdminStateTimes;
  /** Clock time of the start, or of the last `reload`. */
  bootedAt: number;
  runtime: RuntimeView = IDLE_RUNTIME;
  /** The appliance's own sockets (null: no dataplane). */
  stack: HostStack | null = null;
  /** The VXLAN tunnel endpoint (null: no dataplane). */
  vxlan: Vtep | null = null;
  world: World | null = null;
  /** Live captures on the dataplane's ports (null: no dataplane). */
  captures: CaptureHub | null = null;
  /** Where `write memory` saves and start-up loads; null: nowhere (nothing is saved). */
  startupConfigPath: string | null = null;
  /** The Prometheus endpoint (`metrics listen`); null: not started (an appliance without boot). */
  metrics: MetricsEndpoint | null = null;
  /** Established-flow offload into the kernel (`offload enable`; null: no dataplane). */
  offload: FlowOffload | null = null;
  /** The `geneve-appliance` role (null: no dataplane). */
  geneveAppliance: GeneveAppliance | null = null;
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
    this.audit = new Audit(this.log);
    this.adminTimes = new AdminStateTimes(this.store, clock);
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
