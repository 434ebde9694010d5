// What the IPsec show commands print, in file 003's layouts:
//   show vpn ipsec sa          the IKE and CHILD SAs as EdgeOS prints them (swanctl --list-sas)
//   show vpn                   the configuration tree (EdgeOS `show vpn` in configure mode)
//   show interfaces vti vti0   `ip -s link` of the tunnel interface, with RX/TX counters

import { VTI_DEFAULT_MTU, type IpsecConfig, type VtiConfig } from '../config/ipsec.js';
import { formatIpv4, formatPrefix, type Ipv4 } from '../net/addr.js';
import { espSuiteName, ikeSuiteName } from './crypto/algorithms.js';
import { hex8 } from './ike/daemon.js';
import { hex } from './ike/message.js';
import type { ChildSa, IkeSa } from './ike/sa.js';
import { formatSelector } from './ike/selectors.js';
import type { Vti } from './vti.js';
import type { TcpdumpPrinter } from '../capture/print/printer.js';

const secs = (ms: number) => Math.max(0, Math.floor(ms / 1000));

function ikeState(sa: IkeSa): string {
  return sa.state === 'AUTHENTICATING' ? 'CONNECTING' : sa.state;
}

function usage(dir: 'in ' | 'out', spi: number, bytes: number, packets: number, lastMs: number, now: number): string {
  const last = lastMs < 0 ? '' : `, ${String(secs(now - lastMs)).padStart(5)}s ago`;
  return `   ${dir} ${hex8(spi)}, ${String(bytes).padStart(6)} bytes, ${String(packets).padStart(5)} packets${last}`;
}

function childLines(c: ChildSa, now: number): string[] {
  const t = c.ike.encap ? 'TUNNEL-in-UDP' : 'TUNNEL';
  const i = c.inbound.counters, o = c.outbound.counters;
  return [
    ` ${c.name}: #${c.id}, ${c.state}, ${t}, ESP:${espSuiteName(c.suite)}`,
    `   installed ${secs(now - c.installedAt)} ago, rekeying in ${secs(c.rekeyAt - now)}s, expires in ${secs(c.expireAt - now)}s`,
    usage('in ', c.inSpi, i.bytes, i.packets, i.lastMs, now),
    usage('out', c.outSpi, o.bytes, o.packets, o.lastMs, now),
    `   local  ${c.localTs.map(formatSelector).join(' ')}`,
    `   remote ${c.remoteTs.map(formatSelector).join(' ')}`,
  ];
}

/** `show vpn ipsec sa`. */
export function showIpsecSa(sas: readonly IkeSa[], now: number): string {
  const out: string[] = [];
  for (const sa of sas) {
    if (sa.state === 'DESTROYED') continue;
    out.push(`${sa.peer.name}: #${sa.id}, ${ikeState(sa)}, IKEv2, ${hex(sa.spiI)}:${hex(sa.spiR)}`);
    out.push(` local  '${formatIpv4(sa.local)}' @ ${formatIpv4(sa.local)}`);
    out.push(` remote '${sa.remoteId || formatIpv4(sa.remote)}' @ ${formatIpv4(sa.remote)}`);
    if (sa.suite) out.push(` ${ikeSuiteName(sa.suite)}`);
    if (sa.establishedAt >= 0) {
      out.push(` established ${secs(now - sa.establishedAt)}s ago${Number.isFinite(sa.rekeyAt) ? `, rekeying in ${secs(sa.rekeyAt - now)}s` : ''}`);
    }
    for (const c of sa.children) if (c.state !== 'DELETED') out.push(...childLines(c, now));
  }
  return out.length ? out.join('\n') + '\n' : '';
}

// ---------------------------------------------------------------------------- show interfaces vti

const col = (v: string | number, w: number) => String(v).padStart(w);

