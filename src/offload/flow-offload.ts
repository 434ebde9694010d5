// Established-flow offload: copies the engine's forwarding decision for established sessions of
// dsr, l3dsr-iptunnel, l3dsr-dscp and nat into the kernel's flow table (an XDP program on each
// Linux port, native/pask_offload.bpf.c), so their further packets are rewritten and sent on in
// the kernel without crossing into pask. The engine stays the authority:
//
//  - an entry is installed when a packet of a session in ESTABLISHED, from its 5th packet in that
//    direction on (a UDP session from its second), leaves by a resolved, untagged path between two
//    offloadable ports; nat sessions get one entry per direction;
//  - it is removed when the session leaves ESTABLISHED (FIN and RST always go up to pask), ends
//    (timeout, clear, its real removed or going down), when the configuration or the topology
//    (routes, ARP, MAC table, ports) changes, and on every flow of a port while a capture runs
//    on it (so tcpdump sees every packet, as before);
//  - each housekeeping round reads back every entry's packet and byte counters and last-seen
//    time and credits them to the session, so `show entry`, `show info slb` and the session
//    timeouts stay right (the port counters do not move: those packets never reach pask).
//
// Without root, BPF, the addon or Linux ports (the lab), `enable` says why and nothing changes.
// The running config's `offload` setting drives it through `configure`: where it cannot run the
// setting stays configured, and the offloader is not active, with the reason kept for `show offload`.

import type { Engine } from '../engine/engine.js';
import type { OffloadHook } from '../engine/offload-hook.js';
import { NAT_MODE_CODES, SessionState } from '../engine/session/index.js';
import {
  decodeFlowCounters, encodeFlowKey, encodeFlowValue, FLOW_KEY_SIZE, FLOW_VAL_SIZE, FlowAction, type FlowCounters, type FlowValue,
} from './flow-codec.js';
import { openKernelFlowTable, type FlowTable, type XdpMode } from './kernel.js';

const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
/**
 * A TCP flow goes to the kernel at its 5th packet in a direction (established): a connection that
 * carries one request (SYN, ACK, request, ACK of the answer, FIN) never does, since installing,
 * reading back and removing its entry (three system calls) would cost more than what it saves
 * (bench:real with one request per connection: 41,806 entries for 41,775 requests at the 4th).
 */
const TCP_AFTER_PACKETS = 5;

export type RemoveReason = 'state' | 'ended' | 'topology' | 'capture' | 'gone' | 'disable';

/** One kernel entry: a session's direction. */
interface Entry {
  readonly key: Uint8Array;
  readonly inPort: number;
  readonly outPort: number;
  /** The kernel's counters when last read. */
  packets: number;
  bytes: number;
}

export interface OffloadPortInfo {
  readonly port: number;
  readonly ifindex: number;
  readonly captured: boolean;
}

/** One kernel entry, for `show offload flows`: the session's tuple in that direction and its counters (the engine's and the kernel's together). */
export interface OffloadFlowRow {
  readonly dir: 'to-real' | 'to-client';
  readonly proto: number;
  readonly src: number;
  readonly sport: number;
  readonly dst: number;
  readonly dport: number;
  readonly inPort: number;
  readonly outPort: number;
  readonly packets: number;
  readonly bytes: number;
  /** What the kernel forwarded of them. */
  readonly kernelPackets: number;
}

/** The engine's own established-flow cache (src/engine/flow-cache.ts), in user space, always on. */
export interface FlowCacheStatus {
  readonly slots: number;
  readonly entries: number;
  readonly hits: number;
  readonly installs: number;
  readonly evictions: number;
}

export interface OffloadStatus {
  /** The running config asks for offload (`offload enable`). */
  readonly configured: boolean;
  /** The program is loaded: flows go to the kernel. */
  readonly enabled: boolean;
  readonly mode: XdpMode | null;
  /** Why the last `enable` failed, if it did. */
  readonly error: string | null;
  readonly flows: number;
  readonly flowsToReal: number;
  readonly flowsToClient: number;
  readonly installed: number;
  readonly removed: number;
  /** Of `removed`, by why: the session left ESTABLISHED, ended, the topology or configuration changed, a capture, gone from the kernel, disable. */
  readonly removedBy: Readonly<Record<RemoveReason, number>>;
  readonly installFailures: number;
  /** Packets and bytes the kernel forwarded (read back so far). */
  readonly packets: number;
  readonly bytes: number;
  readonly ports: readonly OffloadPortInfo[];
  /** In front of the kernel: the engine's user-space cache of established flows (null: built without one). */
  readonly cache: FlowCacheStatus | null;
}

