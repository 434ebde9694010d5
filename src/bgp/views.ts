// What the show commands print, read from a speaker: the views show.ts lays out.

import { prefixContains, type Prefix } from '../net/addr.js';
import type { Rib } from '../routing/index.js';
import { comparePaths, localPrefOf, type Path } from './best-path.js';
import type { Dest } from './loc-rib.js';
import type { Peer } from './peer.js';
import { keyOf, keyPrefix } from './prefix-key.js';
import type { BgpRouteView, DetailPath, NeighborView, RouteRow, SummaryView } from './show.js';
import type { BgpSpeaker } from './speaker.js';
import { AFI_IPV6, SAFI_UNICAST } from './wire/constants.js';
import { afiSafi, doesIpv4Unicast } from './wire/messages.js';
import type { PathAttrs } from './path-attrs.js';
import { formatUptime } from './show.js';

/** A prefix's paths in display order: the best, then the others best first. */
export function pathsInOrder(d: Dest): Path[] {
  return [...d.paths].sort((a, b) => (a === d.sel.best ? -1 : b === d.sel.best ? 1 : comparePaths(a, b)));
}

function row(prefix: Prefix, p: Path, best: boolean, nextHop = p.attrs.nextHop): RouteRow {
  return {
    prefix, valid: true, best, internal: p.source !== null && !p.source.external, nextHop,
    med: p.attrs.med, localPref: p.attrs.localPref, weight: p.weight, asPath: p.attrs.asPath, origin: p.attrs.origin,
  };
}

export function tableRows(s: BgpSpeaker): RouteRow[] {
  const out: RouteRow[] = [];
  for (const d of s.locRib.dests.values()) {
    const prefix = keyPrefix(d.key);
    for (const p of pathsInOrder(d)) out.push(row(prefix, p, p === d.sel.best));
  }
  return out;
}

export function summaryView(s: BgpSpeaker): SummaryView {
  const counts = s.attributeCounts();
  const now = s.clock.now();
  return {
    routerId: s.routerId, asn: s.asn, version: s.locRib.version, asPaths: counts.asPaths, communities: counts.communities,
    rows: [...s.peers.values()].map((p) => {
      const rib = s.ribs.get(p)!;
      const up = p.state === 'Established';
      return {
        addr: p.addr, remoteAs: p.remoteAs, msgsIn: p.counters.msgsIn, msgsOut: p.counters.msgsOut, tableVersion: rib.version,
        inQ: 0, outQ: 0,
        upDown: p.counters.established === 0 && !up ? 'never' : formatUptime(now - p.stateSince),
        stateOrPrefixes: up ? String(rib.adjIn.size) : p.cfg.shutdown ? 'Idle (Admin)' : p.state,
      };
    }),
  };
}

export function prefixPaths(s: BgpSpeaker, prefix: Prefix): { paths: DetailPath[]; advertisedTo: number[] } | null {
  const d = s.locRib.get(keyOf(prefix));
  if (d === undefined) return null;
  const multi = new Set(d.sel.multipath);
  const paths = pathsInOrder(d).map((p): DetailPath => ({
    from: p.source?.addr ?? null, fromRouterId: p.source?.routerId ?? 0, nextHop: p.attrs.nextHop, origin: p.attrs.origin,
    med: p.attrs.med, localPref: localPrefOf(p), weight: p.weight, asPath: p.attrs.asPath, communities: p.attrs.communities,
    external: p.source?.external ?? false, best: p === d.sel.best, multipath: multi.has(p) && d.sel.multipath.length > 1,
    updatedAt: p.updatedAt,
  }));
  return { paths, advertisedTo: s.advertisedTo(d.key).map((p) => p.addr) };
}

/** Rows of what the peer sent (before policy): needs soft-reconfiguration inbound. */
export function receivedRows(s: BgpSpeaker, peer: Peer): RouteRow[] {
  const rib = s.ribs.get(peer)!;
  const out: RouteRow[] = [];
  for (const [k, a] of rib.adjInRaw) out.push(rawRow(keyPrefix(k), a, peer.cfg.weight));
  return out;
}

function rawRow(prefix: Prefix, a: PathAttrs, weight: number): RouteRow {
  return { prefix, valid: true, best: true, internal: false, nextHop: a.nextHop, med: a.med, localPref: a.localPref, weight, asPath: a.asPath, origin: a.origin };
}

/** Rows of what was announced to the peer: the Loc-RIB's best path with the next hop sent. */
export function advertisedRows(s: BgpSpeaker, peer: Peer): RouteRow[] {
  const rib = s.ribs.get(peer)!;
  const out: RouteRow[] = [];
  for (const [k, sent] of rib.adjOut) {
    const best = s.locRib.get(k)?.sel.best;
    const prefix = keyPrefix(k);
    if (best) out.push(row(prefix, best, true, sent.nextHop));
    else out.push(rawRow(prefix, sent, 0));
  }
  return out;
}

