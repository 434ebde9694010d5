// The appliance's metrics in the Prometheus text exposition format (version 0.0.4): engine,
// per-port, per-service, per-real and health-check figures, read through the RuntimeView the
// show commands use. Names follow Prometheus conventions: `pask_` prefix, base units
// (seconds, bytes), `_total` for counters, enum-style gauges for states.

import type { ApplianceIdentity } from '../appliance.js';
import type { RunningConfig } from '../config/model.js';
import type { Health, RuntimeView } from '../engine/runtime.js';
import { formatIpv4, PORT_COUNT } from '../net/addr.js';

type Labels = Readonly<Record<string, string | number>>;

interface Family {
  readonly type: 'counter' | 'gauge';
  readonly help: string;
  readonly samples: string[];
}

/** Builds an exposition: families in the order first added, each with HELP and TYPE. */
export class Exposition {
  private readonly families = new Map<string, Family>();

  add(name: string, type: Family['type'], help: string, labels: Labels, value: number): void {
    let f = this.families.get(name);
    if (!f) this.families.set(name, (f = { type, help, samples: [] }));
    const l = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(String(v))}"`).join(',');
    f.samples.push(`${name}${l ? `{${l}}` : ''} ${formatValue(value)}`);
  }

  /** Declares a family that may have no sample yet (so its HELP and TYPE are always there). */
  declare(name: string, type: Family['type'], help: string): void {
    if (!this.families.has(name)) this.families.set(name, { type, help, samples: [] });
  }

  text(): string {
    let out = '';
    for (const [name, f] of this.families) {
      out += `# HELP ${name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${f.type}\n`;
      for (const s of f.samples) out += `${s}\n`;
    }
    return out;
  }
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export interface MetricsSource {
  readonly config: RunningConfig;
  readonly runtime: RuntimeView;
  readonly identity: ApplianceIdentity;
  readonly version: string;
  /** Clock time (ms) now and at start, and the wall time now (ms since 1970). */
  readonly now: number;
  readonly bootedAt: number;
  readonly wallNow: number;
}

const HEALTH_STATES: readonly Health[] = ['ACT', 'DEACT', 'INACT'];

