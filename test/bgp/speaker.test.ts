import { describe, expect, it } from 'vitest';
import { withPrefixRule, type PrefixListConfig } from '../../src/config/bgp.js';
import { defaultConfig } from '../../src/config/defaults.js';
import { ipv4, parsePrefix, type Prefix } from '../../src/net/addr.js';
import { formatAsPath } from '../../src/bgp/as-path.js';
import { comparePaths, selectPaths, type Path, type PathSource } from '../../src/bgp/best-path.js';
import { attrs } from '../../src/bgp/path-attrs.js';
import { prefixListPermits } from '../../src/bgp/policy.js';
import { formatKey, prefixKey } from '../../src/bgp/prefix-key.js';
import type { ServiceHealth } from '../../src/bgp/speaker.js';
import { AS_SEQUENCE, COMMUNITY_NO_EXPORT } from '../../src/bgp/wire/constants.js';
import { neighbor, PipeNet, testSpeaker, type TestSpeaker } from './helpers.js';

const pfx = (s: string): Prefix => parsePrefix(s)!;
const key = (s: string) => { const p = pfx(s); return prefixKey(p.addr, p.len); };

/** File 003's prefix list BGP. */
function file003Lists(): PrefixListConfig[] {
  let cfg = defaultConfig();
  const rules: [number, 'permit' | 'deny', string][] = [
    [10, 'deny', '203.0.113.1/32'], [20, 'deny', '192.0.2.1/32'], [30, 'deny', '192.168.1.1/32'], [40, 'deny', '172.16.0.254/32'],
    [100, 'permit', '192.168.1.0/24'], [110, 'permit', '172.16.0.0/22'],
  ];
  for (const [seq, action, p] of rules) cfg = withPrefixRule(cfg, 'BGP', seq, (r) => ({ ...r, action, prefix: pfx(p) }));
  return [...cfg.prefixLists];
}

const loc = (s: TestSpeaker) => [...s.speaker.locRib.dests.values()].map((d) => formatKey(d.key));

describe('prefix lists', () => {
  it('first match decides, ge/le ranges, implicit deny', () => {
    let cfg = defaultConfig();
    cfg = withPrefixRule(cfg, 'L', 5, (r) => ({ ...r, action: 'deny', prefix: pfx('10.0.0.0/8'), ge: 24, le: 24 }));
    cfg = withPrefixRule(cfg, 'L', 10, (r) => ({ ...r, action: 'permit', prefix: pfx('10.0.0.0/8'), le: 32 }));
    const l = cfg.prefixLists[0]!;
    const ok = (s: string) => { const p = pfx(s); return prefixListPermits(l, p.addr, p.len); };
    expect(ok('10.1.2.0/24')).toBe(false);
    expect(ok('10.1.0.0/16')).toBe(true);
    expect(ok('10.0.0.0/8')).toBe(true);
    expect(ok('11.0.0.0/8')).toBe(false);
    const f = file003Lists()[0]!;
    const ok3 = (s: string) => { const p = pfx(s); return prefixListPermits(f, p.addr, p.len); };
    expect(['192.168.1.0/24', '172.16.0.0/22'].map(ok3)).toEqual([true, true]);
    expect(['192.168.1.1/32', '172.16.0.254/32', '172.16.1.0/24'].map(ok3)).toEqual([false, false, false]);
  });
});

describe('best path selection', () => {
  const src = (addr: string, external = true, id = addr): PathSource => ({ addr: ipv4(addr), routerId: ipv4(id), external });
  const path = (over: Partial<Path> & { a?: Parameters<typeof attrs>[0] }): Path => ({
    source: src('10.0.0.1'), weight: 0, updatedAt: 0, local: null, ...over, attrs: attrs({ asPath: [{ type: AS_SEQUENCE, asns: [1] }], nextHop: 1, ...over.a }),
  });
  it('weight, local-pref, local origin, AS path length, origin, MED, eBGP over iBGP, router id, in that order', () => {
    const better = (a: Path, b: Path) => expect(comparePaths(a, b)).toBeLessThan(0);
    better(path({ weight: 10, a: { localPref: 50 } }), path({ a: { localPref: 500 } }));
    better(path({ a: { localPref: 200, asPath: [{ type: AS_SEQUENCE, asns: [1, 2, 3] }] } }), path({}));
    better(path({ source: null, a: { asPath: [] } }), path({ a: { asPath: [] } }));
    better(path({}), path({ a: { asPath: [{ type: AS_SEQUENCE, asns: [1, 2] }] } }));
    better(path({ a: { origin: 0 } }), path({ a: { origin: 2, med: 0 } }));
    better(path({ a: { med: 5 } }), path({ a: { med: 50 } }));
    better(path({ source: src('10.0.0.9', true), a: { med: 50 } }), path({ source: src('10.0.0.1', false), a: { med: 5, asPath: [{ type: AS_SEQUENCE, asns: [7] }] } }));
    better(path({ source: src('10.0.0.9', true, '1.1.1.1') }), path({ source: src('10.0.0.1', true, '2.2.2.2') }));
  });

  it('multipath takes equal paths with the same AS path and distinct next hops, up to maximum-paths', () => {
    const ps = [1, 2, 3].map((i) => path({ source: src(`10.0.0.${i}`), a: { nextHop: i } }));
    expect(selectPaths(ps, 2, 1).multipath).toHaveLength(2);
    expect(selectPaths(ps, 8, 1).multipath).toHaveLength(3);
    const other = path({ source: src('10.0.0.4'), a: { nextHop: 4, asPath: [{ type: AS_SEQUENCE, asns: [9] }] } });
    expect(selectPaths([...ps, other], 8, 1).multipath).toHaveLength(3);
  });
});

