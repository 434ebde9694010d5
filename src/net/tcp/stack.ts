// A TCP stack over an injected IP layer: listeners, connection demultiplexing, ephemeral ports,
// RSTs for closed ports (`[R.] seq 0 ack <isn+1> win 0`, IP id 0, as Linux), ICMP errors.
// It knows nothing of interfaces or routes: the caller's IP layer wraps each segment it hands
// to `io.output` in IPv4 and feeds decoded segments to `input`.
//
//   const tcp = new TcpStack({ clock, rng, profile: LINUX_TCP, output, localAddressFor });
//   tcp.listen(179, (c) => { c.onData = ...; });
//   const c = tcp.connect(peer, 179, { keepAlive: { idleMs: 30_000 } });
//   c.onEstablished = () => c.write(open);

import type { Ipv4 } from '../addr.js';
import type { IpMeta } from '../../packet/meta.js';
import { TCP_ACK, TCP_FIN, TCP_HEADER_LEN, TCP_RST, TCP_SYN, setTcpChecksum, writeTcpHeader } from '../../packet/tcp.js';
import type { Clock } from '../../util/clock.js';
import type { Prng } from '../../util/prng.js';
import { TcpConnection } from './connection.js';
import type { TcpProfile } from './profile.js';
import { seqAdd, seqGt } from './seq.js';
import type { TcpConnectionHost, TcpConnectionOptions } from './types.js';
import { TCP_MAX_HEADER_LEN, segmentLooksSane } from './wire.js';

/** IP-level settings of one outgoing segment. */
export interface TcpOutputOptions {
  ttl: number;
  /** Don't Fragment (always set: the stack does path MTU discovery). */
  df: boolean;
  tos: number;
  /** IP identification; absent: the IP layer's own counter (RSTs of closed ports use 0, as Linux). */
  id: number | undefined;
}

/** What the stack needs from its surroundings. */
export interface TcpIo {
  readonly clock: Clock;
  readonly rng: Prng;
  readonly profile: TcpProfile;
  /**
   * Sends a TCP segment (header + payload, checksum over the pseudo-header with src/dst done)
   * in IPv4 from src to dst. `segment` is the stack's scratch buffer: valid only during the
   * call (copy it before anything that may call back into the stack). False when it cannot
   * leave (no route); the stack then fails a connect as unreachable.
   */
  output(src: number, dst: number, segment: Uint8Array, len: number, opts: Readonly<TcpOutputOptions>): boolean;
  /** The source address for a connection to `dst` (null: no route). Needed unless connect names `src`. */
  localAddressFor?(dst: number): number | null;
  /** An ephemeral port for a new connection (null: none free); default a random one of the profile's range. */
  allocPort?(local: number, remote: number, rport: number): number | null;
  /** Gives back a port allocPort returned, once its connection is gone. */
  releasePort?(port: number): void;
}

/** What `connect` accepts. */
export interface ConnectOptions extends TcpConnectionOptions {
  /** Source address; default io.localAddressFor(dst). */
  readonly src?: Ipv4;
  /** Source port; default an ephemeral one. */
  readonly sport?: number;
}

/** Settings of the connections a listener accepts. */
export type ListenOptions = TcpConnectionOptions;

interface Listener {
  readonly onAccept: (c: TcpConnection) => void;
  readonly opts: ListenOptions;
  halfOpen: number;
}

/** RFC 5961 7: challenge ACKs per second, for the whole stack (Linux's tcp_challenge_ack_limit). */
const CHALLENGE_ACK_LIMIT = 1000;

export class TcpStack implements TcpConnectionHost {
  readonly clock: Clock;
  readonly rng: Prng;
  profile: TcpProfile;
  /** RSTs sent for segments that match no connection (or a bad handshake). */
  resetsSent = 0;
  /** Segments dropped as malformed. */
  malformed = 0;
  private readonly listeners = new Map<number, Listener>();
  /** Connections by lport * 65536 + rport (then by addresses). */
  private readonly conns = new Map<number, TcpConnection[]>();
  private readonly allocated = new Set<TcpConnection>();
  private readonly halfOpenOf = new Map<TcpConnection, Listener>();
  private scratch = new Uint8Array(TCP_MAX_HEADER_LEN + 1500);
  private readonly outOpts: TcpOutputOptions = { ttl: 64, df: true, tos: 0, id: undefined };
  private challengeSecond = -1;
  private challengeCount = 0;

