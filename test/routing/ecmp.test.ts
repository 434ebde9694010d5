import { describe, expect, it } from 'vitest';
import { ipv4 } from '../../src/net/addr.js';
import { ECMP_BUCKETS, freshLayout, resilientLayout } from '../../src/routing/ecmp.js';
import { Rib } from '../../src/routing/rib.js';
import { Prng } from '../../src/util/prng.js';

function counts(t: Int32Array): Map<number, number> {
  const c = new Map<number, number>();
  for (const m of t) c.set(m, (c.get(m) ?? 0) + 1);
  return c;
}

function spread(t: Int32Array): number {
  const c = [...counts(t).values()];
  return Math.max(...c) - Math.min(...c);
}

describe('resilient bucket tables', () => {
  it('hands a removed member\'s buckets to the survivors and changes nothing else', () => {
    const old = freshLayout([1, 2, 3]);
    const next = resilientLayout(old, [1, 3]);
    for (let i = 0; i < ECMP_BUCKETS; i++) {
      if (old[i] !== 2) expect(next[i]).toBe(old[i]);
      else expect([1, 3]).toContain(next[i]);
    }
    expect(spread(next)).toBeLessThanOrEqual(1);
  });

  it('gives an added member an even share taken from the others, and changes nothing else', () => {
    const old = freshLayout([1, 2]);
    const next = resilientLayout(old, [1, 2, 3]);
    let moved = 0;
    for (let i = 0; i < ECMP_BUCKETS; i++) {
      if (next[i] !== old[i]) {
        expect(next[i]).toBe(3);
        moved++;
      }
    }
    expect(moved).toBe(Math.floor(ECMP_BUCKETS / 3));
    expect(spread(next)).toBeLessThanOrEqual(1);
  });

  it('hands a replaced member\'s buckets to its replacement', () => {
    const old = freshLayout([1, 2, 3]);
    const next = resilientLayout(old, [1, 3, 4]);
    for (let i = 0; i < ECMP_BUCKETS; i++) expect(next[i]).toBe(old[i] === 2 ? 4 : old[i]);
  });

  it('moves only what it must over random changes of the member set', () => {
    const r = new Prng(11);
    let members = [1, 2, 3, 4];
    let table = freshLayout(members);
    for (let step = 0; step < 300; step++) {
      const next = new Set(members);
      const change = r.int(0, 2);
      if ((change === 0 || next.size === 8) && next.size > 1) next.delete(members[r.int(0, members.length - 1)]!);
      else if (change === 1 || next.size === 1) next.add(r.int(1, 12));
      else {
        next.delete(members[r.int(0, members.length - 1)]!);
        next.add(r.int(1, 12));
        if (next.size === 0) next.add(1);
      }
      const list = [...next].sort((a, b) => a - b);
      const after = resilientLayout(table, list);
      const kept = list.filter((m) => members.includes(m));
      const wrong: string[] = [];
      for (let i = 0; i < ECMP_BUCKETS; i++) {
        if (!list.includes(after[i]!)) wrong.push(`${step}: bucket ${i} -> ${after[i]}, not a member`);
        // A bucket changes only when its member left or it goes to a member that arrived.
        if (after[i] !== table[i] && list.includes(table[i]!) && members.includes(after[i]!)) {
          wrong.push(`${step}: bucket ${i} moved from ${table[i]} to ${after[i]}`);
        }
      }
      expect(wrong).toEqual([]);
      if (kept.length > 0) expect(spread(after)).toBeLessThanOrEqual(1);
      members = list;
      table = after;
    }
  });
});

