// The BGP speaker: peers, the Adj-RIBs and the Loc-RIB, origination (network statements,
// redistribution of connected/static routes and of healthy VIPs), import and export policy,
// installation of the selected routes into the routing table, and the UPDATEs to each peer.
//
// Routes flow one way: a peer's UPDATE -> Adj-RIB-In (before policy, with soft-reconfiguration
// inbound) -> import policy -> Loc-RIB path -> selection -> the routing table (source `bgp`)
// and each established peer's pending set -> export policy -> Adj-RIB-Out -> UPDATE messages.
// Withdrawals go out at once; announcements at most once per advertisement interval.

import type { BgpConfig, BgpNeighborConfig, PrefixListConfig } from '../config/bgp.js';
import { formatIpv4, formatPrefix, type Ipv4 } from '../net/addr.js';
import type { Clock, Timer } from '../util/clock.js';
import { asPathContains, neighborAs, prependAs, EMPTY_AS_PATH } from './as-path.js';
import { localPrefOf, type Path } from './best-path.js';
import { communitiesAllow } from './community.js';
import { Dest, LocRib } from './loc-rib.js';
import { attrs as makeAttrs, sameAttrs, type PathAttrs } from './path-attrs.js';
import { Peer, type PeerHost, type PeerSettings } from './peer.js';
import { prefixFilter, type PrefixFilter } from './policy.js';
import { keyAddr, keyLen, prefixKey, type PrefixKey } from './prefix-key.js';
import type { BgpNet, BgpTransport } from './transport.js';
import { BGP_PORT, CEASE_ADMIN_SHUTDOWN, CEASE_CONFIG_CHANGE, CEASE_PEER_DECONFIGURED, ORIGIN_IGP, ORIGIN_INCOMPLETE } from './wire/constants.js';
import { encodeAnnouncements, encodeAttrs, encodeEndOfRib, encodeWithdrawals, type DecodedUpdate } from './wire/update.js';

/** What the speaker needs of the routing table it feeds and watches. */
export interface BgpRoutingTable {
  /** Calls `onChange` when routes of other sources to a prefix change; returns the unsubscription. */
  subscribe(onChange: (addr: number, len: number) => void): () => void;
  /** The selected routes of a source (redistribution). */
  routes(source: 'connected' | 'static'): { addr: number; len: number }[];
  /** Whether the table has a usable route of `source` (any but BGP when null) to exactly this prefix. */
  has(addr: number, len: number, source: 'connected' | 'static' | null): boolean;
  /** How a next hop is reached through routes of other sources: gateway (0: on the link) and interface, or null. */
  resolve(addr: number): { gw: number; ifIdx: number }[] | null;
  install(addr: number, len: number, nexthops: readonly { gw: number; ifIdx: number }[], distance: number, metric: number): void;
  withdraw(addr: number, len: number): void;
}

export interface ServiceHealth {
  readonly slb: string;
  readonly vips: readonly number[];
  readonly state: string;
  readonly removed: boolean;
}

export interface SpeakerDeps {
  readonly clock: Clock;
  readonly net: BgpNet;
  /** The routing table (null: a speaker that only originates its networks, e.g. a lab router). */
  readonly table: BgpRoutingTable | null;
  log(text: string, severity: 'info' | 'notice' | 'warning'): void;
  /** Services' ACT/DEACT changes (redistribute slb). */
  subscribeServiceHealth?(l: (e: ServiceHealth) => void): () => void;
  /** What the OPEN announces besides IPv4 unicast, route refresh and 4-octet AS (a lab peer copying another router). */
  readonly openExtras?: Pick<PeerSettings, 'extraFamilies' | 'gracefulRestart' | 'routeRefreshOld'>;
  /** MULTI_EXIT_DISC of the routes it originates (default none). */
  readonly localMed?: number;
}

export const LOCAL_WEIGHT = 32768;
export const EBGP_DISTANCE = 20;
export const IBGP_DISTANCE_BGP = 200;

