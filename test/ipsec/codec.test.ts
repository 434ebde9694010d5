// The IKEv2 message codec, the encrypted payload, the MSS clamp and the secret box, one by one.
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encrByName, integByName } from '../../src/ipsec/crypto/algorithms.js';
import { EXCHANGE, FLAG_INITIATOR, NOTIFY, PAYLOAD } from '../../src/ipsec/ike/constants.js';
import { decodeChain, decodeMessage, describe as describeMsg, encodePlain, type OutPayload } from '../../src/ipsec/ike/message.js';
import { chooseEsp, chooseIke, espProposal, ikeProposal } from '../../src/ipsec/ike/proposals.js';
import { decryptMessage, encryptMessage } from '../../src/ipsec/ike/sk.js';
import { clampMss } from '../../src/ipsec/mss-clamp.js';
import { loadOrCreateKey, SecretBox, secretKeyPath } from '../../src/ipsec/secret-box.js';
import { verifyL4Checksum } from '../../src/packet/checksum.js';
import { writeIpv4Header } from '../../src/packet/ipv4.js';
import { FILE003_ESP, FILE003_IKE, MODERN_ESP, MODERN_IKE } from './helpers.js';

const ALL: OutPayload[] = [
  { type: 33, proposals: [ikeProposal(1, FILE003_IKE), ikeProposal(2, MODERN_IKE, new Uint8Array(8).fill(3))] },
  { type: 34, group: 2, data: randomBytes(128) },
  { type: 40, data: randomBytes(32) },
  { type: 35, idType: 1, data: Uint8Array.of(203, 0, 113, 1) },
  { type: 39, method: 2, data: randomBytes(20) },
  { type: 41, protocol: 3, spi: Uint8Array.of(1, 2, 3, 4), notify: NOTIFY.REKEY_SA, data: new Uint8Array(0) },
  { type: 42, protocol: 3, spis: [Uint8Array.of(1, 2, 3, 4), Uint8Array.of(5, 6, 7, 8)] },
  { type: 43, data: new TextEncoder().encode('pask') },
  { type: 44, selectors: [{ proto: 0, startPort: 0, endPort: 65535, start: 0, end: 0xffffffff }] },
  { type: 45, selectors: [{ proto: 6, startPort: 179, endPort: 179, start: 0xac1000fe, end: 0xac1000fe }] },
];
/** Byte arrays as plain arrays (a Buffer and a Uint8Array of the same bytes compare equal). */
function norm(x: unknown): unknown {
  if (x instanceof Uint8Array) return Array.from(x);
  if (Array.isArray(x)) return x.map(norm);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, norm(v)]));
  return x;
}

const H = { spiI: randomBytes(8), spiR: randomBytes(8), exchange: EXCHANGE.IKE_AUTH, flags: FLAG_INITIATOR, msgId: 1 };

describe('IKEv2 messages', () => {
  it('every payload kind encodes and decodes back', () => {
    const bytes = encodePlain(H, ALL);
    const d = decodeMessage(bytes);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.value.header.msgId).toBe(1);
    expect(norm(d.value.payloads)).toEqual(norm(ALL));
    expect(describeMsg(EXCHANGE.IKE_AUTH, FLAG_INITIATOR, 1, d.value.payloads)).toBe('IKE_AUTH request 1 [ SA KE No IDi AUTH N(REKEY_SA) D V TSi TSr ]');
  });

  it('refuses bad lengths with a reason, never throws', () => {
    const bytes = encodePlain(H, ALL);
    for (let cut = 0; cut < bytes.length; cut++) {
      const d = decodeMessage(bytes.subarray(0, cut), cut);
      expect(d.ok).toBe(false);
    }
    const liar = bytes.slice();
    liar[28 + 2] = 0xff; // the first payload claims to run past the end
    expect(decodeMessage(liar)).toMatchObject({ ok: false, reason: expect.stringMatching(/length/) });
    expect(decodeChain(Uint8Array.of(0, 0, 0, 2), 0, 4, PAYLOAD.SA).ok).toBe(false);
  });

  for (const [name, encr, integ] of [['AES-CBC/HMAC-SHA1', 'aes256', 'sha1'], ['AES-GCM', 'aes256gcm128', null]] as const) {
    it(`${name}: the encrypted payload round-trips, a flipped bit fails the integrity check`, () => {
      const e = encrByName(encr)!, i = integ ? integByName(integ)! : null;
      const k = { encr: e, integ: i, ek: randomBytes(e.keyLen), ak: i ? randomBytes(i.keyLen) : null };
      const msg = encryptMessage(H, ALL, k);
      const d = decodeMessage(msg);
      expect(d.ok).toBe(true);
      if (!d.ok) return;
      const sk = d.value.payloads[0]!;
      expect(sk.type).toBe(46);
      if (sk.type !== 46) return;
      const r = decryptMessage(msg, msg.length, sk.offset, sk.firstInner, k);
      expect(r.ok && norm(r.value)).toEqual(norm(ALL));
      const bad = msg.slice();
      bad[bad.length - 20]! ^= 4;
      expect(decryptMessage(bad, bad.length, sk.offset, sk.firstInner, k)).toMatchObject({ ok: false, reason: 'integrity check failed' });
    });
  }

  it('proposals: the responder picks its own first suite the initiator offers; ESP keeps the peer\'s SPI', () => {
    const offered = [ikeProposal(1, MODERN_IKE), ikeProposal(2, FILE003_IKE)];
    expect(chooseIke(offered, [FILE003_IKE, MODERN_IKE])!.suite).toEqual(FILE003_IKE);
    expect(chooseIke([ikeProposal(1, MODERN_IKE)], [FILE003_IKE])).toBeNull();
    const e = chooseEsp([espProposal(4, MODERN_ESP, Uint8Array.of(0xc9, 0x2b, 0x83, 0x1a), false), espProposal(5, FILE003_ESP, Uint8Array.of(0x59, 0x6e, 0xba, 0x1a), false)],
      [FILE003_ESP], false, Uint8Array.of(1, 1, 1, 1))!;
    expect(e.peerSpi).toBe(0x596eba1a);
    expect(e.proposal.num).toBe(5);
  });
});

