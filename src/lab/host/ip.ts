// IPv4 for a lab host: routing (connected networks, static routes, a default gateway), local
// delivery (any local address on any interface: Linux's weak host model, rp_filter off),
// forwarding for routers (TTL, ICMP errors), IP-in-IP decapsulation that can be switched
// off, in which case the host answers ICMP protocol 4 unreachable quoting the packet, and the
// DSCP -> VIP restore of an L3DSR-with-DSCP real (what its kernel module or tc program does).

import { maskOf, networkOf, prefixContains, type Ipv4, type Mac, type Prefix } from '../../net/addr.js';
import { readU32 } from '../../packet/bytes.js';
import { decodeFrame } from '../../packet/decode.js';
import { ETH_HEADER_LEN, ETHERTYPE_IPV4, writeEthernet } from '../../packet/ethernet.js';
import {
  ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, ICMP_NET_UNREACH, ICMP_PROTO_UNREACH, ICMP_TIME_EXCEEDED, ICMP_TTL_EXCEEDED,
  parseIcmpQuote,
} from '../../packet/icmp.js';
import {
  IP_FLAG_DF, IPPROTO_ICMP, IPPROTO_IPIP, IPPROTO_TCP, IPPROTO_UDP, IPV4_HEADER_LEN, setIpv4Checksum, writeIpv4Header,
} from '../../packet/ipv4.js';
import {
  DECODE_VERIFY_IP_CHECKSUM, DECODE_VERIFY_L4_CHECKSUM, DropReason, InnerKind, IpMeta, PacketMeta,
} from '../../packet/meta.js';
import { rewriteIpv4Dst } from '../../packet/rewrite.js';
import type { Host } from './host.js';
import type { Nic } from './nic.js';

export const DECODE_FLAGS = DECODE_VERIFY_IP_CHECKSUM | DECODE_VERIFY_L4_CHECKSUM;

export interface StaticRoute {
  readonly dest: Prefix;
  readonly gateway: Ipv4;
}

export interface RouteResult {
  readonly nic: Nic;
  readonly nextHop: Ipv4;
  /** The source address a locally originated packet takes on this route. */
  readonly src: Ipv4 | null;
}

export interface IpStats {
  received: number;
  delivered: number;
  forwarded: number;
  sent: number;
  /** Bad headers/checksums, not for us, no route, TTL expired, unknown protocols. */
  dropped: number;
  decapsulated: number;
  /** Packets whose destination was restored to a VIP from their DSCP (L3DSR with DSCP). */
  vipRestored: number;
}

export interface SendOptions {
  /** Source MAC for the frame (a router's forwarding MAC); default the interface's txMac. */
  readonly srcMac?: Mac;
}

export class IpLayer {
  /** Routes packets that are not for this host (a router). */
  forwarding = false;
  /** IP-in-IP decapsulation (Linux's ipip module with a tunnel that matches). */
  ipip = true;
  /** TTL of the packets this host originates. */
  ttl = 64;
  readonly routes: StaticRoute[] = [];
  /**
   * L3DSR with DSCP: DSCP -> VIP. A packet that arrives for one of this host's interface
   * addresses marked with a DSCP listed here is readdressed to the VIP before local delivery
   * (the VIP must then be one of this host's addresses, on `lo`), so the host answers from it.
   */
  readonly dscpVips = new Map<number, Ipv4>();
  /** A router's detour for packets it would forward (a gateway load balancer's); true: taken. */
  steer: ((nic: Nic, buf: Uint8Array, m: PacketMeta) => boolean) | null = null;
  readonly stats: IpStats = { received: 0, delivered: 0, forwarded: 0, sent: 0, dropped: 0, decapsulated: 0, vipRestored: 0 };
  private nextIpId: number;

  constructor(private readonly host: Host) {
    this.nextIpId = host.rng.int(0, 0xffff);
  }

  newId(): number {
    this.nextIpId = (this.nextIpId + 1) & 0xffff;
    return this.nextIpId;
  }

