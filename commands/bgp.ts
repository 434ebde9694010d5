// BGP: `router bgp N` (sub-mode), `ip prefix-list`, the `show ip bgp ...` family in file 003's
// layouts, `show ip route bgp`, `clear ip bgp`.

import { defineCommands } from '../src/cli/grammar/command.js';
import type { Args } from '../src/cli/grammar/args.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import {
  BGP_DEFAULT_HOLD_TIME, BGP_DEFAULT_KEEPALIVE, BGP_MAX_PATHS, REDISTRIBUTE_SOURCES, ROUTER_BGP, newNeighbor, withNeighbor, withPrefixList,
  withPrefixRule, type BgpConfig, type BgpNeighborConfig, type PrefixAction, type PrefixListConfig, type Redistribute,
} from '../src/config/bgp.js';
import type { RunningConfig } from '../src/config/model.js';
import { bgpOf } from '../src/bgp/appliance.js';
import {
  formatBgpPrefix, formatBgpSummary, formatBgpTable, formatNeighbor, formatNeighborRoutes, formatRouteBgp,
} from '../src/bgp/show.js';
import type { BgpSpeaker } from '../src/bgp/speaker.js';
import { advertisedRows, neighborView, prefixPaths, receivedRows, routeViews, summaryView, tableRows } from '../src/bgp/views.js';
import { formatIpv4, formatPrefix, networkOf, type Ipv4, type Prefix } from '../src/net/addr.js';
import { checkDescription, MAX_DESCRIPTION } from './common.js';
import { quote } from './quote.js';

const net = (p: Prefix): Prefix => ({ addr: networkOf(p), len: p.len });
const ASN = '(1-4294967295)';

const NEIGHBOR_HELP = { neighbor: 'A BGP neighbor (peer)', 'A.B.C.D': 'The neighbor\'s address' };

/** Stages a change of neighbor `a.ip('neighbor')` in the `router bgp` sub-mode. */
function stageNeighbor(ctx: Ctx, a: Args, what: string, change: (n: BgpNeighborConfig) => BgpNeighborConfig): void {
  ctx.stage(ROUTER_BGP, `neighbor ${what}`, (b) => withNeighbor(b, a.ip('neighbor'), change));
}

/** `no neighbor A SETTING`: the setting back to its default. */
function noNeighbor(setting: string, doc: string, reset: (n: BgpNeighborConfig, d: BgpNeighborConfig) => BgpNeighborConfig, help: Record<string, string> = {}) {
  return {
    syntax: `no neighbor A.B.C.D ${setting}`, modes: ['router-bgp'], doc, help: { ...NEIGHBOR_HELP, ...help },
    run: (ctx: Ctx, a: Args) => ctx.stage(ROUTER_BGP, `neighbor ${setting.split(' ')[0]}`, (b) => {
      const addr = a.ip('neighbor');
      if (!b.neighbors.some((n) => n.addr === addr)) throw new CliError(`% There is no neighbor ${formatIpv4(addr)}`);
      return withNeighbor(b, addr, (n) => reset(n, newNeighbor(addr)));
    }),
  };
}