/** Something with a Linux ifindex (a LinuxPort). */
function ifindexOf(backend: unknown): number {
  const i = (backend as { ifindex?: unknown } | null)?.ifindex;
  return typeof i === 'number' && i > 0 ? i : 0;
}

export class FlowOffload implements OffloadHook {
  private table: FlowTable | null = null;
  private gen = -1;
  /** Per port: the XDP link's descriptor (-1: not attached) and its ifindex. */
  private readonly links = new Map<number, { link: number; ifindex: number }>();
  private readonly captured = new Set<number>();
  /** Key: sid * 2 + dir. */
  private readonly entries = new Map<number, Entry>();
  private readonly valBuf = new Uint8Array(FLOW_VAL_SIZE);
  private readonly counters: FlowCounters = { packets: 0, bytes: 0, lastMs: 0 };
  private readonly value: FlowValue = { action: 0, dscp: 0, port: 0, addr: 0, outerSrc: 0, outIfindex: 0, dstMac: 0, srcMac: 0, mtu: 0 };
  private lastError: string | null = null;
  private wanted = false;
  private installed = 0;
  private removed = 0;
  private readonly removedBy: Record<RemoveReason, number> = { state: 0, ended: 0, topology: 0, capture: 0, gone: 0, disable: 0 };
  private installFailures = 0;
  private packets = 0;
  private bytes = 0;

  /**
   * `open` gives the kernel side (default: the real one); `baseMac` is the appliance's MAC,
   * the source of what it sends and what offloaded packets must be addressed to.
   */
  constructor(private readonly engine: Engine, private readonly baseMac: number,
    private readonly open: (mode: XdpMode) => FlowTable | string = openKernelFlowTable) {}

  get enabled(): boolean {
    return this.table !== null;
  }

  /** What the running config last asked (`configure`). */
  get configured(): boolean {
    return this.wanted;
  }

  /**
   * Follows the running config's `offload`: on, starts unless running (trying again if it could
   * not before); off, stops. Returns null, or why it is not running although configured.
   */
  configure(on: boolean): string | null {
    this.wanted = on;
    if (on) return this.enable();
    this.disable();
    this.lastError = null;
    return null;
  }

  /** Whether a port is attached to a Linux interface (else there is nothing to offload on: the lab). */
  hasLinuxPort(): boolean {
    for (let p = 1; p <= 16; p++) if (ifindexOf(this.engine.backend(p)) > 0) return true;
    return false;
  }

  /** Starts offloading; returns null, or why it cannot (the engine goes on as before). */
  enable(mode: XdpMode = 'generic'): string | null {
    if (this.table !== null) return null;
    if (!this.hasLinuxPort()) return this.fail('no port is attached to a Linux interface');
    const t = this.open(mode);
    if (typeof t === 'string') return this.fail(t);
    this.table = t;
    this.lastError = null;
    this.gen = this.engine.topologyGeneration;
    this.captured.clear();
    for (let p = 1; p <= 16; p++) if (this.engine.hasCaptureTap(p)) this.captured.add(p);
    // The program goes on every Linux port now (a port attached later gets it with its first flow).
    for (let p = 1; p <= 16; p++) if (ifindexOf(this.engine.backend(p)) > 0) this.portIfindex(p);
    this.engine.setOffload(this);
    return null;
  }

  /** Stops offloading: counters read back, every kernel entry removed, the program detached. */
  disable(): void {
    const t = this.table;
    if (t === null) return;
    this.engine.setOffload(null);
    this.removeWhere(() => true, 'disable');
    for (const l of this.links.values()) if (l.link >= 0) t.detach(l.link);
    this.links.clear();
    t.close();
    this.table = null;
  }

  status(): OffloadStatus {
    let toReal = 0;
    for (const ref of this.entries.keys()) if ((ref & 1) === 0) toReal++;
    const ports: OffloadPortInfo[] = [];
    for (const [port, l] of [...this.links].sort((a, b) => a[0] - b[0])) {
      if (l.link >= 0) ports.push({ port, ifindex: l.ifindex, captured: this.captured.has(port) });
    }
    return {
      configured: this.wanted, enabled: this.table !== null, mode: this.table?.mode ?? null, error: this.lastError,
      flows: this.entries.size, flowsToReal: toReal, flowsToClient: this.entries.size - toReal,
      installed: this.installed, removed: this.removed, removedBy: { ...this.removedBy }, installFailures: this.installFailures,
      packets: this.packets, bytes: this.bytes, ports, cache: this.cacheStatus(),
    };
  }

