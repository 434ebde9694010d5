// One TCP connection (RFC 9293): the state machine with simultaneous open and close, the send
// side (flow control by the peer's window, NewReno congestion control, RFC 6298 retransmission
// timer, persist timer), the receive side (out-of-order queue, SACK blocks, a window advertised
// from free buffer space, application pause/resume), RFC 5961 checks, RFC 7323 timestamps and
// PAWS, keepalive and a user timeout.
//
// Sequence numbers are kept as positions: plain numbers counted from the ISN (send side) or the
// peer's ISN (receive side), so that nothing inside wraps around; `wireSnd`/`wireRcv` convert.
// On the send side position 0 is our SYN, data byte k is at 1 + k and our FIN follows the data.

import type { Ipv4 } from '../addr.js';
import { ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, ICMP_TIME_EXCEEDED } from '../../packet/icmp.js';
import type { IpMeta } from '../../packet/meta.js';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, setTcpChecksum, type TcpOptionValues } from '../../packet/tcp.js';
import type { Timer } from '../../util/clock.js';
import { AckAction, NewReno } from './congestion.js';
import { KeepAlive } from './keepalive.js';
import type { TcpProfile } from './profile.js';
import { ReassemblyQueue } from './reassembly.js';
import { ReceiveWindow } from './receive-window.js';
import { FALLBACK_RTO_MS, RtoEstimator } from './rto.js';
import { SendBuffer } from './send-buffer.js';
import { seqDiff } from './seq.js';
import type {
  KeepAliveOptions, TcpConnectionHost, TcpConnectionInfo, TcpConnectionOptions, TcpEndReason, TcpState,
} from './types.js';
import { TCP_MAX_HEADER_LEN, TS_OPTIONS, TS_OPTIONS_LEN, maxSackBlocks, synAckOptions, synOptions, writeSegmentHeader } from './wire.js';

const SENDING_STATES: ReadonlySet<TcpState> = new Set(['ESTABLISHED', 'CLOSE_WAIT', 'FIN_WAIT_1', 'LAST_ACK', 'CLOSING']);
const RECEIVING_STATES: ReadonlySet<TcpState> = new Set(['ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2']);
const WRITABLE_STATES: ReadonlySet<TcpState> = new Set(['SYN_SENT', 'SYN_RCVD', 'ESTABLISHED', 'CLOSE_WAIT']);
const KEEPALIVE_STATES: ReadonlySet<TcpState> = new Set(['ESTABLISHED', 'CLOSE_WAIT']);

const DEFAULT_PEER_MSS = 536;
const MIN_PMTU = 68;
/** RFC 1191's MTU plateaus, for a fragmentation-needed error without a next-hop MTU. */
const MTU_PLATEAUS = [65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, MIN_PMTU];
/** Linux's tcp_invalid_ratelimit: the least time between ACKs answering out-of-window pure ACKs. */
const OOW_ACK_INTERVAL_MS = 500;
/** RFC 7323 5.5: TS.Recent older than 24 days is not used for PAWS. */
const PAWS_IDLE_MS = 24 * 86_400_000;

export class TcpConnection {
  state: TcpState;
  readonly iss: number;
  irs = 0;
  /** The peer's MSS (536 when it sent none). */
  peerMss = DEFAULT_PEER_MSS;
  /** Both sides offered window scaling. */
  wscaleOk = false;
  /** The peer's window shift (what its window fields are scaled by). */
  peerWscale = 0;
  tsOk = false;
  tsRecent = 0;
  sackOk = false;
  /** An ICMP error was received for it (reported instead of a timeout). */
  softError = false;
  endReason: TcpEndReason | null = null;
  /** Path MTU (lowered by ICMP fragmentation-needed). */
  pmtu: number;

  // ---- counters ----
  segmentsIn = 0;
  segmentsOut = 0;
  /** In-order data bytes received. */
  bytesIn = 0;
  /** Data bytes acknowledged by the peer. */
  bytesAcked = 0;
  /** Segments sent again (any cause), and of those, fast retransmits and timeouts. */
  retransmits = 0;
  fastRetransmits = 0;
  timeouts = 0;
  /** Zero-window probes sent, keepalive probes sent, challenge ACKs sent. */
  windowProbes = 0;
  challengeAcks = 0;
  /** Duplicate ACKs received. */
  dupAcksIn = 0;

  // ---- application hooks ----
  /** Called once the handshake completes. */
  onEstablished: (() => void) | null = null;
  /** In-order data from the peer (a fresh copy each time), unless reading is paused. */
  onData: ((data: Uint8Array) => void) | null = null;
  /** The peer sent FIN (no more data will come), after the data before it was delivered. */
  onPeerClose: (() => void) | null = null;
  /** The connection is over for the application (TIME_WAIT counts as closed). */
  onEnd: ((why: TcpEndReason) => void) | null = null;
  /** The send buffer fell to half its high-water mark after write() returned false. */
  onDrain: (() => void) | null = null;

  private readonly host: TcpConnectionHost;
  private readonly profile: TcpProfile;
  private readonly tsOffset: number;
  private readonly values: TcpOptionValues;
  private synOrder: readonly number[] = [];

  // ---- send side (positions) ----
  private sndUnaPos = 0;
  private sndNxtPos = 0;
  private sndMaxPos = 0;
  private sndWnd = 0;
  private sndWl1 = -1;
  private sndWl2 = 0;
  private maxSndWnd = 0;
  private readonly sendBuf = new SendBuffer();
  /** Position of our FIN once the application closed, else -1. */
  private finPos = -1;
  /** close() (bounded FIN_WAIT_2) rather than shutdown(). */
  private orphaned = false;
  /** close()/shutdown() in SYN_RCVD: FIN once established. */
  private closeOnEstablish = false;
  private sndHighWater: number;
  private needDrain = false;
  private readonly cc: NewReno;
  private readonly rtt: RtoEstimator;
  /** Position whose acknowledgement gives an RTT sample (no timestamps), or -1. */
  private rttPos = -1;
  private rttStart = 0;
  private retries = 0;
  private probesOut = 0;
  private persistBackoff = 0;
  /** When the oldest unacknowledged data was sent (user timeout). */
  private headSentAt = 0;
  private lastSendAt = 0;

