// UPDATE messages: a total decoder applying RFC 7606's error handling, and encoders.
//
// decodeUpdate either fails (the error to send in a NOTIFICATION: the session is reset) or
// gives the withdrawn prefixes, the announced prefixes and their attributes. A malformed
// attribute that RFC 7606 handles by "treat-as-withdraw" gives `attrs: null` and the reason:
// the announced prefixes are then withdrawn; "attribute discard" drops only that attribute
// and names it in `discarded`. IPv4 unicast in MP_REACH/MP_UNREACH (RFC 4760) is read like
// the classic fields; other address families are ignored (never negotiated).

import { mergeAs4Path, needsFourOctets, type AsPath, type AsSegment } from '../as-path.js';
import type { Aggregator, PathAttrs } from '../path-attrs.js';
import { prefixKey, keyAddr, keyLen, type PrefixKey } from '../prefix-key.js';
import {
  AFI_IPV4, AS_CONFED_SEQUENCE, AS_CONFED_SET, AS_SET, AS_TRANS, ATTR_AGGREGATOR, ATTR_AS4_AGGREGATOR,
  ATTR_AS4_PATH, ATTR_AS_PATH, ATTR_ATOMIC_AGGREGATE, ATTR_CLUSTER_LIST, ATTR_COMMUNITIES, ATTR_LOCAL_PREF, ATTR_MED,
  ATTR_MP_REACH, ATTR_MP_UNREACH, ATTR_NEXT_HOP, ATTR_ORIGIN, ATTR_ORIGINATOR_ID, ERR_UPDATE, FLAG_EXTENDED, FLAG_OPTIONAL,
  FLAG_PARTIAL, FLAG_TRANSITIVE, HEADER_LEN, MARKER_LEN, MAX_MESSAGE_LEN, MSG_UPDATE, SAFI_UNICAST,
  UPDATE_INVALID_NETWORK, UPDATE_MALFORMED_ATTRIBUTE_LIST, UPDATE_OPTIONAL_ATTRIBUTE, UPDATE_UNRECOGNIZED_WELL_KNOWN,
  type Origin,
} from './constants.js';
import { bgpError, type Decoded } from './messages.js';

export interface UpdateOptions {
  /** Both sides announced 4-octet AS numbers (RFC 6793): AS_PATH carries 4-octet numbers. */
  readonly fourOctet: boolean;
  /** From an eBGP peer (LOCAL_PREF and the route-reflection attributes are discarded). */
  readonly external: boolean;
}

export interface DecodedUpdate {
  readonly withdrawn: PrefixKey[];
  /** Announced prefixes (withdrawn instead when attrs is null). */
  readonly nlri: PrefixKey[];
  readonly attrs: PathAttrs | null;
  /** Why the announced prefixes are treated as withdrawn (RFC 7606), or null. */
  readonly withdrawReason: string | null;
  /** Attributes dropped by "attribute discard" (RFC 7606), for the log. */
  readonly discarded: readonly string[];
}

const ATTR_NAMES: Readonly<Record<number, string>> = {
  [ATTR_ORIGIN]: 'ORIGIN', [ATTR_AS_PATH]: 'AS_PATH', [ATTR_NEXT_HOP]: 'NEXT_HOP', [ATTR_MED]: 'MULTI_EXIT_DISC',
  [ATTR_LOCAL_PREF]: 'LOCAL_PREF', [ATTR_ATOMIC_AGGREGATE]: 'ATOMIC_AGGREGATE', [ATTR_AGGREGATOR]: 'AGGREGATOR',
  [ATTR_COMMUNITIES]: 'COMMUNITIES', [ATTR_ORIGINATOR_ID]: 'ORIGINATOR_ID', [ATTR_CLUSTER_LIST]: 'CLUSTER_LIST',
  [ATTR_MP_REACH]: 'MP_REACH_NLRI', [ATTR_MP_UNREACH]: 'MP_UNREACH_NLRI', [ATTR_AS4_PATH]: 'AS4_PATH',
  [ATTR_AS4_AGGREGATOR]: 'AS4_AGGREGATOR',
};

export function attrName(type: number): string {
  return ATTR_NAMES[type] ?? `attribute ${type}`;
}