describe('ECMP through the RIB', () => {
  const GW = [ipv4('192.0.2.1'), ipv4('192.0.2.2'), ipv4('192.0.2.3')];

  function ribWithPeers(n: number): Rib {
    const rib = new Rib();
    for (let k = 0; k < n; k++) {
      rib.add({ prefix: { addr: 0, len: 0 }, source: 'bgp', owner: `peer${k}`, nexthops: [{ gw: GW[k]!, ifIdx: k }] });
    }
    return rib;
  }

  function flows(rib: Rib, hashes: Uint32Array): Int32Array {
    return Int32Array.from(hashes, (h) => rib.lookup(ipv4('198.51.100.7'), h));
  }

  const hashes = (() => {
    const r = new Prng(5);
    return Uint32Array.from({ length: 10_000 }, () => r.u32());
  })();

  it('spreads flows over the three paths', () => {
    const rib = ribWithPeers(3);
    expect(rib.best({ addr: 0, len: 0 })!.nexthops).toHaveLength(3);
    const c = counts(flows(rib, hashes));
    expect(c.size).toBe(3);
    for (const n of c.values()) expect(n).toBeGreaterThan(3000);
  });

  it('moves only the flows of a withdrawn path, and only onto it when it comes back', () => {
    const rib = ribWithPeers(3);
    const before = flows(rib, hashes);
    const gone = rib.lookup(ipv4('198.51.100.7'), hashes[0]!);
    const goneGw = rib.nhGateway(gone);
    const peer = `peer${GW.indexOf(goneGw as never)}`;
    rib.withdraw({ addr: 0, len: 0 }, 'bgp', peer);
    const after = flows(rib, hashes);
    let moved = 0;
    for (let i = 0; i < hashes.length; i++) {
      if (before[i] === gone) {
        expect(after[i]).not.toBe(gone);
        moved++;
      } else {
        expect(after[i]).toBe(before[i]);
      }
    }
    expect(moved / hashes.length).toBeGreaterThan(0.28);
    expect(moved / hashes.length).toBeLessThan(0.39);

    rib.add({ prefix: { addr: 0, len: 0 }, source: 'bgp', owner: peer, nexthops: [{ gw: goneGw, ifIdx: GW.indexOf(goneGw as never) }] });
    const back = flows(rib, hashes);
    const backId = rib.lookupRoute(ipv4('198.51.100.7'))!.nexthops.find((n) => n.gw === goneGw)!;
    let returned = 0;
    for (let i = 0; i < hashes.length; i++) {
      if (back[i] !== after[i]) {
        expect(rib.nhGateway(back[i]!)).toBe(backId.gw);
        returned++;
      }
    }
    expect(returned / hashes.length).toBeGreaterThan(0.28);
    expect(returned / hashes.length).toBeLessThan(0.39);
  });

  it('keeps the buckets of the other paths when one path is replaced', () => {
    const rib = ribWithPeers(3);
    const before = flows(rib, hashes);
    const nh0 = rib.lookup(ipv4('198.51.100.7'), hashes.find((h) => rib.nhGateway(rib.lookup(ipv4('198.51.100.7'), h)) === GW[0])!);
    // peer0 changes its next hop: one update of that route.
    rib.add({ prefix: { addr: 0, len: 0 }, source: 'bgp', owner: 'peer0', nexthops: [{ gw: ipv4('192.0.2.9'), ifIdx: 0 }] });
    const after = flows(rib, hashes);
    const wrong: number[] = [];
    for (let i = 0; i < hashes.length; i++) {
      const ok = before[i] === nh0 ? rib.nhGateway(after[i]!) === ipv4('192.0.2.9') : after[i] === before[i];
      if (!ok) wrong.push(i);
    }
    expect(wrong).toEqual([]);
  });

  it('shares one group between prefixes with the same paths, and a change of one leaves the other alone', () => {
    const rib = new Rib();
    const hops = [{ gw: GW[0]!, ifIdx: 0 }, { gw: GW[1]!, ifIdx: 1 }];
    rib.add({ prefix: { addr: ipv4('10.0.0.0'), len: 8 }, source: 'static', nexthops: hops });
    rib.add({ prefix: { addr: ipv4('172.16.0.0'), len: 12 }, source: 'static', nexthops: hops });
    const g1 = rib.best({ addr: ipv4('10.0.0.0'), len: 8 })!.group;
    expect(rib.best({ addr: ipv4('172.16.0.0'), len: 12 })!.group).toBe(g1);
    expect(rib.groups.size).toBe(1);
    expect(rib.groups.refCount(g1)).toBe(2);
    const table = rib.groups.table(g1);
    rib.add({ prefix: { addr: ipv4('10.0.0.0'), len: 8 }, source: 'static', nexthops: [hops[0]!] });
    expect(rib.best({ addr: ipv4('172.16.0.0'), len: 12 })!.group).toBe(g1);
    expect(rib.groups.table(g1)).toEqual(table);
    expect(rib.groups.refCount(g1)).toBe(1);
    expect(rib.groups.size).toBe(2);
  });
});