  addRoute(dest: Prefix, gateway: Ipv4): void {
    const d = { addr: networkOf(dest), len: dest.len };
    const i = this.routes.findIndex((r) => r.dest.addr === d.addr && r.dest.len === d.len);
    if (i >= 0) this.routes.splice(i, 1);
    this.routes.push({ dest: d, gateway });
  }

  removeRoute(dest: Prefix): boolean {
    const i = this.routes.findIndex((r) => r.dest.addr === networkOf(dest) && r.dest.len === dest.len);
    if (i < 0) return false;
    this.routes.splice(i, 1);
    return true;
  }

  get defaultGateway(): Ipv4 | null {
    return this.routes.find((r) => r.dest.len === 0)?.gateway ?? null;
  }

  /** An address of this host (on any interface, `lo` included), or loopback 127/8. */
  isLocal(a: number): boolean {
    a >>>= 0;
    if (a >>> 24 === 127) return true;
    for (const n of this.host.allNics()) if (n.hasAddress(a)) return true;
    return false;
  }

  /** Longest-prefix match over the connected networks and the static routes. */
  route(dst: number): RouteResult | null {
    dst >>>= 0;
    let best: RouteResult | null = null;
    let bestLen = -1;
    for (const nic of this.host.nics) {
      if (!nic.end) continue;
      for (const p of nic.addrs) {
        if (p.len < 32 && p.len > bestLen && prefixContains(p, dst)) {
          best = { nic, nextHop: dst as Ipv4, src: nic.addressFor(dst) };
          bestLen = p.len;
        }
      }
    }
    for (const r of this.routes) {
      if (r.dest.len <= bestLen || ((dst & maskOf(r.dest.len)) >>> 0) !== r.dest.addr) continue;
      const via = this.connectedNic(r.gateway);
      if (!via) continue;
      best = { nic: via, nextHop: r.gateway, src: via.addressFor(r.gateway) };
      bestLen = r.dest.len;
    }
    return best;
  }

  private connectedNic(a: number): Nic | null {
    let best: Nic | null = null;
    let bestLen = -1;
    for (const nic of this.host.nics) {
      if (!nic.end) continue;
      for (const p of nic.addrs) if (p.len < 32 && p.len > bestLen && prefixContains(p, a)) { best = nic; bestLen = p.len; }
    }
    return best;
  }

  /** A received IPv4 frame, decoded into `m`. */
  receive(nic: Nic, buf: Uint8Array, m: PacketMeta): void {
    this.stats.received++;
    if (this.dscpVips.size > 0 && !nic.loopback) this.restoreVip(buf, m);
    const dst = m.ipDst;
    if (this.isLocal(dst) || nic.isBroadcast(dst) || (dst >>> 28) === 0xe) {
      this.deliver(nic, buf, m, m);
    } else if (this.forwarding && !nic.loopback) {
      if (this.steer !== null && this.steer(nic, buf, m)) return;
      this.forward(nic, buf, m);
    } else {
      this.stats.dropped++;
    }
  }

  /**
   * L3DSR with DSCP, as the real's kernel module does on input: a packet for one of our
   * interface addresses whose DSCP has an entry is readdressed to the entry's VIP (header and
   * TCP/UDP checksums fixed incrementally, `m` kept in step), provided the VIP is ours on `lo`.
   */
  private restoreVip(buf: Uint8Array, m: PacketMeta): void {
    const vip = this.dscpVips.get(m.tos >>> 2);
    if (vip === undefined || vip === m.ipDst) return;
    if (!this.host.lo.hasAddress(vip)) return;
    if (!this.host.nics.some((n) => n.hasAddress(m.ipDst))) return;
    rewriteIpv4Dst(buf, m, vip);
    this.stats.vipRestored++;
  }

