// The established-flow cache: the user-space counterpart of the kernel offload (src/offload/)
// and of Open vSwitch's exact-match cache. Once the stages have decided what an established
// session's client-to-real packets become, the decision is kept here, keyed by the packet's
// 5-tuple, so the next packets of the flow skip the L2, L3 and SLB stages and the session index:
// one cache line per packet, where the stages touch the index's line and the session record's.
//
// The engine stays the authority, as with the kernel offload:
//  - an entry is made by the SLB stage when a packet of an ESTABLISHED session (TCP) or of a UDP
//    session leaves by a resolved path, and is valid while the engine's topology generation and
//    the cache's epoch (bumped on every configuration or health change) are those it was made in;
//  - only packets that cannot change the session take it: untagged, to the appliance's MAC, on
//    the port it was made for, not a fragment, no SYN, FIN or RST (their source MAC is learned
//    as the L2 stage would);
//  - a hit counts its packet in the entry; the counts and the last-seen time are credited to the
//    session in bulk (`sync`: housekeeping, every read of the session table through the engine)
//    or for one session (`flush`: before the table judges it expired, and when it ends), so
//    `show entry`, the timeouts and the sweep see every packet.
//
// Layout: one 64-byte slot per entry (int32 words, the last four as two f64), in buckets of four
// slots; a new entry takes an empty or invalid slot of its bucket, else evicts the one idle
// longer (crediting its counts first).
//   0 source ip   1 destination ip   2 sport << 16 | dport   3 valid << 24 | mode << 16 | in port << 8 | proto
//   4 sid   5 real binding   6 idle timeout (ms)   7 topology generation   8 epoch
//   9 listed for the next sync   10 unused   11 packets not yet credited
//   12-13 bytes not yet credited (f64)   14-15 last seen (f64)

import { flowHash } from './lb/hash.js';
import type { SessionTable } from './session/index.js';

const W = 16;
/** Slots per bucket. */
const WAYS = 4;
const VALID = 1 << 24;
const F_BYTES = 6;
const F_LAST = 7;

export interface FlowCacheStats {
  hits: number;
  /** Entries made (or remade). */
  installs: number;
  /** Entries pushed out by another flow of their bucket. */
  evictions: number;
}

export class FlowCache {
  readonly slots: number;
  readonly stats: FlowCacheStats = { hits: 0, installs: 0, evictions: 0 };
  private readonly buckets: number;
  private readonly w: Int32Array;
  private readonly f: Float64Array;
  /** Slots hit since the last sync (each once: its word 9 says it is listed). */
  private readonly dirty: Int32Array;
  private dirtyCount = 0;
  private epoch = 1;
  private live = 0;

  /** `slots`: a power of two >= 2. */
  constructor(slots: number, private readonly sessions: SessionTable) {
    if (!(slots >= WAYS && (slots & (slots - 1)) === 0)) throw new RangeError(`flow cache slots must be a power of two: ${slots}`);
    this.slots = slots;
    this.buckets = slots / WAYS;
    const buf = new ArrayBuffer(slots * W * 4);
    this.w = new Int32Array(buf);
    this.f = new Float64Array(buf);
    this.dirty = new Int32Array(slots);
    this.w.fill(0); // touched now: no page faults on the packet path
  }

  /** Entries made since the cache was last emptied (an upper bound of the valid ones). */
  get size(): number {
    return this.live;
  }

  get bytes(): number {
    return this.w.byteLength + this.dirty.byteLength;
  }

  private bucketOf(proto: number, src: number, dst: number, ports: number): number {
    return (flowHash(proto, src, ports >>> 16, dst, ports & 0xffff, this.sessions.seed) & (this.buckets - 1)) * WAYS;
  }

  /**
   * The valid entry for this packet's flow, or -1: its tuple and ingress port are those the
   * entry was made for, in the current topology generation `gen`.
   */
  find(proto: number, src: number, dst: number, ports: number, inPort: number, gen: number): number {
    const w = this.w;
    let s = this.bucketOf(proto, src, dst, ports);
    const w3 = VALID | (inPort << 8) | proto;
    for (let k = 0; k < WAYS; k++, s++) {
      const b = s * W;
      if (w[b] === src && w[b + 1] === dst && w[b + 2] === ports && (w[b + 3]! & 0x0100ffff) === w3 &&
        w[b + 7] === gen && w[b + 8] === this.epoch) {
        return s;
      }
    }
    return -1;
  }

  /** Whether the flow of `slot` has been idle longer than its session's timeout at `now`. */
  idle(slot: number, now: number): boolean {
    return now - this.f[slot * 8 + F_LAST]! > this.w[slot * W + 6]!;
  }

  sid(slot: number): number {
    return this.w[slot * W + 4]!;
  }

  real(slot: number): number {
    return this.w[slot * W + 5]!;
  }

  mode(slot: number): number {
    return (this.w[slot * W + 3]! >>> 16) & 0xff;
  }