  // ---- receive side (positions) ----
  private rcvNxtPos = 0;
  /** RCV.NXT when we last sent an ACK (Last.ACK.sent). */
  private rcvWup = 0;
  private readonly rwin: ReceiveWindow;
  private readonly reasm = new ReassemblyQueue();
  /** Position of a FIN that arrived out of order, or -1. */
  private oooFinPos = -1;
  /** The peer's FIN arrived while data was held: onPeerClose after it is read. */
  private peerClosePending = false;
  private tsRecentAt = 0;
  private ackPending = false;
  private lastOowAckAt = -Infinity;
  private readonly sackScratch: number[] = [];

  // ---- timers ----
  private rtxTimer: Timer | null = null;
  private persistTimer: Timer | null = null;
  private stateTimer: Timer | null = null;
  private delackTimer: Timer | null = null;
  private readonly keepAlive: KeepAlive;
  private userTimeoutMs = 0;
  private tos = 0;
  private ttl: number;
  private readonly passive: boolean;
  private readonly fireRtx = (): void => this.onRtxTimeout();
  private readonly firePersist = (): void => this.onPersist();

  constructor(
    host: TcpConnectionHost,
    readonly local: Ipv4, readonly lport: number, readonly remote: Ipv4, readonly rport: number,
    iss: number, state: 'SYN_SENT' | 'SYN_RCVD', opts: TcpConnectionOptions = {},
  ) {
    this.host = host;
    this.profile = host.profile;
    const p = this.profile;
    this.state = state;
    this.passive = state === 'SYN_RCVD';
    this.iss = iss >>> 0;
    this.tsOffset = host.rng.u32();
    this.values = { mss: p.mss, wscale: p.wscale, tsVal: 0, tsEcr: 0 };
    this.pmtu = p.mss + 40;
    this.rtt = new RtoEstimator(p.initialRtoMs, p.minRtoMs, p.maxRtoMs);
    this.cc = new NewReno(Math.max(1, Math.min(p.mss, DEFAULT_PEER_MSS)), p.initialCwnd);
    this.sndHighWater = p.sendBuffer;
    this.ttl = p.ttl;
    this.rwin = new ReceiveWindow(p.mss);
    this.keepAlive = new KeepAlive(host.clock, { idleMs: p.keepAliveIdleMs, intervalMs: p.keepAliveIntervalMs, probes: p.keepAliveProbes }, {
      busy: () => !KEEPALIVE_STATES.has(this.state) || this.sndMaxPos > this.sndUnaPos || this.sndNxtPos < this.dataEnd,
      probe: () => this.emit(TCP_ACK, this.sndUnaPos - 1, 0),
      dead: () => {
        this.emit(TCP_RST | TCP_ACK, this.sndNxtPos, 0);
        this.end('timeout');
      },
    });
    this.applyOptions(opts);
  }

  /** Applies per-connection settings (any subset). */
  applyOptions(o: TcpConnectionOptions): void {
    if (o.receiveBuffer !== undefined) this.setReceiveBuffer(o.receiveBuffer);
    if (o.sendBuffer !== undefined) this.sndHighWater = Math.max(1, Math.floor(o.sendBuffer));
    if (o.userTimeoutMs !== undefined) this.userTimeoutMs = Math.max(0, o.userTimeoutMs);
    if (o.tos !== undefined) this.tos = o.tos & 0xff;
    if (o.ttl !== undefined) this.ttl = Math.max(1, Math.min(255, Math.floor(o.ttl)));
    if (o.keepAlive !== undefined) {
      if (typeof o.keepAlive === 'boolean') this.setKeepAlive(o.keepAlive);
      else this.setKeepAlive(true, o.keepAlive);
    }
  }

  // ---- wire positions ----

  private wireSnd(pos: number): number {
    return (this.iss + pos) >>> 0;
  }
  private wireRcv(pos: number): number {
    return (this.irs + pos) >>> 0;
  }
  private sndPosOf(ack: number): number {
    return this.sndUnaPos + seqDiff(ack, this.wireSnd(this.sndUnaPos));
  }
  private rcvPosOf(seq: number): number {
    return this.rcvNxtPos + seqDiff(seq, this.wireRcv(this.rcvNxtPos));
  }

  /** SND.UNA, SND.NXT and RCV.NXT as sequence numbers. */
  get sndUna(): number {
    return this.wireSnd(this.sndUnaPos);
  }
  get sndNxt(): number {
    return this.wireSnd(this.sndNxtPos);
  }
  get rcvNxt(): number {
    return this.wireRcv(this.rcvNxtPos);
  }

  get isClosed(): boolean {
    return this.state === 'CLOSED';
  }

  // ---- the application's side ----

  /** True while write() accepts data (before close/shutdown, before the end). */
  get writable(): boolean {
    return WRITABLE_STATES.has(this.state) && this.finPos < 0 && !this.closeOnEstablish;
  }

  /** Bytes written and not yet acknowledged by the peer (sent or not). */
  get bufferedOut(): number {
    return this.sendBuf.length;
  }

  /** Bytes received in order and held for a paused reader. */
  get bufferedIn(): number {
    return this.rwin.heldBytes;
  }

  get readPaused(): boolean {
    return this.rwin.paused;
  }

