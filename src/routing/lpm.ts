// IPv4 longest-prefix match: a multibit trie in typed arrays, a 16-bit root then four levels
// of 4-bit strides (16-4-4-4-4), with a summary in the root that resolves most lookups there.
//
// Entries. Every trie entry is an int32. A leaf is ((value + 1) << 6) | depth: the value and the
// length of the longest installed prefix covering every address under that entry (0 = no
// route). A link to a chunk is ~chunk (negative). A chunk is 16 entries, 64 bytes: one cache
// line.
//
// Lookups do not walk that trie from the root: each /16 has a summary, four words in `root`: a
// background leaf, a 64-bit bitmap of its /22s, and the base of its detail block. Bit j is set
// when the /22 j does not resolve wholly to the background leaf (the leaf most of its /22s
// resolve to; for a /16 without chunk, its entry, and no bit). The detail block holds, for each
// set bit in order, the four /24-level entries of that /22 (leaves, or links to the chunks of
// longer prefixes); the block is found by counting the set bits below j (as in Poptrie). So a
// lookup reads one root cache line, and only when its /22's bit is set one detail entry, and
// walks chunks only for prefixes longer than /24. With 100k random prefixes ~4% of the /22s
// have a bit set, and the detail blocks are small (~4 MB), so lookups cost about as much as in
// a table of 10 prefixes, in instructions and in cache misses. (A plain 16-8-8 trie with
// 1 KB chunks took ~70 MB for 100k prefixes and a cache miss on most lookups; walking the
// 16-4-4-4-4 trie itself took two dependent misses on every /22 with a bit set.)
//
// Updates, one prefix at a time, as DPDK's rte_lpm does them. An insert of P/len overwrites,
// in P's range, the leaves whose depth is <= len (less specific, or P itself) and keeps the
// deeper ones, descending into chunks; a range finer than an entry first expands that entry
// into a chunk of 16 copies. A delete replaces, in P's range, the leaves of depth == len (P's
// own) with the next covering prefix, found in the per-length rule store. After each update a
// chunk whose entries are all the same leaf folds back into its parent entry, so the trie is
// canonical (its shape depends only on the installed prefixes; an empty table holds no chunk),
// and the touched root summaries are recomputed.
//
// Chunk pool. Chunks live in segments of 1024 (64 KB), appended as needed and never copied on
// growth (first-touch page faults are what growing costs). A freed chunk is chained through its
// first entry. When three quarters of the segments are free, the live chunks are packed at the
// start (two fingers: the lowest hole takes the highest live chunk) and the tail segments go.

import { BlockArena, blockClass } from './block-arena.js';
import { PrefixMap } from './prefix-map.js';

const ROOT_BITS = 16;
const ROOT_SIZE = 1 << ROOT_BITS;
/** Bits per level below the root. */
const STRIDE = 4;
const CHUNK = 1 << STRIDE;
const SLOT_MASK = CHUNK - 1;
/** /22s per /16 in the root summary (one bit each). */
const SUB_BITS = 6;
const SUBS = 1 << SUB_BITS;
/** Level-3 entries (/24s) per /22 (summarize unrolls it: 4). */
const L3_PER_SUB = CHUNK >> (SUB_BITS - STRIDE);
const SEG_SHIFT = 10;
const SEG_CHUNKS = 1 << SEG_SHIFT;
const SEG_CHUNK_MASK = SEG_CHUNKS - 1;
/** Entries per segment, and the mask of an entry's offset in it. */
const SEG_ENTRY_SHIFT = SEG_SHIFT + STRIDE;
const SEG_ENTRY_MASK = (1 << SEG_ENTRY_SHIFT) - 1;
const DEPTH_BITS = 6;
const DEPTH_MASK = (1 << DEPTH_BITS) - 1;
const NO_CHUNK = -1;
/** Largest value a prefix can carry. */
export const LPM_MAX_VALUE = (1 << (31 - DEPTH_BITS)) - 2;

