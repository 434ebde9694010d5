// Route-based IPsec (file 003): IKE and ESP groups, peers bound to VTIs, the VTIs and the MSS
// clamp, in the shell's own syntax (`ipsec ...` in configuration mode, each line applied at
// once); file 003's EdgeOS `set vpn ...` lines are in ipsec-edgeos.ts. Exec commands print file
// 003's layouts: `show vpn ipsec sa`, `show vpn`, `show interfaces vti vti0 [capture]`, and
// `clear vpn ipsec sa`.

import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import type { RunningConfig } from '../src/config/model.js';
import {
  DH_GROUPS, IKE_ENCRYPTIONS, IPSEC_HASHES, newEspGroup, newIkeGroup, newPeer, newVti, PFS_SETTINGS, VTI_NAME,
  type DhGroupNo, type EspGroupConfig, type IkeGroupConfig, type IpsecConfig, type IpsecEncryption, type IpsecHash, type IpsecPeerConfig,
  type IpsecTunnelConfig, type PfsSetting, type VtiConfig,
} from '../src/config/ipsec.js';
import { formatIpv4, formatPrefix, networkOf, type Ipv4, type Prefix } from '../src/net/addr.js';
import { ipsecOf, type IpsecRuntime } from '../src/ipsec/appliance.js';
import { isSealed, secretBoxOf } from '../src/ipsec/secret-box.js';
import { captureLine, renderVpnTree, showIpsecSa, showVti } from '../src/ipsec/show.js';
import { ESP_DROP_NAMES } from '../src/ipsec/esp/esp-sa.js';
import { TcpdumpPrinter } from '../src/capture/print/printer.js';
import { checkDescription } from './common.js';
import { quote } from './quote.js';

export const IPSEC_HELP: Readonly<Record<string, string>> = {
  ipsec: 'Route-based IPsec VPN (IKEv2, ESP, VTIs)',
  'ike-group': 'IKE proposals, lifetime and dead peer detection',
  'esp-group': 'ESP proposals, lifetime and PFS',
  WORD: 'Group name',
  proposal: 'A proposal (tried in number order)',
  '<1-65535>': 'Proposal number',
  encryption: 'Encryption',
  aes128: 'AES-CBC-128', aes256: 'AES-CBC-256', aes128gcm128: 'AES-GCM-128 (16-byte ICV)', aes256gcm128: 'AES-GCM-256 (16-byte ICV)',
  hash: 'Integrity and PRF hash', sha1: 'HMAC-SHA1-96 / PRF-HMAC-SHA1', sha256: 'HMAC-SHA2-256-128 / PRF-HMAC-SHA2-256',
  'dh-group': 'Diffie-Hellman group: 2 (MODP-1024), 14 (MODP-2048), 31 (Curve25519)',
  '<1-32>': 'Diffie-Hellman group',
  lifetime: 'Seconds before the SA is replaced (rekeyed ahead by the margin)',
  '<30-86400>': 'Seconds',
  'key-exchange': 'IKE version', ikev1: 'IKEv1 (not spoken by pask)', ikev2: 'IKEv2',
  'dead-peer-detection': 'Probe a silent peer',
  interval: 'Seconds of silence before a probe', timeout: 'Seconds without an answer before the peer is dead',
  '<2-86400>': 'Seconds',
  action: 'What to do with a dead peer', restart: 'Start again', clear: 'Delete the SAs', hold: 'Delete, start again on traffic',
  pfs: 'Perfect forward secrecy of rekeyed CHILD SAs', enable: 'With the IKE group\'s DH group', disable: 'Off',
  'dh-group2': 'MODP-1024', 'dh-group14': 'MODP-2048', 'dh-group31': 'Curve25519',
  peer: 'A site-to-site peer', 'A.B.C.D': 'IPv4 address',
  'local-address': 'The appliance\'s address for this peer',
  'connection-type': 'Who brings the tunnel up', initiate: 'Pask initiates and keeps it up', respond: 'Pask waits for the peer',
  'force-encapsulation': 'ESP in UDP 4500 even without NAT',
  description: 'Describe it', LINE: 'Free text',
  'pre-shared-secret': 'The pre-shared secret (kept sealed; show running-config prints the sealed form)',
  vti: 'Route-based: bind the peer to a VTI', bind: 'The VTI', 'esp-group NAME': 'ESP group',
  tunnel: 'Policy-based tunnel (kept in the configuration; pask carries VTIs only)', '<1-255>': 'Tunnel number',
  'local-prefix': 'Local network', 'remote-prefix': 'Remote network', 'A.B.C.D/M': 'Network',
  address: 'The VTI\'s address', mtu: 'The VTI\'s MTU (default 1436)', '<68-1500>': 'Bytes',
  'mss-clamp': 'Lower the MSS of TCP SYNs crossing a VTI', '<536-1460>': 'MSS',
  'auto-firewall-nat-exclude': 'EdgeOS setting (kept and shown; pask has no firewall to open)',
  NAME: 'Name',
};

