// The SLB session table: a flat, fixed-capacity store of sessions in typed arrays (no object
// per session), indexed by both of a session's tuples in one open-addressing hash index.
//
// A session is identified by its slot number `sid` (0..capacity-1). Each session is indexed
// twice: its original tuple (proto, client ip:port -> vip:vport) and its reply tuple (proto,
// reply src ip:port -> client ip:port). For NAT the reply source is rip:rport; for the DSR
// modes it is vip:vport (as PAS-K's `show entry` prints it). The reply always goes to the
// client (there is no source NAT), so the reply destination is not stored separately.
//
// Index references are `sid * 2 + dir` (dir 0 = original, 1 = reply): a lookup of a packet's
// 5-tuple tells both the session and the direction of the packet.
//
// Time is virtual: every call that needs the time takes `now` (ms); the table never reads a
// clock. A session expires when idle for longer than its timeout (`now - lastSeen > timeout`),
// the timeout depending on the protocol, the TCP state and the service's override. Expired
// sessions are removed lazily by lookups and incrementally by `sweep`, which examines a
// bounded number of slots per call (a cursor walking the slots).
//
// Layout: one 64-byte record per session in a single ArrayBuffer (viewed as u32 and f64), so
// that a packet of a session touches the index slot and one cache line: everything the key
// comparison, the expiry check and `touch` need is there. Words of record `sid` (base = sid * 16):
//   (stored as int32; accessors return the unsigned values)
//   0 client ip   1 vip   2 reply src ip   3 client port << 16 | vport
//   4 reply src port << 16 | proto << 8 | state   5 flags << 24 | nat mode << 16 | slb
//   6 real   7 nat data   8-9 last seen (f64)   10 packets orig   11 packets reply
//   12-13 bytes orig (f64)   14-15 bytes reply (f64)
// What no packet reads lives apart: the creation time (f64) and the creation-order list
// (prev, next; `next` also links the free list).
// Memory: 64 + 8 + 8 = 80 bytes per session, plus the index: 2 keys / maxLoad x 8 bytes
// (26.7 at the default load 0.6), plus small per-service/per-real arrays. See memoryBytes().

import type { NatMode, SessionTimeouts } from '../../config/model.js';
import { flowHash } from '../lb/hash.js';
import { FlatIndex, type RefMatcher } from './flat-index.js';
import { SESSION_STATE_NAMES, TimeoutClass, tcpNextState, timeoutClassOf } from './tcp.js';

export const NAT_MODE_CODES: Readonly<Record<NatMode, number>> = {
  nat: 0,
  dsr: 1,
  'l3dsr-iptunnel': 2,
  'l3dsr-dscp': 3,
  geneve: 4,
};
export const NAT_MODE_BY_CODE: readonly NatMode[] = ['nat', 'dsr', 'l3dsr-iptunnel', 'l3dsr-dscp', 'geneve'];

/** Negative results of `insert`. */
export const InsertError = {
  /** The table holds `capacity` live sessions. */
  FULL: -1,
  /** One of the two tuples already belongs to a live session. */
  EXISTS: -2,
  /** Service or real index out of range, or a degenerate tuple. */
  INVALID: -3,
} as const;

/** Why a session ended (passed to the end hook). */
export const EndReason = {
  EXPIRED: 1,
  DELETED: 2,
  CLEARED: 3,
  REAL_REMOVED: 4,
} as const;
export const END_REASON_NAMES: readonly string[] = ['', 'expired', 'deleted', 'cleared', 'real-removed'];

/** Called just before a session's slot is freed; the session's fields are still readable.
 * The hook must not insert into or delete from the table. */
export type SessionEndHook = (sid: number, reason: number) => void;

/** Seconds, as in the running configuration. */
export const DEFAULT_SESSION_TIMEOUTS: SessionTimeouts = { tcp: 600, tcpSyn: 60, tcpFin: 60, udp: 60, icmp: 10 };