/** File 003's two routers: ER (AS 65510, network 192.168.1.0/24) and the Azure gateway (AS 65515). */
function file003(opts: { soft?: boolean } = {}) {
  const net = new PipeNet();
  const er = testSpeaker(net, '192.168.1.1', 65510, '203.0.113.1');
  const az = testSpeaker(net, '172.16.0.254', 65515);
  er.lists = file003Lists();
  er.table.setPresent('192.168.1.0/24', true);
  er.cfg = neighbor({ ...er.cfg, networks: [pfx('192.168.1.0/24')] }, '172.16.0.254', 65515,
    { ebgpMultihop: 2, updateSource: ipv4('192.168.1.1'), softReconfigInbound: opts.soft ?? true, prefixListIn: 'BGP', prefixListOut: 'BGP' });
  for (const p of ['192.168.1.0/24', '192.168.1.1/32', '172.16.0.0/22']) az.table.setPresent(p, true);
  az.cfg = neighbor({ ...az.cfg, networks: ['192.168.1.0/24', '192.168.1.1/32', '172.16.0.0/22'].map(pfx) }, '192.168.1.1', 65510);
  er.apply();
  az.apply();
  net.clock.advance(5000);
  return { net, er, az };
}

describe('the speaker: routes both ways through prefix lists (file 003)', () => {
  it('accepts what the import list permits, keeps the rest in the Adj-RIB-In, installs the best as BGP', () => {
    const { er } = file003();
    const peer = er.speaker.peers.get(ipv4('172.16.0.254'))!;
    expect(peer.state).toBe('Established');
    const rib = er.speaker.ribs.get(peer)!;
    expect([...rib.adjInRaw.keys()].map(formatKey)).toEqual(['192.168.1.0/24', '192.168.1.1/32', '172.16.0.0/22']);
    expect([...rib.adjIn.keys()].map(formatKey)).toEqual(['192.168.1.0/24', '172.16.0.0/22']);
    expect(loc(er)).toEqual(['192.168.1.0/24', '172.16.0.0/22']);
    const d = er.speaker.locRib.get(key('192.168.1.0/24'))!;
    expect(d.paths).toHaveLength(2);
    expect(d.sel.best!.source).toBeNull();
    expect([...er.table.installed.keys()]).toEqual(['172.16.0.0/22']);
    expect(er.table.installed.get('172.16.0.0/22')).toMatchObject({ distance: 20, nexthops: [{ gw: ipv4('172.16.0.254'), ifIdx: 1 }] });
  });

  it('announces only what the export list permits, never back to the peer it came from, with next hop self and its AS', () => {
    const { er, az } = file003();
    const peer = er.speaker.peers.get(ipv4('172.16.0.254'))!;
    expect([...er.speaker.ribs.get(peer)!.adjOut.keys()].map(formatKey)).toEqual(['192.168.1.0/24']);
    const d = az.speaker.locRib.get(key('192.168.1.0/24'))!;
    const fromEr = d.paths.find((p) => p.source !== null)!;
    expect(formatAsPath(fromEr.attrs.asPath)).toBe('65510');
    expect(fromEr.attrs.nextHop).toBe(ipv4('192.168.1.1'));
    expect(fromEr.attrs.localPref).toBeNull();
  });

  it('withdraws a network when its route leaves the routing table, and announces it again when it comes back', () => {
    const { net, er, az } = file003();
    const azPaths = () => az.speaker.locRib.get(key('192.168.1.0/24'))!.paths.length;
    expect(azPaths()).toBe(2);
    er.table.setPresent('192.168.1.0/24', false);
    net.clock.advance(10);
    expect(azPaths()).toBe(1);
    er.table.setPresent('192.168.1.0/24', true);
    net.clock.advance(40_000);
    expect(azPaths()).toBe(2);
  });

  it('propagates a withdrawal from the peer into the routing table', () => {
    const { net, er, az } = file003();
    az.apply((c) => ({ ...c, networks: c.networks.filter((p) => p.len !== 22) }));
    net.clock.advance(10);
    expect(er.table.installed.has('172.16.0.0/22')).toBe(false);
    expect(loc(er)).toEqual(['192.168.1.0/24']);
  });

  it('applies a new import policy from the kept Adj-RIB-In (soft-reconfiguration) or by ROUTE-REFRESH', () => {
    for (const soft of [true, false]) {
      const { net, er, az } = file003({ soft });
      const peer = er.speaker.peers.get(ipv4('172.16.0.254'))!;
      const before = az.speaker.peers.get(ipv4('192.168.1.1'))!.counters.refreshIn;
      er.lists = er.lists.map((l) => ({ ...l, rules: l.rules.map((r) => (r.seq === 30 ? { ...r, action: 'permit' as const } : r)) }));
      er.apply();
      net.clock.advance(10);
      expect(loc(er)).toContain('192.168.1.1/32');
      expect(az.speaker.peers.get(ipv4('192.168.1.1'))!.counters.refreshIn - before).toBe(soft ? 0 : 1);
      expect(peer.counters.refreshOut).toBe(soft ? 0 : 1);
    }
  });

  it('drops routes that carry its own AS (loop) and routes whose first AS is not the peer\'s', () => {
    const net = new PipeNet();
    const a = testSpeaker(net, '10.0.0.1', 65001);
    const b = testSpeaker(net, '10.0.0.2', 65002);
    const c = testSpeaker(net, '10.0.0.3', 65003);
    a.table.setPresent('10.10.0.0/16', true);
    a.cfg = neighbor(neighbor({ ...a.cfg, networks: [pfx('10.10.0.0/16')] }, '10.0.0.2', 65002), '10.0.0.3', 65003);
    b.cfg = neighbor(neighbor(b.cfg, '10.0.0.1', 65001), '10.0.0.3', 65003);
    c.cfg = neighbor(neighbor(c.cfg, '10.0.0.2', 65002), '10.0.0.1', 65001);
    for (const s of [a, b, c]) s.apply();
    net.clock.advance(40_000);
    // c learned it from a directly and through b; it passes b's path back to a, which refuses it.
    expect(c.speaker.locRib.get(key('10.10.0.0/16'))!.paths).toHaveLength(2);
    expect(a.speaker.locRib.get(key('10.10.0.0/16'))!.paths).toHaveLength(1);
    expect(a.speaker.ribs.get(a.speaker.peers.get(ipv4('10.0.0.3'))!)!.adjIn.size).toBe(0);
  });

  it('does not export a route with NO_EXPORT to an eBGP peer', () => {
    const { net, er, az } = file003();
    const peer = er.speaker.peers.get(ipv4('172.16.0.254'))!;
    const rib = er.speaker.ribs.get(peer)!;
    const d = er.speaker.locRib.get(key('192.168.1.0/24'))!;
    const best = d.sel.best!;
    expect(er.speaker.exportAttrs(peer, rib, d)).not.toBeNull();
    (best as { attrs: unknown }).attrs = { ...best.attrs, communities: [COMMUNITY_NO_EXPORT] };
    rib.outMemo.clear();
    expect(er.speaker.exportAttrs(peer, rib, d)).toBeNull();
    void net; void az;
  });
});