const SHOW_HELP: Readonly<Record<string, string>> = {
  vpn: 'IPsec VPN', ipsec: 'IPsec', sa: 'Security associations', log: 'The IPsec log', statistics: 'IKE and ESP counters',
  interfaces: 'Interfaces', vti: 'Virtual tunnel interfaces', NAME: 'VTI name', capture: 'Live capture of the inner packets',
  count: 'Stop after this many packets', '<1-100000>': 'Packets', peer: 'Only this peer', 'A.B.C.D': 'Peer address',
};

function runtime(ctx: Ctx): IpsecRuntime {
  const r = ipsecOf(ctx.appliance);
  if (r === null) throw new CliError('% The packet engine is not running');
  return r;
}

// ------------------------------------------------------------------------ config edits (shared with EdgeOS)

export type IpsecEdit = (x: IpsecConfig) => IpsecConfig;

export function withIpsec(cfg: RunningConfig, f: IpsecEdit): RunningConfig {
  return { ...cfg, ipsec: f(cfg.ipsec) };
}

function upsert<T>(list: readonly T[], match: (t: T) => boolean, make: () => T, change: (t: T) => T): T[] {
  const i = list.findIndex(match);
  return i >= 0 ? list.map((t, j) => (j === i ? change(t) : t)) : [...list, change(make())];
}

export function editIkeGroup(name: string, change: (g: IkeGroupConfig) => IkeGroupConfig): IpsecEdit {
  return (x) => ({ ...x, ikeGroups: upsert(x.ikeGroups, (g) => g.name === name, () => newIkeGroup(name), change) });
}

export function editEspGroup(name: string, change: (g: EspGroupConfig) => EspGroupConfig): IpsecEdit {
  return (x) => ({ ...x, espGroups: upsert(x.espGroups, (g) => g.name === name, () => newEspGroup(name), change) });
}

export function editPeer(addr: Ipv4, change: (p: IpsecPeerConfig) => IpsecPeerConfig): IpsecEdit {
  return (x) => ({ ...x, peers: upsert(x.peers, (p) => p.addr === addr, () => newPeer(addr), change) });
}

export function editVti(name: string, change: (v: VtiConfig) => VtiConfig): IpsecEdit {
  if (!VTI_NAME.test(name)) throw new CliError(`% ${name} is not a VTI name (vti0-vti255)`);
  return (x) => ({ ...x, vtis: upsert(x.vtis, (v) => v.name === name, () => newVti(name), change) });
}

export function editTunnel(addr: Ipv4, id: number, change: (t: IpsecTunnelConfig) => IpsecTunnelConfig): IpsecEdit {
  return editPeer(addr, (p) => ({
    ...p,
    tunnels: upsert(p.tunnels, (t) => t.id === id, () => ({ id, espGroup: null, localPrefix: null, remotePrefix: null }), change)
      .sort((a, b) => a.id - b.id),
  }));
}

export function proposalOf<T extends { readonly id: number }>(list: readonly T[], id: number, make: () => T, change: (t: T) => T): T[] {
  return upsert(list, (p) => p.id === id, make, change).sort((a, b) => a.id - b.id);
}