/** Optional and Transitive bits each known attribute must carry. */
const EXPECTED_FLAGS: Readonly<Record<number, number>> = {
  [ATTR_ORIGIN]: FLAG_TRANSITIVE, [ATTR_AS_PATH]: FLAG_TRANSITIVE, [ATTR_NEXT_HOP]: FLAG_TRANSITIVE,
  [ATTR_MED]: FLAG_OPTIONAL, [ATTR_LOCAL_PREF]: FLAG_TRANSITIVE, [ATTR_ATOMIC_AGGREGATE]: FLAG_TRANSITIVE,
  [ATTR_AGGREGATOR]: FLAG_OPTIONAL | FLAG_TRANSITIVE, [ATTR_COMMUNITIES]: FLAG_OPTIONAL | FLAG_TRANSITIVE,
  [ATTR_ORIGINATOR_ID]: FLAG_OPTIONAL, [ATTR_CLUSTER_LIST]: FLAG_OPTIONAL, [ATTR_MP_REACH]: FLAG_OPTIONAL,
  [ATTR_MP_UNREACH]: FLAG_OPTIONAL, [ATTR_AS4_PATH]: FLAG_OPTIONAL | FLAG_TRANSITIVE,
  [ATTR_AS4_AGGREGATOR]: FLAG_OPTIONAL | FLAG_TRANSITIVE,
};

/** RFC 7606 7: what a malformed instance of each attribute costs. */
const enum Handling { WITHDRAW, DISCARD, RESET }
function handlingOf(type: number): Handling {
  switch (type) {
    case ATTR_ATOMIC_AGGREGATE: case ATTR_AGGREGATOR: case ATTR_AS4_PATH: case ATTR_AS4_AGGREGATOR:
      return Handling.DISCARD;
    case ATTR_MP_REACH: case ATTR_MP_UNREACH:
      return Handling.RESET;
    default:
      return Handling.WITHDRAW;
  }
}

/** Parses NLRI-encoded prefixes in buf[p, end) into `out`; false when malformed. */
function parsePrefixes(buf: Uint8Array, p: number, end: number, out: PrefixKey[]): boolean {
  while (p < end) {
    const len = buf[p]!;
    if (len > 32) return false;
    const n = (len + 7) >>> 3;
    if (p + 1 + n > end) return false;
    let a = 0;
    for (let i = 0; i < 4; i++) a = (a << 8) | (i < n ? buf[p + 1 + i]! : 0);
    out.push(prefixKey(a >>> 0, len));
    p += 1 + n;
  }
  return true;
}

