// AS paths: segments of AS numbers, their length for best-path selection, prepending, loop
// checks, and the RFC 6793 reconciliation of a 2-octet AS_PATH with an AS4_PATH.

import { AS_CONFED_SEQUENCE, AS_CONFED_SET, AS_SEQUENCE, AS_SET } from './wire/constants.js';

export interface AsSegment {
  readonly type: number;
  readonly asns: readonly number[];
}

export type AsPath = readonly AsSegment[];

export const EMPTY_AS_PATH: AsPath = [];

/** RFC 4271 9.1.2.2 a: a SET counts 1, confederation segments count 0. */
export function asPathLength(p: AsPath): number {
  let n = 0;
  for (const s of p) {
    if (s.type === AS_SEQUENCE) n += s.asns.length;
    else if (s.type === AS_SET) n += 1;
  }
  return n;
}

export function asPathContains(p: AsPath, asn: number): boolean {
  for (const s of p) if (s.asns.includes(asn)) return true;
  return false;
}

/** The AS a route came from: the first AS of a leading SEQUENCE (0 when none). */
export function neighborAs(p: AsPath): number {
  const s = p[0];
  return s !== undefined && s.type === AS_SEQUENCE && s.asns.length > 0 ? s.asns[0]! : 0;
}

/** `asn` in front (a new SEQUENCE when the path starts otherwise or the first is full). */
export function prependAs(p: AsPath, asn: number): AsPath {
  const first = p[0];
  if (first !== undefined && first.type === AS_SEQUENCE && first.asns.length < 255) {
    return [{ type: AS_SEQUENCE, asns: [asn, ...first.asns] }, ...p.slice(1)];
  }
  return [{ type: AS_SEQUENCE, asns: [asn] }, ...p];
}

/** `65515 65510`, sets in braces, confederation segments in parentheses (as FRR and Cisco print). */
export function formatAsPath(p: AsPath): string {
  const parts: string[] = [];
  for (const s of p) {
    const body = s.asns.join(s.type === AS_SET || s.type === AS_CONFED_SET ? ',' : ' ');
    if (s.type === AS_SET) parts.push(`{${body}}`);
    else if (s.type === AS_CONFED_SEQUENCE) parts.push(`(${body})`);
    else if (s.type === AS_CONFED_SET) parts.push(`[${body}]`);
    else parts.push(body);
  }
  return parts.join(' ');
}

export function sameAsPath(a: AsPath, b: AsPath): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (x.type !== y.type || x.asns.length !== y.asns.length) return false;
    for (let k = 0; k < x.asns.length; k++) if (x.asns[k] !== y.asns[k]) return false;
  }
  return true;
}

/** Any AS number that does not fit in 2 octets. */
export function needsFourOctets(p: AsPath): boolean {
  for (const s of p) for (const a of s.asns) if (a > 0xffff) return true;
  return false;
}

/**
 * RFC 6793 4.2.3: the path of a route from a 2-octet speaker, from its AS_PATH (AS_TRANS for
 * the big numbers) and the AS4_PATH it carried. An AS4_PATH longer than the AS_PATH is ignored;
 * otherwise the leading part of the AS_PATH is kept and the AS4_PATH replaces the rest.
 */
export function mergeAs4Path(asPath: AsPath, as4: AsPath): AsPath {
  const n = asPathLength(asPath), n4 = asPathLength(as4);
  if (n4 > n) return asPath;
  let keep = n - n4;
  const out: AsSegment[] = [];
  for (const s of asPath) {
    if (keep === 0) break;
    if (s.type === AS_SEQUENCE) {
      const take = Math.min(keep, s.asns.length);
      out.push({ type: AS_SEQUENCE, asns: s.asns.slice(0, take) });
      keep -= take;
    } else if (s.type === AS_SET) {
      out.push(s);
      keep -= 1;
    } else {
      out.push(s);
    }
  }
  return [...out, ...as4];
}