function maskOfLen(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

function leafOf(value: number, depth: number): number {
  return ((value + 1) << DEPTH_BITS) | depth;
}

export class Lpm {
  /** Summary of /16 s: [4s] background leaf, [4s + 1] and [4s + 2] bitmap of its /22s, [4s + 3] detail block base. */
  private readonly root = new Int32Array(4 * ROOT_SIZE);
  /** Trie entry of /16 s. */
  private readonly links = new Int32Array(ROOT_SIZE);
  private readonly arena = new BlockArena();
  /** The arena's entries (kept in step with it). */
  private detail = this.arena.data;
  /** Chunk c is segs[c >> 10][(c & 1023) * 16 ..][16]. */
  private readonly segs: Int32Array[] = [];
  /**
   * Per chunk below `top`: where the link to it is (a root slot < 65536, or 65536 + a pool
   * entry index), or NO_CHUNK when it is free.
   */
  private parent = new Int32Array(SEG_CHUNKS);
  /** Chunks from `top` on were never handed out (since the last packing). */
  private top = 0;
  private freeHead = NO_CHUNK;
  private nFree = 0;
  private readonly subLeaves = new Int32Array(SUBS);
  private readonly dirty: number[] = [];
  private readonly tallyVals = new Int32Array(SUBS);
  private readonly tallyCounts = new Int32Array(SUBS);
  private readonly rules = new PrefixMap();
  private readonly perLen = new Int32Array(33);

  // ------------------------------------------------------------------ lookups (fast path)

  /** The leaf for `dst` (see the file comment). */
  private leafFor(dst: number): number {
    const r = this.root, s = (dst >>> ROOT_BITS) << 2;
    const j = (dst >>> (ROOT_BITS - SUB_BITS)) & (SUBS - 1);
    // The bitmap word of j, without a branch. Shift counts are taken modulo 32.
    const w = r[s + 1 + (j >>> 5)]!;
    if (((w >>> j) & 1) === 0) return r[s]!;
    // Rank of j among the set bits: those below it in its word, plus the low word's when j >= 32.
    const rank = popcount(w & ((1 << j) - 1)) + popcount(r[s + 1]! & -(j >>> 5));
    let e = this.detail[r[s + 3]! + (rank << 2) + ((dst >>> 8) & 3)]!;
    if (e >= 0) return e;
    const segs = this.segs;
    let shift = 8;
    do {
      const c = ~e;
      shift -= STRIDE;
      e = segs[c >>> SEG_SHIFT]![((c & SEG_CHUNK_MASK) << STRIDE) | ((dst >>> shift) & SLOT_MASK)]!;
    } while (e < 0);
    return e;
  }

  /** The value of the longest prefix holding `dst`, or -1. Allocation-free. */
  lookup(dst: number): number {
    return (this.leafFor(dst) >> DEPTH_BITS) - 1;
  }

  /** The length of the longest prefix holding `dst`, or -1 when none does. */
  matchLength(dst: number): number {
    const e = this.leafFor(dst);
    return e === 0 ? -1 : e & DEPTH_MASK;
  }

  // ------------------------------------------------------------------ rules

  /** Number of installed prefixes. */
  get size(): number {
    return this.rules.size;
  }

  /** The value installed for exactly `net/len` (host bits ignored), or -1. */
  get(net: number, len: number): number {
    checkLen(len);
    return this.rules.get((net & maskOfLen(len)) >>> 0, len);
  }

  /** Every installed prefix (unordered). */
  forEach(fn: (net: number, len: number, value: number) => void): void {
    this.rules.forEach(fn);
  }

  /** Chunks in use. */
  get chunksInUse(): number {
    return this.top - this.nFree;
  }

  /** Bytes held by the structure's typed arrays (root, chunk segments, pool bookkeeping, rule store). */
  get bytes(): number {
    return this.root.byteLength + this.links.byteLength + this.arena.bytes + this.segs.length * SEG_CHUNKS * CHUNK * 4 +
      this.parent.byteLength + this.perLen.byteLength + this.subLeaves.byteLength * 3 + this.rules.bytes;
  }

  // ------------------------------------------------------------------ updates

  /**
   * Installs `net/len` -> `value` (0 .. LPM_MAX_VALUE), replacing the value of the same prefix.
   * Host bits of `net` are ignored. Returns whether anything changed.
   */
  insert(net: number, len: number, value: number): boolean {
    checkLen(len);
    if (!Number.isInteger(value) || value < 0 || value > LPM_MAX_VALUE) throw new RangeError(`LPM value out of range: ${value}`);
    net = (net & maskOfLen(len)) >>> 0;
    const prev = this.rules.set(net, len, value);
    if (prev === value) return false;
    if (prev < 0) this.perLen[len]!++;
    this.update(net, len, leafOf(value, len), true);
    return true;
  }

  /** Removes `net/len` (host bits ignored); its addresses fall back to the next covering prefix. Returns whether it was installed. */
  delete(net: number, len: number): boolean {
    checkLen(len);
    net = (net & maskOfLen(len)) >>> 0;
    if (this.rules.delete(net, len) < 0) return false;
    this.perLen[len]!--;
    this.update(net, len, this.coveringLeaf(net, len), false);
    this.maybePack();
    this.arena.maybeCompact((slot, base) => { this.root[(slot << 2) + 3] = base; });
    this.detail = this.arena.data;
    return true;
  }

  /** Leaf of the longest installed prefix shorter than `len` covering `net`, or 0. */
  private coveringLeaf(net: number, len: number): number {
    for (let l = len - 1; l >= 0; l--) {
      if (this.perLen[l] === 0) continue;
      const v = this.rules.get((net & maskOfLen(l)) >>> 0, l);
      if (v >= 0) return leafOf(v, l);
    }
    return 0;
  }

  /** Writes `leaf` over the range of `net/len`: on insert where the depth is <= len, on delete where it is == len. */
  private update(net: number, len: number, leaf: number, insert: boolean): void {
    if (len <= ROOT_BITS) {
      const first = net >>> (32 - ROOT_BITS), n = 1 << (ROOT_BITS - len);
      for (let s = first; s < first + n; s++) {
        this.write(s, leaf, len, insert);
        this.summarize(s);
      }
      return;
    }
    // Walk down (expanding leaves) to the level whose entries are no finer than the prefix.
    const slot = net >>> (32 - ROOT_BITS);
    const path: number[] = [];
    let loc = slot, end = ROOT_BITS + STRIDE;
    for (;;) {
      const c = this.childAt(loc);
      path.push(c);
      const at = ROOT_SIZE + (c << STRIDE);
      if (len <= end) {
        const first = (net >>> (32 - end)) & SLOT_MASK, n = 1 << (end - len);
        for (let k = 0; k < n; k++) this.write(at + first + k, leaf, len, insert);
        break;
      }
      loc = at + ((net >>> (32 - end)) & SLOT_MASK);
      end += STRIDE;
    }
    for (let k = path.length - 1; k >= 0; k--) this.foldIfUniform(path[k]!);
    this.summarize(slot);
  }

  private write(loc: number, leaf: number, depth: number, insert: boolean): void {
    const e = this.entry(loc);
    if (e < 0) {
      const c = ~e, at = ROOT_SIZE + (c << STRIDE);
      for (let k = 0; k < CHUNK; k++) this.write(at + k, leaf, depth, insert);
      this.foldIfUniform(c);
      return;
    }
    const d = e & DEPTH_MASK;
    if (insert ? d <= depth : d === depth) this.setEntry(loc, leaf);
  }

  /** A trie entry by location: a root slot (< 65536), or 65536 + a pool entry index (chunk * 16 + slot). */
  private entry(loc: number): number {
    if (loc < ROOT_SIZE) return this.links[loc]!;
    const i = loc - ROOT_SIZE;
    return this.segs[i >>> SEG_ENTRY_SHIFT]![i & SEG_ENTRY_MASK]!;
  }

  private setEntry(loc: number, e: number): void {
    if (loc < ROOT_SIZE) {
      this.links[loc] = e;
      return;
    }
    const i = loc - ROOT_SIZE;
    this.segs[i >>> SEG_ENTRY_SHIFT]![i & SEG_ENTRY_MASK] = e;
  }

  /** Chunk `c`'s segment; its entries start at (c & 1023) * 16. */
  private segOf(c: number): Int32Array {
    return this.segs[c >>> SEG_SHIFT]!;
  }

  /** The chunk linked at `loc`, expanding a leaf there into a chunk of copies of it. */
  private childAt(loc: number): number {
    const e = this.entry(loc);
    if (e < 0) return ~e;
    const c = this.allocChunk();
    const at = (c & SEG_CHUNK_MASK) << STRIDE;
    this.segOf(c).fill(e, at, at + CHUNK);
    this.parent[c] = loc;
    this.setEntry(loc, ~c);
    return c;
  }

  /** Folds chunk `c` into its parent entry when its entries are all the same leaf. */
  private foldIfUniform(c: number): void {
    if (this.uniformLeaf(c) < 0) return;
    this.setEntry(this.parent[c]!, this.segOf(c)[(c & SEG_CHUNK_MASK) << STRIDE]!);
    this.freeChunk(c);
  }

  /** The leaf that all entries of chunk `c` are, or -1 when they differ or hold a link. */
  private uniformLeaf(c: number): number {
    const p = this.segOf(c), at = (c & SEG_CHUNK_MASK) << STRIDE;
    const x = p[at]!;
    if (x < 0) return -1;
    for (let k = 1; k < CHUNK; k++) if (p[at + k] !== x) return -1;
    return x;
  }

  // ------------------------------------------------------------------ root summaries

  /** Recomputes the summary and detail block of /16 `s` from its trie entry. */
  private summarize(s: number): void {
    const r = this.root, at4 = s << 2, e = this.links[s]!;
    let bg = e, lo = 0, hi = 0;
    if (e < 0) {
      // What each /22 resolves to wholly (a leaf), or -1: a /20 entry that is a leaf gives its
      // four /22s; a link, each /22 whose four /24 entries are one leaf.
      const sub = this.subLeaves;
      const c = ~e, p = this.segOf(c), at = (c & SEG_CHUNK_MASK) << STRIDE;
      for (let j = 0; j < CHUNK; j++) {
        const x = p[at + j]!;
        let o = j * (SUBS / CHUNK);
        if (x >= 0) {
          sub[o] = x; sub[o + 1] = x; sub[o + 2] = x; sub[o + 3] = x;
          continue;
        }
        const q = this.segOf(~x), b = (~x & SEG_CHUNK_MASK) << STRIDE;
        for (let k = 0; k < SUBS / CHUNK; k++, o++) {
          const i = b + k * L3_PER_SUB, y = q[i]!;
          sub[o] = y >= 0 && q[i + 1] === y && q[i + 2] === y && q[i + 3] === y ? y : -1;
        }
      }
      // The background is the leaf most /22s resolve to (few distinct ones: a linear tally).
      const vals = this.tallyVals, counts = this.tallyCounts;
      let distinct = 0, best = 0, prev = -1, k = 0;
      bg = 0;
      for (let j = 0; j < SUBS; j++) {
        const x = sub[j]!;
        if (x < 0) continue;
        if (x !== prev) {
          k = 0;
          while (k < distinct && vals[k] !== x) k++;
          if (k === distinct) {
            vals[distinct] = x;
            counts[distinct++] = 0;
          }
          prev = x;
        }
        const n = ++counts[k]!;
        if (n > best) { best = n; bg = x; }
      }
      for (let j = 0; j < 32; j++) if (sub[j] !== bg) lo |= 1 << j;
      for (let j = 32; j < SUBS; j++) if (sub[j] !== bg) hi |= 1 << j;
    }
    const n = popcount(lo) + popcount(hi), was = popcount(r[at4 + 1]!) + popcount(r[at4 + 2]!);
    let base = r[at4 + 3]!;
    if (was > 0 && (n === 0 || blockClass(was) !== blockClass(n))) this.arena.release(base);
    if (n > 0 && (was === 0 || blockClass(was) !== blockClass(n))) {
      base = this.arena.alloc(blockClass(n), s);
      this.detail = this.arena.data;
    }
    if (n > 0) this.fillDetail(~e, lo, hi, base);
    r[at4] = bg;
    r[at4 + 1] = lo;
    r[at4 + 2] = hi;
    r[at4 + 3] = n > 0 ? base : 0;
  }

  /** Writes, for each set bit of the /22 bitmap, the four /24-level entries of that /22 of chunk `c`. */
  private fillDetail(c: number, lo: number, hi: number, base: number): void {
    const d = this.detail, p = this.segOf(c), at = (c & SEG_CHUNK_MASK) << STRIDE;
    let w = base;
    for (let j = 0; j < SUBS; j++) {
      if ((((j < 32 ? lo : hi) >>> j) & 1) === 0) continue;
      const x = p[at + (j >> 2)]!;
      if (x >= 0) {
        d.fill(x, w, w + L3_PER_SUB);
      } else {
        const c3 = ~x, from = ((c3 & SEG_CHUNK_MASK) << STRIDE) + (j & 3) * L3_PER_SUB;
        d.set(this.segOf(c3).subarray(from, from + L3_PER_SUB), w);
      }
      w += L3_PER_SUB;
    }
  }

  // ------------------------------------------------------------------ chunk pool

  private allocChunk(): number {
    if (this.freeHead !== NO_CHUNK) {
      const c = this.freeHead;
      this.freeHead = this.segOf(c)[(c & SEG_CHUNK_MASK) << STRIDE]!;
      this.nFree--;
      return c;
    }
    const c = this.top++;
    if (c >>> SEG_SHIFT === this.segs.length) this.segs.push(new Int32Array(SEG_CHUNKS * CHUNK));
    if (c === this.parent.length) {
      const parent = new Int32Array(this.parent.length * 2);
      parent.set(this.parent);
      this.parent = parent;
    }
    return c;
  }

  private freeChunk(c: number): void {
    this.parent[c] = NO_CHUNK;
    this.segOf(c)[(c & SEG_CHUNK_MASK) << STRIDE] = this.freeHead;
    this.freeHead = c;
    this.nFree++;
  }

  /** When three quarters of the segments are free: packs the live chunks at the start and drops the free segments. */
  private maybePack(): void {
    const used = this.chunksInUse, keep = (used + SEG_CHUNK_MASK) >>> SEG_SHIFT;
    if (used * 4 > this.segs.length * SEG_CHUNKS || keep === this.segs.length) return;
    const parent = this.parent;
    let lo = 0, hi = this.top - 1;
    for (;;) {
      while (lo < hi && parent[lo] !== NO_CHUNK) lo++;
      while (hi > lo && parent[hi] === NO_CHUNK) hi--;
      if (lo >= hi) break;
      this.moveChunk(hi, lo);
    }
    this.top = used;
    this.freeHead = NO_CHUNK;
    this.nFree = 0;
    this.segs.length = keep;
    // Detail blocks copy links to the chunks of prefixes longer than /24: refresh the moved ones'.
    for (const slot of this.dirty) this.summarize(slot);
    this.dirty.length = 0;
    if (this.parent.length > SEG_CHUNKS && used * 4 <= this.parent.length) {
      this.parent = this.parent.slice(0, Math.max(SEG_CHUNKS, used * 2));
    }
  }

  private moveChunk(from: number, to: number): void {
    const src = this.segOf(from), dst = this.segOf(to);
    const a = (from & SEG_CHUNK_MASK) << STRIDE, b = (to & SEG_CHUNK_MASK) << STRIDE;
    const loc = this.parent[from]!;
    for (let k = 0; k < CHUNK; k++) {
      const e = src[a + k]!;
      dst[b + k] = e;
      if (e < 0) this.parent[~e] = ROOT_SIZE + (to << STRIDE) + k;
    }
    this.setEntry(loc, ~to);
    this.parent[to] = loc;
    this.parent[from] = NO_CHUNK;
    let up = loc;
    while (up >= ROOT_SIZE) up = this.parent[(up - ROOT_SIZE) >> STRIDE]!;
    this.dirty.push(up);
  }
}

function checkLen(len: number): void {
  if (!Number.isInteger(len) || len < 0 || len > 32) throw new RangeError(`prefix length out of range: ${len}`);
}