export interface SessionTableOptions {
  /** Most live sessions. */
  capacity: number;
  /** Global timeouts in seconds (defaults: DEFAULT_SESSION_TIMEOUTS). */
  timeouts?: SessionTimeouts;
  /** Service indexes are 0..maxServices-1 (default 4096). */
  maxServices?: number;
  /** Real indexes are 0..maxReals-1 (default 65536). */
  maxReals?: number;
  /** Fill ratio of the hash index at full capacity (default 0.6). */
  maxLoad?: number;
  /** Seed of the tuple hash. */
  seed?: number;
  onEnd?: SessionEndHook | null;
  /** Slots examined for expired sessions when an insert finds the table full (default 64). */
  fullSweepBudget?: number;
}

export interface SessionStats {
  inserts: number;
  /** Inserts refused because the table was full. */
  full: number;
  /** Inserts refused because a tuple was in use. */
  exists: number;
  invalid: number;
  /** Sessions that expired (by the sweeper or lazily). */
  expired: number;
  /** Of `expired`, those found expired by a lookup or insert. */
  lazyExpired: number;
  /** Sessions ended by delete/clear/removeReal. */
  removed: number;
}

/** A snapshot of one session, for display (allocates; not for the packet path). */
export interface SessionInfo {
  sid: number;
  proto: number;
  clientIp: number;
  clientPort: number;
  vip: number;
  vport: number;
  replySrcIp: number;
  replySrcPort: number;
  replyDstIp: number;
  replyDstPort: number;
  slb: number;
  real: number;
  natMode: NatMode;
  natData: number;
  state: number;
  stateName: string;
  created: number;
  lastSeen: number;
  expiresAt: number;
  packetsOrig: number;
  packetsReply: number;
  bytesOrig: number;
  bytesReply: number;
}

export interface SessionFilter {
  slb?: number;
  real?: number;
  /** Skip sessions already expired at this time. */
  now?: number;
}

const NIL = -1;
const LIVE = 1;
/** The flow cache has forwarded packets of the session (see FlowCache): they may not be counted yet. */
const CACHED = 2;

// Record word offsets (u32) and f64 offsets; see the layout above.
const W_CIP = 0;
const W_VIP = 1;
const W_RSIP = 2;
const W_PORTS = 3;
const W_RSPORT_PROTO_STATE = 4;
const W_FLAGS_NAT_SLB = 5;
const W_REAL = 6;
const W_NATDATA = 7;
const F_LAST = 4;
const W_PKTS = 10;
const F_BYTES = 6;

export function sidOf(ref: number): number {
  return ref >>> 1;
}
export function dirOf(ref: number): number {
  return ref & 1;
}

export class SessionTable implements RefMatcher {
  readonly capacity: number;
  readonly maxServices: number;
  readonly maxReals: number;
  readonly seed: number;
  onEnd: SessionEndHook | null;
  /** Credits the packets of session `sid` that the flow cache forwarded and has not counted yet. */
  cacheFlush: ((sid: number) => void) | null = null;
  readonly stats: SessionStats = { inserts: 0, full: 0, exists: 0, invalid: 0, expired: 0, lazyExpired: 0, removed: 0 };
  /** Live sessions per service index / per real index (pass `realCounts` to the lc scheduler). */
  readonly serviceCounts: Uint32Array;
  readonly realCounts: Uint32Array;

  private readonly index: FlatIndex;
  /** The session records (int32 view: values stay small integers in V8, never boxed). */
  private readonly rec: Int32Array;
  /** The same records as f64 (created at sid*8+4, last seen at sid*8+5). */
  private readonly recF: Float64Array;
  /** Creation times (ms). */
  private readonly createdA: Float64Array;
  /** The creation-order list: [sid*2] prev, [sid*2+1] next (also the free list's link). */
  private readonly links: Int32Array;
  /** Timeouts in ms by TimeoutClass. */
  private readonly tmo = new Float64Array(5);
  /** Per-service idle timeout override in ms; -1 = none. */
  private readonly slbTmo: Float64Array;
  /** Per-service idle timeout of UDP and ICMP sessions in ms; -1 = none (see setServiceTimeout). */
  private readonly slbTmoOther: Float64Array;
  private readonly fullSweepBudget: number;

