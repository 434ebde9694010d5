// The bytes a connection was given to send and the peer has not acknowledged yet: a queue of
// the application's chunks addressed by stream offset, so that writes, segmentation and
// acknowledgements never copy the whole backlog.

export class SendBuffer {
  private chunks: Uint8Array[] = [];
  private first = 0;
  /** Offset into chunks[first] of the first byte held. */
  private firstOff = 0;
  /** Stream offset of the first byte held. */
  private startOff = 0;
  private held = 0;
  /** Lookup cursor: chunks[curIdx] starts at stream offset curStart. */
  private curIdx = 0;
  private curStart = 0;

  /** Stream offset of the first byte held (everything before was acknowledged). */
  get start(): number {
    return this.startOff;
  }

  /** Stream offset just past the last byte written. */
  get end(): number {
    return this.startOff + this.held;
  }

  get length(): number {
    return this.held;
  }

  /** Appends a copy of `data`. */
  push(data: Uint8Array): void {
    if (data.length === 0) return;
    if (this.held === 0) {
      this.chunks.length = 0;
      this.first = 0;
      this.firstOff = 0;
      this.curIdx = 0;
      this.curStart = this.startOff;
    }
    this.chunks.push(data.slice());
    this.held += data.length;
  }

  /** Copies the bytes at stream offsets [off, off + n) into dst at dstOff. */
  copyOut(off: number, n: number, dst: Uint8Array, dstOff: number): void {
    if (off < this.startOff || off + n > this.end) throw new RangeError(`send buffer holds [${this.startOff}, ${this.end}), not [${off}, ${off + n})`);
    if (n <= 0) return;
    let idx = this.curIdx;
    let cs = this.curStart;
    if (idx < this.first || off < cs) {
      idx = this.first;
      cs = this.startOff - this.firstOff;
    }
    while (cs + this.chunks[idx]!.length <= off) {
      cs += this.chunks[idx]!.length;
      idx++;
    }
    this.curIdx = idx;
    this.curStart = cs;
    let done = 0;
    while (done < n) {
      const c = this.chunks[idx]!;
      const from = off + done - cs;
      const take = Math.min(c.length - from, n - done);
      dst.set(c.subarray(from, from + take), dstOff + done);
      done += take;
      if (from + take === c.length) {
        cs += c.length;
        idx++;
      }
    }
  }

  /** Forgets every byte before stream offset `off` (acknowledged). */
  release(off: number): void {
    if (off <= this.startOff) return;
    let drop = Math.min(off, this.end) - this.startOff;
    this.startOff += drop;
    this.held -= drop;
    while (drop > 0) {
      const c = this.chunks[this.first]!;
      const left = c.length - this.firstOff;
      if (drop < left) {
        this.firstOff += drop;
        break;
      }
      drop -= left;
      this.chunks[this.first] = EMPTY;
      this.first++;
      this.firstOff = 0;
    }
    if (this.first > 64 && this.first * 2 > this.chunks.length) {
      this.chunks.splice(0, this.first);
      this.curIdx -= this.first;
      this.first = 0;
    }
    if (this.curIdx < this.first) {
      this.curIdx = this.first;
      this.curStart = this.startOff - this.firstOff;
    }
  }
}

const EMPTY = new Uint8Array(0);
