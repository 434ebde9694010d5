// The appliance's own host stack: sockets on its addresses, through the engine like any other
// traffic (routing, ARP, encapsulation, captures). UDP, raw IP protocols (ESP 50, VRRP 112 ...),
// ICMP echo, multicast groups and TCP (src/net/tcp, the one TCP of the project, shared with the
// lab hosts). One reservation of local ports serves the stack and the health monitor, so a
// probe never takes a port a control-plane protocol listens on.
//
// Control-plane protocols (BGP, IKE, VRRP) use only this and the routing table: they never
// reach into the engine's stages.

import type { ListenFilter, LocalPacket } from '../health/probe-io.js';
import { NumberPool } from '../health/number-pool.js';
import type { Ipv4 } from '../net/addr.js';
import { IP_FLAG_DF, IPPROTO_TCP, IPPROTO_UDP, IPV4_HEADER_LEN, IPV4_MAX_LEN, writeIpv4Header } from '../packet/ipv4.js';
import { readU16 } from '../packet/bytes.js';
import { ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED } from '../packet/icmp.js';
import {
  LINUX_TCP, TcpStack, type ConnectOptions, type ListenOptions, type TcpConnection, type TcpOutputOptions,
} from '../net/tcp/index.js';
import type { IpMeta } from '../packet/meta.js';
import { setUdpChecksum, writeUdpHeader } from '../packet/udp.js';
import type { Clock } from '../util/clock.js';
import type { Prng } from '../util/prng.js';

/** What the stack needs from the engine (Engine implements it). */
export interface StackEngine {
  readonly clock: Clock;
  /** The source address toward `dst` (its egress interface's), or null when unroutable. */
  sourceFor(dst: Ipv4): Ipv4 | null;
  /** Sends an IPv4 packet (header included, checksums done) as the appliance; false when unroutable. */
  sendIpv4(packet: Uint8Array, len: number): boolean;
  listen(filter: ListenFilter, handler: (p: LocalPacket) => void): () => void;
  joinGroup(group: Ipv4): void;
  leaveGroup(group: Ipv4): void;
  /** Whether `addr` is one of the appliance's own addresses. */
  isOwnAddress(addr: Ipv4): boolean;
}

export interface SendOptions {
  /** Source address; default: the egress interface's. */
  readonly src?: Ipv4;
  readonly ttl?: number;
  readonly tos?: number;
  readonly df?: boolean;
}

/** A received datagram or raw packet: addresses, the packet and its decoded fields (valid during the call only). */
export interface Received {
  readonly src: Ipv4;
  readonly dst: Ipv4;
  readonly ttl: number;
  readonly buf: Uint8Array;
  readonly meta: IpMeta;
  /** The payload (after the UDP header; after the IP header for raw sockets), a view valid during the call. */
  readonly payload: Uint8Array;
}

export const DEFAULT_TTL = 64;

export class UdpSocket {
  private closed = false;
  constructor(private readonly stack: HostStack, readonly port: number, private readonly stop: () => void) {}

  /** Sends `data` to dst:dport from this socket's port. False when unroutable or closed. */
  send(dst: Ipv4, dport: number, data: Uint8Array, opts: SendOptions = {}): boolean {
    if (this.closed) return false;
    return this.stack.sendUdp(this.port, dst, dport, data, opts);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stop();
  }
}

export class RawSocket {
  private closed = false;
  constructor(private readonly stack: HostStack, readonly proto: number, private readonly stop: () => void) {}

  /** Sends `payload` as an IP packet of this socket's protocol. */
  send(dst: Ipv4, payload: Uint8Array, opts: SendOptions = {}): boolean {
    if (this.closed) return false;
    return this.stack.sendIp(dst, this.proto, payload, payload.length, opts);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stop();
  }
}

export class HostStack {
  /** Local TCP/UDP ports in use: explicit binds and ephemeral draws, of the stack and the health monitor alike. */
  readonly ports: NumberPool;
  /** ICMP echo identifiers in use (pings and health probes). */
  readonly echoIds: NumberPool;
  /**
   * The appliance's TCP (Linux's habits). Use `tcpListen` and `tcpConnect`: they reserve the
   * port and route its segments from the engine to this stack.
   */
  readonly tcp: TcpStack;
  private readonly groups = new Map<number, number>();
  private readonly out = new Uint8Array(IPV4_MAX_LEN);
  private ipId: number;
  /** Ports of stopped listeners whose accepted connections still live. */
  private readonly lingering = new Set<number>();
  /** Engine listeners of the TCP ports in use (listening and ephemeral), by port. */
  private readonly tcpPorts = new Map<number, () => void>();

