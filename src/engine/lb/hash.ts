// Allocation-free 32-bit hashing of numeric flow fields (a murmur3-style body and finaliser).
// Everything works on 32-bit integers through Math.imul. Hashes are returned as signed int32
// (V8 keeps those unboxed, as small integers, across calls and in fields; an unsigned value
// above 2^31 would be a heap number): use `h >>> 0` for the unsigned value.

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** One murmur3 body round: mixes the 32-bit word `k` into the state `h`. */
export function mix32(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** The murmur3 finaliser (avalanche); returns an int32. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * Hash of a 5-tuple (direction-sensitive: swapping source and destination gives a different
 * value). Ports are taken modulo 2^16 and the protocol modulo 2^8.
 */
export function flowHash(proto: number, srcIp: number, srcPort: number, dstIp: number, dstPort: number, seed = 0): number {
  let h = seed | 0;
  h = mix32(h, srcIp | 0);
  h = mix32(h, dstIp | 0);
  h = mix32(h, ((srcPort & 0xffff) << 16) | (dstPort & 0xffff));
  h = mix32(h, proto & 0xff);
  return fmix32(h ^ 16);
}

/** Hash of one 32-bit value (e.g. a source address for the `hash` method). */
export function hash32(x: number, seed = 0): number {
  return fmix32(mix32(seed | 0, x | 0) ^ 4);
}

/** Hash of two 32-bit values. */
export function hash2x32(a: number, b: number, seed = 0): number {
  return fmix32(mix32(mix32(seed | 0, a | 0), b | 0) ^ 8);
}

/** Source-address hash used by the `hash` LB method. */
export function srcHash(srcIp: number, seed = 0): number {
  return hash32(srcIp, seed);
}

/**
 * Maps a 32-bit hash onto 0..n-1 by multiply-shift (Lemire's "fastrange"): uses the high
 * bits, needs no division, and n need not be a power of two. Exact for n < 2^21; above that
 * the float product rounds, but the result stays deterministic and below n.
 */
export function reduce32(h: number, n: number): number {
  return Math.floor((h >>> 0) * n * 2.3283064365386963e-10);
}
