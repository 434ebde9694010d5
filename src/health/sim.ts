// A simulated network for the health checker: a ProbeIo whose peers are small Linux-like
// hosts built with the packet codecs. It is what the unit tests and the health bench probe;
// it allocates freely and is not meant for the dataplane.
//
// A host owns NIC addresses (one is its RIP) and loopback addresses (VIPs for DSR). Like the
// server of seed 000 it decapsulates IP-in-IP (or, without the ipip module, answers
// "protocol 4 unreachable"), answers from the address a packet was sent to, directly (never
// encapsulated), completes TCP handshakes on listening ports and RSTs closed ones, closes when
// the client closes (FIN/ACK), serves HTTP with `Connection: close`, answers UDP ports it
// serves or sends "port unreachable", and echoes pings. ICMP errors quote the whole datagram
// (Linux: up to 576 bytes in all) or, with quote 'minimal', the IP header + 8 bytes.

import { prefixContains, type Ipv4, type Mac, type Prefix } from '../net/addr.js';
import { buildIcmpEchoFrame, buildIcmpErrorFrame, buildUdpFrame } from '../packet/build.js';
import { readU32 } from '../packet/bytes.js';
import { DECODE_VERIFY_IP_CHECKSUM, DECODE_VERIFY_L4_CHECKSUM, InnerKind, PacketMeta, type IpMeta } from '../packet/meta.js';
import { decodeFrame } from '../packet/decode.js';
import { ETH_HEADER_LEN, ETHERTYPE_IPV4, writeEthernet } from '../packet/ethernet.js';
import { ICMP_DEST_UNREACH, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, ICMP_PORT_UNREACH, ICMP_PROTO_UNREACH, isIcmpError } from '../packet/icmp.js';
import { encapsulateIpip } from '../packet/ipip.js';
import { IP_FLAG_DF, IPPROTO_ICMP, IPPROTO_IPIP, IPPROTO_TCP, IPPROTO_UDP, IPV4_HEADER_LEN, writeIpv4Header } from '../packet/ipv4.js';
import {
  TCP_ACK, TCP_FIN, TCP_HEADER_LEN, TCP_PSH, TCP_RST, TCP_SYN, TCPOPT_MSS, TCPOPT_NOP, TCPOPT_SACK_PERMITTED, TCPOPT_TIMESTAMP,
  TCPOPT_WSCALE, setTcpChecksum, tcpOptionsLen, writeTcpHeader, type TcpOptionValues,
} from '../packet/tcp.js';
import { VirtualClock } from '../util/clock.js';
import type { ListenFilter, LocalPacket, ProbeIo } from './probe-io.js';
import { Prng } from '../util/prng.js';

export const SIM_APPLIANCE_MAC = 0x0006c4900393 as Mac;
export const SIM_ROUTER_MAC = 0x00d0f8223542 as Mac;

// Linux's options: SYN/ACK with timestamps, without, and the timestamp of later segments.
const SYNACK_KINDS: readonly number[] = [TCPOPT_MSS, TCPOPT_SACK_PERMITTED, TCPOPT_TIMESTAMP, TCPOPT_NOP, TCPOPT_WSCALE];
const SYNACK_NO_TS_KINDS: readonly number[] = [TCPOPT_MSS, TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK_PERMITTED, TCPOPT_NOP, TCPOPT_WSCALE];
const TS_KINDS: readonly number[] = [TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TIMESTAMP];
const NO_KINDS: readonly number[] = [];

export type TcpService =
  | { readonly kind: 'open' }
  /** Accepts, then closes at once (FIN/ACK right after the handshake). */
  | { readonly kind: 'close' }
  | { readonly kind: 'http'; readonly status: number; readonly reason?: string; readonly body?: string };

export interface SimHostOptions {
  /** NIC addresses; the first is the RIP. */
  readonly addrs: readonly Ipv4[];
  /** Addresses on `lo` (the VIP of a DSR real): accepted, no ARP. */
  readonly loopback?: readonly Ipv4[];
  readonly mac?: Mac;
  /** Decapsulates IP-in-IP; default true. */
  readonly ipip?: boolean;
  readonly tcp?: Readonly<Record<number, TcpService>>;
  /** UDP ports served: 'reply' answers, 'silent' swallows; other ports answer port unreachable. */
  readonly udp?: Readonly<Record<number, 'reply' | 'silent'>>;
  /** Answers pings; default true. */
  readonly icmp?: boolean;
  /** One-way delay in virtual ms; default 0.25. */
  readonly latencyMs?: number;
  readonly quote?: 'linux' | 'minimal';
  /** Starts dead (drops everything). */
  readonly down?: boolean;
}