  private head = NIL;
  private tail = NIL;
  private freeHead = NIL;
  private hwm = 0;
  private count = 0;
  private cursor = 0;
  private examined = 0;

  // The key being looked up (see matchRef).
  private kProto = 0;
  private kSip = 0;
  private kSport = 0;
  private kDip = 0;
  private kDport = 0;
  private kDir = -1;

  constructor(opts: SessionTableOptions) {
    const cap = opts.capacity;
    if (!Number.isInteger(cap) || cap < 1 || cap > 0x3fffffff) throw new RangeError(`bad session capacity: ${cap}`);
    this.capacity = cap;
    this.maxServices = opts.maxServices ?? 4096;
    if (!(this.maxServices >= 1 && this.maxServices <= 65536)) throw new RangeError('maxServices must be 1..65536');
    this.maxReals = opts.maxReals ?? 65536;
    this.seed = (opts.seed ?? 0x5e55) | 0;
    this.onEnd = opts.onEnd ?? null;
    this.fullSweepBudget = opts.fullSweepBudget ?? 64;
    this.index = new FlatIndex(cap * 2, opts.maxLoad ?? 0.6);
    const buf = new ArrayBuffer(cap * 64);
    this.rec = new Int32Array(buf);
    this.recF = new Float64Array(buf);
    this.createdA = new Float64Array(cap);
    this.links = new Int32Array(cap * 2);
    // Touched now, so that no packet ever pays for the page faults of first use.
    this.rec.fill(0);
    this.createdA.fill(0);
    this.links.fill(0);
    this.serviceCounts = new Uint32Array(this.maxServices);
    this.realCounts = new Uint32Array(this.maxReals);
    this.slbTmo = new Float64Array(this.maxServices).fill(-1);
    this.slbTmoOther = new Float64Array(this.maxServices).fill(-1);
    this.setTimeouts(opts.timeouts ?? DEFAULT_SESSION_TIMEOUTS);
  }

  // ---- configuration ----

  /** Sets the global timeouts (seconds); applies to existing sessions at once. */
  setTimeouts(t: SessionTimeouts): void {
    this.tmo[TimeoutClass.SYN] = t.tcpSyn * 1000;
    this.tmo[TimeoutClass.ESTABLISHED] = t.tcp * 1000;
    this.tmo[TimeoutClass.FIN] = t.tcpFin * 1000;
    this.tmo[TimeoutClass.UDP] = t.udp * 1000;
    this.tmo[TimeoutClass.ICMP] = t.icmp * 1000;
  }

  /**
   * A service's idle-timeout override in seconds (null = the global timeouts). It replaces the
   * established-TCP, UDP and ICMP timeouts; the short SYN and FIN/RST timeouts become the
   * smaller of theirs and the override. `otherSeconds`, when given, is the UDP and ICMP
   * timeout instead (a gateway load balancer's 350 s for TCP, 120 s for the rest).
   */
  setServiceTimeout(slb: number, seconds: number | null, otherSeconds: number | null = seconds): void {
    if (slb < 0 || slb >= this.maxServices) throw new RangeError(`service index out of range: ${slb}`);
    this.slbTmo[slb] = seconds === null ? -1 : Math.max(0, seconds * 1000);
    this.slbTmoOther[slb] = otherSeconds === null ? -1 : Math.max(0, otherSeconds * 1000);
  }

  // ---- size and memory ----

  get size(): number {
    return this.count;
  }

  /** Total bytes of every typed array the table owns. */
  memoryBytes(): number {
    return this.index.bytes + this.rec.byteLength + this.createdA.byteLength + this.links.byteLength + this.tmo.byteLength +
      this.slbTmo.byteLength + this.slbTmoOther.byteLength + this.serviceCounts.byteLength + this.realCounts.byteLength;
  }

