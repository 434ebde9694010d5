// UDP traceroute from the appliance (the `traceroute` command), through its host stack, as
// IOS and Linux do it: datagrams to ports 33434 and up (one port per probe, so that the
// quote in an ICMP error names the probe), with TTL 1, 2, 3 ...; each router on the way
// answers time exceeded, the destination port unreachable. The source port is a UDP socket
// of the stack (its reservation is shared with the health checks).

import type { Ipv4 } from '../net/addr.js';
import { ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, ICMP_REDIRECT, ICMP_TIME_EXCEEDED } from '../packet/icmp.js';
import { IPPROTO_UDP } from '../packet/ipv4.js';
import { InnerKind } from '../packet/meta.js';
import type { LocalPacket } from '../health/probe-io.js';
import type { Timer } from '../util/clock.js';
import type { HostStack, UdpSocket } from './host-stack.js';
import { isSourceError, pickSource, type SourceError } from './source.js';

export const TRACE_BASE_PORT = 33434;
export const TRACE_PROBES_PER_HOP = 3;
export const TRACE_DEFAULT_MAX_TTL = 30;
/** IOS's default wait for each probe. */
export const TRACE_DEFAULT_TIMEOUT_MS = 3000;
/** Data bytes of each probe (a 60-byte datagram, as Linux traceroute sends). */
const PROBE_DATA_LEN = 32;

export interface TraceOptions {
  /** Source address (one of the appliance's); default the egress interface's. */
  readonly src?: Ipv4 | null;
  readonly tos?: number;
  /** How long a probe waits for its answer. */
  readonly timeoutMs: number;
}

/** What became of one probe. */
export type TraceOutcome =
  /** A router on the way dropped it (TTL exceeded in transit). */
  | { readonly kind: 'time-exceeded'; readonly from: Ipv4; readonly rttMs: number }
  /** Destination unreachable (type 3) with its code: port unreachable from the destination means it was reached. */
  | { readonly kind: 'unreachable'; readonly from: Ipv4; readonly code: number; readonly rttMs: number }
  /** Any other ICMP error quoting the probe (source quench, parameter problem ...). */
  | { readonly kind: 'error'; readonly from: Ipv4; readonly type: number; readonly code: number; readonly rttMs: number }
  | { readonly kind: 'timeout' }
  /** The stack could not send it (the route went away); resolved when its time is up. */
  | { readonly kind: 'not-sent' };

export type TraceOpenError = SourceError | 'no-port';

interface Pending {
  readonly dport: number;
  readonly sentAt: number;
  timer: Timer | null;
  /** The stack could not send it: it resolves as `not-sent` when its time is up, like a lost one. */
  unsent: boolean;
  readonly done: (o: TraceOutcome) => void;
}

export class TraceSession {
  private probes = 0;
  private pending: Pending | null = null;
  private closed = false;
  private readonly unlisten: () => void;
  private readonly data = new Uint8Array(PROBE_DATA_LEN);

  private constructor(
    private readonly stack: HostStack,
    readonly dst: Ipv4,
    readonly src: Ipv4,
    private readonly sock: UdpSocket,
    private readonly opts: TraceOptions,
  ) {
    this.unlisten = stack.engine.listen({ proto: 'icmp-error' }, (p) => this.onError(p));
  }

  static open(stack: HostStack, dst: Ipv4, opts: TraceOptions): TraceSession | TraceOpenError {
    const src = pickSource(stack, dst, opts.src ?? null);
    if (isSourceError(src)) return src;
    // Answers to the probes are ICMP errors; a datagram to this port is not ours to read.
    const sock = stack.udp(0, () => {});
    if (sock === null) return 'no-port';
    return new TraceSession(stack, dst, src, sock, opts);
  }

  /** The source port of the probes. */
  get port(): number {
    return this.sock.port;
  }

  /** Sends the next probe with TTL `ttl` and resolves with what became of it. One probe at a time. */
  probe(ttl: number): Promise<TraceOutcome> {
    if (this.closed) return Promise.resolve({ kind: 'not-sent' });
    if (this.pending !== null) throw new Error('traceroute: a probe is already outstanding');
    const dport = (TRACE_BASE_PORT + this.probes++) & 0xffff;
    return new Promise((resolve) => {
      const clock = this.stack.clock;
      const w: Pending = { dport, sentAt: clock.now(), timer: null, unsent: false, done: resolve };
      this.pending = w;
      w.timer = clock.setTimeout(() => this.finish(dport, { kind: w.unsent ? 'not-sent' : 'timeout' }), this.opts.timeoutMs);
      w.unsent = !this.sock.send(this.dst, dport, this.data, { src: this.src, ttl, tos: this.opts.tos ?? 0 });
    });
  }

  /** Stops listening and frees the source port; an outstanding probe resolves as a timeout. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pending !== null) this.finish(this.pending.dport, { kind: 'timeout' });
    this.unlisten();
    this.sock.close();
  }

  private finish(dport: number, o: TraceOutcome): void {
    const p = this.pending;
    if (p === null || p.dport !== dport) return;
    this.pending = null;
    p.timer?.cancel();
    p.done(o);
  }

  private onError(p: LocalPacket): void {
    const m = p.meta;
    const w = this.pending;
    if (w === null || m.innerKind !== InnerKind.ICMP_QUOTE || m.icmpType === ICMP_REDIRECT) return;
    const q = m.inner;
    if (q.proto !== IPPROTO_UDP || q.sport !== this.sock.port || q.dport !== w.dport || q.ipDst !== this.dst) return;
    const from = m.ipSrc as Ipv4;
    const rttMs = this.stack.clock.now() - w.sentAt;
    if (m.icmpType === ICMP_TIME_EXCEEDED && m.icmpCode === 0) this.finish(w.dport, { kind: 'time-exceeded', from, rttMs });
    else if (m.icmpType === ICMP_DEST_UNREACH) this.finish(w.dport, { kind: 'unreachable', from, code: m.icmpCode, rttMs });
    else this.finish(w.dport, { kind: 'error', from, type: m.icmpType, code: m.icmpCode, rttMs });
  }
}

/** Whether the probe reached the destination (its port unreachable). */
export function reachedDestination(o: TraceOutcome, dst: Ipv4): boolean {
  return o.kind === 'unreachable' && o.code === ICMP_PORT_UNREACH && o.from === dst;
}

/** Whether a probe's answer ends the trace: the destination reached, or a router or host saying it is unreachable. */
export function endsTrace(o: TraceOutcome): boolean {
  return o.kind === 'unreachable';
}
