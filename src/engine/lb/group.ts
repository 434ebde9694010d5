// A group of members (the primaries, or the backups, of a service) in flat arrays, and the
// per-method pickers that choose among the usable ones (healthy and weight > 0).

export class MemberGroup {
  readonly n: number;
  readonly real: Int32Array;
  readonly weight: Float64Array;
  readonly healthy: Uint8Array;
  usableCount = 0;

  constructor(members: readonly { realIndex: number; weight: number; healthy: boolean }[]) {
    this.n = members.length;
    this.real = new Int32Array(this.n);
    this.weight = new Float64Array(this.n);
    this.healthy = new Uint8Array(this.n);
    members.forEach((m, i) => {
      if (!Number.isInteger(m.realIndex) || m.realIndex < 0) throw new RangeError(`bad real index: ${m.realIndex}`);
      if (!(m.weight >= 0) || !Number.isFinite(m.weight)) throw new RangeError(`bad weight: ${m.weight}`);
      this.real[i] = m.realIndex;
      this.weight[i] = m.weight;
      this.healthy[i] = m.healthy ? 1 : 0;
    });
    this.recount();
  }

  usable(i: number): boolean {
    return this.healthy[i] === 1 && this.weight[i]! > 0;
  }

  recount(): void {
    let c = 0;
    for (let i = 0; i < this.n; i++) if (this.usable(i)) c++;
    this.usableCount = c;
  }
}

export interface GroupPicker {
  /** Called after the group's health changed. */
  refresh(): void;
  /** Returns a real index or -1. */
  pick(flowHash: number, srcHash: number, counts: ArrayLike<number> | null | undefined): number;
}

/** Round robin over usable members, in member order; the cursor survives health changes. */
export class RoundRobinPicker implements GroupPicker {
  private cursor = 0;
  constructor(private readonly g: MemberGroup) {}
  refresh(): void {}
  pick(): number {
    const g = this.g, n = g.n;
    for (let k = 0; k < n; k++) {
      let p = this.cursor + k;
      if (p >= n) p -= n;
      if (g.usable(p)) {
        this.cursor = p + 1 === n ? 0 : p + 1;
        return g.real[p]!;
      }
    }
    return -1;
  }
}

/**
 * Smooth weighted round robin (nginx): each pick adds every usable member's weight to its
 * running score, takes the highest (ties: first in order) and subtracts the total from it.
 * Over any window of sum(weights) picks each member is chosen exactly `weight` times, spread
 * evenly. Scores restart from zero when health changes.
 */
export class SmoothWrrPicker implements GroupPicker {
  private readonly current: Float64Array;
  constructor(private readonly g: MemberGroup) {
    this.current = new Float64Array(g.n);
  }
  refresh(): void {
    this.current.fill(0);
  }
  pick(): number {
    const g = this.g, cur = this.current;
    let best = -1, total = 0;
    for (let i = 0; i < g.n; i++) {
      if (!g.usable(i)) continue;
      const w = g.weight[i]!;
      cur[i]! += w;
      total += w;
      if (best < 0 || cur[i]! > cur[best]!) best = i;
    }
    if (best < 0) return -1;
    cur[best]! -= total;
    return g.real[best]!;
  }
}

/**
 * Weighted least connections: the usable member with the smallest current/weight (compared
 * by cross-multiplication), ties to the first in order. Without counts every member has 0.
 */
export class LeastConnPicker implements GroupPicker {
  constructor(private readonly g: MemberGroup) {}
  refresh(): void {}
  pick(_fh: number, _sh: number, counts: ArrayLike<number> | null | undefined): number {
    const g = this.g;
    let best = -1, bestC = 0, bestW = 1;
    for (let i = 0; i < g.n; i++) {
      if (!g.usable(i)) continue;
      const c = counts ? (counts[g.real[i]!] ?? 0) : 0;
      const w = g.weight[i]!;
      if (best < 0 || c * bestW < bestC * w) {
        best = i;
        bestC = c;
        bestW = w;
      }
    }
    return best < 0 ? -1 : g.real[best]!;
  }
}

/**
 * Source-address hash over the usable members, weighted: the hash, scaled to the total
 * weight, falls into one member's share. Not consistent: a health change remaps clients.
 */
export class SourceHashPicker implements GroupPicker {
  private readonly cum: Float64Array;
  private readonly pos: Int32Array;
  private m = 0;
  constructor(private readonly g: MemberGroup) {
    this.cum = new Float64Array(g.n);
    this.pos = new Int32Array(g.n);
    this.refresh();
  }
  refresh(): void {
    const g = this.g;
    let total = 0, m = 0;
    for (let i = 0; i < g.n; i++) {
      if (!g.usable(i)) continue;
      total += g.weight[i]!;
      this.cum[m] = total;
      this.pos[m++] = i;
    }
    this.m = m;
  }
  pick(_fh: number, srcHash: number): number {
    const m = this.m;
    if (m === 0) return -1;
    const x = (srcHash >>> 0) * 2.3283064365386963e-10 * this.cum[m - 1]!;
    let lo = 0, hi = m - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cum[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return this.g.real[this.pos[lo]!]!;
  }
}