  /** memoryBytes() / capacity: what one session costs, index and fixed arrays included. */
  get sessionBytes(): number {
    return this.memoryBytes() / this.capacity;
  }

  /** Longest probe distance in the index (diagnostics, O(index size)). */
  maxProbe(): number {
    return this.index.maxProbe();
  }

  // ---- insert / lookup ----

  /**
   * Creates a session. `replySrcIp:replySrcPort` is where replies come from (rip:rport for
   * NAT, vip:vport for DSR); replies go to the client. `natMode` is a NAT_MODE_CODES value;
   * `natData` is mode-specific (e.g. the tunnel endpoint for l3dsr-iptunnel, the DSCP for
   * l3dsr-dscp). `state` is the initial state (tcpInitialState(flags) for TCP,
   * SessionState.NONE otherwise).
   * Returns the sid (>= 0) or an InsertError code (< 0). A full table refuses: nothing
   * live is evicted (expired sessions found by a short sweep are reclaimed first).
   */
  insert(now: number, proto: number, clientIp: number, clientPort: number, vip: number, vport: number,
    replySrcIp: number, replySrcPort: number, slb: number, real: number, natMode: number, natData: number,
    state: number): number {
    proto &= 0xff;
    clientIp |= 0;
    clientPort &= 0xffff;
    vip |= 0;
    vport &= 0xffff;
    replySrcIp |= 0;
    replySrcPort &= 0xffff;
    if (!(slb >= 0 && slb < this.maxServices && real >= 0 && real < this.maxReals) ||
      (replySrcIp === clientIp && replySrcPort === clientPort && vip === clientIp && vport === clientPort)) {
      this.stats.invalid++;
      return InsertError.INVALID;
    }
    const ho = flowHash(proto, clientIp, clientPort, vip, vport, this.seed);
    const hr = flowHash(proto, replySrcIp, replySrcPort, clientIp, clientPort, this.seed);
    if (this.findLive(now, ho, proto, clientIp, clientPort, vip, vport, -1) >= 0 ||
      this.findLive(now, hr, proto, replySrcIp, replySrcPort, clientIp, clientPort, -1) >= 0) {
      this.stats.exists++;
      return InsertError.EXISTS;
    }
    if (this.count >= this.capacity) {
      if (this.fullSweepBudget > 0) this.sweep(now, this.fullSweepBudget);
      if (this.count >= this.capacity) {
        this.stats.full++;
        return InsertError.FULL;
      }
    }
    const rec = this.rec;
    let sid: number;
    if (this.freeHead !== NIL) {
      sid = this.freeHead;
      this.freeHead = this.links[sid * 2 + 1]!;
    } else {
      sid = this.hwm++;
    }
    const b = sid * 16;
    rec[b + W_CIP] = clientIp;
    rec[b + W_VIP] = vip;
    rec[b + W_RSIP] = replySrcIp;
    rec[b + W_PORTS] = (clientPort << 16) | vport;
    rec[b + W_RSPORT_PROTO_STATE] = (replySrcPort << 16) | (proto << 8) | (state & 0xff);
    rec[b + W_FLAGS_NAT_SLB] = (LIVE << 24) | ((natMode & 0xff) << 16) | slb;
    rec[b + W_REAL] = real;
    rec[b + W_NATDATA] = natData | 0;
    this.createdA[sid] = now;
    this.recF[sid * 8 + F_LAST] = now;
    rec[b + W_PKTS] = 0;
    rec[b + W_PKTS + 1] = 0;
    this.recF[sid * 8 + F_BYTES] = 0;
    this.recF[sid * 8 + F_BYTES + 1] = 0;
    // append to the creation-order list
    const links = this.links;
    links[sid * 2] = this.tail;
    links[sid * 2 + 1] = NIL;
    if (this.tail !== NIL) links[this.tail * 2 + 1] = sid;
    else this.head = sid;
    this.tail = sid;
    this.index.insert(ho, sid * 2);
    this.index.insert(hr, sid * 2 + 1);
    this.count++;
    this.serviceCounts[slb]!++;
    this.realCounts[real]!++;
    this.stats.inserts++;
    return sid;
  }

