// Test helpers: a seeded PRNG, hex, and a minimal pcap reader.

import { readFileSync } from 'node:fs';

/** mulberry32: a small, seeded 32-bit PRNG. */
export class Prng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  u32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 0x100000000) * n);
  }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  bool(): boolean {
    return (this.u32() & 1) === 1;
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

/** Hex to bytes; whitespace is ignored and `|` starts a comment that runs to the end of the line. */
export function hex(text: string): Buffer {
  const digits = text.split('\n').map((line) => line.split('|')[0]!.replace(/\s/g, '')).join('');
  if (!/^([0-9a-fA-F]{2})*$/.test(digits)) throw new Error(`bad hex: ${digits}`);
  return Buffer.from(digits, 'hex');
}

export interface PcapRecord {
  tsSec: number;
  tsUsec: number;
  data: Buffer;
  origLen: number;
}

/** Reads a classic little-endian pcap file (24-byte global header, 16-byte record headers). */
export function readPcap(path: string): PcapRecord[] {
  const f = readFileSync(path);
  if (f.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error('not a little-endian pcap');
  const out: PcapRecord[] = [];
  let off = 24;
  while (off + 16 <= f.length) {
    const incl = f.readUInt32LE(off + 8);
    out.push({
      tsSec: f.readUInt32LE(off),
      tsUsec: f.readUInt32LE(off + 4),
      origLen: f.readUInt32LE(off + 12),
      data: f.subarray(off + 16, off + 16 + incl),
    });
    off += 16 + incl;
  }
  return out;
}
