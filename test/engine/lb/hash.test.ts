import { describe, expect, it } from 'vitest';
import { flowHash, hash32, reduce32, srcHash } from '../../../src/engine/lb/index.js';
import { ipv4 } from '../../../src/net/addr.js';

describe('flow hash', () => {
  const c = ipv4('10.0.0.1'), v = ipv4('192.0.2.10');

  it('is deterministic, an int32, and depends on every field and the seed', () => {
    const h = flowHash(6, c, 40000, v, 80);
    expect(flowHash(6, c, 40000, v, 80)).toBe(h);
    expect(h | 0).toBe(h);
    // both signs occur
    const signs = new Set<boolean>();
    for (let p = 0; p < 64; p++) signs.add(flowHash(6, c, p, v, 80) < 0);
    expect(signs.size).toBe(2);
    const variants = [
      flowHash(17, c, 40000, v, 80), flowHash(6, c + 1, 40000, v, 80), flowHash(6, c, 40001, v, 80),
      flowHash(6, c, 40000, v + 1, 80), flowHash(6, c, 40000, v, 81), flowHash(6, c, 40000, v, 80, 1),
      flowHash(6, v, 80, c, 40000),
    ];
    for (const x of variants) expect(x).not.toBe(h);
    expect(new Set(variants).size).toBe(variants.length);
  });

  it('spreads sequential client ports evenly', () => {
    const buckets = new Array(64).fill(0) as number[];
    const n = 64 * 2000;
    for (let p = 0; p < n; p++) buckets[reduce32(flowHash(6, c + (p >>> 16), p & 0xffff, v, 80), 64)]++;
    for (const b of buckets) {
      expect(b).toBeGreaterThan(2000 * 0.9);
      expect(b).toBeLessThan(2000 * 1.1);
    }
  });

  it('flips about half the output bits for one flipped input bit', () => {
    let flips = 0, trials = 0;
    for (let i = 0; i < 200; i++) {
      const base = flowHash(6, c + i, 1000 + i, v, 80);
      for (let bit = 0; bit < 32; bit++) {
        const x = flowHash(6, (c + i) ^ (1 << bit), 1000 + i, v, 80);
        let d = (base ^ x) >>> 0;
        while (d) { flips += d & 1; d >>>= 1; }
        trials++;
      }
    }
    expect(flips / trials).toBeGreaterThan(15);
    expect(flips / trials).toBeLessThan(17);
  });

  it('hash32 and srcHash depend on the seed', () => {
    expect(hash32(5, 1)).not.toBe(hash32(5, 2));
    expect(srcHash(c)).toBe(srcHash(c));
    expect(srcHash(c)).not.toBe(srcHash(c + 1));
  });

  it('reduce32 stays in range for large n', () => {
    for (const n of [1, 7, 65537, 2_796_203, 5_000_000]) {
      expect(reduce32(0xffffffff, n)).toBe(n - 1);
      expect(reduce32(0, n)).toBe(0);
    }
  });
});
