// The Encrypted payload (RFC 7296 §3.14; AES-GCM per RFC 5282): encrypting a payload chain into a
// whole message, and checking and decrypting a received one. Decryption is total.

import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { EncrAlg, IntegAlg } from '../crypto/algorithms.js';
import { equalBytes } from '../crypto/prf.js';
import { IKE_HEADER_LEN, PAYLOAD } from './constants.js';
import { decodeChain, encodeChain, writeHeader, type Decoded, type HeaderFields, type OutPayload, type Payload } from './message.js';
import { writeU16 } from '../../packet/bytes.js';

/** The keys of one direction of an IKE SA's encrypted payloads. */
export interface SkKeys {
  readonly encr: EncrAlg;
  readonly integ: IntegAlg | null;
  /** Encryption key (with the 4-byte salt for GCM). */
  readonly ek: Uint8Array;
  /** Integrity key (null with GCM). */
  readonly ak: Uint8Array | null;
}

export function encryptMessage(h: HeaderFields, payloads: readonly OutPayload[], k: SkKeys): Uint8Array {
  const inner = encodeChain(payloads);
  const e = k.encr;
  const aesKey = k.ek.subarray(0, e.keyBits / 8);
  const block = e.aead ? 1 : 16;
  const padLen = (block - ((inner.length + 1) % block)) % block;
  const pt = new Uint8Array(inner.length + padLen + 1);
  pt.set(inner, 0);
  pt[pt.length - 1] = padLen;
  const icvLen = e.aead ? e.icvLen : k.integ!.icvLen;
  const skLen = 4 + e.ivLen + pt.length + icvLen;
  const total = IKE_HEADER_LEN + skLen;
  const out = new Uint8Array(total);
  writeHeader(out, h, PAYLOAD.SK, total);
  out[IKE_HEADER_LEN] = payloads[0]?.type ?? PAYLOAD.NONE;
  out[IKE_HEADER_LEN + 1] = 0;
  writeU16(out, IKE_HEADER_LEN + 2, skLen);
  const ivOff = IKE_HEADER_LEN + 4;
  const iv = randomBytes(e.ivLen);
  out.set(iv, ivOff);
  const ctOff = ivOff + e.ivLen;
  if (e.aead) {
    const nonce = new Uint8Array(12);
    nonce.set(k.ek.subarray(e.keyBits / 8), 0);
    nonce.set(iv, 4);
    const g = createCipheriv(e.cipher as 'aes-256-gcm', aesKey, nonce, { authTagLength: 16 });
    g.setAAD(out.subarray(0, ivOff));
    out.set(g.update(pt), ctOff);
    g.final();
    out.set(g.getAuthTag(), ctOff + pt.length);
  } else {
    const c = createCipheriv(e.cipher, aesKey, iv).setAutoPadding(false);
    const ct = Buffer.concat([c.update(pt), c.final()]);
    out.set(ct, ctOff);
    const icv = createHmac(k.integ!.hash, k.ak!).update(out.subarray(0, total - icvLen)).digest();
    out.set(icv.subarray(0, icvLen), total - icvLen);
  }
  return out;
}

/**
 * Checks the ICV of the received message buf[0, len) whose SK payload starts at `skOff`, then
 * decrypts it and decodes the inner chain (first type `firstInner`).
 */
export function decryptMessage(buf: Uint8Array, len: number, skOff: number, firstInner: number, k: SkKeys): Decoded<Payload[]> {
  const e = k.encr;
  const icvLen = e.aead ? e.icvLen : k.integ!.icvLen;
  const ivOff = skOff + 4;
  const ctOff = ivOff + e.ivLen;
  const ctLen = len - icvLen - ctOff;
  if (ctLen < 1 || (!e.aead && ctLen % 16 !== 0)) return { ok: false, reason: 'bad encrypted payload length' };
  const aesKey = k.ek.subarray(0, e.keyBits / 8);
  let pt: Buffer;
  try {
    if (e.aead) {
      const nonce = new Uint8Array(12);
      nonce.set(k.ek.subarray(e.keyBits / 8), 0);
      nonce.set(buf.subarray(ivOff, ivOff + 8), 4);
      const g = createDecipheriv(e.cipher as 'aes-256-gcm', aesKey, nonce, { authTagLength: 16 });
      g.setAAD(buf.subarray(0, ivOff));
      g.setAuthTag(buf.subarray(len - icvLen, len));
      pt = Buffer.concat([g.update(buf.subarray(ctOff, ctOff + ctLen)), g.final()]);
    } else {
      const icv = createHmac(k.integ!.hash, k.ak!).update(buf.subarray(0, len - icvLen)).digest();
      if (!equalBytes(icv, 0, buf, len - icvLen, icvLen)) return { ok: false, reason: 'integrity check failed' };
      const d = createDecipheriv(e.cipher, aesKey, buf.subarray(ivOff, ctOff)).setAutoPadding(false);
      pt = Buffer.concat([d.update(buf.subarray(ctOff, ctOff + ctLen)), d.final()]);
    }
  } catch {
    return { ok: false, reason: 'integrity check failed' };
  }
  const padLen = pt[pt.length - 1]!;
  if (padLen + 1 > pt.length) return { ok: false, reason: 'bad padding' };
  return decodeChain(pt, 0, pt.length - padLen - 1, firstInner);
}
