// IKEv2 messages (RFC 7296 §3): the header and the payload chain, encoded and decoded. Decoding
// is total: malformed input gives `{ ok: false, reason }`, never an exception. The SK payload's
// body stays opaque here (sk.ts decrypts it; its plaintext is another chain for decodeChain).

import { readU16, readU32, writeU16, writeU32 } from '../../packet/bytes.js';
import { ATTR_KEY_LENGTH } from '../crypto/algorithms.js';
import {
  EXCHANGE_NAMES, FLAG_RESPONSE, IKE_HEADER_LEN, NOTIFY_NAMES, PAYLOAD, PAYLOAD_NAMES, TS_IPV4_ADDR_RANGE,
} from './constants.js';

export interface Transform {
  readonly type: number;
  readonly id: number;
  /** The Key Length attribute, 0 when absent. */
  readonly keyLength: number;
}

export interface Proposal {
  readonly num: number;
  readonly protocol: number;
  readonly spi: Uint8Array;
  readonly transforms: readonly Transform[];
}

export interface TrafficSelector {
  readonly proto: number;
  readonly startPort: number;
  readonly endPort: number;
  /** Unsigned IPv4 addresses. */
  readonly start: number;
  readonly end: number;
}

export type Payload =
  | { readonly type: 33; readonly proposals: readonly Proposal[] }
  | { readonly type: 34; readonly group: number; readonly data: Uint8Array }
  | { readonly type: 35 | 36; readonly idType: number; readonly data: Uint8Array }
  | { readonly type: 39; readonly method: number; readonly data: Uint8Array }
  | { readonly type: 40; readonly data: Uint8Array }
  | { readonly type: 41; readonly protocol: number; readonly spi: Uint8Array; readonly notify: number; readonly data: Uint8Array }
  | { readonly type: 42; readonly protocol: number; readonly spis: readonly Uint8Array[] }
  | { readonly type: 43; readonly data: Uint8Array }
  | { readonly type: 44 | 45; readonly selectors: readonly TrafficSelector[] }
  | { readonly type: 46; readonly firstInner: number; readonly body: Uint8Array; readonly offset: number }
  | { readonly type: -1; readonly payloadType: number; readonly critical: boolean; readonly data: Uint8Array };

export type NotifyPayload = Extract<Payload, { type: 41 }>;

export interface IkeHeader {
  readonly spiI: Uint8Array;
  readonly spiR: Uint8Array;
  readonly nextPayload: number;
  readonly version: number;
  readonly exchange: number;
  readonly flags: number;
  readonly msgId: number;
  readonly length: number;
}

export interface IkeMessage {
  readonly header: IkeHeader;
  /** Plain payloads; an encrypted message has one SK payload last. */
  readonly payloads: readonly Payload[];
}

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

export function decodeHeader(buf: Uint8Array, len = buf.length): Decoded<IkeHeader> {
  if (len < IKE_HEADER_LEN || buf.length < len) return fail('truncated header');
  const length = readU32(buf, 24);
  if (length !== len) return fail(`length ${length} != datagram ${len}`);
  return {
    ok: true,
    value: {
      spiI: buf.slice(0, 8), spiR: buf.slice(8, 16), nextPayload: buf[16]!, version: buf[17]!, exchange: buf[18]!,
      flags: buf[19]!, msgId: readU32(buf, 20), length,
    },
  };
}

/** Decodes a whole message (header and the chain up to an SK payload, which must be last). */
export function decodeMessage(buf: Uint8Array, len = buf.length): Decoded<IkeMessage> {
  const h = decodeHeader(buf, len);
  if (!h.ok) return h;
  if ((h.value.version >>> 4) !== 2) return fail(`version ${h.value.version >>> 4}.${h.value.version & 15}`);
  const c = decodeChain(buf, IKE_HEADER_LEN, len, h.value.nextPayload);
  if (!c.ok) return c;
  return { ok: true, value: { header: h.value, payloads: c.value } };
}

