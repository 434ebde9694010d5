// Facts derived from the running config that both the shell and the engine need.

import { formatIpv4, formatPrefix, networkOf, prefixContains, PORT_COUNT, type Ipv4, type PortNo, type Prefix } from '../net/addr.js';
import { DEFAULT_VLAN, MGMT_IF } from './defaults.js';
import type { InterfaceConfig, RunningConfig, VlanConfig } from './model.js';

export interface VlanMembership {
  readonly vlan: VlanConfig;
  readonly untagged: readonly PortNo[];
  readonly tagged: readonly PortNo[];
}

/** Effective members: the default VLAN also holds, untagged, every port untagged nowhere else. */
export function vlanMembership(cfg: RunningConfig): VlanMembership[] {
  const elsewhere = new Set<number>();
  for (const v of cfg.vlans) if (v.name !== DEFAULT_VLAN) for (const p of v.untagged) elsewhere.add(p);
  return [...cfg.vlans]
    .sort((a, b) => a.vid - b.vid)
    .map((vlan) => {
      if (vlan.name !== DEFAULT_VLAN) return { vlan, untagged: vlan.untagged, tagged: vlan.tagged };
      const untagged: PortNo[] = [];
      for (let p = 1; p <= PORT_COUNT; p++) if (!elsewhere.has(p) && !vlan.tagged.includes(p as PortNo)) untagged.push(p as PortNo);
      return { vlan, untagged, tagged: vlan.tagged };
    });
}

export type InterfaceConfigKind = 'vlan' | 'loopback' | 'mgmt';

/** `interface loopback N` is named `loopbackN`; `mgmt` is the management port; any other name is a VLAN's. */
export const LOOPBACK_NAME = /^loopback(\d{1,4})$/;

export function interfaceKind(name: string): InterfaceConfigKind {
  if (name === MGMT_IF) return 'mgmt';
  return LOOPBACK_NAME.test(name) ? 'loopback' : 'vlan';
}

/** Data interfaces in display order: named ones as configured, then `default`, then `mgmt`. */
export function interfacesInOrder(cfg: RunningConfig): InterfaceConfig[] {
  const named = cfg.interfaces.filter((i) => i.name !== DEFAULT_VLAN && i.name !== MGMT_IF);
  const fixed = [DEFAULT_VLAN, MGMT_IF].map((n) => cfg.interfaces.find((i) => i.name === n)).filter((i): i is InterfaceConfig => !!i);
  return [...named, ...fixed];
}

export interface ConnectedRoute {
  readonly dest: Prefix;
  readonly iface: string;
  readonly addr: Ipv4;
}

/** Networks of the data interfaces that are up and addressed (the management port is separate). */
export function connectedRoutes(cfg: RunningConfig): ConnectedRoute[] {
  return interfacesInOrder(cfg)
    .filter((i) => i.name !== MGMT_IF && i.address && !i.shutdown)
    .map((i) => ({ dest: { addr: networkOf(i.address!), len: i.address!.len }, iface: i.name, addr: i.address!.addr }));
}

/** The data interface whose network holds `addr`. */
export function interfaceFor(cfg: RunningConfig, addr: number): ConnectedRoute | undefined {
  return connectedRoutes(cfg).find((c) => prefixContains(c.dest, addr));
}

export function routeKey(dest: Prefix): string {
  return formatPrefix(dest);
}

/** What depends on a data interface's network (to name it when the interface is removed). */
export function interfaceUsers(cfg: RunningConfig, name: string): string[] {
  const net = connectedRoutes(cfg).find((c) => c.iface === name)?.dest;
  if (!net) return [];
  const users: string[] = [];
  const gw = cfg.routes.defaultGateway;
  if (gw !== null && prefixContains(net, gw)) users.push(`the default gateway ${formatIpv4(gw)}`);
  for (const r of cfg.routes.networks) if (prefixContains(net, r.gateway)) users.push(`route ${formatPrefix(r.dest)} gateway ${formatIpv4(r.gateway)}`);
  return users;
}