interface Conn {
  state: 'syn-rcvd' | 'established' | 'last-ack' | 'closing';
  iss: number;
  sndNxt: number;
  rcvNxt: number;
  tsOk: boolean;
  tsRecent: number;
  finSent: boolean;
  responded: boolean;
  req: string;
  readonly svc: TcpService;
}

export class SimHost {
  readonly addrs: Ipv4[];
  loopback: Ipv4[];
  readonly mac: Mac;
  ipip: boolean;
  icmp: boolean;
  /** Drops everything it receives (a dead server). */
  down = false;
  latencyMs: number;
  quote: 'linux' | 'minimal';
  readonly tcp = new Map<number, TcpService>();
  readonly udp = new Map<number, 'reply' | 'silent'>();
  readonly conns = new Map<string, Conn>();
  /** Packets received (before any drop). */
  received = 0;

  constructor(private readonly net: SimNet, o: SimHostOptions, private readonly rng: Prng) {
    this.addrs = [...o.addrs];
    this.loopback = [...(o.loopback ?? [])];
    this.mac = o.mac ?? ((0x02_00_00_00_00_00 + (o.addrs[0]! >>> 0)) as Mac);
    this.ipip = o.ipip ?? true;
    this.icmp = o.icmp ?? true;
    this.latencyMs = o.latencyMs ?? 0.25;
    this.quote = o.quote ?? 'linux';
    this.down = o.down ?? false;
    for (const [p, s] of Object.entries(o.tcp ?? {})) this.tcp.set(Number(p), s);
    for (const [p, s] of Object.entries(o.udp ?? {})) this.udp.set(Number(p), s);
  }

  get rip(): Ipv4 {
    return this.addrs[0]!;
  }

  private isLocal(a: number): boolean {
    return this.addrs.includes(a as Ipv4) || this.loopback.includes(a as Ipv4);
  }

  /** A frame on the wire to this host. */
  receive(frame: Uint8Array): void {
    this.received++;
    if (this.down) return;
    // A fresh meta per packet: in synchronous mode a reply can come back (and be answered) re-entrantly.
    const m = new PacketMeta();
    if (decodeFrame(frame, frame.length, m, DECODE_VERIFY_IP_CHECKSUM | DECODE_VERIFY_L4_CHECKSUM) !== 0) return;
    if (m.etherType !== ETHERTYPE_IPV4 || !this.isLocal(m.ipDst)) return;
    if (m.proto === IPPROTO_IPIP) {
      if (!this.ipip) {
        this.error(frame, m, ICMP_PROTO_UNREACH, m.ipDst);
        return;
      }
      // Decapsulate (Linux ipip): the inner packet is received as if it had arrived alone.
      const inner = new Uint8Array(ETH_HEADER_LEN + (m.l3End - m.l4Off));
      writeEthernet(inner, 0, m.dstMac, m.srcMac, ETHERTYPE_IPV4);
      inner.set(frame.subarray(m.l4Off, m.l3End), ETH_HEADER_LEN);
      if (decodeFrame(inner, inner.length, m, DECODE_VERIFY_IP_CHECKSUM | DECODE_VERIFY_L4_CHECKSUM) !== 0) return;
      if (!this.isLocal(m.ipDst) || m.proto === IPPROTO_IPIP) return;
      this.local(inner, m);
      return;
    }
    this.local(frame, m);
  }

  private local(frame: Uint8Array, m: PacketMeta): void {
    if (m.isFragment) return;
    switch (m.proto) {
      case IPPROTO_TCP: this.tcpInput(frame, m); break;
      case IPPROTO_UDP: this.udpInput(frame, m); break;
      case IPPROTO_ICMP:
        if (m.icmpType === ICMP_ECHO_REQUEST && this.icmp) {
          const data = frame.slice(m.payloadOff, m.payloadOff + m.payloadLen);
          this.send(buildIcmpEchoFrame({ ...this.l2(), src: m.ipDst, dst: m.ipSrc, reply: true, id: m.icmpId, seq: m.icmpSeq, payload: data }));
        }
        break;
      default:
        this.error(frame, m, ICMP_PROTO_UNREACH, m.ipDst);
    }
  }

