// Test helpers for the health checker: configs in the shape of seed 000 (appliance
// 192.168.193.181/24, real 192.168.211.150 behind a router, VIP 192.168.193.50:80) and a
// monitor wired to the simulated network on a virtual clock.

import { defaultConfig, newHealthCheck, newInterface, newReal, newSlb, newVlan } from '../../src/config/defaults.js';
import type { HcId, HcType, HealthCheckConfig, NetworkRoute, RealConfig, RealId, RunningConfig, SlbConfig } from '../../src/config/model.js';
import { HealthMonitor, type HealthMonitorOptions } from '../../src/health/monitor.js';
import type { HealthSink } from '../../src/health/health-sink.js';
import { SimNet, type SimHostOptions, type SimNetOptions } from '../../src/health/sim.js';
import { formatIpv4, formatPrefix, ipv4, type Ipv4, type Prefix, type VlanId } from '../../src/net/addr.js';
import { EventLog } from '../../src/util/event-log.js';

export const APPLIANCE = ipv4('192.168.193.181');
export const APPLIANCE_NET: Prefix = { addr: APPLIANCE, len: 24 };
export const RIP = ipv4('192.168.211.150');
export const VIP = ipv4('192.168.193.50');
/** A real on the appliance's own network (its MAC can be learned). */
export const LOCAL_RIP = ipv4('192.168.193.20');

export function hc(id: number, type: HcType, over: Partial<HealthCheckConfig> = {}): HealthCheckConfig {
  return { ...newHealthCheck(id as HcId), type, ...over };
}

export function real(id: number, rip: Ipv4, rport = 80, over: Partial<RealConfig> = {}): RealConfig {
  return { ...newReal(id as RealId), name: `r${id}`, rip, rport, ...over };
}

export function slb(name: string, reals: number[], checks: number[], over: Partial<SlbConfig> = {}): SlbConfig {
  return {
    ...newSlb(name), natMode: 'l3dsr-iptunnel', vips: [{ addr: VIP, protocol: 'tcp', vport: 80 }],
    reals: reals.map((id) => ({ id: id as RealId, backup: false })), healthChecks: checks.map((id) => id as HcId), ...over,
  };
}

export function config(parts: { hcs: HealthCheckConfig[]; reals: RealConfig[]; slbs: SlbConfig[]; routes?: NetworkRoute[] }): RunningConfig {
  const base = defaultConfig();
  return {
    ...base,
    vlans: [...base.vlans, { ...newVlan('test'), vid: 193 as VlanId }],
    interfaces: [{ ...newInterface('test'), address: APPLIANCE_NET }, ...base.interfaces],
    routes: { defaultGateway: ipv4('192.168.193.1'), networks: parts.routes ?? [], interfaceRoutes: [] },
    reals: parts.reals,
    healthChecks: parts.hcs,
    slbs: parts.slbs,
  };
}

/** The seed's setup: real 1 behind the router, check 1 ip-tunnel-tcp to the VIP (port 0 → rport 80). */
export function seedConfig(over: Partial<HealthCheckConfig> = {}): RunningConfig {
  return config({
    hcs: [hc(1, 'ip-tunnel-tcp', { innerTip: VIP, ...over })],
    reals: [real(1, RIP, 80)],
    slbs: [slb('test', [1], [1])],
  });
}

export interface SinkCall {
  readonly at: number;
  readonly kind: 'real' | 'route';
  readonly key: string;
  readonly up: boolean;
  readonly cause?: string;
  readonly graceful?: boolean;
}

export class RecordingSink implements HealthSink {
  readonly calls: SinkCall[] = [];
  constructor(private readonly now: () => number) {}
  setRealHealth(slb: string, real: RealId, up: boolean, cause: string, graceful: boolean): void {
    this.calls.push({ at: this.now(), kind: 'real', key: `${slb}/${real}`, up, cause, graceful });
  }
  setRouteHealth(dest: Prefix, gateway: Ipv4, up: boolean): void {
    this.calls.push({ at: this.now(), kind: 'route', key: `${formatPrefix(dest)} ${formatIpv4(gateway)}`, up });
  }
  of(key: string): SinkCall[] {
    return this.calls.filter((c) => c.key === key);
  }
}

export interface Harness {
  readonly sim: SimNet;
  readonly log: EventLog;
  readonly sink: RecordingSink;
  readonly mon: HealthMonitor;
  advance(ms: number): void;
  now(): number;
  /** Log lines of the health facility. */
  lines(): string[];
}

export function harness(cfg: RunningConfig, hosts: SimHostOptions[],
  opts: { sim?: Partial<SimNetOptions>; mon?: HealthMonitorOptions; start?: boolean } = {}): Harness {
  const sim = new SimNet({ interfaces: [APPLIANCE_NET], ...opts.sim });
  for (const h of hosts) sim.addHost(h);
  const log = new EventLog(sim.clock);
  const sink = new RecordingSink(() => sim.clock.now());
  const mon = new HealthMonitor(sim, sink, log, { seed: 42, ...opts.mon });
  mon.configure(cfg);
  if (opts.start !== false) mon.start();
  return {
    sim, log, sink, mon,
    advance: (ms) => sim.clock.advance(ms),
    now: () => sim.clock.now(),
    lines: () => log.list().filter((e) => e.facility === 'health').map((e) => e.text),
  };
}

/** The seed's server: VIP on lo, nginx on 80, snmpd on 161 (silent to an empty datagram). */
export function seedServer(over: Partial<SimHostOptions> = {}): SimHostOptions {
  return { addrs: [RIP], loopback: [VIP], tcp: { 80: { kind: 'open' } }, udp: { 161: 'silent' }, latencyMs: 1, ...over };
}
