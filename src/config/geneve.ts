// The GENEVE parts of the running config: the `geneve-appliance` sub-mode's object (one per
// appliance, absent until configured), the 8-byte option ids of a gateway SLB, and what a
// configuration must satisfy (called from validate.ts).

import { interfaceKind } from './derived.js';
import { newGeneveAppliance } from './defaults.js';
import type { GeneveApplianceConfig, RunningConfig } from './model.js';
import type { ObjectKind } from './objects.js';

export const GENEVE_UDP_PORT = 6081;
export const TCP_IDLE_MIN = 60;
export const TCP_IDLE_MAX = 6000;

/** The `geneve-appliance` sub-mode edits the one appliance section (key ''). */
export const GENEVE_APPLIANCE: ObjectKind<GeneveApplianceConfig, string> = {
  id: 'geneve-appliance',
  keyOf: () => '',
  find: (cfg) => cfg.geneveAppliance ?? undefined,
  create: () => newGeneveAppliance(),
  put: (cfg, obj) => ({ ...cfg, geneveAppliance: obj }),
  remove: (cfg) => ({ ...cfg, geneveAppliance: null }),
};

/**
 * An option id as typed (`2356de92d389839c`, `0x2356de92d389839c`, `2356de92 d389839c` joined,
 * fewer digits zero-padded on the left) as 16 lowercase hex digits; null when it is not one.
 */
export function parseOptionId(text: string): string | null {
  const t = text.toLowerCase().replace(/^0x/, '');
  if (!/^[0-9a-f]{1,16}$/.test(t)) return null;
  return t.padStart(16, '0');
}

export function validateGeneve(cfg: RunningConfig, err: (s: string) => void): void {
  for (const s of cfg.slbs) {
    if (s.natMode !== 'geneve') continue;
    if (s.vips.length > 0) err(`slb ${s.name}: nat-mode geneve takes no vip (its include filters select routed traffic)`);
    if (s.lbMethod !== 'hash' && s.lbMethod !== 'maglev') err(`slb ${s.name}: nat-mode geneve picks targets by hash: use lb-method hash or maglev`);
    const t = s.geneve.tcpIdleTimeout;
    if (!(t >= TCP_IDLE_MIN && t <= TCP_IDLE_MAX)) err(`slb ${s.name}: tcp-idle-timeout ${t} is out of range (${TCP_IDLE_MIN}-${TCP_IDLE_MAX})`);
  }
  const a = cfg.geneveAppliance;
  if (a === null) return;
  if (a.iface !== null) {
    const i = cfg.interfaces.find((x) => x.name === a.iface);
    if (i === undefined || interfaceKind(a.iface) === 'mgmt') err(`geneve-appliance: there is no data interface ${a.iface}`);
  } else if (a.status === 'enable') {
    err('geneve-appliance: set the interface that receives the GENEVE traffic (interface NAME)');
  }
  if (a.healthPort === a.udpPort && a.healthPort !== 0) {
    // Different protocols, but one port reservation serves the appliance's sockets.
    err(`geneve-appliance: health-port ${a.healthPort} is the udp-port`);
  }
  const gw = cfg.slbs.find((s) => s.natMode === 'geneve');
  if (gw !== undefined && a.status === 'enable' && a.udpPort === GENEVE_UDP_PORT) {
    err(`geneve-appliance: udp-port ${GENEVE_UDP_PORT} takes the returns of slb ${gw.name} (nat-mode geneve): one appliance is a gateway or a target`);
  }
  const fids = new Set<number>();
  for (const f of a.filters) {
    if (fids.has(f.id)) err(`geneve-appliance: filter ${f.id} is configured twice`);
    fids.add(f.id);
  }
}
