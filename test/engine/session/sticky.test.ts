import { describe, expect, it } from 'vitest';
import { ipv4 } from '../../../src/net/addr.js';
import { StickyError, StickyTable } from '../../../src/engine/session/index.js';
import { prng, randInt } from './prng.js';

const M24 = ipv4('255.255.255.0'), ALL = ipv4('255.255.255.255'), NONE = 0;
const VIP = ipv4('192.0.2.10');

describe('StickyTable', () => {
  it('maps clients of one source subnet to one real, per service', () => {
    const t = new StickyTable({ capacity: 16, maxServices: 8 });
    t.configureService(1, 300, M24, NONE);
    t.configureService(2, 300, ALL, NONE);
    expect(t.set(0, 1, ipv4('10.0.0.1'), VIP, 7)).toBeGreaterThanOrEqual(0);
    expect(t.get(0, 1, ipv4('10.0.0.200'), VIP)).toBe(7); // same /24
    expect(t.get(0, 1, ipv4('10.0.1.1'), VIP)).toBe(-1);
    expect(t.get(0, 2, ipv4('10.0.0.1'), VIP)).toBe(-1); // other service
    t.set(0, 2, ipv4('10.0.0.1'), VIP, 9);
    expect(t.get(0, 2, ipv4('10.0.0.1'), VIP)).toBe(9);
    expect(t.get(0, 2, ipv4('10.0.0.2'), VIP)).toBe(-1); // /32 mask
    expect(t.get(0, 1, ipv4('10.0.0.1'), VIP)).toBe(7);
    expect(t.size).toBe(2);
  });

  it('masks the destination too', () => {
    const t = new StickyTable({ capacity: 16, maxServices: 8 });
    t.configureService(0, 60, ALL, M24);
    t.set(0, 0, ipv4('10.0.0.1'), ipv4('192.0.2.10'), 1);
    expect(t.get(0, 0, ipv4('10.0.0.1'), ipv4('192.0.2.99'))).toBe(1);
    expect(t.get(0, 0, ipv4('10.0.0.1'), ipv4('192.0.3.10'))).toBe(-1);
  });

  it('expires after the TTL unless used, and each use refreshes it', () => {
    const t = new StickyTable({ capacity: 16, maxServices: 8 });
    t.configureService(1, 100, ALL, NONE);
    const c = ipv4('10.0.0.1');
    t.set(0, 1, c, VIP, 4);
    expect(t.get(90_000, 1, c, VIP)).toBe(4); // refreshed: now lives until 190 s
    expect(t.get(180_000, 1, c, VIP)).toBe(4); // until 280 s
    expect(t.get(280_000, 1, c, VIP)).toBe(4);
    expect(t.get(380_001, 1, c, VIP)).toBe(-1);
    expect(t.size).toBe(0);
    // The sweeper removes idle entries too.
    t.set(0, 1, c, VIP, 4);
    t.set(50_000, 1, c + 1, VIP, 5);
    expect(t.sweep(120_000, 100)).toBe(1);
    expect(t.get(120_000, 1, c + 1, VIP)).toBe(5);
  });

  it('does nothing for a service that is not sticky', () => {
    const t = new StickyTable({ capacity: 4, maxServices: 8 });
    expect(t.set(0, 3, 1, 2, 3)).toBe(StickyError.INVALID);
    expect(t.get(0, 3, 1, 2)).toBe(-1);
  });

  it('refuses when full, removes by real and by service', () => {
    const t = new StickyTable({ capacity: 4, maxServices: 8 });
    t.configureService(1, 100, ALL, NONE);
    t.configureService(2, 100, ALL, NONE);
    expect(t.set(0, 1, 1, VIP, 10)).toBeGreaterThanOrEqual(0);
    expect(t.set(0, 1, 2, VIP, 11)).toBeGreaterThanOrEqual(0);
    expect(t.set(0, 2, 1, VIP, 10)).toBeGreaterThanOrEqual(0);
    expect(t.set(0, 2, 2, VIP, 11)).toBeGreaterThanOrEqual(0);
    expect(t.set(0, 2, 3, VIP, 11)).toBe(StickyError.FULL);
    expect(t.set(0, 2, 2, VIP, 12)).toBeGreaterThanOrEqual(0); // replacing is not new
    expect(t.get(0, 2, 2, VIP)).toBe(12);
    expect(t.removeReal(10)).toBe(2);
    expect(t.get(0, 1, 1, VIP)).toBe(-1);
    expect(t.get(0, 1, 2, VIP)).toBe(11);
    expect(t.clear(2)).toBe(1);
    expect(t.size).toBe(1);
    expect(t.set(0, 2, 3, VIP, 11)).toBeGreaterThanOrEqual(0);
    // Entries past their TTL make room when full.
    t.set(0, 2, 4, VIP, 1);
    t.set(0, 2, 5, VIP, 1);
    expect(t.set(100_001, 2, 6, VIP, 1)).toBeGreaterThanOrEqual(0);
  });

  it('agrees with a Map model under random set/delete/get', () => {
    const r = prng(7);
    const t = new StickyTable({ capacity: 300, maxServices: 4, maxLoad: 0.9 });
    for (let s = 0; s < 4; s++) t.configureService(s, 1e6, ALL, NONE);
    const model = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const slb = randInt(r, 4), src = randInt(r, 150);
      const k = `${slb}/${src}`;
      const op = r();
      if (op < 0.4) {
        const real = randInt(r, 50);
        const id = t.set(0, slb, src, VIP, real);
        if (model.has(k) || model.size < 300) {
          expect(id).toBeGreaterThanOrEqual(0);
          model.set(k, real);
        } else {
          expect(id).toBe(StickyError.FULL);
        }
      } else if (op < 0.7) {
        expect(t.delete(slb, src, VIP)).toBe(model.delete(k));
      } else {
        expect(t.get(0, slb, src, VIP)).toBe(model.get(k) ?? -1);
      }
      expect(t.size).toBe(model.size);
    }
  });
});