/** A peer's routes: what it sent, what was accepted, what was sent to it. */
export class PeerRib {
  /** Before policy (soft-reconfiguration inbound only), in arrival order. */
  readonly adjInRaw = new Map<PrefixKey, PathAttrs>();
  /** Accepted paths (in the Loc-RIB). */
  readonly adjIn = new Map<PrefixKey, Path>();
  /** What was announced to the peer (the attributes as sent). */
  readonly adjOut = new Map<PrefixKey, PathAttrs>();
  readonly pending = new Set<PrefixKey>();
  /** Table version the peer was last brought up to date with. */
  version = 0;
  lastAnnounce = -Infinity;
  /** The next flush: at once (after this burst of changes), and when the advertisement interval allows. */
  soon: Timer | null = null;
  timer: Timer | null = null;
  importFilter: PrefixFilter = () => true;
  exportFilter: PrefixFilter = () => true;
  /** Out attributes by the Loc-RIB attributes they were made from (shares one object per group). */
  outMemo = new Map<PathAttrs, PathAttrs>();
}

type LocalKind = 'network' | 'connected' | 'static' | 'slb';

export class BgpSpeaker implements PeerHost {
  readonly clock: Clock;
  readonly net: BgpNet;
  cfg: BgpConfig | null = null;
  prefixLists: readonly PrefixListConfig[] = [];
  routerId = 0;
  readonly peers = new Map<number, Peer>();
  readonly ribs = new Map<Peer, PeerRib>();
  readonly locRib = new LocRib();
  /** Local origination by kind: prefix -> whether it is originated. */
  private readonly local = new Map<LocalKind, Set<PrefixKey>>([['network', new Set()], ['connected', new Set()], ['static', new Set()], ['slb', new Set()]]);
  private readonly services = new Map<string, ServiceHealth>();
  private stopListen: (() => void) | null = null;
  private unsubTable: (() => void) | null = null;
  private unsubServices: (() => void) | null = null;
  private resolveTimer: Timer | null = null;
  /** Resolved next hops by BGP next hop, until a route of another source changes. */
  private readonly hops = new Map<number, readonly { gw: number; ifIdx: number }[]>();
  private installing = false;

  constructor(readonly deps: SpeakerDeps) {
    this.clock = deps.clock;
    this.net = deps.net;
  }

  get asn(): number {
    return this.cfg?.asn ?? 0;
  }

  // ================================================================= configuration

  /**
   * Applies a configuration (null: no BGP). `routerIdFallback` is used when the configuration
   * names no router id (the caller picks it from the interface addresses).
   */
  configure(cfg: BgpConfig | null, prefixLists: readonly PrefixListConfig[], routerIdFallback: number): void {
    const prev = this.cfg;
    const listsChanged = prefixLists !== this.prefixLists;
    this.prefixLists = prefixLists;
    if (cfg === null || (prev !== null && prev.asn !== cfg.asn)) this.shutdown(CEASE_PEER_DECONFIGURED);
    if (cfg === null) return;
    this.cfg = cfg;
    const routerId = (cfg.routerId ?? routerIdFallback) >>> 0;
    const idChanged = routerId !== this.routerId;
    this.routerId = routerId;
    if (this.stopListen === null) {
      this.stopListen = this.net.listen(BGP_PORT, (t) => this.accept(t));
      if (this.stopListen === null) this.deps.log(`cannot listen on TCP port ${BGP_PORT}: it is taken`, 'warning');
    }
    if (this.unsubTable === null && this.deps.table !== null) {
      this.unsubTable = this.deps.table.subscribe((addr, len) => this.tableChanged(addr, len));
    }
    if (this.locRib.maxEbgp !== cfg.maximumPaths || this.locRib.maxIbgp !== cfg.maximumPathsIbgp) {
      this.locRib.maxEbgp = cfg.maximumPaths;
      this.locRib.maxIbgp = cfg.maximumPathsIbgp;
      for (const d of [...this.locRib.dests.values()]) {
        if (this.locRib.reselect(d)) this.destChanged(d);
      }
    }
    this.configurePeers(cfg, prev, idChanged, listsChanged);
    this.configureOrigination(cfg);
  }

  private settings(cfg: BgpConfig, n: BgpNeighborConfig): PeerSettings {
    return {
      localAs: cfg.asn, routerId: this.routerId, holdTime: cfg.holdTime, keepalive: cfg.keepalive, connectRetry: n.connectRetry ?? 120,
      ...this.deps.openExtras,
    };
  }

