// Key derivation of IKEv2 (RFC 7296 §2.13-2.18) and pre-shared-key authentication (§2.15).

import type { EspSuite, IkeSuite } from '../crypto/algorithms.js';
import { concat, prf, prfPlus, split } from '../crypto/prf.js';
import type { SkKeys } from './sk.js';

export interface IkeKeys {
  readonly suite: IkeSuite;
  readonly skD: Uint8Array;
  readonly skAi: Uint8Array | null;
  readonly skAr: Uint8Array | null;
  readonly skEi: Uint8Array;
  readonly skEr: Uint8Array;
  readonly skPi: Uint8Array;
  readonly skPr: Uint8Array;
}

/** SKEYSEED = prf(Ni | Nr, g^ir) of a new IKE SA. */
export function initialSkeyseed(suite: IkeSuite, ni: Uint8Array, nr: Uint8Array, gir: Uint8Array): Uint8Array {
  return prf(suite.prf.hash, concat(ni, nr), gir);
}

/** SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) of an IKE SA rekeyed with CREATE_CHILD_SA (§2.18). */
export function rekeySkeyseed(oldSuite: IkeSuite, oldSkD: Uint8Array, gir: Uint8Array, ni: Uint8Array, nr: Uint8Array): Uint8Array {
  return prf(oldSuite.prf.hash, oldSkD, gir, ni, nr);
}

/** {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr). */
export function deriveIkeKeys(suite: IkeSuite, skeyseed: Uint8Array, ni: Uint8Array, nr: Uint8Array, spiI: Uint8Array, spiR: Uint8Array): IkeKeys {
  const p = suite.prf.len, a = suite.integ?.keyLen ?? 0, e = suite.encr.keyLen;
  const km = prfPlus(suite.prf.hash, skeyseed, concat(ni, nr, spiI, spiR), 3 * p + 2 * a + 2 * e);
  const [skD, skAi, skAr, skEi, skEr, skPi, skPr] = split(km, p, a, a, e, e, p, p) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  return { suite, skD, skAi: a ? skAi : null, skAr: a ? skAr : null, skEi, skEr, skPi, skPr };
}

/** The keys protecting what the original initiator (`fromInitiator`) or responder sends. */
export function skKeys(k: IkeKeys, fromInitiator: boolean): SkKeys {
  return {
    encr: k.suite.encr, integ: k.suite.integ,
    ek: fromInitiator ? k.skEi : k.skEr, ak: fromInitiator ? k.skAi : k.skAr,
  };
}

export interface ChildKeys {
  /** Initiator -> responder SA (the responder's inbound). */
  readonly iEk: Uint8Array;
  readonly iAk: Uint8Array | null;
  /** Responder -> initiator SA. */
  readonly rEk: Uint8Array;
  readonly rAk: Uint8Array | null;
}

/** KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr): encryption then integrity key, initiator's direction first (§2.17). */
export function deriveChildKeys(ike: IkeSuite, skD: Uint8Array, esp: EspSuite, gir: Uint8Array | null, ni: Uint8Array, nr: Uint8Array): ChildKeys {
  const e = esp.encr.keyLen, a = esp.integ?.keyLen ?? 0;
  const seed = gir ? concat(gir, ni, nr) : concat(ni, nr);
  const km = prfPlus(ike.prf.hash, skD, seed, 2 * (e + a));
  const [iEk, iAk, rEk, rAk] = split(km, e, a, e, a) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  return { iEk, iAk: a ? iAk : null, rEk, rAk: a ? rAk : null };
}

const KEY_PAD = new TextEncoder().encode('Key Pad for IKEv2');

/**
 * AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), RealMessage | Nonce of the other side |
 * prf(SK_p of the signer, RestOfIDPayload)).
 */
export function pskAuth(suite: IkeSuite, secret: Uint8Array, realMessage: Uint8Array, otherNonce: Uint8Array, skP: Uint8Array, idBody: Uint8Array): Uint8Array {
  const h = suite.prf.hash;
  const macedId = prf(h, skP, idBody);
  return prf(h, prf(h, secret, KEY_PAD), realMessage, otherNonce, macedId);
}
