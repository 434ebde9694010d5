// Numbers in use (source ports, echo identifiers) and fresh random ones drawn from the rest.

import type { Prng } from '../util/prng.js';

/**
 * A set of 16-bit numbers in use (source ports, echo identifiers) from which fresh random
 * ones are drawn: a few random tries, then a scan from a random start, so that a nearly
 * full range still answers in bounded time.
 */
export class NumberPool {
  private readonly used = new Uint8Array(65536);
  private count = 0;
  constructor(private readonly lo: number, private readonly hi: number, private readonly rng: Prng) {}

  /** A free number, now marked in use; -1 when the range is exhausted. */
  take(): number {
    const size = this.hi - this.lo + 1;
    if (this.count >= size) return -1;
    for (let i = 0; i < 8; i++) {
      const n = this.rng.int(this.lo, this.hi);
      if (this.used[n] === 0) return this.mark(n);
    }
    let n = this.rng.int(this.lo, this.hi);
    for (let i = 0; i < size; i++) {
      if (this.used[n] === 0) return this.mark(n);
      n = n === this.hi ? this.lo : n + 1;
    }
    return -1;
  }
  /** Marks `n` in use (a well-known port bound explicitly); false when it already is. */
  reserve(n: number): boolean {
    if (!(n >= 0 && n <= 65535) || this.used[n] === 1) return false;
    this.mark(n);
    return true;
  }
  release(n: number): void {
    if (this.used[n] === 1) {
      this.used[n] = 0;
      this.count--;
    }
  }
  inUse(n: number): boolean {
    return this.used[n] === 1;
  }
  get size(): number {
    return this.count;
  }
  private mark(n: number): number {
    this.used[n] = 1;
    this.count++;
    return n;
  }
}