  private configurePeers(cfg: BgpConfig, prev: BgpConfig | null, idChanged: boolean, listsChanged: boolean): void {
    const wanted = new Map(cfg.neighbors.map((n) => [n.addr >>> 0, n]));
    for (const [addr, p] of [...this.peers]) {
      if (!wanted.has(addr)) this.removePeer(p);
    }
    for (const n of cfg.neighbors) {
      const addr = n.addr >>> 0;
      const p = this.peers.get(addr);
      const s = this.settings(cfg, n);
      if (p === undefined) {
        this.addPeer(n, s);
        continue;
      }
      const old = p.cfg;
      const sessionChanged = idChanged || old.remoteAs !== n.remoteAs || old.updateSource !== n.updateSource ||
        old.ebgpMultihop !== n.ebgpMultihop || old.passive !== n.passive || (old.holdTime ?? prev?.holdTime) !== (n.holdTime ?? cfg.holdTime) ||
        (old.keepalive ?? prev?.keepalive) !== (n.keepalive ?? cfg.keepalive);
      if (sessionChanged) {
        this.removePeer(p, CEASE_CONFIG_CHANGE, 'session settings changed');
        this.addPeer(n, s);
        continue;
      }
      p.cfg = n;
      p.settings = s;
      const rib = this.ribs.get(p)!;
      if (old.shutdown !== n.shutdown) {
        if (n.shutdown) p.stop();
        else p.start();
      }
      const inChanged = listsChanged || old.prefixListIn !== n.prefixListIn || old.weight !== n.weight;
      const outChanged = listsChanged || old.prefixListOut !== n.prefixListOut || old.nextHopSelf !== n.nextHopSelf;
      rib.importFilter = prefixFilter(this.prefixLists, n.prefixListIn);
      rib.exportFilter = prefixFilter(this.prefixLists, n.prefixListOut);
      if (old.softReconfigInbound && !n.softReconfigInbound) rib.adjInRaw.clear();
      if (inChanged && p.state === 'Established') this.softIn(p);
      if (outChanged && p.state === 'Established') this.softOut(p);
    }
  }

  private addPeer(n: BgpNeighborConfig, s: PeerSettings): void {
    const p = new Peer(this, n, s);
    const rib = new PeerRib();
    rib.importFilter = prefixFilter(this.prefixLists, n.prefixListIn);
    rib.exportFilter = prefixFilter(this.prefixLists, n.prefixListOut);
    this.peers.set(p.addr, p);
    this.ribs.set(p, rib);
    p.start();
  }

  /** Ends a peer's session (Cease with `subcode`, default Peer De-configured) and forgets it. */
  private removePeer(p: Peer, subcode = CEASE_PEER_DECONFIGURED, why = 'de-configured'): void {
    p.stop(subcode, why);
    this.dropPeerRoutes(p);
    this.peers.delete(p.addr);
    this.ribs.delete(p);
  }

  /** Stops everything: sessions, listening, origination, installed routes. */
  shutdown(subcode = CEASE_ADMIN_SHUTDOWN): void {
    for (const p of [...this.peers.values()]) this.removePeer(p, subcode, subcode === CEASE_ADMIN_SHUTDOWN ? 'BGP stopped' : 'BGP de-configured');
    for (const kind of this.local.keys()) this.setLocal(kind, new Set());
    for (const d of [...this.locRib.dests.values()]) if (d.installedAt >= 0) this.uninstall(d);
    this.stopListen?.();
    this.stopListen = null;
    this.unsubTable?.();
    this.unsubTable = null;
    this.unsubServices?.();
    this.unsubServices = null;
    this.services.clear();
    this.resolveTimer?.cancel();
    this.resolveTimer = null;
    this.cfg = null;
  }

  private accept(t: BgpTransport): void {
    const p = this.peers.get(t.remoteAddr >>> 0);
    if (p === undefined) {
      this.deps.log(`connection from ${formatIpv4(t.remoteAddr)} refused: not a configured neighbor`, 'info');
      t.abort();
      return;
    }
    p.accept(t);
  }

  // ================================================================= origination

