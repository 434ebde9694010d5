// `tcp` and `ip-tunnel-tcp`: a TCP handshake to the port, then an orderly close, the way the
// PAS-K does it (seed 000):
//
//   SYN (mss 1460,sackOK,TS val x ecr 0,nop,wscale 8; win 64240)   [in the tunnel]
//   <- SYN/ACK, directly from the target (for tunnels: from Inner-TIP:port, not encapsulated)
//   ACK (nop,nop,TS), FIN/ACK                                       [in the tunnel]
//   <- FIN/ACK
//   ACK                                                             [in the tunnel]
//
// The SYN/ACK decides success (its arrival time is the response time); a RST|ACK answering
// the SYN means the port is closed. The close runs after the outcome; if the peer never
// finishes it, a RST ends it after the check's timeout. HTTP builds on this (http.ts).

import { IP_FLAG_DF, IPPROTO_TCP, IPV4_HEADER_LEN, writeIpv4Header } from '../../packet/ipv4.js';
import type { IpMeta } from '../../packet/meta.js';
import {
  TCP_ACK, TCP_FIN, TCP_HEADER_LEN, TCP_PSH, TCP_RST, TCP_SYN, TCPOPT_MSS, TCPOPT_NOP, TCPOPT_SACK_PERMITTED,
  TCPOPT_TIMESTAMP, TCPOPT_WSCALE, setTcpChecksum, tcpOptionsLen, verifyTcpChecksum, writeTcpHeader, type TcpOptionValues,
} from '../../packet/tcp.js';
import { l3Of } from '../probe.js';
import type { LocalPacket } from '../probe-io.js';
import type { Scheduled } from '../probe-scheduler.js';
import { PortProbe } from './port-probe.js';

export const SYN_OPTIONS: readonly number[] = [TCPOPT_MSS, TCPOPT_SACK_PERMITTED, TCPOPT_TIMESTAMP, TCPOPT_NOP, TCPOPT_WSCALE];
const TS_OPTIONS: readonly number[] = [TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TIMESTAMP];
export const SYN_WINDOW = 64240;
export const SYN_MSS = 1460;
export const WSCALE = 8;
/** The receive window after the handshake, in units of 2^WSCALE (Linux shows 251 for 64240). */
const SCALED_WINDOW = Math.ceil(SYN_WINDOW / (1 << WSCALE));

/** FinWait: our FIN sent; Closing: the peer's FIN acknowledged, waiting for the ACK of ours. */
const enum St { SynSent, Established, FinWait, Closing, Closed }

export class TcpProbe extends PortProbe {
  protected readonly proto = IPPROTO_TCP;
  private state = St.Closed;
  private iss = 0;
  protected sndNxt = 0;
  private irs = 0;
  protected rcvNxt = 0;
  private lastAckSent = -1;
  private tsOk = false;
  private wsOk = false;
  private tsRecent = 0;
  private linger: Scheduled | null = null;
  private peerFin = false;
  private readonly opt: TcpOptionValues = { mss: SYN_MSS, wscale: WSCALE, tsVal: 0, tsEcr: 0 };

  start(): void {
    if (!this.prepare() || !this.claimPort((p) => this.onPacket(p))) return;
    this.iss = this.env.rng.u32();
    this.sndNxt = (this.iss + 1) >>> 0;
    this.state = St.SynSent;
    if (!this.segment(TCP_SYN, this.iss, 0, SYN_OPTIONS, SYN_WINDOW, null) && this.state === St.SynSent) {
      this.fail('no-route', 0);
      this.cleanup();
    }
  }

  expire(): void {
    if (this.state !== St.SynSent && this.state !== St.Closed) this.reset();
    this.fail('timeout');
    this.cleanup();
  }

  abort(): void {
    this.finished = true;
    if (this.state !== St.SynSent && this.state !== St.Closed) this.reset();
    this.cleanup();
  }

  // ---- hooks for protocols on top (http.ts) ----

  /** The SYN/ACK arrived and was acknowledged. A plain TCP check has succeeded: close. */
  protected onEstablished(): void {
    this.ok();
    this.close();
  }
  /** In-order payload (before or after our FIN). */
  protected onData(_buf: Uint8Array, _off: number, _len: number): void {}
  /** The peer closed before we did (its FIN is acknowledged by the FIN/ACK that follows). */
  protected onPeerFin(): void {}
  /** The peer reset an established connection. */
  protected onReset(): void {}

  /** Sends payload on an established connection (PSH|ACK). */
  protected sendData(payload: Uint8Array): void {
    if (this.state !== St.Established) return;
    const seq = this.sndNxt;
    this.sndNxt = (this.sndNxt + payload.length) >>> 0;
    this.segment(TCP_PSH | TCP_ACK, seq, this.rcvNxt, this.tsOk ? TS_OPTIONS : null, this.window(), payload);
  }

  /** Our FIN/ACK; the connection lingers until the peer's FIN (or the timeout). */
  protected close(): void {
    if (this.state !== St.Established) return;
    const seq = this.sndNxt;
    this.sndNxt = (this.sndNxt + 1) >>> 0;
    this.state = this.peerFin ? St.Closing : St.FinWait;
    this.linger = this.env.after(this.spec.timeoutMs, () => {
      this.linger = null;
      this.reset();
      this.cleanup();
    });
    this.segment(TCP_FIN | TCP_ACK, seq, this.rcvNxt, this.tsOk ? TS_OPTIONS : null, this.window(), null);
  }

  protected matchesL4Quote(q: IpMeta): boolean {
    return q.proto === IPPROTO_TCP && q.ipSrc === this.src && q.sport === this.lport &&
      q.ipDst === this.spec.dst && q.dport === this.spec.port;
  }

