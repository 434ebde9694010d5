// Shared state of one packet being printed, and the small helpers every
// protocol printer uses. Printers read bytes only through the checked
// accessors below; reading past the captured end throws TRUNCATED, which the
// top-level printer turns into tcpdump's " [|proto]" mark.

import { formatIpv4 } from '../../net/addr.js';
import { TCP_SERVICES, UDP_SERVICES, IP_PROTOCOL_NAMES } from './services.js';
import { ouiName } from './tables.js';

/** Thrown (never escapes the printer) when a read runs past the captured data. */
export const TRUNCATED: { readonly truncated: true } = Object.freeze({ truncated: true as const });

export interface PrintOptions {
  /** -n count: 0 prints service names (hosts are never resolved), 1+ prints numbers. */
  n: number;
  /** -e: print the link-level header. */
  e: boolean;
  /** -v count. */
  v: number;
  /** -q count: quick (terse) output. */
  q: number;
  /** -S: absolute TCP sequence numbers. */
  S: boolean;
  /** -x count: hex dump (2 = include link header). */
  x: number;
  /** -X count: hex and ASCII dump (2 = include link header). */
  X: number;
  /** -A count: ASCII dump (2 = include link header). */
  A: number;
  /** -t count: 0 local time of day, 1 none, 2 epoch, 3 delta since previous, 4 date and time, 5 delta since first. */
  t: number;
  /**
   * The appliance's own capture style (its firmware's older tcpdump, as the lab notes show):
   * IP-in-IP lines end in ` (ipip-proto-4)`. Off for `-r`, which prints exactly as tcpdump 4.99.
   */
  applianceStyle?: boolean;
}

export const DEFAULT_PRINT_OPTIONS: PrintOptions = { n: 0, e: false, v: 0, q: 0, S: false, x: 0, X: 0, A: 0, t: 0 };

/** Relative sequence number state of one TCP conversation (tcpdump's tcp_seq_hash entry). */
export interface TcpSeqState {
  seq: number;
  ack: number;
}

export class Ctx {
  data: Uint8Array = new Uint8Array(0);
  /** Index one past the last byte printers may read. */
  snapend = 0;
  out = '';
  protocol = '';
  /** Link-level header length, for -x/-X without the link header. */
  llHdrLen = 0;

  constructor(
    readonly o: PrintOptions,
    readonly tcpSeq: Map<string, TcpSeqState>,
  ) {}

  reset(data: Uint8Array, caplen: number): void {
    this.data = data;
    this.snapend = Math.min(caplen, data.length);
    this.out = '';
    this.protocol = '';
    this.llHdrLen = 0;
  }

  p(s: string): void {
    this.out += s;
  }

  /** True when `len` bytes at `off` were captured. */
  ttest(off: number, len: number): boolean {
    return len >= 0 && off >= 0 && off + len <= this.snapend;
  }

  /** Bytes captured from `off` on (0 when past the end). */
  avail(off: number): number {
    return off < this.snapend ? this.snapend - off : 0;
  }

  check(off: number, len: number): void {
    if (!this.ttest(off, len)) throw TRUNCATED;
  }

  u8(off: number): number {
    if (off < 0 || off >= this.snapend) throw TRUNCATED;
    return this.data[off]!;
  }

  be16(off: number): number {
    this.check(off, 2);
    return (this.data[off]! << 8) | this.data[off + 1]!;
  }

  be24(off: number): number {
    this.check(off, 3);
    return (this.data[off]! << 16) | (this.data[off + 1]! << 8) | this.data[off + 2]!;
  }

  be32(off: number): number {
    this.check(off, 4);
    return ((this.data[off]! << 24) | (this.data[off + 1]! << 16) | (this.data[off + 2]! << 8) | this.data[off + 3]!) >>> 0;
  }

  /** " [|proto]" */
  trunc(): void {
    this.out += ` [|${this.protocol}]`;
  }

  invalid(): void {
    this.out += ' (invalid)';
  }

  ipaddr(off: number): string {
    return formatIpv4(this.be32(off));
  }

