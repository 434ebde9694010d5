// Diffie-Hellman for the KE payloads: MODP groups 2 and 14 (RFC 2409/3526, Node's built-in
// primes) and Curve25519 (RFC 7748/8031). A key pair is made per exchange; `shared` returns null
// for a public value that is malformed or degenerate, never throws.

import { createPublicKey, diffieHellman, generateKeyPairSync, getDiffieHellman, type KeyObject } from 'node:crypto';
import type { DhAlg } from './algorithms.js';

export interface DhKeyPair {
  readonly group: number;
  /** The KE payload's data. */
  readonly publicValue: Uint8Array;
  /** g^ir from the peer's public value, or null when it is unusable. */
  shared(peer: Uint8Array): Uint8Array | null;
}

const MODP_NAME: Readonly<Record<number, string>> = { 2: 'modp2', 14: 'modp14' };

function leftPad(b: Uint8Array, len: number): Uint8Array {
  if (b.length >= len) return b;
  const out = new Uint8Array(len);
  out.set(b, len - b.length);
  return out;
}

function modpPair(alg: DhAlg): DhKeyPair {
  const dh = getDiffieHellman(MODP_NAME[alg.group]!);
  dh.generateKeys();
  const len = alg.publicLen;
  const prime = dh.getPrime();
  return {
    group: alg.group,
    publicValue: leftPad(dh.getPublicKey(), len),
    shared(peer) {
      if (peer.length !== len) return null;
      // RFC 6989: 1 < y < p-1.
      let allZero = true;
      for (let i = 0; i < len - 1; i++) if (peer[i] !== 0) allZero = false;
      if (allZero && peer[len - 1]! <= 1) return null;
      if (Buffer.compare(Buffer.from(peer), prime) >= 0) return null;
      try {
        return leftPad(dh.computeSecret(peer), len);
      } catch {
        return null;
      }
    },
  };
}

function x25519Pair(): DhKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const jwk = publicKey.export({ format: 'jwk' });
  const pub = Buffer.from(jwk.x!, 'base64url');
  return {
    group: 31,
    publicValue: pub,
    shared(peer) {
      if (peer.length !== 32) return null;
      try {
        const pk: KeyObject = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(peer).toString('base64url') }, format: 'jwk' });
        const s = diffieHellman({ privateKey, publicKey: pk });
        // An all-zero result means a small-order point (RFC 7748 §6.1).
        return s.every((b) => b === 0) ? null : s;
      } catch {
        return null;
      }
    },
  };
}

export function newDhKeyPair(alg: DhAlg): DhKeyPair {
  return alg.group === 31 ? x25519Pair() : modpPair(alg);
}
