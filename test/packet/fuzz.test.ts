// Totality: decodeFrame never throws, returns a known reason and reports only offsets inside the frame.

import { describe, expect, it } from 'vitest';
import {
  DECODE_VERIFY_IP_CHECKSUM, DECODE_VERIFY_L4_CHECKSUM, decodeFrame, DROP_REASON_NAMES, DropReason, ETHERTYPE_IPV4,
  InnerKind, IpMeta, PacketMeta, readU16, setIpv4Checksum, writeU16,
} from '../../src/packet/index.js';
import { Prng } from './helpers.js';
import { randomValidFrame } from './gen.js';

const VERIFY = DECODE_VERIFY_IP_CHECKSUM | DECODE_VERIFY_L4_CHECKSUM;

function offsetOk(off: number, len: number): boolean {
  return off === -1 || (Number.isInteger(off) && off >= 0 && off <= len);
}

/** Returns a description of the first violated invariant, or '' when all hold. */
function violation(m: IpMeta, len: number, what: string): string {
  for (const k of ['l3Off', 'l3End', 'l4Off', 'payloadOff', 'icmpInnerOff'] as const) {
    if (!offsetOk(m[k], len)) return `${what}.${k}=${m[k]} outside [0, ${len}]`;
  }
  if (!(m.payloadLen >= 0)) return `${what}.payloadLen=${m.payloadLen}`;
  if (m.payloadOff >= 0 && m.payloadOff + m.payloadLen > len) return `${what}.payload runs past ${len}`;
  if (m.l4Off >= 0 && m.l3End >= 0 && (m.l4Off < m.l3Off || m.l4Off > m.l3End)) return `${what}.l4Off not inside the IP packet`;
  if (m.payloadOff >= 0 && m.l3End >= 0 && m.payloadOff + m.payloadLen > m.l3End) return `${what}.payload past l3End`;
  return '';
}

function check(buf: Uint8Array, len: number, m: PacketMeta, flags: number): number {
  let r: number;
  try {
    r = decodeFrame(buf, len, m, flags);
  } catch (e) {
    throw new Error(`decodeFrame threw on ${Buffer.from(buf.subarray(0, len)).toString('hex')}: ${String(e)}`);
  }
  const eff = Number.isNaN(len) || len < 0 ? 0 : Math.min(Math.floor(len), buf.length);
  let bad = '';
  if (!Number.isInteger(r) || r < 0 || r >= DROP_REASON_NAMES.length) bad = `unknown reason ${r}`;
  else if (m.len !== eff) bad = `len ${m.len} != ${eff}`;
  else if (![0, 14, 18].includes(m.l2Len)) bad = `l2Len ${m.l2Len}`;
  else bad = violation(m, eff, 'meta') || (m.innerKind !== InnerKind.NONE ? violation(m.inner, eff, 'inner') : '');
  if (bad !== '') throw new Error(`${bad} (reason ${DROP_REASON_NAMES[r]}) for ${Buffer.from(buf.subarray(0, len)).toString('hex')}`);
  return r;
}

/** Own enumerable fields of a meta (and its inner) as a plain object, for equality checks. */
function snapshot(m: PacketMeta): unknown {
  return { ...m, inner: m.innerKind === InnerKind.NONE ? null : { ...m.inner } };
}

