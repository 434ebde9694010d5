import { describe, expect, it } from 'vitest';
import {
  MaglevTable, MemberGroup, createScheduler, flowHash, isPrime, maglevTableOf, type LbMember, type Scheduler,
} from '../../../src/engine/lb/index.js';
import { prng } from '../session/prng.js';

const M = 65537;

function members(n: number, weight: (i: number) => number = () => 1, first = 100): LbMember[] {
  return Array.from({ length: n }, (_, i) => ({ realIndex: first + i, weight: weight(i), healthy: true, backup: false }));
}

/** The real of every table slot (slot i is what flow hash i maps to). */
function owners(s: Scheduler): Int32Array {
  const size = maglevTableOf(s)!.size;
  const out = new Int32Array(size);
  for (let i = 0; i < size; i++) out[i] = s.pick(i, 0, null);
  return out;
}

function shares(o: Int32Array): Map<number, number> {
  const c = new Map<number, number>();
  for (const r of o) c.set(r, (c.get(r) ?? 0) + 1);
  return c;
}

function diff(a: Int32Array, b: Int32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

function flows(n: number, seed: number): Uint32Array {
  const r = prng(seed);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = flowHash(6, (r() * 2 ** 32) >>> 0, (r() * 65536) | 0, 0xc0000210, 443);
  }
  return out;
}