  private udpInput(frame: Uint8Array, m: PacketMeta): void {
    const svc = this.udp.get(m.dport);
    if (svc === 'reply') this.send(buildUdpFrame({ ...this.l2(), src: m.ipDst, dst: m.ipSrc, sport: m.dport, dport: m.sport, payload: 'pong' }));
    else if (svc === undefined) this.error(frame, m, ICMP_PORT_UNREACH, m.ipDst);
  }

  private tcpInput(frame: Uint8Array, m: IpMeta): void {
    const key = `${m.ipSrc}:${m.sport}>${m.ipDst}:${m.dport}`;
    const f = m.tcpFlags;
    const c = this.conns.get(key);
    // Fields captured before anything is sent (answers may come back re-entrantly).
    const src = m.ipDst, dst = m.ipSrc, sport = m.dport, dport = m.sport;
    const seg = (flags: number, seq: number, ack: number, window: number, kinds: readonly number[], ecr: number, payload?: string): void =>
      this.sendTcp(src, dst, sport, dport, flags, seq, ack, window, kinds, ecr, payload);
    const ts = (cn: Conn): readonly number[] => (cn.tsOk ? TS_KINDS : NO_KINDS);
    if ((f & TCP_RST) !== 0) {
      this.conns.delete(key);
      return;
    }
    if (!c) {
      if ((f & (TCP_SYN | TCP_ACK)) === TCP_SYN) {
        const svc = this.tcp.get(m.dport);
        if (!svc) {
          seg(TCP_RST | TCP_ACK, 0, (m.seq + 1) >>> 0, 0, NO_KINDS, 0);
          return;
        }
        const iss = this.rng.u32();
        const cn: Conn = {
          state: 'syn-rcvd', iss, sndNxt: (iss + 1) >>> 0, rcvNxt: (m.seq + 1) >>> 0, tsOk: m.hasTimestamps,
          tsRecent: m.tsVal, finSent: false, responded: false, req: '', svc,
        };
        this.conns.set(key, cn);
        this.synAck(cn, seg);
      } else if ((f & TCP_ACK) !== 0) {
        seg(TCP_RST, m.ack, 0, 0, NO_KINDS, 0);
      } else {
        seg(TCP_RST | TCP_ACK, 0, (m.seq + m.payloadLen + ((f & TCP_FIN) ? 1 : 0)) >>> 0, 0, NO_KINDS, 0);
      }
      return;
    }
    if ((f & TCP_SYN) !== 0) {
      if (c.state === 'syn-rcvd') this.synAck(c, seg);
      return;
    }
    if (m.seq !== c.rcvNxt) {
      seg(TCP_ACK, c.sndNxt, c.rcvNxt, 502, ts(c), c.tsRecent);
      return;
    }
    if (c.tsOk && m.hasTimestamps) c.tsRecent = m.tsVal;
    if ((f & TCP_ACK) !== 0 && c.state === 'syn-rcvd' && m.ack === c.sndNxt) {
      c.state = 'established';
      if (c.svc.kind === 'close') {
        const seq = c.sndNxt;
        c.sndNxt = (c.sndNxt + 1) >>> 0;
        c.finSent = true;
        c.state = 'last-ack';
        seg(TCP_FIN | TCP_ACK, seq, c.rcvNxt, 502, ts(c), c.tsRecent);
        if (m.payloadLen === 0 && (f & TCP_FIN) === 0) return;
      }
    }
    if (c.state === 'syn-rcvd') return;
    let ackNeeded = false;
    if (m.payloadLen > 0) {
      c.rcvNxt = (c.rcvNxt + m.payloadLen) >>> 0;
      ackNeeded = true;
      if (c.svc.kind === 'http' && !c.responded) {
        c.req += Buffer.from(frame.subarray(m.payloadOff, m.payloadOff + m.payloadLen)).toString('latin1');
        if (c.req.includes('\r\n\r\n')) {
          const body = c.svc.body ?? 'ok\n';
          const head = c.req.startsWith('HEAD ');
          const resp = `HTTP/1.1 ${c.svc.status} ${c.svc.reason ?? reasonOf(c.svc.status)}\r\nServer: sim\r\n` +
            `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${head ? '' : body}`;
          // State first: in synchronous mode the answers to these segments arrive before seg() returns.
          const dataSeq = c.sndNxt;
          const finSeq = (dataSeq + resp.length) >>> 0;
          c.responded = true;
          c.sndNxt = (finSeq + 1) >>> 0;
          c.finSent = true;
          c.state = 'last-ack';
          const ack = c.rcvNxt;
          const peerFin = (f & TCP_FIN) !== 0;
          if (peerFin) c.rcvNxt = (c.rcvNxt + 1) >>> 0;
          seg(TCP_PSH | TCP_ACK, dataSeq, ack, 502, ts(c), c.tsRecent, resp);
          seg(TCP_FIN | TCP_ACK, finSeq, c.rcvNxt, 502, ts(c), c.tsRecent);
          if (peerFin) this.conns.delete(key);
          return;
        }
      }
    }
    if ((f & TCP_FIN) !== 0) {
      c.rcvNxt = (c.rcvNxt + 1) >>> 0;
      if (!c.finSent) {
        // The application closes as soon as it reads EOF (nginx does): FIN/ACK at once.
        const seq = c.sndNxt;
        c.sndNxt = (c.sndNxt + 1) >>> 0;
        c.finSent = true;
        c.state = 'last-ack';
        seg(TCP_FIN | TCP_ACK, seq, c.rcvNxt, 510, ts(c), c.tsRecent);
      } else {
        // Our FIN was out already: acknowledged too → done (TIME_WAIT); else wait for that ACK.
        if ((f & TCP_ACK) !== 0 && m.ack === c.sndNxt) this.conns.delete(key);
        else c.state = 'closing';
        seg(TCP_ACK, c.sndNxt, c.rcvNxt, 510, ts(c), c.tsRecent);
      }
      return;
    }
    if ((c.state === 'last-ack' || c.state === 'closing') && (f & TCP_ACK) !== 0 && m.ack === c.sndNxt && m.payloadLen === 0) {
      this.conns.delete(key);
      return;
    }
    if (ackNeeded) seg(TCP_ACK, c.sndNxt, c.rcvNxt, 502, ts(c), c.tsRecent);
  }