export function dhGroup(n: number): DhGroupNo {
  if (!(DH_GROUPS as readonly number[]).includes(n)) throw new CliError(`% dh-group ${n} is not supported: use ${DH_GROUPS.join(', ')}`);
  return n as DhGroupNo;
}

/** The sealed form of a secret typed in clear (or given sealed, as `show running-config` prints it). */
export function sealSecret(ctx: Ctx, text: string): string {
  const box = secretBoxOf(ctx.appliance);
  if (isSealed(text)) {
    const o = box.open(text);
    if (!o.ok) ctx.warn(`% The sealed pre-shared secret cannot be opened here (${o.reason}): the peer will not authenticate until it is set again`);
    return text;
  }
  if (text.length === 0) throw new CliError('% The pre-shared secret is empty');
  return box.seal(text);
}

const net = (p: Prefix): Prefix => ({ addr: networkOf(p), len: p.len });

function commitIpsec(ctx: Ctx, f: IpsecEdit): void {
  ctx.commit(withIpsec(ctx.cfg, f));
}

function must<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new CliError(`% There is no ${what}`);
  return v;
}

// ------------------------------------------------------------------------ running config

/** `show running-config`'s IPsec lines (before the routes: interface routes may name a VTI). */
export function ipsecRunning(cfg: RunningConfig): string[] {
  const x = cfg.ipsec;
  const out: string[] = [];
  if (x.autoFirewallNatExclude) out.push('ipsec auto-firewall-nat-exclude enable');
  for (const g of x.ikeGroups) {
    out.push(`ipsec ike-group ${g.name} key-exchange ${g.keyExchange}`);
    for (const p of g.proposals) {
      const parts = [p.encryption ? `encryption ${p.encryption}` : '', p.hash ? `hash ${p.hash}` : '', p.dhGroup !== null ? `dh-group ${p.dhGroup}` : ''].filter(Boolean);
      out.push(`ipsec ike-group ${g.name} proposal ${p.id}${parts.length ? ` ${parts.join(' ')}` : ''}`);
    }
    if (g.lifetime !== 28800) out.push(`ipsec ike-group ${g.name} lifetime ${g.lifetime}`);
    if (g.dpd) out.push(`ipsec ike-group ${g.name} dead-peer-detection interval ${g.dpd.interval} timeout ${g.dpd.timeout} action ${g.dpd.action}`);
  }
  for (const g of x.espGroups) {
    out.push(`ipsec esp-group ${g.name} pfs ${g.pfs}`);
    for (const p of g.proposals) {
      const parts = [p.encryption ? `encryption ${p.encryption}` : '', p.hash ? `hash ${p.hash}` : ''].filter(Boolean);
      out.push(`ipsec esp-group ${g.name} proposal ${p.id}${parts.length ? ` ${parts.join(' ')}` : ''}`);
    }
    if (g.lifetime !== 3600) out.push(`ipsec esp-group ${g.name} lifetime ${g.lifetime}`);
  }
  for (const v of x.vtis) {
    const parts = [v.address ? `address ${formatPrefix(v.address)}` : '', v.mtu !== null ? `mtu ${v.mtu}` : ''].filter(Boolean);
    out.push(`ipsec vti ${v.name}${parts.length ? ` ${parts.join(' ')}` : ''}`);
    if (v.description) out.push(`ipsec vti ${v.name} description ${quote(v.description)}`);
  }
  for (const p of x.peers) {
    const a = formatIpv4(p.addr);
    const parts = [
      p.localAddress !== null ? `local-address ${formatIpv4(p.localAddress)}` : '', p.ikeGroup ? `ike-group ${p.ikeGroup}` : '',
      `connection-type ${p.connectionType}`, p.forceEncapsulation ? 'force-encapsulation enable' : '',
    ].filter(Boolean);
    out.push(`ipsec peer ${a} ${parts.join(' ')}`);
    if (p.description) out.push(`ipsec peer ${a} description ${quote(p.description)}`);
    if (p.secret !== null) out.push(`ipsec peer ${a} pre-shared-secret ${p.secret}`);
    for (const t of p.tunnels) {
      const tp = [t.espGroup ? `esp-group ${t.espGroup}` : '', t.localPrefix ? `local-prefix ${formatPrefix(t.localPrefix)}` : '',
        t.remotePrefix ? `remote-prefix ${formatPrefix(t.remotePrefix)}` : ''].filter(Boolean);
      out.push(`ipsec peer ${a} tunnel ${t.id}${tp.length ? ` ${tp.join(' ')}` : ''}`);
    }
    if (p.vti) {
      const vp = [p.vti.bind ? `bind ${p.vti.bind}` : '', p.vti.espGroup ? `esp-group ${p.vti.espGroup}` : ''].filter(Boolean);
      out.push(`ipsec peer ${a} vti${vp.length ? ` ${vp.join(' ')}` : ''}`);
    }
  }
  if (x.mssClamp !== null) out.push(`ipsec mss-clamp ${x.mssClamp}`);
  return out;
}