  protected onError(cause: string): void {
    if (this.state === St.Closed) return;
    this.fail(cause);
    this.cleanup();
  }

  // ---- receive ----

  private onPacket(p: LocalPacket): void {
    if (this.state === St.Closed) return;
    const m = l3Of(p);
    if (m.proto !== IPPROTO_TCP || m.ipSrc !== this.spec.dst || m.sport !== this.spec.port ||
      m.ipDst !== this.src || m.dport !== this.lport || m.isFragment) return;
    if (!verifyTcpChecksum(p.frame, m.l4Off, m.l3End - m.l4Off, m.ipSrc, m.ipDst)) return;
    // Everything needed from the packet is read before anything is sent: an engine may answer
    // re-entrantly and reuse its decode buffer.
    const f = m.tcpFlags;
    const seq = m.seq;
    const ackNo = m.ack;
    const dataOff = m.payloadOff;
    const dataLen = m.payloadLen;
    if (this.state === St.SynSent) {
      if ((f & TCP_ACK) === 0 || m.ack !== this.sndNxt) return;
      this.env.learn(this.spec, m.ipSrc, p.meta.srcMac, p.port);
      if ((f & TCP_RST) !== 0) {
        this.fail('rst');
        this.cleanup();
        return;
      }
      if ((f & TCP_SYN) === 0) return;
      this.irs = seq;
      this.rcvNxt = (seq + 1) >>> 0;
      this.tsOk = m.hasTimestamps;
      this.wsOk = m.wscale >= 0;
      this.tsRecent = m.tsVal;
      this.state = St.Established;
      this.sendAck();
      if (this.state === St.Established) this.onEstablished();
      return;
    }
    if ((f & TCP_RST) !== 0) {
      if (seq !== this.rcvNxt) return;
      if (this.state === St.Established) this.onReset();
      this.cleanup();
      return;
    }
    if (this.state === St.Closing) {
      if ((f & TCP_ACK) !== 0 && ackNo === this.sndNxt) this.cleanup();
      else if ((f & TCP_FIN) !== 0) this.sendAck(true);
      return;
    }
    if ((f & TCP_SYN) !== 0) {
      // A retransmitted SYN/ACK: our ACK was lost.
      if (seq === this.irs) this.sendAck(true);
      return;
    }
    if (seq !== this.rcvNxt) {
      if (dataLen > 0 || (f & TCP_FIN) !== 0) this.sendAck(true);
      return;
    }
    if (this.tsOk && m.hasTimestamps) this.tsRecent = m.tsVal;
    if (dataLen > 0) {
      this.rcvNxt = (this.rcvNxt + dataLen) >>> 0;
      this.onData(p.frame, dataOff, dataLen);
      if (this.cleaned) return;
    }
    if ((f & TCP_FIN) !== 0) {
      this.rcvNxt = (this.rcvNxt + 1) >>> 0;
      if (this.state === St.Established) {
        // The peer closed first: our FIN/ACK acknowledges its FIN, then we wait for its last ACK.
        this.peerFin = true;
        this.onPeerFin();
        if (this.state === St.Established) this.close();
      } else if ((f & TCP_ACK) !== 0 && ackNo === this.sndNxt) {
        // FIN/ACK that also acknowledges our FIN (seed 000): the last ACK and done.
        this.sendAck();
        this.cleanup();
      } else {
        // Simultaneous close: acknowledge its FIN and wait for the ACK of ours.
        this.state = St.Closing;
        this.sendAck();
      }
      return;
    }
    if (dataLen > 0) this.sendAck();
  }

  // ---- send ----

  private window(): number {
    return this.wsOk ? SCALED_WINDOW : SYN_WINDOW;
  }

  /** ACK of everything received, unless the last segment sent already said so. */
  private sendAck(force = false): void {
    if (!force && this.lastAckSent === this.rcvNxt) return;
    this.segment(TCP_ACK, this.sndNxt, this.rcvNxt, this.tsOk ? TS_OPTIONS : null, this.window(), null);
  }

  private reset(): void {
    this.segment(TCP_RST | TCP_ACK, this.sndNxt, this.rcvNxt, null, 0, null);
  }

  private segment(flags: number, seq: number, ack: number, opts: readonly number[] | null, win: number,
    payload: Uint8Array | null): boolean {
    const optLen = opts ? tcpOptionsLen(opts) : 0;
    const plen = payload ? payload.length : 0;
    const tcpLen = TCP_HEADER_LEN + optLen + plen;
    const total = IPV4_HEADER_LEN + tcpLen;
    const buf = new Uint8Array(total);
    const dst = this.spec.dst;
    writeIpv4Header(buf, 0, this.src, dst, IPPROTO_TCP, total, 64, this.ipId(), IP_FLAG_DF);
    this.opt.tsVal = (this.env.tsOffset + Math.floor(this.env.now())) >>> 0;
    this.opt.tsEcr = (flags & TCP_SYN) !== 0 ? 0 : this.tsRecent;
    writeTcpHeader(buf, IPV4_HEADER_LEN, this.lport, this.spec.port, seq, ack, flags, win, opts, this.opt);
    if (payload) buf.set(payload, IPV4_HEADER_LEN + TCP_HEADER_LEN + optLen);
    setTcpChecksum(buf, IPV4_HEADER_LEN, tcpLen, this.src, dst);
    if ((flags & TCP_ACK) !== 0) this.lastAckSent = ack;
    return this.sendIp(buf, total);
  }

  protected override release(): void {
    this.state = St.Closed;
    this.env.cancel(this.linger);
    this.linger = null;
  }
}
