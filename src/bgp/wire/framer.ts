// Cuts a TCP byte stream into BGP messages and checks their headers (RFC 4271 6.1): the
// marker, the length (19..4096 and the type's own minimum), the type. A bad header is a
// Message Header Error; nothing after it is read.

import {
  ERR_HEADER, HEADER_BAD_LENGTH, HEADER_BAD_TYPE, HEADER_LEN, HEADER_NOT_SYNCHRONIZED, MARKER_LEN, MAX_MESSAGE_LEN,
  MIN_LEN, MSG_KEEPALIVE,
} from './constants.js';
import type { BgpError } from './messages.js';

export interface Frame {
  readonly type: number;
  /** The whole message, header included (a view into the framer's buffer, valid during the call). */
  readonly buf: Uint8Array;
  readonly off: number;
  readonly len: number;
}

export class Framer {
  private buf = new Uint8Array(8192);
  private start = 0;
  private end = 0;
  /** Set once a header was bad: the stream is no longer usable. */
  failed: BgpError | null = null;

  /** Bytes waiting for the rest of their message. */
  get pending(): number {
    return this.end - this.start;
  }

  push(data: Uint8Array): void {
    if (this.failed) return;
    const need = this.end - this.start + data.length;
    if (this.end + data.length > this.buf.length) {
      if (need > this.buf.length) {
        const n = new Uint8Array(Math.max(need, this.buf.length * 2));
        n.set(this.buf.subarray(this.start, this.end));
        this.buf = n;
      } else {
        this.buf.copyWithin(0, this.start, this.end);
      }
      this.end -= this.start;
      this.start = 0;
    }
    this.buf.set(data, this.end);
    this.end += data.length;
  }

  /**
   * The next whole message, or null when more bytes are needed or the stream failed (then
   * `failed` holds the error to send).
   */
  next(): Frame | null {
    if (this.failed) return null;
    const avail = this.end - this.start;
    if (avail < HEADER_LEN) return null;
    const b = this.buf, o = this.start;
    for (let i = 0; i < MARKER_LEN; i++) {
      if (b[o + i] !== 0xff) {
        this.failed = { code: ERR_HEADER, subcode: HEADER_NOT_SYNCHRONIZED, data: new Uint8Array(0) };
        return null;
      }
    }
    const len = (b[o + 16]! << 8) | b[o + 17]!;
    const type = b[o + 18]!;
    const min = MIN_LEN[type];
    if (min === undefined) {
      this.failed = { code: ERR_HEADER, subcode: HEADER_BAD_TYPE, data: Uint8Array.of(type) };
      return null;
    }
    if (len < min || len > MAX_MESSAGE_LEN || (type === MSG_KEEPALIVE && len !== HEADER_LEN)) {
      this.failed = { code: ERR_HEADER, subcode: HEADER_BAD_LENGTH, data: Uint8Array.of(len >>> 8, len & 0xff) };
      return null;
    }
    if (avail < len) return null;
    this.start += len;
    if (this.start === this.end) this.start = this.end = 0;
    return { type, buf: b, off: o, len };
  }
}
