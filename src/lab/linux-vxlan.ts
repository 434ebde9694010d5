// A lab host's Linux vxlan device, as file 004 makes it on the far host (192.168.104.3):
// `ip link add vxlan1 type vxlan id 42 proxy learning dstport 4789`, enslaved to a bridge.
// Plugged into a lab link toward that bridge (an L2Switch), it behaves as Linux does, which is
// what pask's VTEP must interoperate with (facts in the interop notes):
//  - from the bridge: a frame to a MAC of its FDB goes to that VTEP, anything else to every
//    all-zeros entry, or nowhere; with `proxy`, ARP never enters the tunnel: a request is
//    answered from the device's neighbour table (`ip neigh add ... dev vxlan1`) or dropped;
//  - from the tunnel (UDP to its port on the host): VXLAN of its VNI is decapsulated, the
//    inner source MAC learned (`dst` = the outer source, no `permanent`), the frame handed to
//    the bridge; learned entries age out 300 s after the last frame from their MAC (checked
//    every 10 s, as the kernel's cleanup timer);
//  - outer headers: TTL 64, UDP checksum filled, source port hashed per inner flow.

import { isMulticastMac, readMac, type Ipv4, type Mac } from '../net/addr.js';
import { ARP_REPLY, ARP_REQUEST, writeArp } from '../packet/arp.js';
import { readU16, readU32 } from '../packet/bytes.js';
import { ETH_HEADER_LEN, ETHERTYPE_ARP, writeEthernet } from '../packet/ethernet.js';
import { parseVxlan, VXLAN_HEADER_LEN, VXLAN_PORT, writeVxlanHeader } from '../packet/vxlan.js';
import { vxlanSourcePort } from '../engine/vxlan-encap.js';
import { VxlanFdb } from '../vxlan/fdb.js';
import type { Timer } from '../util/clock.js';
import type { Host } from './host/host.js';
import type { LinkAttachable, LinkEnd } from './link.js';

/** The kernel's FDB cleanup interval (FDB_AGE_INTERVAL). */
const CLEANUP_MS = 10_000;

export interface LinuxVxlanOptions {
  readonly name?: string;
  readonly vni: number;
  readonly dstport?: number;
  readonly proxy?: boolean;
  readonly learning?: boolean;
  /** Seconds (default 300). */
  readonly ageing?: number;
  /** `local ADDR`: the outer source (default: the host's route toward each remote). */
  readonly local?: Ipv4 | null;
}

export class LinuxVxlanDevice implements LinkAttachable {
  readonly name: string;
  readonly vni: number;
  readonly dstport: number;
  readonly proxy: boolean;
  learning: boolean;
  ageingMs: number;
  readonly fdb = new VxlanFdb();
  /** `ip neigh ... dev vxlan1`: address -> MAC (PERMANENT). */
  readonly neigh = new Map<number, Mac>();
  private end: LinkEnd | null = null;
  private readonly local: Ipv4 | null;
  private readonly unbind: () => void;
  private timer: Timer | null = null;
  readonly stats = { rx: 0, tx: 0, txDropped: 0, arpAnswered: 0, arpDropped: 0, rxDropped: 0 };

  constructor(readonly host: Host, opts: LinuxVxlanOptions) {
    this.name = opts.name ?? 'vxlan1';
    this.vni = opts.vni;
    this.dstport = opts.dstport ?? VXLAN_PORT;
    this.proxy = opts.proxy ?? false;
    this.learning = opts.learning ?? true;
    this.ageingMs = (opts.ageing ?? 300) * 1000;
    this.fdb.maxEntries = Number.MAX_SAFE_INTEGER;
    this.local = opts.local ?? null;
    this.unbind = host.udp.bind(this.dstport, { onMessage: (d) => this.fromTunnel(d.payload, d.src) });
    this.timer = host.clock.setInterval(() => this.fdb.age(host.clock.now(), this.ageingMs), CLEANUP_MS);
  }

  get label(): string {
    return `${this.host.name}.${this.name}`;
  }

  plug(end: LinkEnd): void {
    this.end = end;
    end.rx = (frame, len) => this.fromBridge(frame, len);
  }

  close(): void {
    this.unbind();
    this.timer?.cancel();
    this.timer = null;
  }

  // ---- bridge -> tunnel ----

