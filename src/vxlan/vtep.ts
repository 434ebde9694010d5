// The appliance as a VXLAN tunnel endpoint (RFC 7348). Each VLAN with a `vxlan vni N` is a
// segment: a virtual L2 port of the engine (attachVirtual), an untagged member of the VLAN, so
// the engine's bridge learns, forwards and floods to it like to any port. What the bridge
// sends to the segment's port is encapsulated toward the remote VTEP(s) the FDB names: the
// one behind a known unicast MAC, else every all-zeros entry (head-end replication). VXLAN
// received on the local VTEP address and UDP port (a socket of the host stack) is checked,
// its inner source MAC learned, and the inner frame handed to the bridge as received on the
// segment's port.
//
// Also here: the overlay MTU (a frame whose IP packet exceeds it is dropped and counted, never
// fragmented, as a Linux bridge does toward a smaller-MTU port) and the ARP proxy: with
// `arp-proxy enable`, an ARP request from the local side for a remote neighbour the
// appliance's neighbour table knows (REACHABLE, PERMANENT or NOARP, and not behind a local
// port) is answered here and never sent across.
//
// Buffers: one output buffer, reused; the outer packet is routed from it (Engine.sendIpv4At),
// so the frame being encapsulated, which may sit in an engine buffer, is never overwritten.

import type { RunningConfig, VxlanConfig } from '../config/model.js';
import { ARP_CONNECTED } from '../engine/arp.js';
import type { ArpCache } from '../engine/arp.js';
import type { InterfaceTable } from '../engine/interfaces.js';
import { DEFAULT_MTU } from '../engine/interfaces.js';
import { MAX_L2_PORT, type MacTable } from '../engine/l2.js';
import { HEADROOM } from '../engine/pool.js';
import { VxlanEncap } from '../engine/vxlan-encap.js';
import { isMulticastMac, readMac, type Mac } from '../net/addr.js';
import { ARP_REPLY, ARP_REQUEST, writeArp } from '../packet/arp.js';
import { readU16, readU32 } from '../packet/bytes.js';
import { ETH_HEADER_LEN, ETHERTYPE_ARP, writeEthernet } from '../packet/ethernet.js';
import { IPV4_MAX_LEN } from '../packet/ipv4.js';
import { parseVxlan, VXLAN_HEADER_LEN, VxlanError } from '../packet/vxlan.js';
import type { BackendCounter, FrameHandler, PortBackend } from '../ports/backend.js';
import type { HostStack } from '../stack/host-stack.js';
import type { Clock, Timer } from '../util/clock.js';
import { defaultVxlan } from '../config/vxlan.js';
import { Learned, VxlanFdb, type StaticFdbEntry } from './fdb.js';

/** What the VTEP needs of the engine (Engine implements it). */
export interface VtepEngine {
  readonly clock: Clock;
  readonly arp: ArpCache;
  readonly macs: MacTable;
  readonly ifs: InterfaceTable;
  attachVirtual(backend: PortBackend): number;
  detachVirtual(port: number): void;
  setVirtualVlan(port: number, vid: number): void;
  sendIpv4At(buf: Uint8Array, off: number, len: number): boolean;
}

/** Receives UDP datagrams: the payload is buf[off, off+len); valid during the call only. */
export type DatagramHandler = (buf: Uint8Array, off: number, len: number, src: number, dst: number) => void;
/** Binds a UDP port of the appliance; returns its closer, or null when the port is taken. */
export type UdpBinder = (port: number, onDatagram: DatagramHandler) => (() => void) | null;

/** Frames the VTEP dropped, by reason (the counter names of `show vxlan`). */
export const VtepDrop = {
  /** A VXLAN payload shorter than its header. */
  SHORT: 0,
  /** Flags other than I alone, or a reserved field set. */
  BAD_FLAGS: 1,
  /** An inner frame shorter than an Ethernet header. */
  SHORT_FRAME: 2,
  /** A VNI no VLAN is bridged to. */
  UNKNOWN_VNI: 3,
  /** To another of the appliance's addresses than the VTEP's source-address. */
  NOT_LOCAL_VTEP: 4,
  /** The inner source is the appliance's own MAC (a loop). */
  OWN_MAC: 5,
  /** A frame bigger than the overlay MTU. */
  MTU: 6,
  /** Nowhere to send: an unknown unicast or a broadcast without an all-zeros entry. */
  NO_REMOTE: 7,
  /** The remote VTEP is unroutable. */
  NO_ROUTE: 8,
  /** The VTEP has no source-address (down). */
  DOWN: 9,
  /** Sent back into the VTEP by its own output (a misconfigured underlay). */
  LOOP: 10,
} as const;

