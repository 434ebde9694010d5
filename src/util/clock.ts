// Time behind an injectable clock: the lab and the tests run on virtual time, the real
// appliance on the wall clock. Everything that waits asks a Clock.

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since an arbitrary epoch (monotonic). */
  now(): number;
  /** Wall-clock milliseconds since 1970 (for timestamps printed to operators). */
  wallNow(): number;
  setTimeout(fn: () => void, ms: number): Timer;
  setInterval(fn: () => void, ms: number): Timer;
}

export class RealClock implements Clock {
  private readonly origin = performance.now();
  now(): number {
    return performance.now() - this.origin;
  }
  wallNow(): number {
    return Date.now();
  }
  setTimeout(fn: () => void, ms: number): Timer {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  }
  setInterval(fn: () => void, ms: number): Timer {
    const t = setInterval(fn, ms);
    t.unref?.();
    return { cancel: () => clearInterval(t) };
  }
}

interface Scheduled {
  at: number;
  seq: number;
  fn: () => void;
  every: number;
  cancelled: boolean;
}

/**
 * A virtual clock: time moves only when advanced. Timers fire in time order (ties in the
 * order they were set); a timer set while advancing fires in the same advance if it is due.
 */
export class VirtualClock implements Clock {
  private t = 0;
  private seq = 0;
  private heap: Scheduled[] = [];

  constructor(private readonly wallEpoch = Date.UTC(2025, 4, 16, 3, 0, 0)) {}

  now(): number {
    return this.t;
  }
  wallNow(): number {
    return this.wallEpoch + this.t;
  }
  setTimeout(fn: () => void, ms: number): Timer {
    return this.schedule(fn, Math.max(0, ms), 0);
  }
  setInterval(fn: () => void, ms: number): Timer {
    const every = Math.max(1e-3, ms);
    return this.schedule(fn, every, every);
  }

  /** Time of the next due timer, or null when none is pending. */
  nextDue(): number | null {
    while (this.heap.length && this.heap[0]!.cancelled) this.pop();
    return this.heap.length ? this.heap[0]!.at : null;
  }

  /** Runs every timer due up to now + ms, then sets the time to now + ms. */
  advance(ms: number): void {
    const end = this.t + Math.max(0, ms);
    this.runUntil(end);
    this.t = end;
  }

  /** Runs timers that are due now (zero-delay work), without moving time. */
  runDue(): void {
    this.runUntil(this.t);
  }

  private runUntil(end: number): void {
    for (;;) {
      const next = this.nextDue();
      if (next === null || next > end) return;
      const s = this.pop()!;
      this.t = Math.max(this.t, s.at);
      if (s.every > 0) {
        s.at += s.every;
        s.seq = this.seq++;
        this.push(s);
      }
      s.fn();
    }
  }

  private schedule(fn: () => void, delay: number, every: number): Timer {
    const s: Scheduled = { at: this.t + delay, seq: this.seq++, fn, every, cancelled: false };
    this.push(s);
    return { cancel: () => { s.cancelled = true; } };
  }

  private less(a: Scheduled, b: Scheduled): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
  private push(s: Scheduled): void {
    const h = this.heap;
    h.push(s);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }
  private pop(): Scheduled | undefined {
    const h = this.heap;
    if (!h.length) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
