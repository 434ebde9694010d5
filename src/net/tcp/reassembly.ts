// The out-of-order receive queue: segments that arrived beyond RCV.NXT, kept (trimmed so they
// never overlap) until the gap before them fills, and the SACK blocks (RFC 2018) that describe
// them. Positions are the connection's receive positions (plain numbers, no wrap-around).

interface Piece {
  start: number;
  end: number;
  data: Uint8Array;
}

export class ReassemblyQueue {
  /** Sorted by start, non-overlapping. */
  private pieces: Piece[] = [];
  /** Bytes held. */
  bytes = 0;
  /** Starts of the most recently received segments, newest first (for SACK block order). */
  private recent: number[] = [];

  get isEmpty(): boolean {
    return this.pieces.length === 0;
  }

  /** Highest position held + 1 (0 when empty). */
  get highest(): number {
    return this.pieces.length ? this.pieces[this.pieces.length - 1]!.end : 0;
  }

  /** Queues the bytes of `data` (which starts at `start`) that are not held yet; `data` is kept. */
  insert(start: number, data: Uint8Array): void {
    const end = start + data.length;
    if (data.length === 0) return;
    this.noteRecent(start);
    let cursor = start;
    let i = 0;
    const ps = this.pieces;
    while (i < ps.length && ps[i]!.end <= cursor) i++;
    while (cursor < end) {
      const p = ps[i];
      if (!p || p.start >= end) {
        this.add(i, cursor, end, data.subarray(cursor - start));
        return;
      }
      if (p.start > cursor) {
        this.add(i, cursor, p.start, data.subarray(cursor - start, p.start - start));
        i++;
      }
      cursor = Math.max(cursor, p.end);
      i++;
    }
  }

  private add(i: number, start: number, end: number, data: Uint8Array): void {
    this.pieces.splice(i, 0, { start, end, data });
    this.bytes += end - start;
  }

  private noteRecent(start: number): void {
    const r = this.recent;
    const at = r.indexOf(start);
    if (at >= 0) r.splice(at, 1);
    r.unshift(start);
    if (r.length > 8) r.length = 8;
  }

  /** Where the data contiguous from `next` ends, counting the pieces held (nothing is removed). */
  contiguousEnd(next: number): number {
    for (const p of this.pieces) {
      if (p.start > next) break;
      if (p.end > next) next = p.end;
    }
    return next;
  }

  /**
   * Removes the pieces that start at or before `next` and calls `deliver` with the part of
   * each beyond `next`, in order; returns the new next position.
   */
  take(next: number, deliver: (data: Uint8Array) => void): number {
    const ps = this.pieces;
    let n = 0;
    while (n < ps.length && ps[n]!.start <= next) {
      const p = ps[n]!;
      if (p.end > next) {
        deliver(p.data.subarray(next - p.start));
        next = p.end;
      }
      this.bytes -= p.end - p.start;
      n++;
    }
    if (n > 0) ps.splice(0, n);
    if (ps.length === 0) this.recent.length = 0;
    return next;
  }

  /** Drops everything (the connection is gone). */
  clear(): void {
    this.pieces.length = 0;
    this.recent.length = 0;
    this.bytes = 0;
  }

  /**
   * Writes up to `max` SACK blocks as [start, end) position pairs into `out`: first the block
   * holding the latest segment, then the other recent ones (RFC 2018 4). Returns the count.
   */
  sackBlocks(out: number[], max: number): number {
    let count = 0;
    for (const s of this.recent) {
      if (count >= max) break;
      const b = this.blockOf(s);
      if (b < 0) continue;
      const [bs, be] = this.blockBounds(b);
      let dup = false;
      for (let k = 0; k < count; k++) if (out[2 * k] === bs) dup = true;
      if (dup) continue;
      out[2 * count] = bs;
      out[2 * count + 1] = be;
      count++;
    }
    return count;
  }

  /** Index of the piece containing `pos`, or -1. */
  private blockOf(pos: number): number {
    const ps = this.pieces;
    for (let i = 0; i < ps.length; i++) if (ps[i]!.start <= pos && pos < ps[i]!.end) return i;
    return -1;
  }

  /** The contiguous run of pieces around piece i. */
  private blockBounds(i: number): [number, number] {
    const ps = this.pieces;
    let a = i;
    while (a > 0 && ps[a - 1]!.end === ps[a]!.start) a--;
    let b = i;
    while (b + 1 < ps.length && ps[b]!.end === ps[b + 1]!.start) b++;
    return [ps[a]!.start, ps[b]!.end];
  }
}
