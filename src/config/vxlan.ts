// The VXLAN part of the running config: factory settings, the `vxlan` sub-mode's object (one
// per appliance), and what a configuration must satisfy (called from validate.ts).

import { formatIpv4, formatMac, isMulticastMac } from '../net/addr.js';
import type { RunningConfig, VxlanConfig } from './model.js';
import type { ObjectKind } from './objects.js';

export const VXLAN_DEFAULT_PORT = 4789;
export const VXLAN_DEFAULT_AGEING = 300;
export const VXLAN_DEFAULT_MAX_ENTRIES = 16384;
/** 1500 - 50 (file 004: outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8). */
export const VXLAN_DEFAULT_MTU = 1450;
export const VNI_MAX = 16777215;

export function defaultVxlan(): VxlanConfig {
  return {
    sourceAddress: null, udpPort: VXLAN_DEFAULT_PORT, learning: true, arpProxy: false, ageing: VXLAN_DEFAULT_AGEING,
    maxEntries: VXLAN_DEFAULT_MAX_ENTRIES, mtu: VXLAN_DEFAULT_MTU,
  };
}

/** The `vxlan` sub-mode edits the one VXLAN section (key ''). */
export const VXLAN: ObjectKind<VxlanConfig, string> = {
  id: 'vxlan',
  keyOf: () => '',
  find: (cfg) => cfg.vxlan,
  create: () => defaultVxlan(),
  put: (cfg, obj) => ({ ...cfg, vxlan: obj }),
  remove: (cfg) => ({ ...cfg, vxlan: defaultVxlan() }),
};

/** The VNI each VLAN is bridged to, and back. */
export function vniOfVlans(cfg: RunningConfig): Map<number, string> {
  const m = new Map<number, string>();
  for (const v of cfg.vlans) if (v.vni !== null) m.set(v.vni, v.name);
  return m;
}

export function validateVxlan(cfg: RunningConfig, err: (s: string) => void): void {
  const x = cfg.vxlan;
  const vnis = new Map<number, string>();
  for (const v of cfg.vlans) {
    if (v.vni === null) continue;
    if (!(v.vni >= 1 && v.vni <= VNI_MAX)) err(`vlan ${v.name}: VNI ${v.vni} is out of range (1-${VNI_MAX})`);
    const o = vnis.get(v.vni);
    if (o !== undefined) err(`vlan ${v.name}: VNI ${v.vni} is already bridged to vlan ${o}`);
    vnis.set(v.vni, v.name);
  }
  if (x.sourceAddress !== null && !cfg.interfaces.some((i) => i.address?.addr === x.sourceAddress && i.name !== 'mgmt')) {
    err(`vxlan: source-address ${formatIpv4(x.sourceAddress)} is not an address of a data interface`);
  }
  const seen = new Set<string>();
  for (const f of cfg.vxlanFdb) {
    const key = f.mac === 0 ? `0 ${f.vni} ${f.remote} ${f.port}` : `${f.mac} ${f.vni}`;
    const what = `vxlan fdb ${formatMac(f.mac)} vni ${f.vni}`;
    if (seen.has(key)) err(`${what} is configured twice`);
    seen.add(key);
    if (!vnis.has(f.vni)) err(`${what}: no VLAN is bridged to VNI ${f.vni} (vxlan vni ${f.vni} in a vlan)`);
    if (f.mac !== 0 && isMulticastMac(f.mac)) err(`${what}: a multicast MAC cannot have an FDB entry`);
  }
  const addrs = new Set<number>();
  for (const a of cfg.staticArps) {
    const what = `arp ${formatIpv4(a.addr)}`;
    if (addrs.has(a.addr)) err(`${what} is configured twice`);
    addrs.add(a.addr);
    if (!cfg.interfaces.some((i) => i.name === a.vlan) || !cfg.vlans.some((v) => v.name === a.vlan)) {
      err(`${what}: vlan ${a.vlan} has no interface (interface ${a.vlan} with an address)`);
    }
    if (a.mac === 0 || isMulticastMac(a.mac)) err(`${what}: ${formatMac(a.mac)} is not a unicast MAC`);
  }
}