  /**
   * Queues data for sending (copied). Returns false when the data was refused (the connection
   * is closing or over) or when the send buffer is now above its high-water mark: then wait for
   * onDrain before writing more (the data given was queued all the same).
   */
  write(data: Uint8Array | string): boolean {
    if (!this.writable) return false;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.sendBuf.push(bytes);
    this.output();
    if (this.sendBuf.length >= this.sndHighWater) {
      this.needDrain = true;
      return false;
    }
    return true;
  }

  /** Closes our direction (FIN after the queued data); FIN_WAIT_2 then lasts at most the profile's finWait2Ms. */
  close(): void {
    this.shutdownWith(true);
  }

  /** Half-close: FIN after the queued data, and keep reading for as long as the peer sends. */
  shutdown(): void {
    this.shutdownWith(false);
  }

  private shutdownWith(orphan: boolean): void {
    switch (this.state) {
      case 'SYN_SENT':
        this.end('aborted');
        return;
      case 'SYN_RCVD':
        if (this.finPos < 0 && !this.closeOnEstablish) {
          this.closeOnEstablish = true;
          this.orphaned = orphan;
        }
        return;
      case 'ESTABLISHED':
        this.state = 'FIN_WAIT_1';
        break;
      case 'CLOSE_WAIT':
        this.state = 'LAST_ACK';
        break;
      case 'FIN_WAIT_2':
        // close() after shutdown(): from now on the wait for the peer's FIN is bounded.
        if (orphan && !this.orphaned) {
          this.orphaned = true;
          this.stateTimer = this.host.clock.setTimeout(() => this.end('closed'), this.profile.finWait2Ms);
        }
        return;
      default:
        if (orphan) this.orphaned = true;
        return;
    }
    this.orphaned = orphan;
    this.finPos = 1 + this.sendBuf.end;
    this.output();
  }

  /** Drops the connection, with a RST to the peer when `reset` and the connection is synchronized. */
  abort(reset = true): void {
    if (this.state === 'CLOSED') return;
    if (reset && this.state !== 'SYN_SENT' && this.state !== 'TIME_WAIT') this.emit(TCP_RST | TCP_ACK, this.sndNxtPos, 0);
    this.end('aborted');
  }

  /** Stops onData: data is held (up to the receive buffer, then the window closes). */
  pause(): void {
    this.rwin.paused = true;
  }

  /** Delivers what was held, then lets data flow again; tells the peer when the window reopens. */
  resume(): void {
    const w = this.rwin;
    if (!w.paused) return;
    w.paused = false;
    const before = w.room();
    if (w.release(this.deliverToApp) && this.peerClosePending && !w.paused) {
      this.peerClosePending = false;
      this.onPeerClose?.();
    }
    if ((RECEIVING_STATES.has(this.state) || this.state === 'CLOSE_WAIT') && w.worthUpdate(before, this.rcvNxtPos)) this.sendAck();
  }

  /** Sets the receive buffer (bytes); the window grows or shrinks with it (never below what was offered). */
  setReceiveBuffer(bytes: number): void {
    this.rwin.setSize(bytes);
  }

  /** Turns keepalive on or off; unanswered probes end the connection with `timeout` (after a RST). */
  setKeepAlive(on: boolean, o: KeepAliveOptions = {}): void {
    this.keepAlive.configure(on && this.state !== 'CLOSED' && this.state !== 'TIME_WAIT', o);
  }

  /** Keepalive probes sent. */
  get keepAliveProbes(): number {
    return this.keepAlive.sent;
  }

  setUserTimeout(ms: number): void {
    this.userTimeoutMs = Math.max(0, ms);
  }

  /** A snapshot of the connection's machinery (tests, show commands). */
  info(): TcpConnectionInfo {
    return {
      state: this.state, mss: this.sendMss(), cwnd: this.cc.cwnd, ssthresh: this.cc.ssthresh,
      inRecovery: this.cc.inRecovery, srttMs: this.rtt.srtt, rtoMs: this.rtt.rto, sndWnd: this.sndWnd,
      rcvWnd: this.rwin.offered(this.rcvNxtPos), inFlight: this.sndMaxPos - this.sndUnaPos,
      unsent: Math.max(0, 1 + this.sendBuf.end - this.sndNxtPos), outOfOrder: this.reasm.bytes, unread: this.rwin.heldBytes,
    };
  }

  // ---- segment output ----

  private tsVal(): number {
    return (Math.floor(this.host.clock.now()) + this.tsOffset) >>> 0;
  }

  /** The most data a segment carries. */
  private sendMss(): number {
    return Math.max(1, Math.min(this.peerMss, this.profile.mss, this.pmtu - 40) - (this.tsOk ? TS_OPTIONS_LEN : 0));
  }

  /** Our receive window shift. */
  private get rcvWscale(): number {
    return this.wscaleOk ? this.profile.wscale : 0;
  }

