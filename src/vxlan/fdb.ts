// The VXLAN forwarding database: per VNI, an inner MAC -> the remote VTEP (address, UDP port)
// behind it, and the all-zeros list (00:00:00:00:00:00) of VTEPs that get a copy of every
// broadcast, multicast and unknown unicast frame (head-end replication), as Linux's vxlan FDB.
//
// Entries are static (the configuration's, never aged, never moved by learning) or learned from
// the outer source of received frames. A learned entry is refreshed by every frame from its MAC
// (Linux ages on this "updated" time since 6.x: traffic toward a MAC does not keep it alive),
// moves when the MAC shows up behind another VTEP (a VM moved), and goes `ageingMs` after the
// last frame. Learning stops at `maxEntries` learned entries: a flood of frames with random
// source MACs cannot grow the table past it (refusals are counted).

export const DEFAULT_MAX_ENTRIES = 16384;

export class FdbEntry {
  constructor(
    readonly vni: number,
    readonly mac: number,
    public remote: number,
    public port: number,
    public isStatic: boolean,
    /** Clock time of the last frame from the MAC (learned entries). */
    public seen: number,
  ) {}
}

/** What learn() did. */
export const Learned = { NEW: 0, REFRESHED: 1, MOVED: 2, STATIC: 3, FULL: 4 } as const;

export interface StaticFdbEntry {
  readonly vni: number;
  /** 0: an all-zeros (flood) entry. */
  readonly mac: number;
  readonly remote: number;
  readonly port: number;
}

export class FdbCounters {
  learned = 0;
  moved = 0;
  aged = 0;
  /** Learning refused because maxEntries learned entries exist. */
  refused = 0;
}

export class VxlanFdb {
  private readonly unicast = new Map<number, Map<number, FdbEntry>>();
  private readonly floods = new Map<number, FdbEntry[]>();
  private learnedCount = 0;
  readonly counters = new FdbCounters();
  maxEntries = DEFAULT_MAX_ENTRIES;
  /** Bumped on every change (callers caching a lookup compare it). */
  gen = 0;

  /** Learned entries (counted against maxEntries). */
  get learnedSize(): number {
    return this.learnedCount;
  }

  get size(): number {
    let n = 0;
    for (const m of this.unicast.values()) n += m.size;
    for (const l of this.floods.values()) n += l.length;
    return n;
  }

  /** The entry of `mac` in `vni`, or undefined (allocation-free). */
  lookup(vni: number, mac: number): FdbEntry | undefined {
    const m = this.unicast.get(vni);
    return m === undefined ? undefined : m.get(mac);
  }

  /** The all-zeros entries of `vni` (where broadcast and unknown unicast go). */
  floodList(vni: number): readonly FdbEntry[] {
    return this.floods.get(vni) ?? NONE;
  }

  /** Records that `mac` (a unicast source MAC) came from `remote`:`port` in `vni`. */
  learn(vni: number, mac: number, remote: number, port: number, now: number): number {
    let m = this.unicast.get(vni);
    const e = m?.get(mac);
    if (e !== undefined) {
      if (e.isStatic) return Learned.STATIC;
      e.seen = now;
      if (e.remote === remote && e.port === port) return Learned.REFRESHED;
      e.remote = remote;
      e.port = port;
      this.counters.moved++;
      this.gen++;
      return Learned.MOVED;
    }
    if (this.learnedCount >= this.maxEntries) {
      this.counters.refused++;
      return Learned.FULL;
    }
    if (m === undefined) {
      m = new Map();
      this.unicast.set(vni, m);
    }
    m.set(mac, new FdbEntry(vni, mac, remote, port, false, now));
    this.learnedCount++;
    this.counters.learned++;
    this.gen++;
    return Learned.NEW;
  }

  /**
   * Installs the configuration's static entries in place of the previous ones. A static entry
   * replaces a learned one for the same MAC; learned entries of VNIs not in `keepVnis` go.
   */
  setStatic(list: readonly StaticFdbEntry[], keepVnis: ReadonlySet<number>): void {
    for (const [vni, m] of this.unicast) {
      for (const [mac, e] of m) {
        if (e.isStatic || !keepVnis.has(vni)) {
          if (!e.isStatic) this.learnedCount--;
          m.delete(mac);
        }
      }
      if (m.size === 0) this.unicast.delete(vni);
    }
    this.floods.clear();
    for (const s of list) {
      if (s.mac === 0) {
        let l = this.floods.get(s.vni);
        if (l === undefined) {
          l = [];
          this.floods.set(s.vni, l);
        }
        if (!l.some((e) => e.remote === s.remote && e.port === s.port)) l.push(new FdbEntry(s.vni, 0, s.remote, s.port, true, 0));
        continue;
      }
      let m = this.unicast.get(s.vni);
      if (m === undefined) {
        m = new Map();
        this.unicast.set(s.vni, m);
      }
      const old = m.get(s.mac);
      if (old !== undefined && !old.isStatic) this.learnedCount--;
      m.set(s.mac, new FdbEntry(s.vni, s.mac, s.remote, s.port, true, 0));
    }
    this.gen++;
  }

  /** Removes learned entries not refreshed for `ageingMs`; returns how many. */
  age(now: number, ageingMs: number): number {
    let n = 0;
    for (const [vni, m] of this.unicast) {
      for (const [mac, e] of m) {
        if (!e.isStatic && now - e.seen >= ageingMs) {
          m.delete(mac);
          n++;
        }
      }
      if (m.size === 0) this.unicast.delete(vni);
    }
    if (n !== 0) {
      this.learnedCount -= n;
      this.counters.aged += n;
      this.gen++;
    }
    return n;
  }

  /** Forgets the learned entries (of one VNI, or all); returns how many. */
  clear(vni = -1): number {
    let n = 0;
    for (const [v, m] of this.unicast) {
      if (vni >= 0 && v !== vni) continue;
      for (const [mac, e] of m) {
        if (e.isStatic) continue;
        m.delete(mac);
        n++;
      }
      if (m.size === 0) this.unicast.delete(v);
    }
    this.learnedCount -= n;
    if (n !== 0) this.gen++;
    return n;
  }

  /** Every entry (allocates; for display): by VNI, unicast by MAC, then the all-zeros list. */
  entries(vni = -1): FdbEntry[] {
    const vnis = [...new Set([...this.unicast.keys(), ...this.floods.keys()])].filter((v) => vni < 0 || v === vni).sort((a, b) => a - b);
    const out: FdbEntry[] = [];
    for (const v of vnis) {
      out.push(...[...(this.unicast.get(v)?.values() ?? [])].sort((a, b) => a.mac - b.mac));
      out.push(...(this.floods.get(v) ?? []));
    }
    return out;
  }
}

const NONE: readonly FdbEntry[] = [];