// ------------------------------------------------------------------------ live capture

async function capture(ctx: Ctx, name: string, count: number | null): Promise<void> {
  const r = runtime(ctx);
  const vti = r.service.vtis.get(name);
  if (!vti) throw new CliError(`% There is no interface ${name}`);
  const printer = new TcpdumpPrinter({ n: 1 });
  let n = 0;
  const limit = count ?? (ctx.session.interactive ? Infinity : 10);
  const stop = vti.addTap((_dir, buf, off, len) => {
    if (n >= limit) return;
    n++;
    ctx.print(captureLine(printer, Math.floor(ctx.appliance.clock.wallNow() * 1000), buf, off, len));
  });
  try {
    const world = ctx.appliance.world;
    const deadline = ctx.session.interactive ? Infinity : 60_000;
    for (let t = 0; n < limit && !ctx.signal.aborted && t < deadline; t += 50) {
      if (world) await world.wait(50, ctx.signal);
      else await new Promise((res) => setTimeout(res, 50));
    }
  } finally {
    stop();
  }
}

// ------------------------------------------------------------------------ commands

export const ipsecCommands = defineCommands<Ctx>([
  // ---- IKE groups ----
  {
    syntax: `ipsec ike-group WORD proposal (1-65535) {encryption <${IKE_ENCRYPTIONS.join('|')}>|hash <${IPSEC_HASHES.join('|')}>|dh-group (1-32)}`,
    modes: ['config'], doc: 'Add or change an IKE proposal', help: IPSEC_HELP,
    run: (ctx, a) => {
      const dh = a.optNum('dh-group');
      const group = dh === null ? null : dhGroup(dh);
      commitIpsec(ctx, editIkeGroup(a.str('ike-group'), (g) => ({
        ...g,
        proposals: proposalOf(g.proposals, a.num('proposal'), () => ({ id: a.num('proposal'), encryption: null, hash: null, dhGroup: null }), (p) => ({
          ...p,
          encryption: (a.optStr('encryption') as IpsecEncryption | null) ?? p.encryption,
          hash: (a.optStr('hash') as IpsecHash | null) ?? p.hash,
          dhGroup: group ?? p.dhGroup,
        })),
      })));
    },
  },
  {
    syntax: 'ipsec ike-group WORD lifetime (30-86400)', modes: ['config'], doc: 'Set the IKE SA lifetime (default 28800 s)', help: IPSEC_HELP,
    run: (ctx, a) => commitIpsec(ctx, editIkeGroup(a.str('ike-group'), (g) => ({ ...g, lifetime: a.num('lifetime') }))),
  },
  {
    syntax: 'ipsec ike-group WORD key-exchange <ikev1|ikev2>', modes: ['config'], doc: 'Set the IKE version (a VTI needs ikev2)', help: IPSEC_HELP,
    run: (ctx, a) => commitIpsec(ctx, editIkeGroup(a.str('ike-group'), (g) => ({ ...g, keyExchange: a.str('key-exchange') as 'ikev1' | 'ikev2' }))),
  },
  {
    syntax: 'ipsec ike-group WORD dead-peer-detection {interval (2-86400)|timeout (2-86400)|action <restart|clear|hold>}', modes: ['config'],
    doc: 'Probe a silent peer (defaults: interval 30, timeout 120, action restart)', help: IPSEC_HELP,
    run: (ctx, a) => commitIpsec(ctx, editIkeGroup(a.str('ike-group'), (g) => {
      const d = g.dpd ?? { interval: 30, timeout: 120, action: 'restart' as const };
      return { ...g, dpd: { interval: a.optNum('interval') ?? d.interval, timeout: a.optNum('timeout') ?? d.timeout, action: (a.optStr('action') as 'restart' | null) ?? d.action } };
    })),
  },
  {
    syntax: 'no ipsec ike-group WORD', modes: ['config'], doc: 'Remove an IKE group', help: IPSEC_HELP,
    run: (ctx, a) => {
      const name = a.str('ike-group');
      must(ctx.cfg.ipsec.ikeGroups.find((g) => g.name === name), `ike-group ${name}`);
      commitIpsec(ctx, (x) => ({ ...x, ikeGroups: x.ikeGroups.filter((g) => g.name !== name) }));
    },
  },
  {
    syntax: 'no ipsec ike-group WORD proposal (1-65535)', modes: ['config'], doc: 'Remove an IKE proposal', help: IPSEC_HELP,
    run: (ctx, a) => commitIpsec(ctx, editIkeGroup(a.str('ike-group'), (g) => ({ ...g, proposals: g.proposals.filter((p) => p.id !== a.num('proposal')) }))),
  },
  {
    syntax: 'no ipsec ike-group WORD dead-peer-detection', modes: ['config'], doc: 'Stop probing silent peers', help: IPSEC_HELP,
    run: (ctx, a) => commitIpsec(ctx, editIkeGroup(a.str('ike-group'), (g) => ({ ...g, dpd: null }))),
  },
  // ---- ESP groups ----
  {
    syntax: `ipsec esp-group WORD proposal (1-65535) {encryption <${IKE_ENCRYPTIONS.join('|')}>|hash <${IPSEC_HASHES.join('|')}>}`,
    modes: ['config'], doc: 'Add or change an ESP proposal', help: IPSEC_HELP,
    run: (ctx, a) => commitIpsec(ctx, editEspGroup(a.str('esp-group'), (g) => ({
      ...g,
      proposals: proposalOf(g.proposals, a.num('proposal'), () => ({ id: a.num('proposal'), encryption: null, hash: null }), (p) => ({
        ...p,
        encryption: (a.optStr('encryption') as IpsecEncryption | null) ?? p.encryption,
        hash: (a.optStr('hash') as IpsecHash | null) ?? p.hash,
      })),
    }))),
  },
  {
    syntax: 'ipsec esp-group WORD lifetime (30-86400)', modes: ['config'], doc: 'Set the CHILD SA lifetime (default 3600 s)', help: IPSEC_HELP,
    run: (ctx, a) => commitIpsec(ctx, editEspGroup(a.str('esp-group'), (g) => ({ ...g, lifetime: a.num('lifetime') }))),
  },
  {
    syntax: `ipsec esp-group WORD pfs <${PFS_SETTINGS.join('|')}>`, modes: ['config'], doc: 'Perfect forward secrecy of rekeyed CHILD SAs (default enable)', help: IPSEC_HELP,
    run: (ctx, a) => commitIpsec(ctx, editEspGroup(a.str('esp-group'), (g) => ({ ...g, pfs: a.str('pfs') as PfsSetting }))),
  },
  {
    syntax: 'no ipsec esp-group WORD', modes: ['config'], doc: 'Remove an ESP group', help: IPSEC_HELP,
    run: (ctx, a) => {
      const name = a.str('esp-group');
      must(ctx.cfg.ipsec.espGroups.find((g) => g.name === name), `esp-group ${name}`);
      commitIpsec(ctx, (x) => ({ ...x, espGroups: x.espGroups.filter((g) => g.name !== name) }));
    },
  },
  {
    syntax: 'no ipsec esp-group WORD proposal (1-65535)', modes: ['config'], doc: 'Remove an ESP proposal', help: IPSEC_HELP,
    run: (ctx, a) => commitIpsec(ctx, editEspGroup(a.str('esp-group'), (g) => ({ ...g, proposals: g.proposals.filter((p) => p.id !== a.num('proposal')) }))),
  },
  // ---- peers ----
  {
    syntax: 'ipsec peer A.B.C.D {local-address A.B.C.D|ike-group WORD|connection-type <initiate|respond>|force-encapsulation <enable|disable>}',
    modes: ['config'], doc: 'Add or change a site-to-site peer', help: IPSEC_HELP,
    run: (ctx, a) => commitIpsec(ctx, editPeer(a.ip('peer'), (p) => ({
      ...p,
      localAddress: a.optIp('local-address') ?? p.localAddress,
      ikeGroup: a.optStr('ike-group') ?? p.ikeGroup,
      connectionType: (a.optStr('connection-type') as 'initiate' | 'respond' | null) ?? p.connectionType,
      forceEncapsulation: a.isSet('force-encapsulation') ? a.str('force-encapsulation') === 'enable' : p.forceEncapsulation,
    }))),
  },
  {
    syntax: 'ipsec peer A.B.C.D description LINE', modes: ['config'], doc: 'Describe a peer', help: IPSEC_HELP,
    run: (ctx, a) => commitIpsec(ctx, editPeer(a.ip('peer'), (p) => ({ ...p, description: checkDescription(a.str('description')) }))),
  },
  {
    syntax: 'ipsec peer A.B.C.D pre-shared-secret LINE', modes: ['config'], doc: 'Set the pre-shared secret (stored sealed, never in clear)', help: IPSEC_HELP,
    run: (ctx, a) => {
      const sealed = sealSecret(ctx, a.str('pre-shared-secret'));
      commitIpsec(ctx, editPeer(a.ip('peer'), (p) => ({ ...p, secret: sealed })));
    },
  },
  {
    syntax: 'ipsec peer A.B.C.D vti {bind NAME|esp-group WORD}', modes: ['config'], doc: 'Bind the peer to a VTI: what is routed into it is encrypted for the peer', help: IPSEC_HELP,
    run: (ctx, a) => commitIpsec(ctx, editPeer(a.ip('peer'), (p) => {
      const v = p.vti ?? { bind: null, espGroup: null };
      return { ...p, vti: { bind: a.optStr('bind') ?? v.bind, espGroup: a.optStr('esp-group') ?? v.espGroup } };
    })),
  },
  {
    syntax: 'ipsec peer A.B.C.D tunnel (1-255) {esp-group WORD|local-prefix A.B.C.D/M|remote-prefix A.B.C.D/M}', modes: ['config'],
    doc: 'A policy-based tunnel (kept and shown; pask carries VTIs only)', help: IPSEC_HELP,
    run: (ctx, a) => commitIpsec(ctx, editTunnel(a.ip('peer'), a.num('tunnel'), (t) => ({
      ...t,
      espGroup: a.optStr('esp-group') ?? t.espGroup,
      localPrefix: a.optPrefix('local-prefix') ? net(a.prefix('local-prefix')) : t.localPrefix,
      remotePrefix: a.optPrefix('remote-prefix') ? net(a.prefix('remote-prefix')) : t.remotePrefix,
    }))),
  },
  {
    syntax: 'no ipsec peer A.B.C.D', modes: ['config'], doc: 'Remove a peer (its SAs are deleted)', help: IPSEC_HELP,
    run: (ctx, a) => {
      const addr = a.ip('peer');
      must(ctx.cfg.ipsec.peers.find((p) => p.addr === addr), `ipsec peer ${formatIpv4(addr)}`);
      commitIpsec(ctx, (x) => ({ ...x, peers: x.peers.filter((p) => p.addr !== addr) }));
    },
  },
  {
    syntax: 'no ipsec peer A.B.C.D <vti|pre-shared-secret|description>', modes: ['config'], doc: 'Remove a peer\'s VTI binding, secret or description', help: IPSEC_HELP,
    run: (ctx, a) => {
      const what = a.has('vti') ? 'vti' : a.has('pre-shared-secret') ? 'pre-shared-secret' : 'description';
      commitIpsec(ctx, editPeer(a.ip('peer'), (p) => what === 'vti' ? { ...p, vti: null } : what === 'description' ? { ...p, description: '' } : { ...p, secret: null }));
    },
  },
  {
    syntax: 'no ipsec peer A.B.C.D tunnel (1-255)', modes: ['config'], doc: 'Remove a policy-based tunnel', help: IPSEC_HELP,
    run: (ctx, a) => commitIpsec(ctx, editPeer(a.ip('peer'), (p) => ({ ...p, tunnels: p.tunnels.filter((t) => t.id !== a.num('tunnel')) }))),
  },
  // ---- VTIs, MSS clamp ----
  {
    syntax: 'ipsec vti NAME {address A.B.C.D/M|mtu (68-1500)}', modes: ['config'], doc: 'Add or change a virtual tunnel interface (vti0-vti255)', help: IPSEC_HELP,
    run: (ctx, a) => commitIpsec(ctx, editVti(a.str('vti'), (v) => ({ ...v, address: a.optPrefix('address') ?? v.address, mtu: a.optNum('mtu') ?? v.mtu }))),
  },
  {
    syntax: 'ipsec vti NAME description LINE', modes: ['config'], doc: 'Describe a VTI', help: IPSEC_HELP,
    run: (ctx, a) => commitIpsec(ctx, editVti(a.str('vti'), (v) => ({ ...v, description: checkDescription(a.str('description')) }))),
  },
  {
    syntax: 'no ipsec vti NAME', modes: ['config'], doc: 'Remove a VTI', help: IPSEC_HELP,
    run: (ctx, a) => {
      const name = a.str('vti');
      must(ctx.cfg.ipsec.vtis.find((v) => v.name === name), `interface ${name}`);
      commitIpsec(ctx, (x) => ({ ...x, vtis: x.vtis.filter((v) => v.name !== name) }));
    },
  },
  {
    syntax: 'ipsec mss-clamp (536-1460)', modes: ['config'], doc: 'Lower the MSS of TCP SYNs crossing a VTI', help: IPSEC_HELP,
    run: (ctx, a) => commitIpsec(ctx, (x) => ({ ...x, mssClamp: a.num('mss-clamp') })),
  },
  {
    syntax: 'no ipsec mss-clamp', modes: ['config'], doc: 'Leave the MSS of SYNs crossing VTIs alone', help: IPSEC_HELP,
    run: (ctx) => commitIpsec(ctx, (x) => ({ ...x, mssClamp: null })),
  },
  {
    syntax: 'ipsec auto-firewall-nat-exclude <enable|disable>', modes: ['config'], doc: 'EdgeOS setting, kept and shown (pask has no firewall to open)', help: IPSEC_HELP,
    run: (ctx, a) => commitIpsec(ctx, (x) => ({ ...x, autoFirewallNatExclude: a.str('auto-firewall-nat-exclude') === 'enable' })),
  },
  // ---- exec ----
  {
    syntax: 'show vpn ipsec sa', modes: ['global'], privilege: 1, doc: 'The IKE and CHILD SAs (file 003 layout)', help: SHOW_HELP,
    run: (ctx) => {
      const r = runtime(ctx);
      ctx.write(showIpsecSa(r.service.daemon.list(), ctx.appliance.clock.now()));
    },
  },
  {
    syntax: 'show vpn', modes: ['global'], privilege: 1, doc: 'The VPN configuration as EdgeOS shows it (secrets masked)', help: SHOW_HELP,
    run: (ctx) => ctx.write(renderVpnTree(ctx.cfg.ipsec)),
  },
  {
    syntax: 'show vpn log', modes: ['global'], privilege: 1, doc: 'The IPsec log, message by message', help: SHOW_HELP,
    run: (ctx) => {
      const r = runtime(ctx);
      const t = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
      ctx.write(r.lines.map((l) => `${t(l.wallMs)} [${l.severity}] ${l.text}\n`).join(''));
    },
  },
  {
    syntax: 'show vpn ipsec statistics', modes: ['global'], privilege: 1, doc: 'IKE and ESP counters: messages, drops by reason', help: SHOW_HELP,
    run: (ctx) => ctx.write(statistics(runtime(ctx))),
  },
  {
    syntax: 'show interfaces vti NAME', modes: ['global'], privilege: 1, doc: 'A VTI with its RX/TX counters (ip -s link)', help: SHOW_HELP,
    run: (ctx, a) => {
      const name = a.str('vti');
      const cfg = must(ctx.cfg.ipsec.vtis.find((v) => v.name === name), `interface ${name}`);
      const r = runtime(ctx);
      const peerAddr = r.service.peerOfVti(name);
      const peer = peerAddr === null ? undefined : ctx.cfg.ipsec.peers.find((p) => p.addr === peerAddr);
      const local = peer?.localAddress ?? (peerAddr !== null ? ctx.appliance.stack?.sourceFor(peerAddr) ?? null : null);
      ctx.write(showVti(cfg, r.service.vtis.get(name), local, peerAddr));
    },
  },
  {
    syntax: 'show interfaces vti NAME capture [count (1-100000)]', modes: ['global'], privilege: 1,
    doc: 'Live capture of the inner packets crossing a VTI (Ctrl-C stops; a batch stops after 10 packets or 60 s)', help: SHOW_HELP,
    run: (ctx, a) => capture(ctx, a.str('vti'), a.optNum('count')),
  },
  {
    syntax: 'clear vpn ipsec sa [peer A.B.C.D]', modes: ['global'], doc: 'Delete the SAs (the peer is told; initiating peers come back)', help: SHOW_HELP,
    run: (ctx, a) => {
      const r = runtime(ctx);
      const peer = a.optIp('peer');
      const n = r.service.daemon.clear(peer ?? undefined);
      ctx.print(`${n} IKE SA${n === 1 ? '' : 's'} deleted${peer !== null ? ` for peer ${formatIpv4(peer)}` : ''}`);
    },
  },
]);

