// The IKEv2 transforms pask speaks (RFC 7296 §3.3.2, IANA "IKEv2 Transform Type N" registries),
// with the EdgeOS names the configuration uses and the strongSwan names the show commands print.
//   encryption  aes128 aes256 (AES-CBC)   aes128gcm128 aes256gcm128 (AES-GCM, 16-byte ICV)
//   hash        sha1 (HMAC-SHA1-96, PRF-HMAC-SHA1)   sha256 (HMAC-SHA2-256-128, PRF-HMAC-SHA2-256)
//   dh-group    2 (MODP-1024)  14 (MODP-2048)  31 (Curve25519)
// Everything is Node's own crypto.

export const TRANSFORM_ENCR = 1;
export const TRANSFORM_PRF = 2;
export const TRANSFORM_INTEG = 3;
export const TRANSFORM_DH = 4;
export const TRANSFORM_ESN = 5;

export const ENCR_AES_CBC = 12;
export const ENCR_AES_GCM_16 = 20;
export const PRF_HMAC_SHA1 = 2;
export const PRF_HMAC_SHA2_256 = 5;
export const AUTH_NONE = 0;
export const AUTH_HMAC_SHA1_96 = 2;
export const AUTH_HMAC_SHA2_256_128 = 12;
export const ESN_NONE = 0;
/** The Key Length transform attribute (TV format). */
export const ATTR_KEY_LENGTH = 14;

export type HashName = 'sha1' | 'sha256';

export interface EncrAlg {
  /** EdgeOS name (`encryption aes256`). */
  readonly name: string;
  readonly id: number;
  readonly keyBits: number;
  readonly aead: boolean;
  /** Node's cipher name. */
  readonly cipher: string;
  /** Bytes of key material: the AES key, plus the 4-byte salt of GCM (RFC 4106/5282). */
  readonly keyLen: number;
  /** Bytes of IV sent in each packet. */
  readonly ivLen: number;
  /** Padding boundary of the ciphertext. */
  readonly block: number;
  /** ICV of an AEAD cipher (0 for CBC: the integrity transform has it). */
  readonly icvLen: number;
  /** strongSwan's name: AES_CBC-256, AES_GCM_16-256. */
  readonly show: string;
}

export interface IntegAlg {
  readonly name: HashName;
  readonly id: number;
  readonly hash: HashName;
  readonly keyLen: number;
  readonly icvLen: number;
  readonly show: string;
}

export interface PrfAlg {
  readonly name: HashName;
  readonly id: number;
  readonly hash: HashName;
  /** Output (and preferred key) length. */
  readonly len: number;
  readonly show: string;
}

export interface DhAlg {
  readonly group: number;
  readonly show: string;
  /** Bytes of the public value (KE payload data). */
  readonly publicLen: number;
}

export const ENCR_ALGS: readonly EncrAlg[] = [
  { name: 'aes128', id: ENCR_AES_CBC, keyBits: 128, aead: false, cipher: 'aes-128-cbc', keyLen: 16, ivLen: 16, block: 16, icvLen: 0, show: 'AES_CBC-128' },
  { name: 'aes256', id: ENCR_AES_CBC, keyBits: 256, aead: false, cipher: 'aes-256-cbc', keyLen: 32, ivLen: 16, block: 16, icvLen: 0, show: 'AES_CBC-256' },
  { name: 'aes128gcm128', id: ENCR_AES_GCM_16, keyBits: 128, aead: true, cipher: 'aes-128-gcm', keyLen: 20, ivLen: 8, block: 4, icvLen: 16, show: 'AES_GCM_16-128' },
  { name: 'aes256gcm128', id: ENCR_AES_GCM_16, keyBits: 256, aead: true, cipher: 'aes-256-gcm', keyLen: 36, ivLen: 8, block: 4, icvLen: 16, show: 'AES_GCM_16-256' },
];

export const INTEG_ALGS: readonly IntegAlg[] = [
  { name: 'sha1', id: AUTH_HMAC_SHA1_96, hash: 'sha1', keyLen: 20, icvLen: 12, show: 'HMAC_SHA1_96' },
  { name: 'sha256', id: AUTH_HMAC_SHA2_256_128, hash: 'sha256', keyLen: 32, icvLen: 16, show: 'HMAC_SHA2_256_128' },
];

export const PRF_ALGS: readonly PrfAlg[] = [
  { name: 'sha1', id: PRF_HMAC_SHA1, hash: 'sha1', len: 20, show: 'PRF_HMAC_SHA1' },
  { name: 'sha256', id: PRF_HMAC_SHA2_256, hash: 'sha256', len: 32, show: 'PRF_HMAC_SHA2_256' },
];

export const DH_ALGS: readonly DhAlg[] = [
  { group: 2, show: 'MODP_1024', publicLen: 128 },
  { group: 14, show: 'MODP_2048', publicLen: 256 },
  { group: 31, show: 'CURVE_25519', publicLen: 32 },
];

export const ENCRYPTION_NAMES = ENCR_ALGS.map((a) => a.name);
export const HASH_NAMES: readonly HashName[] = ['sha1', 'sha256'];
export const DH_GROUPS = DH_ALGS.map((a) => a.group);

export function encrByName(name: string): EncrAlg | undefined {
  return ENCR_ALGS.find((a) => a.name === name);
}

export function encrById(id: number, keyBits: number): EncrAlg | undefined {
  return ENCR_ALGS.find((a) => a.id === id && a.keyBits === keyBits);
}

export function integByName(name: string): IntegAlg | undefined {
  return INTEG_ALGS.find((a) => a.name === name);
}

export function integById(id: number): IntegAlg | undefined {
  return INTEG_ALGS.find((a) => a.id === id);
}

export function prfByName(name: string): PrfAlg | undefined {
  return PRF_ALGS.find((a) => a.name === name);
}

export function prfById(id: number): PrfAlg | undefined {
  return PRF_ALGS.find((a) => a.id === id);
}

export function dhByGroup(group: number): DhAlg | undefined {
  return DH_ALGS.find((a) => a.group === group);
}

/** A negotiated IKE suite. */
export interface IkeSuite {
  readonly encr: EncrAlg;
  /** null with an AEAD cipher. */
  readonly integ: IntegAlg | null;
  readonly prf: PrfAlg;
  readonly dh: DhAlg;
}

/** A negotiated ESP suite; `dh` only with PFS. */
export interface EspSuite {
  readonly encr: EncrAlg;
  readonly integ: IntegAlg | null;
  readonly dh: DhAlg | null;
}

/** AES_CBC-256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024 */
export function ikeSuiteName(s: IkeSuite): string {
  return [s.encr.show, ...(s.integ ? [s.integ.show] : []), s.prf.show, s.dh.show].join('/');
}

/** AES_CBC-256/HMAC_SHA1_96 (with PFS: .../MODP_2048) */
export function espSuiteName(s: EspSuite): string {
  return [s.encr.show, ...(s.integ ? [s.integ.show] : []), ...(s.dh ? [s.dh.show] : [])].join('/');
}
