// An appliance on `--lab vpn` (file 003's topology) with the virtual clock at a fixed time, and
// file 003's configuration (the BGP and prefix-list part; the IPsec part is its own issue).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Appliance } from '../../src/appliance.js';
import { startDataplane } from '../../src/dataplane.js';
import { namedLab, type LabWorld } from '../../src/lab/index.js';
import { VirtualClock } from '../../src/util/clock.js';

/** 2017-07-04 20:00:00 UTC, the afternoon of file 003's session. */
export const VPN_EPOCH = Date.UTC(2017, 6, 4, 20, 0, 0);

export const VPN_SCENARIO = readFileSync(new URL('../fixtures/bgp/vpn-scenario.txt', import.meta.url), 'utf8');

export function vpnAppliance(): { app: Appliance; lab: LabWorld } {
  const clock = new VirtualClock(VPN_EPOCH);
  const app = new Appliance(clock);
  const lab = namedLab('vpn', { clock, pacing: 'instant' })!;
  app.world = lab;
  const dp = startDataplane(app);
  for (const n of lab.connectedPorts()) dp.engine.attach(n, lab.portBackend(n)!);
  app.onClose(() => dp.close());
  app.startupConfigPath = join(mkdtempSync(join(tmpdir(), 'pask-vpn-')), 'startup-config');
  return { app, lab };
}
