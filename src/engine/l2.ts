// L2: VLAN membership per port and the MAC learning table (per VLAN, with ageing).
//
// Membership is kept as 32-bit port masks per VLAN id (bit p = port p), so "is port p an
// untagged/tagged member of VLAN v" is one array read and a shift: the 16 physical ports from
// the configuration, and virtual L2 ports (17..31, a VXLAN segment's) set by their owners. The MAC table maps
// (vid, mac) to a port: one Map per VLAN from the 48-bit MAC to a slot of flat arrays.

import type { RunningConfig } from '../config/model.js';
import { vlanMembership } from '../config/derived.js';
import { MAX_PORTS, PORT_COUNT } from '../net/addr.js';

export const MAC_AGEING_MS = 300_000;
/** The highest port a VLAN mask holds (the virtual L2 ports are PORT_COUNT+1 .. this). */
export const MAX_L2_PORT = 31;
export const DEFAULT_MAC_CAPACITY = 16384;

export class VlanTable {
  /** Native (untagged) VLAN of each port, 0 = none. Index 1..MAX_PORTS (0 above MAX_L2_PORT). */
  readonly pvid = new Int32Array(MAX_PORTS + 1);
  /** Per VLAN id: ports that are untagged members (bit p). */
  readonly untagMask = new Int32Array(4096);
  /** Per VLAN id: ports that are tagged members (bit p). */
  readonly tagMask = new Int32Array(4096);
  /** VLAN ids in use. */
  vids: number[] = [];
  /** VLAN name -> vid. */
  readonly byName = new Map<string, number>();
  /** Virtual L2 port -> the VLAN it is an untagged member of (kept across configure). */
  private readonly virtualVid = new Map<number, number>();

  configure(cfg: RunningConfig): void {
    this.pvid.fill(0);
    for (const v of this.vids) {
      this.untagMask[v] = 0;
      this.tagMask[v] = 0;
    }
    this.vids = [];
    this.byName.clear();
    for (const m of vlanMembership(cfg)) {
      const vid = m.vlan.vid;
      if (!(vid >= 1 && vid <= 4094)) continue;
      this.vids.push(vid);
      this.byName.set(m.vlan.name, vid);
      let u = 0, t = 0;
      for (const p of m.untagged) {
        if (p < 1 || p > PORT_COUNT) continue;
        u |= 1 << p;
        if (this.pvid[p] === 0) this.pvid[p] = vid;
      }
      for (const p of m.tagged) if (p >= 1 && p <= PORT_COUNT) t |= 1 << p;
      this.untagMask[vid] = u;
      this.tagMask[vid] = t;
    }
    for (const [p, vid] of this.virtualVid) this.joinVirtual(p, vid);
  }

  /**
   * Makes virtual port `port` (PORT_COUNT+1 .. MAX_L2_PORT) an untagged member of VLAN `vid`
   * only (0: of none). It stays so across configure while the VLAN exists.
   */
  setVirtual(port: number, vid: number): void {
    if (!(port > PORT_COUNT && port <= MAX_L2_PORT)) throw new RangeError(`not a virtual L2 port: ${port}`);
    const old = this.virtualVid.get(port);
    if (old !== undefined) {
      this.untagMask[old] = this.untagMask[old]! & ~(1 << port);
      if (this.pvid[port] === old) this.pvid[port] = 0;
    }
    if (vid > 0) {
      this.virtualVid.set(port, vid);
      this.joinVirtual(port, vid);
    } else {
      this.virtualVid.delete(port);
    }
  }

  private joinVirtual(port: number, vid: number): void {
    if (!this.vids.includes(vid)) return;
    this.untagMask[vid] = this.untagMask[vid]! | (1 << port);
    this.pvid[port] = vid;
  }

  members(vid: number): number {
    return (this.untagMask[vid]! | this.tagMask[vid]!) & ~1;
  }

  isMember(vid: number, port: number): boolean {
    return port <= MAX_L2_PORT && ((this.members(vid) >>> port) & 1) === 1;
  }

  isTagged(vid: number, port: number): boolean {
    return port <= MAX_L2_PORT && ((this.tagMask[vid]! >>> port) & 1) === 1;
  }
}

/** MAC learning table: (vid, mac) -> port, aged out after MAC_AGEING_MS without traffic. */
export class MacTable {
  readonly capacity: number;
  private readonly maps: (Map<number, number> | null)[] = new Array(4096).fill(null);
  private readonly portA: Int8Array;
  private readonly seenA: Float64Array;
  private readonly freeA: Int32Array;
  private freeTop = 0;
  private count = 0;
  /** Learning attempts refused because the table was full. */
  full = 0;
  /** Bumped whenever an entry appears, moves or disappears (path caches compare it). */
  gen = 0;
  /** The entry learned last (lastVid -1: none), checked before the Map. */
  private lastVid = -1;
  private lastMac = -1;
  private lastSlot = 0;

