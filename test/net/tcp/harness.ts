// Two TcpStacks joined by a virtual link on a VirtualClock: the link can drop, delay, reorder
// and duplicate segments (seeded), sees every segment decoded, and checks that no data segment
// goes beyond the window its sender had been offered.
import { ipv4, type Ipv4 } from '../../../src/net/addr.js';
import { LINUX_TCP, TcpStack, type TcpProfile } from '../../../src/net/tcp/index.js';
import { DECODE_VERIFY_L4_CHECKSUM, DropReason, IpMeta } from '../../../src/packet/meta.js';
import { IPPROTO_TCP } from '../../../src/packet/ipv4.js';
import { TCP_SYN, parseTcp } from '../../../src/packet/tcp.js';
import { VirtualClock } from '../../../src/util/clock.js';
import { Prng } from '../../../src/util/prng.js';

export const A_IP = ipv4('10.0.0.1');
export const B_IP = ipv4('10.0.0.2');

export type Side = 'a' | 'b';

export interface LinkOptions {
  /** One-way delay (ms). */
  readonly delayMs?: number;
  /** Probability that a segment is lost. */
  readonly loss?: number;
  /** Probability that a segment is held back by reorderDelayMs (so later ones overtake it). */
  readonly reorder?: number;
  readonly reorderDelayMs?: number;
  /** Probability that a segment arrives twice. */
  readonly duplicate?: number;
  readonly seed?: number;
}

/** One segment as it left its sender. */
export interface Seen {
  readonly t: number;
  readonly from: Side;
  readonly flags: number;
  readonly seq: number;
  readonly ack: number;
  readonly window: number;
  readonly len: number;
  readonly wscale: number;
  readonly mss: number;
  readonly sackBlocks: number;
  /** Options as tcpdump names them (`mss 1460,sackOK,TS,nop,wscale 7`), TS values left out. */
  readonly options: string;
  dropped: boolean;
}

export interface PairOptions {
  readonly profileA?: TcpProfile;
  readonly profileB?: TcpProfile;
  readonly link?: LinkOptions;
  /** Keep every segment in `seen` (default true). */
  readonly record?: boolean;
}

/** Data bytes a side sent beyond the right edge of the window it had been offered. */
interface WindowWatch {
  /** Right edge (sequence number) the other side's latest segment offered, as delivered. */
  edge: number | null;
  /** The other side's window shift, once known. */
  peerShift: number;
  violations: number;
}

export class Pair {
  readonly clock = new VirtualClock();
  readonly a: TcpStack;
  readonly b: TcpStack;
  readonly seen: Seen[] = [];
  /** Extra loss rule: true drops the segment. */
  drop: ((s: Seen) => boolean) | null = null;
  delivered = 0;
  droppedCount = 0;
  private readonly rng: Prng;
  private readonly link: Required<LinkOptions>;
  private readonly watch: Record<Side, WindowWatch> = {
    a: { edge: null, peerShift: 0, violations: 0 },
    b: { edge: null, peerShift: 0, violations: 0 },
  };
  private readonly synShift: Record<Side, number> = { a: -1, b: -1 };
  private readonly record: boolean;

  constructor(opts: PairOptions = {}) {
    this.link = { delayMs: 5, loss: 0, reorder: 0, reorderDelayMs: 3, duplicate: 0, seed: 1, ...opts.link };
    this.rng = new Prng(this.link.seed);
    this.record = opts.record ?? true;
    this.a = this.stack('a', opts.profileA ?? LINUX_TCP, 11);
    this.b = this.stack('b', opts.profileB ?? LINUX_TCP, 22);
  }

  private stack(side: Side, profile: TcpProfile, seed: number): TcpStack {
    const self = side === 'a' ? A_IP : B_IP;
    return new TcpStack({
      clock: this.clock,
      rng: new Prng(seed),
      profile,
      output: (src, dst, segment, len) => {
        this.carry(side, src, dst, segment.slice(0, len));
        return true;
      },
      localAddressFor: () => self,
    });
  }

  /** Window violations by the data `side` sent. */
  violations(side: Side): number {
    return this.watch[side].violations;
  }