function parseAsPath(buf: Uint8Array, p: number, end: number, asSize: 2 | 4, external: boolean): AsPath | null {
  const segs: AsSegment[] = [];
  while (p < end) {
    if (p + 2 > end) return null;
    const type = buf[p]!, count = buf[p + 1]!;
    if (type < AS_SET || type > AS_CONFED_SET || count === 0) return null;
    if (external && (type === AS_CONFED_SEQUENCE || type === AS_CONFED_SET)) return null;
    const q = p + 2 + count * asSize;
    if (q > end) return null;
    const asns = new Array<number>(count);
    for (let i = 0; i < count; i++) {
      const o = p + 2 + i * asSize;
      asns[i] = asSize === 4 ? ((buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!) >>> 0 : (buf[o]! << 8) | buf[o + 1]!;
    }
    segs.push({ type, asns });
    p = q;
  }
  return segs;
}

function u32(buf: Uint8Array, o: number): number {
  return ((buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!) >>> 0;
}

export function decodeUpdate(buf: Uint8Array, off: number, len: number, opts: UpdateOptions): Decoded<DecodedUpdate> {
  const end = off + len;
  let p = off + HEADER_LEN;
  const wlen = (buf[p]! << 8) | buf[p + 1]!;
  if (p + 2 + wlen + 2 > end) return bgpError(ERR_UPDATE, UPDATE_MALFORMED_ATTRIBUTE_LIST);
  const withdrawn: PrefixKey[] = [];
  if (!parsePrefixes(buf, p + 2, p + 2 + wlen, withdrawn)) return bgpError(ERR_UPDATE, UPDATE_MALFORMED_ATTRIBUTE_LIST);
  p += 2 + wlen;
  const alen = (buf[p]! << 8) | buf[p + 1]!;
  const attrStart = p + 2, attrEnd = attrStart + alen;
  if (attrEnd > end) return bgpError(ERR_UPDATE, UPDATE_MALFORMED_ATTRIBUTE_LIST);
  const nlri: PrefixKey[] = [];
  if (!parsePrefixes(buf, attrEnd, end, nlri)) return bgpError(ERR_UPDATE, UPDATE_INVALID_NETWORK);
  const classicNlri = nlri.length > 0;

  let origin: Origin | -1 = -1;
  let asPath: AsPath | null = null;
  let nextHop = -1, mpNextHop = -1;
  let med: number | null = null, localPref: number | null = null;
  let atomic = false;
  let aggregator: Aggregator | null = null, as4Aggregator: Aggregator | null = null;
  let as4Path: AsPath | null = null;
  let communities: number[] | null = null, clusterList: number[] | null = null;
  let originatorId: number | null = null;
  let unknown: number[] | null = null;
  let withdrawReason: string | null = null;
  const discarded: string[] = [];
  const seen = new Uint8Array(256);
  const malformed = (type: number, why: string): Decoded<DecodedUpdate> | null => {
    const h = handlingOf(type);
    if (h === Handling.RESET) return bgpError(ERR_UPDATE, UPDATE_OPTIONAL_ATTRIBUTE);
    if (h === Handling.DISCARD) discarded.push(`${attrName(type)} (${why})`);
    else withdrawReason ??= `malformed ${attrName(type)} (${why})`;
    return null;
  };

  let q = attrStart;
  while (q < attrEnd) {
    if (q + 3 > attrEnd) {
      withdrawReason ??= 'attribute header overruns the path attributes';
      break;
    }
    const flags = buf[q]!, type = buf[q + 1]!;
    const ext = (flags & FLAG_EXTENDED) !== 0;
    if (ext && q + 4 > attrEnd) {
      withdrawReason ??= 'attribute header overruns the path attributes';
      break;
    }
    const vlen = ext ? (buf[q + 2]! << 8) | buf[q + 3]! : buf[q + 2]!;
    const v = q + (ext ? 4 : 3);
    const vEnd = v + vlen;
    if (vEnd > attrEnd) {
      withdrawReason ??= `${attrName(type)} length ${vlen} overruns the path attributes`;
      break;
    }
    q = vEnd;
    if (seen[type]) {
      // RFC 7606 3(g): repeated MP attributes reset the session; other repeats are dropped.
      if (type === ATTR_MP_REACH || type === ATTR_MP_UNREACH) return bgpError(ERR_UPDATE, UPDATE_MALFORMED_ATTRIBUTE_LIST);
      continue;
    }
    seen[type] = 1;
    const expected = EXPECTED_FLAGS[type];
    if (expected === undefined) {
      if ((flags & FLAG_OPTIONAL) === 0) {
        return bgpError(ERR_UPDATE, UPDATE_UNRECOGNIZED_WELL_KNOWN, buf.slice(v - (ext ? 4 : 3), vEnd));
      }
      if (flags & FLAG_TRANSITIVE) {
        unknown ??= [];
        unknown.push(flags | FLAG_PARTIAL, type);
        if (ext) unknown.push(vlen >>> 8, vlen & 0xff);
        else unknown.push(vlen);
        for (let i = v; i < vEnd; i++) unknown.push(buf[i]!);
      }
      continue;
    }
    if ((flags & (FLAG_OPTIONAL | FLAG_TRANSITIVE)) !== expected || ((flags & FLAG_OPTIONAL) === 0 && (flags & FLAG_PARTIAL) !== 0)) {
      const r = malformed(type, `flags 0x${flags.toString(16)}`);
      if (r) return r;
      continue;
    }
    switch (type) {
      case ATTR_ORIGIN: {
        if (vlen !== 1 || buf[v]! > 2) {
          const r = malformed(type, vlen !== 1 ? `length ${vlen}` : `value ${buf[v]}`);
          if (r) return r;
        } else origin = buf[v] as Origin;
        break;
      }
      case ATTR_AS_PATH: {
        const path = parseAsPath(buf, v, vEnd, opts.fourOctet ? 4 : 2, opts.external);
        if (path === null) malformed(type, 'bad segment');
        else asPath = path;
        break;
      }
      case ATTR_NEXT_HOP:
        if (vlen !== 4) malformed(type, `length ${vlen}`);
        else nextHop = u32(buf, v);
        break;
      case ATTR_MED:
        if (vlen !== 4) malformed(type, `length ${vlen}`);
        else med = u32(buf, v);
        break;
      case ATTR_LOCAL_PREF:
        if (opts.external) break; // RFC 7606 7.5: from an external peer it is discarded
        if (vlen !== 4) malformed(type, `length ${vlen}`);
        else localPref = u32(buf, v);
        break;
      case ATTR_ATOMIC_AGGREGATE:
        if (vlen !== 0) malformed(type, `length ${vlen}`);
        else atomic = true;
        break;
      case ATTR_AGGREGATOR: {
        const want = opts.fourOctet ? 8 : 6;
        if (vlen !== want) malformed(type, `length ${vlen}`);
        else aggregator = opts.fourOctet
          ? { asn: u32(buf, v), addr: u32(buf, v + 4) }
          : { asn: (buf[v]! << 8) | buf[v + 1]!, addr: u32(buf, v + 2) };
        break;
      }
      case ATTR_COMMUNITIES:
        if (vlen === 0 || vlen % 4 !== 0) malformed(type, `length ${vlen}`);
        else {
          communities = [];
          for (let i = v; i < vEnd; i += 4) communities.push(u32(buf, i));
        }
        break;
      case ATTR_ORIGINATOR_ID:
        if (opts.external) break;
        if (vlen !== 4) malformed(type, `length ${vlen}`);
        else originatorId = u32(buf, v);
        break;
      case ATTR_CLUSTER_LIST:
        if (opts.external) break;
        if (vlen === 0 || vlen % 4 !== 0) malformed(type, `length ${vlen}`);
        else {
          clusterList = [];
          for (let i = v; i < vEnd; i += 4) clusterList.push(u32(buf, i));
        }
        break;
      case ATTR_MP_REACH: {
        if (vlen < 5) return bgpError(ERR_UPDATE, UPDATE_OPTIONAL_ATTRIBUTE);
        const afi = (buf[v]! << 8) | buf[v + 1]!, safi = buf[v + 2]!, nhLen = buf[v + 3]!;
        const nlriAt = v + 4 + nhLen + 1;
        if (nlriAt > vEnd) return bgpError(ERR_UPDATE, UPDATE_OPTIONAL_ATTRIBUTE);
        if (afi !== AFI_IPV4 || safi !== SAFI_UNICAST) break;
        if (nhLen !== 4) return bgpError(ERR_UPDATE, UPDATE_OPTIONAL_ATTRIBUTE);
        mpNextHop = u32(buf, v + 4);
        if (!parsePrefixes(buf, nlriAt, vEnd, nlri)) return bgpError(ERR_UPDATE, UPDATE_OPTIONAL_ATTRIBUTE);
        break;
      }
      case ATTR_MP_UNREACH: {
        if (vlen < 3) return bgpError(ERR_UPDATE, UPDATE_OPTIONAL_ATTRIBUTE);
        const afi = (buf[v]! << 8) | buf[v + 1]!, safi = buf[v + 2]!;
        if (afi !== AFI_IPV4 || safi !== SAFI_UNICAST) break;
        if (!parsePrefixes(buf, v + 3, vEnd, withdrawn)) return bgpError(ERR_UPDATE, UPDATE_OPTIONAL_ATTRIBUTE);
        break;
      }
      case ATTR_AS4_PATH: {
        if (opts.fourOctet) {
          discarded.push('AS4_PATH (on a 4-octet session)');
          break;
        }
        const path = parseAsPath(buf, v, vEnd, 4, opts.external);
        if (path === null) malformed(type, 'bad segment');
        else as4Path = path;
        break;
      }
      case ATTR_AS4_AGGREGATOR:
        if (opts.fourOctet) break;
        if (vlen !== 8) malformed(type, `length ${vlen}`);
        else as4Aggregator = { asn: u32(buf, v), addr: u32(buf, v + 4) };
        break;
    }
  }

  if (nlri.length > 0 && withdrawReason === null) {
    if (origin === -1) withdrawReason = 'missing well-known attribute ORIGIN';
    else if (asPath === null) withdrawReason = 'missing well-known attribute AS_PATH';
    else if (classicNlri && nextHop === -1) withdrawReason = 'missing well-known attribute NEXT_HOP';
  }
  if (withdrawReason !== null || nlri.length === 0) {
    return { ok: true, value: { withdrawn, nlri, attrs: null, withdrawReason, discarded } };
  }
  let path = asPath!;
  // RFC 6793 4.2.3: AS4 attributes count only when the AGGREGATOR (if any) carries AS_TRANS.
  if (!opts.fourOctet && (aggregator === null || aggregator.asn === AS_TRANS)) {
    if (as4Path !== null) path = mergeAs4Path(path, as4Path);
    if (as4Aggregator !== null && aggregator !== null) aggregator = as4Aggregator;
  }
  const attrs: PathAttrs = {
    origin: origin as Origin, asPath: path, nextHop: (classicNlri ? nextHop : mpNextHop) >>> 0,
    med, localPref, atomicAggregate: atomic, aggregator, communities, originatorId, clusterList,
    unknownTransitive: unknown === null ? null : Uint8Array.from(unknown),
  };
  return { ok: true, value: { withdrawn, nlri, attrs, withdrawReason: null, discarded } };
}

// ---------------------------------------------------------------------------- encoding

class Bytes {
  a: number[] = [];
  u8(v: number): void { this.a.push(v & 0xff); }
  u16(v: number): void { this.a.push((v >>> 8) & 0xff, v & 0xff); }
  u32(v: number): void { this.a.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff); }
  attr(flags: number, type: number, value: number[]): void {
    if (value.length > 255) {
      this.a.push(flags | FLAG_EXTENDED, type);
      this.u16(value.length);
    } else {
      this.a.push(flags, type, value.length);
    }
    for (const x of value) this.a.push(x);
  }
}

function asPathBytes(p: AsPath, asSize: 2 | 4): number[] {
  const b = new Bytes();
  for (const s of p) {
    b.u8(s.type);
    b.u8(s.asns.length);
    for (const a of s.asns) {
      if (asSize === 4) b.u32(a);
      else b.u16(a > 0xffff ? AS_TRANS : a);
    }
  }
  return b.a;
}

/** The path attribute section for `a` on a session with (`fourOctet`) or without 4-octet AS numbers. */
export function encodeAttrs(a: PathAttrs, fourOctet: boolean): Uint8Array {
  const b = new Bytes();
  b.attr(FLAG_TRANSITIVE, ATTR_ORIGIN, [a.origin]);
  b.attr(FLAG_TRANSITIVE, ATTR_AS_PATH, asPathBytes(a.asPath, fourOctet ? 4 : 2));
  const nh = new Bytes();
  nh.u32(a.nextHop);
  b.attr(FLAG_TRANSITIVE, ATTR_NEXT_HOP, nh.a);
  const num = (v: number) => {
    const x = new Bytes();
    x.u32(v);
    return x.a;
  };
  if (a.med !== null) b.attr(FLAG_OPTIONAL, ATTR_MED, num(a.med));
  if (a.localPref !== null) b.attr(FLAG_TRANSITIVE, ATTR_LOCAL_PREF, num(a.localPref));
  if (a.atomicAggregate) b.attr(FLAG_TRANSITIVE, ATTR_ATOMIC_AGGREGATE, []);
  if (a.aggregator !== null) {
    const x = new Bytes();
    if (fourOctet) x.u32(a.aggregator.asn);
    else x.u16(a.aggregator.asn > 0xffff ? AS_TRANS : a.aggregator.asn);
    x.u32(a.aggregator.addr);
    b.attr(FLAG_OPTIONAL | FLAG_TRANSITIVE, ATTR_AGGREGATOR, x.a);
  }
  if (a.communities !== null && a.communities.length > 0) {
    const x = new Bytes();
    for (const c of a.communities) x.u32(c);
    b.attr(FLAG_OPTIONAL | FLAG_TRANSITIVE, ATTR_COMMUNITIES, x.a);
  }
  if (a.originatorId !== null) b.attr(FLAG_OPTIONAL, ATTR_ORIGINATOR_ID, num(a.originatorId));
  if (a.clusterList !== null && a.clusterList.length > 0) {
    const x = new Bytes();
    for (const c of a.clusterList) x.u32(c);
    b.attr(FLAG_OPTIONAL, ATTR_CLUSTER_LIST, x.a);
  }
  if (!fourOctet && needsFourOctets(a.asPath)) b.attr(FLAG_OPTIONAL | FLAG_TRANSITIVE, ATTR_AS4_PATH, asPathBytes(a.asPath, 4));
  if (!fourOctet && a.aggregator !== null && a.aggregator.asn > 0xffff) {
    const x = new Bytes();
    x.u32(a.aggregator.asn);
    x.u32(a.aggregator.addr);
    b.attr(FLAG_OPTIONAL | FLAG_TRANSITIVE, ATTR_AS4_AGGREGATOR, x.a);
  }
  if (a.unknownTransitive !== null) for (const x of a.unknownTransitive) b.a.push(x);
  return Uint8Array.from(b.a);
}

function prefixBytes(k: PrefixKey): number {
  return 1 + ((keyLen(k) + 7) >>> 3);
}

function writePrefix(b: Uint8Array, o: number, k: PrefixKey): number {
  const len = keyLen(k), a = keyAddr(k), n = (len + 7) >>> 3;
  b[o] = len;
  for (let i = 0; i < n; i++) b[o + 1 + i] = (a >>> (24 - 8 * i)) & 0xff;
  return o + 1 + n;
}

function updateMessage(withdrawn: readonly PrefixKey[], wFrom: number, wTo: number, wBytes: number,
  attrBytes: Uint8Array | null, nlri: readonly PrefixKey[], nFrom: number, nTo: number, nBytes: number): Uint8Array {
  const alen = attrBytes?.length ?? 0;
  const len = HEADER_LEN + 2 + wBytes + 2 + alen + nBytes;
  const b = new Uint8Array(len);
  b.fill(0xff, 0, MARKER_LEN);
  b[16] = len >>> 8;
  b[17] = len & 0xff;
  b[18] = MSG_UPDATE;
  let o = HEADER_LEN;
  b[o++] = wBytes >>> 8;
  b[o++] = wBytes & 0xff;
  for (let i = wFrom; i < wTo; i++) o = writePrefix(b, o, withdrawn[i]!);
  b[o++] = alen >>> 8;
  b[o++] = alen & 0xff;
  if (attrBytes) {
    b.set(attrBytes, o);
    o += alen;
  }
  for (let i = nFrom; i < nTo; i++) o = writePrefix(b, o, nlri[i]!);
  return b;
}

/** UPDATE messages withdrawing `keys`, as few as fit in 4096 bytes each. */
export function encodeWithdrawals(keys: readonly PrefixKey[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  const room = MAX_MESSAGE_LEN - HEADER_LEN - 4;
  let from = 0, bytes = 0;
  for (let i = 0; i < keys.length; i++) {
    const n = prefixBytes(keys[i]!);
    if (bytes + n > room) {
      out.push(updateMessage(keys, from, i, bytes, null, [], 0, 0, 0));
      from = i;
      bytes = 0;
    }
    bytes += n;
  }
  if (from < keys.length) out.push(updateMessage(keys, from, keys.length, bytes, null, [], 0, 0, 0));
  return out;
}

/** UPDATE messages announcing `keys` with the encoded attributes `attrBytes`. */
export function encodeAnnouncements(attrBytes: Uint8Array, keys: readonly PrefixKey[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  const room = MAX_MESSAGE_LEN - HEADER_LEN - 4 - attrBytes.length;
  let from = 0, bytes = 0;
  for (let i = 0; i < keys.length; i++) {
    const n = prefixBytes(keys[i]!);
    if (bytes + n > room) {
      out.push(updateMessage([], 0, 0, 0, attrBytes, keys, from, i, bytes));
      from = i;
      bytes = 0;
    }
    bytes += n;
  }
  if (from < keys.length) out.push(updateMessage([], 0, 0, 0, attrBytes, keys, from, keys.length, bytes));
  return out;
}

/** The End-of-RIB marker for IPv4 unicast (RFC 4724): an empty UPDATE. */
export function encodeEndOfRib(): Uint8Array {
  return updateMessage([], 0, 0, 0, null, [], 0, 0, 0);
}

