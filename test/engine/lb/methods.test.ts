import { describe, expect, it } from 'vitest';
import { NO_REAL, createScheduler, srcHash, type LbMember, type Scheduler } from '../../../src/engine/lb/index.js';
import { prng } from '../session/prng.js';

function m(realIndex: number, weight = 1, healthy = true, backup = false): LbMember {
  return { realIndex, weight, healthy, backup };
}

function picks(s: Scheduler, n: number, counts?: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(s.pick(0, 0, counts));
  return out;
}

function tally(xs: number[]): Record<number, number> {
  const t: Record<number, number> = {};
  for (const x of xs) t[x] = (t[x] ?? 0) + 1;
  return t;
}

describe('rr', () => {
  it('alternates over healthy members in order', () => {
    const s = createScheduler('rr', [m(1), m(2), m(3)]);
    expect(picks(s, 7)).toEqual([1, 2, 3, 1, 2, 3, 1]);
  });

  it('skips a member while it is down or has weight 0, and takes it back', () => {
    const s = createScheduler('rr', [m(1), m(2), m(3), m(4, 0)]);
    expect(s.setHealthy(2, false)).toBe(true);
    expect(s.setHealthy(2, false)).toBe(false);
    expect(picks(s, 4)).toEqual([1, 3, 1, 3]);
    s.setHealthy(2, true);
    expect(picks(s, 3)).toEqual([1, 2, 3]);
    expect(s.isHealthy(2)).toBe(true);
  });
});

describe('wrr (smooth)', () => {
  it('gives weights 1:2:3 exactly 1, 2 and 3 picks in every cycle of 6, interleaved', () => {
    const s = createScheduler('wrr', [m(1, 1), m(2, 2), m(3, 3)]);
    const seq = picks(s, 600);
    expect(seq.slice(0, 6)).toEqual([3, 2, 1, 3, 2, 3]);
    for (let c = 0; c < 100; c++) {
      expect(tally(seq.slice(c * 6, c * 6 + 6))).toEqual({ 1: 1, 2: 2, 3: 3 });
    }
    // Smooth: inside a cycle no real comes twice in a row; across cycle ends at most twice.
    for (let i = 1; i < seq.length; i++) {
      if (i % 6 !== 0) expect(seq[i]).not.toBe(seq[i - 1]);
      if (i >= 2) expect(seq[i] === seq[i - 1] && seq[i] === seq[i - 2]).toBe(false);
    }
  });

  it('spreads a heavy member (5:1:1) instead of bursting it', () => {
    const s = createScheduler('wrr', [m(1, 5), m(2, 1), m(3, 1)]);
    const seq = picks(s, 7);
    expect(tally(seq)).toEqual({ 1: 5, 2: 1, 3: 1 });
    expect(seq).toEqual([1, 1, 2, 1, 3, 1, 1]);
  });

  it('leaves out unhealthy members', () => {
    const s = createScheduler('wrr', [m(1, 1), m(2, 2), m(3, 3)]);
    s.setHealthy(3, false);
    expect(tally(picks(s, 30))).toEqual({ 1: 10, 2: 20 });
  });
});

describe('lc', () => {
  it('picks the least loaded, weighted, ties to the first in order', () => {
    const s = createScheduler('lc', [m(0), m(1), m(2)]);
    const counts = new Uint32Array(8);
    counts.set([5, 3, 4]);
    expect(s.pick(0, 0, counts)).toBe(1);
    counts[1] = 4;
    expect(s.pick(0, 0, counts)).toBe(1); // tie 4/4 between 1 and 2: first wins
    counts[1] = 5;
    expect(s.pick(0, 0, counts)).toBe(2);
    counts.set([0, 0, 0]);
    expect(s.pick(0, 0, counts)).toBe(0);

    const w = createScheduler('lc', [m(0, 1), m(1, 3)]);
    counts.set([2, 5]); // 2/1 = 2 vs 5/3 = 1.67
    expect(w.pick(0, 0, counts)).toBe(1);
    counts.set([1, 5]); // 1 vs 1.67
    expect(w.pick(0, 0, counts)).toBe(0);
  });

  it('evens out the load as sessions are counted', () => {
    const s = createScheduler('lc', [m(0, 1), m(1, 2), m(2, 1)]);
    const counts = new Uint32Array(3);
    for (let i = 0; i < 400; i++) counts[s.pick(0, 0, counts)]!++;
    expect(Array.from(counts)).toEqual([100, 200, 100]);
    s.setHealthy(1, false);
    for (let i = 0; i < 100; i++) counts[s.pick(0, 0, counts)]!++;
    expect(Array.from(counts)).toEqual([150, 200, 150]);
  });
});

