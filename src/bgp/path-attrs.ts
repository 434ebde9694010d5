// The path attributes of a route (RFC 4271 5, RFC 1997, RFC 4456), as the speaker keeps them:
// immutable and shared by every prefix that arrived in the same UPDATE.

import { EMPTY_AS_PATH, sameAsPath, type AsPath } from './as-path.js';
import { ORIGIN_IGP, type Origin } from './wire/constants.js';

export interface Aggregator {
  readonly asn: number;
  readonly addr: number;
}

export interface PathAttrs {
  readonly origin: Origin;
  readonly asPath: AsPath;
  /** IPv4 next hop (unsigned). */
  readonly nextHop: number;
  /** MULTI_EXIT_DISC, null when absent. */
  readonly med: number | null;
  /** LOCAL_PREF as received (iBGP) or set locally, null when absent. */
  readonly localPref: number | null;
  readonly atomicAggregate: boolean;
  readonly aggregator: Aggregator | null;
  readonly communities: readonly number[] | null;
  readonly originatorId: number | null;
  readonly clusterList: readonly number[] | null;
  /**
   * Optional transitive attributes this speaker does not understand, encoded (flags, type,
   * length, value each, Partial bit set): passed on as RFC 4271 5 says.
   */
  readonly unknownTransitive: Uint8Array | null;
}

export function attrs(partial: Partial<PathAttrs> = {}): PathAttrs {
  return {
    origin: ORIGIN_IGP, asPath: EMPTY_AS_PATH, nextHop: 0, med: null, localPref: null, atomicAggregate: false,
    aggregator: null, communities: null, originatorId: null, clusterList: null, unknownTransitive: null,
    ...partial,
  };
}

function sameNumbers(a: readonly number[] | null, b: readonly number[] | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether two attribute sets would be encoded the same way. */
export function sameAttrs(a: PathAttrs, b: PathAttrs): boolean {
  return a === b || (a.origin === b.origin && a.nextHop === b.nextHop && a.med === b.med && a.localPref === b.localPref &&
    a.atomicAggregate === b.atomicAggregate && a.aggregator?.asn === b.aggregator?.asn && a.aggregator?.addr === b.aggregator?.addr &&
    a.originatorId === b.originatorId && sameAsPath(a.asPath, b.asPath) && sameNumbers(a.communities, b.communities) &&
    sameNumbers(a.clusterList, b.clusterList) && sameBytes(a.unknownTransitive, b.unknownTransitive));
}
