// Building blocks of a compiled filter: closures over one mutable Env, so
// that matching a packet allocates nothing. Loads past the captured data set
// `abort`, which rejects the packet as a BPF program does.

export interface Env {
  d: Uint8Array;
  caplen: number;
  wirelen: number;
  /** Set by an out-of-range load or a division by zero: the packet is rejected. */
  abort: boolean;
}

export type Pred = (e: Env) => boolean;
export type ArithFn = (e: Env) => number;

/** An arithmetic expression and the protocol checks its loads need (run first). */
export interface Arith {
  fn: ArithFn;
  guard: Pred | null;
  /** Set when the value is a compile-time constant. */
  constant?: number;
}

export const ETH_IP = 0x0800;
export const ETH_ARP = 0x0806;
export const ETH_RARP = 0x8035;
export const ETH_IPV6 = 0x86dd;

export function ld8(e: Env, off: number): number {
  if (off < 0 || off + 1 > e.caplen) {
    e.abort = true;
    return 0;
  }
  return e.d[off]!;
}

export function ld16(e: Env, off: number): number {
  if (off < 0 || off + 2 > e.caplen) {
    e.abort = true;
    return 0;
  }
  return (e.d[off]! << 8) | e.d[off + 1]!;
}

export function ld32(e: Env, off: number): number {
  if (off < 0 || off + 4 > e.caplen) {
    e.abort = true;
    return 0;
  }
  return ((e.d[off]! << 24) | (e.d[off + 1]! << 16) | (e.d[off + 2]! << 8) | e.d[off + 3]!) >>> 0;
}

export function load(e: Env, off: number, size: number): number {
  return size === 1 ? ld8(e, off) : size === 2 ? ld16(e, off) : ld32(e, off);
}

export const TRUE: Pred = () => true;

export function and(a: Pred, b: Pred): Pred {
  return (e) => a(e) && b(e);
}

export function or(a: Pred, b: Pred): Pred {
  return (e) => a(e) || b(e);
}

export function not(a: Pred): Pred {
  return (e) => !a(e);
}

export function anyOf(preds: Pred[]): Pred {
  return preds.reduce((acc, p) => or(acc, p));
}

/** Offsets of the link-level type field and payload, shifted by the VLAN tags seen so far. */
export interface Layout {
  linktype: number;
  linkpl: number;
}

export function layout(vlanShift: number): Layout {
  return { linktype: 12 + vlanShift, linkpl: 14 + vlanShift };
}

export function ethertype(l: Layout, type: number): Pred {
  const off = l.linktype;
  return (e) => ld16(e, off) === type;
}

/** ip proto P (IPv4 only). */
export function ipProto(l: Layout, proto: number): Pred {
  const ip = ethertype(l, ETH_IP);
  const off = l.linkpl + 9;
  return (e) => ip(e) && ld8(e, off) === proto;
}

/** ip6 proto P: the fixed header's next header, or the one after a fragment header. */
export function ip6Proto(l: Layout, proto: number): Pred {
  const ip6 = ethertype(l, ETH_IPV6);
  const nh = l.linkpl + 6;
  const fragNh = l.linkpl + 40;
  return (e) => {
    if (!ip6(e)) return false;
    const n = ld8(e, nh);
    if (n === proto) return true;
    return n === 44 && ld8(e, fragNh) === proto;
  };
}

/** First fragment (or unfragmented) IPv4 packet. */
export function ipFirstFragment(l: Layout): Pred {
  const off = l.linkpl + 6;
  return (e) => (ld16(e, off) & 0x1fff) === 0;
}

export function ipHeaderLen(e: Env, l: Layout): number {
  return (ld8(e, l.linkpl) & 0xf) * 4;
}

export type Dir = 'default' | 'src' | 'dst' | 'or' | 'and';

function byDir(dir: Dir, src: Pred, dst: Pred): Pred {
  switch (dir) {
    case 'src': return src;
    case 'dst': return dst;
    case 'and': return and(src, dst);
    default: return or(src, dst);
  }
}

function addrAt(off: number, addr: number, mask: number): Pred {
  return (e) => ((ld32(e, off) & mask) >>> 0) === addr;
}