export const bgpConfigCommands = defineCommands<Ctx>([
  {
    syntax: `router bgp ${ASN}`, modes: ['config'], doc: 'Configure the BGP speaker (one per appliance, in its AS)',
    help: { router: 'Routing protocol', bgp: 'Border Gateway Protocol', '<1-4294967295>': 'The AS number of this appliance' },
    run: (ctx, a) => {
      const asn = a.num('bgp');
      const cur = ctx.cfg.bgp;
      if (cur !== null && cur.asn !== asn) throw new CliError(`% BGP is already running in AS ${cur.asn}`);
      ctx.session.enterSubmode(ROUTER_BGP, asn, ctx);
    },
  },
  {
    syntax: `no router bgp ${ASN}`, modes: ['config'], doc: 'Remove the BGP speaker (its sessions end)',
    help: { router: 'Routing protocol', bgp: 'Border Gateway Protocol', '<1-4294967295>': 'The AS number of this appliance' },
    run: (ctx, a) => {
      if (ctx.cfg.bgp?.asn !== a.num('bgp')) throw new CliError(`% BGP is not running in AS ${a.num('bgp')}`);
      ctx.commit(ROUTER_BGP.remove(ctx.cfg, a.num('bgp')));
    },
  },
  {
    syntax: 'bgp router-id A.B.C.D', modes: ['router-bgp'], doc: 'The BGP identifier (default: the highest loopback, else interface, address)',
    help: { bgp: 'BGP settings', 'router-id': 'The router identifier', 'A.B.C.D': 'Identifier, written as an address' },
    run: (ctx, a) => ctx.stage(ROUTER_BGP, 'bgp router-id', (b) => ({ ...b, routerId: a.ip('router-id') })),
  },
  {
    syntax: 'no bgp router-id', modes: ['router-bgp'], doc: 'Choose the router id from the interface addresses',
    help: { bgp: 'BGP settings', 'router-id': 'The router identifier' },
    run: (ctx) => ctx.stage(ROUTER_BGP, 'bgp router-id', (b) => ({ ...b, routerId: null })),
  },
  {
    syntax: 'timers bgp (0-65535)$keepalive (0-65535)$holdtime', modes: ['router-bgp'], doc: 'Keepalive interval and hold time of every session (default 60 180)',
    help: { timers: 'BGP timers', bgp: 'Session timers', keepalive: 'Keepalive interval, seconds', holdtime: 'Hold time, seconds (0: none, else at least 3)' },
    run: (ctx, a) => ctx.stage(ROUTER_BGP, 'timers', (b) => ({ ...b, keepalive: a.num('keepalive'), holdTime: a.num('holdtime') })),
  },
  {
    syntax: 'no timers bgp', modes: ['router-bgp'], doc: 'Default timers (keepalive 60, hold time 180)',
    help: { timers: 'BGP timers', bgp: 'Session timers' },
    run: (ctx) => ctx.stage(ROUTER_BGP, 'timers', (b) => ({ ...b, keepalive: BGP_DEFAULT_KEEPALIVE, holdTime: BGP_DEFAULT_HOLD_TIME })),
  },
  {
    syntax: `maximum-paths [ibgp] (1-${BGP_MAX_PATHS})$paths`, modes: ['router-bgp'], doc: 'Equal paths installed together as ECMP (eBGP; ibgp: iBGP)',
    help: { 'maximum-paths': 'ECMP: paths installed per prefix', ibgp: 'For routes learned by iBGP', paths: 'Paths' },
    run: (ctx, a) => ctx.stage(ROUTER_BGP, 'maximum-paths', (b) => (a.has('ibgp') ? { ...b, maximumPathsIbgp: a.num('paths') } : { ...b, maximumPaths: a.num('paths') })),
  },
  {
    syntax: 'no maximum-paths [ibgp]', modes: ['router-bgp'], doc: 'One path per prefix',
    help: { 'maximum-paths': 'ECMP: paths installed per prefix', ibgp: 'For routes learned by iBGP' },
    run: (ctx, a) => ctx.stage(ROUTER_BGP, 'maximum-paths', (b) => (a.has('ibgp') ? { ...b, maximumPathsIbgp: 1 } : { ...b, maximumPaths: 1 })),
  },
  {
    syntax: 'network A.B.C.D/M', modes: ['router-bgp'], doc: 'Announce a network while the routing table holds exactly that prefix',
    help: { network: 'Announce a network', 'A.B.C.D/M': 'The network' },
    run: (ctx, a) => ctx.stage(ROUTER_BGP, 'network', (b) => {
      const p = net(a.prefix('network'));
      return b.networks.some((x) => formatPrefix(x) === formatPrefix(p)) ? b : { ...b, networks: [...b.networks, p] };
    }),
  },
  {
    syntax: 'no network A.B.C.D/M', modes: ['router-bgp'], doc: 'Stop announcing a network',
    help: { network: 'Announce a network', 'A.B.C.D/M': 'The network' },
    run: (ctx, a) => ctx.stage(ROUTER_BGP, 'network', (b) => {
      const t = formatPrefix(net(a.prefix('network')));
      if (!b.networks.some((x) => formatPrefix(x) === t)) throw new CliError(`% There is no network ${t}`);
      return { ...b, networks: b.networks.filter((x) => formatPrefix(x) !== t) };
    }),
  },
  {
    syntax: `redistribute <${REDISTRIBUTE_SOURCES.join('|')}>`, modes: ['router-bgp'], doc: 'Announce the connected networks, the static routes, or the VIPs of healthy services (/32)',
    help: { redistribute: 'Announce routes of another source', connected: 'Connected networks of the interfaces', static: 'Static routes',
      slb: 'Each VIP as a /32 while its service is ACT (withdrawn when it goes DEACT)' },
    run: (ctx, a) => ctx.stage(ROUTER_BGP, 'redistribute', (b) => {
      const s = a.str('redistribute') as Redistribute;
      return b.redistribute.includes(s) ? b : { ...b, redistribute: REDISTRIBUTE_SOURCES.filter((x) => x === s || b.redistribute.includes(x)) };
    }),
  },
  {
    syntax: `no redistribute <${REDISTRIBUTE_SOURCES.join('|')}>`, modes: ['router-bgp'], doc: 'Stop announcing routes of a source',
    help: { redistribute: 'Announce routes of another source', connected: 'Connected networks', static: 'Static routes', slb: 'VIPs of healthy services' },
    run: (ctx, a) => ctx.stage(ROUTER_BGP, 'redistribute', (b) => ({ ...b, redistribute: b.redistribute.filter((x) => x !== a.str('redistribute')) })),
  },
  {
    syntax: `neighbor A.B.C.D remote-as ${ASN}`, modes: ['router-bgp'], doc: 'Add a neighbor (eBGP when its AS differs from ours, else iBGP)',
    help: { ...NEIGHBOR_HELP, 'remote-as': 'The neighbor\'s AS', '<1-4294967295>': 'AS number' },
    run: (ctx, a) => stageNeighbor(ctx, a, 'remote-as', (n) => ({ ...n, remoteAs: a.num('remote-as') })),
  },
  {
    syntax: 'no neighbor A.B.C.D', modes: ['router-bgp'], doc: 'Remove a neighbor (its session ends)', help: NEIGHBOR_HELP,
    run: (ctx, a) => ctx.stage(ROUTER_BGP, 'neighbor', (b) => {
      const addr = a.ip('neighbor');
      if (!b.neighbors.some((n) => n.addr === addr)) throw new CliError(`% There is no neighbor ${formatIpv4(addr)}`);
      return { ...b, neighbors: b.neighbors.filter((n) => n.addr !== addr) };
    }),
  },
  {
    syntax: 'neighbor A.B.C.D description LINE', modes: ['router-bgp'], doc: 'Describe a neighbor',
    help: { ...NEIGHBOR_HELP, description: 'Describe the neighbor', LINE: `Free text (up to ${MAX_DESCRIPTION} characters)` },
    run: (ctx, a) => stageNeighbor(ctx, a, 'description', (n) => ({ ...n, description: checkDescription(a.str('description')) })),
  },
  noNeighbor('description', 'Remove a neighbor\'s description', (n, d) => ({ ...n, description: d.description }), { description: 'Describe the neighbor' }),
  {
    syntax: 'neighbor A.B.C.D ebgp-multihop [(1-255)]', modes: ['router-bgp'], doc: 'An eBGP neighbor not directly connected: the TTL of the session (default 255)',
    help: { ...NEIGHBOR_HELP, 'ebgp-multihop': 'Allow an eBGP neighbor on a network not directly connected', '<1-255>': 'Most hops (the TTL)' },
    run: (ctx, a) => stageNeighbor(ctx, a, 'ebgp-multihop', (n) => ({ ...n, ebgpMultihop: a.optNum('ebgp-multihop') ?? 255 })),
  },
  noNeighbor('ebgp-multihop', 'eBGP neighbor directly connected (TTL 1)', (n, d) => ({ ...n, ebgpMultihop: d.ebgpMultihop }), { 'ebgp-multihop': 'eBGP neighbor not directly connected' }),
  {
    syntax: 'neighbor A.B.C.D update-source A.B.C.D$source', modes: ['router-bgp'], doc: 'The source address of the session (an address of this appliance)',
    help: { ...NEIGHBOR_HELP, 'update-source': 'Source address of the session', source: 'One of this appliance\'s addresses' },
    run: (ctx, a) => stageNeighbor(ctx, a, 'update-source', (n) => ({ ...n, updateSource: a.ip('source') })),
  },
  noNeighbor('update-source', 'The session\'s source is the egress interface\'s address', (n, d) => ({ ...n, updateSource: d.updateSource }), { 'update-source': 'Source address of the session' }),
  {
    syntax: 'neighbor A.B.C.D soft-reconfiguration inbound', modes: ['router-bgp'], doc: 'Keep what the neighbor sends before policy (received-routes; policy changes without a refresh)',
    help: { ...NEIGHBOR_HELP, 'soft-reconfiguration': 'Per-neighbor soft reconfiguration', inbound: 'Keep the routes received, before policy' },
    run: (ctx, a) => stageNeighbor(ctx, a, 'soft-reconfiguration', (n) => ({ ...n, softReconfigInbound: true })),
  },
  noNeighbor('soft-reconfiguration inbound', 'Keep only the routes accepted', (n) => ({ ...n, softReconfigInbound: false }),
    { 'soft-reconfiguration': 'Per-neighbor soft reconfiguration', inbound: 'Keep the routes received, before policy' }),
  {
    syntax: 'neighbor A.B.C.D prefix-list NAME <in|out>$direction', modes: ['router-bgp'], doc: 'Filter the routes received (in) or announced (out) with a prefix list',
    help: { ...NEIGHBOR_HELP, 'prefix-list': 'Filter with a prefix list', NAME: 'The prefix list', in: 'Routes received from the neighbor', out: 'Routes announced to the neighbor' },
    run: (ctx, a) => stageNeighbor(ctx, a, 'prefix-list', (n) => (a.str('direction') === 'in' ? { ...n, prefixListIn: a.str('prefix-list') } : { ...n, prefixListOut: a.str('prefix-list') })),
  },
  {
    syntax: 'no neighbor A.B.C.D prefix-list <in|out>$direction', modes: ['router-bgp'], doc: 'Stop filtering with a prefix list',
    help: { ...NEIGHBOR_HELP, 'prefix-list': 'Filter with a prefix list', in: 'Routes received from the neighbor', out: 'Routes announced to the neighbor' },
    run: (ctx, a) => stageNeighbor(ctx, a, 'prefix-list', (n) => (a.str('direction') === 'in' ? { ...n, prefixListIn: null } : { ...n, prefixListOut: null })),
  },
  {
    syntax: 'neighbor A.B.C.D timers (0-65535)$keepalive (0-65535)$holdtime', modes: ['router-bgp'], doc: 'This neighbor\'s keepalive interval and hold time',
    help: { ...NEIGHBOR_HELP, timers: 'Timers of this neighbor', keepalive: 'Keepalive interval, seconds', holdtime: 'Hold time, seconds (0: none, else at least 3)' },
    run: (ctx, a) => stageNeighbor(ctx, a, 'timers', (n) => ({ ...n, keepalive: a.num('keepalive'), holdTime: a.num('holdtime') })),
  },
  {
    syntax: 'neighbor A.B.C.D timers connect (1-65535)', modes: ['router-bgp'], doc: 'Seconds between connection attempts (default 120)',
    help: { ...NEIGHBOR_HELP, timers: 'Timers of this neighbor', connect: 'Connect-retry interval', '<1-65535>': 'Seconds' },
    run: (ctx, a) => stageNeighbor(ctx, a, 'timers connect', (n) => ({ ...n, connectRetry: a.num('connect') })),
  },
  noNeighbor('timers', 'The speaker\'s timers for this neighbor', (n, d) => ({ ...n, keepalive: d.keepalive, holdTime: d.holdTime, connectRetry: d.connectRetry }), { timers: 'Timers of this neighbor' }),
  {
    syntax: 'neighbor A.B.C.D advertisement-interval (0-600)', modes: ['router-bgp'], doc: 'Least seconds between announcements to the neighbor (default 30 eBGP, 5 iBGP); withdrawals go at once',
    help: { ...NEIGHBOR_HELP, 'advertisement-interval': 'Minimum interval between announcements', '<0-600>': 'Seconds' },
    run: (ctx, a) => stageNeighbor(ctx, a, 'advertisement-interval', (n) => ({ ...n, advertisementInterval: a.num('advertisement-interval') })),
  },
  noNeighbor('advertisement-interval', 'The default interval between announcements', (n, d) => ({ ...n, advertisementInterval: d.advertisementInterval }), { 'advertisement-interval': 'Minimum interval between announcements' }),
  {
    syntax: 'neighbor A.B.C.D weight (0-65535)', modes: ['router-bgp'], doc: 'Weight of the neighbor\'s routes (best path: higher first)',
    help: { ...NEIGHBOR_HELP, weight: 'Weight of the routes learned from the neighbor', '<0-65535>': 'Weight' },
    run: (ctx, a) => stageNeighbor(ctx, a, 'weight', (n) => ({ ...n, weight: a.num('weight') })),
  },
  noNeighbor('weight', 'Weight 0', (n, d) => ({ ...n, weight: d.weight }), { weight: 'Weight of the routes learned from the neighbor' }),
  ...(['next-hop-self', 'passive', 'shutdown'] as const).flatMap((w) => {
    const field = ({ 'next-hop-self': 'nextHopSelf', passive: 'passive', shutdown: 'shutdown' } as const)[w];
    const what = {
      'next-hop-self': 'iBGP: announce routes with this appliance as the next hop', passive: 'Never open the session, only accept it',
      shutdown: 'Stop the session (Cease) and keep it down',
    }[w];
    return [
      { syntax: `neighbor A.B.C.D ${w}`, modes: ['router-bgp'], doc: what, help: { ...NEIGHBOR_HELP, [w]: what },
        run: (ctx: Ctx, a: Args) => stageNeighbor(ctx, a, w, (n) => ({ ...n, [field]: true })) },
      noNeighbor(w, `Undo ${w}`, (n) => ({ ...n, [field]: false }), { [w]: what }),
    ];
  }),
  {
    syntax: 'ip prefix-list NAME seq (1-4294967295) <permit|deny>$action A.B.C.D/M$prefix [ge (1-32)] [le (1-32)] [description LINE]', modes: ['config'],
    doc: 'Add or change a rule of a prefix list (rules apply in sequence order; no match denies)',
    help: {
      ip: 'IPv4 settings', 'prefix-list': 'A prefix list', NAME: 'The list\'s name', seq: 'The rule\'s sequence number', '<1-4294967295>': 'Sequence number',
      permit: 'Prefixes that match pass', deny: 'Prefixes that match are refused', prefix: 'The network', ge: 'Match lengths from this one',
      le: 'Match lengths up to this one', '<1-32>': 'Prefix length', description: 'Describe the rule', LINE: `Free text (up to ${MAX_DESCRIPTION} characters)`,
    },
    run: (ctx, a) => {
      const desc = a.optStr('description');
      ctx.commit(withPrefixRule(ctx.cfg, a.str('prefix-list'), a.num('seq'), (r) => ({
        ...r, action: a.str('action') as PrefixAction, prefix: net(a.prefix('prefix')), ge: a.optNum('ge'), le: a.optNum('le'),
        description: desc === null ? '' : checkDescription(desc),
      })));
    },
  },
  {
    syntax: 'ip prefix-list NAME description LINE', modes: ['config'], doc: 'Describe a prefix list',
    help: { ip: 'IPv4 settings', 'prefix-list': 'A prefix list', NAME: 'The list\'s name', description: 'Describe the list', LINE: `Free text (up to ${MAX_DESCRIPTION} characters)` },
    run: (ctx, a) => {
      const name = a.str('prefix-list');
      const l = ctx.cfg.prefixLists.find((x) => x.name === name) ?? { name, description: '', rules: [] };
      ctx.commit(withPrefixList(ctx.cfg, { ...l, description: checkDescription(a.str('description')) }));
    },
  },
  {
    syntax: 'no ip prefix-list NAME [seq (1-4294967295)]', modes: ['config'], doc: 'Remove a prefix list, or one of its rules',
    help: { ip: 'IPv4 settings', 'prefix-list': 'A prefix list', NAME: 'The list\'s name', seq: 'Only this rule', '<1-4294967295>': 'Sequence number' },
    run: (ctx, a) => {
      const name = a.str('prefix-list');
      const l = ctx.cfg.prefixLists.find((x) => x.name === name);
      if (!l) throw new CliError(`% There is no prefix-list ${name}`);
      const seq = a.optNum('seq');
      if (seq === null) {
        ctx.commit({ ...ctx.cfg, prefixLists: ctx.cfg.prefixLists.filter((x) => x.name !== name) });
        return;
      }
      if (!l.rules.some((r) => r.seq === seq)) throw new CliError(`% prefix-list ${name} has no rule ${seq}`);
      ctx.commit(withPrefixList(ctx.cfg, { ...l, rules: l.rules.filter((r) => r.seq !== seq) }));
    },
  },
]);