  constructor(readonly io: TcpIo) {
    this.clock = io.clock;
    this.rng = io.rng;
    this.profile = io.profile;
  }

  // ---- the application's side ----

  /** Accepts connections on `port` (any local address); returns the function that stops listening. */
  listen(port: number, onAccept: (c: TcpConnection) => void, opts: ListenOptions = {}): () => void {
    const l: Listener = { onAccept, opts, halfOpen: 0 };
    this.listeners.set(port, l);
    return () => {
      if (this.listeners.get(port) === l) this.listeners.delete(port);
    };
  }

  isListening(port: number): boolean {
    return this.listeners.has(port);
  }

  connections(): TcpConnection[] {
    const out: TcpConnection[] = [];
    for (const list of this.conns.values()) out.push(...list);
    return out;
  }

  /**
   * Opens a connection (sends the SYN). Watch `onEstablished` / `onEnd`; without a route it
   * ends `unreachable` right after this returns. Throws when no ephemeral port is free.
   */
  connect(dst: Ipv4, dport: number, opts: ConnectOptions = {}): TcpConnection {
    const src = (opts.src ?? this.io.localAddressFor?.(dst) ?? 0) >>> 0;
    let sport = opts.sport;
    let fromAllocator = false;
    if (sport === undefined) {
      if (this.io.allocPort) {
        const p = this.io.allocPort(src, dst, dport);
        if (p === null || p === undefined) throw new Error('no free ephemeral port');
        sport = p;
        fromAllocator = true;
      } else {
        sport = this.ephemeralPort(src, dst, dport);
      }
    }
    const c = new TcpConnection(this, src as Ipv4, sport, dst, dport, this.rng.u32(), 'SYN_SENT', opts);
    this.find(src, sport, dst, dport)?.destroy();
    this.add(c);
    if (fromAllocator) this.allocated.add(c);
    if (src === 0) {
      // No route: connect() fails at once (ENETUNREACH).
      this.clock.setTimeout(() => c.end('unreachable'), 0);
      return c;
    }
    c.sendSyn();
    return c;
  }

  private ephemeralPort(src: number, dst: number, dport: number): number {
    const [lo, hi] = this.profile.ephemeral;
    for (let i = 0; i < 64; i++) {
      const p = this.rng.int(lo, hi);
      if (!this.listeners.has(p) && !this.find(src, p, dst, dport)) return p;
    }
    for (let p = lo; p <= hi; p++) if (!this.find(src, p, dst, dport)) return p;
    throw new Error('no free ephemeral port');
  }

  // ---- segments in ----

