// File 003's EdgeOS lines for BGP, prefix lists and static routes, inside `configure`: they edit
// the candidate (src/cli/edgeos/candidate.ts) the same model the native commands edit.

import { defineCommands, type CommandDef } from '../src/cli/grammar/command.js';
import type { Args } from '../src/cli/grammar/args.js';
import type { Ctx } from '../src/cli/context.js';
import { editCandidate, refuse, unquote } from '../src/cli/edgeos/candidate.js';
import {
  BGP_DEFAULT_HOLD_TIME, BGP_DEFAULT_KEEPALIVE, BGP_MAX_PATHS, REDISTRIBUTE_SOURCES, newBgp, newNeighbor, withNeighbor, withPrefixList,
  withPrefixRule, type BgpConfig, type BgpNeighborConfig, type PrefixAction, type Redistribute,
} from '../src/config/bgp.js';
import type { RunningConfig } from '../src/config/model.js';
import { formatPrefix, networkOf, type Prefix } from '../src/net/addr.js';
import { checkDescription } from './common.js';

const net = (p: Prefix): Prefix => ({ addr: networkOf(p), len: p.len });
const BGP = 'protocols bgp (1-4294967295)';
const NB = `${BGP} neighbor A.B.C.D`;

const HELP = {
  set: 'Set a configuration value in the candidate', delete: 'Delete a configuration value from the candidate',
  protocols: 'Routing protocols', bgp: 'Border Gateway Protocol', '<1-4294967295>': 'AS number', neighbor: 'A BGP neighbor',
  'A.B.C.D': 'IPv4 address', 'A.B.C.D/M': 'IPv4 prefix', policy: 'Routing policy', 'prefix-list': 'A prefix list', NAME: 'The list\'s name',
  rule: 'A rule of the list', static: 'Static routes', LINE: 'Text (quoted with \' or ")',
};

/** The candidate's BGP in AS `asn` changed by `change` (created when there is none). */
function editBgp(ctx: Ctx, a: Args, change: (b: BgpConfig) => BgpConfig): void {
  const asn = a.num('bgp');
  editCandidate(ctx, (cfg) => {
    const b = cfg.bgp ?? newBgp(asn);
    if (b.asn !== asn) refuse(`BGP is already running in AS ${b.asn}`);
    return { ...cfg, bgp: change(b) };
  });
}

function editNeighbor(ctx: Ctx, a: Args, change: (n: BgpNeighborConfig) => BgpNeighborConfig): void {
  editBgp(ctx, a, (b) => withNeighbor(b, a.ip('neighbor'), change));
}

/** A `set` and its `delete` (the setting back to its default). */
function neighborSetting(words: string, doc: string, set: (n: BgpNeighborConfig, a: Args) => BgpNeighborConfig,
  reset: (n: BgpNeighborConfig, d: BgpNeighborConfig) => BgpNeighborConfig, help: Record<string, string>): CommandDef<Ctx>[] {
  const keywordsOnly = words.split(' ').filter((w) => /^[a-z-]+$/.test(w)).join(' ');
  return [
    { syntax: `set ${NB} ${words}`, modes: ['edgeos'], doc, help: { ...HELP, ...help }, run: (ctx, a) => editNeighbor(ctx, a, (n) => set(n, a)) },
    {
      syntax: `delete ${NB} ${keywordsOnly}`, modes: ['edgeos'], doc: `Delete: ${doc.charAt(0).toLowerCase()}${doc.slice(1)}`, help: { ...HELP, ...help },
      run: (ctx, a) => editNeighbor(ctx, a, (n) => reset(n, newNeighbor(n.addr))),
    },
  ];
}

function editRule(ctx: Ctx, a: Args, change: (r: RunningConfig['prefixLists'][number]['rules'][number]) => RunningConfig['prefixLists'][number]['rules'][number]): void {
  editCandidate(ctx, (cfg) => withPrefixRule(cfg, a.str('prefix-list'), a.num('rule'), change));
}

