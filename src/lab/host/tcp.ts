// TCP for a lab host: enough of RFC 9293 for real exchanges, with Linux's (or, for a client,
// Windows') wire habits: SYN/SYN-ACK options in Linux's order (mss, sackOK, TS, nop, wscale,
// or mss, nop, nop, sackOK, nop, wscale without timestamps), windows 64240/65160, RST for
// closed ports as `[R.] seq 0 ack <isn+1> win 0`, SYN retransmitted after 1 s, 2 s, 4 s...,
// immediate ACKs, go-back-N retransmission of data, FIN handshake and TIME_WAIT.
// ISNs, ephemeral ports and timestamp offsets come from the host's seeded PRNG.

import type { Ipv4 } from '../../net/addr.js';
import { ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, ICMP_TIME_EXCEEDED } from '../../packet/icmp.js';
import { IPPROTO_TCP, IPV4_HEADER_LEN } from '../../packet/ipv4.js';
import type { IpMeta } from '../../packet/meta.js';
import {
  TCP_ACK, TCP_FIN, TCP_HEADER_LEN, TCP_PSH, TCP_RST, TCP_SYN, TCPOPT_MSS, TCPOPT_NOP, TCPOPT_SACK_PERMITTED,
  TCPOPT_TIMESTAMP, TCPOPT_WSCALE, setTcpChecksum, tcpOptionsLen, writeTcpHeader, type TcpOptionValues,
} from '../../packet/tcp.js';
import type { Timer } from '../../util/clock.js';
import type { Host } from './host.js';
import type { Nic } from './nic.js';

export type TcpState =
  | 'SYN_SENT' | 'SYN_RCVD' | 'ESTABLISHED' | 'FIN_WAIT_1' | 'FIN_WAIT_2' | 'CLOSING' | 'TIME_WAIT'
  | 'CLOSE_WAIT' | 'LAST_ACK' | 'CLOSED';

/** How a connection ended, as its application sees it. */
export type TcpEndReason = 'closed' | 'reset' | 'timeout' | 'unreachable' | 'aborted';

/** A TCP stack's wire habits. */
export interface TcpProfile {
  readonly name: string;
  /** TTL of its IP packets. */
  readonly ttl: number;
  readonly mss: number;
  /** Window scale shift it offers. */
  readonly wscale: number;
  readonly timestamps: boolean;
  readonly sack: boolean;
  /** Window of a SYN it sends. */
  readonly synWindow: number;
  /** Receive window after the handshake (and in a SYN-ACK), without / with timestamps. */
  readonly rcvWindow: number;
  readonly rcvWindowTs: number;
  /** Option layout of its SYN. */
  readonly synLayout: 'linux' | 'windows';
  /** Ephemeral port range, inclusive. */
  readonly ephemeral: readonly [number, number];
  readonly synRetries: number;
  readonly synAckRetries: number;
  readonly dataRetries: number;
  readonly initialRtoMs: number;
  readonly minRtoMs: number;
  readonly timeWaitMs: number;
  readonly finWait2Ms: number;
}

/** Linux 5.x defaults (the seed's servers and the appliance's own probes). */
export const LINUX_TCP: TcpProfile = {
  name: 'linux', ttl: 64, mss: 1460, wscale: 7, timestamps: true, sack: true,
  synWindow: 64240, rcvWindow: 64240, rcvWindowTs: 65160, synLayout: 'linux', ephemeral: [32768, 60999],
  synRetries: 6, synAckRetries: 5, dataRetries: 15, initialRtoMs: 1000, minRtoMs: 200, timeWaitMs: 60_000, finWait2Ms: 60_000,
};

/** The seed's client: `win 65535, options [mss 1460,nop,wscale 8,nop,nop,sackOK]`, then win 255. */
export const WINDOWS_TCP: TcpProfile = {
  name: 'windows', ttl: 128, mss: 1460, wscale: 8, timestamps: false, sack: true,
  synWindow: 65535, rcvWindow: 65280, rcvWindowTs: 65280, synLayout: 'windows', ephemeral: [49152, 65535],
  synRetries: 4, synAckRetries: 2, dataRetries: 5, initialRtoMs: 1000, minRtoMs: 300, timeWaitMs: 120_000, finWait2Ms: 120_000,
};

