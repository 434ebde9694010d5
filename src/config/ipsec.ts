// The IPsec part of the running config (file 003's route-based VPN): IKE and ESP groups, peers
// with their VTI binding (and EdgeOS's policy-based tunnels, kept and shown but not carried),
// the VTIs themselves and the MSS clamp on them. Factory values follow EdgeOS: an ike-group
// lives 28800 s and speaks IKEv1 until told `key-exchange ikev2`, an esp-group lives 3600 s
// with PFS on. The pre-shared secret is only ever held sealed (src/ipsec/secret-box.ts).

import { formatIpv4, type Ipv4, type Prefix } from '../net/addr.js';
import type { RunningConfig } from './model.js';

export const IKE_ENCRYPTIONS = ['aes128', 'aes256', 'aes128gcm128', 'aes256gcm128'] as const;
export const IPSEC_HASHES = ['sha1', 'sha256'] as const;
export const DH_GROUPS = [2, 14, 31] as const;
export type IpsecEncryption = (typeof IKE_ENCRYPTIONS)[number];
export type IpsecHash = (typeof IPSEC_HASHES)[number];
export type DhGroupNo = (typeof DH_GROUPS)[number];

export const IKE_DEFAULT_LIFETIME = 28800;
export const ESP_DEFAULT_LIFETIME = 3600;
/** EdgeOS's MTU of a VTI (file 003: `mtu 1436`): 1500 less 64 bytes of IPsec overhead. */
export const VTI_DEFAULT_MTU = 1436;
export const VTI_NAME = /^vti(\d{1,3})$/;

export interface IkeProposalConfig {
  readonly id: number;
  readonly encryption: IpsecEncryption | null;
  readonly hash: IpsecHash | null;
  readonly dhGroup: DhGroupNo | null;
}

export interface DpdConfig {
  readonly interval: number;
  readonly timeout: number;
  readonly action: 'restart' | 'clear' | 'hold';
}

export interface IkeGroupConfig {
  readonly name: string;
  readonly proposals: readonly IkeProposalConfig[];
  readonly lifetime: number;
  readonly keyExchange: 'ikev1' | 'ikev2';
  readonly dpd: DpdConfig | null;
}

export interface EspProposalConfig {
  readonly id: number;
  readonly encryption: IpsecEncryption | null;
  readonly hash: IpsecHash | null;
}

/** `enable`: the IKE group's DH group; `dh-groupN`; `disable`. */
export type PfsSetting = 'enable' | 'disable' | 'dh-group2' | 'dh-group14' | 'dh-group31';
export const PFS_SETTINGS: readonly PfsSetting[] = ['enable', 'disable', 'dh-group2', 'dh-group14', 'dh-group31'];

export interface EspGroupConfig {
  readonly name: string;
  readonly proposals: readonly EspProposalConfig[];
  readonly lifetime: number;
  readonly pfs: PfsSetting;
  readonly mode: 'tunnel';
}

/** A policy-based tunnel (EdgeOS `tunnel N`): kept in the configuration, not carried (route-based VTIs are). */
export interface IpsecTunnelConfig {
  readonly id: number;
  readonly espGroup: string | null;
  readonly localPrefix: Prefix | null;
  readonly remotePrefix: Prefix | null;
}

export interface IpsecPeerConfig {
  readonly addr: Ipv4;
  readonly description: string;
  /** Null: the source address of the route toward the peer (EdgeOS insists on one for a VTI; so does validation). */
  readonly localAddress: Ipv4 | null;
  readonly ikeGroup: string | null;
  /** The pre-shared secret, sealed (`$ipsec-aes256gcm$...`), never in clear. */
  readonly secret: string | null;
  readonly connectionType: 'initiate' | 'respond';
  /** Send ESP in UDP 4500 even without NAT (EdgeOS `force-encapsulation`). */
  readonly forceEncapsulation: boolean;
  readonly vti: { readonly bind: string | null; readonly espGroup: string | null } | null;
  readonly tunnels: readonly IpsecTunnelConfig[];
}

export interface VtiConfig {
  readonly name: string;
  readonly address: Prefix | null;
  /** Null: VTI_DEFAULT_MTU. */
  readonly mtu: number | null;
  readonly description: string;
}

export interface IpsecConfig {
  readonly ikeGroups: readonly IkeGroupConfig[];
  readonly espGroups: readonly EspGroupConfig[];
  readonly peers: readonly IpsecPeerConfig[];
  readonly vtis: readonly VtiConfig[];
  /** MSS of TCP SYNs crossing a VTI is lowered to this (EdgeOS `firewall options mss-clamp`); null: no clamp. */
  readonly mssClamp: number | null;
  /** EdgeOS `vpn ipsec auto-firewall-nat-exclude` (shown; pask has no firewall to open). */
  readonly autoFirewallNatExclude: boolean;
}

export function defaultIpsec(): IpsecConfig {
  return { ikeGroups: [], espGroups: [], peers: [], vtis: [], mssClamp: null, autoFirewallNatExclude: false };
}

export function newIkeGroup(name: string): IkeGroupConfig {
  return { name, proposals: [], lifetime: IKE_DEFAULT_LIFETIME, keyExchange: 'ikev1', dpd: null };
}

export function newEspGroup(name: string): EspGroupConfig {
  return { name, proposals: [], lifetime: ESP_DEFAULT_LIFETIME, pfs: 'enable', mode: 'tunnel' };
}

