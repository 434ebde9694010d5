// The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
//
// Sums are kept unfolded in a JS number (exact up to 2^53, i.e. ~2^37 16-bit words) and folded
// to 16 bits once at the end.

/** Folds an unfolded one's-complement sum to 16 bits (0..0xffff). */
export function foldSum(sum: number): number {
  if (sum > 0xffffffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/**
 * Unfolded sum of the big-endian 16-bit words of buf[off, off+len) plus `initial`. An odd final
 * byte is padded with zero, as the checksum defines.
 */
export function sum16(buf: Uint8Array, off: number, len: number, initial = 0): number {
  // High and low bytes summed separately (about twice as fast as assembling words).
  let hi = 0;
  let lo = 0;
  const end = off + len;
  let i = off;
  for (; i + 7 < end; i += 8) {
    hi += buf[i]! + buf[i + 2]! + buf[i + 4]! + buf[i + 6]!;
    lo += buf[i + 1]! + buf[i + 3]! + buf[i + 5]! + buf[i + 7]!;
  }
  for (; i + 1 < end; i += 2) {
    hi += buf[i]!;
    lo += buf[i + 1]!;
  }
  if (i < end) hi += buf[i]!;
  return initial + hi * 256 + lo;
}

/** The checksum of buf[off, off+len): the complement of the folded sum. */
export function internetChecksum(buf: Uint8Array, off: number, len: number, initial = 0): number {
  return ~foldSum(sum16(buf, off, len, initial)) & 0xffff;
}

/** True when buf[off, off+len), checksum field included, sums to 0xffff (i.e. verifies). */
export function verifyChecksum(buf: Uint8Array, off: number, len: number, initial = 0): boolean {
  return foldSum(sum16(buf, off, len, initial)) === 0xffff;
}

/** verifyChecksum of the 20 bytes at `off` (an IPv4 header without options: nearly every packet's), unrolled. */
export function verifyChecksum20(buf: Uint8Array, off: number): boolean {
  const hi = buf[off]! + buf[off + 2]! + buf[off + 4]! + buf[off + 6]! + buf[off + 8]! + buf[off + 10]! + buf[off + 12]! +
    buf[off + 14]! + buf[off + 16]! + buf[off + 18]!;
  const lo = buf[off + 1]! + buf[off + 3]! + buf[off + 5]! + buf[off + 7]! + buf[off + 9]! + buf[off + 11]! + buf[off + 13]! +
    buf[off + 15]! + buf[off + 17]! + buf[off + 19]!;
  let sum = hi * 256 + lo;
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  return sum === 0xffff;
}

/** Unfolded sum of the TCP/UDP pseudo header: src, dst, zero, protocol, L4 length. */
export function pseudoHeaderSum(src: number, dst: number, proto: number, l4Len: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + l4Len;
}

/**
 * TCP/UDP checksum of the segment buf[off, off+len) with the pseudo header. The checksum field
 * inside the segment must be zero (or the result is the value that makes the sum verify only
 * after subtracting it). UDP callers must send 0xffff for a computed 0 (see udp.ts).
 */
export function l4Checksum(buf: Uint8Array, off: number, len: number, src: number, dst: number, proto: number): number {
  return internetChecksum(buf, off, len, pseudoHeaderSum(src, dst, proto, len));
}

/** True when the TCP/UDP segment including its checksum field verifies against the pseudo header. */
export function verifyL4Checksum(buf: Uint8Array, off: number, len: number, src: number, dst: number, proto: number): boolean {
  return verifyChecksum(buf, off, len, pseudoHeaderSum(src, dst, proto, len));
}

/**
 * RFC 1624 eqn. 3: the checksum after one 16-bit word of the covered data changes from
 * `oldWord` to `newWord`: HC' = ~(~HC + ~m + m').
 */
export function checksumUpdate16(hc: number, oldWord: number, newWord: number): number {
  const sum = (~hc & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
  return ~foldSum(sum) & 0xffff;
}

/** As checksumUpdate16 for a 32-bit field (an IPv4 address, a TCP sequence number). */
export function checksumUpdate32(hc: number, oldValue: number, newValue: number): number {
  const sum = (~hc & 0xffff) +
    (~(oldValue >>> 16) & 0xffff) + (~oldValue & 0xffff) +
    ((newValue >>> 16) & 0xffff) + (newValue & 0xffff);
  return ~foldSum(sum) & 0xffff;
}
