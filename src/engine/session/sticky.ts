// The sticky (persistence) table: (service, client address & source mask, destination
// address & destination mask) -> real, with a time-to-live that every use refreshes.
// Flat typed arrays and the same robin-hood index as the session table; virtual time.
//
// Each service is configured once (`configureService`: TTL and masks); `get` and `set` take
// the unmasked addresses and mask them. An entry is alive while `now <= expiresAt`.

import { hash2x32, mix32, fmix32 } from '../lb/hash.js';
import { FlatIndex, type RefMatcher } from './flat-index.js';

export const StickyError = {
  FULL: -1,
  /** The service is not sticky (TTL 0) or out of range. */
  INVALID: -3,
} as const;

export interface StickyTableOptions {
  capacity: number;
  /** Service indexes are 0..maxServices-1 (default 4096). */
  maxServices?: number;
  maxLoad?: number;
  seed?: number;
  /** Slots examined for expired entries when `set` finds the table full (default 64). */
  fullSweepBudget?: number;
}

export interface StickyInfo {
  id: number;
  slb: number;
  src: number;
  dst: number;
  real: number;
  expiresAt: number;
}

const NIL = -1;

export class StickyTable implements RefMatcher {
  readonly capacity: number;
  readonly maxServices: number;
  readonly seed: number;
  readonly stats = { sets: 0, hits: 0, misses: 0, full: 0, expired: 0 };

  private readonly index: FlatIndex;
  private readonly liveA: Uint8Array;
  private readonly slbA: Int32Array;
  private readonly srcA: Int32Array;
  private readonly dstA: Int32Array;
  private readonly realA: Int32Array;
  private readonly expA: Float64Array;
  private readonly nextFree: Int32Array;
  private readonly ttlMs: Float64Array;
  private readonly srcMask: Int32Array;
  private readonly dstMask: Int32Array;
  private readonly fullSweepBudget: number;
  private freeHead = NIL;
  private hwm = 0;
  private count = 0;
  private cursor = 0;

  private kSlb = 0;
  private kSrc = 0;
  private kDst = 0;

  constructor(opts: StickyTableOptions) {
    const cap = opts.capacity;
    if (!Number.isInteger(cap) || cap < 1 || cap > 0x7ffffffe) throw new RangeError(`bad sticky capacity: ${cap}`);
    this.capacity = cap;
    this.maxServices = opts.maxServices ?? 4096;
    this.seed = (opts.seed ?? 0x571c) | 0;
    this.fullSweepBudget = opts.fullSweepBudget ?? 64;
    this.index = new FlatIndex(cap, opts.maxLoad ?? 0.6);
    this.liveA = new Uint8Array(cap);
    this.slbA = new Int32Array(cap);
    this.srcA = new Int32Array(cap);
    this.dstA = new Int32Array(cap);
    this.realA = new Int32Array(cap);
    this.expA = new Float64Array(cap);
    this.nextFree = new Int32Array(cap);
    this.ttlMs = new Float64Array(this.maxServices);
    this.srcMask = new Int32Array(this.maxServices);
    this.dstMask = new Int32Array(this.maxServices);
  }

  /** Stickiness of a service: TTL in seconds (0 = not sticky) and the two masks. */
  configureService(slb: number, ttlSeconds: number, srcMask: number, dstMask: number): void {
    if (slb < 0 || slb >= this.maxServices) throw new RangeError(`service index out of range: ${slb}`);
    this.ttlMs[slb] = Math.max(0, ttlSeconds * 1000);
    this.srcMask[slb] = srcMask | 0;
    this.dstMask[slb] = dstMask | 0;
  }

  isSticky(slb: number): boolean {
    return slb >= 0 && slb < this.maxServices && this.ttlMs[slb]! > 0;
  }

  get size(): number {
    return this.count;
  }

  memoryBytes(): number {
    return this.index.bytes + this.liveA.byteLength + this.slbA.byteLength + this.srcA.byteLength +
      this.dstA.byteLength + this.realA.byteLength + this.expA.byteLength + this.nextFree.byteLength +
      this.ttlMs.byteLength + this.srcMask.byteLength + this.dstMask.byteLength;
  }

  /** @internal */
  matchRef(ref: number): boolean {
    return this.slbA[ref] === this.kSlb && this.srcA[ref] === this.kSrc && this.dstA[ref] === this.kDst;
  }

  private keyHash(slb: number, src: number, dst: number): number {
    return fmix32(mix32(hash2x32(src, dst, this.seed), slb) ^ 12);
  }

  /** Finds the live entry for the masked key, ending it if expired; -1 if none. */
  private findEntry(now: number, slb: number, src: number, dst: number): number {
    this.kSlb = slb;
    this.kSrc = src;
    this.kDst = dst;
    const id = this.index.find(this.keyHash(slb, src, dst), this);
    if (id < 0) return -1;
    if (now > this.expA[id]!) {
      this.stats.expired++;
      this.free(id);
      return -1;
    }
    return id;
  }

