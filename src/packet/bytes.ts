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