export const VTEP_DROP_NAMES: readonly string[] = [
  'short', 'bad-flags', 'short-frame', 'unknown-vni', 'not-local-vtep', 'own-mac', 'mtu', 'no-remote', 'no-route', 'down', 'loop',
];

export class SegmentCounters {
  /** Frames decapsulated and handed to the bridge. */
  rxFrames = 0;
  rxBytes = 0;
  /** Frames the bridge sent to the segment. */
  txFrames = 0;
  txBytes = 0;
  /** Encapsulated packets sent (a flooded frame counts once per remote VTEP). */
  txPackets = 0;
  /** Frames replicated to the all-zeros list. */
  flooded = 0;
  /** ARP requests answered by the ARP proxy. */
  arpProxied = 0;
  readonly drops = new Float64Array(VTEP_DROP_NAMES.length);
}

/** One VLAN bridged to one VNI: the engine's virtual port's backend. */
export class Segment implements PortBackend {
  readonly name: string;
  port = 0;
  rx: FrameHandler | null = null;
  readonly stats = new SegmentCounters();
  private readonly encaps = new Map<number, VxlanEncap>();

  constructor(private readonly vtep: Vtep, readonly vni: number, public vlan: string, public vid: number) {
    this.name = `vxlan${vni}`;
  }

  get mtu(): number {
    return this.vtep.settings.mtu;
  }

  transmit(frame: Uint8Array, len: number): void {
    this.vtep.transmit(this, frame, len);
  }

  attach(rx: FrameHandler): void {
    this.rx = rx;
  }

  counters(): readonly BackendCounter[] {
    const c = this.stats;
    return [['VNI', this.vni], ['Decapsulated', c.rxFrames], ['Encapsulated', c.txPackets], ['Flooded', c.flooded], ['ARP proxied', c.arpProxied]];
  }

  detach(): void {
    this.rx = null;
  }

  /** The encapsulation step toward UDP port `dport`. */
  encap(dport: number): VxlanEncap {
    let e = this.encaps.get(dport);
    if (e === undefined) {
      e = new VxlanEncap(this.vni, dport);
      this.encaps.set(dport, e);
    }
    return e;
  }
}

/** What `show vxlan` reports of the VTEP itself. */
export interface VtepStatus {
  readonly up: boolean;
  /** Why it is down ('' when up). */
  readonly why: string;
  readonly drops: Readonly<Record<string, number>>;
  /** VNIs that could not be bridged, with the reason. */
  readonly refused: readonly string[];
}

export class Vtep {
  readonly fdb = new VxlanFdb();
  settings: VxlanConfig = defaultVxlan();
  private readonly segments = new Map<number, Segment>();
  private readonly out = new Uint8Array(HEADROOM + IPV4_MAX_LEN + 64);
  private readonly arpBuf = new Uint8Array(60);
  /** Drops before a segment is known (malformed, unknown VNI, not for the local VTEP). */
  readonly drops = new Float64Array(VTEP_DROP_NAMES.length);
  private closeSocket: (() => void) | null = null;
  private why = 'no source-address';
  /** Segments that could not be set up, and why. */
  private refused: string[] = [];
  private sending = false;
  private ipId = 0;
  private timer: Timer | null = null;
  private cfg: RunningConfig | null = null;

  constructor(private readonly engine: VtepEngine, private readonly bind: UdpBinder, private readonly ownMac: Mac) {}

  get up(): boolean {
    return this.why === '';
  }

  /** The segments, by VNI. */
  list(): Segment[] {
    return [...this.segments.values()].sort((a, b) => a.vni - b.vni);
  }

  segment(vni: number): Segment | undefined {
    return this.segments.get(vni);
  }

  status(): VtepStatus {
    const drops: Record<string, number> = {};
    VTEP_DROP_NAMES.forEach((n, i) => {
      const v = this.drops[i]! + this.list().reduce((s, g) => s + g.stats.drops[i]!, 0);
      if (v !== 0) drops[n] = v;
    });
    return { up: this.up, why: this.why, drops, refused: this.refused };
  }

  // ===================================================================== configuration