  private configureOrigination(cfg: BgpConfig): void {
    const t = this.deps.table;
    const nets = new Set<PrefixKey>();
    for (const n of cfg.networks) {
      if (t === null || t.has(n.addr, n.len, null)) nets.add(prefixKey(n.addr, n.len));
    }
    this.setLocal('network', nets);
    const red = new Set(cfg.redistribute);
    for (const src of ['connected', 'static'] as const) {
      const set = new Set<PrefixKey>();
      if (red.has(src) && t !== null) for (const r of t.routes(src)) set.add(prefixKey(r.addr, r.len));
      this.setLocal(src, set);
    }
    if (red.has('slb') && this.unsubServices === null && this.deps.subscribeServiceHealth) {
      this.unsubServices = this.deps.subscribeServiceHealth((e) => this.serviceChanged(e));
    } else if (!red.has('slb') && this.unsubServices !== null) {
      this.unsubServices();
      this.unsubServices = null;
      this.services.clear();
    }
    this.refreshVips();
  }

  private serviceChanged(e: ServiceHealth): void {
    if (e.removed) this.services.delete(e.slb);
    else this.services.set(e.slb, e);
    this.refreshVips();
  }

  private refreshVips(): void {
    const set = new Set<PrefixKey>();
    if (this.cfg?.redistribute.includes('slb')) {
      for (const s of this.services.values()) if (s.state === 'ACT') for (const v of s.vips) set.add(prefixKey(v, 32));
    }
    this.setLocal('slb', set);
  }

  /** Makes `want` the prefixes originated by `kind`. */
  private setLocal(kind: LocalKind, want: Set<PrefixKey>): void {
    const have = this.local.get(kind)!;
    for (const k of [...have]) {
      if (want.has(k)) continue;
      have.delete(k);
      const d = this.locRib.set(k, null, kind, null);
      if (d) this.destChanged(d);
    }
    for (const k of want) {
      if (have.has(k)) continue;
      have.add(k);
      const d = this.locRib.set(k, null, kind, this.localPath(kind));
      if (d) this.destChanged(d);
    }
  }

  private localPath(kind: LocalKind): Path {
    const a = makeAttrs({
      origin: kind === 'network' ? ORIGIN_IGP : ORIGIN_INCOMPLETE, asPath: EMPTY_AS_PATH, nextHop: 0, localPref: 100, med: this.deps.localMed ?? null,
    });
    return { source: null, attrs: a, weight: LOCAL_WEIGHT, updatedAt: this.clock.wallNow(), local: kind };
  }

  /** A route of another source came or went: network statements, redistribution, next hops. */
  private tableChanged(addr: number, len: number): void {
    if (this.installing || this.cfg === null) return;
    const t = this.deps.table!;
    const k = prefixKey(addr, len);
    const toggle = (kind: LocalKind, on: boolean) => {
      const have = this.local.get(kind)!;
      if (on === have.has(k)) return;
      const next = new Set(have);
      if (on) next.add(k);
      else next.delete(k);
      this.setLocal(kind, next);
    };
    if (this.cfg.networks.some((n) => prefixKey(n.addr, n.len) === k)) toggle('network', t.has(addr, len, null));
    if (this.cfg.redistribute.includes('connected')) toggle('connected', t.has(addr, len, 'connected'));
    if (this.cfg.redistribute.includes('static')) toggle('static', t.has(addr, len, 'static'));
    // Next hops may resolve differently now: install again, once, after this burst of changes.
    this.hops.clear();
    if (this.resolveTimer === null && this.locRib.size > 0) {
      this.resolveTimer = this.clock.setTimeout(() => {
        this.resolveTimer = null;
        for (const d of this.locRib.dests.values()) this.syncTable(d);
      }, 0);
    }
  }

  // ================================================================= PeerHost

  log(peer: Peer, text: string, severity: 'info' | 'notice' | 'warning'): void {
    this.deps.log(`neighbor ${peer.name}: ${text}`, severity);
  }

  established(peer: Peer): void {
    const rib = this.ribs.get(peer);
    if (!rib) return;
    rib.lastAnnounce = -Infinity;
    for (const k of this.locRib.dests.keys()) rib.pending.add(k);
    this.flush(peer, true);
    peer.sendUpdates([encodeEndOfRib()]);
  }