  constructor(capacity = DEFAULT_MAC_CAPACITY) {
    this.capacity = capacity;
    this.portA = new Int8Array(capacity);
    this.seenA = new Float64Array(capacity);
    this.freeA = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.freeA[i] = capacity - 1 - i;
    this.freeTop = capacity;
  }

  get size(): number {
    return this.count;
  }

  /** The port behind `mac` in VLAN `vid`, or 0 when unknown. */
  lookup(vid: number, mac: number): number {
    const m = this.maps[vid];
    if (m === null || m === undefined) return 0;
    const slot = m.get(mac);
    return slot === undefined ? 0 : this.portA[slot]!;
  }

  /** Records that `mac` was seen on `port` in VLAN `vid` at `now`. */
  learn(vid: number, mac: number, port: number, now: number): void {
    // Most frames come from the MAC of the frame before (a router's): its slot, without the Map.
    if (mac === this.lastMac && vid === this.lastVid && this.portA[this.lastSlot] === port) {
      this.seenA[this.lastSlot] = now;
      return;
    }
    let m = this.maps[vid];
    if (m === null || m === undefined) {
      m = new Map();
      this.maps[vid] = m;
    }
    const slot = m.get(mac);
    if (slot !== undefined) {
      this.seenA[slot] = now;
      if (this.portA[slot] !== port) {
        this.portA[slot] = port;
        this.gen++;
      }
      this.remember(vid, mac, slot);
      return;
    }
    if (this.freeTop === 0) {
      this.full++;
      return;
    }
    const s = this.freeA[--this.freeTop]!;
    this.portA[s] = port;
    this.seenA[s] = now;
    m.set(mac, s);
    this.count++;
    this.gen++;
    this.remember(vid, mac, s);
  }

  private remember(vid: number, mac: number, slot: number): void {
    this.lastVid = vid;
    this.lastMac = mac;
    this.lastSlot = slot;
  }

  private removeSlot(m: Map<number, number>, mac: number, slot: number): void {
    if (slot === this.lastSlot) this.lastVid = -1;
    m.delete(mac);
    this.portA[slot] = 0;
    this.freeA[this.freeTop++] = slot;
    this.count--;
    this.gen++;
  }

  /** Removes entries not seen for `maxAgeMs`; returns how many. */
  age(now: number, maxAgeMs = MAC_AGEING_MS): number {
    let n = 0;
    for (const vid of this.vidsInUse()) {
      const m = this.maps[vid]!;
      for (const [mac, slot] of m) {
        if (now - this.seenA[slot]! > maxAgeMs) {
          this.removeSlot(m, mac, slot);
          n++;
        }
      }
    }
    return n;
  }

  /** Removes the entries matching (vid, port) (either may be -1 for any). */
  flush(vid = -1, port = -1): number {
    let n = 0;
    for (const v of this.vidsInUse()) {
      if (vid >= 0 && v !== vid) continue;
      const m = this.maps[v]!;
      for (const [mac, slot] of m) {
        if (port < 0 || this.portA[slot] === port) {
          this.removeSlot(m, mac, slot);
          n++;
        }
      }
    }
    return n;
  }

  /** Removes entries whose port is no longer a member of their VLAN. */
  flushNonMembers(vlans: VlanTable): number {
    let n = 0;
    for (const v of this.vidsInUse()) {
      const m = this.maps[v]!;
      for (const [mac, slot] of m) {
        if (!vlans.isMember(v, this.portA[slot]!)) {
          this.removeSlot(m, mac, slot);
          n++;
        }
      }
    }
    return n;
  }

  private vidsInUse(): number[] {
    const out: number[] = [];
    for (let v = 0; v < 4096; v++) {
      const m = this.maps[v];
      if (m !== null && m !== undefined && m.size > 0) out.push(v);
    }
    return out;
  }

  /** Snapshot for display and tests (allocates). */
  entries(now: number): { vid: number; mac: number; port: number; ageSec: number }[] {
    const out: { vid: number; mac: number; port: number; ageSec: number }[] = [];
    for (const v of this.vidsInUse()) {
      for (const [mac, slot] of this.maps[v]!) {
        out.push({ vid: v, mac, port: this.portA[slot]!, ageSec: Math.floor((now - this.seenA[slot]!) / 1000) });
      }
    }
    return out;
  }
}
