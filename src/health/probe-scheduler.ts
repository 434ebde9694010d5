// One clock timer for everything the health checker waits for: probe due times, answer
// deadlines, connection linger. Entries sit in an indexed min-heap (removable in O(log n));
// the clock is armed for the earliest only, and every entry due by the time it fires runs in
// that one callback, in time order. Entries know the time they were due (`at`), so a handler
// can measure its own lateness and compute fixed-rate successors.

import type { Clock, Timer } from '../util/clock.js';

export interface Scheduled {
  /** Due time (clock ms). */
  at: number;
  /** Position in the heap, -1 when not scheduled. Owned by the scheduler. */
  heapIdx: number;
  /** Tie-break: insertion order. Owned by the scheduler. */
  seq: number;
  fire(): void;
}

export class ProbeScheduler {
  private readonly heap: Scheduled[] = [];
  private seq = 0;
  private timer: Timer | null = null;
  private armedAt = Infinity;
  private running = false;
  private inRun = false;

  constructor(private readonly clock: Clock) {}

  get size(): number {
    return this.heap.length;
  }

  start(): void {
    this.running = true;
    this.arm();
  }

  stop(): void {
    this.running = false;
    this.disarm();
  }

  /** Schedules `e` at `e.at` (reschedules it if it was pending). */
  add(e: Scheduled): void {
    if (e.heapIdx >= 0) this.remove(e);
    e.seq = this.seq++;
    const h = this.heap;
    e.heapIdx = h.length;
    h.push(e);
    this.up(e.heapIdx);
    if (!this.inRun && e.at < this.armedAt) this.arm();
  }

  remove(e: Scheduled): void {
    const i = e.heapIdx;
    if (i < 0) return;
    const h = this.heap;
    const last = h.pop()!;
    e.heapIdx = -1;
    if (last !== e) {
      h[i] = last;
      last.heapIdx = i;
      this.down(i);
      this.up(last.heapIdx);
    }
  }

  clear(): void {
    for (const e of this.heap) e.heapIdx = -1;
    this.heap.length = 0;
    this.disarm();
  }

  /** A one-shot callback at `at`; returns the entry (pass it to remove() to cancel). */
  at(at: number, fn: () => void): Scheduled {
    const e: Scheduled = { at, heapIdx: -1, seq: 0, fire: fn };
    this.add(e);
    return e;
  }

  private arm(): void {
    if (!this.running) return;
    const top = this.heap[0];
    const at = top ? top.at : Infinity;
    if (at === this.armedAt && this.timer) return;
    this.disarm();
    if (at === Infinity) return;
    this.armedAt = at;
    this.timer = this.clock.setTimeout(() => this.run(), Math.max(0, at - this.clock.now()));
  }

  private disarm(): void {
    this.timer?.cancel();
    this.timer = null;
    this.armedAt = Infinity;
  }

  private run(): void {
    this.timer = null;
    this.armedAt = Infinity;
    this.inRun = true;
    try {
      const h = this.heap;
      while (this.running && h.length > 0 && h[0]!.at <= this.clock.now()) {
        const e = h[0]!;
        this.remove(e);
        e.fire();
      }
    } finally {
      this.inRun = false;
      this.arm();
    }
  }

  private less(a: Scheduled, b: Scheduled): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private up(i: number): void {
    const h = this.heap;
    const e = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pe = h[p]!;
      if (!this.less(e, pe)) break;
      h[i] = pe;
      pe.heapIdx = i;
      i = p;
    }
    h[i] = e;
    e.heapIdx = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const e = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(h[r]!, h[l]!) ? r : l;
      const ce = h[c]!;
      if (!this.less(ce, e)) break;
      h[i] = ce;
      ce.heapIdx = i;
      i = c;
    }
    h[i] = e;
    e.heapIdx = i;
  }
}