  private synAck(c: Conn, seg: (flags: number, seq: number, ack: number, window: number, kinds: readonly number[], ecr: number) => void): void {
    seg(TCP_SYN | TCP_ACK, c.iss, c.rcvNxt, 65160, c.tsOk ? SYNACK_KINDS : SYNACK_NO_TS_KINDS, c.tsRecent);
  }

  private readonly opt: TcpOptionValues = { mss: 1460, wscale: 7, tsVal: 0, tsEcr: 0 };

  private sendTcp(src: number, dst: number, sport: number, dport: number, flags: number, seq: number, ack: number,
    window: number, kinds: readonly number[], ecr: number, payload?: string): void {
    const data = payload ? Buffer.from(payload, 'latin1') : null;
    const optLen = tcpOptionsLen(kinds);
    const tcpLen = TCP_HEADER_LEN + optLen + (data ? data.length : 0);
    const total = IPV4_HEADER_LEN + tcpLen;
    const buf = new Uint8Array(ETH_HEADER_LEN + total);
    const l2 = this.l2();
    writeEthernet(buf, 0, l2.dstMac, l2.srcMac, ETHERTYPE_IPV4);
    writeIpv4Header(buf, ETH_HEADER_LEN, src, dst, IPPROTO_TCP, total, 64, 0, IP_FLAG_DF);
    this.opt.tsVal = this.net.tsNow();
    this.opt.tsEcr = ecr;
    const l4 = ETH_HEADER_LEN + IPV4_HEADER_LEN;
    writeTcpHeader(buf, l4, sport, dport, seq, ack, flags, window, kinds, this.opt);
    if (data) buf.set(data, l4 + TCP_HEADER_LEN + optLen);
    setTcpChecksum(buf, l4, tcpLen, src, dst);
    this.send(buf);
  }