export function renderMetrics(src: MetricsSource): string {
  const x = new Exposition();
  const { config: cfg, runtime: rt } = src;
  x.add('pask_build_info', 'gauge', 'The software version and the product it stands for (always 1).',
    { version: src.version, product: src.identity.productName, os_version: src.identity.osVersion }, 1);
  x.add('pask_uptime_seconds', 'gauge', 'Seconds since the appliance started (or was reloaded).', {}, (src.now - src.bootedAt) / 1000);

  const e = rt.engineCounters();
  x.add('pask_receive_packets_total', 'counter', 'Frames received on every port.', {}, e.rxPackets);
  x.add('pask_receive_bytes_total', 'counter', 'Bytes received on every port.', {}, e.rxBytes);
  x.add('pask_transmit_packets_total', 'counter', 'Frames sent on every port.', {}, e.txPackets);
  x.add('pask_transmit_bytes_total', 'counter', 'Bytes sent on every port.', {}, e.txBytes);
  x.declare('pask_drops_total', 'counter', 'Frames the engine dropped, by reason.');
  for (const [reason, n] of Object.entries(e.drops)) x.add('pask_drops_total', 'counter', '', { reason }, n);
  x.add('pask_slb_packets_total', 'counter', 'Packets handled by the SLB stage.', {}, e.slbPackets);
  x.add('pask_sessions_created_total', 'counter', 'Sessions created in the session table.', {}, e.sessionsCreated);
  x.add('pask_sessions', 'gauge', 'Sessions in the session table now.', {}, e.currentSessions);
  x.add('pask_flooded_frames_total', 'counter', 'Frames flooded within their VLAN.', {}, e.flooded);
  x.add('pask_internal_errors_total', 'counter', 'Unexpected errors on the packet path.', {}, e.internalErrors);

  for (let p = 1; p <= PORT_COUNT; p++) {
    const c = rt.portCounters(p);
    const port = { port: p };
    x.add('pask_port_up', 'gauge', 'Whether a backend (a lab link, a Linux interface) is attached to the switch port.', port, c.attached === null ? 0 : 1);
    x.add('pask_port_receive_packets_total', 'counter', 'Frames received on the port.', port, c.rxPackets);
    x.add('pask_port_receive_bytes_total', 'counter', 'Bytes received on the port.', port, c.rxBytes);
    x.add('pask_port_transmit_packets_total', 'counter', 'Frames sent on the port.', port, c.txPackets);
    x.add('pask_port_transmit_bytes_total', 'counter', 'Bytes sent on the port.', port, c.txBytes);
    x.declare('pask_port_drops_total', 'counter', 'Frames received on the port and dropped, by reason.');
    for (const [reason, n] of Object.entries(c.drops)) x.add('pask_port_drops_total', 'counter', '', { port: p, reason }, n);
  }

  for (const s of cfg.slbs) {
    const slb = { slb: s.name };
    const health = rt.serviceHealth(s.name);
    x.add('pask_slb_info', 'gauge', 'An SLB service and its settings (always 1).', { ...slb, nat_mode: s.natMode, lb_method: s.lbMethod }, 1);
    for (const st of HEALTH_STATES) {
      x.add('pask_slb_health_state', 'gauge', 'The service\'s health: 1 for its current state (ACT, DEACT or INACT), 0 for the others.', { ...slb, state: st }, health === st ? 1 : 0);
    }
    let current = 0, total = 0;
    for (const m of s.reals) {
      const r = cfg.reals.find((x) => x.id === m.id);
      if (!r) continue;
      const st = rt.real(s.name, r.id);
      current += st.currentSessions;
      total += st.totalSessions;
      const real = { ...slb, real: r.id, name: r.name };
      for (const h of HEALTH_STATES) {
        x.add('pask_real_health_state', 'gauge', 'A real server\'s health in a service: 1 for its current state (ACT, DEACT or INACT), 0 for the others.', { ...real, state: h }, st.health === h ? 1 : 0);
      }
      x.add('pask_real_up', 'gauge', 'Whether the real server takes new sessions of the service (health ACT).', real, st.health === 'ACT' ? 1 : 0);
      x.add('pask_real_sessions', 'gauge', 'The real server\'s sessions of the service now.', real, st.currentSessions);
      x.add('pask_real_sessions_created_total', 'counter', 'Sessions of the service sent to the real server.', real, st.totalSessions);
      x.add('pask_real_health_change_timestamp_seconds', 'gauge', 'When the real server\'s health last changed (Unix time).', real,
        Math.round(src.wallNow - (src.now - st.since)) / 1000);
    }
    x.add('pask_slb_sessions', 'gauge', 'The service\'s sessions now.', slb, current);
    x.add('pask_slb_sessions_created_total', 'counter', 'Sessions the service created.', slb, total);
    x.add('pask_slb_new_sessions_per_second', 'gauge', 'New sessions per second (CPS).', slb, rt.cps(s.name));
    for (const f of s.filters) x.add('pask_slb_filter_hits_total', 'counter', 'Packets that matched the filter.', { ...slb, filter: f.id }, rt.filterHits(s.name, f.id));
  }

  x.declare('pask_health_check_target_up', 'gauge', 'What a health check sees of a target: 1 up, 0 down (absent before the first result).');
  for (const t of rt.hcTargets()) {
    const target = { health_check: t.hc, target: formatIpv4(t.dst), port: t.port };
    if (t.up !== null) {
      x.add('pask_health_check_target_up', 'gauge', '', target, t.up ? 1 : 0);
      x.add('pask_health_check_rtt_seconds', 'gauge', 'Response time of the target\'s last successful probe.', target, t.rttMs / 1000);
    }
    x.add('pask_health_check_probes_total', 'counter', 'Probes sent to the target.', target, t.probes);
  }
  return x.text();
}
