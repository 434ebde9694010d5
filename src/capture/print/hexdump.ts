// Raw data dumps: -x (hex), -X (hex and ASCII), -A (ASCII), and the default
// dump of payloads no printer understands.

import { Ctx, TRUNCATED, hex2, isGraph } from './context.js';

/** Lines of "<indent>0x0010:  4500 0054 ..." 16 bytes each, with the ASCII column. */
export function hexAndAsciiPrint(c: Ctx, indent: string, off: number, length: number): void {
  const avail = c.avail(off);
  let truncated = false;
  if (length > avail) {
    length = avail;
    truncated = true;
  }
  const d = c.data;
  let offset = 0;
  let hex = '';
  let ascii = '';
  for (let i = 0; i < length; i++) {
    const b = d[off + i]!;
    hex += (i % 2 === 0 ? ' ' : '') + hex2(b);
    ascii += isGraph(b) ? String.fromCharCode(b) : '.';
    if (i % 16 === 15) {
      c.p(`${indent}0x${offset.toString(16).padStart(4, '0')}: ${hex.padEnd(40)}  ${ascii}`);
      offset += 16;
      hex = '';
      ascii = '';
    }
  }
  if (hex !== '') c.p(`${indent}0x${offset.toString(16).padStart(4, '0')}: ${hex.padEnd(40)}  ${ascii}`);
  if (truncated) throw TRUNCATED;
}

/** Lines of "<indent>0x0010:  4500 0054 ..." without the ASCII column. */
export function hexPrint(c: Ctx, indent: string, off: number, length: number): void {
  const avail = c.avail(off);
  let truncated = false;
  if (length > avail) {
    length = avail;
    truncated = true;
  }
  const d = c.data;
  for (let i = 0; i < length; i++) {
    if (i % 16 === 0) c.p(`${indent}0x${i.toString(16).padStart(4, '0')}: `);
    c.p((i % 2 === 0 ? ' ' : '') + hex2(d[off + i]!));
  }
  if (truncated) throw TRUNCATED;
}

/** -A: the bytes as text, non-printables as '.', CRs before LF dropped. */
export function asciiPrint(c: Ctx, off: number, length: number): void {
  c.protocol = 'ascii';
  const avail = c.avail(off);
  let truncated = false;
  if (length > avail) {
    length = avail;
    truncated = true;
  }
  const d = c.data;
  let s = '\n';
  for (let i = 0; i < length; i++) {
    const b = d[off + i]!;
    const left = length - i - 1;
    if (b === 0x0d) {
      if (left > 1 && d[off + i + 1] !== 0x0a) s += '.';
    } else if (!isGraph(b) && b !== 0x09 && b !== 0x20 && b !== 0x0a) {
      s += '.';
    } else {
      s += String.fromCharCode(b);
    }
  }
  c.p(s);
  if (truncated) throw TRUNCATED;
}

/** ND_DEFAULTPRINT: hex and ASCII of data nobody decodes, unless -q/-x/-X suppress it. */
export function defaultPrint(c: Ctx, off: number, length: number): void {
  if (c.o.q > 0 || c.o.x > 0 || c.o.X > 0) return;
  hexAndAsciiPrint(c, '\n\t', off, length);
}