  /** ICMP destination unreachable about the packet in `frame`, from `from`. */
  private error(frame: Uint8Array, m: IpMeta, code: number, from: number): void {
    const ipLen = m.l3End - m.l3Off;
    const quoteLen = this.quote === 'minimal' ? m.ihl * 4 + 8 : Math.min(ipLen, 576 - 20 - 8);
    this.send(buildIcmpErrorFrame({ ...this.l2(), src: from, dst: m.ipSrc, type: ICMP_DEST_UNREACH, code, original: frame.slice(0, m.l3End), quoteLen }));
  }

  private l2(): { srcMac: number; dstMac: number } {
    return { srcMac: this.net.isOnLink(this.rip) ? this.mac : SIM_ROUTER_MAC, dstMac: SIM_APPLIANCE_MAC };
  }

  private send(frame: Uint8Array): void {
    this.net.fromHost(this, frame);
  }
}

function reasonOf(status: number): string {
  return ({ 200: 'OK', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found', 404: 'Not Found', 500: 'Internal Server Error', 503: 'Service Unavailable' } as Record<number, string>)[status] ?? 'Status';
}

export interface SimPacket {
  readonly dir: 'out' | 'in';
  /** Virtual ms. */
  readonly at: number;
  /** The frame on the wire (outgoing tunnel packets with their outer header). */
  readonly frame: Uint8Array;
  readonly meta: PacketMeta;
  /** Outgoing: the tunnel endpoint given to sendIpv4. */
  readonly tunnelTo: Ipv4 | null;
}

export interface SimNetOptions {
  readonly clock?: VirtualClock;
  /** The appliance's interfaces: sourceFor picks the one whose network holds the destination, else the first (default route). */
  readonly interfaces: readonly Prefix[];
  /** Deliver to hosts and back inside sendIpv4 (re-entrant), instead of after each host's latency. */
  readonly synchronous?: boolean;
  /** Keep a packet trace (default true; the bench turns it off). */
  readonly record?: boolean;
  readonly seed?: number;
}

type Handler = (p: LocalPacket) => void;

export class SimNet implements ProbeIo {
  readonly clock: VirtualClock;
  readonly trace: SimPacket[] = [];
  readonly learned: { ip: Ipv4; mac: Mac; port: number }[] = [];
  /** Destinations with no route (sourceFor null, sendIpv4 false). */
  readonly unroutable = new Set<number>();
  /** Frames dropped because nothing listened for them. */
  unclaimed = 0;
  sentCount = 0;
  private readonly hosts = new Map<number, SimHost>();
  private readonly byPort = new Map<number, Handler[]>();
  private readonly byEchoId = new Map<number, Handler[]>();
  private readonly errorHandlers: Handler[] = [];
  private readonly rng: Prng;
  private readonly tsOffset: number;
  private readonly record: boolean;
  private readonly synchronous: boolean;

  constructor(private readonly opts: SimNetOptions) {
    this.clock = opts.clock ?? new VirtualClock();
    this.rng = new Prng(opts.seed ?? 7);
    this.tsOffset = this.rng.u32();
    this.record = opts.record ?? true;
    this.synchronous = opts.synchronous ?? false;
  }

  addHost(o: SimHostOptions): SimHost {
    const h = new SimHost(this, o, this.rng);
    for (const a of h.addrs) this.hosts.set(a >>> 0, h);
    return h;
  }

  host(addr: Ipv4): SimHost | undefined {
    return this.hosts.get(addr >>> 0);
  }

  tsNow(): number {
    return (this.tsOffset + Math.floor(this.clock.now())) >>> 0;
  }

  isOnLink(a: number): boolean {
    return this.opts.interfaces.some((p) => prefixContains(p, a));
  }

  private isOwn(a: number): boolean {
    return this.opts.interfaces.some((p) => p.addr === a);
  }

  // ---- ProbeIo ----

  sourceFor(dst: Ipv4): Ipv4 | null {
    if (this.unroutable.has(dst >>> 0)) return null;
    const p = this.opts.interfaces.find((i) => prefixContains(i, dst)) ?? this.opts.interfaces[0];
    return p ? p.addr : null;
  }

  sendIpv4(packet: Uint8Array, len: number, tunnelTo?: Ipv4): boolean {
    const ipDst = readU32(packet, 16) as Ipv4;
    const hop = tunnelTo ?? ipDst;
    const outerSrc = this.sourceFor(hop);
    if (outerSrc === null) return false;
    this.sentCount++;
    const host = this.hosts.get(hop >>> 0);
    const dstMac = host && this.isOnLink(hop) ? host.mac : SIM_ROUTER_MAC;
    let frame: Uint8Array;
    if (tunnelTo !== undefined) {
      frame = new Uint8Array(ETH_HEADER_LEN + 20 + len);
      encapsulateIpip(frame, 0, packet, 0, len, dstMac, SIM_APPLIANCE_MAC, outerSrc, tunnelTo, false);
    } else {
      frame = new Uint8Array(ETH_HEADER_LEN + len);
      writeEthernet(frame, 0, dstMac, SIM_APPLIANCE_MAC, ETHERTYPE_IPV4);
      frame.set(packet.subarray(0, len), ETH_HEADER_LEN);
    }
    if (this.record) this.trace.push({ dir: 'out', at: this.clock.now(), frame, meta: decoded(frame), tunnelTo: tunnelTo ?? null });
    if (!host) return true;
    const deliver = (): void => host.receive(frame);
    if (this.synchronous) deliver();
    else this.clock.setTimeout(deliver, host.latencyMs);
    return true;
  }

  listen(filter: ListenFilter, handler: Handler): () => void {
    let list: Handler[];
    if (filter.proto === 'raw') return () => {}; // the simulated peers send no other protocols
    if (filter.proto === 'icmp-error') list = this.errorHandlers;
    else if (filter.proto === 1) list = getOrAdd(this.byEchoId, filter.icmpId);
    else list = getOrAdd(this.byPort, (filter.proto << 16) | filter.localPort);
    list.push(handler);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const i = list.indexOf(handler);
      if (i >= 0) list.splice(i, 1);
    };
  }

  learnNeighbor(ip: Ipv4, mac: Mac, port: number): void {
    if (this.record) this.learned.push({ ip, mac, port });
  }

  /** Handlers still registered (a probe that forgot to stop listening shows here). */
  listenerCount(): number {
    let n = 0;
    for (const l of this.byPort.values()) n += l.length;
    for (const l of this.byEchoId.values()) n += l.length;
    return n;
  }

  // ---- hosts → appliance ----

  fromHost(host: SimHost, frame: Uint8Array): void {
    const deliver = (): void => this.toAppliance(frame);
    if (this.synchronous) deliver();
    else this.clock.setTimeout(deliver, host.latencyMs);
  }

  /** Delivers a frame addressed to the appliance to whoever listens for it. */
  toAppliance(frame: Uint8Array): void {
    if (this.record) this.trace.push({ dir: 'in', at: this.clock.now(), frame, meta: decoded(frame), tunnelTo: null });
    const m = new PacketMeta();
    if (decodeFrame(frame, frame.length, m) !== 0 || m.etherType !== ETHERTYPE_IPV4 || !this.isOwn(m.ipDst)) {
      this.unclaimed++;
      return;
    }
    let list: Handler[] | undefined;
    const l = m.innerKind === InnerKind.IPIP ? m.inner : m;
    if (l.proto === IPPROTO_TCP || l.proto === IPPROTO_UDP) list = this.byPort.get((l.proto << 16) | l.dport);
    else if (m.proto === IPPROTO_ICMP && m.icmpType === ICMP_ECHO_REPLY) list = this.byEchoId.get(m.icmpId);
    else if (m.proto === IPPROTO_ICMP && isIcmpError(m.icmpType)) list = this.errorHandlers;
    if (!list || list.length === 0) {
      this.unclaimed++;
      return;
    }
    const p: LocalPacket = { frame, len: frame.length, meta: m, port: 1 };
    for (const h of [...list]) h(p);
  }
}

function getOrAdd<K, V>(m: Map<K, V[]>, k: K): V[] {
  let l = m.get(k);
  if (!l) m.set(k, (l = []));
  return l;
}

function decoded(frame: Uint8Array): PacketMeta {
  const m = new PacketMeta();
  decodeFrame(frame, frame.length, m);
  return m;
}