const MAX_RTO_MS = 120_000;
const DEFAULT_PEER_MSS = 536;

function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}
function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}
function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}
function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

const LINUX_SYN = [TCPOPT_MSS, TCPOPT_SACK_PERMITTED, TCPOPT_TIMESTAMP, TCPOPT_NOP, TCPOPT_WSCALE];
const WINDOWS_SYN = [TCPOPT_MSS, TCPOPT_NOP, TCPOPT_WSCALE, TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK_PERMITTED];
const TS_ONLY = [TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TIMESTAMP];

function connKey(local: number, lport: number, remote: number, rport: number): string {
  return `${local >>> 0}:${lport}:${remote >>> 0}:${rport}`;
}

export class TcpConnection {
  state: TcpState;
  readonly iss: number;
  irs = 0;
  sndUna: number;
  sndNxt: number;
  /** Highest sequence number sent (go-back-N can move sndNxt back). */
  private sndMax: number;
  rcvNxt = 0;
  /** The peer's MSS (536 when it sent none). */
  peerMss = DEFAULT_PEER_MSS;
  /** Both sides offered window scaling. */
  wscaleOk = false;
  peerWscale = 0;
  tsOk = false;
  tsRecent = 0;
  sackOk = false;
  private readonly tsOffset: number;
  /** Unacknowledged and unsent bytes, starting at sequence number dataStart. */
  private out = new Uint8Array(0);
  private dataStart: number;
  private finQueued = false;
  /** FIN is (still) counted in sndNxt. */
  private finSent = false;
  /** Sequence number of our FIN once it was sent, else -1. */
  private finSeq = -1;
  private rtxTimer: Timer | null = null;
  private stateTimer: Timer | null = null;
  private rto: number;
  private retries = 0;
  /** An ICMP error was received for it (reported instead of a timeout). */
  softError = false;
  endReason: TcpEndReason | null = null;
  segmentsIn = 0;
  segmentsOut = 0;
  bytesIn = 0;

  /** Called once the handshake completes. */
  onEstablished: (() => void) | null = null;
  /** In-order data from the peer. */
  onData: ((data: Uint8Array) => void) | null = null;
  /** The peer sent FIN (no more data will come). */
  onPeerClose: (() => void) | null = null;
  /** The connection is over for the application (TIME_WAIT counts as closed). */
  onEnd: ((why: TcpEndReason) => void) | null = null;

  constructor(
    private readonly tcp: TcpLayer,
    readonly local: Ipv4, readonly lport: number, readonly remote: Ipv4, readonly rport: number,
    iss: number, state: TcpState,
  ) {
    this.state = state;
    this.iss = iss >>> 0;
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.sndMax = this.iss;
    this.dataStart = seqAdd(this.iss, 1);
    this.tsOffset = tcp.host.rng.u32();
    this.rto = tcp.profile.initialRtoMs;
  }

  get key(): string {
    return connKey(this.local, this.lport, this.remote, this.rport);
  }

  /** Queues data for sending. */
  write(data: Uint8Array | string): void {
    if (this.finQueued || !['SYN_SENT', 'SYN_RCVD', 'ESTABLISHED', 'CLOSE_WAIT'].includes(this.state)) return;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const next = new Uint8Array(this.out.length + bytes.length);
    next.set(this.out, 0);
    next.set(bytes, this.out.length);
    this.out = next;
    this.output();
  }

  /** Closes our direction (FIN after the queued data). */
  close(): void {
    switch (this.state) {
      case 'SYN_SENT':
        this.end('aborted');
        return;
      case 'SYN_RCVD':
      case 'ESTABLISHED':
        this.state = 'FIN_WAIT_1';
        break;
      case 'CLOSE_WAIT':
        this.state = 'LAST_ACK';
        break;
      default:
        return;
    }
    this.finQueued = true;
    this.output();
  }