function statistics(r: IpsecRuntime): string {
  const d = r.service.daemon.counters, e = r.service.esp;
  const rows: [string, number][] = [
    ['IKE messages received', d.received], ['IKE messages sent', d.sent], ['IKE malformed', d.malformed],
    ['IKE unknown SPI', d.unknownSpi], ['IKE out of window', d.badMessageId], ['IKE integrity failures', d.integrityFailures],
    ['IKE authentication failures', d.authFailures], ['IKE cookies sent', d.cookiesSent], ['IKE half-open refused', d.halfOpenRefused],
    ['IKE retransmits', d.retransmits], ['IKE timeouts', d.timeouts], ['IKE no proposal chosen', d.noProposal],
    ['IKE invalid KE', d.invalidKe], ['IKE SAs established', d.ikeSasEstablished], ['IKE SAs rekeyed', d.ikeRekeys],
    ['CHILD SAs installed', d.childSasInstalled], ['CHILD SAs rekeyed', d.childRekeys], ['DPD probes sent', d.dpdSent],
    ['half-open IKE SAs', r.service.daemon.halfOpen()], ['internal errors', d.internalErrors],
    ['ESP received', e.received], ['ESP sent', e.sent], ['ESP unknown SPI', e.unknownSpi], ['ESP malformed', e.malformed],
    ['ESP decrypt failures', e.decryptFailures], ['ESP wrong peer', e.wrongPeer], ['ESP bad inner packet', e.badInner],
    ['ESP outside selectors', e.selectorMismatch], ['NAT keepalives received', e.natKeepalives], ['NAT keepalives sent', e.natKeepalivesSent], ['ESP outer packets looped', e.looped],
  ];
  const drops = new Array<number>(ESP_DROP_NAMES.length).fill(0);
  for (const sa of r.service.daemon.list()) for (const c of sa.children) c.inbound.counters.drops.forEach((v, i) => (drops[i]! += v));
  ESP_DROP_NAMES.forEach((name, i) => { if (name) rows.push([`ESP drops ${name} (current SAs)`, drops[i]!]); });
  return rows.map(([k, v]) => `${k.padEnd(40)}${v}\n`).join('');
}
