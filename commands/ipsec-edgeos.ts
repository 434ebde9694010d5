// File 003's EdgeOS lines for the VPN, inside `configure`: `set vpn ipsec ...` (groups, the
// site-to-site peer with the GUI step's settings, its VTI binding), `set interfaces vti vti0`,
// `set firewall options mss-clamp ...`, their `delete`s, and `show vpn` of the candidate. They
// edit the candidate (src/cli/edgeos/candidate.ts) with the same edits as the native commands.

import { defineCommands, type CommandDef } from '../src/cli/grammar/command.js';
import type { Args } from '../src/cli/grammar/args.js';
import type { Ctx } from '../src/cli/context.js';
import { currentCandidate, editCandidate, refuse, unquote } from '../src/cli/edgeos/candidate.js';
import {
  IKE_ENCRYPTIONS, IPSEC_HASHES, PFS_SETTINGS, type EspGroupConfig, type IkeGroupConfig, type IpsecConfig, type IpsecEncryption, type IpsecHash,
  type IpsecPeerConfig, type PfsSetting,
} from '../src/config/ipsec.js';
import { formatIpv4, networkOf, type Prefix } from '../src/net/addr.js';
import { renderVpnTree } from '../src/ipsec/show.js';
import { checkDescription } from './common.js';
import {
  dhGroup, editEspGroup, editIkeGroup, editPeer, editTunnel, editVti, IPSEC_HELP, proposalOf, sealSecret, withIpsec, type IpsecEdit,
} from './ipsec.js';

const net = (p: Prefix): Prefix => ({ addr: networkOf(p), len: p.len });
const IKE = 'vpn ipsec ike-group WORD';
const ESP = 'vpn ipsec esp-group WORD';
const PEER = 'vpn ipsec site-to-site peer A.B.C.D';

const HELP: Readonly<Record<string, string>> = {
  ...IPSEC_HELP,
  set: 'Set a configuration value in the candidate', delete: 'Delete a configuration value from the candidate',
  vpn: 'Virtual private networks', ipsec: 'IPsec', 'site-to-site': 'Site-to-site peers', authentication: 'How the peer authenticates',
  mode: 'Authentication mode (pre-shared-secret)', 'pre-shared-secret': 'The pre-shared secret (kept sealed)', local: 'Local side',
  remote: 'Remote side', prefix: 'Network', interfaces: 'Interfaces', vti: 'Virtual tunnel interface', firewall: 'Firewall',
  options: 'Global options', 'interface-type': 'Which interfaces (vti)', mss: 'The MSS', '<536-1460>': 'MSS', system: 'System',
  offload: 'Hardware offload', 'nat-traversal': 'NAT traversal (always on)', 'ipsec-interfaces': 'Interfaces IKE listens on (pask: every address)', compression: 'Compression (not supported: disable)',
};

function edit(ctx: Ctx, f: IpsecEdit): void {
  editCandidate(ctx, (cfg) => withIpsec(cfg, f));
}

/** A `set` of one setting and its `delete` (the setting back to its default). */
function pair(path: string, value: string, doc: string, set: (ctx: Ctx, a: Args) => IpsecEdit, reset: (a: Args) => IpsecEdit): CommandDef<Ctx>[] {
  return [
    { syntax: `set ${path} ${value}`.trim(), modes: ['edgeos'], doc, help: HELP, run: (ctx, a) => edit(ctx, set(ctx, a)) },
    { syntax: `delete ${path}`, modes: ['edgeos'], doc: `Delete: ${doc.charAt(0).toLowerCase()}${doc.slice(1)}`, help: HELP, run: (ctx, a) => edit(ctx, reset(a)) },
  ];
}

const ike = (a: Args, f: (g: IkeGroupConfig) => IkeGroupConfig) => editIkeGroup(a.str('ike-group'), f);
const esp = (a: Args, f: (g: EspGroupConfig) => EspGroupConfig) => editEspGroup(a.str('esp-group'), f);
const peer = (a: Args, f: (p: IpsecPeerConfig) => IpsecPeerConfig) => editPeer(a.ip('peer'), f);