/** IPv4 source/destination address (under `mask`). */
export function ipHost(l: Layout, addr: number, mask: number, dir: Dir): Pred {
  const ip = ethertype(l, ETH_IP);
  const test = byDir(dir, addrAt(l.linkpl + 12, addr, mask), addrAt(l.linkpl + 16, addr, mask));
  return (e) => ip(e) && test(e);
}

/** ARP/RARP sender/target protocol address. */
export function arpHost(l: Layout, type: number, addr: number, mask: number, dir: Dir): Pred {
  const arp = ethertype(l, type);
  const test = byDir(dir, addrAt(l.linkpl + 14, addr, mask), addrAt(l.linkpl + 24, addr, mask));
  return (e) => arp(e) && test(e);
}

function macAt(off: number, mac: Uint8Array): Pred {
  const hi = ((mac[2]! << 24) | (mac[3]! << 16) | (mac[4]! << 8) | mac[5]!) >>> 0;
  const lo = (mac[0]! << 8) | mac[1]!;
  return (e) => ld32(e, off + 2) === hi && ld16(e, off) === lo;
}

export function etherHost(mac: Uint8Array, dir: Dir): Pred {
  return byDir(dir, macAt(6, mac), macAt(0, mac));
}

const PORT_PROTOS = [132, 6, 17];

/** TCP/UDP/SCTP port (range) of IPv4 (first fragments) or IPv6; proto -1 for any of them. */
export function portMatch(l: Layout, proto: number, lo: number, hi: number, dir: Dir): Pred {
  const ip = ethertype(l, ETH_IP);
  const ip6 = ethertype(l, ETH_IPV6);
  const protos = proto < 0 ? PORT_PROTOS : [proto];
  const first = ipFirstFragment(l);
  const inRange = (v: number): boolean => v >= lo && v <= hi;
  const src4: Pred = (e) => inRange(ld16(e, l.linkpl + ipHeaderLen(e, l)));
  const dst4: Pred = (e) => inRange(ld16(e, l.linkpl + ipHeaderLen(e, l) + 2));
  const src6: Pred = (e) => inRange(ld16(e, l.linkpl + 40));
  const dst6: Pred = (e) => inRange(ld16(e, l.linkpl + 42));
  const ports4 = byDir(dir, src4, dst4);
  const ports6 = byDir(dir, src6, dst6);
  const p4 = l.linkpl + 9;
  const p6 = l.linkpl + 6;
  return (e) => {
    if (ip6(e)) return protos.includes(ld8(e, p6)) && ports6(e);
    if (ip(e)) return protos.includes(ld8(e, p4)) && first(e) && ports4(e);
    return false;
  };
}

export function constant(v: number): Arith {
  const value = v >>> 0;
  return { fn: () => value, guard: null, constant: value };
}

export function andGuards(a: Pred | null, b: Pred | null): Pred | null {
  if (a === null) return b;
  if (b === null) return a;
  return and(a, b);
}

/**
 * Verdict of a filter term: 0 false, 1 true, 2 aborted (a load ran past the
 * captured data, or a division by zero). Terms run left to right with
 * short-circuit, and an abort ends the whole filter with "no match": exactly
 * the semantics of the unoptimized BPF program (tcpdump -O). libpcap's
 * optimizer can drop loads whose outcome doesn't matter, so optimized tcpdump
 * may accept a few truncated packets this rejects; it never rejects one this
 * accepts.
 */
export type Verdict = 0 | 1 | 2;
export type Term = (e: Env) => Verdict;

/** A primitive: its loads run in order, and one past the data aborts it. */
export function leaf(p: Pred): Term {
  return (e) => {
    e.abort = false;
    const r = p(e);
    return e.abort ? 2 : r ? 1 : 0;
  };
}

export function and3(a: Term, b: Term): Term {
  return (e) => {
    const x = a(e);
    return x === 1 ? b(e) : x;
  };
}

export function or3(a: Term, b: Term): Term {
  return (e) => {
    const x = a(e);
    return x === 0 ? b(e) : x;
  };
}

export function not3(a: Term): Term {
  return (e) => {
    const x = a(e);
    return x === 2 ? 2 : x === 1 ? 0 : 1;
  };
}
