// What every probe type shares: the resolved target, the outcome, and the environment a probe
// runs in (the ProbeIo, random numbers, port and identifier pools, timers, ICMP error routing).

import type { HcType, HttpCheckOptions } from '../config/model.js';
import type { Ipv4, Mac } from '../net/addr.js';
import type { IpMeta } from '../packet/meta.js';
import type { LocalPacket, ProbeIo } from './probe-io.js';
import type { NumberPool } from './number-pool.js';
import type { Prng } from '../util/prng.js';
import type { ProbeScheduler, Scheduled } from './probe-scheduler.js';

/** A check resolved against one target: everything a probe needs to know. */
export interface ProbeSpec {
  readonly type: HcType;
  /** Destination of the probe packet (of the inner packet for tunnel checks). */
  readonly dst: Ipv4;
  /** TCP/UDP destination port (0 for ICMP). */
  readonly port: number;
  /** Outer destination of a tunnel check; null for plain checks. */
  readonly tunnelTo: Ipv4 | null;
  /** Configured source address, or null for the egress interface's. */
  readonly sip: Ipv4 | null;
  /** The address probed on the wire (tunnelTo ?? dst); replies from it teach its MAC. */
  readonly neighbor: Ipv4;
  /** The neighbour is on a connected network (only then is a reply's source MAC its own). */
  readonly neighborOnLink: boolean;
  readonly http: HttpCheckOptions;
  readonly udpReplyRequired: boolean;
  /** The check's timeout in ms (also how long a closing TCP probe waits for the peer's FIN). */
  readonly timeoutMs: number;
  /** Set when the check cannot be run against this target (e.g. `no-port`): it fails with this cause. */
  readonly error: string | null;
}

export interface ProbeOutcome {
  readonly ok: boolean;
  /** '' on success; otherwise why: timeout, rst, port-unreachable, ipip-unreachable, http-status-503 ... */
  readonly cause: string;
  /** From sending to the deciding answer (or to the deadline), ms, rounded. */
  readonly rttMs: number;
}

/** A probe in flight: the monitor ends it on its deadline or when the next one is due. */
export interface ActiveProbe {
  /** Starts the exchange; may report the outcome before it returns. */
  start(): void;
  /** The deadline passed: report the outcome of silence (a timeout, or success for optional-reply UDP). */
  expire(): void;
  /** Stops without reporting (the monitor stopped or the target went away); releases everything. */
  abort(): void;
}

export type ProbeDone = (o: ProbeOutcome) => void;

/** Something that wants the ICMP errors quoting its packets. */
export interface IcmpErrorSink {
  /** `q` is the quoted datagram (as parsed by parseIcmpQuote); `frame` holds it. */
  matchesQuote(q: IpMeta, frame: Uint8Array): boolean;
  onIcmpError(type: number, code: number, quotedProto: number, from: Ipv4): void;
}

export interface ProbeEnv {
  readonly io: ProbeIo;
  /** Probes holding resources (in flight or closing); stop() aborts them. */
  readonly live: Set<ActiveProbe>;
  readonly rng: Prng;
  /** Source ports (TCP and UDP share one pool). */
  readonly ports: NumberPool;
  readonly echoIds: NumberPool;
  readonly sched: ProbeScheduler;
  /** Offset added to the clock for TCP timestamps. */
  readonly tsOffset: number;
  now(): number;
  /** Next IPv4 identification for a plain probe packet. */
  nextIpId(): number;
  /** An IPv4 identification unique among live tunnel probes, routed to `sink` for quoted IP-in-IP errors. */
  takeTunnelIpId(sink: IcmpErrorSink): number;
  releaseTunnelIpId(id: number): void;
  /** Routes errors quoting a TCP/UDP packet from local port `port` / an echo with `id` to `sink`. */
  onPortErrors(proto: 6 | 17, port: number, sink: IcmpErrorSink | null): void;
  onEchoErrors(id: number, sink: IcmpErrorSink | null): void;
  /** The source address for a probe (spec.sip, else the egress interface's), or null (no route). */
  sourceFor(spec: ProbeSpec): Ipv4 | null;
  /** A reply from the probed address: learn its MAC when it is on a connected network. */
  learn(spec: ProbeSpec, from: Ipv4, mac: Mac, port: number): void;
  /** One-shot timer on the shared scheduler. */
  after(ms: number, fn: () => void): Scheduled;
  cancel(e: Scheduled | null): void;
  /** Counts packets sent / failed sends (for stats). */
  sent(ok: boolean): void;
}

/** The packet as received (the inner one when a peer answered inside IP-in-IP). */
export function l3Of(p: LocalPacket): IpMeta {
  return p.meta.innerKind === 1 /* InnerKind.IPIP */ ? p.meta.inner : p.meta;
}

export function rttSince(env: ProbeEnv, sentAt: number): number {
  return Math.max(0, Math.round(env.now() - sentAt));
}

/** Cause string of an ICMP error. */
export function icmpCause(type: number, code: number, quotedProto: number): string {
  if (type === 3) {
    switch (code) {
      case 0: return 'net-unreachable';
      case 1: return 'host-unreachable';
      case 2: return quotedProto === 4 ? 'ipip-unreachable' : 'protocol-unreachable';
      case 3: return 'port-unreachable';
      case 4: return 'frag-needed';
      case 9: case 10: case 13: return 'admin-prohibited';
      default: return 'unreachable';
    }
  }
  if (type === 11) return 'ttl-exceeded';
  if (type === 12) return 'parameter-problem';
  return `icmp-${type}-${code}`;
}
