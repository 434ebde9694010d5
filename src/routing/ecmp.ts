// ECMP next-hop groups with resilient hashing. A group is a table of 256 buckets, each naming
// one next-hop id; a flow picks the bucket of its hash. Why buckets rather than hash-mod-N or
// rendezvous hashing: mod-N moves most flows whenever N changes; rendezvous moves only the
// removed member's flows too, but costs one hash per member on every lookup, where a bucket
// table is one multiply and one array read whatever the group's width. Changes are applied to
// the previous table of the prefix (resilientLayout):
//   - a removed member's buckets are handed to the survivors (the emptiest first, so round-
//     robin when they are even): only the flows that were on it move;
//   - an added member takes an even share, stolen one bucket at a time from the fullest
//     members: only the flows that now go to it move;
//   - a member replaced by another (one removed, one added) hands its buckets to the new one.
// Groups are interned by their bucket table and refcounted by the prefixes using it, so
// prefixes with the same history share one group and a table of 100k routes over a few
// next-hop sets holds a few groups. Group ids are stable while referenced; a prefix whose
// next hops change gets the id of its new table (the other members' buckets are unchanged).

import type { NextHopTable } from './nexthops.js';

const BUCKET_SHIFT = 8;
/** Buckets per group. */
export const ECMP_BUCKETS = 1 << BUCKET_SHIFT;
/** Widest group: every member needs at least one bucket. */
export const MAX_ECMP_PATHS = ECMP_BUCKETS;

/** The bucket of a flow hash (top bits of a multiplicative hash, so any input bits count). */
export function bucketOf(flowHash: number): number {
  return Math.imul(flowHash, 0x9e3779b1) >>> (32 - BUCKET_SHIFT);
}

/** The table of a new group: members (sorted next-hop ids) in turn. */
export function freshLayout(members: readonly number[], size = ECMP_BUCKETS): Int32Array {
  const out = new Int32Array(size);
  for (let i = 0; i < size; i++) out[i] = members[i % members.length]!;
  return out;
}

/**
 * The table for `members` (sorted, distinct next-hop ids) derived from `old` with the fewest
 * buckets changed (see the file comment). Pure: the same inputs give the same table.
 */
export function resilientLayout(old: ArrayLike<number>, members: readonly number[]): Int32Array {
  const size = old.length, k = members.length;
  const out = Int32Array.from(old);
  const count = new Map<number, number>();
  for (const m of members) count.set(m, 0);
  const moved: number[] = [];
  for (let i = 0; i < size; i++) {
    const c = count.get(out[i]!);
    if (c === undefined) moved.push(i);
    else count.set(out[i]!, c + 1);
  }
  const added = members.filter((m) => count.get(m) === 0);
  if (added.length === k) return freshLayout(members, size);
  const share = Math.floor(size / k);
  while (moved.length < share * added.length) {
    let from = -1, most = -1;
    for (const m of members) {
      const c = count.get(m)!;
      if (c > most) { most = c; from = m; }
    }
    const i = out.indexOf(from);
    out[i] = -1;
    moved.push(i);
    count.set(from, most - 1);
  }
  moved.sort((a, b) => a - b);
  let next = 0;
  for (let round = 0; round < share; round++) {
    for (const m of added) {
      out[moved[next++]!] = m;
      count.set(m, count.get(m)! + 1);
    }
  }
  while (next < moved.length) {
    let to = -1, least = Infinity;
    for (const m of members) {
      const c = count.get(m)!;
      if (c < least) { least = c; to = m; }
    }
    out[moved[next++]!] = to;
    count.set(to, least + 1);
  }
  return out;
}

function hashTable(t: ArrayLike<number>): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < t.length; i++) h = Math.imul(h ^ t[i]!, 0x01000193);
  return h | 0;
}

export class EcmpGroups {
  /** Group g's buckets are buckets[g * 256 .. g * 256 + 255], each a next-hop id. */
  buckets = new Int32Array(16 * ECMP_BUCKETS);
  private refs = new Int32Array(16);
  private readonly memberLists: (readonly number[] | null)[] = [];
  private readonly hashOf: number[] = [];
  private readonly byHash = new Map<number, number[]>();
  /** Member-set key -> the group whose table is freshLayout(members) (a cache for new prefixes). */
  private readonly freshBySet = new Map<string, number>();
  private readonly freshKeyOf: (string | null)[] = [];
  private readonly freeIds: number[] = [];
  private next = 0;
  private live = 0;

