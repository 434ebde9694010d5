// One ESP security association in one direction (RFC 4303), tunnel mode: the payload is a whole
// IPv4 packet (next header 4).
//
//   SPI(4) Seq(4) IV(16 CBC / 8 GCM) [payload | padding | pad length | next header] ICV(12-16)
//
// AES-CBC + HMAC: one long-lived cipher object per SA. CBC chains each block on the previous
// ciphertext block, so a packet is encrypted by first feeding the block (last ciphertext ⊕ N),
// N = (SPI, sequence number, packet count) unique under the key: its output E_k(N) is the
// packet's IV, unpredictable without the key (the "encrypted nonce" IV of NIST SP 800-38A
// Appendix C), and the payload blocks follow with that IV. Decryption feeds the IV as a first
// block the same way and drops its output. No cipher object per packet. AES-GCM (RFC 4106): the
// sequence number is the 8-byte IV (unique per key), the SPI and sequence number are the AAD.
//
// `decrypt` checks length, replay window and ICV before decrypting, and answers a drop reason
// (negative) for anything it refuses: it never throws.

import { createCipheriv, createDecipheriv, createHmac, type Cipher, type Decipher } from 'node:crypto';
import { readU32, writeU32 } from '../../packet/bytes.js';
import type { EspSuite } from '../crypto/algorithms.js';
import { equalBytes } from '../crypto/prf.js';
import { ReplayWindow } from './replay.js';

export const ESP_HEADER_LEN = 8;
/** Next header of tunnel mode: an IPv4 packet. */
export const NEXT_HEADER_IPV4 = 4;

/** Why an ESP packet was dropped (negative results of decrypt; index of EspCounters.drops). */
export const EspDrop = {
  TRUNCATED: 1,
  BAD_LENGTH: 2,
  REPLAY: 3,
  AUTH: 4,
  BAD_PADDING: 5,
  BAD_NEXT_HEADER: 6,
  SEQ_EXHAUSTED: 7,
  TOO_BIG: 8,
} as const;

export const ESP_DROP_NAMES = ['', 'truncated', 'bad-length', 'replay', 'auth-failed', 'bad-padding', 'bad-next-header', 'seq-exhausted', 'too-big'];

export class EspCounters {
  packets = 0;
  /** Bytes of the inner packets. */
  bytes = 0;
  /** Clock time of the last packet, -1 before the first. */
  lastMs = -1;
  readonly drops = new Array<number>(ESP_DROP_NAMES.length).fill(0);

  dropped(): number {
    let n = 0;
    for (const d of this.drops) n += d;
    return n;
  }
}

export class EspSa {
  readonly counters = new EspCounters();
  /** The last sequence number sent (outbound). */
  seq = 0;
  readonly replay: ReplayWindow;
  /** Next header of the last decrypted packet. */
  nextHeader = 0;
  private readonly ivLen: number;
  private readonly icvLen: number;
  private readonly block: number;
  private readonly aesKey: Uint8Array;
  private readonly salt: Uint8Array;
  private readonly cbcEnc: Cipher | null = null;
  private readonly cbcDec: Decipher | null = null;
  /** CBC: the last ciphertext block the encryptor chained on. */
  private readonly chain = new Uint8Array(16);
  private nonceCount = 0;
  private readonly gcmNonce = new Uint8Array(12);

  constructor(
    readonly spi: number,
    readonly suite: EspSuite,
    encKey: Uint8Array,
    private readonly integKey: Uint8Array | null,
    readonly dir: 'in' | 'out',
    replayWindow = 128,
  ) {
    const e = suite.encr;
    this.spi = spi >>> 0;
    this.ivLen = e.ivLen;
    this.icvLen = e.aead ? e.icvLen : suite.integ!.icvLen;
    this.block = e.block;
    this.aesKey = encKey.slice(0, e.keyBits / 8);
    this.salt = encKey.slice(e.keyBits / 8);
    this.replay = new ReplayWindow(replayWindow);
    if (!e.aead) {
      const zero = new Uint8Array(16);
      if (dir === 'out') {
        this.cbcEnc = createCipheriv(e.cipher, this.aesKey, zero).setAutoPadding(false);
      } else {
        this.cbcDec = createDecipheriv(e.cipher, this.aesKey, zero).setAutoPadding(false);
      }
    } else {
      this.gcmNonce.set(this.salt, 0);
    }
  }