  /** Drops the connection, with a RST to the peer when `reset` and the connection is synchronized. */
  abort(reset = true): void {
    if (reset && !['SYN_SENT', 'CLOSED', 'TIME_WAIT'].includes(this.state)) this.emit(TCP_RST | TCP_ACK, this.sndNxt);
    this.end('aborted');
  }

  // ---- segment output ----

  private tsVal(): number {
    return (Math.floor(this.tcp.host.clock.now()) + this.tsOffset) >>> 0;
  }

  private window(): number {
    const p = this.tcp.profile;
    const w = this.tsOk ? p.rcvWindowTs : p.rcvWindow;
    return this.wscaleOk ? Math.min(0xffff, Math.ceil(w / 2 ** p.wscale)) : Math.min(0xffff, w);
  }

  /** The most data a segment carries. */
  private sendMss(): number {
    return Math.min(this.peerMss, this.tcp.profile.mss) - (this.tsOk ? 12 : 0);
  }

  /** Sends one segment with our current ack. */
  emit(flags: number, seq: number, payload: Uint8Array | null = null): void {
    const p = this.tcp.profile;
    const values: TcpOptionValues = { mss: p.mss, wscale: p.wscale, tsVal: this.tsVal(), tsEcr: this.tsRecent };
    let order: number[] | null = null;
    let window: number;
    if (flags & TCP_SYN) {
      if (flags & TCP_ACK) {
        // Linux's SYN-ACK: only what the peer offered too.
        order = [TCPOPT_MSS];
        if (this.tsOk) order.push(...(this.sackOk ? [TCPOPT_SACK_PERMITTED] : [TCPOPT_NOP, TCPOPT_NOP]), TCPOPT_TIMESTAMP);
        else if (this.sackOk) order.push(TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK_PERMITTED);
        if (this.wscaleOk) order.push(TCPOPT_NOP, TCPOPT_WSCALE);
        window = Math.min(0xffff, this.tsOk ? p.rcvWindowTs : p.rcvWindow);
      } else {
        order = p.synLayout === 'windows' ? [...WINDOWS_SYN] : [...LINUX_SYN];
        if (!p.timestamps) order = order.filter((k) => k !== TCPOPT_TIMESTAMP);
        if (!p.sack) order = order.filter((k) => k !== TCPOPT_SACK_PERMITTED);
        values.tsEcr = 0;
        window = Math.min(0xffff, p.synWindow);
      }
    } else {
      if (this.tsOk && !(flags & TCP_RST)) order = TS_ONLY;
      window = flags & TCP_RST ? 0 : this.window();
    }
    const len = payload?.length ?? 0;
    const hlen = TCP_HEADER_LEN + (order ? tcpOptionsLen(order) : 0);
    const pkt = this.tcp.host.ip.packet(this.local, this.remote, IPPROTO_TCP, hlen + len, { df: true, ttl: p.ttl });
    const ack = flags & TCP_ACK ? this.rcvNxt : 0;
    writeTcpHeader(pkt, IPV4_HEADER_LEN, this.lport, this.rport, seq >>> 0, ack, flags, window, order, values);
    if (payload) pkt.set(payload, IPV4_HEADER_LEN + hlen);
    setTcpChecksum(pkt, IPV4_HEADER_LEN, hlen + len, this.local, this.remote);
    this.segmentsOut++;
    if (!this.tcp.host.ip.send(pkt) && this.state === 'SYN_SENT') {
      this.tcp.host.clock.setTimeout(() => this.end('unreachable'), 0);
    }
  }

  sendAck(): void {
    this.emit(TCP_ACK, this.sndNxt);
  }

  sendSyn(): void {
    this.emit(TCP_SYN, this.iss);
    this.sndNxt = this.sndMax = seqAdd(this.iss, 1);
    this.armRtx();
  }

