// A small seeded PRNG (mulberry32) for the values a probe must pick at random: source ports,
// ICMP identifiers, TCP initial sequence numbers. Seeded so that tests and the lab replay.

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + Math.floor((this.u32() / 0x100000000) * (hi - lo + 1));
  }
}

/**
 * A set of 16-bit numbers in use (source ports, echo identifiers) from which fresh random
 * ones are drawn: a few random tries, then a scan from a random start, so that a nearly
 * full range still answers in bounded time.
 */
export class NumberPool {
  private readonly used = new Uint8Array(65536);
  private count = 0;
  constructor(private readonly lo: number, private readonly hi: number, private readonly rng: Rng) {}

  /** A free number, now marked in use; -1 when the range is exhausted. */
  take(): number {
    const size = this.hi - this.lo + 1;
    if (this.count >= size) return -1;
    for (let i = 0; i < 8; i++) {
      const n = this.rng.range(this.lo, this.hi);
      if (this.used[n] === 0) return this.mark(n);
    }
    let n = this.rng.range(this.lo, this.hi);
    for (let i = 0; i < size; i++) {
      if (this.used[n] === 0) return this.mark(n);
      n = n === this.hi ? this.lo : n + 1;
    }
    return -1;
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
