// A small pool of reusable packet buffers for the slow paths that must hold a packet beyond
// the call that produced it (the ARP pending queue, frames deferred during re-entrant
// receives). Buffers are allocated once and grow only when a larger packet comes along.

export const HEADROOM = 18;

export class BufferPool {
  private readonly free: Uint8Array[] = [];
  /** Buffers handed out and not yet released. */
  inUse = 0;

  constructor(readonly max: number, private readonly initialSize = 2048) {}

  /** A buffer of at least `size` bytes, or null when `max` are in use. */
  acquire(size: number): Uint8Array | null {
    if (this.inUse >= this.max) return null;
    let b = this.free.pop();
    if (b === undefined || b.length < size) b = new Uint8Array(Math.max(size, this.initialSize));
    this.inUse++;
    return b;
  }

  release(b: Uint8Array): void {
    this.inUse--;
    if (this.free.length < this.max) this.free.push(b);
  }
}