  /** A TCP segment for this host: `m` decoded (packet/meta.ts), the segment at m.l4Off of `buf`. */
  input(src: number, dst: number, buf: Uint8Array, m: IpMeta): void {
    if (!segmentLooksSane(buf, m)) {
      this.malformed++;
      return;
    }
    const flags = m.tcpFlags;
    let c = this.find(dst, m.dport, src, m.sport);
    if (c && c.state === 'TIME_WAIT' && (flags & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_SYN && seqGt(m.seq, c.rcvNxt)) {
      c.destroy(); // a new incarnation of the same 4-tuple
      c = null;
    }
    if (c) {
      c.segment(buf, m);
      return;
    }
    if (flags & TCP_RST) return;
    if ((dst >>> 0) === 0xffffffff || (dst >>> 28) === 0xe || (src >>> 28) === 0xe || src === 0) return;
    const l = this.listeners.get(m.dport);
    if ((flags & (TCP_SYN | TCP_ACK | TCP_FIN)) === TCP_SYN && l) {
      if (l.halfOpen >= this.profile.synBacklog) return; // a full backlog drops the SYN
      const n = new TcpConnection(this, dst as Ipv4, m.dport, src as Ipv4, m.sport, this.rng.u32(), 'SYN_RCVD', l.opts);
      n.learnSyn(m);
      this.add(n);
      l.halfOpen++;
      this.halfOpenOf.set(n, l);
      n.sendSynAck();
      return;
    }
    this.resetFor(dst, src, m);
  }

  /**
   * An ICMP error quoting one of our segments: fragmentation-needed lowers the path MTU (`mtu`
   * is the next-hop MTU it carries, 0 if unknown); unreachables fail a connect and are soft
   * errors afterwards.
   */
  icmpError(quote: IpMeta, type: number, code: number, mtu = 0): void {
    this.find(quote.ipSrc, quote.sport, quote.ipDst, quote.dport)?.icmpError(quote, type, code, mtu);
  }

  // ---- TcpConnectionHost ----

  segmentBuffer(size: number): Uint8Array {
    if (this.scratch.length < size) this.scratch = new Uint8Array(size);
    return this.scratch;
  }

  transmit(src: number, dst: number, len: number, ttl: number, tos: number): boolean {
    const o = this.outOpts;
    o.ttl = ttl;
    o.tos = tos;
    o.id = undefined;
    return this.io.output(src, dst, this.scratch, len, o);
  }

  /** The RST a closed port (or a bad segment) gets: `[R] seq <ack>`, or `[R.] seq 0 ack <seq+len>`. */
  resetFor(local: number, remote: number, m: IpMeta): void {
    const flags = m.tcpFlags;
    let seq = 0;
    let ack = 0;
    let rflags = TCP_RST;
    if (flags & TCP_ACK) {
      seq = m.ack;
    } else {
      ack = seqAdd(m.seq, m.payloadLen + (flags & TCP_SYN ? 1 : 0) + (flags & TCP_FIN ? 1 : 0));
      rflags |= TCP_ACK;
    }
    const buf = this.segmentBuffer(TCP_HEADER_LEN);
    writeTcpHeader(buf, 0, m.dport, m.sport, seq, ack, rflags, 0);
    setTcpChecksum(buf, 0, TCP_HEADER_LEN, local, remote);
    this.resetsSent++;
    const o = this.outOpts;
    o.ttl = this.profile.ttl;
    o.tos = 0;
    o.id = 0;
    this.io.output(local, remote, buf, TCP_HEADER_LEN, o);
  }

  accept(c: TcpConnection): boolean {
    this.leaveHalfOpen(c);
    const l = this.listeners.get(c.lport);
    if (!l) {
      c.abort(true);
      return false;
    }
    l.onAccept(c);
    if (c.isClosed) return false;
    c.onEstablished?.();
    return !c.isClosed;
  }

  forget(c: TcpConnection): void {
    this.leaveHalfOpen(c);
    const k = c.lport * 65536 + c.rport;
    const list = this.conns.get(k);
    if (!list) return;
    const i = list.indexOf(c);
    if (i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.conns.delete(k);
    if (this.allocated.delete(c)) this.io.releasePort?.(c.lport);
  }

  challengeAckAllowed(): boolean {
    const sec = Math.floor(this.clock.now() / 1000);
    if (sec !== this.challengeSecond) {
      this.challengeSecond = sec;
      this.challengeCount = 0;
    }
    return this.challengeCount++ < CHALLENGE_ACK_LIMIT;
  }

  // ---- the connection table ----

  private find(local: number, lport: number, remote: number, rport: number): TcpConnection | null {
    const list = this.conns.get(lport * 65536 + rport);
    if (!list) return null;
    local >>>= 0;
    remote >>>= 0;
    for (const c of list) if (c.local >>> 0 === local && c.remote >>> 0 === remote) return c;
    return null;
  }

  private add(c: TcpConnection): void {
    const k = c.lport * 65536 + c.rport;
    const list = this.conns.get(k);
    if (list) list.push(c);
    else this.conns.set(k, [c]);
  }

  private leaveHalfOpen(c: TcpConnection): void {
    const l = this.halfOpenOf.get(c);
    if (!l) return;
    l.halfOpen--;
    this.halfOpenOf.delete(c);
  }
}