  /**
   * Sends one segment: flags, sequence position, and `dataLen` bytes from the send buffer at
   * that position. Returns false when it could not leave.
   */
  private emit(flags: number, seqPos: number, dataLen: number): boolean {
    const p = this.profile;
    const v = this.values;
    v.tsVal = this.tsVal();
    v.tsEcr = this.tsRecent;
    let order: readonly number[] | null = null;
    let window: number;
    let sackCount = 0;
    if (flags & TCP_SYN) {
      if (flags & TCP_ACK) {
        order = this.synOrder;
        window = Math.min(0xffff, this.tsOk ? p.rcvWindowTs : p.rcvWindow);
        this.rwin.advRight = Math.max(this.rwin.advRight, this.rcvNxtPos + window);
      } else {
        order = this.synOrder;
        v.tsEcr = 0;
        window = Math.min(0xffff, p.synWindow);
      }
    } else if (flags & TCP_RST) {
      window = 0;
    } else {
      if (this.tsOk) order = TS_OPTIONS;
      window = this.rwin.field(this.rcvNxtPos, this.rcvWscale);
      if (dataLen === 0 && this.sackOk && !this.reasm.isEmpty) {
        sackCount = this.reasm.sackBlocks(this.sackScratch, maxSackBlocks(this.tsOk));
        for (let i = 0; i < 2 * sackCount; i++) this.sackScratch[i] = this.wireRcv(this.sackScratch[i]!);
      }
    }
    const buf = this.host.segmentBuffer(TCP_MAX_HEADER_LEN + dataLen);
    const ack = flags & TCP_ACK ? this.wireRcv(this.rcvNxtPos) : 0;
    const hlen = writeSegmentHeader(buf, this.lport, this.rport, this.wireSnd(seqPos), ack, flags, window, order, v, this.sackScratch, sackCount);
    if (dataLen > 0) this.sendBuf.copyOut(seqPos - 1, dataLen, buf, hlen);
    setTcpChecksum(buf, 0, hlen + dataLen, this.local, this.remote);
    this.segmentsOut++;
    if (flags & TCP_ACK) {
      this.rcvWup = this.rcvNxtPos;
      this.ackPending = false;
      if (this.delackTimer) {
        this.delackTimer.cancel();
        this.delackTimer = null;
      }
    }
    const ok = this.host.transmit(this.local, this.remote, hlen + dataLen, this.ttl, this.tos);
    if (!ok && this.state === 'SYN_SENT') this.host.clock.setTimeout(() => this.end('unreachable'), 0);
    return ok;
  }

  /** A pure ACK. Its sequence number is SND.MAX: after a timeout SND.NXT goes back, but the peer has seen more. */
  sendAck(): void {
    this.emit(TCP_ACK, this.sndMaxPos, 0);
  }

  /** Opens the connection (the stack calls it once). */
  sendSyn(): void {
    if (this.synOrder.length === 0) this.synOrder = synOptions(this.profile);
    if (this.retries === 0) {
      this.rttPos = 1;
      this.rttStart = this.host.clock.now();
    } else {
      this.rttPos = -1;
    }
    this.emit(TCP_SYN, 0, 0);
    this.sndNxtPos = this.sndMaxPos = 1;
    this.armRtx();
  }

  sendSynAck(): void {
    this.synOrder = synAckOptions(this.tsOk, this.sackOk, this.wscaleOk);
    if (this.retries === 0 && this.passive) {
      this.rttPos = 1;
      this.rttStart = this.host.clock.now();
    } else {
      this.rttPos = -1;
    }
    this.emit(TCP_SYN | TCP_ACK, 0, 0);
    this.sndNxtPos = this.sndMaxPos = 1;
    this.armRtx();
  }

  /** Position just past the last data byte written. */
  private get dataEnd(): number {
    return 1 + this.sendBuf.end;
  }

  /** Sends what the windows allow beyond SND.NXT, then the FIN when it is due. */
  private output(): void {
    if (!SENDING_STATES.has(this.state)) return;
    const now = this.host.clock.now();
    if (this.sndMaxPos === this.sndUnaPos && this.lastSendAt > 0 && now - this.lastSendAt > this.rtt.rto) this.cc.onIdleRestart();
    const mss = this.sendMss();
    for (;;) {
      const dataEnd = this.dataEnd;
      if (this.sndNxtPos < dataEnd) {
        const peerEdge = this.sndUnaPos + this.sndWnd;
        const edge = Math.min(peerEdge, this.sndUnaPos + this.cc.cwnd);
        const usable = edge - this.sndNxtPos;
        let n = Math.min(mss, dataEnd - this.sndNxtPos);
        if (usable < n) {
          // Only the peer's window may cut a segment short, and only to at least half of
          // the largest window it offered (sender-side silly window avoidance).
          if (usable <= 0 || peerEdge > edge || usable < this.maxSndWnd / 2) break;
          n = usable;
        }
        this.sendData(this.sndNxtPos, n);
        continue;
      }
      if (this.finPos >= 0 && this.sndNxtPos === this.finPos) {
        if (this.sndMaxPos > this.finPos) this.retransmits++;
        this.emit(TCP_FIN | TCP_ACK, this.finPos, 0);
        this.sndNxtPos = this.finPos + 1;
        if (this.sndNxtPos > this.sndMaxPos) this.sndMaxPos = this.sndNxtPos;
        this.lastSendAt = now;
      }
      break;
    }
    if (this.sndMaxPos > this.sndUnaPos) {
      this.cancelPersist();
      if (this.rtxTimer === null) this.armRtx();
    } else if (this.sndNxtPos < this.dataEnd) {
      if (this.persistTimer === null) this.armPersist();
    } else {
      this.cancelPersist();
    }
  }

  /** Sends [pos, pos + n) of data (new or again) and advances SND.NXT past it. */
  private sendData(pos: number, n: number): void {
    const now = this.host.clock.now();
    const again = pos < this.sndMaxPos;
    if (again) {
      this.retransmits++;
      if (this.rttPos >= 0 && pos < this.rttPos) this.rttPos = -1; // Karn
    } else {
      if (this.sndMaxPos === this.sndUnaPos) this.headSentAt = now;
      if (this.rttPos < 0 && !this.tsOk) {
        this.rttPos = pos + n;
        this.rttStart = now;
      }
    }
    this.emit(TCP_ACK | (pos + n === this.dataEnd ? TCP_PSH : 0), pos, n);
    this.sndNxtPos = pos + n;
    if (this.sndNxtPos > this.sndMaxPos) this.sndMaxPos = this.sndNxtPos;
    this.lastSendAt = now;
  }