  private fromBridge(frame: Uint8Array, len: number): void {
    if (len < ETH_HEADER_LEN) return;
    if (this.proxy && readU16(frame, 12) === ETHERTYPE_ARP) {
      this.arpReduce(frame, len);
      return;
    }
    const dst = readMac(frame, 0);
    const e = isMulticastMac(dst) ? undefined : this.fdb.lookup(this.vni, dst);
    const targets = e !== undefined ? [e] : this.fdb.floodList(this.vni);
    if (targets.length === 0) {
      this.stats.txDropped++;
      return;
    }
    for (const t of targets) this.send(frame, len, t.remote as Ipv4, t.port);
  }

  private send(frame: Uint8Array, len: number, remote: Ipv4, port: number): void {
    const payload = new Uint8Array(VXLAN_HEADER_LEN + len);
    writeVxlanHeader(payload, 0, this.vni);
    payload.set(frame.subarray(0, len), VXLAN_HEADER_LEN);
    if (this.host.udp.send(this.local, vxlanSourcePort(frame, 0, len), remote, port, payload)) this.stats.tx++;
    else this.stats.txDropped++;
  }

  /** Linux's arp_reduce: a request answered from the neighbour table, every other ARP consumed. */
  private arpReduce(frame: Uint8Array, len: number): void {
    if (len < ETH_HEADER_LEN + 28 || readU16(frame, ETH_HEADER_LEN + 6) !== ARP_REQUEST) {
      this.stats.arpDropped++;
      return;
    }
    const sha = readMac(frame, ETH_HEADER_LEN + 8), spa = readU32(frame, ETH_HEADER_LEN + 14), tpa = readU32(frame, ETH_HEADER_LEN + 24);
    const mac = this.neigh.get(tpa);
    if (mac === undefined) {
      this.stats.arpDropped++;
      return;
    }
    const r = new Uint8Array(60);
    writeEthernet(r, 0, sha, mac, ETHERTYPE_ARP, -1);
    writeArp(r, ETH_HEADER_LEN, ARP_REPLY, mac, tpa, sha, spa);
    this.stats.arpAnswered++;
    this.end?.send(r, r.length);
  }

  // ---- tunnel -> bridge ----

  private fromTunnel(payload: Uint8Array, src: Ipv4): void {
    const vni = parseVxlan(payload, 0, payload.length);
    if (vni !== this.vni) {
      this.stats.rxDropped++;
      return;
    }
    const frame = payload.subarray(VXLAN_HEADER_LEN);
    const smac = readMac(frame, 6);
    if (this.learning && smac !== 0 && !isMulticastMac(smac)) this.fdb.learn(this.vni, smac, src, this.dstport, this.host.clock.now());
    this.stats.rx++;
    this.end?.send(frame, frame.length);
  }

  // ---- what `bridge fdb` and `ip neigh` do ----

  /** `bridge fdb add|append|replace MAC dev vxlan1 self dst ADDR [port P]` (permanent). */
  fdbAdd(mac: Mac, dst: Ipv4, port = this.dstport): void {
    const statics = this.fdb.entries().filter((e) => e.isStatic && !(e.mac === mac && mac !== 0))
      .map((e) => ({ vni: e.vni, mac: e.mac, remote: e.remote, port: e.port }));
    this.fdb.setStatic([...statics, { vni: this.vni, mac, remote: dst, port }], new Set([this.vni]));
  }

  /** `bridge fdb del MAC dev vxlan1 [dst ADDR]`: a static or learned entry. */
  fdbDel(mac: Mac, dst: Ipv4 | null = null): boolean {
    const all = this.fdb.entries();
    const hit = all.filter((e) => e.mac === mac && (dst === null || e.remote === dst));
    if (hit.length === 0) return false;
    const statics = all.filter((e) => e.isStatic && !hit.includes(e)).map((e) => ({ vni: e.vni, mac: e.mac, remote: e.remote, port: e.port }));
    const learned = all.filter((e) => !e.isStatic && !hit.includes(e));
    this.fdb.clear();
    this.fdb.setStatic(statics, new Set([this.vni]));
    for (const e of learned) this.fdb.learn(e.vni, e.mac, e.remote, e.port, e.seen);
    return true;
  }
}

/** The vxlan devices of the lab hosts (for the `lab` commands). */
const devices = new WeakMap<Host, LinuxVxlanDevice>();

export function attachLinuxVxlan(host: Host, opts: LinuxVxlanOptions): LinuxVxlanDevice {
  const d = new LinuxVxlanDevice(host, opts);
  devices.set(host, d);
  return d;
}

export function linuxVxlanOf(host: Host): LinuxVxlanDevice | undefined {
  return devices.get(host);
}