  down(peer: Peer): void {
    this.dropPeerRoutes(peer);
  }

  private dropPeerRoutes(peer: Peer): void {
    const rib = this.ribs.get(peer);
    if (!rib) return;
    for (const k of [...rib.adjIn.keys()]) {
      const d = this.locRib.set(k, peer, null, null);
      if (d) this.destChanged(d);
    }
    rib.adjIn.clear();
    rib.adjInRaw.clear();
    rib.adjOut.clear();
    rib.pending.clear();
    rib.outMemo.clear();
    rib.timer?.cancel();
    rib.soon?.cancel();
    rib.timer = rib.soon = null;
  }

  update(peer: Peer, u: DecodedUpdate): void {
    const rib = this.ribs.get(peer);
    if (!rib) return;
    for (const k of u.withdrawn) this.withdrawFrom(peer, rib, k);
    if (u.discarded.length > 0) this.log(peer, `UPDATE attributes discarded (RFC 7606): ${u.discarded.join(', ')}`, 'warning');
    if (u.nlri.length === 0) return;
    if (u.attrs === null) {
      this.log(peer, `UPDATE treated as withdraw (RFC 7606): ${u.withdrawReason}: ${u.nlri.length} prefix(es) starting ${formatPrefix({ addr: keyAddr(u.nlri[0]!) as Ipv4, len: keyLen(u.nlri[0]!) })}`, 'warning');
      for (const k of u.nlri) this.withdrawFrom(peer, rib, k);
      return;
    }
    const attrs = u.attrs;
    const soft = peer.cfg.softReconfigInbound;
    const reject = this.rejectAttrs(peer, attrs);
    for (const k of u.nlri) {
      if (soft) {
        rib.adjInRaw.delete(k);
        rib.adjInRaw.set(k, attrs);
      }
      this.importPath(peer, rib, k, attrs, reject);
    }
  }

  /** Why routes with these attributes from `peer` are refused whatever their prefix (null: they are not). */
  private rejectAttrs(peer: Peer, a: PathAttrs): string | null {
    if (asPathContains(a.asPath, this.asn)) return 'AS path loop';
    if (peer.external && neighborAs(a.asPath) !== peer.remoteAs) return 'first AS is not the peer\'s';
    if (a.nextHop === 0 || (a.nextHop >>> 28) >= 0xe || a.nextHop === peer.transport?.localAddr) return 'invalid next hop';
    return null;
  }

  private importPath(peer: Peer, rib: PeerRib, k: PrefixKey, attrs: PathAttrs, reject: string | null): void {
    if (reject === null && rib.importFilter(keyAddr(k), keyLen(k))) {
      const path: Path = { source: peer, attrs, weight: peer.cfg.weight, updatedAt: this.clock.wallNow(), local: null };
      rib.adjIn.set(k, path);
      const d = this.locRib.set(k, peer, null, path);
      if (d) this.destChanged(d);
    } else if (rib.adjIn.delete(k)) {
      const d = this.locRib.set(k, peer, null, null);
      if (d) this.destChanged(d);
    }
  }

  private withdrawFrom(peer: Peer, rib: PeerRib, k: PrefixKey): void {
    rib.adjInRaw.delete(k);
    if (!rib.adjIn.delete(k)) return;
    const d = this.locRib.set(k, peer, null, null);
    if (d) this.destChanged(d);
  }

  refreshRequested(peer: Peer): void {
    const rib = this.ribs.get(peer);
    if (!rib) return;
    rib.adjOut.clear();
    for (const k of this.locRib.dests.keys()) rib.pending.add(k);
    this.flush(peer, true);
  }

  // ================================================================= soft reconfiguration

  /** Applies the import policy again: from the kept Adj-RIB-In, or by asking the peer (ROUTE-REFRESH). */
  softIn(peer: Peer): 'soft' | 'refresh' | 'none' {
    const rib = this.ribs.get(peer);
    if (!rib || peer.state !== 'Established') return 'none';
    rib.importFilter = prefixFilter(this.prefixLists, peer.cfg.prefixListIn);
    if (peer.cfg.softReconfigInbound) {
      for (const [k, a] of rib.adjInRaw) this.importPath(peer, rib, k, a, this.rejectAttrs(peer, a));
      return 'soft';
    }
    return peer.requestRefresh() ? 'refresh' : 'none';
  }