export function newPeer(addr: Ipv4): IpsecPeerConfig {
  return {
    addr, description: '', localAddress: null, ikeGroup: null, secret: null, connectionType: 'initiate', forceEncapsulation: false,
    vti: null, tunnels: [],
  };
}

export function newVti(name: string): VtiConfig {
  return { name, address: null, mtu: null, description: '' };
}

/** The VTIs as interface names (routes may point at them). */
export function vtiNames(cfg: RunningConfig): string[] {
  return cfg.ipsec.vtis.map((v) => v.name);
}

/** `peer-192.0.2.1-tunnel-vti`: the connection's name, as EdgeOS names it for strongSwan. */
export function connectionName(peer: Ipv4): string {
  return `peer-${formatIpv4(peer)}-tunnel-vti`;
}

/**
 * What a configuration must satisfy. Groups may be built up line by line (a group without a
 * proposal is allowed); what a peer bound to a VTI uses must be complete.
 */
export function validateIpsec(cfg: RunningConfig, err: (s: string) => void): void {
  const x = cfg.ipsec;
  const own = new Set(cfg.interfaces.filter((i) => i.address && i.name !== 'mgmt').map((i) => i.address!.addr >>> 0));
  for (const g of x.ikeGroups) {
    if (!(g.lifetime >= 30 && g.lifetime <= 86400)) err(`ipsec ike-group ${g.name}: lifetime ${g.lifetime} is out of range (30-86400)`);
    if (g.dpd && !(g.dpd.interval >= 2 && g.dpd.timeout >= g.dpd.interval)) err(`ipsec ike-group ${g.name}: dead-peer-detection needs interval >= 2 and timeout >= interval`);
  }
  for (const g of x.espGroups) {
    if (!(g.lifetime >= 30 && g.lifetime <= 86400)) err(`ipsec esp-group ${g.name}: lifetime ${g.lifetime} is out of range (30-86400)`);
  }
  const bound = new Map<string, string>();
  for (const p of x.peers) {
    const what = `ipsec peer ${formatIpv4(p.addr)}`;
    if (p.ikeGroup !== null && !x.ikeGroups.some((g) => g.name === p.ikeGroup)) err(`${what}: ike-group ${p.ikeGroup} does not exist`);
    if (own.has(p.addr >>> 0)) err(`${what} is an address of this appliance`);
    if (p.localAddress !== null && !own.has(p.localAddress >>> 0)) err(`${what}: local-address ${formatIpv4(p.localAddress)} is not an address of a data interface`);
    const espGroup = (name: string | null, where: string) => {
      if (name !== null && !x.espGroups.some((g) => g.name === name)) err(`${what} ${where}: esp-group ${name} does not exist`);
    };
    for (const t of p.tunnels) espGroup(t.espGroup, `tunnel ${t.id}`);
    if (p.vti === null) continue;
    espGroup(p.vti.espGroup, 'vti');
    const b = p.vti.bind;
    if (b === null) continue;
    if (!x.vtis.some((v) => v.name === b)) err(`${what}: vti bind ${b}: there is no interface ${b}`);
    const o = bound.get(b);
    if (o !== undefined) err(`${what}: ${b} is already bound to peer ${o}`);
    bound.set(b, formatIpv4(p.addr));
    const ike = x.ikeGroups.find((k) => k.name === p.ikeGroup);
    if (p.ikeGroup === null) err(`${what} needs an ike-group`);
    else if (ike) {
      if (ike.keyExchange !== 'ikev2') err(`${what}: ike-group ${ike.name} speaks ikev1; a VTI needs key-exchange ikev2`);
      if (ike.proposals.length === 0) err(`${what}: ike-group ${ike.name} has no proposal`);
      for (const q of ike.proposals) {
        if (q.encryption === null || (q.hash === null && !q.encryption.includes('gcm'))) err(`ipsec ike-group ${ike.name} proposal ${q.id} needs an encryption and a hash`);
      }
    }
    const esp = x.espGroups.find((k) => k.name === p.vti!.espGroup);
    if (p.vti.espGroup === null) err(`${what}: vti needs an esp-group`);
    else if (esp) {
      if (esp.proposals.length === 0) err(`${what}: esp-group ${esp.name} has no proposal`);
      for (const q of esp.proposals) {
        if (q.encryption === null || (q.hash === null && !q.encryption.includes('gcm'))) err(`ipsec esp-group ${esp.name} proposal ${q.id} needs an encryption and a hash`);
      }
    }
  }
  const names = new Set<string>();
  for (const v of x.vtis) {
    if (!VTI_NAME.test(v.name)) err(`interface ${v.name}: a VTI is named vtiN`);
    if (names.has(v.name)) err(`interface ${v.name} is configured twice`);
    names.add(v.name);
    if (v.mtu !== null && !(v.mtu >= 68 && v.mtu <= 1500)) err(`interface ${v.name}: mtu ${v.mtu} is out of range (68-1500)`);
    if (v.description.length > 255) err(`interface ${v.name}: the description is too long`);
    if (cfg.interfaces.some((i) => i.name === v.name)) err(`interface ${v.name}: the name is taken by a VLAN interface`);
  }
  if (x.mssClamp !== null && !(x.mssClamp >= 536 && x.mssClamp <= 1460)) err(`mss-clamp ${x.mssClamp} is out of range (536-1460)`);
}
