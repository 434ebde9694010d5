// ESP per core, both suites (file 003's AES-CBC-256 + HMAC-SHA1-96 and AES-GCM-256), inner
// packets of 84 and 1400 bytes: packets per CPU second of EspSa.encrypt (tunnel mode: header, IV,
// padding, trailer, ICV into an output buffer) and EspSa.decrypt (length, replay window, ICV,
// decryption, padding check, copy out). The baseline, in the same run, is the bare crypto the
// packet needs with Node's API used the plain way (a cipher and an HMAC object per packet over
// the same bytes): ratio = ESP / baseline shows what ESP's own work costs on top.
//
//   node dist/bench/ipsec.js

import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { encrByName, integByName, type EspSuite } from '../src/ipsec/crypto/algorithms.js';
import { EspSa } from '../src/ipsec/esp/esp-sa.js';
import { cpuMs } from './cpu.js';

const SUITES: Record<string, EspSuite> = {
  cbc_sha1: { encr: encrByName('aes256')!, integ: integByName('sha1')!, dh: null },
  gcm256: { encr: encrByName('aes256gcm128')!, integ: null, dh: null },
};


function best(passes: number, n: number, fn: () => void): number {
  let ms = Infinity;
  for (let i = 0; i < passes; i++) ms = Math.min(ms, cpuMs(fn));
  return Math.round((n / ms) * 1000);
}

/** encrypt, decrypt and baseline packets/s for one suite and inner size. */
function measure(suite: EspSuite, size: number, n: number, passes: number): { enc: number; dec: number; base: number } {
  const ek = randomBytes(suite.encr.keyLen), ak = suite.integ ? randomBytes(suite.integ.keyLen) : null;
  const inner = randomBytes(size);
  inner[0] = 0x45;
  const out = new Uint8Array(size + 128);
  const enc = best(passes, n, () => {
    const sa = new EspSa(0x1000, suite, ek, ak, 'out');
    for (let i = 0; i < n; i++) sa.encrypt(out, 0, inner, 0, size);
  });
  // Decryption needs fresh sequence numbers: the packets are made once, decrypted by a fresh SA each pass.
  const sender = new EspSa(0x1000, suite, ek, ak, 'out');
  const pkts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const len = sender.encrypt(out, 0, inner, 0, size);
    pkts.push(out.slice(0, len));
  }
  const plain = new Uint8Array(size + 64);
  const dec = best(passes, n, () => {
    const sa = new EspSa(0x1000, suite, ek, ak, 'in', 1024);
    for (let i = 0; i < n; i++) {
      const p = pkts[i]!;
      if (sa.decrypt(p, 0, p.length, plain, 0, 0) !== size) throw new Error('decrypt failed');
    }
  });
  const key = ek.subarray(0, suite.encr.keyBits / 8);
  const padded = new Uint8Array(Math.ceil((size + 2) / 16) * 16);
  padded.set(inner);
  const iv = randomBytes(16), nonce = randomBytes(12);
  const base = best(passes, n, () => {
    for (let i = 0; i < n; i++) {
      if (suite.encr.aead) {
        const g = createCipheriv('aes-256-gcm', key, nonce);
        g.setAAD(iv.subarray(0, 8));
        g.update(padded);
        g.final();
        g.getAuthTag();
      } else {
        const c = createCipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
        const ct = c.update(padded);
        c.final();
        createHmac('sha1', ak!).update(ct).digest();
      }
    }
  });
  return { enc, dec, base };
}

export type IpsecBenchResult = Record<string, number>;

export function runIpsecBench(n = 40_000, passes = 5): IpsecBenchResult {
  const r: IpsecBenchResult = {};
  for (const [name, suite] of Object.entries(SUITES)) {
    for (const size of [84, 1400]) {
      const m = measure(suite, size, n, passes);
      r[`esp_${name}_encrypt_pps_${size}`] = m.enc;
      r[`esp_${name}_decrypt_pps_${size}`] = m.dec;
      r[`esp_${name}_crypto_baseline_pps_${size}`] = m.base;
      r[`esp_${name}_encrypt_ratio_${size}`] = Math.round((m.enc / m.base) * 100) / 100;
      r[`esp_${name}_decrypt_ratio_${size}`] = Math.round((m.dec / m.base) * 100) / 100;
    }
  }
  return r;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(JSON.stringify(runIpsecBench()) + '\n');
}