  private carry(from: Side, src: number, dst: number, seg: Uint8Array): void {
    const m = decode(src, dst, seg);
    if (!m) throw new Error(`${from} sent a segment that does not decode`);
    if (m.tcpFlags & TCP_SYN) this.synShift[from] = m.wscale;
    const w = this.watch[from];
    if (m.payloadLen > 0 && w.edge !== null && ((m.seq + m.payloadLen - w.edge) | 0) > 0) w.violations++;
    const s: Seen = {
      t: this.clock.now(), from, flags: m.tcpFlags, seq: m.seq, ack: m.ack, window: m.window, len: m.payloadLen,
      wscale: m.wscale, mss: m.mss, sackBlocks: m.sackBlocks, options: optionText(seg, m), dropped: false,
    };
    if (this.record) this.seen.push(s);
    const lost = (this.drop?.(s) ?? false) || (this.link.loss > 0 && this.rng.float() < this.link.loss);
    if (lost) {
      s.dropped = true;
      this.droppedCount++;
      return;
    }
    const copies = this.link.duplicate > 0 && this.rng.float() < this.link.duplicate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const late = this.link.reorder > 0 && this.rng.float() < this.link.reorder ? this.link.reorderDelayMs : 0;
      this.clock.setTimeout(() => this.deliver(from, src, dst, seg), this.link.delayMs + late + i * 0.01);
    }
  }

  private deliver(from: Side, src: number, dst: number, seg: Uint8Array): void {
    const to: Side = from === 'a' ? 'b' : 'a';
    const m = decode(src, dst, seg)!;
    this.delivered++;
    // What `to` now knows of `from`'s window.
    const w = this.watch[to];
    const both = this.synShift.a >= 0 && this.synShift.b >= 0;
    const shift = (m.tcpFlags & TCP_SYN) || !both ? 0 : this.synShift[from];
    if (m.tcpFlags & 0x10) {
      const edge = (m.ack + m.window * 2 ** shift) >>> 0;
      if (w.edge === null || ((edge - w.edge) | 0) > 0) w.edge = edge;
    }
    (to === 'a' ? this.a : this.b).input(src, dst, seg, m);
  }

  /** Lets `ms` of virtual time pass. */
  run(ms: number): void {
    this.clock.advance(ms);
  }

  /** Lets time pass in steps until `done()` or `maxMs`; returns whether it got done. */
  runUntil(done: () => boolean, maxMs: number, stepMs = 100): boolean {
    const end = this.clock.now() + maxMs;
    while (!done()) {
      if (this.clock.now() >= end) return false;
      this.clock.advance(Math.min(stepMs, end - this.clock.now()));
    }
    return true;
  }
}

/** Parses a segment as the receiving IP layer would hand it over (checksum verified). */
export function decode(src: number, dst: number, seg: Uint8Array): IpMeta | null {
  const m = new IpMeta();
  m.ipSrc = src as Ipv4;
  m.ipDst = dst as Ipv4;
  m.proto = IPPROTO_TCP;
  m.l4Off = 0;
  m.l3End = seg.length;
  return parseTcp(seg, 0, seg.length, m, DECODE_VERIFY_L4_CHECKSUM) === DropReason.OK ? m : null;
}

function optionText(seg: Uint8Array, m: IpMeta): string {
  const parts: string[] = [];
  for (let i = 20; i < m.payloadOff;) {
    const k = seg[i]!;
    if (k === 0) break;
    if (k === 1) {
      parts.push('nop');
      i++;
      continue;
    }
    const l = seg[i + 1]!;
    if (k === 2) parts.push(`mss ${(seg[i + 2]! << 8) | seg[i + 3]!}`);
    else if (k === 3) parts.push(`wscale ${seg[i + 2]}`);
    else if (k === 4) parts.push('sackOK');
    else if (k === 5) parts.push(`sack ${(l - 2) / 8}`);
    else if (k === 8) parts.push('TS');
    else parts.push(`opt-${k}`);
    i += l;
  }
  return parts.join(',');
}

/** `n` bytes from a seeded PRNG. */
export function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  const r = new Prng(seed);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = r.u32();
    out[i] = v & 0xff;
    out[i + 1] = (v >>> 8) & 0xff;
    out[i + 2] = (v >>> 16) & 0xff;
    out[i + 3] = v >>> 24;
  }
  for (; i < n; i++) out[i] = r.u32() & 0xff;
  return out;
}