  macaddr(off: number): string {
    this.check(off, 6);
    const d = this.data;
    if (this.o.n === 0 && d[off] === 0xff && d[off + 1] === 0xff && d[off + 2] === 0xff &&
      d[off + 3] === 0xff && d[off + 4] === 0xff && d[off + 5] === 0xff) return 'Broadcast';
    let s = hex2(d[off]!);
    for (let i = 1; i < 6; i++) s += ':' + hex2(d[off + i]!);
    if (this.o.n === 0) s += ` (oui ${ouiName((d[off]! << 16) | (d[off + 1]! << 8) | d[off + 2]!)})`;
    return s;
  }

  /** tcpdump's linkaddr_string: "<empty>", a MAC, or colon-separated hex bytes. */
  linkaddr(off: number, len: number): string {
    if (len === 0) return '<empty>';
    if (len === 6) return this.macaddr(off);
    this.check(off, len);
    let s = hex2(this.data[off]!);
    for (let i = 1; i < len; i++) s += ':' + hex2(this.data[off + i]!);
    return s;
  }

  tcpport(port: number): string {
    if (this.o.n === 0) {
      const name = TCP_SERVICES.get(port);
      if (name !== undefined) return name;
    }
    return String(port);
  }

  udpport(port: number): string {
    if (this.o.n === 0) {
      const name = UDP_SERVICES.get(port);
      if (name !== undefined) return name;
    }
    return String(port);
  }

  /** Name of an IP protocol number from the system table, or null (always null with -n). */
  protoName(proto: number): string | null {
    if (this.o.n !== 0) return null;
    return IP_PROTOCOL_NAMES.get(proto) ?? null;
  }
}

export function hex2(b: number): string {
  return (b < 16 ? '0' : '') + b.toString(16);
}

export function hex4(v: number): string {
  return v.toString(16).padStart(4, '0');
}

export type Tok = ReadonlyMap<number, string>;

/** tcpdump's tok2str: the name of `v`, or `fmt` with %u / %d / %x / %04x... replaced by v. */
export function tok2str(table: Tok, fmt: string, v: number): string {
  const s = table.get(v);
  return s !== undefined ? s : printfNum(fmt, v);
}

/** Formats a single numeric conversion (%u, %d, %x, %02x, %04x, %08x) in fmt. */
export function printfNum(fmt: string, v: number): string {
  return fmt.replace(/%(0?)(\d*)([udx])/, (_m, zero: string, width: string, conv: string) => {
    const s = conv === 'x' ? (v >>> 0).toString(16) : String(v);
    const w = width === '' ? 0 : Number(width);
    return s.padStart(w, zero === '0' ? '0' : ' ');
  });
}

/** tcpdump's bittok2str: names of the set bits joined by `sep`, or `none` when no token matches. */
export function bittok2str(tokens: ReadonlyArray<readonly [number, string]>, none: string, v: number, sep: string): string {
  let s = '';
  let first = true;
  for (const [bit, name] of tokens) {
    if (bit !== 0 && (v & bit) === bit) {
      s += (first ? '' : sep) + name;
      first = false;
    }
  }
  return first ? printfNum(none, v) : s;
}

/** Internet checksum over data[off, off+len) plus an initial 32-bit partial sum; returns the folded complement. */
export function inCksum(data: Uint8Array, off: number, len: number, initial = 0): number {
  let sum = initial;
  let i = off;
  const end = off + len;
  for (; i + 1 < end; i += 2) sum += (data[i]! << 8) | data[i + 1]!;
  if (i < end) sum += data[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** The checksum the field should hold, given the field and the checksum computed over the data including it. */
export function cksumShouldBe(field: number, computed: number): number {
  let s = field + computed;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return s & 0xffff;
}

/** Sum of the IPv4 pseudo-header (not complemented), for TCP/UDP checksums. */
export function pseudoHeaderSum(src: number, dst: number, proto: number, len: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + (len & 0xffff);
}

/** Whether byte c is printable ASCII (space included). */
export function isPrint(c: number): boolean {
  return c >= 0x20 && c < 0x7f;
}

/** Whether byte c is a visible ASCII character (space excluded). */
export function isGraph(c: number): boolean {
  return c > 0x20 && c < 0x7f;
}

/** tcpdump's fn_print_char: M- for 8-bit, ^X for control characters. */
export function fnChar(c: number): string {
  let s = '';
  if (c >= 0x80) {
    c &= 0x7f;
    s += 'M-';
  }
  if (!isPrint(c)) {
    c ^= 0x40;
    s += '^';
  }
  return s + String.fromCharCode(c);
}
