// Routing-table benchmark: route lookups (Rib.lookup: LPM + ECMP bucket) of random destinations
// against a table of 10 and one of 100,000 random prefixes in the same run (best of several
// alternating passes, the machine may be shared), the time to add and to withdraw 100,000 BGP
// routes one at a time, and the bytes of the LPM holding 100,000 prefixes. Both tables also
// hold a default route, as a real one does, so every lookup resolves to a next hop.
// Prefix lengths follow roughly the Internet table's mix (LENGTH_MIX); addresses are uniformly
// random (the worst case for a trie: nothing shared, every prefix in its own /16 or so).
//
//   node dist/bench/routing.js

import { pathToFileURL } from 'node:url';
import { Rib, type NextHop } from '../src/routing/index.js';
import { Prng } from '../src/util/prng.js';

export interface RoutingBenchResult {
  route_lookup_mpps_10: number;
  route_lookup_mpps_100k: number;
  route_add_100k_ms: number;
  route_withdraw_100k_ms: number;
  route_bytes_100k: number;
}

export interface RoutingBenchOptions {
  prefixes?: number;
  lookups?: number;
  passes?: number;
  seed?: number;
}

/**
 * [length, weight per 10,000]: roughly the global IPv4 table's mix (58% /24, 11% /22, 10% /23,
 * 5% /21, 4% /20, shorter ones rare), plus 3% of /28 and /32 as an appliance's internal routes.
 */
const LENGTH_MIX: readonly (readonly [number, number])[] = [
  [8, 1], [10, 4], [12, 3], [13, 6], [14, 10], [15, 19], [16, 137], [17, 84], [18, 137], [19, 263], [20, 421],
  [21, 526], [22, 1158], [23, 1053], [24, 5790], [28, 100], [32, 200],
];
const MIX_TOTAL = LENGTH_MIX.reduce((a, [, w]) => a + w, 0);

function randomLength(r: Prng): number {
  let x = r.int(0, MIX_TOTAL - 1);
  for (const [len, w] of LENGTH_MIX) {
    if (x < w) return len;
    x -= w;
  }
  return 24;
}

function maskOf(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** `n` distinct random prefixes (no default route). */
function randomPrefixes(n: number, r: Prng): { nets: Uint32Array; lens: Uint8Array } {
  const nets = new Uint32Array(n), lens = new Uint8Array(n);
  const seen = new Set<number>();
  for (let k = 0; k < n;) {
    const len = randomLength(r);
    const net = (r.u32() & maskOf(len)) >>> 0;
    const key = len * 0x100000000 + net;
    if (seen.has(key)) continue;
    seen.add(key);
    nets[k] = net;
    lens[k++] = len;
  }
  return { nets, lens };
}

// Eight next-hop sets of one to three paths over four gateways on two interfaces.
const GATEWAYS: readonly NextHop[] = [
  { gw: 0x0a000001, ifIdx: 0 }, { gw: 0x0a000002, ifIdx: 0 }, { gw: 0x0a010001, ifIdx: 1 }, { gw: 0x0a010002, ifIdx: 1 },
];
const PATH_SETS: readonly (readonly NextHop[])[] = [
  [GATEWAYS[0]!], [GATEWAYS[1]!], [GATEWAYS[2]!], [GATEWAYS[3]!],
  [GATEWAYS[0]!, GATEWAYS[1]!], [GATEWAYS[2]!, GATEWAYS[3]!], [GATEWAYS[0]!, GATEWAYS[2]!, GATEWAYS[3]!], GATEWAYS,
];

function addAll(rib: Rib, nets: Uint32Array, lens: Uint8Array, n: number): void {
  for (let k = 0; k < n; k++) {
    rib.add({ prefix: { addr: nets[k]!, len: lens[k]! }, source: 'bgp', owner: 'peer', nexthops: PATH_SETS[k & 7]! });
  }
}

function tableOf(nets: Uint32Array, lens: Uint8Array, n: number): Rib {
  const rib = new Rib();
  rib.add({ prefix: { addr: 0, len: 0 }, source: 'static', nexthops: [GATEWAYS[0]!] });
  addAll(rib, nets, lens, n);
  return rib;
}

function lookupPass(rib: Rib, dsts: Uint32Array, hashes: Uint32Array): [number, number] {
  let sum = 0;
  const t0 = performance.now();
  for (let q = 0; q < dsts.length; q++) sum += rib.lookup(dsts[q]!, hashes[q]!);
  return [performance.now() - t0, sum];
}

export function runRoutingBench(opts: RoutingBenchOptions = {}): RoutingBenchResult {
  const n = opts.prefixes ?? 100_000;
  const lookups = opts.lookups ?? 1_000_000;
  const passes = opts.passes ?? 15;
  const r = new Prng(opts.seed ?? 2024);
  const { nets, lens } = randomPrefixes(n, r);

  // Warm-up: the JIT compiles add, withdraw and lookup on a small table.
  const warm = tableOf(nets, lens, 5000);
  for (let k = 0; k < 5000; k++) warm.withdraw({ addr: nets[k]!, len: lens[k]! }, 'bgp', 'peer');

  const rib = new Rib();
  rib.add({ prefix: { addr: 0, len: 0 }, source: 'static', nexthops: [GATEWAYS[0]!] });
  let t0 = performance.now();
  addAll(rib, nets, lens, n);
  const addMs = performance.now() - t0;
  const bytes = rib.fib.bytes;

  const small = tableOf(nets, lens, 10);
  const dsts = new Uint32Array(lookups), hashes = new Uint32Array(lookups);
  for (let q = 0; q < lookups; q++) {
    dsts[q] = r.u32();
    hashes[q] = r.u32();
  }
  let bestSmall = Infinity, bestLarge = Infinity, check = 0;
  for (let p = 0; p < passes; p++) {
    const [ms1, s1] = lookupPass(small, dsts, hashes);
    const [ms2, s2] = lookupPass(rib, dsts, hashes);
    bestSmall = Math.min(bestSmall, ms1);
    bestLarge = Math.min(bestLarge, ms2);
    check += s1 + s2;
  }
  if (check < 0) throw new Error('unreachable: next-hop ids are >= 0 with a default route');

  t0 = performance.now();
  for (let k = 0; k < n; k++) rib.withdraw({ addr: nets[k]!, len: lens[k]! }, 'bgp', 'peer');
  const withdrawMs = performance.now() - t0;

  const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
  return {
    route_lookup_mpps_10: round(lookups / bestSmall / 1000, 1),
    route_lookup_mpps_100k: round(lookups / bestLarge / 1000, 1),
    route_add_100k_ms: round(addMs, 1),
    route_withdraw_100k_ms: round(withdrawMs, 1),
    route_bytes_100k: bytes,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(JSON.stringify(runRoutingBench()) + '\n');
}
