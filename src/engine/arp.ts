// The ARP cache: IPv4 neighbour -> MAC for the data interfaces, with a bounded queue of
// packets waiting for a resolution, retries and ageing. The cache only keeps state; the
// engine sends the requests and releases the queued packets (see Engine).
//
// Life of an entry:
//   incomplete: created when a packet needs the neighbour; a request is sent at once and
//     every ARP_RETRY_MS up to ARP_MAX_TRIES; without an answer the queued packets are
//     dropped (arp-unresolved) and the entry is removed.
//   complete: answered. Any ARP from the neighbour refreshes it. ARP_REACHABLE_MS after the
//     last refresh the engine probes it again (ARP_MAX_TRIES requests, ARP_RETRY_MS apart)
//     while still using it; without an answer it is removed.
// Gratuitous and unsolicited ARP update an entry that exists; new entries come only from
// requests addressed to the appliance, replies to its own requests and learnNeighbor().

import { copyBytes } from '../packet/bytes.js';
import { BufferPool, HEADROOM } from './pool.js';

export const ARP_REACHABLE_MS = 300_000;
export const ARP_RETRY_MS = 1000;
export const ARP_MAX_TRIES = 3;

export const ArpState = { INCOMPLETE: 0, COMPLETE: 1 } as const;

export class ArpEntry {
  mac = 0;
  port = 0;
  state: number = ArpState.INCOMPLETE;
  /** Last time the entry was confirmed (complete) or created (incomplete). */
  updated: number;
  /** Requests sent in the current resolution or refresh round. */
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
}

export class ArpCache {
  readonly map = new Map<number, ArpEntry>();
  readonly maxPerHop: number;
  private readonly pool: BufferPool;
  /** Bumped when an entry appears, changes MAC, completes or goes away. */
  gen = 0;

  constructor(opts: ArpOptions = {}) {
    this.pool = new BufferPool(opts.maxPending ?? 256);
    this.maxPerHop = opts.maxPerHop ?? 16;
  }

  get pending(): number {
    return this.pool.inUse;
  }

  get(ip: number): ArpEntry | undefined {
    return this.map.get(ip >>> 0);
  }

  /** The MAC of a complete entry, or -1. */
  macOf(ip: number): number {
    const e = this.map.get(ip >>> 0);
    return e !== undefined && e.state === ArpState.COMPLETE ? e.mac : -1;
  }

  /** Creates an incomplete entry (the caller sends the first request). */
  createIncomplete(ip: number, ifIdx: number, now: number): ArpEntry {
    const e = new ArpEntry(ip >>> 0, ifIdx, now);
    this.map.set(ip >>> 0, e);
    return e;
  }

  /**
   * Records `ip` at `mac`: updates an existing entry, or creates one when `create`. Returns
   * the entry when it is now complete (the caller releases its queue), else null.
   */
  learn(ip: number, mac: number, ifIdx: number, port: number, now: number, create: boolean): ArpEntry | null {
    ip = ip >>> 0;
    let e = this.map.get(ip);
    if (e === undefined) {
      if (!create) return null;
      e = new ArpEntry(ip, ifIdx, now);
      this.map.set(ip, e);
    }
    if (e.state !== ArpState.COMPLETE || e.mac !== mac || e.ifIdx !== ifIdx) this.gen++;
    e.state = ArpState.COMPLETE;
    e.mac = mac;
    e.ifIdx = ifIdx;
    e.port = port;
    e.updated = now;
    e.tries = 0;
    return e;
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