  /** Sends the first unacknowledged segment again (fast retransmit, partial ACK, timeout). */
  private retransmitHead(): void {
    const una = this.sndUnaPos;
    const dataEnd = this.dataEnd;
    const nxt = this.sndNxtPos;
    if (una < dataEnd) {
      const n = Math.min(this.sendMss(), dataEnd - una, Math.max(1, this.sndMaxPos - una));
      this.sendData(una, n);
      if (nxt > this.sndNxtPos) this.sndNxtPos = nxt;
    } else if (this.finPos >= 0 && una === this.finPos) {
      this.retransmits++;
      this.emit(TCP_FIN | TCP_ACK, this.finPos, 0);
    }
  }

  // ---- timers ----

  private armRtx(): void {
    this.rtxTimer?.cancel();
    this.rtxTimer = this.host.clock.setTimeout(this.fireRtx, this.rtt.rto);
  }

  private stopRtx(): void {
    this.rtxTimer?.cancel();
    this.rtxTimer = null;
  }

  private onRtxTimeout(): void {
    this.rtxTimer = null;
    const p = this.profile;
    const synState = this.state === 'SYN_SENT' || this.state === 'SYN_RCVD';
    if (!synState && this.sndMaxPos === this.sndUnaPos) return;
    const max = this.state === 'SYN_SENT' ? p.synRetries : this.state === 'SYN_RCVD' ? p.synAckRetries : p.dataRetries;
    const userExpired = !synState && this.userTimeoutMs > 0 && this.host.clock.now() - this.headSentAt >= this.userTimeoutMs;
    if (userExpired || (this.retries >= max && !(this.userTimeoutMs > 0 && !synState))) {
      this.end(this.softError ? 'unreachable' : 'timeout');
      return;
    }
    this.retries++;
    this.rtt.backOff();
    if (this.state === 'SYN_SENT') {
      this.sendSyn();
      return;
    }
    if (this.state === 'SYN_RCVD') {
      this.sendSynAck();
      return;
    }
    this.timeouts++;
    this.cc.onTimeout(this.sndMaxPos - this.sndUnaPos, this.sndMaxPos, this.retries === 1);
    this.rttPos = -1;
    // Go back to SND.UNA: what the receiver holds beyond the hole comes back in its ACK.
    this.sndNxtPos = this.sndUnaPos;
    this.retransmitHead();
    if (this.sndNxtPos === this.sndUnaPos && this.finPos >= 0 && this.sndUnaPos === this.finPos) this.sndNxtPos = this.finPos + 1;
    this.output();
    this.armRtx();
  }

  private armPersist(): void {
    this.persistTimer?.cancel();
    const delay = Math.min(this.profile.maxRtoMs, Math.max(this.profile.minRtoMs, this.rtt.rto) * 2 ** this.persistBackoff);
    this.persistTimer = this.host.clock.setTimeout(this.firePersist, delay);
  }

  private cancelPersist(): void {
    if (this.persistTimer) {
      this.persistTimer.cancel();
      this.persistTimer = null;
    }
    this.persistBackoff = 0;
  }

  /** The persist timer: the window stayed too small to send with nothing in flight. */
  private onPersist(): void {
    this.persistTimer = null;
    if (!SENDING_STATES.has(this.state) || this.sndMaxPos > this.sndUnaPos || this.sndNxtPos >= this.dataEnd) return;
    if (this.probesOut >= this.profile.dataRetries) {
      this.end(this.softError ? 'unreachable' : 'timeout');
      return;
    }
    this.probesOut++;
    const usable = this.sndUnaPos + this.sndWnd - this.sndNxtPos;
    if (usable > 0) {
      // The override of sender-side silly window avoidance: send what fits.
      this.sendData(this.sndNxtPos, Math.min(usable, this.sendMss(), this.dataEnd - this.sndNxtPos));
      this.armRtx();
      return;
    }
    this.windowProbes++;
    this.emit(TCP_ACK, this.sndUnaPos - 1, 0); // an old sequence number: the peer answers with its window
    if (this.persistBackoff < 16) this.persistBackoff++;
    this.armPersist();
  }

  // ---- segment input ----

  /** Takes the options of the peer's SYN. */
  learnSyn(m: IpMeta): void {
    const p = this.profile;
    this.irs = m.seq >>> 0;
    this.rcvNxtPos = 1;
    this.rcvWup = 1;
    this.rwin.advRight = 1;
    this.peerMss = m.mss > 0 ? m.mss : DEFAULT_PEER_MSS;
    this.wscaleOk = m.wscale >= 0;
    this.peerWscale = this.wscaleOk ? Math.min(14, m.wscale) : 0;
    this.tsOk = p.timestamps && m.hasTimestamps;
    this.tsRecent = m.hasTimestamps ? m.tsVal : 0;
    this.tsRecentAt = this.host.clock.now();
    this.sackOk = p.sack && m.sackPermitted;
    if (this.rwin.size === 0) this.rwin.setSize(this.tsOk ? p.rcvWindowTs : p.rcvWindow);
    this.sndWnd = m.window; // never scaled in a SYN
    this.maxSndWnd = Math.max(this.maxSndWnd, this.sndWnd);
    this.sndWl1 = 0;
    this.cc.setMss(this.sendMss());
    this.cc.cwnd = this.cc.initialWindow();
  }