describe('decodeFrame totality (seeded fuzz)', () => {
  it('accepts every generated valid frame with all checksum checks on', () => {
    const rng = new Prng(2003);
    const m = new PacketMeta();
    for (let n = 0; n < 2000; n++) {
      const f = randomValidFrame(rng);
      const r = check(f, f.length, m, VERIFY);
      expect(r, `${DROP_REASON_NAMES[r]}: ${f.toString('hex')}`).toBe(DropReason.OK);
    }
  });

  it('survives 20,000 truncated, mutated and random frames', () => {
    const rng = new Prng(0x5eed);
    const m = new PacketMeta();
    const m2 = new PacketMeta();
    const seen = new Set<number>();
    let cases = 0;
    const run = (buf: Uint8Array, len: number): void => {
      const flags = rng.int(4);
      const r = check(buf, len, m, flags);
      seen.add(r);
      cases++;
      // Bytes past `len` must not matter: the same prefix followed by other bytes decodes the same.
      if (len < buf.length) {
        const other = Buffer.concat([buf.subarray(0, len), rng.bytes(rng.range(1, 64))]);
        const r2 = check(other, len, m2, flags);
        expect(r2).toBe(r);
        expect(snapshot(m2)).toEqual(snapshot(m));
      }
    };
    while (cases < 20_000) {
      const f = randomValidFrame(rng);
      const mode = rng.int(9);
      if (mode === 0) {
        // Every truncation of a valid frame.
        for (let len = 0; len <= f.length; len++) run(f, len);
      } else if (mode === 1) {
        const g = Buffer.from(f);
        for (let k = rng.range(1, 4); k > 0; k--) g[rng.int(g.length)] = rng.int(256);
        run(g, g.length);
      } else if (mode === 2) {
        // IHL / total length / TCP data offset / fragment word / UDP length set to anything.
        const g = Buffer.from(f);
        const l3 = g[12] === 0x81 ? 18 : 14;
        const at = rng.pick([l3, l3 + 2, l3 + 3, l3 + 6, l3 + 7, l3 + 20 + 12, l3 + 20 + 4, l3 + 20 + 5, l3 + 9]);
        if (at < g.length) g[at] = rng.int(256);
        run(g, g.length);
      } else if (mode === 3 && f[12] === 8 && f[13] === 0) {
        // A consistent but shorter IPv4 total length (header checksum fixed): cuts into L4.
        const g = Buffer.from(f);
        const hlen = (g[14]! & 15) * 4;
        writeU16(g, 16, rng.range(hlen, readU16(g, 16)));
        setIpv4Checksum(g, 14);
        run(g, g.length);
      } else if (mode === 6) {
        // Random bytes behind a plausible L2 header.
        const g = Buffer.concat([f.subarray(0, 12), Buffer.from(rng.pick([[8, 0], [8, 6], [0x81, 0, 0, 1, 8, 0], [0x81, 0]])),
          rng.bytes(rng.range(0, 80))]);
        if (rng.bool()) g[g[12] === 0x81 ? 18 : 14] = 0x40 | rng.int(16);
        run(g, g.length);
      } else if (mode === 4) {
        run(rng.bytes(rng.range(0, 120)), rng.range(0, 130));
      } else if (mode === 5) {
        // Lengths that disagree with the buffer: beyond it, negative, fractional, NaN.
        const r = check(f, rng.pick([f.length + rng.range(1, 100), -rng.range(1, 10), rng.range(0, f.length) + 0.5, NaN]), m, VERIFY);
        seen.add(r);
        cases++;
      } else {
        run(f, rng.range(0, f.length));
      }
    }
    expect(cases).toBeGreaterThanOrEqual(20_000);
    // The fuzz reached the interesting reasons, not just one early exit.
    for (const r of [DropReason.OK, DropReason.TRUNCATED_ETH, DropReason.TRUNCATED_IP, DropReason.BAD_IHL,
      DropReason.BAD_IP_LENGTH, DropReason.BAD_IP_VERSION, DropReason.TRUNCATED_L4, DropReason.BAD_TCP_OFFSET,
      DropReason.BAD_UDP_LENGTH, DropReason.TRUNCATED_ARP, DropReason.BAD_ARP, DropReason.IP_CHECKSUM,
      DropReason.TCP_CHECKSUM, DropReason.UDP_CHECKSUM, DropReason.ICMP_CHECKSUM, DropReason.BAD_IP_OPTIONS]) {
      expect(seen.has(r), `never saw ${DROP_REASON_NAMES[r]}`).toBe(true);
    }
  });

  it('resets every field between frames', () => {
    const rng = new Prng(7);
    const m = new PacketMeta();
    const fresh = new PacketMeta();
    for (let n = 0; n < 500; n++) {
      const a = randomValidFrame(rng);
      const b = randomValidFrame(rng);
      const len = rng.range(0, b.length);
      decodeFrame(a, a.length, m, VERIFY);
      const r1 = decodeFrame(b, len, m, VERIFY);
      const r2 = decodeFrame(b, len, fresh, VERIFY);
      expect(r1).toBe(r2);
      expect(snapshot(m)).toEqual(snapshot(fresh));
    }
  });

  it('every reason has a distinct counter name', () => {
    const values = Object.values(DropReason);
    expect(new Set(DROP_REASON_NAMES).size).toBe(DROP_REASON_NAMES.length);
    expect(values.length).toBe(DROP_REASON_NAMES.length);
    for (const v of values) expect(DROP_REASON_NAMES[v]).toMatch(/^[a-z0-9-]+$/);
    expect(ETHERTYPE_IPV4).toBe(0x0800);
  });
});