describe('iBGP', () => {
  it('installs iBGP routes at distance 200 with their LOCAL_PREF, and never passes one iBGP peer\'s route to another', () => {
    const net = new PipeNet();
    const a = testSpeaker(net, '10.0.0.1', 65001);
    const b = testSpeaker(net, '10.0.0.2', 65001);
    const c = testSpeaker(net, '10.0.0.3', 65001);
    a.table.setPresent('10.50.0.0/16', true);
    a.cfg = neighbor({ ...a.cfg, networks: [pfx('10.50.0.0/16')] }, '10.0.0.2', 65001);
    b.cfg = neighbor(neighbor(b.cfg, '10.0.0.1', 65001), '10.0.0.3', 65001);
    c.cfg = neighbor(c.cfg, '10.0.0.2', 65001);
    for (const s of [a, b, c]) s.apply();
    net.clock.advance(20_000);
    const d = b.speaker.locRib.get(key('10.50.0.0/16'))!;
    expect(d.sel.best!.attrs.localPref).toBe(100);
    expect(d.sel.best!.source!.external).toBe(false);
    expect(formatAsPath(d.sel.best!.attrs.asPath)).toBe('');
    expect(b.table.installed.get('10.50.0.0/16')).toMatchObject({ distance: 200, nexthops: [{ gw: ipv4('10.0.0.1'), ifIdx: 1 }] });
    expect(c.speaker.locRib.get(key('10.50.0.0/16'))).toBeUndefined();
  });
});

