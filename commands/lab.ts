// The embedded lab's exec commands: `lab show`, `lab request`, `lab service`, `lab ipip`,
// `lab dscp-vip` (and `lab ping`). They find the lab through the appliance's world.

import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import { RULE, SUBRULE, kv, table } from '../src/cli/render.js';
import { formatIpv4, formatMac, formatPrefix, parseIpv4, type Ipv4 } from '../src/net/addr.js';
import type { Host } from '../src/lab/host/host.js';
import { HttpService, type HttpResult } from '../src/lab/host/app.js';
import { LabWorld } from '../src/lab/world.js';

/** How long one `lab request` may take before it is reported as `timeout`. */
export const LAB_REQUEST_TIMEOUT_MS = 10_000;
const LAB_PING_TIMEOUT_MS = 2000;

const LAB_HELP: Readonly<Record<string, string>> = {
  lab: 'Embedded lab',
  show: 'Hosts, addresses, services and their state',
  request: 'HTTP GETs from a lab host',
  service: 'Start or stop a lab service',
  ipip: 'IP-in-IP decapsulation on a lab host',
  ping: 'ICMP echo from a lab host',
  http: 'The HTTP answers of a lab host\'s service',
  status: 'The status code it answers with',
  normal: 'Its normal answers',
  '<100-599>': 'HTTP status code',
  port: 'The service\'s port (default 80)',
  'dscp-vip': 'L3DSR with DSCP on a lab host: the VIP a DSCP value stands for',
  dscp: 'DSCP value (as the slb\'s dscp)',
  vip: 'The VIP (an address on the host\'s lo)',
  host: 'Lab host: its name or address',
  url: 'http://A.B.C.D[:PORT][/PATH] (or a lab host name instead of the address)',
  count: 'Number of requests',
  tcp: 'TCP service', udp: 'UDP service',
  up: 'Start it', down: 'Stop it',
  on: 'Decapsulate IP-in-IP', off: 'No IP-in-IP: answer ICMP protocol 4 unreachable',
  '<1-65535>': 'Port',
  dest: 'Address to ping',
};

function labOf(ctx: Ctx): LabWorld {
  const w = ctx.appliance.world;
  if (!(w instanceof LabWorld)) throw new CliError('% No lab is loaded');
  return w;
}

function hostOf(lab: LabWorld, name: string): Host {
  const h = lab.findHost(name);
  if (!h) throw new CliError(`% There is no lab host "${name}"`);
  return h;
}

export interface ParsedUrl {
  readonly addr: Ipv4;
  readonly port: number;
  readonly path: string;
  readonly hostHeader: string;
}

