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

function section(head: string, body: string[], out: string[]): void {
  out.push(head, ...body.map((l) => ` ${l}`), ' apply', '!');
}

export function renderRunningConfig(cfg: RunningConfig): string {
  const factory = defaultConfig();
  const out: string[] = ['!', 'configure terminal', `hostname ${cfg.hostname}`, '!'];
  const users = usersRunning(cfg);
  if (users.length) out.push(...users, '!');
  for (const v of cfg.vlans) {
    const body = vlanRunning(v);
    if (body.length) section(`vlan ${v.name}`, body, out);
  }
  for (const i of cfg.interfaces) {
    const f = factory.interfaces.find((x) => x.name === i.name);
    const body = interfaceRunning(i, f);
    if (body.length || !f) section(`interface ${i.name}`, body, out);
  }
  for (const h of cfg.healthChecks) section(`health-check ${h.id}`, healthCheckRunning(h), out);
  const routes = routeRunning(cfg);
  if (routes.length) out.push(...routes, '!');
  for (const r of cfg.reals) section(`real ${r.id}`, realRunning(r), out);
  for (const p of cfg.portBoundaries) section(`port-boundary ${p.id}`, portBoundaryRunning(p), out);
  for (const s of cfg.slbs) section(`slb ${s.name}`, slbRunning(s), out);
  const timeouts = [...sessionTimeoutRunning(cfg), ...execTimeoutRunning(cfg)];
  if (timeouts.length) out.push(...timeouts, '!');
  out.push('end');
  return out.join('\n') + '\n';
}
