// TCP sequence numbers: 32-bit values compared modulo 2^32 (RFC 9293 3.4). Inside a connection
// the stack counts in positions instead (plain numbers from the ISN, no wrap-around); these
// helpers convert at the edges and compare raw wire values.

export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

export function seqGe(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** `a - b` as a signed 32-bit distance. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}