  /** Sends the table to the peer again through the export policy. */
  softOut(peer: Peer): void {
    const rib = this.ribs.get(peer);
    if (!rib || peer.state !== 'Established') return;
    rib.exportFilter = prefixFilter(this.prefixLists, peer.cfg.prefixListOut);
    rib.outMemo.clear();
    for (const k of rib.adjOut.keys()) rib.pending.add(k);
    for (const k of this.locRib.dests.keys()) rib.pending.add(k);
    this.flush(peer, true);
  }

  // ================================================================= selection results

  private destChanged(d: Dest): void {
    this.syncTable(d);
    for (const [p, rib] of this.ribs) {
      if (p.state !== 'Established') continue;
      // The usual case of a table arriving: its best path came from this very peer, which was sent nothing.
      if (d.sel.best?.source === p && !rib.adjOut.has(d.key)) {
        if (rib.pending.size === 0 && rib.timer === null) rib.version = this.locRib.version;
        continue;
      }
      rib.pending.add(d.key);
      this.scheduleFlush(p, rib);
    }
  }

  /** Installs the prefix's selected paths in the routing table (or withdraws it). */
  private syncTable(d: Dest): void {
    const t = this.deps.table;
    if (t === null) return;
    const best = d.sel.best;
    const live = this.locRib.get(d.key) === d;
    if (!live || best === null || best.source === null) {
      if (d.installedAt >= 0) this.uninstall(d);
      return;
    }
    const ps = d.sel.multipath;
    let hops = ps.length === 1 ? this.hopsVia(t, ps[0]!.attrs.nextHop) : [];
    if (ps.length > 1) for (const p of ps) hops = hops.concat(this.hopsVia(t, p.attrs.nextHop));
    if (hops.length === 0) {
      if (d.installedAt >= 0) this.uninstall(d);
      return;
    }
    const external = best.source.external;
    this.installing = true;
    try {
      t.install(keyAddr(d.key), keyLen(d.key), hops, external ? EBGP_DISTANCE : IBGP_DISTANCE_BGP, best.attrs.med ?? 0);
    } finally {
      this.installing = false;
    }
    if (d.installedAt < 0) d.installedAt = this.clock.now();
  }

  /** The routing table's next hops for a BGP next hop (empty: unresolved), shared by the prefixes that have it. */
  private hopsVia(t: BgpRoutingTable, nh: number): readonly { gw: number; ifIdx: number }[] {
    let h = this.hops.get(nh);
    if (h === undefined) {
      const r = t.resolve(nh);
      h = r === null ? [] : r.map((x) => ({ gw: x.gw === 0 ? nh : x.gw, ifIdx: x.ifIdx }));
      this.hops.set(nh, h);
    }
    return h;
  }

  private uninstall(d: Dest): void {
    d.installedAt = -1;
    this.installing = true;
    try {
      this.deps.table?.withdraw(keyAddr(d.key), keyLen(d.key));
    } finally {
      this.installing = false;
    }
  }

  // ================================================================= export

  private advertisementIntervalMs(peer: Peer): number {
    return (peer.cfg.advertisementInterval ?? (peer.external ? 30 : 5)) * 1000;
  }

  private scheduleFlush(peer: Peer, rib: PeerRib): void {
    if (rib.soon !== null) return;
    rib.soon = this.clock.setTimeout(() => {
      rib.soon = null;
      this.flush(peer, false);
    }, 0);
  }

