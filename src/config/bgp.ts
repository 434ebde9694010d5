// The BGP part of the running configuration: the speaker (`router bgp N`) and the prefix lists
// (`ip prefix-list`), their factory values and their validation. Immutable like the rest of
// the model; the EdgeOS candidate (`set protocols bgp ...`) builds the same objects.

import { formatIpv4, formatPrefix, prefixContains, type Ipv4, type Prefix } from '../net/addr.js';
import type { RunningConfig } from './model.js';
import type { ObjectKind } from './objects.js';

export type PrefixAction = 'permit' | 'deny';

export interface PrefixRule {
  readonly seq: number;
  /** Null only in an EdgeOS candidate still being built (a commit needs it). */
  readonly action: PrefixAction | null;
  /** Network (host bits clear); null only in a candidate still being built. */
  readonly prefix: Prefix | null;
  /** Match lengths from ge to le (both null: exactly the prefix's length). */
  readonly ge: number | null;
  readonly le: number | null;
  readonly description: string;
}

export interface PrefixListConfig {
  readonly name: string;
  readonly description: string;
  /** By sequence number. */
  readonly rules: readonly PrefixRule[];
}

export type Redistribute = 'connected' | 'static' | 'slb';
export const REDISTRIBUTE_SOURCES: readonly Redistribute[] = ['connected', 'static', 'slb'];

export interface BgpNeighborConfig {
  readonly addr: Ipv4;
  /** Null only in an EdgeOS candidate still being built. */
  readonly remoteAs: number | null;
  readonly description: string;
  /** eBGP: the TTL of the session's packets (null: directly connected, TTL 1). */
  readonly ebgpMultihop: number | null;
  /** Source address of the session (null: the egress interface's). */
  readonly updateSource: Ipv4 | null;
  /** Keep the Adj-RIB-In before policy (`received-routes`, `clear ip bgp A soft in` without a refresh). */
  readonly softReconfigInbound: boolean;
  readonly prefixListIn: string | null;
  readonly prefixListOut: string | null;
  /** Per-neighbour timers (null: the speaker's). */
  readonly keepalive: number | null;
  readonly holdTime: number | null;
  /** Seconds between connection attempts (null: 120). */
  readonly connectRetry: number | null;
  /** Minimum seconds between advertisement runs (null: 30 eBGP, 5 iBGP). */
  readonly advertisementInterval: number | null;
  /** Weight given to the neighbour's routes (best-path step 1). */
  readonly weight: number;
  /** iBGP: announce routes with this speaker as the next hop. */
  readonly nextHopSelf: boolean;
  /** Never open the connection, only accept it. */
  readonly passive: boolean;
  readonly shutdown: boolean;
}

export interface BgpConfig {
  readonly asn: number;
  /** Null: the highest loopback address, else the highest interface address. */
  readonly routerId: Ipv4 | null;
  readonly keepalive: number;
  readonly holdTime: number;
  /** ECMP paths installed for eBGP and for iBGP routes. */
  readonly maximumPaths: number;
  readonly maximumPathsIbgp: number;
  /** Announced while the routing table holds exactly the prefix. */
  readonly networks: readonly Prefix[];
  readonly redistribute: readonly Redistribute[];
  readonly neighbors: readonly BgpNeighborConfig[];
}

export const BGP_DEFAULT_KEEPALIVE = 60;
export const BGP_DEFAULT_HOLD_TIME = 180;
export const BGP_DEFAULT_CONNECT_RETRY = 120;
export const BGP_MAX_PATHS = 64;

export function newBgp(asn: number): BgpConfig {
  return {
    asn, routerId: null, keepalive: BGP_DEFAULT_KEEPALIVE, holdTime: BGP_DEFAULT_HOLD_TIME, maximumPaths: 1, maximumPathsIbgp: 1,
    networks: [], redistribute: [], neighbors: [],
  };
}

export function newNeighbor(addr: Ipv4): BgpNeighborConfig {
  return {
    addr, remoteAs: null, description: '', ebgpMultihop: null, updateSource: null, softReconfigInbound: false,
    prefixListIn: null, prefixListOut: null, keepalive: null, holdTime: null, connectRetry: null, advertisementInterval: null,
    weight: 0, nextHopSelf: false, passive: false, shutdown: false,
  };
}

export function newPrefixRule(seq: number): PrefixRule {
  return { seq, action: null, prefix: null, ge: null, le: null, description: '' };
}

/** The neighbour `addr` changed by `change` (created first when absent), neighbours kept in address order. */
export function withNeighbor(b: BgpConfig, addr: Ipv4, change: (n: BgpNeighborConfig) => BgpNeighborConfig): BgpConfig {
  const old = b.neighbors.find((n) => n.addr === addr) ?? newNeighbor(addr);
  const next = change(old);
  const neighbors = [...b.neighbors.filter((n) => n.addr !== addr), next].sort((x, y) => (x.addr >>> 0) - (y.addr >>> 0));
  return { ...b, neighbors };
}

