// Health checks: probes (icmp, tcp, udp, http and their ip-tunnel variants), the per-target
// state machine, the fixed-rate scheduler and the monitor that ties them to the config.

export { HealthMonitor } from './monitor.js';
export type { HcTargetInfo, HcTargetResult, HealthMonitorOptions, HealthStats, RealHealth } from './monitor.js';
export { HcStateMachine, type HcPhase } from './state.js';
export { planHealth, resolveSpec, targetKey, type HealthPlan, type PlannedCheck, type RealPlan, type RoutePlan } from './targets.js';
export type { ProbeOutcome, ProbeSpec } from './probe.js';
export type { HealthSink } from './health-sink.js';
export type { LocalPacket, ProbeIo } from './probe-io.js';