describe('ECMP and VIP announcement (scale-out)', () => {
  /** A router (AS 65000) and two load balancers (AS 65001) announcing VIP 192.0.2.80 while their service is ACT. */
  function scaleOut(maxPaths: number) {
    const net = new PipeNet();
    const router = testSpeaker(net, '10.0.0.254', 65000);
    const listeners: ((e: ServiceHealth) => void)[] = [];
    const lbs = ['10.0.0.1', '10.0.0.2'].map((addr, i) => {
      const s = testSpeaker(net, addr, 65001, addr, {
        subscribeServiceHealth: (l) => {
          listeners[i] = l;
          l({ slb: 'web', vips: [ipv4('192.0.2.80')], state: 'DEACT', removed: false });
          return () => {};
        },
      });
      s.cfg = neighbor({ ...s.cfg, redistribute: ['slb'] }, '10.0.0.254', 65000, { advertisementInterval: 0 });
      s.apply();
      return s;
    });
    router.cfg = neighbor(neighbor({ ...router.cfg, maximumPaths: maxPaths }, '10.0.0.1', 65001), '10.0.0.2', 65001);
    router.apply();
    net.clock.advance(5000);
    const health = (i: number, state: string) => listeners[i]!({ slb: 'web', vips: [ipv4('192.0.2.80')], state, removed: false });
    return { net, router, lbs, health };
  }

  it('announces a VIP as a /32 only while its service is ACT, withdrawn within a second of DEACT', () => {
    const { net, router, health } = scaleOut(2);
    expect(router.table.installed.has('192.0.2.80/32')).toBe(false);
    health(0, 'ACT');
    net.clock.advance(100);
    expect(router.table.installed.get('192.0.2.80/32')!.nexthops).toEqual([{ gw: ipv4('10.0.0.1'), ifIdx: 1 }]);
    health(0, 'DEACT');
    net.clock.advance(999);
    expect(router.table.installed.has('192.0.2.80/32')).toBe(false);
  });

  it('installs both load balancers as ECMP next hops with maximum-paths 2, one with 1', () => {
    for (const [max, n] of [[2, 2], [1, 1]] as const) {
      const { net, router, health } = scaleOut(max);
      health(0, 'ACT');
      health(1, 'ACT');
      net.clock.advance(100);
      expect(router.table.installed.get('192.0.2.80/32')!.nexthops).toHaveLength(n);
      if (max === 2) {
        health(1, 'DEACT');
        net.clock.advance(100);
        expect(router.table.installed.get('192.0.2.80/32')!.nexthops).toEqual([{ gw: ipv4('10.0.0.1'), ifIdx: 1 }]);
      }
    }
  });

  it('holds announcements to the advertisement interval but sends withdrawals at once', () => {
    const net = new PipeNet();
    const a = testSpeaker(net, '10.0.0.1', 65001);
    const b = testSpeaker(net, '10.0.0.2', 65002);
    a.cfg = neighbor(a.cfg, '10.0.0.2', 65002);
    b.cfg = neighbor(b.cfg, '10.0.0.1', 65001);
    a.apply();
    b.apply();
    net.clock.advance(5000);
    a.table.setPresent('10.1.0.0/16', true);
    a.apply((c) => ({ ...c, networks: [pfx('10.1.0.0/16')] }));
    net.clock.advance(10);
    expect(b.table.installed.has('10.1.0.0/16')).toBe(true);
    a.table.setPresent('10.2.0.0/16', true);
    a.apply((c) => ({ ...c, networks: [pfx('10.1.0.0/16'), pfx('10.2.0.0/16')] }));
    net.clock.advance(10);
    expect(b.table.installed.has('10.2.0.0/16')).toBe(false);
    a.apply((c) => ({ ...c, networks: [pfx('10.2.0.0/16')] }));
    net.clock.advance(10);
    expect(b.table.installed.has('10.1.0.0/16')).toBe(false);
    net.clock.advance(30_000);
    expect(b.table.installed.has('10.2.0.0/16')).toBe(true);
  });
});