function ikeProposal(a: Args, f: (p: IkeGroupConfig['proposals'][number]) => IkeGroupConfig['proposals'][number]): IpsecEdit {
  const id = a.num('proposal');
  return ike(a, (g) => ({ ...g, proposals: proposalOf(g.proposals, id, () => ({ id, encryption: null, hash: null, dhGroup: null }), f) }));
}

function espProposal(a: Args, f: (p: EspGroupConfig['proposals'][number]) => EspGroupConfig['proposals'][number]): IpsecEdit {
  const id = a.num('proposal');
  return esp(a, (g) => ({ ...g, proposals: proposalOf(g.proposals, id, () => ({ id, encryption: null, hash: null }), f) }));
}

function remove(what: string, f: (x: IpsecConfig) => IpsecConfig | null): IpsecEdit {
  return (x) => {
    const r = f(x);
    if (r === null) refuse(`Nothing to delete: there is no ${what}`);
    return r;
  };
}

export const ipsecEdgeosCommands = defineCommands<Ctx>([
  // ---- ike-group ----
  ...pair(`${IKE} proposal (1-65535) encryption`, `<${IKE_ENCRYPTIONS.join('|')}>$value`, 'The encryption of an IKE proposal',
    (_c, a) => ikeProposal(a, (p) => ({ ...p, encryption: a.str('value') as IpsecEncryption })), (a) => ikeProposal(a, (p) => ({ ...p, encryption: null }))),
  ...pair(`${IKE} proposal (1-65535) hash`, `<${IPSEC_HASHES.join('|')}>$value`, 'The hash of an IKE proposal',
    (_c, a) => ikeProposal(a, (p) => ({ ...p, hash: a.str('value') as IpsecHash })), (a) => ikeProposal(a, (p) => ({ ...p, hash: null }))),
  ...pair(`${IKE} proposal (1-65535) dh-group`, '(1-32)$value', 'The Diffie-Hellman group of an IKE proposal (2, 14, 31)',
    (_c, a) => ikeProposal(a, (p) => ({ ...p, dhGroup: dhGroup(a.num('value')) })), (a) => ikeProposal(a, (p) => ({ ...p, dhGroup: null }))),
  ...pair(`${IKE} lifetime`, '(30-86400)$value', 'The IKE SA lifetime (default 28800 s)',
    (_c, a) => ike(a, (g) => ({ ...g, lifetime: a.num('value') })), (a) => ike(a, (g) => ({ ...g, lifetime: 28800 }))),
  ...pair(`${IKE} key-exchange`, '<ikev1|ikev2>$value', 'The IKE version (default ikev1; a VTI needs ikev2)',
    (_c, a) => ike(a, (g) => ({ ...g, keyExchange: a.str('value') as 'ikev1' | 'ikev2' })), (a) => ike(a, (g) => ({ ...g, keyExchange: 'ikev1' }))),
  ...pair(`${IKE} dead-peer-detection action`, '<restart|clear|hold>$value', 'What to do with a dead peer',
    (_c, a) => ike(a, (g) => ({ ...g, dpd: { interval: 30, timeout: 120, ...g.dpd, action: a.str('value') as 'restart' } })), (a) => ike(a, (g) => ({ ...g, dpd: null }))),
  ...pair(`${IKE} dead-peer-detection interval`, '(2-86400)$value', 'Seconds of silence before a DPD probe',
    (_c, a) => ike(a, (g) => ({ ...g, dpd: { timeout: 120, action: 'restart' as const, ...g.dpd, interval: a.num('value') } })), (a) => ike(a, (g) => (g.dpd ? { ...g, dpd: { ...g.dpd, interval: 30 } } : g))),
  ...pair(`${IKE} dead-peer-detection timeout`, '(2-86400)$value', 'Seconds without an answer before the peer is dead',
    (_c, a) => ike(a, (g) => ({ ...g, dpd: { interval: 30, action: 'restart' as const, ...g.dpd, timeout: a.num('value') } })), (a) => ike(a, (g) => (g.dpd ? { ...g, dpd: { ...g.dpd, timeout: 120 } } : g))),
  {
    syntax: `delete ${IKE}`, modes: ['edgeos'], doc: 'Remove an IKE group', help: HELP,
    run: (ctx, a) => edit(ctx, remove(`ike-group ${a.str('ike-group')}`, (x) => (x.ikeGroups.some((g) => g.name === a.str('ike-group')) ? { ...x, ikeGroups: x.ikeGroups.filter((g) => g.name !== a.str('ike-group')) } : null))),
  },
  {
    syntax: `delete ${IKE} proposal (1-65535)`, modes: ['edgeos'], doc: 'Remove an IKE proposal', help: HELP,
    run: (ctx, a) => edit(ctx, ike(a, (g) => ({ ...g, proposals: g.proposals.filter((p) => p.id !== a.num('proposal')) }))),
  },
  // ---- esp-group ----
  ...pair(`${ESP} proposal (1-65535) encryption`, `<${IKE_ENCRYPTIONS.join('|')}>$value`, 'The encryption of an ESP proposal',
    (_c, a) => espProposal(a, (p) => ({ ...p, encryption: a.str('value') as IpsecEncryption })), (a) => espProposal(a, (p) => ({ ...p, encryption: null }))),
  ...pair(`${ESP} proposal (1-65535) hash`, `<${IPSEC_HASHES.join('|')}>$value`, 'The hash of an ESP proposal',
    (_c, a) => espProposal(a, (p) => ({ ...p, hash: a.str('value') as IpsecHash })), (a) => espProposal(a, (p) => ({ ...p, hash: null }))),
  ...pair(`${ESP} lifetime`, '(30-86400)$value', 'The CHILD SA lifetime (default 3600 s)',
    (_c, a) => esp(a, (g) => ({ ...g, lifetime: a.num('value') })), (a) => esp(a, (g) => ({ ...g, lifetime: 3600 }))),
  ...pair(`${ESP} pfs`, `<${PFS_SETTINGS.join('|')}>$value`, 'Perfect forward secrecy of rekeyed CHILD SAs (default enable)',
    (_c, a) => esp(a, (g) => ({ ...g, pfs: a.str('value') as PfsSetting })), (a) => esp(a, (g) => ({ ...g, pfs: 'enable' }))),
  ...pair(`${ESP} mode`, '<tunnel>$value', 'ESP mode (tunnel)', (_c, a) => esp(a, (g) => g), (a) => esp(a, (g) => g)),
  ...pair(`${ESP} compression`, '<disable>$value', 'IPComp (not supported: disable)', (_c, a) => esp(a, (g) => g), (a) => esp(a, (g) => g)),
  {
    syntax: `delete ${ESP}`, modes: ['edgeos'], doc: 'Remove an ESP group', help: HELP,
    run: (ctx, a) => edit(ctx, remove(`esp-group ${a.str('esp-group')}`, (x) => (x.espGroups.some((g) => g.name === a.str('esp-group')) ? { ...x, espGroups: x.espGroups.filter((g) => g.name !== a.str('esp-group')) } : null))),
  },
  {
    syntax: `delete ${ESP} proposal (1-65535)`, modes: ['edgeos'], doc: 'Remove an ESP proposal', help: HELP,
    run: (ctx, a) => edit(ctx, esp(a, (g) => ({ ...g, proposals: g.proposals.filter((p) => p.id !== a.num('proposal')) }))),
  },
  // ---- ipsec-wide ----
  ...pair('vpn ipsec auto-firewall-nat-exclude', '<enable|disable>$value', 'Exclude VPN traffic from NAT, open the firewall (kept and shown)',
    (_c, a) => (x) => ({ ...x, autoFirewallNatExclude: a.str('value') === 'enable' }), () => (x) => ({ ...x, autoFirewallNatExclude: false })),
  {
    syntax: 'set vpn ipsec nat-traversal <enable|disable>$value', modes: ['edgeos'], doc: 'NAT traversal (pask always detects NAT and floats to 4500)', help: HELP,
    run: (ctx, a) => {
      if (a.str('value') === 'disable') ctx.warn('% pask always detects NAT and moves to UDP 4500 when it finds one');
    },
  },
  {
    syntax: 'set vpn ipsec ipsec-interfaces interface NAME', modes: ['edgeos'], doc: 'Interfaces IKE listens on (pask listens on every address)', help: HELP,
    run: () => {},
  },
  // ---- site-to-site peer ----
  ...pair(`${PEER} authentication mode`, '<pre-shared-secret>$value', 'How the peer authenticates (pre-shared-secret)',
    (_c, a) => peer(a, (p) => p), (a) => peer(a, (p) => p)),
  ...pair(`${PEER} authentication pre-shared-secret`, 'LINE$value', 'The pre-shared secret (kept sealed, never in clear)',
    (c, a) => {
      const sealed = sealSecret(c, unquote(a.str('value')));
      return peer(a, (p) => ({ ...p, secret: sealed }));
    }, (a) => peer(a, (p) => ({ ...p, secret: null }))),
  ...pair(`${PEER} connection-type`, '<initiate|respond>$value', 'Who brings the tunnel up (default initiate)',
    (_c, a) => peer(a, (p) => ({ ...p, connectionType: a.str('value') as 'initiate' | 'respond' })), (a) => peer(a, (p) => ({ ...p, connectionType: 'initiate' }))),
  ...pair(`${PEER} description`, 'LINE$value', 'Describe the peer',
    (_c, a) => peer(a, (p) => ({ ...p, description: checkDescription(unquote(a.str('value'))) })), (a) => peer(a, (p) => ({ ...p, description: '' }))),
  ...pair(`${PEER} ike-group`, 'WORD$value', 'The peer\'s IKE group',
    (_c, a) => peer(a, (p) => ({ ...p, ikeGroup: a.str('value') })), (a) => peer(a, (p) => ({ ...p, ikeGroup: null }))),
  ...pair(`${PEER} local-address`, 'A.B.C.D$value', 'The appliance\'s address for this peer',
    (_c, a) => peer(a, (p) => ({ ...p, localAddress: a.ip('value') })), (a) => peer(a, (p) => ({ ...p, localAddress: null }))),
  ...pair(`${PEER} force-encapsulation`, '<enable|disable>$value', 'ESP in UDP 4500 even without NAT',
    (_c, a) => peer(a, (p) => ({ ...p, forceEncapsulation: a.str('value') === 'enable' })), (a) => peer(a, (p) => ({ ...p, forceEncapsulation: false }))),
  ...pair(`${PEER} vti bind`, 'NAME$value', 'Bind the peer to a VTI (route-based)',
    (_c, a) => peer(a, (p) => ({ ...p, vti: { espGroup: null, ...p.vti, bind: a.str('value') } })), (a) => peer(a, (p) => (p.vti ? { ...p, vti: { ...p.vti, bind: null } } : p))),
  ...pair(`${PEER} vti esp-group`, 'WORD$value', 'The ESP group of the VTI\'s CHILD SAs',
    (_c, a) => peer(a, (p) => ({ ...p, vti: { bind: null, ...p.vti, espGroup: a.str('value') } })), (a) => peer(a, (p) => (p.vti ? { ...p, vti: { ...p.vti, espGroup: null } } : p))),
  ...pair(`${PEER} tunnel (1-255) esp-group`, 'WORD$value', 'The ESP group of a policy-based tunnel',
    (_c, a) => editTunnel(a.ip('peer'), a.num('tunnel'), (t) => ({ ...t, espGroup: a.str('value') })), (a) => editTunnel(a.ip('peer'), a.num('tunnel'), (t) => ({ ...t, espGroup: null }))),
  ...pair(`${PEER} tunnel (1-255) local prefix`, 'A.B.C.D/M$value', 'The local network of a policy-based tunnel',
    (_c, a) => editTunnel(a.ip('peer'), a.num('tunnel'), (t) => ({ ...t, localPrefix: net(a.prefix('value')) })), (a) => editTunnel(a.ip('peer'), a.num('tunnel'), (t) => ({ ...t, localPrefix: null }))),
  ...pair(`${PEER} tunnel (1-255) remote prefix`, 'A.B.C.D/M$value', 'The remote network of a policy-based tunnel',
    (_c, a) => editTunnel(a.ip('peer'), a.num('tunnel'), (t) => ({ ...t, remotePrefix: net(a.prefix('value')) })), (a) => editTunnel(a.ip('peer'), a.num('tunnel'), (t) => ({ ...t, remotePrefix: null }))),
  {
    syntax: `delete ${PEER} tunnel (1-255)`, modes: ['edgeos'], doc: 'Remove a policy-based tunnel', help: HELP,
    run: (ctx, a) => edit(ctx, remove(`tunnel ${a.num('tunnel')} of peer ${formatIpv4(a.ip('peer'))}`, (x) => {
      const p = x.peers.find((q) => q.addr === a.ip('peer'));
      if (!p || !p.tunnels.some((t) => t.id === a.num('tunnel'))) return null;
      return { ...x, peers: x.peers.map((q) => (q === p ? { ...q, tunnels: q.tunnels.filter((t) => t.id !== a.num('tunnel')) } : q)) };
    })),
  },
  {
    syntax: `delete ${PEER} vti`, modes: ['edgeos'], doc: 'Unbind the peer from its VTI', help: HELP,
    run: (ctx, a) => edit(ctx, peer(a, (p) => ({ ...p, vti: null }))),
  },
  {
    syntax: `delete ${PEER}`, modes: ['edgeos'], doc: 'Remove a site-to-site peer', help: HELP,
    run: (ctx, a) => edit(ctx, remove(`peer ${formatIpv4(a.ip('peer'))}`, (x) => (x.peers.some((p) => p.addr === a.ip('peer')) ? { ...x, peers: x.peers.filter((p) => p.addr !== a.ip('peer')) } : null))),
  },
  // ---- interfaces vti ----
  {
    syntax: 'set interfaces vti NAME', modes: ['edgeos'], doc: 'Create a virtual tunnel interface (vti0-vti255; no address needed)', help: HELP,
    run: (ctx, a) => edit(ctx, editVti(a.str('vti'), (v) => v)),
  },
  ...pair('interfaces vti NAME address', 'A.B.C.D/M$value', 'The VTI\'s address',
    (_c, a) => editVti(a.str('vti'), (v) => ({ ...v, address: a.prefix('value') })), (a) => editVti(a.str('vti'), (v) => ({ ...v, address: null }))),
  ...pair('interfaces vti NAME mtu', '(68-1500)$value', 'The VTI\'s MTU (default 1436)',
    (_c, a) => editVti(a.str('vti'), (v) => ({ ...v, mtu: a.num('value') })), (a) => editVti(a.str('vti'), (v) => ({ ...v, mtu: null }))),
  ...pair('interfaces vti NAME description', 'LINE$value', 'Describe the VTI',
    (_c, a) => editVti(a.str('vti'), (v) => ({ ...v, description: checkDescription(unquote(a.str('value'))) })), (a) => editVti(a.str('vti'), (v) => ({ ...v, description: '' }))),
  {
    syntax: 'delete interfaces vti NAME', modes: ['edgeos'], doc: 'Remove a VTI', help: HELP,
    run: (ctx, a) => edit(ctx, remove(`interface ${a.str('vti')}`, (x) => (x.vtis.some((v) => v.name === a.str('vti')) ? { ...x, vtis: x.vtis.filter((v) => v.name !== a.str('vti')) } : null))),
  },
  // ---- firewall options mss-clamp ----
  {
    syntax: 'set firewall options mss-clamp interface-type <vti>$value', modes: ['edgeos'], doc: 'Clamp the MSS of SYNs crossing VTIs (with mss-clamp mss)', help: HELP,
    run: () => {},
  },
  {
    syntax: 'set firewall options mss-clamp mss (536-1460)$value', modes: ['edgeos'], doc: 'The MSS SYNs crossing a VTI are clamped to', help: HELP,
    run: (ctx, a) => edit(ctx, (x) => ({ ...x, mssClamp: a.num('value') })),
  },
  {
    syntax: 'delete firewall options mss-clamp', modes: ['edgeos'], doc: 'Stop clamping the MSS', help: HELP,
    run: (ctx) => edit(ctx, (x) => ({ ...x, mssClamp: null })),
  },
  // ---- no-ops EdgeOS documents around file 003 ----
  {
    syntax: 'set system offload ipsec <enable|disable>$value', modes: ['edgeos'], doc: 'IPsec offload (EdgeRouter hardware; nothing to do in pask)', help: HELP,
    run: () => {},
  },
  // ---- show ----
  {
    syntax: 'show vpn', modes: ['edgeos'], doc: 'The candidate\'s VPN configuration tree (secrets masked)', help: HELP,
    run: (ctx) => ctx.write(renderVpnTree(currentCandidate(ctx).ipsec)),
  },
]);
