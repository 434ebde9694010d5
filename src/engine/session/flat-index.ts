// An open-addressing hash index over integer references, in one typed array of slot pairs:
// the stored reference (+1, so 0 means empty) and the key's full 32-bit hash, side by side so
// that a probe touches one cache line. Robin-hood linear probing
// keeps probe sequences short and lets a miss stop early; deletion shifts the following run
// back by one (backward-shift deletion), so there are no tombstones and chains never break.
//
// The index does not know the keys: `find` asks a matcher whether a reference with the right
// hash really holds the key; insert and remove work on hashes and references only.

import { reduce32 } from '../lb/hash.js';

export interface RefMatcher {
  /** Whether the entry `ref` holds the key being looked up (set up by the caller beforehand). */
  matchRef(ref: number): boolean;
}

export class FlatIndex {
  /** Number of slots. */
  readonly slots: number;
  /** Per slot i: [2i] = stored reference + 1 (0 = empty), [2i+1] = the key's hash (int32). */
  readonly table: Int32Array;
  private count = 0;

  /** `entries` is the most the index will ever hold; `maxLoad` the fill ratio it is sized for. */
  constructor(entries: number, maxLoad: number) {
    if (!(maxLoad > 0 && maxLoad < 1)) throw new RangeError(`maxLoad must be in (0,1): ${maxLoad}`);
    this.slots = Math.max(8, Math.ceil(entries / maxLoad) + 1);
    if (this.slots > 0x7ffffffe) throw new RangeError('index too large');
    this.table = new Int32Array(this.slots * 2).fill(0); // touched now: no page faults on the packet path
  }

  get size(): number {
    return this.count;
  }

  get bytes(): number {
    return this.table.byteLength;
  }

  home(hash: number): number {
    return reduce32(hash, this.slots);
  }

  /** Returns the reference whose key matches, or -1. */
  find(hash: number, m: RefMatcher): number {
    const t = this.table, n = this.slots;
    hash |= 0;
    let pos = reduce32(hash, n);
    for (let dist = 0; ; dist++) {
      const r = t[2 * pos]!;
      if (r === 0) return -1;
      const h = t[2 * pos + 1]!;
      if (h === hash && m.matchRef(r - 1)) return r - 1;
      let d = pos - reduce32(h, n);
      if (d < 0) d += n;
      if (d < dist) return -1; // robin hood: our key would have displaced this one
      if (++pos === n) pos = 0;
    }
  }

  /** Adds `ref` under `hash` (the caller has checked that the key is absent). */
  insert(hash: number, ref: number): void {
    if (this.count >= this.slots - 1) throw new RangeError('flat index full');
    const t = this.table, n = this.slots;
    let curRef = ref + 1, curHash = hash | 0;
    let pos = reduce32(curHash, n);
    for (let dist = 0; ; dist++) {
      const r = t[2 * pos]!;
      if (r === 0) {
        t[2 * pos] = curRef;
        t[2 * pos + 1] = curHash;
        this.count++;
        return;
      }
      const h = t[2 * pos + 1]!;
      let d = pos - reduce32(h, n);
      if (d < 0) d += n;
      if (d < dist) {
        t[2 * pos] = curRef;
        t[2 * pos + 1] = curHash;
        curRef = r;
        curHash = h;
        dist = d;
      }
      if (++pos === n) pos = 0;
    }
  }

  /** Removes exactly `ref` (stored under `hash`); returns whether it was there. */
  remove(hash: number, ref: number): boolean {
    const t = this.table, n = this.slots;
    const want = ref + 1;
    hash |= 0;
    let pos = reduce32(hash, n);
    for (let dist = 0; ; dist++) {
      const r = t[2 * pos]!;
      if (r === 0) return false;
      if (r === want) break;
      const h = t[2 * pos + 1]!;
      let d = pos - reduce32(h, n);
      if (d < 0) d += n;
      if (d < dist) return false;
      if (++pos === n) pos = 0;
    }
    // Backward shift: pull each following displaced entry one slot closer to its home.
    for (;;) {
      let next = pos + 1;
      if (next === n) next = 0;
      const r = t[2 * next]!;
      if (r === 0) break;
      const h = t[2 * next + 1]!;
      if (reduce32(h, n) === next) break; // already at home
      t[2 * pos] = r;
      t[2 * pos + 1] = h;
      pos = next;
    }
    t[2 * pos] = 0;
    t[2 * pos + 1] = 0;
    this.count--;
    return true;
  }

  clear(): void {
    this.table.fill(0);
    this.count = 0;
  }

  /** Longest displacement of any entry (diagnostics; O(slots)). */
  maxProbe(): number {
    let max = 0;
    for (let pos = 0; pos < this.slots; pos++) {
      if (this.table[2 * pos] === 0) continue;
      let d = pos - reduce32(this.table[2 * pos + 1]!, this.slots);
      if (d < 0) d += this.slots;
      if (d > max) max = d;
    }
    return max;
  }
}