  /** Counts a packet of `bytes` bytes forwarded through `slot` at `now`. */
  hit(slot: number, now: number, bytes: number): void {
    const b = slot * W, fb = slot * 8;
    this.w[b + 11]!++;
    if (this.w[b + 9] === 0) {
      this.w[b + 9] = 1;
      this.dirty[this.dirtyCount++] = slot;
    }
    this.f[fb + F_BYTES]! += bytes;
    if (now > this.f[fb + F_LAST]!) this.f[fb + F_LAST] = now;
    this.stats.hits++;
  }

  /**
   * Makes (or remakes) the entry of session `sid`'s client-to-real flow as received on `inPort`,
   * forwarded to real binding `real` in NAT mode `mode`.
   */
  install(proto: number, src: number, dst: number, ports: number, inPort: number, gen: number,
    sid: number, real: number, mode: number, timeoutMs: number, now: number): void {
    const w = this.w;
    const base = this.bucketOf(proto, src, dst, ports);
    let s = -1;
    for (let k = 0; k < WAYS; k++) {
      const b = (base + k) * W;
      if (w[b] === src && w[b + 1] === dst && w[b + 2] === ports && (w[b + 3]! & 0xff) === proto) {
        s = base + k; // the flow's own entry (another port, MAC or generation)
        break;
      }
    }
    if (s < 0) {
      for (let k = 0; k < WAYS && s < 0; k++) if (!this.current(base + k)) s = base + k;
    }
    if (s < 0) {
      // The entry idle longest gives way.
      s = base;
      for (let k = 1; k < WAYS; k++) if (this.f[(base + k) * 8 + F_LAST]! < this.f[s * 8 + F_LAST]!) s = base + k;
      this.stats.evictions++;
    }
    this.credit(s);
    if (!this.current(s)) this.live++;
    const b = s * W;
    w[b] = src;
    w[b + 1] = dst;
    w[b + 2] = ports;
    w[b + 3] = VALID | ((mode & 0xff) << 16) | ((inPort & 0xff) << 8) | (proto & 0xff);
    w[b + 4] = sid;
    w[b + 5] = real;
    w[b + 6] = Math.min(timeoutMs, 0x7fffffff);
    w[b + 7] = gen;
    w[b + 8] = this.epoch;
    this.f[s * 8 + F_LAST] = now;
    this.sessions.markCached(sid);
    this.stats.installs++;
  }

  /** A valid entry of the current epoch (its generation may be old: then it still holds its flow). */
  private current(slot: number): boolean {
    const b = slot * W;
    return (this.w[b + 3]! & VALID) !== 0 && this.w[b + 8] === this.epoch;
  }

  /** Credits the packets counted in `slot` to its session. */
  private credit(slot: number): void {
    const b = slot * W, fb = slot * 8;
    const n = this.w[b + 11]!;
    if (n === 0) return;
    const sid = this.w[b + 4]!;
    if (this.sessions.isLive(sid)) this.sessions.credit(sid, 0, n, this.f[fb + F_BYTES]!, this.f[fb + F_LAST]!);
    this.w[b + 11] = 0;
    this.f[fb + F_BYTES] = 0;
  }

  /** Credits every entry's uncounted packets to their sessions. */
  sync(): void {
    const d = this.dirty;
    for (let i = 0; i < this.dirtyCount; i++) {
      const s = d[i]!;
      this.credit(s);
      this.w[s * W + 9] = 0;
    }
    this.dirtyCount = 0;
  }

  /** The slot holding session `sid`'s flow, found from the session's original tuple, or -1. */
  private slotOf(sid: number): number {
    const t = this.sessions;
    const proto = t.proto(sid), src = t.clientIp(sid) | 0, dst = t.vip(sid) | 0;
    const ports = ((t.clientPort(sid) << 16) | t.vport(sid)) | 0;
    const base = this.bucketOf(proto, src, dst, ports);
    for (let k = 0; k < WAYS; k++) {
      const b = (base + k) * W;
      if ((this.w[b + 3]! & VALID) !== 0 && this.w[b + 4] === sid && this.w[b] === src && this.w[b + 1] === dst && this.w[b + 2] === ports) {
        return base + k;
      }
    }
    return -1;
  }

  /** Credits session `sid`'s uncounted packets (the session table asks before judging it idle). */
  flush(sid: number): void {
    const s = this.slotOf(sid);
    if (s >= 0) this.credit(s);
  }

  /** Session `sid` is ending (still readable): its packets are credited and its entry dropped. */
  forget(sid: number): void {
    const s = this.slotOf(sid);
    if (s < 0) return;
    this.credit(s);
    if (this.current(s)) this.live--;
    this.w[s * W + 3] = 0;
  }

  /** Every entry becomes invalid (after crediting what they counted): configuration or health changed. */
  invalidate(): void {
    if (this.live === 0) return;
    this.sync();
    this.epoch = (this.epoch + 1) | 0;
    if (this.epoch === 0) this.epoch = 1;
    this.live = 0;
  }
}