/** Decodes the payload chain buf[off, end) starting with payload type `first`. */
export function decodeChain(buf: Uint8Array, off: number, end: number, first: number): Decoded<Payload[]> {
  const out: Payload[] = [];
  let type = first;
  while (type !== PAYLOAD.NONE) {
    if (out.length >= 64) return fail('too many payloads');
    if (end - off < 4) return fail(`truncated ${PAYLOAD_NAMES[type] ?? type} payload header`);
    const next = buf[off]!;
    const critical = (buf[off + 1]! & 0x80) !== 0;
    const plen = readU16(buf, off + 2);
    if (plen < 4 || off + plen > end) return fail(`bad ${PAYLOAD_NAMES[type] ?? type} payload length ${plen}`);
    const body = buf.subarray(off + 4, off + plen);
    if (type === PAYLOAD.SK) {
      out.push({ type: 46, firstInner: next, body: buf.slice(off + 4, off + plen), offset: off });
      if (off + plen !== end) return fail('SK payload is not last');
      return { ok: true, value: out };
    }
    const p = decodeBody(type, critical, body);
    if (!p.ok) return p;
    out.push(p.value);
    off += plen;
    type = next;
  }
  if (off !== end) return fail('bytes after the last payload');
  return { ok: true, value: out };
}

function decodeBody(type: number, critical: boolean, b: Uint8Array): Decoded<Payload> {
  const copy = (from: number) => b.slice(from);
  switch (type) {
    case PAYLOAD.SA: {
      const p = decodeProposals(b);
      return p.ok ? { ok: true, value: { type: 33, proposals: p.value } } : p;
    }
    case PAYLOAD.KE:
      if (b.length < 4) return fail('truncated KE');
      return { ok: true, value: { type: 34, group: readU16(b, 0), data: copy(4) } };
    case PAYLOAD.IDI:
    case PAYLOAD.IDR:
      if (b.length < 4) return fail('truncated ID');
      return { ok: true, value: { type, idType: b[0]!, data: copy(4) } };
    case PAYLOAD.AUTH:
      if (b.length < 4) return fail('truncated AUTH');
      return { ok: true, value: { type: 39, method: b[0]!, data: copy(4) } };
    case PAYLOAD.NONCE:
      if (b.length < 16 || b.length > 256) return fail(`nonce of ${b.length} bytes`);
      return { ok: true, value: { type: 40, data: copy(0) } };
    case PAYLOAD.NOTIFY: {
      if (b.length < 4) return fail('truncated N');
      const spiSize = b[1]!;
      if (4 + spiSize > b.length) return fail('truncated N SPI');
      return { ok: true, value: { type: 41, protocol: b[0]!, notify: readU16(b, 2), spi: b.slice(4, 4 + spiSize), data: copy(4 + spiSize) } };
    }
    case PAYLOAD.DELETE: {
      if (b.length < 4) return fail('truncated D');
      const spiSize = b[1]!, n = readU16(b, 2);
      if (spiSize * n !== b.length - 4) return fail('bad D SPI count');
      const spis: Uint8Array[] = [];
      for (let i = 0; i < n; i++) spis.push(b.slice(4 + i * spiSize, 4 + (i + 1) * spiSize));
      return { ok: true, value: { type: 42, protocol: b[0]!, spis } };
    }
    case PAYLOAD.VENDOR:
      return { ok: true, value: { type: 43, data: copy(0) } };
    case PAYLOAD.TSI:
    case PAYLOAD.TSR: {
      const t = decodeSelectors(b);
      return t.ok ? { ok: true, value: { type, selectors: t.value } } : t;
    }
    default:
      return { ok: true, value: { type: -1, payloadType: type, critical, data: copy(0) } };
  }
}