  /**
   * Looks up a packet's 5-tuple in either direction. Returns `sid * 2 + dir` (see sidOf,
   * dirOf) or -1. A session found expired at `now` is ended (reason EXPIRED) and not returned.
   */
  lookup(now: number, proto: number, srcIp: number, srcPort: number, dstIp: number, dstPort: number): number {
    const h = flowHash(proto, srcIp, srcPort, dstIp, dstPort, this.seed);
    return this.findLive(now, h, proto, srcIp, srcPort, dstIp, dstPort, -1);
  }

  /** The session whose original tuple this is (client -> vip), or -1. */
  lookupOrig(now: number, proto: number, clientIp: number, clientPort: number, vip: number, vport: number): number {
    const h = flowHash(proto, clientIp, clientPort, vip, vport, this.seed);
    const ref = this.findLive(now, h, proto, clientIp, clientPort, vip, vport, 0);
    return ref < 0 ? -1 : ref >>> 1;
  }

  /** The session whose reply tuple this is (reply source -> client), or -1. */
  lookupReply(now: number, proto: number, srcIp: number, srcPort: number, clientIp: number, clientPort: number): number {
    const h = flowHash(proto, srcIp, srcPort, clientIp, clientPort, this.seed);
    const ref = this.findLive(now, h, proto, srcIp, srcPort, clientIp, clientPort, 1);
    return ref < 0 ? -1 : ref >>> 1;
  }

  /** @internal FlatIndex callback. */
  matchRef(ref: number): boolean {
    const dir = ref & 1;
    if (this.kDir >= 0 && dir !== this.kDir) return false;
    const rec = this.rec, b = (ref >>> 1) * 16;
    const w4 = rec[b + W_RSPORT_PROTO_STATE]!;
    if (((w4 >>> 8) & 0xff) !== this.kProto) return false;
    if (dir === 0) {
      return rec[b + W_CIP] === this.kSip && rec[b + W_VIP] === this.kDip &&
        rec[b + W_PORTS] === ((this.kSport << 16) | this.kDport);
    }
    return rec[b + W_RSIP] === this.kSip && (w4 >>> 16) === this.kSport &&
      rec[b + W_CIP] === this.kDip && (rec[b + W_PORTS]! >>> 16) === this.kDport;
  }

  private findLive(now: number, h: number, proto: number, sip: number, sport: number, dip: number, dport: number,
    dir: number): number {
    this.kProto = proto & 0xff;
    this.kSip = sip | 0;
    this.kSport = sport & 0xffff;
    this.kDip = dip | 0;
    this.kDport = dport & 0xffff;
    this.kDir = dir;
    const ref = this.index.find(h, this);
    if (ref < 0) return -1;
    const sid = ref >>> 1;
    if (this.idleTooLong(sid, now)) {
      this.stats.lazyExpired++;
      this.stats.expired++;
      this.end(sid, EndReason.EXPIRED);
      return -1;
    }
    return ref;
  }

  // ---- per-packet update ----

  /**
   * Records a packet of `bytes` bytes in direction `dir` at `now`: refreshes last-seen,
   * counts it, and for TCP advances the state by the packet's flags. Returns the new state.
   */
  touch(sid: number, now: number, dir: number, tcpFlags: number, bytes: number): number {
    const f = sid * 8 + F_LAST;
    if (now > this.recF[f]!) this.recF[f] = now;
    const rec = this.rec, b = sid * 16;
    rec[b + W_PKTS + (dir & 1)]!++;
    this.recF[sid * 8 + F_BYTES + (dir & 1)]! += bytes;
    const w4 = rec[b + W_RSPORT_PROTO_STATE]!;
    let st = w4 & 0xff;
    if (((w4 >>> 8) & 0xff) === 6) {
      st = tcpNextState(st, dir, tcpFlags);
      rec[b + W_RSPORT_PROTO_STATE] = (w4 & ~0xff) | st;
    }
    return st;
  }