// ---------------------------------------------------------------------------- show and clear

function speakerOf(ctx: Ctx): BgpSpeaker {
  const s = bgpOf(ctx.appliance);
  if (s === null || s.cfg === null || ctx.cfg.bgp === null) throw new CliError('% BGP is not configured (router bgp)');
  return s;
}

function peerOf(s: BgpSpeaker, addr: Ipv4) {
  const p = s.peers.get(addr >>> 0);
  if (!p) throw new CliError(`% No such neighbor ${formatIpv4(addr)}`);
  return p;
}

function connectedPrefixes(cfg: RunningConfig): Prefix[] {
  return cfg.interfaces.flatMap((i) => (i.address ? [{ addr: networkOf(i.address), len: i.address.len }] : []));
}

function neighborsText(ctx: Ctx, only: Ipv4 | null): string[] {
  const s = speakerOf(ctx);
  const out: string[] = [];
  let index = 0;
  for (const p of s.peers.values()) {
    index++;
    if (only !== null && p.addr !== only >>> 0) continue;
    if (out.length) out.push('');
    out.push(...formatNeighbor(neighborView(s, p, index, connectedPrefixes(ctx.cfg))));
  }
  if (only !== null && out.length === 0) throw new CliError(`% No such neighbor ${formatIpv4(only)}`);
  return out;
}