  constructor(readonly engine: StackEngine, readonly rng: Prng) {
    this.ports = new NumberPool(1024, 65535, rng);
    this.echoIds = new NumberPool(1, 65535, rng);
    this.ipId = rng.int(0, 0xffff);
    this.tcp = new TcpStack({
      clock: engine.clock, rng, profile: LINUX_TCP,
      output: (src, dst, seg, len, o) => this.sendTcpSegment(src, dst, seg, len, o),
      localAddressFor: (dst) => engine.sourceFor(dst as Ipv4),
      allocPort: () => {
        const p = this.ports.take();
        if (p < 0) return null;
        this.routeTcpPort(p);
        return p;
      },
      releasePort: (p) => this.releaseTcpPort(p),
    });
    engine.listen({ proto: 'icmp-error' }, (lp) => {
      const m = lp.meta, q = m.inner;
      if (q.proto !== IPPROTO_TCP || !this.tcpPorts.has(q.sport)) return;
      const mtu = m.icmpType === ICMP_DEST_UNREACH && m.icmpCode === ICMP_FRAG_NEEDED ? readU16(lp.frame, m.l4Off + 6) : 0;
      this.tcp.icmpError(q, m.icmpType, m.icmpCode, mtu);
    });
  }

  /**
   * Listens on TCP port `port` (a well-known one: BGP's 179); null when the port is taken.
   * Returns the function that stops listening (connections already accepted go on).
   */
  tcpListen(port: number, onAccept: (c: TcpConnection) => void, opts: ListenOptions = {}): (() => void) | null {
    // A port held only by the connections of a stopped listener can be listened on again at
    // once (as SO_REUSEADDR allows on Linux while they linger in TIME_WAIT).
    if (this.lingering.has(port)) this.lingering.delete(port);
    else if (!this.ports.reserve(port)) return null;
    this.routeTcpPort(port);
    const stop = this.tcp.listen(port, onAccept, opts);
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      stop();
      this.releaseWhenIdle(port);
    };
  }

  /** Gives a listening port back once no accepted connection uses it any more (unless listened on again meanwhile). */
  private releaseWhenIdle(port: number): void {
    if (this.tcp.isListening(port)) return;
    if (!this.tcp.connections().some((c) => c.lport === port)) {
      this.lingering.delete(port);
      this.releaseTcpPort(port);
      return;
    }
    this.lingering.add(port);
    this.clock.setTimeout(() => {
      if (this.lingering.has(port)) this.releaseWhenIdle(port);
    }, 1000);
  }

  /** Opens a TCP connection from the appliance (source: the egress interface's address unless given). */
  tcpConnect(dst: Ipv4, dport: number, opts: ConnectOptions = {}): TcpConnection {
    if (opts.sport !== undefined) {
      if (!this.ports.reserve(opts.sport)) throw new RangeError(`local port ${opts.sport} is in use`);
      this.routeTcpPort(opts.sport);
    }
    return this.tcp.connect(dst, dport, opts);
  }

  private routeTcpPort(port: number): void {
    if (this.tcpPorts.has(port)) return;
    this.tcpPorts.set(port, this.engine.listen({ proto: IPPROTO_TCP, localPort: port }, (lp) => {
      const m = lp.meta;
      this.tcp.input(m.ipSrc, m.ipDst, lp.frame, m);
    }));
  }

  private releaseTcpPort(port: number): void {
    const stop = this.tcpPorts.get(port);
    if (stop === undefined) return;
    stop();
    this.tcpPorts.delete(port);
    this.ports.release(port);
  }

  private sendTcpSegment(src: number, dst: number, seg: Uint8Array, len: number, o: Readonly<TcpOutputOptions>): boolean {
    if (len + IPV4_HEADER_LEN > IPV4_MAX_LEN) return false;
    const b = this.out;
    b.set(seg.subarray(0, len), IPV4_HEADER_LEN);
    writeIpv4Header(b, 0, src, dst, IPPROTO_TCP, IPV4_HEADER_LEN + len, o.ttl, o.id ?? this.nextIpId(), o.df ? IP_FLAG_DF : 0, o.tos);
    return this.engine.sendIpv4(b, IPV4_HEADER_LEN + len);
  }

  get clock(): Clock {
    return this.engine.clock;
  }

  nextIpId(): number {
    this.ipId = (this.ipId + 1) & 0xffff;
    return this.ipId;
  }

  /** The source address the appliance uses toward `dst`, or null when unroutable. */
  sourceFor(dst: Ipv4): Ipv4 | null {
    return this.engine.sourceFor(dst);
  }

  /**
   * Sends payload[0, len) as an IPv4 packet of protocol `proto` to `dst`, the header built
   * here (source: opts.src or the egress interface's). False when unroutable or too big.
   */
  sendIp(dst: Ipv4, proto: number, payload: Uint8Array, len: number, opts: SendOptions = {}): boolean {
    const src = opts.src ?? this.engine.sourceFor(dst);
    if (src === null || src === undefined || len + IPV4_HEADER_LEN > IPV4_MAX_LEN) return false;
    const b = this.out;
    b.set(payload.subarray(0, len), IPV4_HEADER_LEN);
    writeIpv4Header(b, 0, src, dst, proto, IPV4_HEADER_LEN + len, opts.ttl ?? DEFAULT_TTL, this.nextIpId(),
      opts.df ? IP_FLAG_DF : 0, opts.tos ?? 0);
    return this.engine.sendIpv4(b, IPV4_HEADER_LEN + len);
  }

  /** A packet already whole (header and checksums done by the caller: ICMP echo, TCP). */
  sendPacket(packet: Uint8Array, len: number): boolean {
    return this.engine.sendIpv4(packet, len);
  }

  sendUdp(sport: number, dst: Ipv4, dport: number, data: Uint8Array, opts: SendOptions = {}): boolean {
    const src = opts.src ?? this.engine.sourceFor(dst);
    const udpLen = 8 + data.length;
    if (src === null || src === undefined || udpLen + IPV4_HEADER_LEN > IPV4_MAX_LEN) return false;
    const b = this.out, l4 = IPV4_HEADER_LEN;
    writeUdpHeader(b, l4, sport, dport, udpLen);
    b.set(data, l4 + 8);
    setUdpChecksum(b, l4, udpLen, src, dst);
    writeIpv4Header(b, 0, src, dst, IPPROTO_UDP, IPV4_HEADER_LEN + udpLen, opts.ttl ?? DEFAULT_TTL, this.nextIpId(),
      opts.df ? IP_FLAG_DF : 0, opts.tos ?? 0);
    return this.engine.sendIpv4(b, IPV4_HEADER_LEN + udpLen);
  }

  /**
   * A UDP socket on local port `port` (0: an ephemeral one). Null when the port is taken.
   * Datagrams to any of the appliance's addresses (or a joined group) on that port reach `onDatagram`.
   */
  udp(port: number, onDatagram: (d: Received, sport: number) => void): UdpSocket | null {
    const p = port === 0 ? this.ports.take() : this.ports.reserve(port) ? port : -1;
    if (p < 0) return null;
    const stop = this.engine.listen({ proto: IPPROTO_UDP, localPort: p }, (lp) => {
      const m = lp.meta;
      const off = m.payloadOff;
      onDatagram({ src: m.ipSrc as Ipv4, dst: m.ipDst as Ipv4, ttl: m.ttl, buf: lp.frame, meta: m,
        payload: lp.frame.subarray(off, off + m.payloadLen) }, m.sport);
    });
    return new UdpSocket(this, p, () => {
      stop();
      this.ports.release(p);
    });
  }

  /** A raw socket for IP protocol `proto`: every packet of it addressed to the appliance reaches `onPacket`. */
  raw(proto: number, onPacket: (r: Received) => void): RawSocket {
    const stop = this.engine.listen({ proto: 'raw', ipProto: proto }, (lp) => {
      const m = lp.meta;
      onPacket({ src: m.ipSrc as Ipv4, dst: m.ipDst as Ipv4, ttl: m.ttl, buf: lp.frame, meta: m,
        payload: lp.frame.subarray(m.l4Off, m.l3End) });
    });
    return new RawSocket(this, proto, stop);
  }

  /** Joins a multicast group (counted: it is left when every joiner has left). */
  joinGroup(group: Ipv4): void {
    const n = this.groups.get(group) ?? 0;
    this.groups.set(group, n + 1);
    if (n === 0) this.engine.joinGroup(group);
  }

  leaveGroup(group: Ipv4): void {
    const n = this.groups.get(group) ?? 0;
    if (n <= 1) {
      this.groups.delete(group);
      if (n === 1) this.engine.leaveGroup(group);
    } else this.groups.set(group, n - 1);
  }
}
