// `show ip bgp ...` and `show ip route bgp` in file 003's layouts (the EdgeRouter's ZebOS-style
// output): column positions, status and origin codes, the neighbour report. Pure functions of
// plain views, so that the layouts are tested with the file's own figures.

import { formatIpv4, formatPrefix, type Prefix } from '../net/addr.js';
import { formatAsPath, type AsPath } from './as-path.js';
import { formatCommunities } from './community.js';
import type { Origin } from './wire/constants.js';

const ORIGIN_CODE: Readonly<Record<Origin, string>> = { 0: 'i', 1: 'e', 2: '?' };
const ORIGIN_NAME: Readonly<Record<Origin, string>> = { 0: 'IGP', 1: 'EGP', 2: 'incomplete' };

/** Appends `text` at column `col` (one space after what is there when the line is already longer). */
function at(line: string, col: number, text: string): string {
  return (line.length < col ? line.padEnd(col) : `${line} `) + text;
}

/** Appends `text` so that it ends at column `end` (one space after what is there, at least). */
function rightAt(line: string, end: number, text: string): string {
  return at(line, end - text.length, text);
}

/** `00:38:32` under a day, then `1d02h03m`, then `01w2d03h` (FRR's uptime). */
export function formatUptime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (s < 86400) return `${two(h)}:${two(m)}:${two(s % 60)}`;
  if (s < 7 * 86400) return `${d}d${two(h)}h${two(m)}m`;
  return `${two(Math.floor(d / 7))}w${d % 7}d${two(h)}h`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** ctime(3) in UTC: `Tue Jul  4 20:35:08 2017`. */
