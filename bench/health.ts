// Health-check benchmark: 10,000 reals with 1 s `tcp` checks against simulated Linux peers on
// a virtual clock, for 60 virtual seconds. Reports the probes run, the worst scheduling
// lateness (virtual ms between a probe's due time and its sending) and the CPU time per probe
// (process.cpuUsage, user + system; the simulated peers' work is included). Prints one JSON
// line when run directly:  node dist/bench/health.js [reals] [seconds]

import { pathToFileURL } from 'node:url';
import { defaultConfig, newHealthCheck, newInterface, newReal, newSlb } from '../src/config/defaults.js';
import type { HcId, RealId, RunningConfig } from '../src/config/model.js';
import { HealthMonitor } from '../src/health/monitor.js';
import type { HealthSink } from '../src/health/health-sink.js';
import { SimNet } from '../src/health/sim.js';
import { ipv4, type Ipv4, type Prefix } from '../src/net/addr.js';
import { EventLog } from '../src/util/event-log.js';

export interface HealthBenchOptions {
  /** Reals (one tcp check each); default 10,000. */
  reals?: number;
  /** Virtual seconds to run; default 60. */
  seconds?: number;
  /** Check interval in seconds; default 1. */
  interval?: number;
}

export interface HealthBenchResult {
  reals: number;
  virtualSeconds: number;
  probes: number;
  successes: number;
  failures: number;
  /** Worst virtual ms between a probe's due time and its sending. */
  worstLatenessMs: number;
  /** CPU (user + system) µs per probe, simulated peers included. */
  cpuUsPerProbe: number;
  /** Wall-clock ms for the whole run. */
  wallMs: number;
  /** Packets sent by the appliance (SYN, ACK, FIN/ACK, last ACK per probe). */
  packetsSent: number;
}

const APPLIANCE: Prefix = { addr: ipv4('192.168.193.181'), len: 24 };
const RIP_BASE = 0x0a000000; // 10.0.0.0/8, behind the router

function benchConfig(n: number, interval: number): RunningConfig {
  const base = defaultConfig();
  const reals = Array.from({ length: n }, (_, i) => ({ ...newReal((i + 1) as RealId), rip: (RIP_BASE + i + 1) as Ipv4, rport: 80 }));
  return {
    ...base,
    interfaces: [{ ...newInterface('test'), address: APPLIANCE }, ...base.interfaces],
    reals,
    healthChecks: [{ ...newHealthCheck(1 as HcId), type: 'tcp', interval, timeout: 1 }],
    slbs: [{
      ...newSlb('bench'), vips: [{ addr: ipv4('192.168.193.50'), protocol: 'tcp', vport: 80 }],
      reals: reals.map((r) => ({ id: r.id, backup: false })), healthChecks: [1 as HcId],
    }],
  };
}

export function runHealthBench(opts: HealthBenchOptions = {}): HealthBenchResult {
  const n = opts.reals ?? 10_000;
  const seconds = opts.seconds ?? 60;
  const interval = opts.interval ?? 1;
  const sim = new SimNet({ interfaces: [APPLIANCE], record: false });
  for (let i = 0; i < n; i++) sim.addHost({ addrs: [(RIP_BASE + i + 1) as Ipv4], tcp: { 80: { kind: 'open' } } });
  const sink: HealthSink = { setRealHealth: () => {}, setRouteHealth: () => {} };
  const mon = new HealthMonitor(sim, sink, new EventLog(sim.clock), { seed: 1 });
  mon.configure(benchConfig(n, interval));
  mon.start();

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // In one-second steps so that the virtual clock's own heap stays small.
  for (let s = 0; s < seconds; s++) sim.clock.advance(1000);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  mon.stop();

  const st = mon.stats();
  return {
    reals: n,
    virtualSeconds: seconds,
    probes: st.probes,
    successes: st.successes,
    failures: st.failures,
    worstLatenessMs: st.worstLatenessMs,
    cpuUsPerProbe: Math.round(((cpu.user + cpu.system) / Math.max(1, st.probes)) * 100) / 100,
    wallMs: Math.round(wallMs),
    packetsSent: st.packetsSent,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const reals = process.argv[2] ? Number(process.argv[2]) : undefined;
  const seconds = process.argv[3] ? Number(process.argv[3]) : undefined;
  process.stdout.write(JSON.stringify(runHealthBench({ reals, seconds })) + '\n');
}