  /**
   * Counts `packets` packets of `bytes` bytes in direction `dir` that were forwarded without the
   * engine (an offloaded flow's, read back from the kernel), the last of them at `lastSeen`.
   */
  credit(sid: number, dir: number, packets: number, bytes: number, lastSeen: number): void {
    const f = sid * 8 + F_LAST;
    if (lastSeen > this.recF[f]!) this.recF[f] = lastSeen;
    this.rec[sid * 16 + W_PKTS + (dir & 1)]! += packets;
    this.recF[sid * 8 + F_BYTES + (dir & 1)]! += bytes;
  }

  setState(sid: number, state: number): void {
    const i = sid * 16 + W_RSPORT_PROTO_STATE;
    this.rec[i] = (this.rec[i]! & ~0xff) | (state & 0xff);
  }

  // ---- accessors ----

  isLive(sid: number): boolean {
    return sid >= 0 && sid < this.hwm && (this.rec[sid * 16 + W_FLAGS_NAT_SLB]! >>> 24 & LIVE) !== 0;
  }
  proto(sid: number): number { return (this.rec[sid * 16 + W_RSPORT_PROTO_STATE]! >>> 8) & 0xff; }
  clientIp(sid: number): number { return this.rec[sid * 16 + W_CIP]! >>> 0; }
  clientPort(sid: number): number { return this.rec[sid * 16 + W_PORTS]! >>> 16; }
  vip(sid: number): number { return this.rec[sid * 16 + W_VIP]! >>> 0; }
  vport(sid: number): number { return this.rec[sid * 16 + W_PORTS]! & 0xffff; }
  replySrcIp(sid: number): number { return this.rec[sid * 16 + W_RSIP]! >>> 0; }
  replySrcPort(sid: number): number { return this.rec[sid * 16 + W_RSPORT_PROTO_STATE]! >>> 16; }
  replyDstIp(sid: number): number { return this.clientIp(sid); }
  replyDstPort(sid: number): number { return this.clientPort(sid); }
  slb(sid: number): number { return this.rec[sid * 16 + W_FLAGS_NAT_SLB]! & 0xffff; }
  real(sid: number): number { return this.rec[sid * 16 + W_REAL]!; }
  natMode(sid: number): number { return (this.rec[sid * 16 + W_FLAGS_NAT_SLB]! >>> 16) & 0xff; }
  natData(sid: number): number { return this.rec[sid * 16 + W_NATDATA]! >>> 0; }
  state(sid: number): number { return this.rec[sid * 16 + W_RSPORT_PROTO_STATE]! & 0xff; }
  created(sid: number): number { return this.createdA[sid]!; }
  lastSeen(sid: number): number { return this.recF[sid * 8 + F_LAST]!; }
  packets(sid: number, dir: number): number { return this.rec[sid * 16 + W_PKTS + (dir & 1)]! >>> 0; }
  bytes(sid: number, dir: number): number { return this.recF[sid * 8 + F_BYTES + (dir & 1)]!; }

  /** The session's current idle timeout in ms (protocol, state and service override). */
  timeoutMs(sid: number): number {
    const b = sid * 16;
    const w4 = this.rec[b + W_RSPORT_PROTO_STATE]!;
    const cls = timeoutClassOf((w4 >>> 8) & 0xff, w4 & 0xff);
    const base = this.tmo[cls]!;
    const slb = this.rec[b + W_FLAGS_NAT_SLB]! & 0xffff;
    const o = cls === TimeoutClass.UDP || cls === TimeoutClass.ICMP ? this.slbTmoOther[slb]! : this.slbTmo[slb]!;
    if (o < 0) return base;
    return cls === TimeoutClass.SYN || cls === TimeoutClass.FIN ? Math.min(base, o) : o;
  }