export function formatCtime(wallMs: number): string {
  const t = new Date(wallMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[t.getUTCDay()]} ${MONTHS[t.getUTCMonth()]} ${String(t.getUTCDate()).padStart(2)} ${two(t.getUTCHours())}:${two(t.getUTCMinutes())}:${two(t.getUTCSeconds())} ${t.getUTCFullYear()}`;
}

// ------------------------------------------------------------------ the table

/** One path of a prefix as a table row. */
export interface RouteRow {
  readonly prefix: Prefix;
  readonly valid: boolean;
  readonly best: boolean;
  readonly internal: boolean;
  readonly nextHop: number;
  readonly med: number | null;
  readonly localPref: number | null;
  readonly weight: number;
  readonly asPath: AsPath;
  readonly origin: Origin;
}

const LEGEND_FULL = [
  'Status codes: s suppressed, d damped, h history, * valid, > best, i - internal, l - labeled',
  '             S Stale',
  'Origin codes: i - IGP, e - EGP, ? - incomplete',
];
const LEGEND_NEIGHBOR = [
  'Status codes: s suppressed, d damped, h history, * valid, > best, i - internal',
  'Origin codes: i - IGP, e - EGP, ? - incomplete',
];
const TABLE_HEADER = '   Network          Next Hop            Metric    LocPrf       Weight Path';

/** Rows of one prefix: the network is printed on its first row only. */
function rowLines(rows: readonly RouteRow[]): string[] {
  const out: string[] = [];
  let last: string | null = null;
  for (const r of rows) {
    const net = formatPrefix(r.prefix);
    const status = `${r.valid ? '*' : ' '}${r.best ? '>' : ' '}${r.internal ? 'i' : ' '} `;
    let line = status;
    if (net !== last) {
      if (net.length >= 17) {
        out.push(status + net);
        line = ' '.repeat(21);
      } else line = status + net.padEnd(17);
    } else line = status.padEnd(21);
    last = net;
    line += formatIpv4(r.nextHop).padEnd(21);
    line += (r.med === null ? '' : String(r.med)).padEnd(9);
    line += (r.localPref === null ? '' : String(r.localPref)).padEnd(13);
    line += String(r.weight).padEnd(8);
    const path = formatAsPath(r.asPath);
    line += `${path} ${ORIGIN_CODE[r.origin]}`;
    out.push(line);
  }
  return out;
}

/** `show ip bgp`. */
export function formatBgpTable(version: number, routerId: number, rows: readonly RouteRow[], prefixes: number): string[] {
  return [
    `BGP table version is ${version}, local router ID is ${formatIpv4(routerId)}`,
    ...LEGEND_FULL,
    TABLE_HEADER,
    ...rowLines(rows),
    '',
    `Total number of prefixes ${prefixes}`,
  ];
}

/** `show ip bgp neighbors A received-routes|advertised-routes`. */
export function formatNeighborRoutes(version: number, routerId: number, rows: readonly RouteRow[]): string[] {
  return [
    `BGP table version is ${version}, local router ID is ${formatIpv4(routerId)}`,
    ...LEGEND_NEIGHBOR,
    TABLE_HEADER,
    ...rowLines(rows),
  ];
}

// ------------------------------------------------------------------ summary

export interface SummaryRow {
  readonly addr: number;
  readonly remoteAs: number;
  readonly msgsIn: number;
  readonly msgsOut: number;
  readonly tableVersion: number;
  readonly inQ: number;
  readonly outQ: number;
  /** `never`, or the time in the current state (Established) / since the last session. */
  readonly upDown: string;
  /** The prefix count when Established, else the state. */
  readonly stateOrPrefixes: string;
}

export interface SummaryView {
  readonly routerId: number;
  readonly asn: number;
  readonly version: number;
  readonly asPaths: number;
  readonly communities: number;
  readonly rows: readonly SummaryRow[];
}

export function formatBgpSummary(v: SummaryView): string[] {
  const out = [
    `BGP router identifier ${formatIpv4(v.routerId)}, local AS number ${v.asn}`,
    `BGP table version is ${v.version}`,
    `${v.asPaths} BGP AS-PATH entries`,
    `${v.communities} BGP community entries`,
    'Neighbor                 V   AS   MsgRcv    MsgSen TblVer   InQ   OutQ    Up/Down   State/PfxRcd',
  ];
  for (const r of v.rows) {
    let l = formatIpv4(r.addr).padEnd(25) + '4';
    l = rightAt(l, 32, String(r.remoteAs));
    l = at(l, 35, String(r.msgsIn));
    l = at(l, 46, String(r.msgsOut));
    l = at(l, 55, String(r.tableVersion));
    l = at(l, 62, String(r.inQ));
    l = at(l, 69, String(r.outQ));
    l = at(l, 72, r.upDown.padStart(8));
    l = rightAt(l, 96, r.stateOrPrefixes);
    out.push(l);
  }
  return out;
}

// ------------------------------------------------------------------ one prefix

export interface DetailPath {
  /** null: originated here. */
  readonly from: number | null;
  readonly fromRouterId: number;
  readonly nextHop: number;
  readonly origin: Origin;
  readonly med: number | null;
  readonly localPref: number;
  readonly weight: number;
  readonly asPath: AsPath;
  readonly communities: readonly number[] | null;
  readonly external: boolean;
  readonly best: boolean;
  readonly multipath: boolean;
  readonly updatedAt: number;
}

/** `show ip bgp A.B.C.D/M`: paths best first. */
export function formatBgpPrefix(prefix: Prefix, routerId: number, paths: readonly DetailPath[], advertisedTo: readonly number[]): string[] {
  const bestAt = paths.findIndex((p) => p.best);
  const out = [
    `BGP routing table entry for ${formatPrefix(prefix)}`,
    `Paths: (${paths.length} available, ${bestAt >= 0 ? `best #${bestAt + 1}` : 'no best path'}, table Default-IP-Routing-Table)`,
  ];
  if (advertisedTo.length > 0) out.push(' Advertised to non peer-group peers:', ` ${advertisedTo.map(formatIpv4).join(' ')}`);
  else out.push(' Not advertised to any peer');
  for (const p of paths) {
    out.push(` ${p.asPath.length === 0 ? 'Local' : formatAsPath(p.asPath)}`);
    const from = p.from === null ? '0.0.0.0' : formatIpv4(p.from);
    out.push(`   ${formatIpv4(p.nextHop)} from ${from} (${formatIpv4(p.from === null ? routerId : p.fromRouterId)})`);
    const f = [`Origin ${ORIGIN_NAME[p.origin]}`];
    if (p.med !== null) f.push(`metric ${p.med}`);
    f.push(`localpref ${p.localPref}`);
    if (p.weight !== 0) f.push(`weight ${p.weight}`);
    f.push('valid');
    if (p.from === null) f.push('sourced', 'local');
    else f.push(p.external ? 'external' : 'internal');
    if (p.multipath) f.push('multipath');
    if (p.best) f.push('best');
    out.push(`     ${f.join(', ')}`);
    if (p.communities !== null && p.communities.length > 0) out.push(`     Community: ${formatCommunities(p.communities)}`);
    out.push(`     Last update: ${formatCtime(p.updatedAt)}`);
  }
  return out;
}

// ------------------------------------------------------------------ neighbours

export interface NeighborView {
  readonly addr: number;
  readonly remoteAs: number;
  readonly localAs: number;
  readonly external: boolean;
  readonly remoteRouterId: number;
  readonly state: string;
  readonly upFor: string | null;
  readonly lastRead: string;
  /** Negotiated (Established) or configured timers, seconds. */
  readonly holdTime: number;
  readonly keepalive: number;
  readonly configuredHold: number;
  readonly configuredKeepalive: number;
  /** Present when Established. */
  readonly caps: {
    readonly routeRefresh: 'new' | 'old' | 'old & new' | null;
    readonly fourOctet: boolean;
    readonly ipv4Unicast: boolean;
    readonly ipv6Unicast: boolean;
    readonly gracefulRestart: boolean;
  } | null;
  readonly msgsIn: number;
  readonly msgsOut: number;
  readonly notificationsIn: number;
  readonly notificationsOut: number;
  readonly refreshIn: number;
  readonly refreshOut: number;
  readonly advertisementInterval: number;
  readonly updateSource: number | null;
  readonly tableVersion: number;
  readonly neighborVersion: number;
  readonly index: number;
  readonly softReconfig: boolean;
  readonly prefixListIn: string | null;
  readonly prefixListOut: string | null;
  readonly accepted: number;
  readonly announced: number;
  readonly established: number;
  readonly dropped: number;
  readonly lastReset: string | null;
  readonly multihop: number | null;
  readonly connection: { readonly local: number; readonly lport: number; readonly remote: number; readonly rport: number } | null;
  readonly sharedNetwork: boolean;
}

function capText(sent: boolean, received: boolean): string {
  return sent && received ? 'advertised and received' : sent ? 'advertised' : 'received';
}

export function formatNeighbor(v: NeighborView): string[] {
  const out = [
    `BGP neighbor is ${formatIpv4(v.addr)}, remote AS ${v.remoteAs}, local AS ${v.localAs}, ${v.external ? 'external' : 'internal'} link`,
    ` BGP version 4, remote router ID ${formatIpv4(v.remoteRouterId)}`,
    ` BGP state = ${v.state}${v.upFor !== null ? `, up for ${v.upFor}` : ''}`,
    ` Last read ${v.lastRead}, hold time is ${v.holdTime}, keepalive interval is ${v.keepalive} seconds`,
    ` Configured hold time is ${v.configuredHold}, keepalive interval is ${v.configuredKeepalive} seconds`,
  ];
  if (v.caps !== null) {
    const c = v.caps;
    out.push(' Neighbor capabilities:');
    out.push(`   Route refresh: ${capText(true, c.routeRefresh !== null)}${c.routeRefresh ? ` (${c.routeRefresh})` : ''}`);
    out.push(`   4-Octet ASN Capability: ${capText(true, c.fourOctet)}`);
    out.push(`   Address family IPv4 Unicast: ${capText(true, c.ipv4Unicast)}`);
    if (c.ipv6Unicast) out.push('   Address family IPv6 Unicast: received');
  }
  out.push(
    ` Received ${v.msgsIn} messages, ${v.notificationsIn} notifications, 0 in queue`,
    ` Sent ${v.msgsOut} messages, ${v.notificationsOut} notifications, 0 in queue`,
    ` Route refresh request: received ${v.refreshIn}, sent ${v.refreshOut}`,
    ` Minimum time between advertisement runs is ${v.advertisementInterval} seconds`,
  );
  if (v.updateSource !== null) out.push(` Update source is ${formatIpv4(v.updateSource)}`);
  out.push('For address family: IPv4 Unicast');
  out.push(` BGP table version ${v.tableVersion}, neighbor version ${v.neighborVersion}`);
  out.push(` Index ${v.index}, Offset ${v.index >>> 5}, Mask 0x${((1 << (v.index & 31)) >>> 0).toString(16)}`);
  if (v.caps?.gracefulRestart) out.push('   Graceful restart: received');
  if (v.softReconfig) out.push(' Inbound soft reconfiguration allowed');
  out.push(' Community attribute sent to this neighbor (both)');
  if (v.prefixListIn !== null) out.push(' Inbound path policy configured');
  if (v.prefixListOut !== null) out.push(' Outbound path policy configured');
  if (v.prefixListIn !== null) out.push(` Incoming update prefix filter list is *${v.prefixListIn}`);
  if (v.prefixListOut !== null) out.push(` Outgoing update prefix filter list is *${v.prefixListOut}`);
  out.push(` ${v.accepted} accepted prefixes`, ` ${v.announced} announced prefixes`);
  out.push(`Connections established ${v.established}; dropped ${v.dropped}`);
  if (v.lastReset !== null && v.upFor === null) out.push(` Last reset due to ${v.lastReset}`);
  if (v.external && v.multihop !== null && v.multihop > 1) out.push(` External BGP neighbor may be up to ${v.multihop} hops away.`);
  if (v.connection !== null) {
    const c = v.connection;
    out.push(
      `Local host: ${formatIpv4(c.local)}, Local port: ${c.lport}`,
      `Foreign host: ${formatIpv4(c.remote)}, Foreign port: ${c.rport}`,
      `Nexthop: ${formatIpv4(c.local)}`,
      'Nexthop global: ::',
      'Nexthop local: ::',
      `BGP connection: ${v.sharedNetwork ? 'shared network' : 'non shared network'}`,
    );
  }
  return out;
}

// ------------------------------------------------------------------ show ip route bgp

export interface BgpRouteView {
  readonly prefix: Prefix;
  readonly selected: boolean;
  readonly distance: number;
  readonly metric: number;
  /** Per path: the BGP next hop and how it is reached (gateway 0: directly connected). */
  readonly hops: readonly { readonly bgpNextHop: number; readonly gw: number; readonly ifName: string }[];
  readonly ageMs: number;
}

export function formatRouteBgp(routes: readonly BgpRouteView[]): string[] {
  const out = ['IP Route Table for VRF "default"'];
  for (const r of routes) {
    const lead = `B    ${r.selected ? '*>' : '  '} ${formatPrefix(r.prefix)} [${r.distance}/${r.metric}] `;
    r.hops.forEach((h, i) => {
      const how = h.gw === 0 || h.gw === h.bgpNextHop ? `is directly connected, ${h.ifName}` : `via ${formatIpv4(h.gw)}, ${h.ifName}`;
      const text = `via ${formatIpv4(h.bgpNextHop)} (recursive ${how}) ), ${formatUptime(r.ageMs)}`;
      out.push((i === 0 ? lead : ' '.repeat(lead.length)) + text);
    });
  }
  return out;
}