  sendSynAck(): void {
    this.emit(TCP_SYN | TCP_ACK, this.iss);
    this.sndNxt = this.sndMax = seqAdd(this.iss, 1);
    this.armRtx();
  }

  /** Sends what the queue holds beyond sndNxt, then FIN when it is due. */
  private output(): void {
    if (!['ESTABLISHED', 'CLOSE_WAIT', 'FIN_WAIT_1', 'LAST_ACK', 'CLOSING'].includes(this.state)) return;
    if (!this.finSent) {
      const mss = Math.max(1, this.sendMss());
      for (;;) {
        const off = (this.sndNxt - this.dataStart) >>> 0;
        if (off >= this.out.length) break;
        const n = Math.min(mss, this.out.length - off);
        const last = off + n === this.out.length;
        this.emit(TCP_ACK | (last ? TCP_PSH : 0), this.sndNxt, this.out.subarray(off, off + n));
        this.sndNxt = seqAdd(this.sndNxt, n);
        if (seqGt(this.sndNxt, this.sndMax)) this.sndMax = this.sndNxt;
      }
      if (this.finQueued && ((this.sndNxt - this.dataStart) >>> 0) === this.out.length) {
        this.emit(TCP_FIN | TCP_ACK, this.sndNxt);
        this.finSeq = this.sndNxt;
        this.sndNxt = seqAdd(this.sndNxt, 1);
        if (seqGt(this.sndNxt, this.sndMax)) this.sndMax = this.sndNxt;
        this.finSent = true;
      }
    }
    if (this.sndUna !== this.sndNxt && this.rtxTimer === null) this.armRtx();
  }

  private armRtx(): void {
    this.rtxTimer?.cancel();
    this.rtxTimer = this.tcp.host.clock.setTimeout(() => this.onRtxTimeout(), this.rto);
  }

  private onRtxTimeout(): void {
    this.rtxTimer = null;
    const p = this.tcp.profile;
    const max = this.state === 'SYN_SENT' ? p.synRetries : this.state === 'SYN_RCVD' ? p.synAckRetries : p.dataRetries;
    if (this.retries >= max) {
      this.end(this.softError ? 'unreachable' : 'timeout');
      return;
    }
    this.retries++;
    this.rto = Math.min(this.rto * 2, MAX_RTO_MS);
    if (this.state === 'SYN_SENT') {
      this.sendSyn();
      return;
    }
    if (this.state === 'SYN_RCVD') {
      this.sendSynAck();
      return;
    }
    // Go back N: resend everything from the first unacknowledged byte.
    this.sndNxt = this.sndUna;
    this.finSent = false;
    this.output();
    this.armRtx();
  }

  // ---- segment input ----

  /** Takes the options of the peer's SYN. */
  learnSyn(m: IpMeta): void {
    const p = this.tcp.profile;
    this.irs = m.seq;
    this.rcvNxt = seqAdd(m.seq, 1);
    this.peerMss = m.mss > 0 ? m.mss : DEFAULT_PEER_MSS;
    this.wscaleOk = m.wscale >= 0;
    this.peerWscale = Math.min(14, Math.max(0, m.wscale));
    this.tsOk = p.timestamps && m.hasTimestamps;
    this.tsRecent = m.hasTimestamps ? m.tsVal : 0;
    this.sackOk = p.sack && m.sackPermitted;
  }