  /** The last moment (ms) at which the session is still alive if no packet comes. */
  expiresAt(sid: number): number {
    return this.lastSeen(sid) + this.timeoutMs(sid);
  }

  isExpired(sid: number, now: number): boolean {
    return this.idleTooLong(sid, now);
  }

  /** The flow cache forwards packets of `sid` (see cacheFlush). */
  markCached(sid: number): void {
    this.rec[sid * 16 + W_FLAGS_NAT_SLB]! |= CACHED << 24;
  }

  /** Whether the flow cache may hold an entry of `sid` (markCached since the session began). */
  isCached(sid: number): boolean {
    return (this.rec[sid * 16 + W_FLAGS_NAT_SLB]! >>> 24 & CACHED) !== 0;
  }

  /** Idle longer than its timeout at `now`, counting what the flow cache forwarded for it. */
  private idleTooLong(sid: number, now: number): boolean {
    if (now - this.recF[sid * 8 + F_LAST]! <= this.timeoutMs(sid)) return false;
    if ((this.rec[sid * 16 + W_FLAGS_NAT_SLB]! >>> 24 & CACHED) === 0 || this.cacheFlush === null) return true;
    this.cacheFlush(sid);
    return now - this.recF[sid * 8 + F_LAST]! > this.timeoutMs(sid);
  }

  info(sid: number): SessionInfo {
    if (!this.isLive(sid)) throw new RangeError(`no session ${sid}`);
    const state = this.state(sid);
    return {
      sid,
      proto: this.proto(sid),
      clientIp: this.clientIp(sid),
      clientPort: this.clientPort(sid),
      vip: this.vip(sid),
      vport: this.vport(sid),
      replySrcIp: this.replySrcIp(sid),
      replySrcPort: this.replySrcPort(sid),
      replyDstIp: this.clientIp(sid),
      replyDstPort: this.clientPort(sid),
      slb: this.slb(sid),
      real: this.real(sid),
      natMode: NAT_MODE_BY_CODE[this.natMode(sid)] ?? 'nat',
      natData: this.natData(sid),
      state,
      stateName: SESSION_STATE_NAMES[state] ?? '?',
      created: this.created(sid),
      lastSeen: this.lastSeen(sid),
      expiresAt: this.expiresAt(sid),
      packetsOrig: this.packets(sid, 0),
      packetsReply: this.packets(sid, 1),
      bytesOrig: this.bytes(sid, 0),
      bytesReply: this.bytes(sid, 1),
    };
  }

  // ---- counts ----

  countByService(slb: number): number {
    return this.serviceCounts[slb] ?? 0;
  }

  countByReal(real: number): number {
    return this.realCounts[real] ?? 0;
  }

  // ---- iteration ----

  /**
   * Visits live sessions in creation order (oldest first; a slot reused later counts as new).
   * Stops when `fn` returns false. `fn` may delete the session it is given, nothing else.
   */
  forEach(fn: (sid: number) => boolean | void, filter?: SessionFilter): void {
    const slb = filter?.slb ?? -1, real = filter?.real ?? -1, now = filter?.now;
    for (let s = this.head; s !== NIL;) {
      const next = this.links[s * 2 + 1]!;
      if ((slb < 0 || this.slb(s) === slb) && (real < 0 || this.real(s) === real) &&
        (now === undefined || !this.isExpired(s, now))) {
        if (fn(s) === false) return;
      }
      s = next;
    }
  }

  /** The sids of matching sessions in creation order (at most `limit`). */
  list(filter?: SessionFilter, limit = Infinity): number[] {
    const out: number[] = [];
    if (limit <= 0) return out;
    this.forEach((s) => {
      out.push(s);
      return out.length < limit;
    }, filter);
    return out;
  }

  /** Sessions of one real, in creation order (e.g. to watch a real drain). */
  sessionsOfReal(real: number, slb = -1): number[] {
    return this.list({ real, slb });
  }

  // ---- removal ----

