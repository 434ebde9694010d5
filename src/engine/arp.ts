// The ARP cache: IPv4 neighbour -> MAC for the data interfaces, with Linux's neighbour states
// (the NUD_* values, which `show ip neighbors` prints as `ip neigh show` does), a bounded queue
// of packets waiting for a resolution, and static entries. The cache keeps the state and makes
// the transitions; the engine sends the requests and releases or drops the queued packets.
//
// Life of an entry (Linux's timings: net.ipv4.neigh.default.*):
//   INCOMPLETE  created when a packet needs the neighbour; a broadcast request at once and
//               every ARP_RETRY_MS, ARP_MAX_TRIES in all (mcast_solicit); no answer: FAILED,
//               and the queued packets are dropped (arp-unresolved).
//   REACHABLE   confirmed by a reply addressed to the appliance (or learnNeighbor), for a
//               random 0.5-1.5 x ARP_BASE_REACHABLE_MS (base_reachable_time 30 s); then
//   STALE       still used; the first packet sent through it starts
//   DELAY       ARP_DELAY_PROBE_MS (delay_first_probe_time 5 s) for a confirmation, then
//   PROBE       unicast requests every ARP_RETRY_MS, ARP_MAX_TRIES (ucast_solicit) while the
//               MAC stays in use; no answer: FAILED. Any ARP from the neighbour confirms.
//   FAILED      not resolvable; shown for ARP_FAILED_GC_MS (gc_stale_time), then forgotten.
//               A new packet starts over (INCOMPLETE).
//   PERMANENT   `arp A.B.C.D MAC vlan NAME`: never asked, never aged, never overridden.
//   NOARP       a neighbour that needs no resolution (never asked, never aged).
// A STALE entry nobody uses is probed again ARP_REACHABLE_MS after its last confirmation (the
// appliance's ARP refresh), so a neighbour that went away does not stay in the table forever.
// The fast path's cached MAC (stage-slb) does not count as a use.
//
// Requests and broadcast ARP do not prove reachability (Linux sets STALE, or keeps the state
// when the MAC is unchanged); only a reply sent to the appliance's MAC does. New entries come
// only from requests addressed to the appliance, replies to its own requests and
// learnNeighbor(); gratuitous and unsolicited ARP update entries that exist.

import { copyBytes } from '../packet/bytes.js';
import { Prng } from '../util/prng.js';
import { BufferPool, HEADROOM } from './pool.js';

/** An entry unconfirmed for this long is probed again even when unused (the appliance's refresh). */
export const ARP_REACHABLE_MS = 300_000;
export const ARP_RETRY_MS = 1000;
export const ARP_MAX_TRIES = 3;
/** Linux's base_reachable_time. */
export const ARP_BASE_REACHABLE_MS = 30_000;
/** Linux's delay_first_probe_time. */
export const ARP_DELAY_PROBE_MS = 5000;
/** Linux's gc_stale_time: how long a FAILED entry is shown. */
export const ARP_FAILED_GC_MS = 60_000;

/** Linux's NUD_* values. */
export const ArpState = {
  INCOMPLETE: 0x01,
  REACHABLE: 0x02,
  STALE: 0x04,
  DELAY: 0x08,
  PROBE: 0x10,
  FAILED: 0x20,
  NOARP: 0x40,
  PERMANENT: 0x80,
} as const;

/** States with a MAC the engine sends to (NUD_VALID). */
export const ARP_VALID = 0x02 | 0x04 | 0x08 | 0x10 | 0x40 | 0x80;
/** States known to be reachable now (NUD_CONNECTED). */
export const ARP_CONNECTED = 0x02 | 0x40 | 0x80;
/** States the configuration owns (never learned over, never aged). */
export const ARP_STATIC = 0x40 | 0x80;

const STATE_NAMES: ReadonlyArray<readonly [number, string]> = [
  [0x01, 'INCOMPLETE'], [0x02, 'REACHABLE'], [0x04, 'STALE'], [0x08, 'DELAY'], [0x10, 'PROBE'], [0x20, 'FAILED'],
  [0x40, 'NOARP'], [0x80, 'PERMANENT'],
];

/** The state as `ip neigh show` prints it. */
export function arpStateName(state: number): string {
  for (const [v, n] of STATE_NAMES) if (v === state) return n;
  return 'NONE';
}

