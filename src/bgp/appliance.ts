// The appliance's BGP speaker: on the host stack's TCP, feeding and watching the engine's
// routing table, hearing the services' health, logging to the appliance's log, following
// every committed configuration. The show commands find it with `bgpOf(app)`.

import type { Appliance } from '../appliance.js';
import { interfaceKind } from '../config/derived.js';
import type { RunningConfig } from '../config/model.js';
import type { Engine } from '../engine/engine.js';
import type { Ipv4 } from '../net/addr.js';
import type { Rib } from '../routing/index.js';
import type { HostStack } from '../stack/host-stack.js';
import { BgpSpeaker, type BgpRoutingTable } from './speaker.js';
import { tcpNet } from './transport.js';

const speakers = new WeakMap<Appliance, BgpSpeaker>();

/** The appliance's speaker (null: none was started, e.g. no dataplane). */
export function bgpOf(app: Appliance): BgpSpeaker | null {
  return speakers.get(app) ?? null;
}

/**
 * The routing table as the speaker sees it: the engine's RIB, BGP's own routes under source
 * `bgp`. Next hops resolve through the longest prefix that has a route of another source (never
 * through BGP's own routes, so a route cannot carry itself); resolutions are cached until a
 * route of another source changes.
 */
export function ribTable(rib: Rib): BgpRoutingTable {
  let own = false;
  const cache = new Map<number, { gw: number; ifIdx: number }[] | null>();
  rib.subscribe(() => {
    if (!own) cache.clear();
  });
  const mine = <T>(fn: () => T): T => {
    own = true;
    try {
      return fn();
    } finally {
      own = false;
    }
  };
  return {
    subscribe: (onChange) => rib.subscribe((c) => {
      if (!own) onChange(c.prefix.addr, c.prefix.len);
    }),
    routes(source) {
      const out: { addr: number; len: number }[] = [];
      for (const e of rib.entries()) {
        if (e.routes.some((r) => r.source === source && r.distance < 255)) out.push({ addr: e.prefix.addr, len: e.prefix.len });
      }
      return out;
    },
    has: (addr, len, source) => rib.routesFor({ addr, len }).some((r) => r.distance < 255 && (source === null ? r.source !== 'bgp' : r.source === source)),
    resolve(addr) {
      const hit = cache.get(addr >>> 0);
      if (hit !== undefined) return hit;
      let out: { gw: number; ifIdx: number }[] | null = null;
      for (let len = 32; len >= 0 && out === null; len--) {
        const r = rib.routesFor({ addr, len }).find((x) => x.source !== 'bgp' && x.distance < 255);
        if (r) out = r.nexthops.map((n) => ({ gw: n.gw, ifIdx: n.ifIdx }));
      }
      cache.set(addr >>> 0, out);
      return out;
    },
    install: (addr, len, nexthops, distance, metric) => mine(() => {
      rib.add({ prefix: { addr, len }, source: 'bgp', distance, metric, nexthops });
    }),
    withdraw: (addr, len) => mine(() => {
      rib.withdraw({ addr, len }, 'bgp');
    }),
  };
}

/** Router id when none is configured: the highest loopback address, else the highest interface address. */
export function defaultRouterId(cfg: RunningConfig): number {
  let lo = 0, any = 0;
  for (const i of cfg.interfaces) {
    if (!i.address) continue;
    const a = i.address.addr >>> 0;
    if (interfaceKind(i.name) === 'loopback') lo = Math.max(lo, a);
    any = Math.max(any, a);
  }
  return lo || any;
}

export function startBgp(app: Appliance, engine: Engine, stack: HostStack): BgpSpeaker {
  const speaker = new BgpSpeaker({
    clock: app.clock,
    net: tcpNet({
      listen: (port, onAccept) => stack.tcpListen(port, onAccept),
      connect: (dst, port, o) => stack.tcpConnect(dst, port, { ...(o.src !== undefined ? { src: o.src as Ipv4 } : {}), ...(o.ttl !== undefined ? { ttl: o.ttl } : {}) }),
    }),
    table: ribTable(engine.rib),
    log: (text, severity) => app.log.add('bgp', text, severity),
    subscribeServiceHealth: (l) => engine.subscribeServiceHealth(l),
  });
  speakers.set(app, speaker);
  let last: RunningConfig | null = null;
  let closer = false;
  const apply = (cfg: RunningConfig) => {
    if (last !== null && last.bgp === cfg.bgp && last.prefixLists === cfg.prefixLists && last.interfaces === cfg.interfaces) return;
    last = cfg;
    speaker.configure(cfg.bgp, cfg.prefixLists, defaultRouterId(cfg));
    // Closers run last-registered first: registered once BGP is configured (after the ports are
    // attached), the speaker's Cease NOTIFICATIONs leave before the ports close.
    if (cfg.bgp !== null && !closer) {
      closer = true;
      app.onClose(() => speaker.shutdown());
    }
  };
  apply(app.config);
  const unsubscribe = app.store.subscribe((next) => apply(next));
  app.onClose(() => {
    unsubscribe();
    speaker.shutdown();
  });
  return speaker;
}