/** `show ip route bgp` (ip-route.ts hands it over): file 003's layout. */
export function showRouteBgp(ctx: Ctx): string {
  const s = bgpOf(ctx.appliance);
  const r = ctx.appliance.runtime.routing();
  if (r === null) throw new CliError('% The packet engine is not running');
  const views = s === null ? [] : routeViews(s, r.rib, (i) => r.interfaceName(i));
  return `${formatRouteBgp(views).join('\n')}\n`;
}

export const bgpShowCommands = defineCommands<Ctx>([
  {
    syntax: 'show ip bgp', modes: ['global'], privilege: 1, doc: 'The BGP table: every path of every prefix, * valid, > best',
    help: { ip: 'IPv4', bgp: 'BGP' },
    run: (ctx) => {
      const s = speakerOf(ctx);
      ctx.print(...formatBgpTable(s.locRib.version, s.routerId, tableRows(s), s.locRib.size));
    },
  },
  {
    syntax: 'show ip bgp summary', modes: ['global'], privilege: 1, doc: 'The BGP speaker and one line per neighbor: state, messages, prefixes received',
    help: { ip: 'IPv4', bgp: 'BGP', summary: 'One line per neighbor' },
    run: (ctx) => ctx.print(...formatBgpSummary(summaryView(speakerOf(ctx)))),
  },
  {
    syntax: 'show ip bgp A.B.C.D/M', modes: ['global'], privilege: 1, doc: 'Every path of one prefix in detail',
    help: { ip: 'IPv4', bgp: 'BGP', 'A.B.C.D/M': 'The prefix' },
    run: (ctx, a) => {
      const s = speakerOf(ctx);
      const p = net(a.prefix('bgp'));
      const v = prefixPaths(s, p);
      if (v === null) throw new CliError('% Network not in table');
      ctx.print(...formatBgpPrefix(p, s.routerId, v.paths, v.advertisedTo));
    },
  },
  {
    syntax: 'show ip bgp neighbors [A.B.C.D]', modes: ['global'], privilege: 1, doc: 'The neighbors\' sessions in detail: state, timers, capabilities, counters, policy',
    help: { ip: 'IPv4', bgp: 'BGP', neighbors: 'BGP neighbors', 'A.B.C.D': 'One neighbor' },
    run: (ctx, a) => ctx.print(...neighborsText(ctx, a.optIp('neighbors'))),
  },
  {
    syntax: 'show ip bgp neighbors A.B.C.D <received-routes|advertised-routes>$which', modes: ['global'], privilege: 1,
    doc: 'The routes a neighbor sent (before policy: needs soft-reconfiguration inbound) or was sent',
    help: { ip: 'IPv4', bgp: 'BGP', neighbors: 'BGP neighbors', 'A.B.C.D': 'The neighbor', 'received-routes': 'What the neighbor sent, before policy',
      'advertised-routes': 'What was announced to the neighbor' },
    run: (ctx, a) => {
      const s = speakerOf(ctx);
      const p = peerOf(s, a.ip('neighbors'));
      if (a.str('which') === 'received-routes') {
        if (!p.cfg.softReconfigInbound) throw new CliError('% Inbound soft reconfiguration not enabled');
        ctx.print(...formatNeighborRoutes(s.locRib.version, s.routerId, receivedRows(s, p)));
      } else {
        ctx.print(...formatNeighborRoutes(s.locRib.version, s.routerId, advertisedRows(s, p)));
      }
    },
  },
  {
    syntax: 'show ip prefix-list [NAME]', modes: ['global'], privilege: 1, doc: 'The prefix lists and their rules',
    help: { ip: 'IPv4', 'prefix-list': 'Prefix lists', NAME: 'One list' },
    run: (ctx, a) => {
      const name = a.optStr('prefix-list');
      const lists = ctx.cfg.prefixLists.filter((l) => name === null || l.name === name);
      if (name !== null && lists.length === 0) throw new CliError(`% There is no prefix-list ${name}`);
      const out: string[] = [];
      for (const l of lists) {
        out.push(`ip prefix-list ${l.name}: ${l.rules.length} entries${l.description ? `, description: ${l.description}` : ''}`);
        for (const r of l.rules) out.push(`   ${prefixRuleText(r)}`);
      }
      ctx.print(...out);
    },
  },
  ...(['A.B.C.D', 'all'] as const).map((who) => ({
    syntax: `clear ip bgp ${who} [soft [<in|out>]]`, modes: ['exec'],
    doc: who === 'all'
      ? 'Reset every session, or apply the policy again to every neighbor (soft)'
      : 'Reset a session (Cease), or apply the policy again (soft: in from the kept routes or by ROUTE-REFRESH, out by sending again)',
    help: { clear: 'Reset functions', ip: 'IPv4', bgp: 'BGP', 'A.B.C.D': 'A neighbor', all: 'Every neighbor', soft: 'Apply policy again without resetting the session',
      in: 'The routes received', out: 'The routes announced' },
    run: (ctx: Ctx, a: Args) => {
      const s = speakerOf(ctx);
      const peers = who === 'all' ? [...s.peers.values()] : [peerOf(s, a.ip('bgp'))];
      const how = !a.has('soft') ? 'hard' : a.has('in') ? 'in' : a.has('out') ? 'out' : 'soft';
      for (const p of peers) {
        const r = s.clear(p.addr, how);
        if (how !== 'hard' && how !== 'out' && r === 'none') ctx.warn(`% ${p.name}: no session, or the neighbor does not do route refresh and soft-reconfiguration inbound is off`);
      }
    },
  })),
]);

