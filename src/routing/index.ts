// The routing table: RIB (routes of every source, selection), FIB (LPM of ECMP groups) and
// resilient ECMP next-hop selection.

export { Lpm, LPM_MAX_VALUE } from './lpm.js';
export { PrefixMap } from './prefix-map.js';
export { NextHopTable, MAX_IF_IDX, type NextHop } from './nexthops.js';
export { EcmpGroups, ECMP_BUCKETS, MAX_ECMP_PATHS, bucketOf, freshLayout, resilientLayout } from './ecmp.js';
export {
  Rib, ROUTE_SOURCES, DEFAULT_DISTANCE, IBGP_DISTANCE, UNUSABLE_DISTANCE,
  type RouteSource, type RouteInput, type Route, type Selection, type RibEntry, type RibChange, type RibListener, type SourceCount,
} from './rib.js';
export { formatRouteTable, formatRouteSummary, ROUTE_CODES, ROUTE_CODES_LEGEND, type IfNameOf } from './show.js';
