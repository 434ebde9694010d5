// Failed SSH logins, per source address: each failure is answered after a delay that grows
// (1 s, 2 s, 4 s... by default), and an address with too many recent failures is refused
// outright for a while. A successful login clears the address's record.

export interface ThrottleOptions {
  /** Delay before answering the first failure; doubles with each further one. */
  readonly delayMs: number;
  readonly maxDelayMs: number;
  /** Failures within `windowMs` that lock an address out. */
  readonly lockoutAfter: number;
  readonly windowMs: number;
  readonly lockoutMs: number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = {
  delayMs: 1000,
  maxDelayMs: 8000,
  lockoutAfter: 5,
  windowMs: 10 * 60_000,
  lockoutMs: 5 * 60_000,
};

interface Record {
  failures: number;
  first: number;
  lockedUntil: number;
}

export class LoginThrottle {
  private readonly byAddr = new Map<string, Record>();

  constructor(readonly opts: ThrottleOptions = DEFAULT_THROTTLE, private readonly now: () => number = Date.now) {}

  /** Milliseconds the address is still locked out for (0: not locked). */
  lockedFor(addr: string): number {
    const r = this.byAddr.get(addr);
    if (!r) return 0;
    const left = r.lockedUntil - this.now();
    return left > 0 ? left : 0;
  }

  /** Records a failure; returns the delay before answering it and whether it locked the address out. */
  fail(addr: string): { delayMs: number; lockedOut: boolean; failures: number } {
    const t = this.now();
    let r = this.byAddr.get(addr);
    if (!r || t - r.first > this.opts.windowMs) {
      r = { failures: 0, first: t, lockedUntil: 0 };
      this.byAddr.set(addr, r);
    }
    r.failures++;
    const delayMs = Math.min(this.opts.maxDelayMs, this.opts.delayMs * 2 ** (r.failures - 1));
    const lockedOut = r.failures >= this.opts.lockoutAfter;
    if (lockedOut) r.lockedUntil = t + this.opts.lockoutMs;
    this.prune(t);
    return { delayMs, lockedOut, failures: r.failures };
  }

  succeed(addr: string): void {
    if (this.lockedFor(addr) === 0) this.byAddr.delete(addr);
  }

  private prune(t: number): void {
    if (this.byAddr.size < 10_000) return;
    for (const [a, r] of this.byAddr) if (t - r.first > this.opts.windowMs && r.lockedUntil < t) this.byAddr.delete(a);
  }
}