/** `show interfaces vti vti0` (ip -s link of a VTI). */
export function showVti(cfg: VtiConfig, vti: Vti | undefined, local: Ipv4 | null, peer: Ipv4 | null): string {
  const c = vti?.counters;
  const n = (v: number | undefined) => v ?? 0;
  const lines = [
    `${cfg.name}: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu ${cfg.mtu ?? VTI_DEFAULT_MTU} qdisc noqueue state UNKNOWN group default`,
    `   link/ipip ${formatIpv4(local ?? 0)} peer ${formatIpv4(peer ?? 0)}`,
    ...(cfg.address ? [`   inet ${formatPrefix(cfg.address)} scope global ${cfg.name}`] : []),
    ...(cfg.description ? [`   alias ${cfg.description}`] : []),
    '',
    `${col('RX:  bytes', 13)}${['packets', 'errors', 'dropped', 'overrun', 'mcast'].map((h) => col(h, 11)).join('')}`,
    `${col(n(c?.rxBytes), 13)}${[n(c?.rxPackets), n(c?.rxErrors), n(c?.rxDropped), 0, 0].map((v) => col(v, 11)).join('')}`,
    `${col('TX:  bytes', 13)}${['packets', 'errors', 'dropped', 'carrier', 'collisions'].map((h) => col(h, 11)).join('')}`,
    `${col(n(c?.txBytes), 13)}${[n(c?.txPackets), n(c?.txErrors), n(c?.txDropped), 0, 0].map((v) => col(v, 11)).join('')}`,
  ];
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------- show vpn (tree)

type Tree = (string | [string, Tree])[];

/** The config tree of `vpn` as EdgeOS prints it (file 003: `ipsec {` at the margin, then 3 + 4 per level). */
export function renderVpnTree(x: IpsecConfig, maskSecret = true): string {
  const ipsec: Tree = [];
  if (x.autoFirewallNatExclude) ipsec.push('auto-firewall-nat-exclude enable');
  for (const g of [...x.espGroups].sort((a, b) => a.name.localeCompare(b.name))) {
    const t: Tree = [];
    if (g.lifetime !== 3600) t.push(`lifetime ${g.lifetime}`);
    if (g.pfs !== 'enable') t.push(`pfs ${g.pfs}`);
    for (const p of [...g.proposals].sort((a, b) => a.id - b.id)) {
      const q: Tree = [];
      if (p.encryption) q.push(`encryption ${p.encryption}`);
      if (p.hash) q.push(`hash ${p.hash}`);
      t.push([`proposal ${p.id}`, q]);
    }
    ipsec.push([`esp-group ${g.name}`, t]);
  }
  for (const g of [...x.ikeGroups].sort((a, b) => a.name.localeCompare(b.name))) {
    const t: Tree = [];
    if (g.dpd) t.push(['dead-peer-detection', [`action ${g.dpd.action}`, `interval ${g.dpd.interval}`, `timeout ${g.dpd.timeout}`]]);
    if (g.keyExchange !== 'ikev1') t.push(`key-exchange ${g.keyExchange}`);
    if (g.lifetime !== 28800) t.push(`lifetime ${g.lifetime}`);
    for (const p of [...g.proposals].sort((a, b) => a.id - b.id)) {
      const q: Tree = [];
      if (p.dhGroup !== null) q.push(`dh-group ${p.dhGroup}`);
      if (p.encryption) q.push(`encryption ${p.encryption}`);
      if (p.hash) q.push(`hash ${p.hash}`);
      t.push([`proposal ${p.id}`, q]);
    }
    ipsec.push([`ike-group ${g.name}`, t]);
  }
  const s2s: Tree = [];
  for (const p of [...x.peers].sort((a, b) => (a.addr >>> 0) - (b.addr >>> 0))) {
    const t: Tree = [];
    if (p.secret !== null) t.push(['authentication', ['mode pre-shared-secret', `pre-shared-secret ${maskSecret ? '****************' : p.secret}`]]);
    if (p.connectionType !== 'initiate') t.push(`connection-type ${p.connectionType}`);
    if (p.description) t.push(`description ${p.description}`);
    if (p.forceEncapsulation) t.push('force-encapsulation enable');
    if (p.ikeGroup) t.push(`ike-group ${p.ikeGroup}`);
    if (p.localAddress !== null) t.push(`local-address ${formatIpv4(p.localAddress)}`);
    for (const tu of [...p.tunnels].sort((a, b) => a.id - b.id)) {
      const q: Tree = [];
      if (tu.espGroup) q.push(`esp-group ${tu.espGroup}`);
      if (tu.localPrefix) q.push(['local', [`prefix ${formatPrefix(tu.localPrefix)}`]]);
      if (tu.remotePrefix) q.push(['remote', [`prefix ${formatPrefix(tu.remotePrefix)}`]]);
      t.push([`tunnel ${tu.id}`, q]);
    }
    if (p.vti) {
      const q: Tree = [];
      if (p.vti.bind) q.push(`bind ${p.vti.bind}`);
      if (p.vti.espGroup) q.push(`esp-group ${p.vti.espGroup}`);
      t.push(['vti', q]);
    }
    s2s.push([`peer ${formatIpv4(p.addr)}`, t]);
  }
  if (s2s.length) ipsec.push(['site-to-site', s2s]);
  if (ipsec.length === 0) return '';
  const out: string[] = [];
  const ind = (level: number) => (level === 0 ? '' : ' '.repeat(3 + 4 * (level - 1)));
  const walk = (t: Tree, level: number) => {
    for (const n of t) {
      if (typeof n === 'string') out.push(`${ind(level)}${n}`);
      else {
        out.push(`${ind(level)}${n[0]} {`);
        walk(n[1], level + 1);
        out.push(`${ind(level)}}`);
      }
    }
  };
  walk([['ipsec', ipsec]], 0);
  return out.join('\n') + '\n';
}


// ---------------------------------------------------------------------------- capture

const frame = new Uint8Array(14 + 65536);
frame[12] = 0x08;

/** One line of `show interfaces vti vti0 capture`: the inner IPv4 packet as tcpdump -n prints it (no link header). */
export function captureLine(printer: TcpdumpPrinter, wallUs: number, buf: Uint8Array, off: number, len: number): string {
  frame.set(buf.subarray(off, off + len), 14);
  const data = frame.slice(0, 14 + len);
  return printer.format({ tsSec: Math.floor(wallUs / 1e6), tsUsec: wallUs % 1e6, caplen: data.length, origLen: data.length, data });
}