export class ArpEntry {
  mac = 0;
  port = 0;
  state: number = ArpState.INCOMPLETE;
  /** Last time the entry was confirmed or changed (created, for an incomplete one; failed, for a failed one). */
  updated: number;
  /** REACHABLE until this time; DELAY until this time. */
  until = 0;
  /** Requests sent in the current resolution or probe round. */
  tries = 0;
  nextTry = 0;
  /** Pool slots of the queued packets, oldest first. */
  readonly queue: PendingPacket[] = [];
  constructor(readonly ip: number, public ifIdx: number, now: number) {
    this.updated = now;
  }
}

export interface PendingPacket {
  buf: Uint8Array;
  /** The IPv4 packet sits at buf[HEADROOM, HEADROOM + len). */
  len: number;
}

export interface ArpOptions {
  /** Packets queued in total (default 256). */
  maxPending?: number;
  /** Packets queued per next hop (default 16). */
  maxPerHop?: number;
  /** Where the random reachable time comes from (default a fixed seed). */
  rng?: Prng;
}

/** What the housekeeping of the cache asks of the engine. */
export interface ArpIo {
  /** Sends a request for `e.ip` on `e.ifIdx`: broadcast, or unicast to `e.mac` (a probe). */
  request(e: ArpEntry, unicast: boolean): void;
  /** `e` failed: its queued packets are to be dropped. */
  failed(e: ArpEntry, queued: PendingPacket[]): void;
}

export interface StaticArp {
  readonly ip: number;
  readonly mac: number;
  readonly ifIdx: number;
}

export class ArpCache {
  readonly map = new Map<number, ArpEntry>();
  readonly maxPerHop: number;
  private readonly pool: BufferPool;
  private readonly rng: Prng;
  /** Bumped when an entry appears, changes MAC, becomes usable or unusable, or goes away. */
  gen = 0;

  constructor(opts: ArpOptions = {}) {
    this.pool = new BufferPool(opts.maxPending ?? 256);
    this.maxPerHop = opts.maxPerHop ?? 16;
    this.rng = opts.rng ?? new Prng(0x6e756400);
  }

  get pending(): number {
    return this.pool.inUse;
  }

  get(ip: number): ArpEntry | undefined {
    return this.map.get(ip >>> 0);
  }

  /** The MAC of a usable entry, or -1. */
  macOf(ip: number): number {
    const e = this.map.get(ip >>> 0);
    return e !== undefined && (e.state & ARP_VALID) !== 0 ? e.mac : -1;
  }

  /** Linux's reachable_time: base_reachable_time x a random factor in [0.5, 1.5). */
  private reachableMs(): number {
    return Math.floor(ARP_BASE_REACHABLE_MS * (0.5 + this.rng.float()));
  }

  /**
   * An incomplete entry for a resolution starting now (a new one, or a failed one starting
   * over); the caller sends the first request.
   */
  createIncomplete(ip: number, ifIdx: number, now: number): ArpEntry {
    ip = ip >>> 0;
    const old = this.map.get(ip);
    if (old !== undefined && old.state === ArpState.FAILED) {
      old.state = ArpState.INCOMPLETE;
      old.ifIdx = ifIdx;
      old.updated = now;
      old.tries = 0;
      return old;
    }
    const e = new ArpEntry(ip, ifIdx, now);
    this.map.set(ip, e);
    return e;
  }

  /**
   * Records `ip` at `mac`: updates an existing entry, or creates one when `create`. `reachable`:
   * the ARP proves the neighbour is there (a reply to the appliance's MAC); otherwise a new or
   * changed entry is STALE and an unchanged one keeps its state. Static entries are not changed.
   * Returns the entry when it is now usable (the caller releases its queue), else null.
   */
  learn(ip: number, mac: number, ifIdx: number, port: number, now: number, create: boolean, reachable = true): ArpEntry | null {
    ip = ip >>> 0;
    let e = this.map.get(ip);
    if (e === undefined) {
      if (!create) return null;
      e = new ArpEntry(ip, ifIdx, now);
      this.map.set(ip, e);
    }
    if ((e.state & ARP_STATIC) !== 0) return e;
    const wasValid = (e.state & ARP_VALID) !== 0;
    if (!wasValid || e.mac !== mac || e.ifIdx !== ifIdx) this.gen++;
    if (reachable) {
      e.state = ArpState.REACHABLE;
      e.until = now + this.reachableMs();
    } else if (!wasValid || e.mac !== mac) {
      e.state = ArpState.STALE;
    }
    e.mac = mac;
    e.ifIdx = ifIdx;
    e.port = port;
    e.updated = now;
    e.tries = 0;
    return e;
  }