describe('maglev', () => {
  it('balances slots evenly over equal members', () => {
    for (const n of [2, 3, 7, 10, 33]) {
      const c = shares(owners(createScheduler('maglev', members(n))));
      expect(c.size).toBe(n);
      for (const v of c.values()) expect(Math.abs(v - M / n)).toBeLessThanOrEqual(1);
    }
  });

  it('balances real flows within a few per cent', () => {
    const s = createScheduler('maglev', members(10));
    const f = flows(200_000, 1);
    const c = new Map<number, number>();
    for (const h of f) c.set(s.pick(h, 0, null), (c.get(s.pick(h, 0, null)) ?? 0) + 1);
    for (const v of c.values()) expect(Math.abs(v / 20_000 - 1)).toBeLessThan(0.03);
  });

  it('honours weights', () => {
    const c = shares(owners(createScheduler('maglev', members(3, (i) => i + 1))));
    expect(Math.abs(c.get(100)! / (M / 6) - 1)).toBeLessThan(0.01);
    expect(Math.abs(c.get(101)! / (M / 3) - 1)).toBeLessThan(0.01);
    expect(Math.abs(c.get(102)! / (M / 2) - 1)).toBeLessThan(0.01);
    // weight 0 takes nothing
    const z = shares(owners(createScheduler('maglev', [...members(2), { realIndex: 7, weight: 0, healthy: true, backup: false }])));
    expect(z.has(7)).toBe(false);
  });

  it('moves only the flows of a member that goes down, and spreads them evenly', () => {
    const n = 10;
    const s = createScheduler('maglev', members(n));
    const before = owners(s);
    const victim = 104;
    s.setHealthy(victim, false);
    const after = owners(s);
    const moved = diff(before, after);
    // exactly the victim's slots, no more (the theoretical minimum)
    expect(moved.length).toBe(shares(before).get(victim));
    for (const i of moved) expect(before[i]).toBe(victim);
    expect(after.includes(victim)).toBe(false);
    const c = shares(after);
    for (const v of c.values()) expect(Math.abs(v / (M / (n - 1)) - 1)).toBeLessThan(0.03);

    // flow level: flows not on the victim keep their real
    const f = flows(50_000, 2);
    const s0 = createScheduler('maglev', members(n));
    let kept = 0, onVictim = 0;
    for (const h of f) {
      const a = s0.pick(h, 0, null), b = s.pick(h, 0, null);
      if (a === victim) onVictim++;
      else {
        expect(b).toBe(a);
        kept++;
      }
    }
    expect(kept + onVictim).toBe(f.length);
    expect(onVictim / f.length).toBeCloseTo(1 / n, 1);
  });

  it('restores exactly the previous table when the member comes back', () => {
    const s = createScheduler('maglev', members(10));
    const before = owners(s);
    s.setHealthy(103, false);
    s.setHealthy(107, false);
    s.setHealthy(103, true);
    s.setHealthy(107, true);
    expect(diff(before, owners(s))).toEqual([]);
  });

  it('keeps disruption minimal through several failures in a row', () => {
    const s = createScheduler('maglev', members(12));
    let prev = owners(s);
    for (const victim of [101, 105, 110, 100, 111]) {
      s.setHealthy(victim, false);
      const cur = owners(s);
      const c = shares(prev);
      const moved = diff(prev, cur);
      expect(moved.length).toBe(c.get(victim));
      for (const i of moved) expect(prev[i]).toBe(victim);
      prev = cur;
    }
    expect(maglevTableOf(s)!.fallbackSlots).toBe(0);
    // still balanced over the 7 left
    for (const v of shares(prev).values()) expect(Math.abs(v / (M / 7) - 1)).toBeLessThan(0.05);
  });

  it('disrupts close to the minimum when a member is added to the configuration', () => {
    for (const n of [5, 10, 20]) {
      const a = owners(createScheduler('maglev', members(n)));
      const b = owners(createScheduler('maglev', members(n + 1)));
      const moved = diff(a, b);
      const min = M / (n + 1);
      const toNew = moved.filter((i) => b[i] === 100 + n).length;
      expect(Math.abs(toNew - min)).toBeLessThanOrEqual(1);
      expect(moved.length / min).toBeLessThan(1.06);
    }
  });

  it('is deterministic: same members and health give the same table however reached', () => {
    const ms = members(8, (i) => 1 + (i % 3));
    const a = owners(createScheduler('maglev', ms));
    expect(diff(a, owners(createScheduler('maglev', ms)))).toEqual([]);
    // member order does not matter
    expect(diff(a, owners(createScheduler('maglev', [...ms].reverse())))).toEqual([]);
    // built with members down == members marked down later
    const down = new Set([101, 106]);
    const built = owners(createScheduler('maglev', ms.map((x) => ({ ...x, healthy: !down.has(x.realIndex) }))));
    const s = createScheduler('maglev', ms);
    s.setHealthy(106, false);
    s.setHealthy(103, false);
    s.setHealthy(101, false);
    s.setHealthy(103, true);
    expect(diff(built, owners(s))).toEqual([]);
    // and a different seed gives a different table
    expect(diff(a, owners(createScheduler('maglev', ms, { maglevSeed: 1 }))).length).toBeGreaterThan(M / 2);
  });

  it('works with small prime tables and rejects other sizes', () => {
    expect(isPrime(65537)).toBe(true);
    expect(isPrime(65536)).toBe(false);
    const s = createScheduler('maglev', members(4), { maglevSize: 251 });
    const c = shares(owners(s));
    expect(maglevTableOf(s)!.size).toBe(251);
    for (const v of c.values()) expect(Math.abs(v - 251 / 4)).toBeLessThanOrEqual(1);
    expect(() => createScheduler('maglev', members(4), { maglevSize: 250 })).toThrow();
  });

  it('falls back to a plain table over the healthy members past the layer depth', () => {
    const s = createScheduler('maglev', members(6), { maglevSize: 1009, maglevDepth: 2 });
    for (const r of [100, 101, 102, 103]) s.setHealthy(r, false);
    const o = owners(s);
    for (const r of o) expect(r === 104 || r === 105).toBe(true);
    const c = shares(o);
    expect(Math.abs(c.get(104)! - 504.5)).toBeLessThan(30);
    expect(maglevTableOf(s)!.fallbackSlots).toBeGreaterThan(0);
    expect(maglevTableOf(s)!.depth).toBe(2);
  });

  it('MaglevTable works directly on a member group', () => {
    const g = new MemberGroup(members(3));
    const t = new MaglevTable(g, { size: 97 });
    let seen = 0;
    for (let i = 0; i < 97; i++) if (t.lookup(i) >= 0) seen++;
    expect(seen).toBe(97);
    g.healthy.fill(0);
    g.recount();
    t.refresh();
    expect(t.lookup(5)).toBe(-1);
  });
});
