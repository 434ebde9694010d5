// The appliance's L3 interfaces as first-class objects. Every kind keeps one contract —
// addresses, MTU, up/down state, counters and how a packet leaves through it — so the stages
// route over any of them alike:
//   vlan      an IP interface on a VLAN: output resolves the next hop's MAC (ARP) and emits on
//             the VLAN's ports;
//   loopback  `interface loopback N`: always up, never on a wire; what is routed to it is
//             delivered to the appliance itself;
//   tunnel    a tunnel endpoint (vti, VXLAN, GENEVE): output hands the packet to its
//             TunnelEndpoint, which encapsulates it and sends the outer packet through the
//             engine; what the endpoint decapsulates is re-injected as received on the
//             interface (Engine.inject) and goes through the same stages as any packet.
// Non-VLAN interfaces own a virtual port (above the 16 physical ones) so that counters, port
// boundaries and captures see their traffic like a port's.
//
// Indexes are stable across reconfiguration: an interface keeps its index while it exists,
// so ARP entries and routes that name it stay valid when other interfaces change.

import type { InterfaceConfig, RunningConfig } from '../config/model.js';
import { interfaceKind } from '../config/derived.js';
import { MAX_PORTS, maskOf, PORT_COUNT } from '../net/addr.js';
import type { VlanTable } from './l2.js';

export type InterfaceKind = 'vlan' | 'loopback' | 'tunnel';

export { MAX_PORTS };

/** The MTU of an interface whose link does not say otherwise (Ethernet). */
export const DEFAULT_MTU = 1500;
/** Linux's loopback MTU. */
export const LOOPBACK_MTU = 65536;

export class IfCounters {
  rxPackets = 0;
  rxBytes = 0;
  txPackets = 0;
  txBytes = 0;
  drops = 0;
}

/**
 * A tunnel kind (vti, VXLAN, GENEVE) behind a tunnel interface: what the interface's output
 * does. The endpoint encapsulates and sends the outer packet through the engine (which routes
 * it like any packet the appliance originates) and re-injects what it decapsulates.
 */
export interface TunnelEndpoint {
  readonly type: string;
  /** Bytes the encapsulation adds (the interface MTU is the underlay's minus this). */
  readonly overhead: number;
  /** Sends the IPv4 packet buf[off, off+len) into the tunnel toward next hop `nh`. False when it was dropped. */
  transmit(buf: Uint8Array, off: number, len: number, nh: number): boolean;
}

export class Interface {
  /** The VLAN of a vlan interface, else -1. */
  vid = -1;
  /** Unsigned address, 0 when the interface has none. */
  addr = 0;
  len = 0;
  mask = 0;
  net = 0;
  bcast = 0;
  hasAddr = false;
  mtu: number;
  up = true;
  readonly counters = new IfCounters();
  tunnel: TunnelEndpoint | null = null;

  constructor(
    readonly idx: number,
    readonly name: string,
    readonly kind: InterfaceKind,
    /** The virtual port of a loopback or tunnel interface; 0 for a vlan interface (its frames use the VLAN's ports). */
    readonly port: number,
  ) {
    this.mtu = kind === 'loopback' ? LOOPBACK_MTU : DEFAULT_MTU;
  }

  setAddress(addr: number, len: number): void {
    const mask = len > 0 ? maskOf(len) : 0;
    this.addr = addr >>> 0;
    this.len = len;
    this.mask = mask;
    this.net = (this.addr & mask) >>> 0;
    this.bcast = (this.net | ~mask) >>> 0;
    this.hasAddr = this.addr !== 0;
  }

  clearAddress(): void {
    this.addr = this.len = this.mask = this.net = this.bcast = 0;
    this.hasAddr = false;
  }

  /** Whether `ip` is on this interface's own subnet (a neighbour reachable without a gateway). */
  onLink(ip: number): boolean {
    return this.hasAddr && ((ip & this.mask) >>> 0) === this.net;
  }
}

export class InterfaceTable {
  /** By index; a removed interface leaves a hole until its index is reused. */
  readonly list: (Interface | undefined)[] = [];
  /** The interfaces that exist, in index order. */
  all: Interface[] = [];
  private readonly byName = new Map<string, Interface>();
  /** VLAN id -> interface index, -1 when the VLAN has no (enabled) interface. */
  readonly byVid = new Int16Array(4096).fill(-1);
  /** Virtual port -> interface index (-1 free). */
  readonly byPort = new Int16Array(MAX_PORTS + 1).fill(-1);
  /** Unsigned addresses of the addressed interfaces (parallel to addrIf). */
  private addrs = new Float64Array(0);
  private addrIf = new Int32Array(0);