  segment(buf: Uint8Array, m: IpMeta): void {
    this.segmentsIn++;
    const flags = m.tcpFlags;
    const seq = m.seq;
    const ack = m.ack;
    if (this.state === 'SYN_SENT') {
      const ackOk = (flags & TCP_ACK) !== 0 && seqGt(ack, this.iss) && seqLe(ack, this.sndNxt);
      if ((flags & TCP_ACK) && !ackOk) {
        if (!(flags & TCP_RST)) this.tcp.sendReset(m);
        return;
      }
      if (flags & TCP_RST) {
        if (ackOk) this.end('reset');
        return;
      }
      if ((flags & TCP_SYN) && ackOk) {
        this.learnSyn(m);
        this.sndUna = ack;
        this.state = 'ESTABLISHED';
        this.settle();
        this.sendAck();
        this.onEstablished?.();
        this.output();
      }
      return;
    }

    if (flags & TCP_RST) {
      if (seq === this.rcvNxt) this.end('reset');
      else if (seqGt(seq, this.rcvNxt) && seqLt(seq, seqAdd(this.rcvNxt, this.rcvWindowBytes()))) this.sendAck(); // RFC 5961 challenge
      return;
    }
    if (flags & TCP_SYN) {
      if (this.state === 'SYN_RCVD' && seq === this.irs && !(flags & TCP_ACK)) this.sendSynAck(); // the SYN again
      else this.sendAck();
      return;
    }

    let len = m.payloadLen;
    let dataOff = m.payloadOff;
    let fin = (flags & TCP_FIN) !== 0;
    if (len > 0 || fin) {
      if (seqLt(seq, this.rcvNxt)) {
        const dup = (this.rcvNxt - seq) >>> 0;
        if (dup >= len + (fin ? 1 : 0)) {
          // Entirely old (a retransmission): acknowledge again.
          if (flags & TCP_ACK) this.processAck(m);
          this.sendAck();
          return;
        }
        const cut = Math.min(dup, len);
        dataOff += cut;
        len -= cut;
      } else if (seqGt(seq, this.rcvNxt)) {
        // Out of order: no reassembly queue; the duplicate ACK makes the peer resend.
        this.sendAck();
        return;
      }
    }
    if (!(flags & TCP_ACK)) return;

    if (this.state === 'SYN_RCVD') {
      if (!(seqGt(ack, this.sndUna) && seqLe(ack, this.sndMax))) {
        this.tcp.sendReset(m);
        return;
      }
      this.sndUna = ack;
      this.state = 'ESTABLISHED';
      this.settle();
      if (!this.tcp.accept(this)) return;
    }
    if (!this.processAck(m)) return;

    if (this.tsOk && m.hasTimestamps && seqLe(seq, this.rcvNxt)) this.tsRecent = m.tsVal;

    if (len > 0 && (this.state === 'ESTABLISHED' || this.state === 'FIN_WAIT_1' || this.state === 'FIN_WAIT_2')) {
      const data = buf.slice(dataOff, dataOff + len);
      this.rcvNxt = seqAdd(this.rcvNxt, len);
      this.bytesIn += len;
      this.sendAck();
      this.onData?.(data);
    } else if (len > 0) {
      fin = false; // data after our side saw FIN: ignore
    }

    if (fin && this.state !== 'CLOSED') {
      this.rcvNxt = seqAdd(this.rcvNxt, 1);
      switch (this.state) {
        case 'ESTABLISHED': {
          this.state = 'CLOSE_WAIT';
          const before = this.segmentsOut;
          this.onPeerClose?.();
          // The application's FIN (if it closed at once) carries the ACK, as in the seed.
          if (this.segmentsOut === before) this.sendAck();
          break;
        }
        case 'FIN_WAIT_1':
          this.state = 'CLOSING';
          this.sendAck();
          this.onPeerClose?.();
          break;
        case 'FIN_WAIT_2':
          this.sendAck();
          this.onPeerClose?.();
          this.timeWait();
          break;
        default:
          this.sendAck();
      }
    }
  }

  private rcvWindowBytes(): number {
    const p = this.tcp.profile;
    return this.tsOk ? p.rcvWindowTs : p.rcvWindow;
  }

  /** Restores the data-phase retransmission timeout after the handshake. */
  private settle(): void {
    this.rtxTimer?.cancel();
    this.rtxTimer = null;
    this.retries = 0;
    this.rto = this.tcp.profile.minRtoMs;
  }