  private cacheStatus(): FlowCacheStatus | null {
    const c = this.engine.flowCache;
    return c === null ? null : { slots: c.slots, entries: c.size, ...c.stats };
  }

  flows(): OffloadFlowRow[] {
    const s = this.engine.sessions;
    const rows: OffloadFlowRow[] = [];
    for (const [ref, e] of this.entries) {
      const sid = ref >>> 1, dir = ref & 1;
      const orig = dir === 0;
      rows.push({
        dir: orig ? 'to-real' : 'to-client', proto: s.proto(sid),
        src: orig ? s.clientIp(sid) : s.replySrcIp(sid), sport: orig ? s.clientPort(sid) : s.replySrcPort(sid),
        dst: orig ? s.vip(sid) : s.clientIp(sid), dport: orig ? s.vport(sid) : s.clientPort(sid),
        inPort: e.inPort, outPort: e.outPort, packets: s.packets(sid, dir), bytes: s.bytes(sid, dir), kernelPackets: e.packets,
      });
    }
    return rows;
  }

  /** Reads the kernel's counters back now (what the housekeeping does every round). */
  refresh(): void {
    if (this.table !== null) this.sync(this.engine.clock.now(), this.engine.topologyGeneration);
  }

  // ---- OffloadHook ----

  forwarded(sid: number, dir: number, st: number, inPort: number, outPort: number, dstMac: number, tag: number,
    outerSrc: number, mtu: number, gen: number): void {
    const t = this.table;
    if (t === null) return;
    if (gen !== this.gen) this.topologyChanged(gen);
    const ref = sid * 2 + dir;
    const e = this.entries.get(ref);
    const sessions = this.engine.sessions;
    const proto = sessions.proto(sid);
    const seen = sessions.packets(sid, dir);
    const ready = proto === IPPROTO_TCP ? st === SessionState.ESTABLISHED && seen >= TCP_AFTER_PACKETS : proto === IPPROTO_UDP && seen >= 2;
    if (!ready) {
      if (e !== undefined) this.remove(ref, e, 'state');
      return;
    }
    if (e !== undefined || tag >= 0 || this.captured.has(inPort) || this.captured.has(outPort)) return;
    const inIf = this.portIfindex(inPort), outIf = this.portIfindex(outPort);
    if (inIf === 0 || outIf === 0) return;
    if (!this.describe(sid, dir, outIf, dstMac, outerSrc, mtu)) return;
    const key = new Uint8Array(FLOW_KEY_SIZE);
    if (dir === 0) {
      encodeFlowKey(key, { proto, src: sessions.clientIp(sid), sport: sessions.clientPort(sid), dst: sessions.vip(sid), dport: sessions.vport(sid), ifindex: inIf });
    } else {
      encodeFlowKey(key, { proto, src: sessions.replySrcIp(sid), sport: sessions.replySrcPort(sid), dst: sessions.clientIp(sid), dport: sessions.clientPort(sid), ifindex: inIf });
    }
    encodeFlowValue(this.valBuf, this.value);
    if (t.put(key, this.valBuf) !== 0) {
      this.installFailures++;
      return;
    }
    this.entries.set(ref, { key, inPort, outPort, packets: 0, bytes: 0 });
    this.installed++;
  }

  ended(sid: number): void {
    if (this.entries.size === 0) return;
    for (let dir = 0; dir < 2; dir++) {
      const e = this.entries.get(sid * 2 + dir);
      if (e !== undefined) this.remove(sid * 2 + dir, e, 'ended');
    }
  }

  sync(now: number, gen: number): void {
    const t = this.table;
    if (t === null) return;
    if (gen !== this.gen) {
      this.topologyChanged(gen);
      return;
    }
    if (this.entries.size === 0) return;
    const mono = t.monotonicMs();
    for (const [ref, e] of this.entries) {
      if (!this.readBack(ref, e, now, mono)) {
        // Gone from the kernel (never by pask's hand): the session's packets come up again.
        this.entries.delete(ref);
        this.removed++;
        this.removedBy.gone++;
      }
    }
  }