/** The prefix list `name` with rule `seq` changed by `change` (list and rule created when absent). */
export function withPrefixRule(cfg: RunningConfig, name: string, seq: number, change: (r: PrefixRule) => PrefixRule): RunningConfig {
  const list = cfg.prefixLists.find((l) => l.name === name) ?? { name, description: '', rules: [] };
  const old = list.rules.find((r) => r.seq === seq) ?? newPrefixRule(seq);
  const rules = [...list.rules.filter((r) => r.seq !== seq), change(old)].sort((a, b) => a.seq - b.seq);
  return withPrefixList(cfg, { ...list, rules });
}

/** The list put in (replacing the one of its name); a list left with no rule and no description goes. */
export function withPrefixList(cfg: RunningConfig, list: PrefixListConfig): RunningConfig {
  const others = cfg.prefixLists.filter((l) => l.name !== list.name);
  if (list.rules.length === 0 && list.description === '') return { ...cfg, prefixLists: others };
  return { ...cfg, prefixLists: [...others, list].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
}

/** `% ` sentences for what is wrong with the BGP and prefix-list configuration. */
export function validateBgp(cfg: RunningConfig, err: (s: string) => void): void {
  for (const l of cfg.prefixLists) {
    for (const r of l.rules) {
      const what = `prefix-list ${l.name} rule ${r.seq}`;
      if (r.action === null) err(`${what} needs an action (permit or deny)`);
      if (r.prefix === null) err(`${what} needs a prefix`);
      else {
        const len = r.prefix.len;
        if (r.ge !== null && !(r.ge > len && r.ge <= 32)) err(`${what}: ge ${r.ge} must be longer than /${len} and at most 32`);
        if (r.le !== null && !(r.le >= (r.ge ?? len + 1) && r.le <= 32)) err(`${what}: le ${r.le} must be at least ${r.ge ?? len + 1} and at most 32`);
      }
    }
  }
  const b = cfg.bgp;
  if (b === null) return;
  if (!(b.asn >= 1 && b.asn <= 0xffffffff)) err(`router bgp ${b.asn}: the AS number must be 1-4294967295`);
  if (b.holdTime !== 0 && b.holdTime < 3) err(`router bgp ${b.asn}: the hold time must be 0 or 3-65535 seconds`);
  if (b.holdTime !== 0 && b.keepalive >= b.holdTime) err(`router bgp ${b.asn}: the keepalive interval (${b.keepalive}) must be shorter than the hold time (${b.holdTime})`);
  const own = ownAddresses(cfg);
  for (const n of b.neighbors) {
    const what = `neighbor ${formatIpv4(n.addr)}`;
    if (n.remoteAs === null) err(`${what} needs a remote-as`);
    if (own.includes(n.addr)) err(`${what} is an address of this appliance`);
    if (n.updateSource !== null && !own.includes(n.updateSource)) err(`${what}: update-source ${formatIpv4(n.updateSource)} is not an address of this appliance`);
    for (const [dir, name] of [['in', n.prefixListIn], ['out', n.prefixListOut]] as const) {
      if (name !== null && !cfg.prefixLists.some((l) => l.name === name)) err(`${what}: prefix-list ${name} (${dir}) does not exist`);
    }
    const hold = n.holdTime ?? b.holdTime, ka = n.keepalive ?? b.keepalive;
    if (hold !== 0 && hold < 3) err(`${what}: the hold time must be 0 or 3-65535 seconds`);
    if (hold !== 0 && ka >= hold) err(`${what}: the keepalive interval (${ka}) must be shorter than the hold time (${hold})`);
  }
  const nets = new Set<string>();
  for (const p of b.networks) {
    const t = formatPrefix(p);
    if (nets.has(t)) err(`router bgp ${b.asn}: network ${t} is configured twice`);
    nets.add(t);
  }
}

function ownAddresses(cfg: RunningConfig): number[] {
  return cfg.interfaces.flatMap((i) => (i.address ? [i.address.addr] : []));
}

/** Whether `p` (a network) falls under rule `r`'s prefix and length range. */
export function ruleMatches(r: PrefixRule, addr: number, len: number): boolean {
  if (r.prefix === null) return false;
  const base = r.prefix.len;
  if (len < base || !prefixContains(r.prefix, addr)) return false;
  if (r.ge === null && r.le === null) return len === base;
  const lo = r.ge ?? base, hi = r.le ?? 32;
  return len >= lo && len <= hi;
}

/** `router bgp N`: the one speaker, as the object its sub-mode edits. */
export const ROUTER_BGP: ObjectKind<BgpConfig, number> = {
  id: 'router-bgp',
  keyOf: (b) => b.asn,
  find: (cfg, asn) => (cfg.bgp !== null && cfg.bgp.asn === asn ? cfg.bgp : undefined),
  create: newBgp,
  put: (cfg, b) => ({ ...cfg, bgp: b }),
  remove: (cfg) => ({ ...cfg, bgp: null }),
};