  /** Follows a committed configuration (only what changed). */
  configure(cfg: RunningConfig): void {
    const prev = this.cfg;
    this.cfg = cfg;
    if (prev !== null && prev.vxlan === cfg.vxlan && prev.vlans === cfg.vlans && prev.vxlanFdb === cfg.vxlanFdb &&
      prev.interfaces === cfg.interfaces) {
      return;
    }
    const x = cfg.vxlan;
    const oldPort = this.settings.udpPort;
    this.settings = x;
    this.fdb.maxEntries = x.maxEntries;
    // Segments: one per VLAN with a VNI.
    const wanted = new Map<number, { vlan: string; vid: number }>();
    for (const v of cfg.vlans) if (v.vni !== null) wanted.set(v.vni, { vlan: v.name, vid: v.vid });
    for (const s of [...this.segments.values()]) {
      if (wanted.has(s.vni)) continue;
      this.setIfMtu(s.vlan, DEFAULT_MTU);
      this.engine.detachVirtual(s.port);
      this.segments.delete(s.vni);
    }
    this.refused = [];
    for (const [vni, w] of wanted) {
      let s = this.segments.get(vni);
      if (s === undefined) {
        s = new Segment(this, vni, w.vlan, w.vid);
        if (!this.attach(s)) continue;
        this.segments.set(vni, s);
      } else if (s.vlan !== w.vlan) {
        this.setIfMtu(s.vlan, DEFAULT_MTU);
      }
      s.vlan = w.vlan;
      s.vid = w.vid;
      this.engine.setVirtualVlan(s.port, w.vid);
      this.setIfMtu(w.vlan, x.mtu);
    }
    const statics: StaticFdbEntry[] = cfg.vxlanFdb.map((f) => ({ vni: f.vni, mac: f.mac, remote: f.remote, port: f.port ?? x.udpPort }));
    this.fdb.setStatic(statics, new Set(wanted.keys()));
    // The socket: bound while the VTEP has an address and segments.
    if (x.sourceAddress === null) this.why = 'no source-address';
    else if (this.segments.size === 0) this.why = 'no VLAN is bridged to a VNI';
    else this.why = '';
    if (this.why !== '' || oldPort !== x.udpPort) this.unbind();
    if (this.why === '' && this.closeSocket === null) {
      this.closeSocket = this.bind(x.udpPort, (buf, off, len, src, dst) => this.receive(buf, off, len, src, dst));
      if (this.closeSocket === null) this.why = `udp port ${x.udpPort} is in use`;
    }
    this.armAgeing();
  }

  /** Gives the segment a virtual port that can be a VLAN member (17..31); false (and why, in `refused`) when none is left. */
  private attach(s: Segment): boolean {
    let port = -1;
    try {
      port = this.engine.attachVirtual(s);
    } catch {
      // no virtual port left at all
    }
    if (port > 0 && port <= MAX_L2_PORT) {
      s.port = port;
      return true;
    }
    if (port > 0) this.engine.detachVirtual(port);
    this.refused.push(`vni ${s.vni}: no virtual L2 port left (17-${MAX_L2_PORT} are taken by other interfaces)`);
    return false;
  }

  /** The VLAN's interface carries the overlay's MTU (the appliance's own packets there must fit). */
  private setIfMtu(vlan: string, mtu: number): void {
    const i = this.engine.ifs.byNameOf(vlan);
    if (i !== undefined && i.kind === 'vlan') i.mtu = mtu;
  }

  private unbind(): void {
    this.closeSocket?.();
    this.closeSocket = null;
  }

  /** Stops: the socket, the timer and every segment's port. */
  close(): void {
    this.unbind();
    this.timer?.cancel();
    this.timer = null;
    for (const s of this.segments.values()) this.engine.detachVirtual(s.port);
    this.segments.clear();
  }

  /** `clear vxlan fdb [vni N]`: forgets the learned entries; how many. */
  clearFdb(vni = -1): number {
    return this.fdb.clear(vni);
  }

  // ===================================================================== ageing

  private armAgeing(): void {
    if (this.timer !== null || this.fdb.learnedSize === 0 || this.settings.ageing === 0) return;
    this.timer = this.engine.clock.setTimeout(() => {
      this.timer = null;
      this.fdb.age(this.engine.clock.now(), this.settings.ageing * 1000);
      this.armAgeing();
    }, 1000);
  }

  // ===================================================================== transmit (bridge -> tunnel)

  /** A frame the bridge sent to segment `s` (untagged: the virtual port is an untagged member). */
  transmit(s: Segment, frame: Uint8Array, len: number): void {
    const c = s.stats;
    c.txFrames++;
    c.txBytes += len;
    if (this.why !== '') {
      c.drops[VtepDrop.DOWN]!++;
      return;
    }
    if (this.sending) {
      c.drops[VtepDrop.LOOP]!++;
      return;
    }
    if (len - ETH_HEADER_LEN > this.settings.mtu) {
      c.drops[VtepDrop.MTU]!++;
      return;
    }
    const dst = readMac(frame, 0);
    if (this.settings.arpProxy && len >= ETH_HEADER_LEN + 28 && readU16(frame, 12) === ETHERTYPE_ARP && this.proxyArp(s, frame)) return;
    this.sending = true;
    try {
      if (!isMulticastMac(dst)) {
        const e = this.fdb.lookup(s.vni, dst);
        if (e !== undefined) {
          this.send(s, frame, len, e.remote, e.port);
          return;
        }
      }
      const list = this.fdb.floodList(s.vni);
      if (list.length === 0) {
        c.drops[VtepDrop.NO_REMOTE]!++;
        return;
      }
      c.flooded++;
      for (let i = 0; i < list.length; i++) this.send(s, frame, len, list[i]!.remote, list[i]!.port);
    } finally {
      this.sending = false;
    }
  }

