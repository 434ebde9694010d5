// The ESP anti-replay window (RFC 4303 §3.4.3), as a ring of 32-bit words (RFC 6479): advancing
// clears only the words the window slides over, so the cost does not grow with the window.

export class ReplayWindow {
  /** The highest sequence number accepted so far (0: none yet). */
  top = 0;
  private readonly words: Uint32Array;
  private readonly n: number;

  /** `size`: how far below the highest accepted number a packet may still arrive (a multiple of 32). */
  constructor(readonly size = 128) {
    this.n = (size >>> 5) + 1;
    this.words = new Uint32Array(this.n);
  }

  /** Whether `seq` may be accepted (not seen, not too old). The window moves only in `accept`, after the ICV checked. */
  check(seq: number): boolean {
    seq >>>= 0;
    if (seq === 0) return false;
    if (seq > this.top) return true;
    if (this.top - seq >= this.size) return false;
    return (this.words[(seq >>> 5) % this.n]! & (1 << (seq & 31))) === 0;
  }

  accept(seq: number): void {
    seq >>>= 0;
    if (seq > this.top) {
      const from = (this.top >>> 5) + 1, to = seq >>> 5;
      const steps = Math.min(to - from + 1, this.n);
      for (let i = 0; i < steps; i++) this.words[(from + i) % this.n] = 0;
      this.top = seq;
    }
    this.words[(seq >>> 5) % this.n]! |= 1 << (seq & 31);
  }
}
