// ICMP echo from the appliance (the `ping` command), through its host stack. A session holds
// one echo identifier from the stack's pool (shared with the health checks) until it is
// closed; each probe is one echo request with the next sequence number, resolved by the
// matching echo reply, an ICMP error quoting it, or its timeout on the stack's clock.

import type { Ipv4 } from '../net/addr.js';
import { verifyChecksum } from '../packet/checksum.js';
import {
  ICMP_DEST_UNREACH, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, ICMP_HEADER_LEN, ICMP_REDIRECT, ICMP_SOURCE_QUENCH, ICMP_TIME_EXCEEDED,
  ICMP_TTL_EXCEEDED, writeIcmpEcho,
} from '../packet/icmp.js';
import { IPPROTO_ICMP, IPV4_HEADER_LEN } from '../packet/ipv4.js';
import { InnerKind } from '../packet/meta.js';
import type { LocalPacket } from '../health/probe-io.js';
import type { Timer } from '../util/clock.js';
import { DEFAULT_TTL, type HostStack } from './host-stack.js';
import { isSourceError, pickSource, type SourceError } from './source.js';

/** IOS's datagram sizes: the whole IP datagram (header, ICMP header and data). */
export const PING_MIN_SIZE = IPV4_HEADER_LEN + ICMP_HEADER_LEN + 8;
export const PING_MAX_SIZE = 18024;
export const PING_DEFAULT_SIZE = 100;

export interface PingOptions {
  /** Source address (one of the appliance's); default the egress interface's. */
  readonly src?: Ipv4 | null;
  /** Size of the whole IP datagram, PING_MIN_SIZE..PING_MAX_SIZE (default 100). */
  readonly size?: number;
  readonly df?: boolean;
  readonly ttl?: number;
  readonly tos?: number;
  /** How long a probe waits for its answer. */
  readonly timeoutMs: number;
}

/** What became of one echo request. */
export type PingOutcome =
  | { readonly kind: 'reply'; readonly from: Ipv4; readonly rttMs: number; readonly ttl: number; readonly bytes: number }
  /** Destination unreachable (type 3) with its code. */
  | { readonly kind: 'unreachable'; readonly from: Ipv4; readonly code: number }
  | { readonly kind: 'ttl-exceeded'; readonly from: Ipv4 }
  | { readonly kind: 'source-quench'; readonly from: Ipv4 }
  /** Any other ICMP error quoting the request (parameter problem, reassembly time exceeded). */
  | { readonly kind: 'error'; readonly from: Ipv4; readonly type: number; readonly code: number }
  | { readonly kind: 'timeout' }
  /** The stack could not send it (the route went away); resolved when its time is up. */
  | { readonly kind: 'not-sent' };

export type PingOpenError = SourceError | 'no-identifier';

interface Pending {
  readonly seq: number;
  readonly sentAt: number;
  timer: Timer | null;
  /** The stack could not send it: it resolves as `not-sent` when its time is up, like a lost one. */
  unsent: boolean;
  readonly done: (o: PingOutcome) => void;
}

export class PingSession {
  private seq = 0;
  private pending: Pending | null = null;
  private closed = false;
  private readonly unlisten: (() => void)[];
  private readonly msg: Uint8Array;

  private constructor(
    private readonly stack: HostStack,
    readonly dst: Ipv4,
    readonly src: Ipv4,
    readonly id: number,
    private readonly opts: PingOptions,
    readonly size: number,
  ) {
    this.msg = new Uint8Array(size - IPV4_HEADER_LEN);
    // IOS's default data pattern, 0xABCD repeated.
    for (let i = ICMP_HEADER_LEN; i < this.msg.length; i++) this.msg[i] = (i - ICMP_HEADER_LEN) % 2 === 0 ? 0xab : 0xcd;
    this.unlisten = [
      stack.engine.listen({ proto: IPPROTO_ICMP, icmpId: id }, (p) => this.onReply(p)),
      stack.engine.listen({ proto: 'icmp-error' }, (p) => this.onError(p)),
    ];
  }