/** `http://HOST[:PORT][/PATH]` or `HOST[:PORT][/PATH]`; HOST is an address or a lab host's name. */
export function parseLabUrl(lab: LabWorld, text: string): ParsedUrl {
  const bad = () => new CliError(`% Invalid URL "${text}": use http://A.B.C.D[:PORT][/PATH]`);
  let rest = text;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(rest);
  if (scheme) {
    if (scheme[1]!.toLowerCase() !== 'http') throw new CliError(`% Only http:// URLs are supported, not "${text}"`);
    rest = rest.slice(scheme[0].length);
  }
  const m = /^([^/:?#]+)(?::(\d{1,5}))?([/?].*)?$/.exec(rest);
  if (!m) throw bad();
  const hostText = m[1]!;
  const port = m[2] === undefined ? 80 : Number(m[2]);
  if (port < 1 || port > 65535) throw new CliError(`% Invalid port ${m[2]} in URL "${text}"`);
  let path = m[3] ?? '/';
  if (path.startsWith('?')) path = `/${path}`;
  let addr = parseIpv4(hostText);
  if (addr === null) {
    if (/^\d+(\.\d+)*$/.test(hostText)) throw bad();
    const h = lab.host(hostText);
    if (!h) throw new CliError(`% There is no lab host "${hostText}" (in URL "${text}")`);
    addr = h.primaryAddress;
    if (addr === null) throw new CliError(`% Lab host ${hostText} has no address`);
  }
  return { addr, port, path, hostHeader: port === 80 ? hostText : `${hostText}:${port}` };
}

/** `0.6 ms` below 10 ms, else whole milliseconds. */
export function formatMs(ms: number): string {
  return ms < 10 ? `${(Math.round(ms * 10) / 10).toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** One line of `lab request`: `1 200 OK server1 (0.6 ms)` or `2 reset (0.3 ms)`. */
export function formatRequestLine(n: number, r: HttpResult): string {
  if (r.outcome !== 'ok') return `${n} ${r.outcome} (${formatMs(r.ms)})`;
  return `${n} ${[String(r.status), r.reason, r.server].filter((x) => x !== '').join(' ')} (${formatMs(r.ms)})`;
}

/** `total 4: server1 2, server2 2` (answers by server, then failures, in order of appearance). */
export function formatRequestSummary(results: readonly HttpResult[]): string {
  const counts = new Map<string, number>();
  for (const r of results) {
    const k = r.outcome === 'ok' ? (r.server || `${r.status}`) : r.outcome;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return `total ${results.length}: ${[...counts].map(([k, v]) => `${k} ${v}`).join(', ')}`;
}

export function showLab(lab: LabWorld): string {
  const hostRows: string[][] = [];
  for (const h of lab.hosts()) {
    let first = true;
    const row = (iface: string, addr: string, mac: string, link: string) => {
      hostRows.push([first ? h.name : '', first ? h.role : '', iface, addr, mac, link]);
      first = false;
    };
    for (const n of h.nics) {
      const link = n.end ? n.end.peer.label : '';
      if (n.addrs.length === 0) row(n.name, '', formatMac(n.mac), link);
      n.addrs.forEach((p, i) => row(i === 0 ? n.name : '', formatPrefix(p), i === 0 ? formatMac(n.mac) : '', i === 0 ? link : ''));
    }
    h.lo.addrs.forEach((p, i) => row(i === 0 ? 'lo' : '', formatPrefix(p), '', ''));
    if (first) row('', '', '', '');
  }
  const settingRows = lab.hosts().map((h) => [
    h.name,
    h.ip.defaultGateway === null ? '' : formatIpv4(h.ip.defaultGateway),
    h.ipip ? 'on' : 'off',
    String(h.arp.ignore),
    String(h.arp.announce),
    h.ip.forwarding ? 'on' : 'off',
    h.tcp.profile.name,
  ]);
  const serviceRows = lab.hosts().flatMap((h) => h.services.map((s) => [
    h.name, s.proto, String(s.port), s.kind, s.up ? 'up' : 'down', String(s.served),
  ]));
  const dscpRows = lab.hosts().flatMap((h) => [...h.dscpVips].sort(([a], [b]) => a - b).map(([dscp, vip]) => [
    h.name, String(dscp), `0x${(dscp << 2).toString(16).padStart(2, '0')}`, formatIpv4(vip),
  ]));
  const portRows = lab.connectedPorts().map((p) => [String(p), lab.appliancePort(p).peerLabel ?? '']);
  const lines = [
    RULE,
    `  LAB: ${lab.name}`,
    SUBRULE,
    kv(4, 21, 'Virtual Time', `${(lab.clock.now() / 1000).toFixed(3)} s`),
    kv(4, 21, 'Pacing', lab.pacing === 'instant' ? 'instant' : 'real time'),
    kv(4, 21, 'Seed', lab.seed),
    '',
    '    Hosts',
    ...table(['Name', 'Role', 'Interface', 'Address', 'MAC', 'Link'], hostRows, { indent: 7 }),
    '',
    '    Settings',
    ...table(['Host', 'Gateway', 'IP-in-IP', 'ARP-Ignore', 'ARP-Announce', 'Forwarding', 'TCP'], settingRows, { indent: 7 }),
    '',
    '    Services',
    ...(serviceRows.length ? table(['Host', 'Proto', 'Port', 'Kind', 'Status', 'Served'], serviceRows, { indent: 7 }) : ['       none']),
    '',
    '    DSCP -> VIP (L3DSR)',
    ...(dscpRows.length ? table(['Host', 'DSCP', 'TOS', 'VIP'], dscpRows, { indent: 7 }) : ['       none']),
    '',
    '    Appliance Ports',
    ...(portRows.length ? table(['Port', 'Link'], portRows, { indent: 7 }) : ['       none']),
    RULE,
  ];
  return `\n${lines.join('\n')}\n\n`;
}

export const labCommands = defineCommands<Ctx>([
  {
    syntax: 'lab show', modes: ['global'], privilege: 1, doc: 'The lab: hosts, addresses, services and their state',
    help: LAB_HELP,
    run: (ctx) => ctx.write(showLab(labOf(ctx))),
  },
  {
    syntax: 'lab request WORD$host WORD$url [count (1-1000)]', modes: ['global'],
    doc: 'HTTP GETs from a lab host, one line each: status and answering server, or reset/timeout/unreachable',
    help: LAB_HELP,
    run: async (ctx, a) => {
      const lab = labOf(ctx);
      const host = hostOf(lab, a.str('host'));
      const url = parseLabUrl(lab, a.str('url'));
      const count = a.optNum('count') ?? 1;
      const results: HttpResult[] = [];
      for (let i = 1; i <= count && !ctx.signal.aborted; i++) {
        const p = host.httpGet(
          { addr: url.addr, port: url.port, path: url.path, hostHeader: url.hostHeader },
          { timeoutMs: LAB_REQUEST_TIMEOUT_MS },
        );
        const r = await lab.settle(p, LAB_REQUEST_TIMEOUT_MS + 2000, ctx.signal);
        if (r === null) break; // aborted (or the lab was closed)
        results.push(r);
        ctx.print(formatRequestLine(i, r));
      }
      if (count > 1 && results.length > 0) ctx.print(formatRequestSummary(results));
    },
  },
  {
    syntax: 'lab service WORD$host <tcp|udp>$proto (1-65535)$port <up|down>$state', modes: ['global'],
    doc: 'Start or stop a lab service (a stopped TCP port answers RST, a stopped UDP port ICMP port unreachable)',
    help: LAB_HELP,
    run: (ctx, a) => {
      const lab = labOf(ctx);
      const host = hostOf(lab, a.str('host'));
      const proto = a.str('proto') as 'tcp' | 'udp';
      const port = a.num('port');
      const s = host.setService(proto, port, a.str('state') === 'up');
      if (!s) throw new CliError(`% ${host.name} has no ${proto} service on port ${port}`);
    },
  },
  {
    syntax: 'lab http WORD$host [port (1-65535)] status <normal|(100-599)$code>', modes: ['global'],
    doc: 'Make a lab HTTP server answer every GET with a status (normal: 200 for /, /index.html, /health, else 404)',
    help: { ...LAB_HELP, normal: 'Answer normally', status: 'The status to answer with' },
    run: (ctx, a) => {
      const host = hostOf(labOf(ctx), a.str('host'));
      const port = a.optNum('port') ?? 80;
      const s = host.service('tcp', port);
      if (!(s instanceof HttpService)) throw new CliError(`% ${host.name} has no HTTP service on port ${port}`);
      s.forcedStatus = a.optNum('code');
    },
  },
  {
    syntax: 'lab ipip WORD$host <on|off>$state', modes: ['global'],
    doc: 'IP-in-IP decapsulation on a lab host (off: it answers ICMP protocol 4 unreachable)',
    help: LAB_HELP,
    run: (ctx, a) => {
      const host = hostOf(labOf(ctx), a.str('host'));
      host.ipip = a.str('state') === 'on';
    },
  },
  {
    syntax: 'lab dscp-vip WORD$host (1-63)$dscp A.B.C.D$vip', modes: ['global'],
    doc: 'L3DSR with DSCP on a lab host: packets to its address marked with the DSCP are for the VIP (on its lo), answered from it',
    help: LAB_HELP,
    run: (ctx, a) => {
      const host = hostOf(labOf(ctx), a.str('host'));
      const vip = a.ip('vip');
      if (!host.lo.hasAddress(vip)) throw new CliError(`% ${formatIpv4(vip)} is not an address on the lo of lab host ${host.name}`);
      host.addDscpVip(a.num('dscp'), vip);
    },
  },
  {
    syntax: 'no lab dscp-vip WORD$host (1-63)$dscp', modes: ['global'],
    doc: 'Remove a lab host\'s DSCP -> VIP entry',
    help: LAB_HELP,
    run: (ctx, a) => {
      const host = hostOf(labOf(ctx), a.str('host'));
      const dscp = a.num('dscp');
      if (!host.removeDscpVip(dscp)) throw new CliError(`% Lab host ${host.name} has no DSCP ${dscp} entry`);
    },
  },
  {
    syntax: 'lab route WORD$host A.B.C.D/M$dest A.B.C.D$gateway', modes: ['global'],
    doc: 'Add a static route on a lab host (a router forwards along it)',
    help: { ...LAB_HELP, route: 'A static route on a lab host', 'A.B.C.D/M': 'Destination network', 'A.B.C.D': 'Gateway' },
    run: (ctx, a) => {
      const host = hostOf(labOf(ctx), a.str('host'));
      const gw = a.ip('gateway');
      if (!host.nics.some((n) => n.addressFor(gw) !== null)) throw new CliError(`% ${formatIpv4(gw)} is not on a network of lab host ${host.name}`);
      host.addRoute(a.prefix('dest'), gw);
    },
  },
  {
    syntax: 'lab address WORD$host WORD$nic A.B.C.D/M$address', modes: ['global'],
    doc: 'Add an address to a lab host\'s interface',
    help: { ...LAB_HELP, address: 'An address on a lab host interface', nic: 'Interface name (lab show lists them)', 'A.B.C.D/M': 'Address and prefix length' },
    run: (ctx, a) => {
      const host = hostOf(labOf(ctx), a.str('host'));
      const nic = host.nics.find((n) => n.name === a.str('nic'));
      if (nic === undefined) throw new CliError(`% Lab host ${host.name} has no interface ${a.str('nic')}`);
      const p = a.prefix('address');
      if (nic.hasAddress(p.addr)) throw new CliError(`% ${formatPrefix(p)} is already on ${host.name} ${nic.name}`);
      nic.addrs.push(p);
    },
  },
  {
    syntax: 'lab ping WORD$host A.B.C.D$dest [count (1-1000)]', modes: ['global'],
    doc: 'ICMP echo requests from a lab host, one line each',
    help: LAB_HELP,
    run: async (ctx, a) => {
      const lab = labOf(ctx);
      const host = hostOf(lab, a.str('host'));
      const dest = a.ip('dest');
      const count = a.optNum('count') ?? 1;
      for (let i = 1; i <= count && !ctx.signal.aborted; i++) {
        const r = await lab.settle(host.ping(dest, { timeoutMs: LAB_PING_TIMEOUT_MS }), LAB_PING_TIMEOUT_MS + 1000, ctx.signal);
        if (r === null) break;
        if (r.outcome === 'reply') ctx.print(`${i} reply from ${formatIpv4(r.from)} ttl ${r.ttl} (${formatMs(r.rttMs)})`);
        else if (r.outcome === 'unreachable') ctx.print(`${i} unreachable${r.from ? ` (from ${formatIpv4(r.from)})` : ''}`);
        else ctx.print(`${i} timeout`);
      }
    },
  },
]);