  /** Handles the ACK field; false when the segment must be dropped. */
  private processAck(m: IpMeta): boolean {
    const ack = m.ack;
    if (seqGt(ack, this.sndMax)) {
      this.sendAck();
      return false;
    }
    if (seqGt(ack, this.sndNxt)) this.sndNxt = ack;
    if (!seqGt(ack, this.sndUna)) return true;
    const acked = Math.max(0, Math.min((ack - this.dataStart) | 0, this.out.length));
    if (acked > 0) {
      this.out = this.out.subarray(acked);
      this.dataStart = seqAdd(this.dataStart, acked);
    }
    this.sndUna = ack;
    this.retries = 0;
    this.rto = this.tcp.profile.minRtoMs;
    this.rtxTimer?.cancel();
    this.rtxTimer = null;
    if (this.sndUna !== this.sndMax) this.armRtx();
    if (this.finSeq >= 0 && seqGt(ack, this.finSeq) && this.state !== 'TIME_WAIT') {
      this.finSent = true;
      switch (this.state) {
        case 'FIN_WAIT_1':
          this.state = 'FIN_WAIT_2';
          this.stateTimer = this.tcp.host.clock.setTimeout(() => this.end('closed'), this.tcp.profile.finWait2Ms);
          break;
        case 'CLOSING':
          this.timeWait();
          break;
        case 'LAST_ACK':
          this.end('closed');
          return false;
      }
    }
    return true;
  }

  private timeWait(): void {
    this.state = 'TIME_WAIT';
    this.rtxTimer?.cancel();
    this.rtxTimer = null;
    this.stateTimer?.cancel();
    this.stateTimer = this.tcp.host.clock.setTimeout(() => this.destroy(), this.tcp.profile.timeWaitMs);
    this.report('closed');
  }

  /** Ends the connection for good. */
  end(why: TcpEndReason): void {
    this.state = 'CLOSED';
    this.destroy();
    this.report(why);
  }

  /** Forgets the connection (TIME_WAIT over, or replaced by a new SYN). */
  destroy(): void {
    this.state = 'CLOSED';
    this.rtxTimer?.cancel();
    this.rtxTimer = null;
    this.stateTimer?.cancel();
    this.stateTimer = null;
    this.tcp.forget(this);
  }

  private report(why: TcpEndReason): void {
    if (this.endReason !== null) return;
    this.endReason = why;
    this.onEnd?.(why);
  }

  /** An ICMP error about one of our segments. */
  icmpError(q: IpMeta, type: number, code: number): void {
    if (type === ICMP_DEST_UNREACH && code === ICMP_FRAG_NEEDED) return;
    if (type !== ICMP_DEST_UNREACH && type !== ICMP_TIME_EXCEEDED) return;
    if (this.state === 'SYN_SENT' && q.seq === this.iss) {
      // Linux fails a connect at once on any ICMP error for the SYN.
      this.end('unreachable');
    } else if (this.state === 'SYN_RCVD') {
      this.end('unreachable');
    } else {
      this.softError = true;
    }
  }
}

/** What `connect` accepts. */
export interface ConnectOptions {
  /** Source address; default the route's. */
  readonly src?: Ipv4;
  /** Source port; default an ephemeral one. */
  readonly sport?: number;
}

export class TcpLayer {
  profile: TcpProfile = LINUX_TCP;
  private readonly listeners = new Map<number, (c: TcpConnection) => void>();
  private readonly conns = new Map<string, TcpConnection>();
  resetsSent = 0;

  constructor(readonly host: Host) {}

  /** Accepts connections on `port` (any local address); returns the function that stops listening. */
  listen(port: number, onAccept: (c: TcpConnection) => void): () => void {
    this.listeners.set(port, onAccept);
    return () => {
      if (this.listeners.get(port) === onAccept) this.listeners.delete(port);
    };
  }

  isListening(port: number): boolean {
    return this.listeners.has(port);
  }

  connections(): TcpConnection[] {
    return [...this.conns.values()];
  }