export const bgpEdgeosCommands = defineCommands<Ctx>([
  {
    syntax: `set ${BGP} timers <holdtime|keepalive>$which (0-65535)$seconds`, modes: ['edgeos'], doc: 'Hold time or keepalive interval of every session (seconds)',
    help: { ...HELP, timers: 'BGP timers', holdtime: 'Hold time (0: none, else at least 3)', keepalive: 'Keepalive interval', seconds: 'Seconds' },
    run: (ctx, a) => editBgp(ctx, a, (b) => (a.str('which') === 'holdtime' ? { ...b, holdTime: a.num('seconds') } : { ...b, keepalive: a.num('seconds') })),
  },
  {
    syntax: `delete ${BGP} timers <holdtime|keepalive>$which`, modes: ['edgeos'], doc: 'Default hold time (180) or keepalive interval (60)',
    help: { ...HELP, timers: 'BGP timers', holdtime: 'Hold time', keepalive: 'Keepalive interval' },
    run: (ctx, a) => editBgp(ctx, a, (b) => (a.str('which') === 'holdtime' ? { ...b, holdTime: BGP_DEFAULT_HOLD_TIME } : { ...b, keepalive: BGP_DEFAULT_KEEPALIVE })),
  },
  {
    syntax: `set ${BGP} parameters router-id A.B.C.D`, modes: ['edgeos'], doc: 'The BGP identifier',
    help: { ...HELP, parameters: 'BGP parameters', 'router-id': 'The router identifier' },
    run: (ctx, a) => editBgp(ctx, a, (b) => ({ ...b, routerId: a.ip('router-id') })),
  },
  {
    syntax: `delete ${BGP} parameters router-id`, modes: ['edgeos'], doc: 'Choose the router id from the interface addresses',
    help: { ...HELP, parameters: 'BGP parameters', 'router-id': 'The router identifier' },
    run: (ctx, a) => editBgp(ctx, a, (b) => ({ ...b, routerId: null })),
  },
  {
    syntax: `set ${BGP} maximum-paths <ebgp|ibgp>$kind (1-${BGP_MAX_PATHS})$paths`, modes: ['edgeos'], doc: 'Equal paths installed together as ECMP',
    help: { ...HELP, 'maximum-paths': 'ECMP paths per prefix', ebgp: 'For routes learned by eBGP', ibgp: 'For routes learned by iBGP', paths: 'Paths' },
    run: (ctx, a) => editBgp(ctx, a, (b) => (a.str('kind') === 'ibgp' ? { ...b, maximumPathsIbgp: a.num('paths') } : { ...b, maximumPaths: a.num('paths') })),
  },
  {
    syntax: `set ${BGP} network A.B.C.D/M`, modes: ['edgeos'], doc: 'Announce a network while the routing table holds exactly that prefix',
    help: { ...HELP, network: 'Announce a network' },
    run: (ctx, a) => editBgp(ctx, a, (b) => {
      const p = net(a.prefix('network'));
      return b.networks.some((x) => formatPrefix(x) === formatPrefix(p)) ? b : { ...b, networks: [...b.networks, p] };
    }),
  },
  {
    syntax: `delete ${BGP} network A.B.C.D/M`, modes: ['edgeos'], doc: 'Stop announcing a network', help: { ...HELP, network: 'Announce a network' },
    run: (ctx, a) => editBgp(ctx, a, (b) => ({ ...b, networks: b.networks.filter((x) => formatPrefix(x) !== formatPrefix(net(a.prefix('network')))) })),
  },
  {
    syntax: `set ${BGP} redistribute <${REDISTRIBUTE_SOURCES.join('|')}>`, modes: ['edgeos'], doc: 'Announce connected networks, static routes, or healthy VIPs',
    help: { ...HELP, redistribute: 'Announce routes of another source', connected: 'Connected networks', slb: 'VIPs of healthy services (/32)' },
    run: (ctx, a) => editBgp(ctx, a, (b) => {
      const s = a.str('redistribute') as Redistribute;
      return { ...b, redistribute: REDISTRIBUTE_SOURCES.filter((x) => x === s || b.redistribute.includes(x)) };
    }),
  },
  {
    syntax: `delete ${BGP} redistribute <${REDISTRIBUTE_SOURCES.join('|')}>`, modes: ['edgeos'], doc: 'Stop announcing routes of a source',
    help: { ...HELP, redistribute: 'Announce routes of another source', connected: 'Connected networks', slb: 'VIPs of healthy services (/32)' },
    run: (ctx, a) => editBgp(ctx, a, (b) => ({ ...b, redistribute: b.redistribute.filter((x) => x !== a.str('redistribute')) })),
  },
  {
    syntax: `delete ${BGP}`, modes: ['edgeos'], doc: 'Remove the BGP speaker',
    run: (ctx, a) => editCandidate(ctx, (cfg) => {
      if (cfg.bgp?.asn !== a.num('bgp')) refuse(`BGP is not running in AS ${a.num('bgp')}`);
      return { ...cfg, bgp: null };
    }),
  },
  {
    syntax: `delete ${NB}`, modes: ['edgeos'], doc: 'Remove a neighbor', help: HELP,
    run: (ctx, a) => editBgp(ctx, a, (b) => ({ ...b, neighbors: b.neighbors.filter((n) => n.addr !== a.ip('neighbor')) })),
  },
  ...neighborSetting(`remote-as ${'(1-4294967295)'}$asn`, 'The neighbor\'s AS', (n, a) => ({ ...n, remoteAs: a.num('asn') }), (n) => ({ ...n, remoteAs: null }),
    { 'remote-as': 'The neighbor\'s AS', asn: 'AS number' }),
  ...neighborSetting('description LINE', 'Describe the neighbor', (n, a) => ({ ...n, description: checkDescription(unquote(a.str('description'))) }),
    (n, d) => ({ ...n, description: d.description }), { description: 'Describe the neighbor' }),
  ...neighborSetting('ebgp-multihop (1-255)', 'An eBGP neighbor not directly connected: the TTL of the session',
    (n, a) => ({ ...n, ebgpMultihop: a.num('ebgp-multihop') }), (n, d) => ({ ...n, ebgpMultihop: d.ebgpMultihop }),
    { 'ebgp-multihop': 'Allow an eBGP neighbor not directly connected', '<1-255>': 'Most hops (the TTL)' }),
  ...neighborSetting('update-source A.B.C.D$source', 'The source address of the session', (n, a) => ({ ...n, updateSource: a.ip('source') }),
    (n, d) => ({ ...n, updateSource: d.updateSource }), { 'update-source': 'Source address of the session', source: 'One of this appliance\'s addresses' }),
  ...neighborSetting('soft-reconfiguration inbound', 'Keep the routes received before policy', (n) => ({ ...n, softReconfigInbound: true }),
    (n) => ({ ...n, softReconfigInbound: false }), { 'soft-reconfiguration': 'Soft reconfiguration', inbound: 'Keep the routes received, before policy' }),
  {
    syntax: `set ${NB} prefix-list <import|export>$direction NAME$list`, modes: ['edgeos'], doc: 'Filter the routes received (import) or announced (export) with a prefix list',
    help: { ...HELP, 'prefix-list': 'Filter with a prefix list', import: 'Routes received from the neighbor', export: 'Routes announced to the neighbor', list: 'The prefix list' },
    run: (ctx, a) => editNeighbor(ctx, a, (n) => (a.str('direction') === 'import' ? { ...n, prefixListIn: a.str('list') } : { ...n, prefixListOut: a.str('list') })),
  },
  {
    syntax: `delete ${NB} prefix-list <import|export>$direction`, modes: ['edgeos'], doc: 'Stop filtering with a prefix list',
    help: { ...HELP, 'prefix-list': 'Filter with a prefix list', import: 'Routes received from the neighbor', export: 'Routes announced to the neighbor' },
    run: (ctx, a) => editNeighbor(ctx, a, (n) => (a.str('direction') === 'import' ? { ...n, prefixListIn: null } : { ...n, prefixListOut: null })),
  },
  ...neighborSetting('timers <holdtime|keepalive|connect>$which (0-65535)$seconds', 'This neighbor\'s hold time, keepalive interval or connect-retry interval',
    (n, a) => {
      const v = a.num('seconds');
      const w = a.str('which');
      return w === 'holdtime' ? { ...n, holdTime: v } : w === 'keepalive' ? { ...n, keepalive: v } : { ...n, connectRetry: Math.max(1, v) };
    },
    (n, d) => ({ ...n, holdTime: d.holdTime, keepalive: d.keepalive, connectRetry: d.connectRetry }),
    { timers: 'Timers of this neighbor', holdtime: 'Hold time', keepalive: 'Keepalive interval', connect: 'Connect-retry interval', seconds: 'Seconds' }),
  ...neighborSetting('advertisement-interval (0-600)', 'Least seconds between announcements to the neighbor',
    (n, a) => ({ ...n, advertisementInterval: a.num('advertisement-interval') }), (n, d) => ({ ...n, advertisementInterval: d.advertisementInterval }),
    { 'advertisement-interval': 'Minimum interval between announcements', '<0-600>': 'Seconds' }),
  ...neighborSetting('weight (0-65535)', 'Weight of the neighbor\'s routes', (n, a) => ({ ...n, weight: a.num('weight') }), (n, d) => ({ ...n, weight: d.weight }),
    { weight: 'Weight of the routes learned from the neighbor', '<0-65535>': 'Weight' }),
  ...neighborSetting('nexthop-self', 'iBGP: announce routes with this appliance as the next hop', (n) => ({ ...n, nextHopSelf: true }), (n) => ({ ...n, nextHopSelf: false }),
    { 'nexthop-self': 'This appliance as the next hop' }),
  ...neighborSetting('passive', 'Never open the session, only accept it', (n) => ({ ...n, passive: true }), (n) => ({ ...n, passive: false }),
    { passive: 'Only accept the session' }),
  ...neighborSetting('shutdown', 'Stop the session and keep it down', (n) => ({ ...n, shutdown: true }), (n) => ({ ...n, shutdown: false }),
    { shutdown: 'Keep the session down' }),

  {
    syntax: 'set policy prefix-list NAME rule (1-4294967295) action <permit|deny>$action', modes: ['edgeos'], doc: 'What a prefix-list rule does with the prefixes it matches',
    help: { ...HELP, action: 'What the rule does', permit: 'Prefixes that match pass', deny: 'Prefixes that match are refused', '<1-4294967295>': 'Rule number (the order)' },
    run: (ctx, a) => editRule(ctx, a, (r) => ({ ...r, action: a.str('action') as PrefixAction })),
  },
  {
    syntax: 'set policy prefix-list NAME rule (1-4294967295) prefix A.B.C.D/M', modes: ['edgeos'], doc: 'The network a prefix-list rule matches',
    help: { ...HELP, prefix: 'The network the rule matches', '<1-4294967295>': 'Rule number (the order)' },
    run: (ctx, a) => editRule(ctx, a, (r) => ({ ...r, prefix: net(a.prefix('prefix')) })),
  },
  {
    syntax: 'set policy prefix-list NAME rule (1-4294967295) <ge|le>$which (0-32)$length', modes: ['edgeos'], doc: 'Match prefix lengths from (ge) or up to (le) this one',
    help: { ...HELP, ge: 'Shortest length matched', le: 'Longest length matched', length: 'Prefix length', '<1-4294967295>': 'Rule number (the order)' },
    run: (ctx, a) => editRule(ctx, a, (r) => (a.str('which') === 'ge' ? { ...r, ge: a.num('length') } : { ...r, le: a.num('length') })),
  },
  {
    syntax: 'set policy prefix-list NAME rule (1-4294967295) description LINE', modes: ['edgeos'], doc: 'Describe a prefix-list rule',
    help: { ...HELP, description: 'Describe the rule', '<1-4294967295>': 'Rule number (the order)' },
    run: (ctx, a) => editRule(ctx, a, (r) => ({ ...r, description: checkDescription(unquote(a.str('description'))) })),
  },
  {
    syntax: 'set policy prefix-list NAME description LINE', modes: ['edgeos'], doc: 'Describe a prefix list',
    help: { ...HELP, description: 'Describe the list' },
    run: (ctx, a) => editCandidate(ctx, (cfg) => {
      const name = a.str('prefix-list');
      const l = cfg.prefixLists.find((x) => x.name === name) ?? { name, description: '', rules: [] };
      return withPrefixList(cfg, { ...l, description: checkDescription(unquote(a.str('description'))) });
    }),
  },
  {
    syntax: 'delete policy prefix-list NAME [rule (1-4294967295)]', modes: ['edgeos'], doc: 'Remove a prefix list, or one of its rules',
    help: { ...HELP, '<1-4294967295>': 'Rule number' },
    run: (ctx, a) => editCandidate(ctx, (cfg) => {
      const name = a.str('prefix-list');
      const l = cfg.prefixLists.find((x) => x.name === name);
      if (!l) refuse(`There is no prefix-list ${name}`);
      const seq = a.optNum('rule');
      if (seq === null) return { ...cfg, prefixLists: cfg.prefixLists.filter((x) => x.name !== name) };
      return withPrefixList(cfg, { ...l, rules: l.rules.filter((r) => r.seq !== seq) });
    }),
  },

  {
    syntax: 'set protocols static interface-route A.B.C.D/M next-hop-interface NAME', modes: ['edgeos'], doc: 'A route out of an interface, without a gateway',
    help: { ...HELP, 'interface-route': 'A route out of an interface', 'next-hop-interface': 'The interface', NAME: 'A data interface (VLAN, loopback, tunnel)' },
    run: (ctx, a) => editCandidate(ctx, (cfg) => {
      const dest = net(a.prefix('interface-route'));
      const iface = a.str('next-hop-interface');
      const others = cfg.routes.interfaceRoutes.filter((r) => !(formatPrefix(r.dest) === formatPrefix(dest) && r.iface === iface));
      return { ...cfg, routes: { ...cfg.routes, interfaceRoutes: [...others, { dest, iface, priority: 10, description: '' }] } };
    }),
  },
  {
    syntax: 'delete protocols static interface-route A.B.C.D/M', modes: ['edgeos'], doc: 'Remove the interface routes to a network',
    help: { ...HELP, 'interface-route': 'A route out of an interface' },
    run: (ctx, a) => editCandidate(ctx, (cfg) => {
      const t = formatPrefix(net(a.prefix('interface-route')));
      return { ...cfg, routes: { ...cfg.routes, interfaceRoutes: cfg.routes.interfaceRoutes.filter((r) => formatPrefix(r.dest) !== t) } };
    }),
  },
  {
    syntax: 'set protocols static route A.B.C.D/M next-hop A.B.C.D$gateway', modes: ['edgeos'], doc: 'A static route through a gateway',
    help: { ...HELP, route: 'A static route', 'next-hop': 'The gateway', gateway: 'Gateway address (on a connected network)' },
    run: (ctx, a) => editCandidate(ctx, (cfg) => {
      const dest = net(a.prefix('route'));
      const gateway = a.ip('gateway');
      const others = cfg.routes.networks.filter((r) => !(formatPrefix(r.dest) === formatPrefix(dest) && r.gateway === gateway));
      return { ...cfg, routes: { ...cfg.routes, networks: [...others, { dest, gateway, priority: 10, hc: null, description: '' }] } };
    }),
  },
  {
    syntax: 'delete protocols static route A.B.C.D/M', modes: ['edgeos'], doc: 'Remove the static routes to a network',
    help: { ...HELP, route: 'A static route' },
    run: (ctx, a) => editCandidate(ctx, (cfg) => {
      const t = formatPrefix(net(a.prefix('route')));
      return { ...cfg, routes: { ...cfg.routes, networks: cfg.routes.networks.filter((r) => formatPrefix(r.dest) !== t) } };
    }),
  },
]);