  /** Local delivery of the IPv4 packet described by `m` (the outer one, or an IP-in-IP inner one). */
  private deliver(nic: Nic, buf: Uint8Array, m: IpMeta, frame: PacketMeta): void {
    if (m.isFragment) {
      // No reassembly in the lab.
      this.stats.dropped++;
      return;
    }
    this.stats.delivered++;
    switch (m.proto) {
      case IPPROTO_ICMP:
        this.host.icmp.receive(nic, buf, m);
        return;
      case IPPROTO_TCP:
        this.host.tcp.receive(nic, buf, m);
        return;
      case IPPROTO_UDP:
        this.host.udp.receive(nic, buf, m);
        return;
      case IPPROTO_IPIP:
        if (this.ipip && m === frame && frame.innerKind === InnerKind.IPIP) {
          const inner = frame.inner;
          this.stats.decapsulated++;
          if (this.isLocal(inner.ipDst)) this.deliver(this.host.tunl0, buf, inner, frame);
          else this.stats.dropped++;
          return;
        }
        if (this.ipip) {
          this.stats.dropped++;
          return;
        }
        break;
    }
    // No handler for the protocol (or IP-in-IP switched off): protocol unreachable.
    this.host.icmp.sendError(ICMP_DEST_UNREACH, ICMP_PROTO_UNREACH, 0, buf, m.l3Off, m.l3End, nic);
  }

  private forward(nic: Nic, buf: Uint8Array, m: PacketMeta): void {
    if (m.ttl <= 1) {
      this.stats.dropped++;
      this.host.icmp.sendError(ICMP_TIME_EXCEEDED, ICMP_TTL_EXCEEDED, 0, buf, m.l3Off, m.l3End, nic);
      return;
    }
    const r = this.route(m.ipDst);
    if (!r) {
      this.stats.dropped++;
      this.host.icmp.sendError(ICMP_DEST_UNREACH, ICMP_NET_UNREACH, 0, buf, m.l3Off, m.l3End, nic);
      return;
    }
    const pkt = buf.slice(m.l3Off, m.l3End);
    pkt[8] = pkt[8]! - 1;
    setIpv4Checksum(pkt, 0);
    this.stats.forwarded++;
    const srcMac = r.nic.txMacByIngress.get(nic.name) ?? r.nic.txMac;
    this.host.arp.output(r.nic, r.nextHop, pkt, srcMac, () => {
      this.host.icmp.sendError(ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0, pkt, 0, pkt.length, nic);
    });
  }

  /**
   * Sends an IPv4 packet this host originates (header and checksums done). Packets to a local
   * address loop back. Returns false when there is no route (nothing is sent).
   */
  send(packet: Uint8Array, opts: SendOptions = {}): boolean {
    const dst = readU32(packet, 16);
    if (this.isLocal(dst)) {
      this.stats.sent++;
      const frame = new Uint8Array(ETH_HEADER_LEN + packet.length);
      writeEthernet(frame, 0, 0, 0, ETHERTYPE_IPV4);
      frame.set(packet, ETH_HEADER_LEN);
      this.host.clock.setTimeout(() => {
        const m = new PacketMeta();
        if (decodeFrame(frame, frame.length, m, DECODE_FLAGS) === DropReason.OK) this.receive(this.host.lo, frame, m);
      }, 0);
      return true;
    }
    const r = this.route(dst);
    if (!r) return false;
    this.stats.sent++;
    this.host.arp.output(r.nic, r.nextHop, packet, opts.srcMac ?? r.nic.txMac, () => this.localUnreachable(packet));
    return true;
  }

  /** A packet of ours could not be delivered to the next hop: tell its socket, as Linux does. */
  private localUnreachable(packet: Uint8Array): void {
    const q = new IpMeta();
    if (parseIcmpQuote(packet, 0, packet.length, q)) this.host.icmpErrorArrived(q, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0 as Ipv4);
  }

  /**
   * Allocates an IPv4 packet with a 20-byte header for `l4Len` bytes of payload; the caller
   * writes the payload at offset 20 (and its checksum).
   */
  packet(src: number, dst: number, proto: number, l4Len: number, opts: { ttl?: number; tos?: number; df?: boolean; id?: number } = {}): Uint8Array {
    const buf = new Uint8Array(IPV4_HEADER_LEN + l4Len);
    writeIpv4Header(buf, 0, src, dst, proto, buf.length, opts.ttl ?? this.ttl, opts.id ?? this.newId(),
      opts.df ? IP_FLAG_DF : 0, opts.tos ?? 0);
    return buf;
  }
}

