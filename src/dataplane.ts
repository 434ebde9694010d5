// Assembles an appliance's dataplane: the packet engine, the health monitor that probes through
// it, the runtime view the show commands read, and the capture hub. The running config flows one
// way into both (engine first: the monitor reports the health of bindings the engine must know).

import type { Appliance } from './appliance.js';
import { CaptureHub } from './capture/live.js';
import type { RunningConfig } from './config/model.js';
import { Engine, type EngineOptions } from './engine/engine.js';
import { EngineRuntime } from './engine/runtime-view.js';
import type { RuntimeView } from './engine/runtime.js';
import { HealthMonitor } from './health/index.js';
import { PORT_COUNT } from './net/addr.js';

export interface Dataplane {
  readonly engine: Engine;
  readonly monitor: HealthMonitor;
  close(): void;
}

export function startDataplane(app: Appliance, opts: EngineOptions = {}): Dataplane {
  const engine = new Engine(app.clock, { baseMac: app.identity.baseMac }, opts);
  const monitor = new HealthMonitor(engine, engine, app.log);
  const apply = (cfg: RunningConfig) => {
    engine.configure(cfg);
    monitor.configure(cfg);
  };
  apply(app.config);
  const unsubscribe = app.store.subscribe((next) => apply(next));
  monitor.start();
  app.runtime = runtimeOf(new EngineRuntime(engine), monitor);
  app.captures = new CaptureHub((tap) => {
    for (let p = 1; p <= PORT_COUNT; p++) engine.setCaptureTap(p, tap);
  });
  return {
    engine,
    monitor,
    close() {
      unsubscribe();
      monitor.stop();
      engine.close();
    },
  };
}

/** The engine answers for traffic and sessions, the monitor for health-check results. */
function runtimeOf(rt: EngineRuntime, monitor: HealthMonitor): RuntimeView {
  return {
    filterHits: (s, f) => rt.filterHits(s, f),
    serviceHealth: (s) => rt.serviceHealth(s),
    real: (s, r) => rt.real(s, r),
    cps: (s) => rt.cps(s),
    sessions: () => rt.sessions(),
    clearSessions: (s) => rt.clearSessions(s),
    arp: () => rt.arp(),
    routeUp: (d, g) => rt.routeUp(d, g),
    portCounters: (p) => rt.portCounters(p),
    backendCounters: (p) => rt.backendCounters(p),
    engineCounters: () => rt.engineCounters(),
    clearCounters: () => rt.clearCounters(),
    hcResult: (s, r, h) => monitor.hcResult(s, r, h),
    hcState: (h) => monitor.hcState(h),
    hcTargets: (h) => monitor.targets(h),
  };
}
