// `show running-config`: the configuration as the commands that rebuild it on a fresh
// appliance. Each family renders its own objects; only what differs from the factory is shown.

import { defaultConfig } from '../src/config/defaults.js';
import type { RunningConfig } from '../src/config/model.js';
import { healthCheckRunning } from './health-check.js';
import { interfaceRunning } from './interface.js';
import { portBoundaryRunning } from './port-boundary.js';
import { realRunning } from './real.js';
import { routeRunning } from './route.js';
import { slbRunning } from './slb.js';
import { sessionTimeoutRunning } from './entry.js';
import { execTimeoutRunning } from './session.js';
import { usersRunning } from './user.js';
import { vlanRunning } from './vlan.js';
import { loggingRunning } from './logging.js';
import { metricsRunning } from './metrics.js';
import { offloadRunning } from './offload.js';
import { ipsecRunning } from './ipsec.js';
import { quote } from './quote.js';
import { geneveApplianceRunning } from './geneve.js';
import { staticArpRunning, vxlanFdbRunning, vxlanRunning } from './vxlan.js';
import { bgpRunning, prefixListRunning } from './bgp.js';

/** What `show running-config KIND [KEY]` can pick. */
export type RunningKind = 'system' | 'username' | 'vlan' | 'interface' | 'health-check' | 'route' | 'real' | 'port-boundary' | 'slb'
  | 'timeouts' | 'logging' | 'metrics' | 'offload' | 'geneve-appliance' | 'vxlan' | 'ipsec' | 'prefix-list' | 'router-bgp';

/** One object's part of the running config: a sub-mode section (head, body, apply) or lines. */
export interface RunningBlock {
  readonly kind: RunningKind;
  /** The object's name or id ('' for settings that are not objects). */
  readonly key: string;
  readonly lines: readonly string[];
}

function section(kind: RunningKind, key: string | number, head: string, body: string[]): RunningBlock {
  return { kind, key: String(key), lines: [head, ...body.map((l) => ` ${l}`), ' apply'] };
}

export function runningBlocks(cfg: RunningConfig): RunningBlock[] {
  const factory = defaultConfig();
  const out: RunningBlock[] = [];
  const lines = (kind: RunningKind, l: string[]) => { if (l.length) out.push({ kind, key: '', lines: l }); };
  lines('system', [`hostname ${cfg.hostname}`, ...(cfg.banner ? [`banner motd ${quote(cfg.banner.replace(/\\/g, '\\\\').replace(/\n/g, '\\n'))}`] : [])]);
  lines('username', usersRunning(cfg));
  for (const v of cfg.vlans) {
    const body = vlanRunning(v);
    if (body.length) out.push(section('vlan', v.name, `vlan ${v.name}`, body));
  }
  for (const i of cfg.interfaces) {
    const f = factory.interfaces.find((x) => x.name === i.name);
    const body = interfaceRunning(i, f);
    if (body.length || !f) out.push(section('interface', i.name, `interface ${i.name}`, body));
  }
  for (const h of cfg.healthChecks) out.push(section('health-check', h.id, `health-check ${h.id}`, healthCheckRunning(h)));
  // Before the routes: an interface route may name a VTI.
  lines('ipsec', ipsecRunning(cfg));
  lines('route', routeRunning(cfg));
  for (const r of cfg.reals) out.push(section('real', r.id, `real ${r.id}`, realRunning(r)));
  for (const p of cfg.portBoundaries) out.push(section('port-boundary', p.id, `port-boundary ${p.id}`, portBoundaryRunning(p)));
  for (const s of cfg.slbs) out.push(section('slb', s.name, `slb ${s.name}`, slbRunning(s)));
  const geneve = geneveApplianceRunning(cfg);
  if (geneve !== null) out.push(section('geneve-appliance', '', 'geneve-appliance', geneve));
  lines('timeouts', [...sessionTimeoutRunning(cfg), ...execTimeoutRunning(cfg)]);
  lines('logging', loggingRunning(cfg));
  lines('metrics', metricsRunning(cfg));
  lines('offload', offloadRunning(cfg));
  // After the VLANs (their VNIs) and the interfaces (the source-address, the arp entries' VLANs).
  const vx = vxlanRunning(cfg.vxlan);
  if (vx.length) out.push(section('vxlan', '', 'vxlan', vx));
  lines('vxlan', [...vxlanFdbRunning(cfg), ...staticArpRunning(cfg)]);
  // Last: a neighbor names prefix lists, and its update-source is an interface's address.
  lines('prefix-list', prefixListRunning(cfg));
  if (cfg.bgp !== null) out.push(section('router-bgp', cfg.bgp.asn, `router bgp ${cfg.bgp.asn}`, bgpRunning(cfg.bgp)));
  return out;
}

/** Blocks as text, each followed by `!`. */
export function renderBlocks(blocks: readonly RunningBlock[]): string {
  return blocks.map((b) => [...b.lines, '!'].join('\n') + '\n').join('');
}

export function renderRunningConfig(cfg: RunningConfig): string {
  return `!\nconfigure terminal\n${renderBlocks(runningBlocks(cfg))}end\n`;
}