  /** Bytes ESP adds around an inner packet of `len` bytes (header, IV, padding, trailer, ICV). */
  overhead(len: number): number {
    return ESP_HEADER_LEN + this.ivLen + this.padLen(len) + 2 + this.icvLen;
  }

  /** Most bytes ESP may add (header, IV, the longest padding, trailer, ICV). */
  get maxOverhead(): number {
    return ESP_HEADER_LEN + this.ivLen + this.block - 1 + 2 + this.icvLen;
  }

  private padLen(len: number): number {
    const r = (len + 2) % this.block;
    return r === 0 ? 0 : this.block - r;
  }

  /**
   * Writes at out[off] the ESP packet carrying src[srcOff, srcOff+len) (`out` must not overlap
   * the source). Returns its length, or -EspDrop when the sequence numbers are used up.
   */
  encrypt(out: Uint8Array, off: number, src: Uint8Array, srcOff: number, len: number, nextHeader = NEXT_HEADER_IPV4): number {
    if (this.seq >= 0xffffffff) {
      this.counters.drops[EspDrop.SEQ_EXHAUSTED]!++;
      return -EspDrop.SEQ_EXHAUSTED;
    }
    const seq = ++this.seq;
    writeU32(out, off, this.spi);
    writeU32(out, off + 4, seq);
    const pad = this.padLen(len);
    const ptOff = off + ESP_HEADER_LEN + this.ivLen;
    out.set(src.subarray(srcOff, srcOff + len), ptOff);
    let t = ptOff + len;
    for (let i = 1; i <= pad; i++) out[t++] = i;
    out[t++] = pad;
    out[t++] = nextHeader;
    const ptLen = t - ptOff;
    let end: number;
    if (this.cbcEnc !== null) {
      // The chaining block (last ciphertext ⊕ N) goes where the IV will be.
      const ivOff = off + ESP_HEADER_LEN;
      const c = this.chain;
      writeU32(out, ivOff, c[0]! << 24 ^ c[1]! << 16 ^ c[2]! << 8 ^ c[3]! ^ this.spi);
      writeU32(out, ivOff + 4, (c[4]! << 24 | c[5]! << 16 | c[6]! << 8 | c[7]!) ^ seq);
      const n = ++this.nonceCount;
      writeU32(out, ivOff + 8, (c[8]! << 24 | c[9]! << 16 | c[10]! << 8 | c[11]!) ^ Math.floor(n / 0x100000000));
      writeU32(out, ivOff + 12, (c[12]! << 24 | c[13]! << 16 | c[14]! << 8 | c[15]!) ^ (n >>> 0));
      const ct = this.cbcEnc.update(out.subarray(ivOff, ptOff + ptLen));
      out.set(ct, ivOff);
      c.set(ct.subarray(ct.length - 16));
      end = ptOff + ptLen;
      const h = createHmac(this.suite.integ!.hash, this.integKey!).update(out.subarray(off, end)).digest();
      out.set(h.subarray(0, this.icvLen), end);
      end += this.icvLen;
    } else {
      const ivOff = off + ESP_HEADER_LEN;
      writeU32(out, ivOff, 0);
      writeU32(out, ivOff + 4, seq);
      this.gcmNonce.set(out.subarray(ivOff, ivOff + 8), 4);
      const g = createCipheriv(this.suite.encr.cipher as 'aes-256-gcm', this.aesKey, this.gcmNonce, { authTagLength: 16 });
      g.setAAD(out.subarray(off, off + ESP_HEADER_LEN));
      const ct = g.update(out.subarray(ptOff, ptOff + ptLen));
      out.set(ct, ptOff);
      g.final();
      out.set(g.getAuthTag(), ptOff + ptLen);
      end = ptOff + ptLen + 16;
    }
    const cn = this.counters;
    cn.packets++;
    cn.bytes += len;
    return end - off;
  }