  segment(buf: Uint8Array, m: IpMeta): void {
    this.segmentsIn++;
    if (this.state === 'SYN_SENT') {
      this.synSentInput(buf, m);
      return;
    }
    const flags = m.tcpFlags;
    let seqPos = this.rcvPosOf(m.seq);

    if (flags & TCP_RST) {
      // RFC 5961 3.2: only an exact RST resets; one elsewhere in the window gets a challenge ACK.
      if (seqPos === this.rcvNxtPos) this.end('reset');
      else if (seqPos > this.rcvNxtPos && seqPos < this.rcvNxtPos + Math.max(1, this.rwin.offered(this.rcvNxtPos))) this.challengeAck();
      return;
    }
    let simultaneousSynAck = false;
    if (flags & TCP_SYN) {
      if (this.state === 'SYN_RCVD' && m.seq >>> 0 === this.irs) {
        if (!(flags & TCP_ACK)) {
          this.sendSynAck(); // the peer's SYN again: our SYN-ACK was lost
          return;
        }
        simultaneousSynAck = true;
        seqPos += 1;
      } else {
        this.challengeAck(); // RFC 5961 4
        return;
      }
    }

    let len = simultaneousSynAck ? 0 : m.payloadLen;
    let dataOff = m.payloadOff;
    let fin = (flags & TCP_FIN) !== 0 && !simultaneousSynAck;

    // PAWS (RFC 7323 5): a segment whose timestamp is older than TS.Recent is an old duplicate.
    if (this.tsOk && m.hasTimestamps && seqDiff(m.tsVal, this.tsRecent) < 0 &&
      this.host.clock.now() - this.tsRecentAt < PAWS_IDLE_MS) {
      this.sendAck();
      return;
    }

    // Acceptability (RFC 9293 3.10.7.4, with Linux's leniency for segments ending at Last.ACK.sent).
    const segLen = len + (fin ? 1 : 0);
    const wnd = this.rwin.offered(this.rcvNxtPos);
    if (seqPos + segLen < this.rcvWup || seqPos > this.rcvNxtPos + wnd) {
      // Answer with an ACK, but a pure ACK at most twice a second (no ACK storms between two confused ends).
      const now = this.host.clock.now();
      if (segLen > 0 || now - this.lastOowAckAt >= OOW_ACK_INTERVAL_MS) {
        this.lastOowAckAt = now;
        this.sendAck();
      }
      if (this.state === 'TIME_WAIT') this.restartTimeWait();
      return;
    }

    this.heard();

    // Trim what was received already.
    const origLen = segLen;
    if (seqPos < this.rcvNxtPos) {
      const cut = this.rcvNxtPos - seqPos;
      if (cut > len) {
        if (seqPos + len < this.rcvNxtPos) fin = false;
        dataOff += len;
        len = 0;
      } else {
        dataOff += cut;
        len -= cut;
      }
      seqPos = this.rcvNxtPos;
    }
    // Trim what lies beyond the window (a FIN beyond it is dropped with it).
    const right = Math.max(this.rwin.advRight, this.rcvNxtPos);
    if (seqPos + len > right) {
      len = Math.max(0, right - seqPos);
      fin = false;
    }

    if (!(flags & TCP_ACK)) return;

    let established = false;
    if (this.state === 'SYN_RCVD') {
      const ackPos = this.sndPosOf(m.ack);
      if (!(ackPos > this.sndUnaPos && ackPos <= this.sndMaxPos)) {
        this.host.resetFor(this.local, this.remote, m);
        return;
      }
      if (!this.establish(m, seqPos, ackPos)) return;
      if (simultaneousSynAck) this.sendAck();
      established = true;
    }
    if (!this.processAck(m, seqPos, len, fin, established)) return;

    if (this.tsOk && m.hasTimestamps && seqPos <= this.rcvWup) {
      this.tsRecent = m.tsVal;
      this.tsRecentAt = this.host.clock.now();
    }

    const stale = origLen > 0 && len === 0 && !fin;
    if (stale) {
      // A retransmission of what we have (or data beyond a closed window): acknowledge again.
      this.sendAck();
      if (this.state === 'TIME_WAIT') this.restartTimeWait();
    } else if ((len > 0 || fin) && RECEIVING_STATES.has(this.state)) {
      this.receiveData(buf, dataOff, seqPos, len, fin);
    }
    this.output();
  }

  /** SYN_RCVD -> ESTABLISHED on the ACK of our SYN-ACK. False when the connection is gone. */
  private establish(m: IpMeta, seqPos: number, ackPos: number): boolean {
    this.handshakeRtt(m, ackPos);
    this.sndUnaPos = ackPos;
    if (this.sndNxtPos < ackPos) this.sndNxtPos = ackPos;
    this.sndWnd = m.window * 2 ** this.peerWscale;
    this.sndWl1 = seqPos;
    this.sndWl2 = ackPos;
    this.maxSndWnd = Math.max(this.maxSndWnd, this.sndWnd);
    this.state = 'ESTABLISHED';
    this.settle();
    if (this.passive) {
      if (!this.host.accept(this)) return false;
    } else {
      this.onEstablished?.();
    }
    if (this.state !== 'ESTABLISHED') return this.state !== 'CLOSED';
    if (this.closeOnEstablish) {
      this.closeOnEstablish = false;
      this.shutdownWith(this.orphaned);
    }
    return true;
  }