  /** Ends one session; returns whether it was live. */
  delete(sid: number): boolean {
    if (!this.isLive(sid)) return false;
    this.stats.removed++;
    this.end(sid, EndReason.DELETED);
    return true;
  }

  /** `clear entry`: ends every session (or those of one service). Returns how many. */
  clear(slb = -1): number {
    return this.removeWhere(-1, slb, EndReason.CLEARED);
  }

  clearService(slb: number): number {
    return this.removeWhere(-1, slb, EndReason.CLEARED);
  }

  /** Ends every session on real `real` (optionally only within service `slb`). */
  removeReal(real: number, slb = -1): number {
    return this.removeWhere(real, slb, EndReason.REAL_REMOVED);
  }

  private removeWhere(real: number, slb: number, reason: number): number {
    let n = 0;
    for (let s = this.head; s !== NIL;) {
      const next = this.links[s * 2 + 1]!;
      if ((real < 0 || this.real(s) === real) && (slb < 0 || this.slb(s) === slb)) {
        this.end(s, reason);
        n++;
      }
      s = next;
    }
    this.stats.removed += n;
    return n;
  }

  // ---- expiry ----

  /**
   * Incremental expiry: examines at most `budget` slots (and at most one full pass), starting
   * where the previous call stopped, and ends the sessions expired at `now`. Returns the
   * number ended. `sweep(now, Infinity)` does one full pass.
   */
  sweep(now: number, budget = 1024): number {
    const hwm = this.hwm;
    const limit = Math.min(budget, hwm);
    const rec = this.rec, recF = this.recF;
    let cur = this.cursor < hwm ? this.cursor : 0;
    let ended = 0;
    for (let i = 0; i < limit; i++) {
      const s = cur;
      if (++cur >= hwm) cur = 0;
      if ((rec[s * 16 + W_FLAGS_NAT_SLB]! >>> 24 & LIVE) !== 0 && now - recF[s * 8 + F_LAST]! > this.timeoutMs(s) && this.idleTooLong(s, now)) {
        this.end(s, EndReason.EXPIRED);
        ended++;
      }
    }
    this.cursor = cur;
    this.examined = limit;
    this.stats.expired += ended;
    return ended;
  }

  /** Slots examined by the last `sweep` call. */
  get lastSweepExamined(): number {
    return this.examined;
  }

  // ---- internals ----

  private end(sid: number, reason: number): void {
    const hook = this.onEnd;
    if (hook !== null) hook(sid, reason);
    const rec = this.rec, b = sid * 16;
    const w4 = rec[b + W_RSPORT_PROTO_STATE]!, ports = rec[b + W_PORTS]!;
    const proto = (w4 >>> 8) & 0xff, cip = rec[b + W_CIP]!, cport = ports >>> 16;
    this.index.remove(flowHash(proto, cip, cport, rec[b + W_VIP]!, ports & 0xffff, this.seed), sid * 2);
    this.index.remove(flowHash(proto, rec[b + W_RSIP]!, w4 >>> 16, cip, cport, this.seed), sid * 2 + 1);
    const links = this.links;
    const prev = links[sid * 2]!, next = links[sid * 2 + 1]!;
    if (prev !== NIL) links[prev * 2 + 1] = next;
    else this.head = next;
    if (next !== NIL) links[next * 2] = prev;
    else this.tail = prev;
    const w5 = rec[b + W_FLAGS_NAT_SLB]!;
    rec[b + W_FLAGS_NAT_SLB] = w5 & 0x00ffffff;
    this.serviceCounts[w5 & 0xffff]!--;
    this.realCounts[rec[b + W_REAL]!]!--;
    this.count--;
    if (this.count === 0) {
      // Everything is free: start again from slot 0 (keeps sweeps and reuse compact).
      this.freeHead = NIL;
      this.hwm = 0;
      this.cursor = 0;
    } else {
      links[sid * 2 + 1] = this.freeHead;
      this.freeHead = sid;
    }
  }
}
