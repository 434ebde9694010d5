// The appliance as a target of a gateway load balancer (`geneve-appliance`, file 002): GENEVE
// datagrams to UDP 6081 of its interface address are decapsulated (a host-stack UDP socket),
// the inner packet goes through the appliance's policy — filters with hit counters (include:
// returned, exclude: dropped; the default action for the rest) and, optionally, per-flow
// sessions (a packet that neither starts a flow nor belongs to one is dropped) — and is
// returned as AWS specifies and file 002 shows: the received packet byte for byte, the outer
// addresses swapped, the UDP ports as received (60001 -> 6081 comes back 60001 -> 6081), the
// TTL one less (the file's appliance routes it back: ttl 255 in, 254 out; id and flags kept).
// Swapping the addresses leaves the UDP checksum valid, so the GENEVE header, every option
// (unknown extra ones too) and the inner packet are untouched. The appliance never starts a
// flow of its own inside the tunnel. A health port answers the gateway's TCP/HTTP checks.
//
// Bad input (truncated GENEVE, option lengths past the header, unknown critical options,
// another protocol type, a missing AWS option, a bad inner packet) is counted and dropped.

import type { FilterConfig, GeneveApplianceConfig, RunningConfig } from '../config/model.js';
import { maskOf, type Ipv4 } from '../net/addr.js';
import { writeU32 } from '../packet/bytes.js';
import { decodeIpv4 } from '../packet/decode.js';
import { GENEVE_ERROR_NAMES, GENEVE_PROTO_IPV4, GeneveError, GeneveMeta, gwlbCheck, parseGeneve } from '../packet/geneve.js';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, IPV4_MAX_LEN, setIpv4Checksum } from '../packet/ipv4.js';
import { DECODE_VERIFY_IP_CHECKSUM, DropReason, IpMeta } from '../packet/meta.js';
import { TCP_ACK, TCP_RST, TCP_SYN } from '../packet/tcp.js';
import { SessionState, SessionTable, dirOf, sidOf, tcpInitialState } from '../engine/session/index.js';
import type { HostStack, Received, UdpSocket } from '../stack/host-stack.js';
import { HealthPort } from './health-port.js';
import type { Timer } from '../util/clock.js';

/** Why the appliance dropped a datagram (GENEVE parse errors keep their codes 1..7). */
export const ApplianceDrop = {
  /** Sent to another address of the appliance than the configured interface's. */
  WRONG_ADDRESS: 8,
  /** The inner packet (IPv4) does not decode. */
  BAD_INNER: 9,
  /** An exclude filter (or the default action drop) matched. */
  POLICY: 10,
  /** Sessions on: the packet neither starts a flow nor belongs to a known one. */
  UNKNOWN_FLOW: 11,
  /** The outer TTL would reach 0 on the way back. */
  TTL_EXCEEDED: 12,
  /** The return could not be sent (no route to the gateway). */
  NO_ROUTE: 13,
  /** Sessions on and the table is full. */
  TABLE_FULL: 14,
} as const;

export const APPLIANCE_DROP_NAMES: readonly string[] = [
  ...GENEVE_ERROR_NAMES, 'wrong-address', 'bad-inner', 'policy', 'unknown-flow', 'ttl-exceeded', 'no-route', 'table-full',
];

/** Flow idle timeouts of the per-flow sessions, as a gateway's (TCP 350 s, others 120 s). */
const SESSION_TIMEOUTS = { tcp: 350, tcpSyn: 60, tcpFin: 60, udp: 120, icmp: 120 };
const SESSION_CAPACITY = 65536;

interface CompiledFilter {
  readonly id: number;
  readonly include: boolean;
  readonly proto: number;
  readonly srcNet: number;
  readonly srcMask: number;
  readonly dstNet: number;
  readonly dstMask: number;
}

function compile(f: FilterConfig): CompiledFilter {
  const proto = f.protocol === 'tcp' ? IPPROTO_TCP : f.protocol === 'udp' ? IPPROTO_UDP : f.protocol === 'icmp' ? IPPROTO_ICMP : 0;
  const sm = maskOf(f.srcIp.len), dm = maskOf(f.dstIp.len);
  return {
    id: f.id, include: f.type === 'include', proto,
    srcNet: (f.srcIp.addr & sm) >>> 0, srcMask: sm, dstNet: (f.dstIp.addr & dm) >>> 0, dstMask: dm,
  };
}

/** One per-flow session, for `show geneve-appliance sessions`. */
export interface ApplianceSessionRow {
  readonly proto: number;
  readonly src: Ipv4; readonly sport: number; readonly dst: Ipv4; readonly dport: number;
  readonly cookie: number;
  readonly packetsOrig: number; readonly packetsReply: number;
  readonly state: string;
  readonly idleMs: number;
}