  /**
   * Verifies and decrypts the ESP packet buf[off, off+len) (its SPI already matched) into
   * out[outOff...]: returns the inner packet's length (next header in `nextHeader`), or
   * -EspDrop. `nowMs` stamps the last use.
   */
  decrypt(buf: Uint8Array, off: number, len: number, out: Uint8Array, outOff: number, nowMs: number): number {
    const cn = this.counters;
    const ctLen = len - ESP_HEADER_LEN - this.ivLen - this.icvLen;
    if (!(ctLen >= 2) || off < 0 || off + len > buf.length) {
      cn.drops[EspDrop.TRUNCATED]!++;
      return -EspDrop.TRUNCATED;
    }
    if (ctLen % this.block !== 0) {
      cn.drops[EspDrop.BAD_LENGTH]!++;
      return -EspDrop.BAD_LENGTH;
    }
    const seq = readU32(buf, off + 4);
    if (!this.replay.check(seq)) {
      cn.drops[EspDrop.REPLAY]!++;
      return -EspDrop.REPLAY;
    }
    const ivOff = off + ESP_HEADER_LEN;
    const ctOff = ivOff + this.ivLen;
    const icvOff = ctOff + ctLen;
    let pt: Uint8Array;
    let ptOff: number;
    if (this.cbcDec !== null) {
      const h = createHmac(this.suite.integ!.hash, this.integKey!).update(buf.subarray(off, icvOff)).digest();
      if (!equalBytes(h, 0, buf, icvOff, this.icvLen)) {
        cn.drops[EspDrop.AUTH]!++;
        return -EspDrop.AUTH;
      }
      pt = this.cbcDec.update(buf.subarray(ivOff, icvOff));
      ptOff = 16;
    } else {
      this.gcmNonce.set(buf.subarray(ivOff, ivOff + 8), 4);
      try {
        const g = createDecipheriv(this.suite.encr.cipher as 'aes-256-gcm', this.aesKey, this.gcmNonce, { authTagLength: 16 });
        g.setAAD(buf.subarray(off, off + ESP_HEADER_LEN));
        g.setAuthTag(buf.subarray(icvOff, icvOff + 16));
        pt = g.update(buf.subarray(ctOff, icvOff));
        g.final();
      } catch {
        cn.drops[EspDrop.AUTH]!++;
        return -EspDrop.AUTH;
      }
      ptOff = 0;
    }
    const ptEnd = ptOff + ctLen;
    const padLen = pt[ptEnd - 2]!;
    const innerLen = ctLen - 2 - padLen;
    if (innerLen < 0) {
      cn.drops[EspDrop.BAD_PADDING]!++;
      return -EspDrop.BAD_PADDING;
    }
    for (let i = 1; i <= padLen; i++) {
      if (pt[ptOff + innerLen + i - 1] !== i) {
        cn.drops[EspDrop.BAD_PADDING]!++;
        return -EspDrop.BAD_PADDING;
      }
    }
    if (outOff < 0 || outOff + innerLen > out.length) {
      cn.drops[EspDrop.TOO_BIG]!++;
      return -EspDrop.TOO_BIG;
    }
    this.replay.accept(seq);
    this.nextHeader = pt[ptEnd - 1]!;
    out.set(pt.subarray(ptOff, ptOff + innerLen), outOff);
    cn.packets++;
    cn.bytes += innerLen;
    cn.lastMs = nowMs;
    return innerLen;
  }

  /** Stamps the last use of an outbound SA. */
  used(nowMs: number): void {
    this.counters.lastMs = nowMs;
  }
}

/** The SPI of the ESP packet at buf[off] (0 when too short: SPI 0 is reserved). */
export function espSpi(buf: Uint8Array, off: number, len: number): number {
  return len >= ESP_HEADER_LEN ? readU32(buf, off) : 0;
}