  private synSentInput(buf: Uint8Array, m: IpMeta): void {
    const flags = m.tcpFlags;
    const ackPos = flags & TCP_ACK ? this.sndPosOf(m.ack) : 0;
    const ackOk = (flags & TCP_ACK) !== 0 && ackPos > 0 && ackPos <= this.sndMaxPos;
    if ((flags & TCP_ACK) && !ackOk) {
      if (!(flags & TCP_RST)) this.host.resetFor(this.local, this.remote, m);
      return;
    }
    if (flags & TCP_RST) {
      if (ackOk) this.end('reset');
      return;
    }
    if (!(flags & TCP_SYN)) return;
    this.heard();
    this.learnSyn(m);
    if (!ackOk) {
      // Simultaneous open: answer with SYN-ACK and wait for the ACK of our SYN.
      this.state = 'SYN_RCVD';
      this.sendSynAck();
      return;
    }
    this.handshakeRtt(m, ackPos);
    this.sndUnaPos = ackPos;
    if (this.sndNxtPos < ackPos) this.sndNxtPos = ackPos;
    this.sndWl2 = ackPos;
    this.state = 'ESTABLISHED';
    this.settle();
    this.sendAck();
    this.onEstablished?.();
    if (this.state !== 'ESTABLISHED') return;
    if (m.payloadLen > 0 || (flags & TCP_FIN)) {
      // Data (or FIN) on a SYN-ACK: take it as if it came next.
      this.receiveData(buf, m.payloadOff, 1, m.payloadLen, (flags & TCP_FIN) !== 0);
    }
    this.output();
  }

  /** An acceptable segment: the peer is alive (keepalive starts over). */
  private heard(): void {
    this.keepAlive.heard();
  }

  private handshakeRtt(m: IpMeta, ackPos: number): void {
    if (this.tsOk && m.hasTimestamps && m.tsEcr !== 0) {
      this.tsSample(m.tsEcr);
    } else if (this.rttPos >= 0 && ackPos >= this.rttPos) {
      this.rtt.sample(this.host.clock.now() - this.rttStart);
    }
    this.rttPos = -1;
  }

  private tsSample(tsEcr: number): void {
    const d = (this.tsVal() - tsEcr) >>> 0;
    if (d < 0x7fffffff && d <= this.profile.maxRtoMs) this.rtt.sample(d);
  }

  /** After the handshake: the data-phase timer starts from the handshake's RTT, else RFC 6298 5.7's 3 s. */
  private settle(): void {
    this.stopRtx();
    this.retries = 0;
    if (!this.rtt.hasSample) this.rtt.reset(FALLBACK_RTO_MS);
    this.rtt.clearBackoff();
  }

