// Next hops as small integer ids: each distinct (gateway, interface) pair is interned once,
// refcounted by the ECMP groups that hold it, and read on the fast path from flat arrays.

export interface NextHop {
  /** Unsigned gateway address; 0 for a directly connected destination (interface route). */
  readonly gw: number;
  /** Interface index (the engine's InterfaceTable index). */
  readonly ifIdx: number;
}

export const MAX_IF_IDX = 0xfffff;

export class NextHopTable {
  /** Interface index of next hop `id`. */
  nhIf = new Int32Array(16);
  /** Unsigned gateway of next hop `id` (0 = the destination itself). */
  nhGw = new Uint32Array(16);
  private refs = new Int32Array(16);
  private readonly byKey = new Map<number, number>();
  private readonly freeIds: number[] = [];
  private next = 0;

  /** Number of live next hops. */
  get size(): number {
    return this.byKey.size;
  }

  get bytes(): number {
    return this.nhIf.byteLength + this.nhGw.byteLength + this.refs.byteLength;
  }

  /** The id of (gw, ifIdx) with one more reference, creating it when new. */
  acquire(gw: number, ifIdx: number): number {
    if (!Number.isInteger(ifIdx) || ifIdx < 0 || ifIdx > MAX_IF_IDX) throw new RangeError(`interface index out of range: ${ifIdx}`);
    gw >>>= 0;
    const key = gw * (MAX_IF_IDX + 1) + ifIdx;
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = this.freeIds.length > 0 ? this.freeIds.pop()! : this.next++;
      if (id >= this.nhIf.length) this.grow();
      this.nhIf[id] = ifIdx;
      this.nhGw[id] = gw;
      this.refs[id] = 0;
      this.byKey.set(key, id);
    }
    this.refs[id]!++;
    return id;
  }

  retain(id: number): void {
    this.refs[id]!++;
  }

  release(id: number): void {
    if (--this.refs[id]! > 0) return;
    this.byKey.delete(this.nhGw[id]! * (MAX_IF_IDX + 1) + this.nhIf[id]!);
    this.freeIds.push(id);
  }

  refCount(id: number): number {
    return this.refs[id]!;
  }

  nextHop(id: number): NextHop {
    return { gw: this.nhGw[id]!, ifIdx: this.nhIf[id]! };
  }

  private grow(): void {
    const n = this.nhIf.length * 2;
    const i = new Int32Array(n), g = new Uint32Array(n), r = new Int32Array(n);
    i.set(this.nhIf);
    g.set(this.nhGw);
    r.set(this.refs);
    this.nhIf = i;
    this.nhGw = g;
    this.refs = r;
  }
}