export function neighborView(s: BgpSpeaker, peer: Peer, index: number, connected: readonly Prefix[]): NeighborView {
  const rib = s.ribs.get(peer)!;
  const up = peer.state === 'Established';
  const now = s.clock.now();
  const caps = peer.remoteOpen?.caps;
  const t = peer.transport;
  const hold = peer.cfg.holdTime ?? s.cfg?.holdTime ?? 180, ka = peer.cfg.keepalive ?? s.cfg?.keepalive ?? 60;
  return {
    addr: peer.addr, remoteAs: peer.remoteAs, localAs: s.asn, external: peer.external, remoteRouterId: up ? peer.routerId : 0,
    state: peer.cfg.shutdown ? 'Idle (Admin)' : peer.state, upFor: up ? formatUptime(now - peer.stateSince) : null,
    lastRead: peer.lastRead === 0 && peer.counters.msgsIn === 0 ? 'never' : formatUptime(now - peer.lastRead),
    holdTime: up ? peer.holdTimeMs / 1000 : hold, keepalive: up ? peer.keepaliveMs / 1000 : ka,
    configuredHold: hold, configuredKeepalive: ka,
    caps: up && caps ? {
      routeRefresh: caps.routeRefresh && caps.routeRefreshOld ? 'old & new' : caps.routeRefresh ? 'new' : caps.routeRefreshOld ? 'old' : null,
      fourOctet: caps.fourOctetAs !== null, ipv4Unicast: doesIpv4Unicast(caps),
      ipv6Unicast: caps.multiprotocol.includes(afiSafi(AFI_IPV6, SAFI_UNICAST)), gracefulRestart: caps.gracefulRestart,
    } : null,
    msgsIn: peer.counters.msgsIn, msgsOut: peer.counters.msgsOut, notificationsIn: peer.counters.notificationsIn,
    notificationsOut: peer.counters.notificationsOut, refreshIn: peer.counters.refreshIn, refreshOut: peer.counters.refreshOut,
    advertisementInterval: peer.cfg.advertisementInterval ?? (peer.external ? 30 : 5), updateSource: peer.cfg.updateSource,
    tableVersion: s.locRib.version, neighborVersion: rib.version, index, softReconfig: peer.cfg.softReconfigInbound,
    prefixListIn: peer.cfg.prefixListIn, prefixListOut: peer.cfg.prefixListOut, accepted: rib.adjIn.size, announced: rib.adjOut.size,
    established: peer.counters.established, dropped: peer.counters.dropped, lastReset: peer.lastReset || null,
    multihop: peer.cfg.ebgpMultihop,
    connection: up && t ? { local: t.localAddr, lport: t.localPort, remote: t.remoteAddr, rport: t.remotePort } : null,
    sharedNetwork: up && t !== null && connected.some((p) => prefixContains(p, t.localAddr) && prefixContains(p, t.remoteAddr)),
  };
}

/** `show ip route bgp`: the BGP routes of the routing table, each path with its BGP next hop and how it resolves. */
export function routeViews(s: BgpSpeaker, rib: Rib, ifName: (i: number) => string): BgpRouteView[] {
  const out: BgpRouteView[] = [];
  const now = s.clock.now();
  for (const e of rib.entries()) {
    const r = e.routes.find((x) => x.source === 'bgp');
    if (!r) continue;
    const d = s.locRib.get(keyOf(e.prefix));
    const hops: BgpRouteView['hops'][number][] = [];
    const paths = d?.sel.multipath ?? [];
    const bgpHops = new Set(paths.map((p) => p.attrs.nextHop));
    for (const p of paths) {
      // A next hop on a connected network is the gateway itself; else the gateways it resolved to.
      const nh = p.attrs.nextHop;
      const direct = r.nexthops.filter((h) => h.gw === nh);
      const via = direct.length > 0 ? direct : r.nexthops.filter((h) => !bgpHops.has(h.gw));
      for (const h of via) hops.push({ bgpNextHop: nh, gw: h.gw === nh ? 0 : h.gw, ifName: ifName(h.ifIdx) });
    }
    if (hops.length === 0) for (const h of r.nexthops) hops.push({ bgpNextHop: h.gw, gw: 0, ifName: ifName(h.ifIdx) });
    out.push({
      prefix: e.prefix, selected: e.selected?.routes.includes(r) ?? false, distance: r.distance, metric: r.metric, hops,
      ageMs: d !== undefined && d.installedAt >= 0 ? now - d.installedAt : 0,
    });
  }
  return out;
}