  tapped(port: number, on: boolean): void {
    if (!on) {
      this.captured.delete(port);
      return;
    }
    this.captured.add(port);
    this.removeWhere((e) => e.inPort === port || e.outPort === port, 'capture');
  }

  // ---- internals ----

  private fail(why: string): string {
    this.lastError = why;
    return why;
  }

  /** The ifindex of an offloadable port (its program attached on first use), else 0. */
  private portIfindex(port: number): number {
    const l = this.links.get(port);
    if (l !== undefined) return l.link >= 0 ? l.ifindex : 0;
    const ifindex = ifindexOf(this.engine.backend(port));
    const link = ifindex > 0 ? this.table!.attach(ifindex) : -1;
    if (link < 0 && ifindex > 0) this.lastError = `cannot attach the offload program to port ${port} (errno ${-link})`;
    this.links.set(port, { link, ifindex });
    return link >= 0 ? ifindex : 0;
  }

  /** Fills this.value with what the kernel must do to a packet of (sid, dir); false if not offloadable. */
  private describe(sid: number, dir: number, outIf: number, dstMac: number, outerSrc: number, mtu: number): boolean {
    const sessions = this.engine.sessions;
    const v = this.value;
    v.dscp = 0;
    v.port = 0;
    v.addr = 0;
    v.outerSrc = 0;
    v.mtu = 0;
    v.outIfindex = outIf;
    v.dstMac = dstMac;
    v.srcMac = this.baseMac;
    const mode = sessions.natMode(sid);
    const b = this.engine.slb.bindings[sessions.real(sid)];
    if (b === null || b === undefined) return false;
    switch (mode) {
      case NAT_MODE_CODES.dsr:
        if (dir !== 0) return false;
        v.action = FlowAction.DSR;
        return true;
      case NAT_MODE_CODES['l3dsr-iptunnel']:
        if (dir !== 0 || outerSrc === 0 || mtu < 68 || mtu > 65535) return false;
        v.action = FlowAction.IPIP;
        v.addr = b.rip;
        v.outerSrc = outerSrc;
        v.mtu = mtu;
        return true;
      case NAT_MODE_CODES['l3dsr-dscp']:
        if (dir !== 0) return false;
        v.action = FlowAction.DSCP;
        v.addr = b.rip;
        v.dscp = sessions.natData(sid);
        return true;
      case NAT_MODE_CODES.nat:
        if (dir === 0) {
          v.action = FlowAction.DNAT;
          v.addr = sessions.replySrcIp(sid);
          v.port = sessions.replySrcPort(sid) !== sessions.vport(sid) ? sessions.replySrcPort(sid) : 0;
        } else {
          v.action = FlowAction.SNAT;
          v.addr = sessions.vip(sid);
          v.port = sessions.vport(sid);
        }
        return true;
      default:
        return false;
    }
  }

  /** Credits what the kernel counted since the last read to the session; false when the entry is gone. */
  private readBack(ref: number, e: Entry, now: number, mono: number): boolean {
    const t = this.table!;
    if (t.get(e.key, this.valBuf) !== 0) return false;
    const c = decodeFlowCounters(this.valBuf, this.counters);
    const dp = c.packets - e.packets, db = c.bytes - e.bytes;
    if (dp > 0) {
      e.packets = c.packets;
      e.bytes = c.bytes;
      this.packets += dp;
      this.bytes += db;
      const seen = c.lastMs > 0 ? now - Math.max(0, mono - c.lastMs) : now;
      this.engine.sessions.credit(ref >>> 1, ref & 1, dp, db, seen);
    }
    return true;
  }

  private remove(ref: number, e: Entry, why: RemoveReason): void {
    const t = this.table!;
    this.readBack(ref, e, this.engine.clock.now(), t.monotonicMs());
    t.del(e.key);
    this.entries.delete(ref);
    this.removed++;
    this.removedBy[why]++;
  }

  private removeWhere(pred: (e: Entry) => boolean, why: RemoveReason): void {
    for (const [ref, e] of [...this.entries]) if (pred(e)) this.remove(ref, e, why);
  }

  /** Routes, ARP, the MAC table, the ports or the configuration changed: every flow goes back to the engine. */
  private topologyChanged(gen: number): void {
    this.gen = gen;
    this.removeWhere(() => true, 'topology');
  }
}