  /**
   * The real a client sticks to for service `slb`, or -1. A hit refreshes the TTL
   * (expiresAt = now + the service's TTL).
   */
  get(now: number, slb: number, srcIp: number, dstIp: number): number {
    if (!this.isSticky(slb)) return -1;
    const id = this.findEntry(now, slb, srcIp & this.srcMask[slb]!, dstIp & this.dstMask[slb]!);
    if (id < 0) {
      this.stats.misses++;
      return -1;
    }
    this.stats.hits++;
    this.expA[id] = now + this.ttlMs[slb]!;
    return this.realA[id]!;
  }

  /** Records (or replaces) the real for a client; returns the entry id or a StickyError. */
  set(now: number, slb: number, srcIp: number, dstIp: number, real: number): number {
    if (!this.isSticky(slb)) return StickyError.INVALID;
    const src = srcIp & this.srcMask[slb]!, dst = dstIp & this.dstMask[slb]!;
    let id = this.findEntry(now, slb, src, dst);
    if (id < 0) {
      if (this.count >= this.capacity) {
        if (this.fullSweepBudget > 0) this.sweep(now, this.fullSweepBudget);
        if (this.count >= this.capacity) {
          this.stats.full++;
          return StickyError.FULL;
        }
      }
      if (this.freeHead !== NIL) {
        id = this.freeHead;
        this.freeHead = this.nextFree[id]!;
      } else {
        id = this.hwm++;
      }
      this.liveA[id] = 1;
      this.slbA[id] = slb;
      this.srcA[id] = src;
      this.dstA[id] = dst;
      this.index.insert(this.keyHash(slb, src, dst), id);
      this.count++;
    }
    this.realA[id] = real | 0;
    this.expA[id] = now + this.ttlMs[slb]!;
    this.stats.sets++;
    return id;
  }

  /** Removes the entry for a client; returns whether there was one. */
  delete(slb: number, srcIp: number, dstIp: number): boolean {
    if (slb < 0 || slb >= this.maxServices) return false;
    this.kSlb = slb;
    this.kSrc = srcIp & this.srcMask[slb]!;
    this.kDst = dstIp & this.dstMask[slb]!;
    const id = this.index.find(this.keyHash(this.kSlb, this.kSrc, this.kDst), this);
    if (id < 0) return false;
    this.free(id);
    return true;
  }

  /** Removes every entry pointing at `real` (optionally within one service). */
  removeReal(real: number, slb = -1): number {
    let n = 0;
    for (let id = 0; id < this.hwm; id++) {
      if (this.liveA[id] && this.realA[id] === real && (slb < 0 || this.slbA[id] === slb)) {
        this.free(id);
        n++;
      }
    }
    return n;
  }

  /** Removes every entry (or those of one service). */
  clear(slb = -1): number {
    let n = 0;
    for (let id = 0, end = this.hwm; id < end; id++) {
      if (this.liveA[id] && (slb < 0 || this.slbA[id] === slb)) {
        this.free(id);
        n++;
      }
    }
    return n;
  }

  /** Examines at most `budget` slots (one pass at most) and frees entries expired at `now`. */
  sweep(now: number, budget = 1024): number {
    const hwm = this.hwm;
    const limit = Math.min(budget, hwm);
    let cur = this.cursor < hwm ? this.cursor : 0;
    let n = 0;
    for (let i = 0; i < limit; i++) {
      const id = cur;
      if (++cur >= hwm) cur = 0;
      if (this.liveA[id] && now > this.expA[id]!) {
        this.free(id);
        n++;
      }
    }
    this.cursor = cur;
    this.stats.expired += n;
    return n;
  }

  /** Visits live entries in slot order. Stops when `fn` returns false; `fn` must not modify the table. */
  forEach(fn: (id: number) => boolean | void, now?: number): void {
    for (let id = 0; id < this.hwm; id++) {
      if (!this.liveA[id] || (now !== undefined && now > this.expA[id]!)) continue;
      if (fn(id) === false) return;
    }
  }

  info(id: number): StickyInfo {
    return { id, slb: this.slbA[id]!, src: this.srcA[id]! >>> 0, dst: this.dstA[id]! >>> 0, real: this.realA[id]!, expiresAt: this.expA[id]! };
  }

  real(id: number): number { return this.realA[id]!; }
  expiresAt(id: number): number { return this.expA[id]!; }

  private free(id: number): void {
    this.index.remove(this.keyHash(this.slbA[id]!, this.srcA[id]!, this.dstA[id]!), id);
    this.liveA[id] = 0;
    this.count--;
    this.nextFree[id] = this.freeHead;
    this.freeHead = id;
  }
}