  /** Handles the ACK field; false when the segment must be dropped. */
  private processAck(m: IpMeta, seqPos: number, len: number, fin: boolean, handshake: boolean): boolean {
    const ackPos = this.sndPosOf(m.ack);
    if (ackPos > this.sndMaxPos) {
      this.sendAck();
      return false;
    }
    if (ackPos < this.sndUnaPos - Math.max(this.maxSndWnd, 1)) {
      this.challengeAck(); // RFC 5961 5.2: an ACK too old to be real
      return false;
    }
    this.probesOut = 0;
    const newWnd = m.window * 2 ** this.peerWscale;
    const windowChanged = newWnd !== this.sndWnd;
    if (ackPos >= this.sndUnaPos && (this.sndWl1 < seqPos || (this.sndWl1 === seqPos && this.sndWl2 <= ackPos))) {
      this.sndWnd = newWnd;
      this.sndWl1 = seqPos;
      this.sndWl2 = ackPos;
      if (newWnd > this.maxSndWnd) this.maxSndWnd = newWnd;
    }
    if (ackPos > this.sndUnaPos) {
      this.newlyAcked(m, ackPos);
    } else if (!handshake && ackPos === this.sndUnaPos && this.sndMaxPos > this.sndUnaPos && len === 0 && !fin &&
      !(m.tcpFlags & (TCP_SYN | TCP_FIN)) && !windowChanged) {
      this.dupAcksIn++;
      const action = this.cc.onDupAck(this.sndUnaPos, this.sndMaxPos, this.sndMaxPos - this.sndUnaPos);
      if (action === AckAction.RETRANSMIT) {
        this.fastRetransmits++;
        this.rttPos = -1;
        this.retransmitHead();
      }
    }
    if (this.finPos >= 0 && ackPos > this.finPos && this.state !== 'TIME_WAIT') {
      switch (this.state) {
        case 'FIN_WAIT_1':
          this.state = 'FIN_WAIT_2';
          if (this.orphaned) this.stateTimer = this.host.clock.setTimeout(() => this.end('closed'), this.profile.finWait2Ms);
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

  private newlyAcked(m: IpMeta, ackPos: number): void {
    const now = this.host.clock.now();
    const acked = ackPos - this.sndUnaPos;
    const flightBefore = this.sndMaxPos - this.sndUnaPos;
    if (this.tsOk && m.hasTimestamps && m.tsEcr !== 0) this.tsSample(m.tsEcr);
    else if (this.rttPos >= 0 && ackPos >= this.rttPos) {
      this.rtt.sample(now - this.rttStart);
      this.rttPos = -1;
    }
    this.rtt.clearBackoff();
    const dataAcked = Math.min(ackPos, this.dataEnd) - Math.max(this.sndUnaPos, 1);
    if (dataAcked > 0) this.bytesAcked += dataAcked;
    this.sendBuf.release(Math.min(ackPos, this.dataEnd) - 1);
    this.sndUnaPos = ackPos;
    if (this.sndNxtPos < ackPos) this.sndNxtPos = ackPos;
    this.retries = 0;
    this.headSentAt = now;
    const action = this.cc.onNewAck(acked, ackPos, flightBefore, this.sndMaxPos - ackPos);
    if (action !== AckAction.NONE) {
      this.retransmitHead();
      if (action === AckAction.RETRANSMIT_RESTART) this.armRtx();
    } else if (this.sndMaxPos > this.sndUnaPos) {
      if (!this.cc.inRecovery || this.rtxTimer === null) this.armRtx();
    } else {
      this.stopRtx();
    }
    if (this.needDrain && this.sendBuf.length <= this.sndHighWater / 2) {
      this.needDrain = false;
      this.onDrain?.();
    }
  }

  /** In-window data (and FIN) at `seqPos` in an ESTABLISHED or FIN_WAIT state. */
  private receiveData(buf: Uint8Array, off: number, seqPos: number, len: number, fin: boolean): void {
    if (seqPos > this.rcvNxtPos) {
      // Out of order: keep it and tell the peer at once (a duplicate ACK, with SACK blocks).
      if (len > 0) this.reasm.insert(seqPos, buf.slice(off, off + len));
      if (fin) this.oooFinPos = seqPos + len;
      this.sendAck();
      return;
    }
    const data = len > 0 ? buf.slice(off, off + len) : null;
    const start = this.rcvNxtPos;
    this.rcvNxtPos += len;
    // A segment that fills a gap releases what the queue holds after it: one ACK for all of it.
    const fillsGap = !this.reasm.isEmpty;
    const end = fillsGap ? this.reasm.contiguousEnd(this.rcvNxtPos) : this.rcvNxtPos;
    this.rcvNxtPos = end;
    this.bytesIn += end - start;
    if (this.oooFinPos >= 0 && this.oooFinPos === end) fin = true;
    if (end > start) {
      if (this.profile.delayedAckMs > 0 && !fillsGap && !fin && !this.ackPending) {
        this.ackPending = true;
        this.delackTimer = this.host.clock.setTimeout(this.fireDelayedAck, this.profile.delayedAckMs);
      } else {
        this.sendAck();
      }
      if (data) this.deliver(data);
      if (fillsGap) this.reasm.take(start + len, this.deliverChunk);
    }
    if (fin && this.state !== 'CLOSED') this.receiveFin();
  }

  private readonly deliverChunk = (d: Uint8Array): void => this.deliver(d);
  private readonly deliverToApp = (d: Uint8Array): void => this.onData?.(d);
  private readonly fireDelayedAck = (): void => {
    this.delackTimer = null;
    if (this.ackPending) this.sendAck();
  };

  private deliver(d: Uint8Array): void {
    if (this.rwin.holding) this.rwin.hold(d);
    else this.onData?.(d);
  }

  /** The peer's FIN, in order. */
  private receiveFin(): void {
    this.rcvNxtPos += 1;
    this.oooFinPos = -1;
    switch (this.state) {
      case 'ESTABLISHED': {
        this.state = 'CLOSE_WAIT';
        const before = this.segmentsOut;
        this.peerClosed();
        // The application's FIN (if it closed at once) carries the ACK.
        if (this.segmentsOut === before) this.sendAck();
        break;
      }
      case 'FIN_WAIT_1':
        this.state = 'CLOSING';
        this.sendAck();
        this.peerClosed();
        break;
      case 'FIN_WAIT_2':
        this.sendAck();
        this.peerClosed();
        if (this.state === 'FIN_WAIT_2') this.timeWait();
        break;
      default:
        this.sendAck();
    }
  }

  private peerClosed(): void {
    if (this.rwin.heldBytes > 0) this.peerClosePending = true;
    else this.onPeerClose?.();
  }

  private challengeAck(): void {
    if (!this.host.challengeAckAllowed()) return;
    this.challengeAcks++;
    this.sendAck();
  }

  // ---- ends ----

  private timeWait(): void {
    this.state = 'TIME_WAIT';
    this.stopRtx();
    this.cancelPersist();
    this.keepAlive.stop();
    this.restartTimeWait();
    this.report('closed');
  }

  private restartTimeWait(): void {
    this.stateTimer?.cancel();
    this.stateTimer = this.host.clock.setTimeout(() => this.destroy(), this.profile.timeWaitMs);
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
    this.stopRtx();
    this.cancelPersist();
    this.stateTimer?.cancel();
    this.stateTimer = null;
    this.keepAlive.stop();
    this.delackTimer?.cancel();
    this.delackTimer = null;
    this.reasm.clear();
    this.host.forget(this);
  }

  private report(why: TcpEndReason): void {
    if (this.endReason !== null) return;
    this.endReason = why;
    this.onEnd?.(why);
  }

  /** An ICMP error about one of our segments (`mtu`: the next-hop MTU of fragmentation-needed, 0 if unknown). */
  icmpError(q: IpMeta, type: number, code: number, mtu = 0): void {
    if (type === ICMP_DEST_UNREACH && code === ICMP_FRAG_NEEDED) {
      const pos = this.sndPosOf(q.seq);
      if (pos < this.sndUnaPos || pos >= this.sndMaxPos) return;
      this.lowerPathMtu(mtu >= MIN_PMTU ? mtu : plateauBelow(q.ipTotalLen));
      return;
    }
    if (type !== ICMP_DEST_UNREACH && type !== ICMP_TIME_EXCEEDED) return;
    if (this.state === 'SYN_SENT' && q.seq >>> 0 === this.iss) {
      // Linux fails a connect at once on any ICMP error for the SYN.
      this.end('unreachable');
    } else if (this.state === 'SYN_RCVD') {
      this.end('unreachable');
    } else {
      this.softError = true;
    }
  }

  private lowerPathMtu(mtu: number): void {
    if (mtu >= this.pmtu) return;
    const before = this.sendMss();
    this.pmtu = Math.max(MIN_PMTU, mtu);
    const mss = this.sendMss();
    this.cc.setMss(mss);
    if (mss < before && this.sndMaxPos > this.sndUnaPos && SENDING_STATES.has(this.state)) {
      // The segments in flight were too big for the path and are gone: send them again, smaller.
      this.rttPos = -1;
      this.sndNxtPos = this.sndUnaPos;
      this.output();
    }
  }
}

function plateauBelow(len: number): number {
  for (const p of MTU_PLATEAUS) if (p < len) return p;
  return MIN_PMTU;
}
