// Best-path selection (RFC 4271 9.1.2 in the order operators know from IOS and FRR) and the
// equal-cost paths that go into the routing table beside the best one (maximum-paths).

import { asPathLength, neighborAs, sameAsPath } from './as-path.js';
import type { PathAttrs } from './path-attrs.js';

/** Where a path came from: a peer, or null for a route this speaker originates. */
export interface PathSource {
  readonly addr: number;
  /** The peer's BGP identifier. */
  readonly routerId: number;
  readonly external: boolean;
}

export interface Path {
  readonly source: PathSource | null;
  readonly attrs: PathAttrs;
  readonly weight: number;
  /** Wall-clock ms it was last updated (`Last update:`). */
  readonly updatedAt: number;
  /** For a local route: `network` or the redistributed source. */
  readonly local: 'network' | 'connected' | 'static' | 'slb' | null;
}

export const DEFAULT_LOCAL_PREF = 100;

export function localPrefOf(p: Path): number {
  return p.attrs.localPref ?? DEFAULT_LOCAL_PREF;
}

/** Negative when `a` is better. Steps 1-7: what makes paths equally good for multipath. */
function compareUpToType(a: Path, b: Path): number {
  if (a.weight !== b.weight) return b.weight - a.weight;
  const lpa = localPrefOf(a), lpb = localPrefOf(b);
  if (lpa !== lpb) return lpb - lpa;
  const la = a.source === null, lb = b.source === null;
  if (la !== lb) return la ? -1 : 1;
  const pa = asPathLength(a.attrs.asPath), pb = asPathLength(b.attrs.asPath);
  if (pa !== pb) return pa - pb;
  if (a.attrs.origin !== b.attrs.origin) return a.attrs.origin - b.attrs.origin;
  if (neighborAs(a.attrs.asPath) === neighborAs(b.attrs.asPath)) {
    const ma = a.attrs.med ?? 0, mb = b.attrs.med ?? 0;
    if (ma !== mb) return ma - mb;
  }
  const ea = a.source?.external ?? false, eb = b.source?.external ?? false;
  if (ea !== eb) return ea ? -1 : 1;
  return 0;
}

/** Negative when `a` is the better path (every step, ending with the peer address). */
export function comparePaths(a: Path, b: Path): number {
  const c = compareUpToType(a, b);
  if (c !== 0) return c;
  const ida = a.attrs.originatorId ?? a.source?.routerId ?? 0, idb = b.attrs.originatorId ?? b.source?.routerId ?? 0;
  if (ida !== idb) return (ida >>> 0) - (idb >>> 0);
  const ca = a.attrs.clusterList?.length ?? 0, cb = b.attrs.clusterList?.length ?? 0;
  if (ca !== cb) return ca - cb;
  return ((a.source?.addr ?? 0) >>> 0) - ((b.source?.addr ?? 0) >>> 0);
}

export interface Selection {
  readonly best: Path | null;
  /** The best path first, then the paths installed beside it (at most maxPaths in all). */
  readonly multipath: readonly Path[];
}

export const NO_SELECTION: Selection = { best: null, multipath: [] };

/**
 * Picks the best of `paths` and the paths equal to it for ECMP: learned from peers of the
 * same kind (eBGP/iBGP), equal up to the eBGP-over-iBGP step, with the same AS path and a
 * different next hop.
 */
export function selectPaths(paths: readonly Path[], maxEbgp: number, maxIbgp: number): Selection {
  if (paths.length === 0) return NO_SELECTION;
  let best = paths[0]!;
  for (let i = 1; i < paths.length; i++) if (comparePaths(paths[i]!, best) < 0) best = paths[i]!;
  const max = best.source === null ? 1 : best.source.external ? maxEbgp : maxIbgp;
  if (max <= 1 || paths.length === 1) return { best, multipath: [best] };
  const multipath: Path[] = [best];
  const rest = paths.filter((p) => p !== best && p.source !== null && compareUpToType(p, best) === 0 &&
    sameAsPath(p.attrs.asPath, best.attrs.asPath)).sort(comparePaths);
  for (const p of rest) {
    if (multipath.length >= max) break;
    if (multipath.some((m) => m.attrs.nextHop === p.attrs.nextHop)) continue;
    multipath.push(p);
  }
  return { best, multipath };
}
