// A small read-mostly hash from a pair of int32 keys to an int32 value: open addressing with
// linear probing in one Int32Array, built at configuration time and never deleted from, so a
// lookup on the packet path is a multiply, a mask and a few array reads (no Map, no boxing).

import { fmix32, mix32 } from './lb/hash.js';

export class IntPairHash {
  private table: Int32Array;
  private mask: number;
  private count = 0;

  constructor(expected = 8) {
    let n = 16;
    while (n < expected * 4) n <<= 1;
    this.table = new Int32Array(n * 3);
    this.mask = n - 1;
  }

  get size(): number {
    return this.count;
  }

  private static hash(a: number, b: number): number {
    return fmix32(mix32(mix32(0x2545f491, a | 0), b | 0));
  }

  /** Sets key (a, b) to `value` (>= 0). */
  set(a: number, b: number, value: number): void {
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    a |= 0;
    b |= 0;
    const t = this.table;
    let i = IntPairHash.hash(a, b) & this.mask;
    for (;;) {
      const v = t[i * 3 + 2]!;
      if (v === 0) {
        t[i * 3] = a;
        t[i * 3 + 1] = b;
        t[i * 3 + 2] = value + 1;
        this.count++;
        return;
      }
      if (t[i * 3] === a && t[i * 3 + 1] === b) {
        t[i * 3 + 2] = value + 1;
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** The value of key (a, b), or -1. */
  get(a: number, b: number): number {
    a |= 0;
    b |= 0;
    const t = this.table;
    let i = IntPairHash.hash(a, b) & this.mask;
    for (;;) {
      const v = t[i * 3 + 2]!;
      if (v === 0) return -1;
      if (t[i * 3] === a && t[i * 3 + 1] === b) return v - 1;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.table;
    const n = (this.mask + 1) * 2;
    this.table = new Int32Array(n * 3);
    this.mask = n - 1;
    this.count = 0;
    for (let i = 0; i < old.length; i += 3) if (old[i + 2] !== 0) this.set(old[i]!, old[i + 1]!, old[i + 2]! - 1);
  }
}
