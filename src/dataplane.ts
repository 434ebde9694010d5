// Assembles an appliance's dataplane: the packet engine, the health monitor that probes through
// it, the runtime view the show commands read, the capture hub and the flow offloader. The running
// config flows one way into them (engine first: the monitor reports the health of bindings the
// engine must know; the offloader follows `offload` once the engine has the rest).

import type { Appliance } from './appliance.js';
import { CaptureHub } from './capture/live.js';
import type { RunningConfig } from './config/model.js';
import { Engine, type EngineOptions } from './engine/engine.js';
import { FlowOffload } from './offload/flow-offload.js';
import { EngineRuntime } from './engine/runtime-view.js';
import type { RuntimeView } from './engine/runtime.js';
import { HealthMonitor } from './health/index.js';
import { PORT_COUNT } from './net/addr.js';
import { HostStack } from './stack/host-stack.js';
import { startBgp } from './bgp/appliance.js';
import { startIpsec } from './ipsec/appliance.js';
import { stackBinder, Vtep } from './vxlan/vtep.js';
import { startGeneveAppliance } from './geneve/index.js';
import { Prng } from './util/prng.js';

export interface Dataplane {
  readonly engine: Engine;
  readonly monitor: HealthMonitor;
  /** The appliance's own sockets (ping, traceroute, control-plane protocols). */
  readonly stack: HostStack;
  close(): void;
}

export function startDataplane(app: Appliance, opts: EngineOptions = {}): Dataplane {
  const engine = new Engine(app.clock, { baseMac: app.identity.baseMac }, opts);
  const stack = new HostStack(engine, new Prng((app.clock.wallNow() ^ (process.pid << 8)) >>> 0));
  const monitor = new HealthMonitor(engine, engine, app.log, { ports: stack.ports, echoIds: stack.echoIds });
  app.stack = stack;
  const vtep = new Vtep(engine, stackBinder(stack), app.identity.baseMac);
  app.vxlan = vtep;
  const offload = app.offload = new FlowOffload(engine, app.identity.baseMac);
  const apply = (cfg: RunningConfig) => {
    engine.configure(cfg);
    vtep.configure(cfg);
    monitor.configure(cfg);
    if (cfg.offload !== offload.configured) followOffload(app, offload, cfg.offload);
  };
  apply(app.config);
  const unsubscribe = app.store.subscribe((next) => apply(next));
  monitor.start();
  const stopGeneve = startGeneveAppliance(app, stack);
  startBgp(app, engine, stack);
  startIpsec(app, engine, stack);
  app.runtime = runtimeOf(new EngineRuntime(engine), monitor);
  app.captures = new CaptureHub((tap) => {
    for (let p = 1; p <= PORT_COUNT; p++) engine.setCaptureTap(p, tap);
  });
  return {
    engine,
    monitor,
    stack,
    close() {
      unsubscribe();
      stopGeneve();
      vtep.close();
      monitor.stop();
      offload.disable();
      engine.close();
    },
  };
}

/** The running config's `offload` into the offloader; the event log says what came of it. */
function followOffload(app: Appliance, offload: FlowOffload, on: boolean): void {
  const why = offload.configure(on);
  if (!on) app.log.add('offload', 'established-flow offload disabled');
  else if (why === null) app.log.add('offload', `established-flow offload enabled (XDP ${offload.status().mode})`, 'notice');
  else app.log.add('offload', `established-flow offload configured, not active: ${why}`, offload.hasLinuxPort() ? 'warning' : 'notice');
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
    routing: () => rt.routing(),
    portCounters: (p) => rt.portCounters(p),
    backendCounters: (p) => rt.backendCounters(p),
    engineCounters: () => rt.engineCounters(),
    clearCounters: () => rt.clearCounters(),
    clearArp: () => rt.clearArp(),
    geneveTargets: (s) => rt.geneveTargets(s),
    geneveGatewayDrops: () => rt.geneveGatewayDrops(),
    neighbors: () => rt.neighbors(),
    hcResult: (s, r, h) => monitor.hcResult(s, r, h),
    hcState: (h) => monitor.hcState(h),
    hcTargets: (h) => monitor.targets(h),
  };
}
