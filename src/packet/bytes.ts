// Big-endian field access and copying on plain Uint8Arrays, without allocating.

export function readU16(buf: Uint8Array, off: number): number {
  return (buf[off]! << 8) | buf[off + 1]!;
}

export function writeU16(buf: Uint8Array, off: number, v: number): void {
  buf[off] = (v >>> 8) & 0xff;
  buf[off + 1] = v & 0xff;
}

/** Unsigned. */
export function readU32(buf: Uint8Array, off: number): number {
  return ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
}

export function writeU32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = (v >>> 24) & 0xff;
  buf[off + 1] = (v >>> 16) & 0xff;
  buf[off + 2] = (v >>> 8) & 0xff;
  buf[off + 3] = v & 0xff;
}

/**
 * Copies n bytes between two arrays that do not share memory (a received frame into the
 * engine's own output buffer): copyBytes without its aliasing check, which costs a call into
 * the runtime (`.buffer`) per copy on the packet path.
 */
export function copyDistinct(dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number, n: number): void {
  if (n >= 128) {
    // A memcpy (Buffer's copy works on any Uint8Array and allocates nothing): a byte loop costs ~1-2 ns a byte.
    bufferCopy.call(src as Buffer, dst, dstOff, srcOff, srcOff + n);
    return;
  }
  for (let i = 0; i < n; i++) dst[dstOff + i] = src[srcOff + i]!;
}

const bufferCopy = Buffer.prototype.copy;

/**
 * Copies n bytes; overlapping ranges in the same buffer behave like memmove. Uses copyWithin
 * within one buffer; between buffers a loop, because `set(subarray(...))` would allocate a view.
 */
export function copyBytes(dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number, n: number): void {
  if (n <= 0) return;
  if (dst === src) {
    if (dstOff !== srcOff) dst.copyWithin(dstOff, srcOff, srcOff + n);
    return;
  }
  // Distinct views may still share memory (Node's Buffer pool): copy backwards when moving up.
  if (dst.buffer === src.buffer && dst.byteOffset + dstOff > src.byteOffset + srcOff) {
    for (let i = n - 1; i >= 0; i--) dst[dstOff + i] = src[srcOff + i]!;
  } else {
    for (let i = 0; i < n; i++) dst[dstOff + i] = src[srcOff + i]!;
  }
}