describe('hash (source address)', () => {
  it('sends a client to the same real every time and spreads clients by weight', () => {
    const s = createScheduler('hash', [m(1, 1), m(2, 1), m(3, 2)]);
    const r = prng(3);
    const count: Record<number, number> = {};
    for (let i = 0; i < 40_000; i++) {
      const ip = (r() * 2 ** 32) >>> 0;
      const h = srcHash(ip);
      const a = s.pick(12345, h, null);
      expect(s.pick(999, h, null)).toBe(a); // the flow hash does not matter
      count[a] = (count[a] ?? 0) + 1;
    }
    expect(count[1]! / 40_000).toBeCloseTo(0.25, 1);
    expect(count[2]! / 40_000).toBeCloseTo(0.25, 1);
    expect(count[3]! / 40_000).toBeCloseTo(0.5, 1);
  });

  it('never picks an unhealthy member', () => {
    const s = createScheduler('hash', [m(1), m(2), m(3)]);
    s.setHealthy(2, false);
    for (let i = 0; i < 1000; i++) expect(s.pick(0, srcHash(i), null)).not.toBe(2);
  });
});

describe('backup members', () => {
  for (const method of ['rr', 'wrr', 'lc', 'hash', 'maglev'] as const) {
    it(`${method}: backups only when no primary is healthy`, () => {
      const s = createScheduler(method, [m(1), m(2), m(8, 1, true, true), m(9, 1, true, true)], { maglevSize: 251 });
      const counts = new Uint32Array(16);
      const seen = () => {
        const out = new Set<number>();
        for (let i = 0; i < 200; i++) out.add(s.pick(srcHash(i * 7919), srcHash(i), counts));
        return out;
      };
      expect(s.activeGroup()).toBe('primary');
      expect([...seen()].every((r) => r === 1 || r === 2)).toBe(true);
      s.setHealthy(1, false);
      expect([...seen()]).toEqual([2]);
      s.setHealthy(2, false);
      expect(s.activeGroup()).toBe('backup');
      const b = seen();
      expect([...b].every((r) => r === 8 || r === 9)).toBe(true);
      s.setHealthy(8, false);
      expect([...seen()]).toEqual([9]);
      s.setHealthy(9, false);
      expect(s.activeGroup()).toBe('none');
      expect([...seen()]).toEqual([NO_REAL]);
      s.setHealthy(8, true);
      expect([...seen()]).toEqual([8]);
      s.setHealthy(2, true); // a primary is back: backups stop taking new flows
      expect(s.activeGroup()).toBe('primary');
      expect([...seen()]).toEqual([2]);
    });
  }
});

describe('scheduler construction', () => {
  it('rejects duplicate reals, bad weights and unknown methods', () => {
    expect(() => createScheduler('rr', [m(1), m(1)])).toThrow();
    expect(() => createScheduler('rr', [m(1, -1)])).toThrow();
    expect(() => createScheduler('nope' as never, [m(1)])).toThrow();
  });

  it('with no members picks nothing', () => {
    for (const method of ['rr', 'wrr', 'lc', 'hash', 'maglev'] as const) {
      expect(createScheduler(method, [], { maglevSize: 13 }).pick(1, 2, null)).toBe(NO_REAL);
    }
  });

  it('reports members with their health', () => {
    const s = createScheduler('rr', [m(1), m(2, 3, false, true)]);
    s.setHealthy(1, false);
    expect(s.members()).toEqual([m(1, 1, false), m(2, 3, false, true)]);
  });
});