  /** A packet is sent through `e` (usable): a STALE entry starts its DELAY before a probe. Returns whether that happened. */
  used(e: ArpEntry, now: number): boolean {
    if (e.state !== ArpState.STALE) return false;
    e.state = ArpState.DELAY;
    e.until = now + ARP_DELAY_PROBE_MS;
    return true;
  }

  /** One housekeeping round at `now` (every ARP_RETRY_MS): the timed transitions above. */
  tick(now: number, io: ArpIo): void {
    for (const e of [...this.map.values()]) {
      if (e.state === ArpState.REACHABLE && now >= e.until) e.state = ArpState.STALE;
      switch (e.state) {
        case ArpState.INCOMPLETE:
          if (now < e.nextTry) break;
          if (e.tries >= ARP_MAX_TRIES) {
            this.fail(e, now, io);
            break;
          }
          e.tries++;
          e.nextTry = now + ARP_RETRY_MS;
          io.request(e, false);
          break;
        case ArpState.STALE:
          if (now - e.updated >= ARP_REACHABLE_MS) this.startProbe(e, now, io);
          break;
        case ArpState.DELAY:
          if (now >= e.until) this.startProbe(e, now, io);
          break;
        case ArpState.PROBE:
          if (now < e.nextTry) break;
          if (e.tries >= ARP_MAX_TRIES) {
            this.fail(e, now, io);
            break;
          }
          e.tries++;
          e.nextTry = now + ARP_RETRY_MS;
          io.request(e, true);
          break;
        case ArpState.FAILED:
          if (now - e.updated >= ARP_FAILED_GC_MS) this.remove(e);
          break;
      }
    }
  }

  private startProbe(e: ArpEntry, now: number, io: ArpIo): void {
    e.state = ArpState.PROBE;
    e.tries = 1;
    e.nextTry = now + ARP_RETRY_MS;
    io.request(e, true);
  }

  private fail(e: ArpEntry, now: number, io: ArpIo): void {
    if ((e.state & ARP_VALID) !== 0) this.gen++;
    e.state = ArpState.FAILED;
    e.updated = now;
    e.tries = 0;
    io.failed(e, e.queue.splice(0));
  }

  /**
   * Installs the configuration's static entries (PERMANENT) in place of the previous ones.
   * Returns the entries that had packets waiting (now usable: the caller releases their queues).
   */
  setStatic(list: readonly StaticArp[], now: number): ArpEntry[] {
    const want = new Map<number, StaticArp>();
    for (const s of list) want.set(s.ip >>> 0, s);
    for (const e of [...this.map.values()]) if (e.state === ArpState.PERMANENT && !want.has(e.ip)) this.remove(e);
    const released: ArpEntry[] = [];
    for (const s of want.values()) {
      let e = this.map.get(s.ip >>> 0);
      if (e === undefined) {
        e = new ArpEntry(s.ip >>> 0, s.ifIdx, now);
        this.map.set(e.ip, e);
      }
      if (e.state !== ArpState.PERMANENT || e.mac !== s.mac || e.ifIdx !== s.ifIdx) {
        this.gen++;
        e.updated = now;
      }
      e.state = ArpState.PERMANENT;
      e.mac = s.mac;
      e.ifIdx = s.ifIdx;
      e.port = 0;
      e.tries = 0;
      if (e.queue.length !== 0) released.push(e);
    }
    return released;
  }

  /**
   * Copies the IPv4 packet src[off, off+len) into the queue of `e`. Returns false (nothing
   * queued) when the entry's or the global queue is full.
   */
  enqueue(e: ArpEntry, src: Uint8Array, off: number, len: number): boolean {
    if (e.queue.length >= this.maxPerHop) return false;
    const buf = this.pool.acquire(HEADROOM + len);
    if (buf === null) return false;
    copyBytes(buf, HEADROOM, src, off, len);
    e.queue.push({ buf, len });
    return true;
  }

  /** Returns a queued packet's buffer to the pool. */
  releaseBuffer(p: PendingPacket): void {
    this.pool.release(p.buf);
  }

  /** Removes an entry; returns its queued packets (the caller drops them and releases the buffers). */
  remove(e: ArpEntry): PendingPacket[] {
    if (this.map.get(e.ip) === e) {
      this.map.delete(e.ip);
      this.gen++;
    }
    return e.queue.splice(0);
  }

  /** Removes every entry (reconfiguration of interfaces). Returns the queued packets. */
  clear(): PendingPacket[] {
    const out: PendingPacket[] = [];
    for (const e of this.map.values()) out.push(...e.queue.splice(0));
    this.map.clear();
    this.gen++;
    return out;
  }
}