  /** The attributes `peer` gets for the prefix's best path, or null when it gets nothing. */
  exportAttrs(peer: Peer, rib: PeerRib, d: Dest | undefined): PathAttrs | null {
    const best = d?.sel.best ?? null;
    if (best === null || d === undefined) return null;
    if (best.source === peer) return null;
    if (best.source !== null && !best.source.external && !peer.external) return null;
    if (!communitiesAllow(best.attrs.communities, peer.external)) return null;
    if (!rib.exportFilter(keyAddr(d.key), keyLen(d.key))) return null;
    let out = rib.outMemo.get(best.attrs);
    if (out !== undefined) return out;
    const self = peer.transport?.localAddr ?? 0;
    const a = best.attrs;
    if (peer.external) {
      out = { ...a, asPath: prependAs(a.asPath, this.asn), nextHop: self, med: best.source === null ? a.med : null,
        localPref: null, originatorId: null, clusterList: null };
    } else {
      const nh = best.source === null || peer.cfg.nextHopSelf || a.nextHop === 0 ? self : a.nextHop;
      out = { ...a, nextHop: nh, localPref: localPrefOf(best) };
    }
    if (rib.outMemo.size > 4096) rib.outMemo.clear();
    rib.outMemo.set(a, out);
    return out;
  }

  /** Sends what changed for `peer`: withdrawals at once, announcements when the interval allows (or `force`). */
  flush(peer: Peer, force: boolean): void {
    const rib = this.ribs.get(peer);
    if (!rib || peer.state !== 'Established' || rib.pending.size === 0) return;
    const now = this.clock.now();
    const interval = this.advertisementIntervalMs(peer);
    const canAnnounce = force || now - rib.lastAnnounce >= interval;
    const withdrawals: PrefixKey[] = [];
    const groups = new Map<PathAttrs, PrefixKey[]>();
    const deferred: PrefixKey[] = [];
    for (const k of rib.pending) {
      const out = this.exportAttrs(peer, rib, this.locRib.get(k));
      const prev = rib.adjOut.get(k);
      if (out === null) {
        if (prev !== undefined) {
          rib.adjOut.delete(k);
          withdrawals.push(k);
        }
        continue;
      }
      if (prev !== undefined && (prev === out || sameAttrs(prev, out))) continue;
      if (!canAnnounce) {
        deferred.push(k);
        continue;
      }
      rib.adjOut.delete(k);
      rib.adjOut.set(k, out);
      let g = groups.get(out);
      if (g === undefined) groups.set(out, (g = []));
      g.push(k);
    }
    rib.pending.clear();
    const msgs: Uint8Array[] = [];
    if (withdrawals.length > 0) msgs.push(...encodeWithdrawals(withdrawals));
    for (const [out, keys] of groups) msgs.push(...encodeAnnouncements(encodeAttrs(out, peer.fourOctet), keys));
    if (msgs.length > 0) peer.sendUpdates(msgs);
    if (groups.size > 0) rib.lastAnnounce = now;
    if (deferred.length > 0) {
      for (const k of deferred) rib.pending.add(k);
      rib.timer?.cancel();
      rib.timer = this.clock.setTimeout(() => {
        rib.timer = null;
        this.flush(peer, false);
      }, Math.max(0, rib.lastAnnounce + interval - now));
    } else {
      rib.version = this.locRib.version;
    }
  }

  // ================================================================= operator actions

  /** `clear ip bgp A [soft [in|out]]`. */
  clear(addr: number, how: 'hard' | 'soft' | 'in' | 'out'): string | null {
    const p = this.peers.get(addr >>> 0);
    if (p === undefined) return null;
    if (how === 'hard') {
      p.reset();
      return 'reset';
    }
    let r = '';
    if (how === 'soft' || how === 'in') r = this.softIn(p);
    if (how === 'soft' || how === 'out') this.softOut(p);
    return r || 'out';
  }

  // ================================================================= views

  /** Distinct AS paths and community lists among the Loc-RIB's paths (`show ip bgp summary`). */
  attributeCounts(): { asPaths: number; communities: number } {
    const paths = new Set<string>(), comms = new Set<string>();
    for (const d of this.locRib.dests.values()) {
      for (const p of d.paths) {
        paths.add(p.attrs.asPath.map((s) => `${s.type}:${s.asns.join(',')}`).join(' '));
        if (p.attrs.communities) comms.add(p.attrs.communities.join(','));
      }
    }
    return { asPaths: paths.size, communities: comms.size };
  }

  /** The peers the prefix's best path is announced to. */
  advertisedTo(k: PrefixKey): Peer[] {
    const out: Peer[] = [];
    for (const [p, rib] of this.ribs) if (rib.adjOut.has(k)) out.push(p);
    return out;
  }
}