  constructor(private readonly nhs: NextHopTable) {}

  /** The next-hop id for a flow in group `g`. Allocation-free. */
  select(g: number, flowHash: number): number {
    return this.buckets[(g << BUCKET_SHIFT) | (Math.imul(flowHash, 0x9e3779b1) >>> (32 - BUCKET_SHIFT))]!;
  }

  /** Number of live groups. */
  get size(): number {
    return this.live;
  }

  get bytes(): number {
    return this.buckets.byteLength + this.refs.byteLength;
  }

  /** Sorted next-hop ids of group `g`. */
  members(g: number): readonly number[] {
    const m = this.memberLists[g];
    if (!m) throw new RangeError(`no ECMP group ${g}`);
    return m;
  }

  refCount(g: number): number {
    return this.refs[g]!;
  }

  /** A copy of group `g`'s bucket table. */
  table(g: number): Int32Array {
    return this.buckets.slice(g << BUCKET_SHIFT, (g + 1) << BUCKET_SHIFT);
  }

  /** A reference to a group of `members` (sorted, distinct next-hop ids) with a new table. */
  acquireFresh(members: readonly number[]): number {
    checkMembers(members);
    const key = members.join(',');
    const known = this.freshBySet.get(key);
    if (known !== undefined) {
      this.refs[known]!++;
      return known;
    }
    const g = this.intern(freshLayout(members), members);
    if (this.freshKeyOf[g] == null) {
      this.freshBySet.set(key, g);
      this.freshKeyOf[g] = key;
    }
    return g;
  }

  /** A reference to the group of `members` whose table is group `from`'s with the fewest changes. */
  acquireChanged(from: number, members: readonly number[]): number {
    checkMembers(members);
    const cur = this.memberLists[from];
    if (cur && cur.length === members.length && cur.every((m, i) => m === members[i])) {
      this.refs[from]!++;
      return from;
    }
    return this.intern(resilientLayout(this.table(from), members), members);
  }

  release(g: number): void {
    if (--this.refs[g]! > 0) return;
    const h = this.hashOf[g]!;
    const same = this.byHash.get(h)!;
    same.splice(same.indexOf(g), 1);
    if (same.length === 0) this.byHash.delete(h);
    const key = this.freshKeyOf[g];
    if (key != null) this.freshBySet.delete(key);
    this.freshKeyOf[g] = null;
    for (const m of this.memberLists[g]!) this.nhs.release(m);
    this.memberLists[g] = null;
    this.freeIds.push(g);
    this.live--;
  }

  private intern(table: Int32Array, members: readonly number[]): number {
    const h = hashTable(table);
    const same = this.byHash.get(h);
    if (same) {
      for (const g of same) {
        if (this.sameTable(g, table)) {
          this.refs[g]!++;
          return g;
        }
      }
    }
    const g = this.freeIds.length > 0 ? this.freeIds.pop()! : this.next++;
    if (g >= this.refs.length) this.grow();
    this.buckets.set(table, g << BUCKET_SHIFT);
    this.refs[g] = 1;
    this.memberLists[g] = members.slice();
    this.hashOf[g] = h;
    this.freshKeyOf[g] = null;
    if (same) same.push(g);
    else this.byHash.set(h, [g]);
    for (const m of members) this.nhs.retain(m);
    this.live++;
    return g;
  }

  private sameTable(g: number, table: Int32Array): boolean {
    const b = this.buckets, at = g << BUCKET_SHIFT;
    for (let i = 0; i < ECMP_BUCKETS; i++) if (b[at + i] !== table[i]) return false;
    return true;
  }

  private grow(): void {
    const n = this.refs.length * 2;
    const b = new Int32Array(n * ECMP_BUCKETS), r = new Int32Array(n);
    b.set(this.buckets);
    r.set(this.refs);
    this.buckets = b;
    this.refs = r;
  }
}

function checkMembers(members: readonly number[]): void {
  if (members.length === 0 || members.length > MAX_ECMP_PATHS) throw new RangeError(`ECMP group of ${members.length} next hops`);
  for (let i = 1; i < members.length; i++) {
    if (members[i]! <= members[i - 1]!) throw new RangeError('ECMP members must be sorted and distinct');
  }
}
