// A map from an IPv4 prefix (network, length) to a non-negative integer, in typed arrays: open
// addressing with linear probing and backward-shift deletion, growing at half load and
// shrinking when nearly empty. It is the rule store of the LPM (which prefixes are installed,
// with which value), so that its memory is counted exactly and no boxed keys are kept.

const MIN_SLOTS = 16;
const EMPTY_LEN = -1;

function slotOf(net: number, len: number, mask: number): number {
  let h = Math.imul((net | 0) ^ Math.imul(len + 1, 0x27d4eb2d), 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h & mask;
}

export class PrefixMap {
  private nets: Int32Array;
  private lens: Int8Array;
  private vals: Int32Array;
  private mask: number;
  private count = 0;

  constructor(expected = 0) {
    let n = MIN_SLOTS;
    while (n < expected * 2) n <<= 1;
    this.nets = new Int32Array(n);
    this.lens = new Int8Array(n).fill(EMPTY_LEN);
    this.vals = new Int32Array(n);
    this.mask = n - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the typed arrays. */
  get bytes(): number {
    return this.nets.byteLength + this.lens.byteLength + this.vals.byteLength;
  }

  private find(net: number, len: number): number {
    net |= 0;
    const nets = this.nets, lens = this.lens, mask = this.mask;
    let i = slotOf(net, len, mask);
    for (;;) {
      const l = lens[i]!;
      if (l === EMPTY_LEN) return -1;
      if (l === len && nets[i] === net) return i;
      i = (i + 1) & mask;
    }
  }

  /** The value of `net/len`, or -1. `net` must have no host bits. */
  get(net: number, len: number): number {
    const i = this.find(net, len);
    return i < 0 ? -1 : this.vals[i]!;
  }

  has(net: number, len: number): boolean {
    return this.find(net, len) >= 0;
  }

  /** Sets `net/len` to `value` (>= 0); returns the previous value, or -1. */
  set(net: number, len: number, value: number): number {
    const at = this.find(net, len);
    if (at >= 0) {
      const prev = this.vals[at]!;
      this.vals[at] = value;
      return prev;
    }
    if ((this.count + 1) * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    const lens = this.lens, mask = this.mask;
    let i = slotOf(net | 0, len, mask);
    while (lens[i] !== EMPTY_LEN) i = (i + 1) & mask;
    this.nets[i] = net | 0;
    lens[i] = len;
    this.vals[i] = value;
    this.count++;
    return -1;
  }

  /** Removes `net/len`; returns its value, or -1 when it was not there. */
  delete(net: number, len: number): number {
    let i = this.find(net, len);
    if (i < 0) return -1;
    const prev = this.vals[i]!;
    const nets = this.nets, lens = this.lens, vals = this.vals, mask = this.mask;
    // Backward shift: pull later members of the probe run into the hole unless that would
    // put one before its home slot.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      if (lens[j] === EMPTY_LEN) break;
      const home = slotOf(nets[j]!, lens[j]!, mask);
      const between = i <= j ? home > i && home <= j : home > i || home <= j;
      if (between) continue;
      nets[i] = nets[j]!;
      lens[i] = lens[j]!;
      vals[i] = vals[j]!;
      i = j;
    }
    lens[i] = EMPTY_LEN;
    this.count--;
    if (this.count * 8 < this.mask + 1 && this.mask + 1 > MIN_SLOTS) this.rehash((this.mask + 1) / 2);
    return prev;
  }

  forEach(fn: (net: number, len: number, value: number) => void): void {
    const lens = this.lens;
    for (let i = 0; i < lens.length; i++) {
      const l = lens[i]!;
      if (l !== EMPTY_LEN) fn(this.nets[i]! >>> 0, l, this.vals[i]!);
    }
  }

  private rehash(slots: number): void {
    const { nets, lens, vals } = this;
    this.nets = new Int32Array(slots);
    this.lens = new Int8Array(slots).fill(EMPTY_LEN);
    this.vals = new Int32Array(slots);
    this.mask = slots - 1;
    const mask = this.mask;
    for (let k = 0; k < lens.length; k++) {
      const l = lens[k]!;
      if (l === EMPTY_LEN) continue;
      let i = slotOf(nets[k]!, l, mask);
      while (this.lens[i] !== EMPTY_LEN) i = (i + 1) & mask;
      this.nets[i] = nets[k]!;
      this.lens[i] = l;
      this.vals[i] = vals[k]!;
    }
  }
}
