// Traffic selectors (RFC 7296 §2.9): narrowing as responder and matching decrypted packets.

import { formatIpv4, maskOf, type Prefix } from '../../net/addr.js';
import type { TrafficSelector } from './message.js';

export function selectorOf(p: Prefix, proto = 0): TrafficSelector {
  const mask = p.len === 0 ? 0 : maskOf(p.len);
  const start = (p.addr & mask) >>> 0;
  return { proto, startPort: 0, endPort: 65535, start, end: (start | ~mask) >>> 0 };
}

function intersect(a: TrafficSelector, b: TrafficSelector): TrafficSelector | null {
  if (a.proto !== 0 && b.proto !== 0 && a.proto !== b.proto) return null;
  const start = Math.max(a.start >>> 0, b.start >>> 0), end = Math.min(a.end >>> 0, b.end >>> 0);
  const sp = Math.max(a.startPort, b.startPort), ep = Math.min(a.endPort, b.endPort);
  if (start > end || sp > ep) return null;
  return { proto: a.proto || b.proto, startPort: sp, endPort: ep, start, end };
}

/** What both sides accept: every non-empty intersection of the peer's selectors with ours. */
export function narrow(theirs: readonly TrafficSelector[], ours: readonly TrafficSelector[]): TrafficSelector[] {
  const out: TrafficSelector[] = [];
  for (const t of theirs) for (const o of ours) {
    const x = intersect(t, o);
    if (x !== null && !out.some((y) => y.start === x.start && y.end === x.end && y.proto === x.proto && y.startPort === x.startPort && y.endPort === x.endPort)) out.push(x);
  }
  return out;
}

/** Whether address `a` (any protocol and port) is covered. */
export function covers(ts: readonly TrafficSelector[], a: number): boolean {
  a >>>= 0;
  for (const t of ts) if (a >= t.start >>> 0 && a <= t.end >>> 0) return true;
  return false;
}

/** 0.0.0.0/0, 10.0.0.0/8, or a range a-b; with the protocol/ports when not any. */
export function formatSelector(t: TrafficSelector): string {
  const start = t.start >>> 0, end = t.end >>> 0;
  const size = end - start + 1;
  let net: string;
  const len = 32 - Math.log2(size);
  if (Number.isInteger(len) && (start & (size - 1)) === 0) net = `${formatIpv4(start)}/${len}`;
  else net = `${formatIpv4(start)}..${formatIpv4(end)}`;
  if (t.proto === 0 && t.startPort === 0 && t.endPort === 65535) return net;
  const port = t.startPort === 0 && t.endPort === 65535 ? '' : t.startPort === t.endPort ? `/${t.startPort}` : `/${t.startPort}-${t.endPort}`;
  return `${net}[${t.proto}${port}]`;
}

export function formatSelectors(ts: readonly TrafficSelector[]): string {
  return ts.map(formatSelector).join(' ');
}