  /** Opens a connection (sends the SYN). Watch `onEstablished` / `onEnd`. */
  connect(dst: Ipv4, dport: number, opts: ConnectOptions = {}): TcpConnection {
    const src = opts.src ?? (this.host.ip.isLocal(dst) ? dst : this.host.ip.route(dst)?.src ?? (0 as Ipv4));
    const sport = opts.sport ?? this.ephemeralPort(src, dst, dport);
    const c = new TcpConnection(this, src, sport, dst, dport, this.host.rng.u32(), 'SYN_SENT');
    this.conns.get(c.key)?.destroy();
    this.conns.set(c.key, c);
    if (src === 0) {
      // No route: connect() fails at once (ENETUNREACH).
      this.host.clock.setTimeout(() => c.end('unreachable'), 0);
      return c;
    }
    c.sendSyn();
    return c;
  }

  private ephemeralPort(src: number, dst: number, dport: number): number {
    const [lo, hi] = this.profile.ephemeral;
    for (let i = 0; i < 64; i++) {
      const p = this.host.rng.int(lo, hi);
      if (!this.listeners.has(p) && !this.conns.has(connKey(src, p, dst, dport))) return p;
    }
    for (let p = lo; p <= hi; p++) if (!this.conns.has(connKey(src, p, dst, dport))) return p;
    throw new Error(`${this.host.name}: no free ephemeral port`);
  }

  receive(nic: Nic, buf: Uint8Array, m: IpMeta): void {
    const flags = m.tcpFlags;
    let c = this.conns.get(connKey(m.ipDst, m.dport, m.ipSrc, m.sport));
    if (c && c.state === 'TIME_WAIT' && (flags & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_SYN && seqGt(m.seq, c.rcvNxt)) {
      c.destroy(); // a new incarnation of the same 4-tuple
      c = undefined;
    }
    if (c) {
      c.segment(buf, m);
      return;
    }
    if (flags & TCP_RST) return;
    if (nic.isBroadcast(m.ipDst) || (m.ipDst >>> 28) === 0xe) return;
    if ((flags & (TCP_SYN | TCP_ACK | TCP_FIN)) === TCP_SYN && this.listeners.has(m.dport)) {
      const n = new TcpConnection(this, m.ipDst, m.dport, m.ipSrc, m.sport, this.host.rng.u32(), 'SYN_RCVD');
      n.learnSyn(m);
      this.conns.set(n.key, n);
      n.sendSynAck();
      return;
    }
    this.sendReset(m);
  }

  /** Hands an established passive connection to its listener; false (and a RST) when it is gone. */
  accept(c: TcpConnection): boolean {
    const l = this.listeners.get(c.lport);
    if (!l) {
      c.abort(true);
      return false;
    }
    l(c);
    c.onEstablished?.();
    return true;
  }

  forget(c: TcpConnection): void {
    if (this.conns.get(c.key) === c) this.conns.delete(c.key);
  }

  /** The RST a closed port (or a bad segment) gets: `[R] seq <ack>`, or `[R.] seq 0 ack <seq+len>`. */
  sendReset(m: IpMeta): void {
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
    const pkt = this.host.ip.packet(m.ipDst, m.ipSrc, IPPROTO_TCP, TCP_HEADER_LEN, { df: true, ttl: this.profile.ttl, id: 0 });
    writeTcpHeader(pkt, IPV4_HEADER_LEN, m.dport, m.sport, seq, ack, rflags, 0);
    setTcpChecksum(pkt, IPV4_HEADER_LEN, TCP_HEADER_LEN, m.ipDst, m.ipSrc);
    this.resetsSent++;
    this.host.ip.send(pkt);
  }

  /** An ICMP error quoting one of our TCP segments. */
  icmpError(q: IpMeta, type: number, code: number): void {
    this.conns.get(connKey(q.ipSrc, q.sport, q.ipDst, q.dport))?.icmpError(q, type, code);
  }
}
