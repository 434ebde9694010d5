import { describe, expect, it } from 'vitest';
import {
  checksumUpdate16, checksumUpdate32, foldSum, internetChecksum, l4Checksum, pseudoHeaderSum, readU16, readU32, sum16,
  verifyChecksum, verifyL4Checksum, writeU16, writeU32,
} from '../../src/packet/index.js';
import { verifyChecksum20 } from '../../src/packet/checksum.js';
import { hex, Prng } from './helpers.js';

describe('internet checksum', () => {
  it('verifies 20-byte headers exactly as the general sum does (random, valid and one bit off)', () => {
    const rng = new Prng(20);
    const b = new Uint8Array(24);
    let valid = 0;
    for (let i = 0; i < 5000; i++) {
      for (let k = 0; k < b.length; k++) b[k] = rng.int(256);
      const off = i & 3;
      if (i % 2 === 0) {
        writeU16(b, off + 10, 0);
        writeU16(b, off + 10, internetChecksum(b, off, 20));
        if (i % 4 === 2) b[off + (i % 20)]! ^= 1 << (i % 8);
      }
      const want = verifyChecksum(b, off, 20);
      if (want) valid++;
      expect(verifyChecksum20(b, off)).toBe(want);
    }
    expect(valid).toBeGreaterThan(1000);
  });

  it('matches the RFC 1071 section 3 example', () => {
    // Words 0001 f203 f4f5 f6f7: sum 2ddf0 folds to ddf2, checksum 220d.
    const b = hex('0001 f203 f4f5 f6f7');
    expect(foldSum(sum16(b, 0, b.length))).toBe(0xddf2);
    expect(internetChecksum(b, 0, b.length)).toBe(0x220d);
  });

  it('pads an odd trailing byte with zero', () => {
    expect(internetChecksum(hex('01'), 0, 1)).toBe(~0x0100 & 0xffff);
    expect(internetChecksum(hex('0001 02'), 0, 3)).toBe(~0x0201 & 0xffff);
  });

  it('honours offset and length', () => {
    const b = hex('ffff 0001 f203 f4f5 f6f7 ffff');
    expect(internetChecksum(b, 2, 8)).toBe(0x220d);
  });

  it('verifies a real IPv4 header and rejects a flipped bit', () => {
    // Outer header of the first frame of samples.pcap (checksum 6402).
    const h = hex('4500 0050 000b 0000 4004 6402 c0a8 c1b5 c0a8 d396');
    expect(verifyChecksum(h, 0, 20)).toBe(true);
    const copy = Buffer.from(h);
    writeU16(copy, 10, 0);
    expect(internetChecksum(copy, 0, 20)).toBe(0x6402);
    h[15]! ^= 0x10;
    expect(verifyChecksum(h, 0, 20)).toBe(false);
  });

  it('pseudo header sum adds the addresses, protocol and length', () => {
    expect(pseudoHeaderSum(0xc0a8c1b5, 0xc0a8c132, 6, 40)).toBe(0xc0a8 + 0xc1b5 + 0xc0a8 + 0xc132 + 6 + 40);
  });

  it('folds large sums exactly', () => {
    expect(foldSum(0x1_0000_0000)).toBe(1);
    expect(foldSum(0xffff_ffff)).toBe(0xffff);
    expect(foldSum(0x2_0001_fffe)).toBe(0x2 + 0x1 + 0xfffe - 0xffff);
    const big = new Uint8Array(200_000).fill(0xff);
    expect(foldSum(sum16(big, 0, big.length))).toBe(0xffff);
  });

  it('reads and writes big-endian words', () => {
    const b = new Uint8Array(6);
    writeU32(b, 1, 0xdeadbeef);
    writeU16(b, 4, 0x1234);
    expect(readU32(b, 1)).toBe(0xdead_be12);
    expect(readU16(b, 4)).toBe(0x1234);
    writeU32(b, 0, 0xffffffff);
    expect(readU32(b, 0)).toBe(0xffffffff);
  });
});

describe('incremental update (RFC 1624)', () => {
  it('gives 0x0000 in the RFC 1624 section 4 example where RFC 1141 gave 0xffff', () => {
    expect(checksumUpdate16(0xdd2f, 0x5555, 0x3285)).toBe(0x0000);
  });

  it('matches full recomputation for random 16-bit changes (seeded)', () => {
    const rng = new Prng(1624);
    for (let n = 0; n < 3000; n++) {
      const len = 2 * rng.range(1, 300) + (rng.bool() ? 1 : 0);
      const b = rng.bytes(len);
      const hc = internetChecksum(b, 0, len);
      const at = 2 * rng.int(Math.floor(len / 2));
      const oldWord = readU16(b, at);
      const newWord = rng.int(3) === 0 ? (rng.bool() ? 0 : 0xffff) : rng.u32() & 0xffff;
      writeU16(b, at, newWord);
      const full = internetChecksum(b, 0, len);
      // Only all-zero data has full checksum 0xffff; the update then yields the other zero, 0x0000.
      if (full === 0xffff) expect(checksumUpdate16(hc, oldWord, newWord)).toBe(0);
      else expect(checksumUpdate16(hc, oldWord, newWord)).toBe(full);
    }
  });

  it('matches full recomputation for random 32-bit changes (seeded)', () => {
    const rng = new Prng(791);
    for (let n = 0; n < 3000; n++) {
      const len = 4 * rng.range(1, 100);
      const b = rng.bytes(len);
      const hc = internetChecksum(b, 0, len);
      const at = 2 * rng.int(len / 2 - 1);
      const oldV = readU32(b, at);
      const newV = rng.u32();
      writeU32(b, at, newV);
      expect(checksumUpdate32(hc, oldV, newV)).toBe(internetChecksum(b, 0, len));
    }
  });

  it('matches full recomputation when a pseudo-header address changes (seeded)', () => {
    const rng = new Prng(6);
    for (let n = 0; n < 2000; n++) {
      const len = rng.range(8, 600);
      const seg = rng.bytes(len);
      writeU16(seg, 6, 0);
      const src = rng.u32();
      const dst = rng.u32();
      const c = l4Checksum(seg, 0, len, src, dst, 17);
      writeU16(seg, 6, c);
      expect(verifyL4Checksum(seg, 0, len, src, dst, 17)).toBe(true);
      const src2 = rng.u32();
      const c2 = checksumUpdate32(c, src, src2);
      writeU16(seg, 6, 0);
      expect(c2).toBe(l4Checksum(seg, 0, len, src2, dst, 17));
      writeU16(seg, 6, c2);
      expect(verifyL4Checksum(seg, 0, len, src2, dst, 17)).toBe(true);
      expect(verifyL4Checksum(seg, 0, len, src, dst, 17)).toBe(src === src2);
    }
  });
});
