import { describe, expect, it } from 'vitest';
import { ipv4 } from '../../src/net/addr.js';
import { IBGP_DISTANCE, Rib, type RibChange } from '../../src/routing/rib.js';
import { Prng } from '../../src/util/prng.js';

const NET = { addr: ipv4('10.1.0.0'), len: 16 };
const IN_NET = ipv4('10.1.2.3');
const A = { gw: ipv4('192.0.2.1'), ifIdx: 1 };
const B = { gw: ipv4('192.0.2.2'), ifIdx: 1 };
const C = { gw: ipv4('198.51.100.1'), ifIdx: 2 };

/** The gateway and interface a packet to `dst` leaves by (flow 0). */
function via(rib: Rib, dst: number, flow = 0): [number, number] | null {
  const id = rib.lookup(dst, flow);
  return id < 0 ? null : [rib.nhGateway(id), rib.nhIfIdx(id)];
}

describe('Rib selection', () => {
  it('prefers the lowest distance and falls back to a worse source on withdrawal', () => {
    const rib = new Rib();
    rib.add({ prefix: NET, source: 'bgp', owner: 'peer1', nexthops: [C] });
    expect(via(rib, IN_NET)).toEqual([C.gw, 2]);
    rib.add({ prefix: NET, source: 'static', owner: A.gw.toString(), nexthops: [A] });
    expect(via(rib, IN_NET)).toEqual([A.gw, 1]);
    rib.add({ prefix: NET, source: 'connected', nexthops: [{ gw: 0, ifIdx: 3 }] });
    expect(via(rib, IN_NET)).toEqual([0, 3]);
    expect(rib.best(NET)!.source).toBe('connected');
    expect(rib.routesFor(NET).map((r) => r.source)).toEqual(['connected', 'static', 'bgp']);

    expect(rib.withdraw(NET, 'connected')).toBe(true);
    expect(via(rib, IN_NET)).toEqual([A.gw, 1]);
    expect(rib.withdraw(NET, 'static', A.gw.toString())).toBe(true);
    expect(via(rib, IN_NET)).toEqual([C.gw, 2]);
    expect(rib.best(NET)).toMatchObject({ source: 'bgp', distance: 20, metric: 0 });
    expect(rib.withdraw(NET, 'bgp', 'peer1')).toBe(true);
    expect(via(rib, IN_NET)).toBeNull();
    expect(rib.best(NET)).toBeNull();
    expect(rib.withdraw(NET, 'bgp', 'peer1')).toBe(false);
  });

  it('breaks a distance tie by metric, and an iBGP route loses to eBGP and static', () => {
    const rib = new Rib();
    rib.add({ prefix: NET, source: 'bgp', owner: 'ibgp', distance: IBGP_DISTANCE, nexthops: [C] });
    rib.add({ prefix: NET, source: 'static', owner: 'a', metric: 10, nexthops: [A] });
    rib.add({ prefix: NET, source: 'static', owner: 'b', metric: 5, nexthops: [B] });
    expect(via(rib, IN_NET)).toEqual([B.gw, 1]);
    expect(rib.best(NET)!.routes.map((r) => r.owner)).toEqual(['b']);
    rib.withdraw(NET, 'static', 'b');
    expect(via(rib, IN_NET)).toEqual([A.gw, 1]);
    rib.withdraw(NET, 'static', 'a');
    expect(via(rib, IN_NET)).toEqual([C.gw, 2]);
  });

  it('merges the routes of the best distance and metric into one ECMP group (union of next hops)', () => {
    const rib = new Rib();
    rib.add({ prefix: NET, source: 'bgp', owner: 'peer1', nexthops: [A, C] });
    rib.add({ prefix: NET, source: 'bgp', owner: 'peer2', nexthops: [B, A] });
    rib.add({ prefix: NET, source: 'bgp', owner: 'peer3', metric: 1, nexthops: [{ gw: ipv4('203.0.113.1'), ifIdx: 4 }] });
    const best = rib.best(NET)!;
    expect(best.routes.map((r) => r.owner)).toEqual(['peer1', 'peer2']);
    expect(best.nexthops).toEqual([A, B, C]);
    expect(rib.groups.members(best.group)).toHaveLength(3);
    const seen = new Set<number>();
    for (let h = 0; h < 4096; h++) seen.add(rib.nhGateway(rib.lookup(IN_NET, Math.imul(h, 0x9e3779b1))));
    expect([...seen].sort()).toEqual([A.gw, B.gw, C.gw].sort());
  });

  it('never selects a route at distance 255', () => {
    const rib = new Rib();
    rib.add({ prefix: NET, source: 'static', distance: 255, nexthops: [A] });
    expect(rib.routesFor(NET)).toHaveLength(1);
    expect(rib.best(NET)).toBeNull();
    expect(via(rib, IN_NET)).toBeNull();
  });

  it('replaces the route of the same (prefix, source, owner) and ignores an identical one', () => {
    const rib = new Rib();
    expect(rib.add({ prefix: NET, source: 'static', nexthops: [A] })).toBe(true);
    expect(rib.add({ prefix: { addr: ipv4('10.1.9.9'), len: 16 }, source: 'static', nexthops: [A] })).toBe(false);
    expect(rib.add({ prefix: NET, source: 'static', nexthops: [B] })).toBe(true);
    expect(rib.routeCount).toBe(1);
    expect(via(rib, IN_NET)).toEqual([B.gw, 1]);
  });

  it('takes the longest prefix, and lookupRoute gives the selected route', () => {
    const rib = new Rib();
    rib.add({ prefix: { addr: 0, len: 0 }, source: 'static', nexthops: [C] });
    rib.add({ prefix: NET, source: 'static', nexthops: [A] });
    rib.add({ prefix: { addr: ipv4('10.1.2.0'), len: 24 }, source: 'bgp', nexthops: [B] });
    rib.add({ prefix: { addr: ipv4('10.1.2.3'), len: 32 }, source: 'static', nexthops: [{ gw: 0, ifIdx: 7 }] });
    expect(via(rib, ipv4('8.8.8.8'))).toEqual([C.gw, 2]);
    expect(via(rib, ipv4('10.1.200.1'))).toEqual([A.gw, 1]);
    expect(via(rib, ipv4('10.1.2.4'))).toEqual([B.gw, 1]);
    expect(via(rib, ipv4('10.1.2.3'))).toEqual([0, 7]);
    expect(rib.lookupRoute(ipv4('10.1.2.4'))).toMatchObject({ prefix: { addr: ipv4('10.1.2.0'), len: 24 }, source: 'bgp' });
    expect(rib.lookupRoute(ipv4('8.8.8.8'))!.prefix).toEqual({ addr: 0, len: 0 });
    rib.withdraw({ addr: 0, len: 0 }, 'static');
    expect(rib.lookupRoute(ipv4('8.8.8.8'))).toBeNull();
  });

  it('tells subscribers which prefix changed and whether its selection did, and bumps the generation only then', () => {
    const rib = new Rib();
    const seen: RibChange[] = [];
    const off = rib.subscribe((c) => seen.push(c));
    rib.add({ prefix: NET, source: 'static', nexthops: [A] });
    expect(seen).toEqual([{ prefix: NET, bestChanged: true, gen: 1 }]);
    rib.add({ prefix: NET, source: 'bgp', nexthops: [C] });
    expect(seen[1]).toEqual({ prefix: NET, bestChanged: false, gen: 1 });
    expect(rib.gen).toBe(1);
    rib.withdraw(NET, 'static');
    expect(seen[2]).toEqual({ prefix: NET, bestChanged: true, gen: 2 });
    off();
    rib.withdraw(NET, 'bgp');
    expect(seen).toHaveLength(3);
    expect(rib.gen).toBe(3);
  });

  it('withdraws all routes of a peer', () => {
    const rib = new Rib();
    for (let k = 0; k < 10; k++) {
      const prefix = { addr: ipv4('10.0.0.0') + (k << 8), len: 24 };
      rib.add({ prefix, source: 'bgp', owner: 'peer1', nexthops: [A] });
      rib.add({ prefix, source: 'bgp', owner: 'peer2', nexthops: [B] });
    }
    expect(rib.withdrawAll('bgp', 'peer1')).toBe(10);
    expect(rib.routeCount).toBe(10);
    expect(via(rib, ipv4('10.0.3.1'))).toEqual([B.gw, 1]);
  });

  it('counts routes and selected routes per source', () => {
    const rib = new Rib();
    rib.add({ prefix: NET, source: 'connected', nexthops: [{ gw: 0, ifIdx: 1 }] });
    rib.add({ prefix: NET, source: 'static', nexthops: [A] });
    rib.add({ prefix: { addr: 0, len: 0 }, source: 'static', nexthops: [A] });
    expect(Object.fromEntries(rib.countsBySource())).toEqual({
      connected: { routes: 1, fib: 1 }, static: { routes: 2, fib: 1 },
    });
  });

  it('lists prefixes in address order', () => {
    const rib = new Rib();
    for (const p of ['192.168.1.0/24', '10.0.0.0/8', '10.0.0.0/16', '0.0.0.0/0']) {
      const [a, l] = p.split('/');
      rib.add({ prefix: { addr: ipv4(a!), len: Number(l) }, source: 'static', nexthops: [A] });
    }
    expect([...rib.entries()].map((e) => `${e.prefix.addr}/${e.prefix.len}`)).toEqual([
      '0/0', `${ipv4('10.0.0.0')}/8`, `${ipv4('10.0.0.0')}/16`, `${ipv4('192.168.1.0')}/24`,
    ]);
  });

  it('rejects malformed routes without changing anything', () => {
    const rib = new Rib();
    expect(() => rib.add({ prefix: { addr: 0, len: 33 }, source: 'static', nexthops: [A] })).toThrow(RangeError);
    expect(() => rib.add({ prefix: NET, source: 'static', nexthops: [] })).toThrow(RangeError);
    expect(() => rib.add({ prefix: NET, source: 'static', distance: 256, nexthops: [A] })).toThrow(RangeError);
    expect(() => rib.add({ prefix: NET, source: 'static', nexthops: [{ gw: -1, ifIdx: 0 }] })).toThrow(RangeError);
    expect(() => rib.add({ prefix: NET, source: 'rip' as never, nexthops: [A] })).toThrow(RangeError);
    expect(() => rib.add({ prefix: NET, source: 'constructor' as never, nexthops: [A] })).toThrow(RangeError);
    expect(rib.routeCount).toBe(0);
    expect(rib.prefixCount).toBe(0);
  });

  it('adds and withdraws 100,000 routes and is left empty', () => {
    const rib = new Rib();
    const emptyBytes = rib.fib.bytes;
    const r = new Prng(3);
    const prefixes: { addr: number; len: number }[] = [];
    const paths = [[A], [B], [A, B], [A, B, C]];
    const seen = new Set<string>();
    for (let k = 0; k < 100_000;) {
      const len = r.int(16, 28);
      const p = { addr: (r.u32() & (0xffffffff << (32 - len))) >>> 0, len };
      if (seen.has(`${p.addr}/${len}`)) continue;
      seen.add(`${p.addr}/${len}`);
      prefixes.push(p);
      expect(rib.add({ prefix: p, source: 'bgp', owner: 'peer', nexthops: paths[k++ & 3]! })).toBe(true);
    }
    expect(rib.prefixCount).toBe(100_000);
    expect(rib.groups.size).toBe(4);
    const last = prefixes[prefixes.length - 1]!;
    expect(rib.lookupRoute(last.addr)!.prefix.len).toBeGreaterThanOrEqual(last.len);
    for (const p of prefixes) rib.withdraw(p, 'bgp', 'peer');
    expect(rib.prefixCount).toBe(0);
    expect(rib.routeCount).toBe(0);
    expect(rib.fib.size).toBe(0);
    expect(rib.fib.chunksInUse).toBe(0);
    expect(rib.fib.bytes).toBe(emptyBytes);
    expect(rib.groups.size).toBe(0);
    expect(rib.nexthops.size).toBe(0);
    expect(rib.lookup(last.addr, 0)).toBe(-1);
  });
});
