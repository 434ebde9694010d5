import { describe, expect, it } from 'vitest';
import { ipv4 } from '../../src/net/addr.js';
import { Lpm, LPM_MAX_VALUE } from '../../src/routing/lpm.js';
import { Prng } from '../../src/util/prng.js';

const mask = (len: number) => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);

/** The brute-force reference: every rule, scanned for the longest match. */
class Reference {
  readonly rules = new Map<string, { net: number; len: number; value: number }>();
  insert(net: number, len: number, value: number): void {
    net = (net & mask(len)) >>> 0;
    this.rules.set(`${net}/${len}`, { net, len, value });
  }
  delete(net: number, len: number): boolean {
    return this.rules.delete(`${((net & mask(len)) >>> 0)}/${len}`);
  }
  match(dst: number): { value: number; len: number } {
    let best = { value: -1, len: -1 };
    for (const r of this.rules.values()) if (((dst & mask(r.len)) >>> 0) === r.net && r.len > best.len) best = r;
    return best;
  }
}

describe('Lpm', () => {
  it('finds nothing in an empty table', () => {
    const t = new Lpm();
    expect(t.lookup(0)).toBe(-1);
    expect(t.lookup(0xffffffff)).toBe(-1);
    expect(t.matchLength(ipv4('10.0.0.1'))).toBe(-1);
  });

  it('matches a default route everywhere and a /32 only at its address', () => {
    const t = new Lpm();
    t.insert(0, 0, 7);
    t.insert(ipv4('192.0.2.1'), 32, 9);
    expect(t.lookup(0)).toBe(7);
    expect(t.lookup(0xffffffff)).toBe(7);
    expect(t.lookup(ipv4('192.0.2.1'))).toBe(9);
    expect(t.matchLength(ipv4('192.0.2.1'))).toBe(32);
    expect(t.lookup(ipv4('192.0.2.0'))).toBe(7);
    expect(t.lookup(ipv4('192.0.2.2'))).toBe(7);
    expect(t.matchLength(ipv4('192.0.2.2'))).toBe(0);
    expect(t.delete(0, 0)).toBe(true);
    expect(t.lookup(ipv4('192.0.2.2'))).toBe(-1);
    expect(t.lookup(ipv4('192.0.2.1'))).toBe(9);
  });

  it('takes the longest of overlapping prefixes and falls back on delete', () => {
    const t = new Lpm();
    t.insert(ipv4('10.0.0.0'), 8, 1);
    t.insert(ipv4('10.1.0.0'), 16, 2);
    t.insert(ipv4('10.1.2.0'), 24, 3);
    t.insert(ipv4('10.1.2.128'), 25, 4);
    t.insert(ipv4('10.1.2.129'), 32, 5);
    t.insert(ipv4('10.1.0.0'), 17, 6);
    expect(t.lookup(ipv4('10.9.9.9'))).toBe(1);
    expect(t.lookup(ipv4('10.1.200.1'))).toBe(2);
    expect(t.lookup(ipv4('10.1.3.1'))).toBe(6);
    expect(t.lookup(ipv4('10.1.2.1'))).toBe(3);
    expect(t.lookup(ipv4('10.1.2.130'))).toBe(4);
    expect(t.lookup(ipv4('10.1.2.129'))).toBe(5);
    expect(t.delete(ipv4('10.1.2.0'), 24)).toBe(true);
    expect(t.lookup(ipv4('10.1.2.1'))).toBe(6);
    expect(t.lookup(ipv4('10.1.2.130'))).toBe(4);
    expect(t.delete(ipv4('10.1.0.0'), 17)).toBe(true);
    expect(t.lookup(ipv4('10.1.2.1'))).toBe(2);
    expect(t.delete(ipv4('10.1.0.0'), 16)).toBe(true);
    expect(t.lookup(ipv4('10.1.2.1'))).toBe(1);
    expect(t.lookup(ipv4('10.1.2.129'))).toBe(5);
    expect(t.delete(ipv4('10.1.0.0'), 16)).toBe(false);
  });

  it('replaces the value of an installed prefix and ignores host bits', () => {
    const t = new Lpm();
    expect(t.insert(ipv4('10.1.2.3'), 24, 1)).toBe(true);
    expect(t.insert(ipv4('10.1.2.0'), 24, 1)).toBe(false);
    expect(t.insert(ipv4('10.1.2.99'), 24, 2)).toBe(true);
    expect(t.size).toBe(1);
    expect(t.get(ipv4('10.1.2.0'), 24)).toBe(2);
    expect(t.lookup(ipv4('10.1.2.200'))).toBe(2);
  });

  it('rejects bad lengths and values', () => {
    const t = new Lpm();
    expect(() => t.insert(0, 33, 1)).toThrow(RangeError);
    expect(() => t.insert(0, -1, 1)).toThrow(RangeError);
    expect(() => t.insert(0, 8, -1)).toThrow(RangeError);
    expect(() => t.insert(0, 8, LPM_MAX_VALUE + 1)).toThrow(RangeError);
    t.insert(0, 8, LPM_MAX_VALUE);
    expect(t.lookup(1)).toBe(LPM_MAX_VALUE);
  });

  // Prefixes clustered in a few regions so that they overlap at every level of the trie.
  function randomPrefix(r: Prng): [number, number] {
    const spread = [0x00ffffff, 0x0000ffff, 0x000003ff, 0x3fffffff][r.int(0, 3)]!;
    const base = [0x0a000000, 0x0a010000, 0xc0a80000][r.int(0, 2)]!;
    const addr = ((base & ~spread) | (r.u32() & spread)) >>> 0;
    const len = r.float() < 0.1 ? r.int(0, 8) : r.int(9, 32);
    return [addr, len];
  }

  function probes(r: Prng, ref: Reference, n: number): number[] {
    const out: number[] = [];
    for (let k = 0; k < n; k++) out.push(randomPrefix(r)[0], r.u32());
    for (const { net, len } of ref.rules.values()) {
      const last = (net | ~mask(len)) >>> 0;
      out.push(net, (net - 1) >>> 0, last, (last + 1) >>> 0);
    }
    return out;
  }

  function check(t: Lpm, ref: Reference, addrs: number[]): void {
    for (const a of addrs) {
      const want = ref.match(a);
      if (t.lookup(a) !== want.value || t.matchLength(a) !== want.len) {
        throw new Error(`lookup ${a >>> 0}: got ${t.lookup(a)}/${t.matchLength(a)}, want ${want.value}/${want.len}`);
      }
    }
  }

  for (const seed of [1, 2, 3, 4, 5]) {
    it(`agrees with a brute-force reference over random inserts and deletes (seed ${seed})`, () => {
      const r = new Prng(seed);
      const t = new Lpm(), ref = new Reference();
      const installed: [number, number][] = [];
      for (let step = 0; step < 3000; step++) {
        if (installed.length === 0 || r.float() < 0.6) {
          const [addr, len] = randomPrefix(r);
          const v = r.int(0, 1000);
          t.insert(addr, len, v);
          ref.insert(addr, len, v);
          installed.push([addr, len]);
        } else {
          const [addr, len] = installed.splice(r.int(0, installed.length - 1), 1)[0]!;
          expect(t.delete(addr, len)).toBe(ref.delete(addr, len));
        }
        if (step % 250 === 249) {
          expect(t.size).toBe(ref.rules.size);
          check(t, ref, probes(r, ref, 200));
        }
      }
      // Canonical: the same prefixes inserted in another order give the same trie.
      const again = new Lpm();
      const rules = [...ref.rules.values()];
      for (let k = rules.length - 1; k >= 0; k--) again.insert(rules[k]!.net, rules[k]!.len, rules[k]!.value);
      expect(again.chunksInUse).toBe(t.chunksInUse);
      check(again, ref, probes(r, ref, 200));
      // Deleting everything leaves an empty structure.
      for (const { net, len } of rules) t.delete(net, len);
      expect(t.size).toBe(0);
      expect(t.chunksInUse).toBe(0);
      expect(t.lookup(ipv4('10.0.0.1'))).toBe(-1);
      expect(t.bytes).toBe(new Lpm().bytes);
    });
  }

  function distinctPrefixes(n: number, r: Prng, minLen: number): { nets: Uint32Array; lens: Uint8Array } {
    const nets = new Uint32Array(n), lens = new Uint8Array(n);
    const seen = new Set<string>();
    for (let k = 0; k < n;) {
      const len = r.int(minLen, 32);
      const net = (r.u32() & mask(len)) >>> 0;
      if (seen.has(`${net}/${len}`)) continue;
      seen.add(`${net}/${len}`);
      nets[k] = net;
      lens[k++] = len;
    }
    return { nets, lens };
  }

  it('stays right while the chunk pool is packed after mass withdrawals', () => {
    const r = new Prng(7);
    const t = new Lpm(), ref = new Reference();
    const base = t.bytes;
    const { nets, lens } = distinctPrefixes(20_000, r, 12);
    for (let k = 0; k < nets.length; k++) t.insert(nets[k]!, lens[k]!, k);
    const peak = t.bytes - base;
    // Withdraw 95% in an order unrelated to insertion, so live chunks are scattered.
    const order = Array.from(nets.keys()).sort(() => r.float() - 0.5);
    const keep = order.splice(0, 1000);
    for (const k of order) expect(t.delete(nets[k]!, lens[k]!)).toBe(true);
    for (const k of keep) ref.insert(nets[k]!, lens[k]!, k);
    expect(t.bytes - base).toBeLessThan(peak / 4);
    check(t, ref, probes(r, ref, 2000));
    // And it keeps working after packing.
    for (let k = 0; k < 2000; k++) {
      const [addr, len] = randomPrefix(r);
      t.insert(addr, len, k);
      ref.insert(addr, len, k);
    }
    check(t, ref, probes(r, ref, 500));
  });

  it('holds 100,000 prefixes and reclaims everything when they are withdrawn', () => {
    const r = new Prng(42);
    const t = new Lpm();
    const empty = t.bytes;
    const { nets, lens } = distinctPrefixes(100_000, r, 16);
    for (let k = 0; k < nets.length; k++) expect(t.insert(nets[k]!, lens[k]!, k)).toBe(true);
    expect(t.size).toBe(100_000);
    expect(t.chunksInUse).toBeGreaterThan(10_000);
    for (let k = 0; k < nets.length; k += 97) {
      expect(t.get(nets[k]!, lens[k]!)).toBe(k);
      if (lens[k] === 32) expect(t.lookup(nets[k]!)).toBe(k);
      else expect(t.matchLength(nets[k]!)).toBeGreaterThanOrEqual(lens[k]!);
    }
    for (let k = 0; k < nets.length; k++) expect(t.delete(nets[k]!, lens[k]!)).toBe(true);
    expect(t.size).toBe(0);
    expect(t.chunksInUse).toBe(0);
    expect(t.bytes).toBe(empty);
    // The pool is reusable.
    t.insert(ipv4('10.1.2.3'), 32, 5);
    expect(t.lookup(ipv4('10.1.2.3'))).toBe(5);
    expect(t.lookup(ipv4('10.1.2.4'))).toBe(-1);
    expect(t.chunksInUse).toBe(4);
  });
});
