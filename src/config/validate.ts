// Whole-configuration validation: what `apply` (and loading a file) checks before a new
// running config replaces the old one. Returns `% ` sentences, empty when valid.

import { formatIpv4, formatPrefix, networkOf, prefixContains, maskOf } from '../net/addr.js';
import { DEFAULT_VLAN, MGMT_IF } from './defaults.js';
import { interfaceKind } from './derived.js';
import type { RunningConfig } from './model.js';
import { validateVxlan } from './vxlan.js';
import { validateGeneve } from './geneve.js';
import { validateBgp } from './bgp.js';
import { validateIpsec } from './ipsec.js';

/** Longest description an object may have. */
export const MAX_DESCRIPTION = 255;

export function validate(cfg: RunningConfig): string[] {
  const errs: string[] = [];
  const err = (s: string) => errs.push(`% ${s}`);
  const described = (what: string, d: string) => {
    if (d.length > MAX_DESCRIPTION) err(`${what}: the description is too long (${d.length} characters): at most ${MAX_DESCRIPTION}`);
  };
  for (const v of cfg.vlans) described(`vlan ${v.name}`, v.description);
  for (const i of cfg.interfaces) described(`interface ${i.name}`, i.description);
  for (const r of cfg.routes.networks) described(`route ${formatPrefix(r.dest)}`, r.description);
  for (const r of cfg.reals) described(`real ${r.id}`, r.description);
  for (const h of cfg.healthChecks) described(`health-check ${h.id}`, h.description);
  for (const p of cfg.portBoundaries) described(`port-boundary ${p.id}`, p.description);
  for (const s of cfg.slbs) {
    described(`slb ${s.name}`, s.description);
    for (const f of s.filters) described(`slb ${s.name} filter ${f.id}`, f.description);
  }

  // VLANs: unique ids, a port untagged in at most one VLAN.
  const vids = new Map<number, string>();
  const untaggedIn = new Map<number, string>();
  for (const v of cfg.vlans) {
    if (!v.vid) err(`vlan ${v.name} needs a VLAN id (vid 1-4094)`);
    const other = vids.get(v.vid);
    if (v.vid && other !== undefined) err(`vlan ${v.name}: VLAN id ${v.vid} is already used by vlan ${other}`);
    vids.set(v.vid, v.name);
    if (interfaceKind(v.name) !== 'vlan') err(`vlan ${v.name}: the name is reserved for ${v.name === MGMT_IF ? 'the management port' : 'a loopback interface'}`);
    for (const p of v.untagged) {
      const o = untaggedIn.get(p);
      if (o !== undefined && o !== v.name) err(`vlan ${v.name}: port ${p} is already an untagged member of vlan ${o}`);
      untaggedIn.set(p, v.name);
      if (v.tagged.includes(p)) err(`vlan ${v.name}: port ${p} cannot be both tagged and untagged`);
    }
  }
  if (!cfg.vlans.some((v) => v.name === DEFAULT_VLAN)) err('the default VLAN cannot be removed');

  // Interfaces sit on a VLAN (or are the management port); their subnets must not overlap.
  const nets: { name: string; net: number; len: number }[] = [];
  for (const i of cfg.interfaces) {
    if (interfaceKind(i.name) === 'vlan' && !cfg.vlans.some((v) => v.name === i.name)) err(`interface ${i.name}: there is no vlan ${i.name}`);
    if (!i.address) continue;
    const a = i.address;
    if (a.len === 0 || a.len > 30 && a.len !== 32) err(`interface ${i.name}: ${formatPrefix(a)} is not a usable interface address`);
    else if (a.len <= 30 && (networkOf(a) === a.addr || ((a.addr | ~maskOf(a.len)) >>> 0) === a.addr))
      err(`interface ${i.name}: ${formatPrefix(a)} is a network or broadcast address`);
    for (const n of nets) {
      const len = Math.min(n.len, a.len);
      if (prefixContains({ addr: n.net as never, len }, a.addr)) err(`interface ${i.name}: ${formatPrefix(a)} overlaps interface ${n.name}`);
    }
    nets.push({ name: i.name, net: networkOf(a), len: a.len });
  }

  // Routes: gateways on a connected data network; a bound health check must exist.
  // Neighbours (gateways) live on the subnets of VLAN interfaces; a loopback has no link.
  const dataNets = cfg.interfaces.filter((i) => interfaceKind(i.name) === 'vlan' && i.address);
  const onLink = (gw: number) => dataNets.some((i) => prefixContains(i.address!, gw));
  const gw = cfg.routes.defaultGateway;
  if (gw !== null && !onLink(gw)) err(`default gateway ${formatIpv4(gw)} is not on a connected network`);
  const seen = new Set<string>();
  for (const r of cfg.routes.networks) {
    const key = `${formatPrefix(r.dest)} ${formatIpv4(r.gateway)}`;
    if (seen.has(key)) err(`route ${key} is configured twice`);
    seen.add(key);
    if (!onLink(r.gateway)) err(`route ${formatPrefix(r.dest)}: gateway ${formatIpv4(r.gateway)} is not on a connected network`);
    if (r.hc !== null && !cfg.healthChecks.some((h) => h.id === r.hc)) err(`route ${formatPrefix(r.dest)}: health-check ${r.hc} does not exist`);
  }
  for (const r of cfg.routes.interfaceRoutes) {
    const key = `${formatPrefix(r.dest)} interface ${r.iface}`;
    if (seen.has(key)) err(`route ${key} is configured twice`);
    seen.add(key);
    if (r.iface === MGMT_IF || !(cfg.interfaces.some((i) => i.name === r.iface) || cfg.ipsec.vtis.some((v) => v.name === r.iface))) err(`route ${formatPrefix(r.dest)}: there is no data interface ${r.iface}`);
  }

  for (const h of cfg.healthChecks) {
    if (h.type.startsWith('ip-tunnel') && h.innerTip === null) err(`health-check ${h.id}: type ${h.type} needs an inner-tip (normally the VIP)`);
    if (h.timeout > h.interval) err(`health-check ${h.id}: timeout ${h.timeout} is longer than the interval ${h.interval}`);
  }

  const names = new Set<string>();
  for (const r of cfg.reals) {
    if (r.rip === null) err(`real ${r.id} needs a real IP address (rip A.B.C.D)`);
    if (r.name && names.has(r.name)) err(`real ${r.id}: the name ${r.name} is already used`);
    if (r.name) names.add(r.name);
  }

  for (const pb of cfg.portBoundaries) {
    if (pb.vlan !== null && !cfg.vlans.some((v) => v.vid === pb.vlan)) err(`port-boundary ${pb.id}: there is no VLAN with id ${pb.vlan}`);
  }

  const vipKeys = new Map<string, string>();
  for (const s of cfg.slbs) {
    if (s.vips.length === 0 && s.natMode !== 'geneve') err(`slb ${s.name} needs a vip`);
    for (const v of s.vips) {
      const key = `${formatIpv4(v.addr)} ${v.protocol} ${v.vport}`;
      const o = vipKeys.get(key);
      if (o !== undefined) err(`slb ${s.name}: vip ${key} is already used by slb ${o}`);
      vipKeys.set(key, s.name);
    }
    for (const m of s.reals) {
      const r = cfg.reals.find((x) => x.id === m.id);
      if (!r) err(`slb ${s.name}: real ${m.id} does not exist`);
      else if (r.rip === null) err(`slb ${s.name}: real ${m.id} has no rip`);
    }
    for (const id of s.healthChecks) if (!cfg.healthChecks.some((h) => h.id === id)) err(`slb ${s.name}: health-check ${id} does not exist`);
    if (s.natMode === 'l3dsr-dscp' && s.dscp === 0) err(`slb ${s.name}: nat-mode l3dsr-dscp needs a dscp value (1-63)`);
    const fids = new Set<number>();
    for (const f of s.filters) {
      if (fids.has(f.id)) err(`slb ${s.name}: filter ${f.id} is configured twice`);
      fids.add(f.id);
    }
  }
  validateVxlan(cfg, err);
  validateGeneve(cfg, err);
  validateBgp(cfg, err);
  validateIpsec(cfg, err);
  return errs;
}