function decodeProposals(b: Uint8Array): Decoded<Proposal[]> {
  const out: Proposal[] = [];
  let off = 0;
  for (;;) {
    if (b.length - off < 8) return fail('truncated proposal');
    const last = b[off]!;
    const plen = readU16(b, off + 2);
    if (plen < 8 || off + plen > b.length || (last !== 0 && last !== 2)) return fail('bad proposal');
    const num = b[off + 4]!, protocol = b[off + 5]!, spiSize = b[off + 6]!, nt = b[off + 7]!;
    if (8 + spiSize > plen) return fail('bad proposal SPI');
    const spi = b.slice(off + 8, off + 8 + spiSize);
    const transforms: Transform[] = [];
    let t = off + 8 + spiSize;
    const pend = off + plen;
    for (let i = 0; i < nt; i++) {
      if (pend - t < 8) return fail('truncated transform');
      const tlen = readU16(b, t + 2);
      if (tlen < 8 || t + tlen > pend) return fail('bad transform length');
      let keyLength = 0;
      for (let a = t + 8; a < t + tlen;) {
        if (t + tlen - a < 4) return fail('truncated attribute');
        const at = readU16(b, a);
        if (at & 0x8000) {
          if ((at & 0x7fff) === ATTR_KEY_LENGTH) keyLength = readU16(b, a + 2);
          a += 4;
        } else {
          const alen = readU16(b, a + 2);
          if (a + 4 + alen > t + tlen) return fail('bad attribute length');
          a += 4 + alen;
        }
      }
      transforms.push({ type: b[t + 4]!, id: readU16(b, t + 6), keyLength });
      t += tlen;
    }
    if (t !== pend) return fail('bytes after the transforms');
    out.push({ num, protocol, spi, transforms });
    off = pend;
    if (last === 0) break;
  }
  if (off !== b.length) return fail('bytes after the last proposal');
  return { ok: true, value: out };
}

function decodeSelectors(b: Uint8Array): Decoded<TrafficSelector[]> {
  if (b.length < 4) return fail('truncated TS');
  const n = b[0]!;
  const out: TrafficSelector[] = [];
  let off = 4;
  for (let i = 0; i < n; i++) {
    if (b.length - off < 4) return fail('truncated selector');
    const type = b[off]!, slen = readU16(b, off + 2);
    if (slen < 8 || off + slen > b.length) return fail('bad selector length');
    if (type === TS_IPV4_ADDR_RANGE && slen === 16) {
      out.push({ proto: b[off + 1]!, startPort: readU16(b, off + 4), endPort: readU16(b, off + 6), start: readU32(b, off + 8), end: readU32(b, off + 12) });
    }
    off += slen;
  }
  if (off !== b.length) return fail('bytes after the selectors');
  return { ok: true, value: out };
}

// ----------------------------------------------------------------------------- encoding

/** A payload to encode (SK is added by the encryptor, never given here). */
export type OutPayload = Exclude<Payload, { type: 46 } | { type: -1 }>;