function syn(mssAt: 'even' | 'odd', mss: number, flags = 0x02): Uint8Array {
  const opts = mssAt === 'even' ? [2, 4, mss >> 8, mss & 0xff, 1, 1, 1, 0] : [1, 2, 4, mss >> 8, mss & 0xff, 1, 1, 0];
  const p = new Uint8Array(20 + 20 + opts.length + 10);
  writeIpv4Header(p, 0, 0xc0a8010a, 0xac10010a, 6, p.length);
  p[20 + 12] = ((20 + opts.length) / 4) << 4;
  p[20 + 13] = flags;
  p.set(opts, 40);
  for (let i = 48; i < p.length; i++) p[i] = i;
  // TCP checksum
  let s = 0xc0a8 + 0x010a + 0xac10 + 0x010a + 6 + (p.length - 20);
  for (let i = 20; i < p.length; i += 2) s += (p[i]! << 8) | (p[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  p[36] = (~s >> 8) & 0xff;
  p[37] = ~s & 0xff;
  return p;
}

describe('MSS clamp', () => {
  for (const at of ['even', 'odd'] as const) {
    it(`lowers the MSS of a SYN (option at an ${at} offset) and keeps the checksum right`, () => {
      const p = syn(at, 1460);
      expect(clampMss(p, 0, p.length, 1350)).toBe(true);
      const off = at === 'even' ? 42 : 43;
      expect((p[off]! << 8) | p[off + 1]!).toBe(1350);
      expect(verifyL4Checksum(p, 20, p.length - 20, 0xc0a8010a, 0xac10010a, 6)).toBe(true);
    });
  }
  it('leaves smaller MSS, non-SYN segments and non-TCP alone', () => {
    const small = syn('even', 1200);
    expect(clampMss(small, 0, small.length, 1350)).toBe(false);
    const ack = syn('even', 1460, 0x10);
    expect(clampMss(ack, 0, ack.length, 1350)).toBe(false);
    const udp = syn('even', 1460);
    udp[9] = 17;
    expect(clampMss(udp, 0, udp.length, 1350)).toBe(false);
    expect(clampMss(udp, 0, 10, 1350)).toBe(false);
  });
});

describe('secret box', () => {
  it('seals with a key kept beside the start-up config (mode 0600), opens only with that key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pask-ipsec-key-'));
    const path = secretKeyPath(join(dir, 'startup-config'));
    const box = new SecretBox(loadOrCreateKey(path));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const sealed = box.seal('Azure-Shared-Key-1');
    expect(sealed).not.toContain('Azure');
    expect(sealed).toMatch(/^\$ipsec-aes256gcm\$[0-9a-f]{8}\$/);
    expect(sealed).not.toBe(box.seal('Azure-Shared-Key-1'));
    const again = new SecretBox(loadOrCreateKey(path));
    const o = again.open(sealed);
    expect(o.ok && new TextDecoder().decode(o.secret)).toBe('Azure-Shared-Key-1');
    expect(new SecretBox(randomBytes(32)).open(sealed)).toMatchObject({ ok: false, reason: expect.stringMatching(/another key/) });
    expect(box.open(sealed.slice(0, -6) + 'AAAA==')).toMatchObject({ ok: false, reason: 'damaged sealed secret' });
    expect(box.open('plain')).toMatchObject({ ok: false });
  });
});
