// Variable-size blocks of int32 entries in one growable Int32Array: a block holds 4 * 2^k
// entries (k = 0..6), each class with its own free list. Every block records its owner (a
// small integer), so that the arena can be compacted: blocks move to the front in order and the
// owner is told each new place. The LPM keeps one block per /16 in it (see lpm.ts).

const UNIT = 4;
const CLASSES = 7;
const FREE = -1;
const MIN_UNITS = 256;

/** The class of the smallest block holding `units` units (1 .. 64). */
export function blockClass(units: number): number {
  return units <= 1 ? 0 : 32 - Math.clz32(units - 1);
}

export class BlockArena {
  /** The entries; replaced when the arena grows or is compacted. */
  data = new Int32Array(MIN_UNITS * UNIT);
  /** Per unit where a block starts: its owner, or FREE. */
  private owner = new Int32Array(MIN_UNITS).fill(FREE);
  /** Per unit where a block starts: its class. */
  private klass = new Int8Array(MIN_UNITS);
  private top = 0;
  private readonly free: number[][] = Array.from({ length: CLASSES }, () => []);
  private liveUnits = 0;

  get bytes(): number {
    return this.data.byteLength + this.owner.byteLength + this.klass.byteLength;
  }

  /** Entries in live blocks. */
  get liveEntries(): number {
    return this.liveUnits * UNIT;
  }

  /** A block of class `k` for `owner`; returns the index of its first entry (data may be replaced). */
  alloc(k: number, owner: number): number {
    const units = 1 << k;
    let u = this.free[k]!.pop();
    if (u === undefined) {
      if (this.top + units > this.owner.length) this.resize(Math.max(this.owner.length * 2, this.top + units));
      u = this.top;
      this.top += units;
      this.klass[u] = k;
    }
    this.owner[u] = owner;
    this.liveUnits += units;
    return u * UNIT;
  }

  release(base: number): void {
    const u = base / UNIT;
    this.owner[u] = FREE;
    this.liveUnits -= 1 << this.klass[u]!;
    this.free[this.klass[u]!]!.push(u);
  }

  /**
   * When three quarters of the arena are free: moves the live blocks to the front, in order,
   * calling `moved(owner, newBase)` for each, and shrinks the arena.
   */
  maybeCompact(moved: (owner: number, base: number) => void): void {
    const units = this.owner.length;
    if (units <= MIN_UNITS || this.liveUnits * 4 > units) return;
    const { data, owner, klass } = this;
    const n = Math.max(MIN_UNITS, this.liveUnits * 2);
    this.data = new Int32Array(n * UNIT);
    this.owner = new Int32Array(n).fill(FREE);
    this.klass = new Int8Array(n);
    let to = 0;
    for (let u = 0; u < this.top; u += 1 << klass[u]!) {
      if (owner[u] === FREE) continue;
      const size = 1 << klass[u]!;
      this.data.set(data.subarray(u * UNIT, (u + size) * UNIT), to * UNIT);
      this.owner[to] = owner[u]!;
      this.klass[to] = klass[u]!;
      moved(owner[u]!, to * UNIT);
      to += size;
    }
    this.top = to;
    for (const f of this.free) f.length = 0;
  }

  private resize(units: number): void {
    const data = new Int32Array(units * UNIT), owner = new Int32Array(units).fill(FREE), klass = new Int8Array(units);
    data.set(this.data.subarray(0, this.top * UNIT));
    owner.set(this.owner.subarray(0, this.top));
    klass.set(this.klass.subarray(0, this.top));
    this.data = data;
    this.owner = owner;
    this.klass = klass;
  }
}