export interface ApplianceCounters {
  readonly received: number;
  readonly returned: number;
  readonly drops: Readonly<Record<string, number>>;
  /** Inner packets no filter matched (the default action's). */
  readonly defaultHits: number;
}

export class GeneveAppliance {
  private cfg: GeneveApplianceConfig | null = null;
  private ifaceAddr = 0;
  private socket: UdpSocket | null = null;
  private health: HealthPort | null = null;
  private healthRetry: Timer | null = null;
  private filters: CompiledFilter[] = [];
  private defaultReturn = true;
  private sessionsOn = false;
  /** Per-flow sessions (one table, created the first time they are switched on). */
  private table: SessionTable | null = null;
  private readonly g = new GeneveMeta();
  private readonly inner = new IpMeta();
  private readonly out = new Uint8Array(IPV4_MAX_LEN);
  /** Hits by filter id (kept while the filter exists). */
  readonly hits = new Map<number, number>();
  received = 0;
  returned = 0;
  defaultHits = 0;
  readonly drops = new Float64Array(APPLIANCE_DROP_NAMES.length);

  constructor(private readonly stack: HostStack) {}

  /** Follows the running config: (re)opens the sockets when the section or the interfaces changed. */
  configure(next: RunningConfig, prev: RunningConfig | null): void {
    const a = next.geneveAppliance;
    if (prev !== null && a === this.cfg && prev.interfaces === next.interfaces) return;
    const iface = a === null || a.iface === null ? undefined : next.interfaces.find((i) => i.name === a.iface);
    const addr = iface?.address?.addr ?? 0;
    const reopen = a === null || this.cfg === null || a.status !== this.cfg.status || a.udpPort !== this.cfg.udpPort ||
      a.healthPort !== this.cfg.healthPort;
    this.cfg = a;
    this.ifaceAddr = addr >>> 0;
    if (a === null) {
      this.closeSockets();
      this.table?.clear();
      this.hits.clear();
      return;
    }
    this.filters = a.filters.filter((f) => f.status === 'enable').map(compile);
    const ids = new Set(a.filters.map((f) => f.id as number));
    for (const id of [...this.hits.keys()]) if (!ids.has(id)) this.hits.delete(id);
    this.defaultReturn = a.defaultAction === 'return';
    this.sessionsOn = a.sessions === 'enable';
    if (this.sessionsOn && this.table === null) {
      this.table = new SessionTable({ capacity: SESSION_CAPACITY, maxServices: 1, maxReals: 1, timeouts: SESSION_TIMEOUTS });
    }
    if (!this.sessionsOn) this.table?.clear();
    if (reopen) this.openSockets(a);
  }

  private openSockets(a: GeneveApplianceConfig): void {
    this.closeSockets();
    if (a.status !== 'enable') return;
    this.socket = this.stack.udp(a.udpPort, (d) => this.datagram(d));
    if (a.healthPort !== 0) this.openHealth(a.healthPort);
  }

  /**
   * The health port; while the port is still held (connections of an earlier listener closing
   * after a status disable/enable), tried again every second.
   */
  private openHealth(port: number): void {
    this.health = HealthPort.open(this.stack, port);
    if (this.health !== null) return;
    this.healthRetry = this.stack.clock.setTimeout(() => {
      this.healthRetry = null;
      if (this.socket !== null && this.cfg?.healthPort === port && this.health === null) this.openHealth(port);
    }, 1000);
  }

  private closeSockets(): void {
    this.socket?.close();
    this.socket = null;
    this.health?.close();
    this.health = null;
    this.healthRetry?.cancel();
    this.healthRetry = null;
  }

  close(): void {
    this.closeSockets();
  }

  /** Whether the UDP socket (and the health port, when configured) are open. */
  get listening(): boolean {
    return this.socket !== null;
  }

  get healthListening(): boolean {
    return this.health !== null;
  }

  // ===================================================================== the packet path

  private datagram(d: Received): void {
    this.received++;
    const m = d.meta, buf = d.buf;
    if ((d.dst >>> 0) !== this.ifaceAddr) {
      this.drop(ApplianceDrop.WRONG_ADDRESS);
      return;
    }
    const g = this.g;
    const end = m.payloadOff + m.payloadLen;
    let r = parseGeneve(buf, m.payloadOff, end, g);
    if (r === GeneveError.OK) r = gwlbCheck(g);
    if (r !== GeneveError.OK) {
      this.drop(r);
      return;
    }
    if (g.protocol === GENEVE_PROTO_IPV4) {
      const im = this.inner;
      im.resetIp();
      if (decodeIpv4(buf, g.payloadOff, end, im, DECODE_VERIFY_IP_CHECKSUM) !== DropReason.OK) {
        this.drop(ApplianceDrop.BAD_INNER);
        return;
      }
      if (!this.allowed(im)) {
        this.drop(ApplianceDrop.POLICY);
        return;
      }
      if (this.sessionsOn && !this.tracked(im, g.flowCookie)) return;
    } else if (!this.defaultReturn) {
      // IPv6 inside: the IPv4 filters cannot judge it; the default action does.
      this.defaultHits++;
      this.drop(ApplianceDrop.POLICY);
      return;
    } else {
      this.defaultHits++;
    }
    this.sendBack(buf, m.l3Off, m.l3End);
  }