  /**
   * Brings the table in line with the configuration (data interfaces only: `mgmt` is out of
   * band). Returns whether anything that routes or neighbours depend on changed.
   */
  configure(cfg: RunningConfig, vlans: VlanTable): boolean {
    const wanted = new Map<string, { c: InterfaceConfig; kind: InterfaceKind; vid: number }>();
    for (const c of cfg.interfaces) {
      const k = interfaceKind(c.name);
      if (k === 'mgmt' || c.shutdown) continue;
      if (k === 'vlan') {
        const vid = vlans.byName.get(c.name);
        if (vid !== undefined) wanted.set(c.name, { c, kind: 'vlan', vid });
      } else {
        wanted.set(c.name, { c, kind: 'loopback', vid: -1 });
      }
    }
    let changed = false;
    for (const i of [...this.byName.values()]) {
      const w = wanted.get(i.name);
      if (i.kind === 'tunnel') continue; // tunnel interfaces are added by their own modules
      if (w === undefined || w.kind !== i.kind) {
        this.remove(i);
        changed = true;
      }
    }
    for (const [name, w] of wanted) {
      let i = this.byName.get(name);
      if (i === undefined) {
        i = this.add(name, w.kind);
        changed = true;
      }
      if (i.vid !== w.vid) {
        if (i.vid >= 0 && this.byVid[i.vid] === i.idx) this.byVid[i.vid] = -1;
        i.vid = w.vid;
        if (w.vid >= 0) this.byVid[w.vid] = i.idx;
        changed = true;
      }
      const a = w.c.address;
      if (a === null) {
        if (i.hasAddr) {
          i.clearAddress();
          changed = true;
        }
      } else if (i.addr !== a.addr >>> 0 || i.len !== a.len) {
        i.setAddress(a.addr, a.len);
        changed = true;
      }
    }
    if (changed) this.reindex();
    return changed;
  }

  /** Adds an interface (tunnel kinds are added by their modules; vlan and loopback come from the config). */
  add(name: string, kind: InterfaceKind): Interface {
    let idx = this.list.indexOf(undefined);
    if (idx < 0) idx = this.list.length;
    let port = 0;
    if (kind !== 'vlan') {
      port = this.freePort();
      if (port < 0) throw new RangeError('no virtual port left for another interface');
    }
    const i = new Interface(idx, name, kind, port);
    this.list[idx] = i;
    this.byName.set(name, i);
    if (port > 0) this.byPort[port] = idx;
    this.reindex();
    return i;
  }

  remove(i: Interface): void {
    if (this.byName.get(i.name) !== i) return;
    this.byName.delete(i.name);
    this.list[i.idx] = undefined;
    if (i.vid >= 0 && this.byVid[i.vid] === i.idx) this.byVid[i.vid] = -1;
    if (i.port > 0) this.byPort[i.port] = -1;
    this.reindex();
  }

  /** Reserves a virtual port for an L2 endpoint (a VXLAN VTEP's bridge port); -1 when none is left. */
  reservePort(): number {
    const p = this.freePort();
    if (p > 0) this.byPort[p] = -2;
    return p;
  }

  releasePort(p: number): void {
    if (p > PORT_COUNT && p <= MAX_PORTS && this.byPort[p] === -2) this.byPort[p] = -1;
  }

  private freePort(): number {
    for (let p = PORT_COUNT + 1; p <= MAX_PORTS; p++) if (this.byPort[p] === -1) return p;
    return -1;
  }

  /** Re-reads addresses after an interface's address changed outside configure (a tunnel's). */
  refresh(): void {
    this.reindex();
  }

  private reindex(): void {
    this.all = this.list.filter((i): i is Interface => i !== undefined);
    const addressed = this.all.filter((i) => i.hasAddr);
    this.addrs = Float64Array.from(addressed.map((i) => i.addr));
    this.addrIf = Int32Array.from(addressed.map((i) => i.idx));
  }

  byNameOf(name: string): Interface | undefined {
    return this.byName.get(name);
  }

  /** Index of the interface owning address `ip`, or -1. */
  ownerOf(ip: number): number {
    ip = ip >>> 0;
    const a = this.addrs;
    for (let k = 0; k < a.length; k++) if (a[k] === ip) return this.addrIf[k]!;
    return -1;
  }

  isOwn(ip: number): boolean {
    return this.ownerOf(ip) >= 0;
  }

  /** The addressed vlan interface whose subnet holds `ip` (where its neighbours live), or -1. */
  subnetOf(ip: number): number {
    for (const i of this.all) if (i.kind === 'vlan' && i.onLink(ip)) return i.idx;
    return -1;
  }

  /** Directed broadcast of one of the interfaces. */
  isBroadcast(ip: number): boolean {
    ip = ip >>> 0;
    if (ip === 0xffffffff) return true;
    for (const i of this.all) if (i.hasAddr && i.len < 31 && i.bcast === ip) return true;
    return false;
  }
}