function prefixRuleText(r: PrefixListConfig['rules'][number]): string {
  let l = `seq ${r.seq} ${r.action ?? '?'} ${r.prefix ? formatPrefix(r.prefix) : '?'}`;
  if (r.ge !== null) l += ` ge ${r.ge}`;
  if (r.le !== null) l += ` le ${r.le}`;
  if (r.description) l += ` description ${quote(r.description)}`;
  return l;
}

// ---------------------------------------------------------------------------- running config

export function prefixListRunning(cfg: RunningConfig): string[] {
  const lines: string[] = [];
  for (const l of cfg.prefixLists) {
    if (l.description) lines.push(`ip prefix-list ${l.name} description ${quote(l.description)}`);
    for (const r of l.rules) lines.push(`ip prefix-list ${l.name} ${prefixRuleText(r)}`);
  }
  return lines;
}

export function bgpRunning(b: BgpConfig): string[] {
  const lines: string[] = [];
  if (b.routerId !== null) lines.push(`bgp router-id ${formatIpv4(b.routerId)}`);
  if (b.keepalive !== BGP_DEFAULT_KEEPALIVE || b.holdTime !== BGP_DEFAULT_HOLD_TIME) lines.push(`timers bgp ${b.keepalive} ${b.holdTime}`);
  if (b.maximumPaths !== 1) lines.push(`maximum-paths ${b.maximumPaths}`);
  if (b.maximumPathsIbgp !== 1) lines.push(`maximum-paths ibgp ${b.maximumPathsIbgp}`);
  for (const p of b.networks) lines.push(`network ${formatPrefix(p)}`);
  for (const r of b.redistribute) lines.push(`redistribute ${r}`);
  for (const n of b.neighbors) {
    const h = `neighbor ${formatIpv4(n.addr)}`;
    if (n.remoteAs !== null) lines.push(`${h} remote-as ${n.remoteAs}`);
    if (n.description) lines.push(`${h} description ${quote(n.description)}`);
    if (n.ebgpMultihop !== null) lines.push(`${h} ebgp-multihop ${n.ebgpMultihop}`);
    if (n.updateSource !== null) lines.push(`${h} update-source ${formatIpv4(n.updateSource)}`);
    if (n.softReconfigInbound) lines.push(`${h} soft-reconfiguration inbound`);
    if (n.prefixListIn !== null) lines.push(`${h} prefix-list ${n.prefixListIn} in`);
    if (n.prefixListOut !== null) lines.push(`${h} prefix-list ${n.prefixListOut} out`);
    if (n.keepalive !== null || n.holdTime !== null) lines.push(`${h} timers ${n.keepalive ?? b.keepalive} ${n.holdTime ?? b.holdTime}`);
    if (n.connectRetry !== null) lines.push(`${h} timers connect ${n.connectRetry}`);
    if (n.advertisementInterval !== null) lines.push(`${h} advertisement-interval ${n.advertisementInterval}`);
    if (n.weight !== 0) lines.push(`${h} weight ${n.weight}`);
    if (n.nextHopSelf) lines.push(`${h} next-hop-self`);
    if (n.passive) lines.push(`${h} passive`);
    if (n.shutdown) lines.push(`${h} shutdown`);
  }
  return lines;
}