  /** The first enabled filter matching the inner packet decides; none: the default action. */
  private allowed(im: IpMeta): boolean {
    const fs = this.filters, proto = im.proto, src = im.ipSrc >>> 0, dst = im.ipDst >>> 0;
    for (let k = 0; k < fs.length; k++) {
      const f = fs[k]!;
      if ((f.proto === 0 || f.proto === proto) && ((src & f.srcMask) >>> 0) === f.srcNet && ((dst & f.dstMask) >>> 0) === f.dstNet) {
        this.hits.set(f.id, (this.hits.get(f.id) ?? 0) + 1);
        return f.include;
      }
    }
    this.defaultHits++;
    return this.defaultReturn;
  }

  /** Sessions on: the packet's flow, created by a packet that may start one. False (counted) when dropped. */
  private tracked(im: IpMeta, cookie: number): boolean {
    const t = this.table!, now = this.stack.clock.now();
    const proto = im.proto;
    const ported = (proto === IPPROTO_TCP || proto === IPPROTO_UDP) && !im.isFragment;
    const src = im.ipSrc >>> 0, dst = im.ipDst >>> 0, sport = ported ? im.sport : 0, dport = ported ? im.dport : 0;
    const len = im.l3End - im.l3Off;
    const ref = t.lookup(now, proto, src, sport, dst, dport);
    if (ref >= 0) {
      t.touch(sidOf(ref), now, dirOf(ref), im.tcpFlags, len);
      return true;
    }
    if (proto === IPPROTO_TCP && (im.tcpFlags & (TCP_SYN | TCP_ACK | TCP_RST)) !== TCP_SYN) {
      this.drop(ApplianceDrop.UNKNOWN_FLOW);
      return false;
    }
    const sid = t.insert(now, proto, src, sport, dst, dport, dst, dport, 0, 0, 0, cookie,
      proto === IPPROTO_TCP ? tcpInitialState(im.tcpFlags) : SessionState.NONE);
    if (sid < 0) {
      this.drop(ApplianceDrop.TABLE_FULL);
      return false;
    }
    t.touch(sid, now, 0, im.tcpFlags, len);
    return true;
  }

  /** The received packet buf[l3, end) back to where it came from: addresses swapped, TTL - 1, the rest as it was. */
  private sendBack(buf: Uint8Array, l3: number, end: number): void {
    const ttl = buf[l3 + 8]!;
    if (ttl <= 1) {
      this.drop(ApplianceDrop.TTL_EXCEEDED);
      return;
    }
    const len = end - l3, b = this.out;
    b.set(buf.subarray(l3, end), 0);
    const src = ((b[12]! << 24) | (b[13]! << 16) | (b[14]! << 8) | b[15]!) >>> 0;
    const dst = ((b[16]! << 24) | (b[17]! << 16) | (b[18]! << 8) | b[19]!) >>> 0;
    writeU32(b, 12, dst);
    writeU32(b, 16, src);
    b[8] = ttl - 1;
    setIpv4Checksum(b, 0);
    if (!this.stack.sendPacket(b, len)) {
      this.drop(ApplianceDrop.NO_ROUTE);
      return;
    }
    this.returned++;
  }

  private drop(reason: number): void {
    this.drops[reason]!++;
  }

  // ===================================================================== show

  counters(): ApplianceCounters {
    const drops: Record<string, number> = {};
    for (let i = 1; i < this.drops.length; i++) if (this.drops[i]! > 0) drops[APPLIANCE_DROP_NAMES[i]!] = this.drops[i]!;
    return { received: this.received, returned: this.returned, drops, defaultHits: this.defaultHits };
  }

  clearCounters(): void {
    this.received = this.returned = this.defaultHits = 0;
    this.drops.fill(0);
    this.hits.clear();
  }

  sessions(): ApplianceSessionRow[] {
    const t = this.table;
    if (t === null || !this.sessionsOn) return [];
    const now = this.stack.clock.now();
    const rows: ApplianceSessionRow[] = [];
    t.forEach((sid) => {
      const i = t.info(sid);
      rows.push({
        proto: i.proto, src: i.clientIp as Ipv4, sport: i.clientPort, dst: i.vip as Ipv4, dport: i.vport, cookie: i.natData,
        packetsOrig: i.packetsOrig, packetsReply: i.packetsReply, state: i.stateName, idleMs: now - i.lastSeen,
      });
    }, { now });
    return rows;
  }
}