  /** A session toward `dst`, or why there cannot be one. */
  static open(stack: HostStack, dst: Ipv4, opts: PingOptions): PingSession | PingOpenError {
    const size = opts.size ?? PING_DEFAULT_SIZE;
    if (!(size >= PING_MIN_SIZE && size <= PING_MAX_SIZE)) throw new RangeError(`ping size out of range: ${size}`);
    const src = pickSource(stack, dst, opts.src ?? null);
    if (isSourceError(src)) return src;
    const id = stack.echoIds.take();
    if (id < 0) return 'no-identifier';
    return new PingSession(stack, dst, src, id, opts, size);
  }

  /** Sends the next echo request and resolves with what became of it. One probe at a time. */
  probe(): Promise<PingOutcome> {
    if (this.closed) return Promise.resolve({ kind: 'not-sent' });
    if (this.pending !== null) throw new Error('ping: a probe is already outstanding');
    const seq = this.seq;
    this.seq = (this.seq + 1) & 0xffff;
    return new Promise((resolve) => {
      const clock = this.stack.clock;
      // Registered before sending: a reply may come back while the request is being sent (a loopback).
      const w: Pending = { seq, sentAt: clock.now(), timer: null, unsent: false, done: resolve };
      this.pending = w;
      w.timer = clock.setTimeout(() => this.finish(seq, { kind: w.unsent ? 'not-sent' : 'timeout' }), this.opts.timeoutMs);
      const msg = this.msg;
      writeIcmpEcho(msg, 0, ICMP_ECHO_REQUEST, this.id, seq, msg.length - ICMP_HEADER_LEN);
      w.unsent = !this.stack.sendIp(this.dst, IPPROTO_ICMP, msg, msg.length,
        { src: this.src, ttl: this.opts.ttl ?? DEFAULT_TTL, df: this.opts.df ?? false, tos: this.opts.tos ?? 0 });
    });
  }

  /** Stops listening and gives the identifier back; an outstanding probe resolves as a timeout. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pending !== null) this.finish(this.pending.seq, { kind: 'timeout' });
    for (const u of this.unlisten) u();
    this.stack.echoIds.release(this.id);
  }

  private finish(seq: number, o: PingOutcome): void {
    const p = this.pending;
    if (p === null || p.seq !== seq) return;
    this.pending = null;
    p.timer?.cancel();
    p.done(o);
  }

  private onReply(p: LocalPacket): void {
    const m = p.meta;
    const w = this.pending;
    if (w === null || m.icmpType !== ICMP_ECHO_REPLY || m.icmpId !== this.id || m.icmpSeq !== w.seq ||
      m.ipSrc !== this.dst || m.isFragment || !verifyChecksum(p.frame, m.l4Off, m.l3End - m.l4Off)) return;
    this.finish(w.seq, { kind: 'reply', from: m.ipSrc, rttMs: this.stack.clock.now() - w.sentAt, ttl: m.ttl,
      bytes: m.l3End - m.l3Off });
  }

  private onError(p: LocalPacket): void {
    const m = p.meta;
    const w = this.pending;
    if (w === null || m.innerKind !== InnerKind.ICMP_QUOTE) return;
    const q = m.inner;
    if (q.proto !== IPPROTO_ICMP || q.icmpType !== ICMP_ECHO_REQUEST || q.icmpId !== this.id || q.icmpSeq !== w.seq ||
      q.ipDst !== this.dst) return;
    const from = m.ipSrc as Ipv4;
    switch (m.icmpType) {
      case ICMP_DEST_UNREACH:
        this.finish(w.seq, { kind: 'unreachable', from, code: m.icmpCode });
        return;
      case ICMP_TIME_EXCEEDED:
        this.finish(w.seq, m.icmpCode === ICMP_TTL_EXCEEDED ? { kind: 'ttl-exceeded', from } :
          { kind: 'error', from, type: m.icmpType, code: m.icmpCode });
        return;
      case ICMP_SOURCE_QUENCH:
        this.finish(w.seq, { kind: 'source-quench', from });
        return;
      case ICMP_REDIRECT:
        return; // advice, not a failure: the request was forwarded
      default:
        this.finish(w.seq, { kind: 'error', from, type: m.icmpType, code: m.icmpCode });
    }
  }
}