  private send(s: Segment, frame: Uint8Array, len: number, remote: number, port: number): void {
    const b = this.out;
    this.ipId = (this.ipId + 1) & 0xffff;
    const n = s.encap(port).wrap(b, HEADROOM, frame, 0, len, this.settings.sourceAddress!, remote, false, this.ipId);
    if (n < 0 || !this.engine.sendIpv4At(b, HEADROOM, n)) {
      s.stats.drops[VtepDrop.NO_ROUTE]!++;
      return;
    }
    s.stats.txPackets++;
  }

  /**
   * The ARP proxy: answers a request for a known remote neighbour as if from it, back into the
   * bridge; true when answered (the request then goes no further).
   */
  private proxyArp(s: Segment, frame: Uint8Array): boolean {
    const a = ETH_HEADER_LEN;
    if (readU16(frame, a + 6) !== ARP_REQUEST) return false;
    const sha = readMac(frame, a + 8), spa = readU32(frame, a + 14), tpa = readU32(frame, a + 24);
    if (tpa === spa || spa === 0) return false; // gratuitous, or a probe (RFC 5227)
    const n = this.engine.arp.get(tpa);
    if (n === undefined || (n.state & ARP_CONNECTED) === 0 || this.engine.ifs.list[n.ifIdx]?.vid !== s.vid) return false;
    // A neighbour behind a local port answers for itself.
    const behind = this.engine.macs.lookup(s.vid, n.mac);
    if (behind !== 0 && behind !== s.port) return false;
    const r = this.arpBuf;
    r.fill(0);
    writeEthernet(r, 0, sha, n.mac, ETHERTYPE_ARP, -1);
    writeArp(r, ETH_HEADER_LEN, ARP_REPLY, n.mac, tpa, sha, spa);
    s.stats.arpProxied++;
    s.rx?.(r, r.length);
    return true;
  }

  // ===================================================================== receive (tunnel -> bridge)

  /** A UDP datagram to the VTEP's port: buf[off, off+len) is its payload. */
  receive(buf: Uint8Array, off: number, len: number, src: number, dst: number): void {
    const x = this.settings;
    if (x.sourceAddress === null || this.why !== '') {
      this.drops[VtepDrop.DOWN]!++;
      return;
    }
    if (dst >>> 0 !== x.sourceAddress >>> 0) {
      this.drops[VtepDrop.NOT_LOCAL_VTEP]!++;
      return;
    }
    const vni = parseVxlan(buf, off, off + len);
    if (vni < 0) {
      this.drops[vni === VxlanError.SHORT ? VtepDrop.SHORT : vni === VxlanError.BAD_FLAGS ? VtepDrop.BAD_FLAGS : VtepDrop.SHORT_FRAME]!++;
      return;
    }
    const s = this.segments.get(vni);
    if (s === undefined) {
      this.drops[VtepDrop.UNKNOWN_VNI]!++;
      return;
    }
    const inner = off + VXLAN_HEADER_LEN, innerLen = len - VXLAN_HEADER_LEN;
    const smac = readMac(buf, inner + 6);
    if (smac === this.ownMac) {
      s.stats.drops[VtepDrop.OWN_MAC]!++;
      return;
    }
    if (x.learning && smac !== 0 && !isMulticastMac(smac)) {
      if (this.fdb.learn(vni, smac, src >>> 0, x.udpPort, this.engine.clock.now()) === Learned.NEW) this.armAgeing();
    }
    s.stats.rxFrames++;
    s.stats.rxBytes += innerLen;
    s.rx?.(buf.subarray(inner, inner + innerLen), innerLen);
  }
}


/** A UdpBinder on the appliance's host stack (the port joins the stack's reservation). */
export function stackBinder(stack: HostStack): UdpBinder {
  return (port, onDatagram) => {
    const s = stack.udp(port, (d) => onDatagram(d.buf, d.meta.payloadOff, d.meta.payloadLen, d.src, d.dst));
    return s === null ? null : () => s.close();
  };
}