class Writer {
  buf = new Uint8Array(512);
  len = 0;
  reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }
  u8(v: number): void {
    this.reserve(1);
    this.buf[this.len++] = v & 0xff;
  }
  u16(v: number): void {
    this.reserve(2);
    writeU16(this.buf, this.len, v);
    this.len += 2;
  }
  u32(v: number): void {
    this.reserve(4);
    writeU32(this.buf, this.len, v >>> 0);
    this.len += 4;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  patch16(at: number, v: number): void {
    writeU16(this.buf, at, v);
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function writeProposals(w: Writer, proposals: readonly Proposal[]): void {
  proposals.forEach((p, i) => {
    const start = w.len;
    w.u8(i === proposals.length - 1 ? 0 : 2);
    w.u8(0);
    w.u16(0);
    w.u8(p.num);
    w.u8(p.protocol);
    w.u8(p.spi.length);
    w.u8(p.transforms.length);
    w.bytes(p.spi);
    p.transforms.forEach((t, j) => {
      w.u8(j === p.transforms.length - 1 ? 0 : 3);
      w.u8(0);
      w.u16(t.keyLength ? 12 : 8);
      w.u8(t.type);
      w.u8(0);
      w.u16(t.id);
      if (t.keyLength) {
        w.u16(0x8000 | ATTR_KEY_LENGTH);
        w.u16(t.keyLength);
      }
    });
    w.patch16(start + 2, w.len - start);
  });
}

function writeBody(w: Writer, p: OutPayload): void {
  switch (p.type) {
    case 33:
      writeProposals(w, p.proposals);
      return;
    case 34:
      w.u16(p.group);
      w.u16(0);
      w.bytes(p.data);
      return;
    case 35:
    case 36:
      w.u8(p.idType);
      w.u8(0);
      w.u16(0);
      w.bytes(p.data);
      return;
    case 39:
      w.u8(p.method);
      w.u8(0);
      w.u16(0);
      w.bytes(p.data);
      return;
    case 40:
    case 43:
      w.bytes(p.data);
      return;
    case 41:
      w.u8(p.protocol);
      w.u8(p.spi.length);
      w.u16(p.notify);
      w.bytes(p.spi);
      w.bytes(p.data);
      return;
    case 42:
      w.u8(p.protocol);
      w.u8(p.spis[0]?.length ?? (p.protocol === 1 ? 0 : 4));
      w.u16(p.spis.length);
      for (const s of p.spis) w.bytes(s);
      return;
    case 44:
    case 45:
      w.u8(p.selectors.length);
      w.u8(0);
      w.u16(0);
      for (const s of p.selectors) {
        w.u8(TS_IPV4_ADDR_RANGE);
        w.u8(s.proto);
        w.u16(16);
        w.u16(s.startPort);
        w.u16(s.endPort);
        w.u32(s.start);
        w.u32(s.end);
      }
      return;
  }
}

/** The bytes of a payload chain (each generic header's next-payload set; the last one's to `lastNext`). */
export function encodeChain(payloads: readonly OutPayload[], lastNext = PAYLOAD.NONE): Uint8Array {
  const w = new Writer();
  payloads.forEach((p, i) => {
    const start = w.len;
    w.u8(i + 1 < payloads.length ? payloads[i + 1]!.type : lastNext);
    w.u8(0);
    w.u16(0);
    writeBody(w, p);
    w.patch16(start + 2, w.len - start);
  });
  return w.done();
}

/** The body bytes of one payload (what an ID payload contributes to AUTH: RestOfIDPayload). */
export function encodeBody(p: OutPayload): Uint8Array {
  const w = new Writer();
  writeBody(w, p);
  return w.done();
}

export interface HeaderFields {
  readonly spiI: Uint8Array;
  readonly spiR: Uint8Array;
  readonly exchange: number;
  readonly flags: number;
  readonly msgId: number;
}

/** Writes the 28-byte header for a message of `length` bytes whose first payload is `next`. */
export function writeHeader(out: Uint8Array, h: HeaderFields, next: number, length: number): void {
  out.set(h.spiI.subarray(0, 8), 0);
  out.set(h.spiR.subarray(0, 8), 8);
  out[16] = next;
  out[17] = 0x20;
  out[18] = h.exchange;
  out[19] = h.flags;
  writeU32(out, 20, h.msgId);
  writeU32(out, 24, length);
}

/** An unencrypted message (IKE_SA_INIT). */
export function encodePlain(h: HeaderFields, payloads: readonly OutPayload[]): Uint8Array {
  const chain = encodeChain(payloads);
  const out = new Uint8Array(IKE_HEADER_LEN + chain.length);
  writeHeader(out, h, payloads[0]?.type ?? PAYLOAD.NONE, out.length);
  out.set(chain, IKE_HEADER_LEN);
  return out;
}

// ----------------------------------------------------------------------------- descriptions

function payloadName(p: Payload | OutPayload): string {
  if (p.type === 41) return `N(${NOTIFY_NAMES[p.notify] ?? `(${p.notify})`})`;
  if (p.type === -1) return `(${p.payloadType})`;
  return PAYLOAD_NAMES[p.type] ?? String(p.type);
}

/** strongSwan's way of naming a message: `IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP) ]`. */
export function describe(exchange: number, flags: number, msgId: number, payloads: readonly (Payload | OutPayload)[]): string {
  const kind = (flags & FLAG_RESPONSE) !== 0 ? 'response' : 'request';
  const names = payloads.map(payloadName).join(' ');
  return `${EXCHANGE_NAMES[exchange] ?? `exchange ${exchange}`} ${kind} ${msgId >>> 0} [ ${names}${names ? ' ' : ''}]`;
}

export function findNotify(payloads: readonly Payload[], type: number): NotifyPayload | undefined {
  for (const p of payloads) if (p.type === 41 && p.notify === type) return p;
  return undefined;
}

/** The payload kind whose `type` may be T (an ID payload is 35 or 36). */
export type PayloadOf<T extends number> = Payload extends infer P ? P extends { type: infer U } ? T extends U ? P : never : never : never;

export function findPayload<T extends Payload['type']>(payloads: readonly Payload[], type: T): PayloadOf<T> | undefined {
  for (const p of payloads) if (p.type === type) return p as PayloadOf<T>;
  return undefined;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
