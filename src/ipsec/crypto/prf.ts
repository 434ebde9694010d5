// The IKEv2 pseudo-random function and prf+ (RFC 7296 §2.13), over HMAC.

import { createHmac } from 'node:crypto';
import type { HashName } from './algorithms.js';

export function prf(hash: HashName, key: Uint8Array, ...data: Uint8Array[]): Uint8Array {
  const h = createHmac(hash, key);
  for (const d of data) h.update(d);
  return h.digest();
}

/** prf+(K, S) = T1 | T2 | ..., Tn = prf(K, Tn-1 | S | n); `len` bytes of it. */
export function prfPlus(hash: HashName, key: Uint8Array, seed: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(len);
  let t: Uint8Array = new Uint8Array(0);
  let got = 0;
  for (let n = 1; got < len; n++) {
    if (n > 255) throw new RangeError('prf+: too much key material asked');
    t = prf(hash, key, t, seed, Uint8Array.of(n));
    const take = Math.min(t.length, len - got);
    out.set(t.subarray(0, take), got);
    got += take;
  }
  return out;
}

/** Splits key material into consecutive pieces of the given lengths. */
export function split(keymat: Uint8Array, ...lens: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let off = 0;
  for (const l of lens) {
    out.push(keymat.slice(off, off + l));
    off += l;
  }
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Constant-time comparison of a[aOff, aOff+n) and b[bOff, bOff+n). */
export function equalBytes(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, n: number): boolean {
  let d = 0;
  for (let i = 0; i < n; i++) d |= a[aOff + i]! ^ b[bOff + i]!;
  return d === 0;
}
