// SA payload proposals: built from the configured suites, and chosen from a peer's offer. As
// responder pask prefers its own order (strongSwan's prefer_configured_proposals): the first
// configured suite the peer offers in any of its proposals wins.

import {
  dhByGroup, encrById, ESN_NONE, integById, prfById, TRANSFORM_DH, TRANSFORM_ENCR, TRANSFORM_ESN, TRANSFORM_INTEG, TRANSFORM_PRF,
  type EspSuite, type IkeSuite,
} from '../crypto/algorithms.js';
import { PROTO_ESP, PROTO_IKE } from './constants.js';
import type { Proposal, Transform } from './message.js';

function encrTransform(s: { encr: IkeSuite['encr'] }): Transform {
  return { type: TRANSFORM_ENCR, id: s.encr.id, keyLength: s.encr.keyBits };
}

export function ikeProposal(num: number, s: IkeSuite, spi: Uint8Array = new Uint8Array(0)): Proposal {
  const t: Transform[] = [encrTransform(s), { type: TRANSFORM_PRF, id: s.prf.id, keyLength: 0 }];
  if (s.integ) t.push({ type: TRANSFORM_INTEG, id: s.integ.id, keyLength: 0 });
  t.push({ type: TRANSFORM_DH, id: s.dh.group, keyLength: 0 });
  return { num, protocol: PROTO_IKE, spi, transforms: t };
}

export function espProposal(num: number, s: EspSuite, spi: Uint8Array, withDh: boolean): Proposal {
  const t: Transform[] = [encrTransform(s)];
  if (s.integ) t.push({ type: TRANSFORM_INTEG, id: s.integ.id, keyLength: 0 });
  if (withDh && s.dh) t.push({ type: TRANSFORM_DH, id: s.dh.group, keyLength: 0 });
  t.push({ type: TRANSFORM_ESN, id: ESN_NONE, keyLength: 0 });
  return { num, protocol: PROTO_ESP, spi, transforms: t };
}

function has(p: Proposal, type: number, id: number, keyLength = 0): boolean {
  return p.transforms.some((t) => t.type === type && t.id === id && (keyLength === 0 || t.keyLength === keyLength));
}

function offersNone(p: Proposal, type: number): boolean {
  return !p.transforms.some((t) => t.type === type);
}

function ikeMatches(p: Proposal, s: IkeSuite): boolean {
  if (p.protocol !== PROTO_IKE || !has(p, TRANSFORM_ENCR, s.encr.id, s.encr.keyBits) || !has(p, TRANSFORM_PRF, s.prf.id) ||
    !has(p, TRANSFORM_DH, s.dh.group)) return false;
  return s.integ ? has(p, TRANSFORM_INTEG, s.integ.id) : offersNone(p, TRANSFORM_INTEG) || has(p, TRANSFORM_INTEG, 0);
}

function espMatches(p: Proposal, s: EspSuite, withDh: boolean): boolean {
  if (p.protocol !== PROTO_ESP || p.spi.length !== 4 || !has(p, TRANSFORM_ENCR, s.encr.id, s.encr.keyBits)) return false;
  if (s.integ ? !has(p, TRANSFORM_INTEG, s.integ.id) : !(offersNone(p, TRANSFORM_INTEG) || has(p, TRANSFORM_INTEG, 0))) return false;
  if (!(offersNone(p, TRANSFORM_ESN) || has(p, TRANSFORM_ESN, ESN_NONE))) return false;
  if (withDh && s.dh) return has(p, TRANSFORM_DH, s.dh.group);
  // Without PFS: a proposal that insists on a DH group (offers no "none") is still fine in
  // IKE_AUTH (the group is ignored there); in CREATE_CHILD_SA the caller asks withDh.
  return true;
}

export interface IkeChoice {
  readonly suite: IkeSuite;
  /** The chosen proposal as sent back: the peer's number, one transform of each type. */
  readonly proposal: Proposal;
}

export function chooseIke(offered: readonly Proposal[], ours: readonly IkeSuite[], spi: Uint8Array = new Uint8Array(0)): IkeChoice | null {
  for (const s of ours) {
    const p = offered.find((o) => ikeMatches(o, s));
    if (p) return { suite: s, proposal: ikeProposal(p.num, s, spi) };
  }
  return null;
}

export interface EspChoice {
  readonly suite: EspSuite;
  readonly proposal: Proposal;
  /** The peer's SPI (our outbound SA's). */
  readonly peerSpi: number;
}

export function chooseEsp(offered: readonly Proposal[], ours: readonly EspSuite[], withDh: boolean, spi: Uint8Array): EspChoice | null {
  for (const s of ours) {
    const p = offered.find((o) => espMatches(o, s, withDh));
    if (p) {
      const peerSpi = ((p.spi[0]! << 24) | (p.spi[1]! << 16) | (p.spi[2]! << 8) | p.spi[3]!) >>> 0;
      return { suite: withDh ? s : { ...s, dh: null }, proposal: espProposal(p.num, s, spi, withDh), peerSpi };
    }
  }
  return null;
}

/** The suite of a single-choice IKE proposal (a response's), or null when it is not complete or not known. */
export function ikeSuiteOf(p: Proposal): IkeSuite | null {
  const get = (type: number) => p.transforms.find((t) => t.type === type);
  const e = get(TRANSFORM_ENCR), f = get(TRANSFORM_PRF), i = get(TRANSFORM_INTEG), d = get(TRANSFORM_DH);
  if (!e || !f || !d) return null;
  const encr = encrById(e.id, e.keyLength);
  const prf = prfById(f.id);
  const dh = dhByGroup(d.id);
  if (!encr || !prf || !dh) return null;
  const integ = i && i.id !== 0 ? integById(i.id) ?? null : null;
  if (!encr.aead && integ === null) return null;
  return { encr, integ, prf, dh };
}

/** The suite of a single-choice ESP proposal, or null. */
export function espSuiteOf(p: Proposal): EspSuite | null {
  const get = (type: number) => p.transforms.find((t) => t.type === type);
  const e = get(TRANSFORM_ENCR), i = get(TRANSFORM_INTEG), d = get(TRANSFORM_DH);
  if (!e || p.spi.length !== 4) return null;
  const encr = encrById(e.id, e.keyLength);
  if (!encr) return null;
  const integ = i && i.id !== 0 ? integById(i.id) ?? null : null;
  if (!encr.aead && integ === null) return null;
  const dh = d && d.id !== 0 ? dhByGroup(d.id) ?? null : null;
  return { encr, integ, dh };
}

export function spiNumber(b: Uint8Array): number {
  return b.length === 4 ? ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0 : 0;
}

export function spiBytes(n: number): Uint8Array {
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}
