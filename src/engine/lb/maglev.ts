// Maglev consistent hashing (Eisenbud et al., NSDI 2016) with weights, plus fallback layers
// that make a member going down move only that member's flows.
//
// Layer 0 is the Maglev lookup table of every configured member with weight > 0, healthy or
// not: each member walks its own permutation of the M slots (offset + j * skip mod M, M prime)
// and, taking turns in proportion to its weight (the cumulative-weight rounds of Katran's
// "v2" variant), claims its next preferred slot that is still empty.
//
// Layer k (k >= 1) is built the same way, except that a member may not claim a slot where it
// already appears in layers 0..k-1. Each slot thus has a preference list of distinct members,
// and the lookup table used for picking holds, per slot, the first healthy member of that
// list. Consequences:
//   - with every member healthy the table is plain weighted Maglev (layer 0);
//   - a member going down changes exactly the slots it held; everything else stays put;
//   - it coming back restores exactly the previous table (same health => same table);
//   - adding or removing a configured member is a Maglev rebuild (near-minimal disruption).
// Layers depend only on the configuration and are built lazily, when some slot's members in
// the layers built so far are all down. Past `maxDepth` layers, a slot falls back to a plain
// Maglev table over the healthy members (still balanced, no longer strictly minimal).

import { hash32 } from './hash.js';
import type { MemberGroup } from './group.js';

const EMPTY = 0xffff;
export const DEFAULT_MAGLEV_SIZE = 65537;

export function isPrime(n: number): boolean {
  if (!Number.isInteger(n) || n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

export interface MaglevOptions {
  /** Table size, a prime (default 65537); larger means finer balance. */
  size?: number;
  seed?: number;
  /** Most fallback layers (default 8). */
  maxDepth?: number;
}

export class MaglevTable {
  readonly size: number;
  readonly seed: number;
  readonly maxDepth: number;
  /** Per slot: the group position of the member that takes the slot's flows, or 0xffff. */
  readonly slots: Uint16Array;
  /** Layers built so far (diagnostics). */
  private readonly layers: Uint16Array[] = [];
  /** Group positions of the members with weight > 0, by increasing real index. */
  private readonly order: Int32Array;
  private readonly nWeighted: number;
  private fallbackUsed = 0;

  constructor(private readonly g: MemberGroup, opts: MaglevOptions = {}) {
    this.size = opts.size ?? DEFAULT_MAGLEV_SIZE;
    if (!isPrime(this.size) || this.size < 3) throw new RangeError(`maglev table size must be a prime: ${this.size}`);
    if (g.n >= EMPTY) throw new RangeError('too many maglev members');
    this.seed = opts.seed ?? 0;
    this.maxDepth = Math.max(1, opts.maxDepth ?? 8);
    this.slots = new Uint16Array(this.size);
    const idx: number[] = [];
    for (let i = 0; i < g.n; i++) if (g.weight[i]! > 0) idx.push(i);
    idx.sort((a, b) => g.real[a]! - g.real[b]!);
    this.order = Int32Array.from(idx);
    this.nWeighted = idx.length;
    this.refresh();
  }

  /** Member group position for a flow hash, or -1. */
  lookup(hash: number): number {
    const m = this.slots[(hash >>> 0) % this.size]!;
    return m === EMPTY ? -1 : m;
  }

  /** Number of layers built (1 when nothing has failed). */
  get depth(): number {
    return this.layers.length;
  }

  /** Slots that needed the plain-Maglev fallback at the last refresh. */
  get fallbackSlots(): number {
    return this.fallbackUsed;
  }

  /** Recomputes `slots` from the group's current health. */
  refresh(): void {
    const g = this.g, M = this.size, slots = this.slots;
    let fallback: Uint16Array | null = null;
    this.fallbackUsed = 0;
    if (this.nWeighted === 0 || g.usableCount === 0) {
      slots.fill(EMPTY);
      return;
    }
    if (this.layers.length === 0) this.layers.push(this.buildLayer(0, null));
    for (let s = 0; s < M; s++) {
      let chosen = EMPTY;
      for (let l = 0; ; l++) {
        if (l === this.layers.length) {
          if (l >= this.maxDepth || l >= this.nWeighted) break;
          this.layers.push(this.buildLayer(l, null));
        }
        const m = this.layers[l]![s]!;
        if (m !== EMPTY && g.healthy[m] === 1) {
          chosen = m;
          break;
        }
      }
      if (chosen === EMPTY) {
        if (fallback === null) fallback = this.buildLayer(0, g.healthy);
        chosen = fallback[s]!;
        this.fallbackUsed++;
      }
      slots[s] = chosen;
    }
  }

  /**
   * Builds layer `layer` (excluding, per slot, the members of the layers below), or with
   * `onlyHealthy` a plain table (layer-0 permutations) over the healthy members.
   */
  private buildLayer(layer: number, onlyHealthy: Uint8Array | null): Uint16Array {
    const g = this.g, M = this.size, order = this.order, n = order.length;
    const out = new Uint16Array(M).fill(EMPTY);
    const pos = new Uint32Array(n), skip = new Uint32Array(n), steps = new Uint32Array(n);
    const acc = new Float64Array(n), active = new Uint8Array(n);
    const below = onlyHealthy === null ? this.layers.slice(0, layer) : [];
    const permLayer = onlyHealthy === null ? layer : 0;
    let maxW = 0, live = 0;
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      if (onlyHealthy !== null && onlyHealthy[i] !== 1) continue;
      const key = g.real[i]!;
      const s1 = (this.seed + permLayer * 0x9e3779b1) | 0;
      pos[k] = (hash32(key, s1 ^ 0x2a) >>> 0) % M;
      skip[k] = ((hash32(key, s1 ^ 0x7b1d) >>> 0) % (M - 1)) + 1;
      active[k] = 1;
      live++;
      if (g.weight[i]! > maxW) maxW = g.weight[i]!;
    }
    let filled = 0;
    while (filled < M && live > 0) {
      for (let k = 0; k < n; k++) {
        if (active[k] === 0) continue;
        const i = order[k]!;
        acc[k]! += g.weight[i]!;
        if (acc[k]! < maxW) continue;
        acc[k]! -= maxW;
        // The member's next preferred slot that is empty and where it is not listed below.
        let found = -1;
        while (steps[k]! < M) {
          const c = pos[k]!;
          let nx = c + skip[k]!;
          if (nx >= M) nx -= M;
          pos[k] = nx;
          steps[k]!++;
          if (out[c] !== EMPTY) continue;
          let listed = false;
          for (let b = 0; b < below.length; b++) {
            if (below[b]![c] === i) {
              listed = true;
              break;
            }
          }
          if (!listed) {
            found = c;
            break;
          }
        }
        if (found < 0) {
          active[k] = 0; // walked its whole permutation
          live--;
          continue;
        }
        out[found] = i;
        if (++filled === M) break;
      }
    }
    return out;
  }
}
