// Session-table benchmark: fills a table to capacity (1M by default), then times lookups, a
// mix of hits (in both directions) and misses. Prints one JSON line when run directly:
//   node dist/bench/session.js [capacity] [lookups]

import { pathToFileURL } from 'node:url';
import { NAT_MODE_CODES, SessionState, SessionTable } from '../src/engine/session/index.js';

export interface SessionBenchOptions {
  /** Sessions to insert (the table's capacity); default 1,048,576. */
  capacity?: number;
  /** Lookups to time; default 2,000,000. */
  lookups?: number;
  /** Share of lookups that hit; default 0.75. */
  hitRatio?: number;
  seed?: number;
}

export interface SessionBenchResult {
  capacity: number;
  sessions: number;
  insertsPerSec: number;
  lookupsPerSec: number;
  /** Total bytes of the table's typed arrays / capacity. */
  sessionBytes: number;
  hits: number;
  misses: number;
  maxProbe: number;
}

const TCP = 6;
const VIP_BASE = 0xc0000200; // 192.0.2.0
const RIP_BASE = 0xac100000; // 172.16.0.0

// Session i: client 10.x.y.z:port derived from i, to one of 4 VIPs port 80, NAT to one of 32 reals.
function clientIp(i: number): number { return (0x0a000000 + (i >>> 10)) >>> 0; }
function clientPort(i: number): number { return 1024 + (i & 1023); }
function vip(i: number): number { return VIP_BASE + (i & 3); }
function rip(i: number): number { return RIP_BASE + (i % 32); }

function fill(table: SessionTable, n: number): number {
  const nat = NAT_MODE_CODES.nat;
  let sessions = 0;
  for (let i = 0; i < n; i++) {
    if (table.insert(0, TCP, clientIp(i), clientPort(i), vip(i), 80, rip(i), 8080, i & 3, i % 32, nat, 0,
      SessionState.ESTABLISHED) >= 0) sessions++;
  }
  return sessions;
}

export function runSessionBench(opts: SessionBenchOptions = {}): SessionBenchResult {
  const capacity = opts.capacity ?? 1 << 20;
  const lookups = opts.lookups ?? 2_000_000;
  const hitRatio = opts.hitRatio ?? 0.75;
  let x = (opts.seed ?? 12345) >>> 0 || 1;
  const rnd = (): number => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };

  // Warm-up (lets the JIT compile the paths) on a small table.
  const warm = new SessionTable({ capacity: 1 << 16, maxReals: 1024, maxServices: 64 });
  fill(warm, 1 << 16);
  for (let i = 0; i < 1 << 17; i++) warm.lookup(1, TCP, clientIp(i), clientPort(i), vip(i), 80);

  const table = new SessionTable({ capacity, maxReals: 1024, maxServices: 64 });
  let t0 = performance.now();
  const sessions = fill(table, capacity);
  const insertMs = performance.now() - t0;

  // Precomputed lookup keys: hits alternate original/reply direction; misses use unused ports.
  const qSip = new Uint32Array(lookups), qSport = new Uint16Array(lookups);
  const qDip = new Uint32Array(lookups), qDport = new Uint16Array(lookups);
  for (let q = 0; q < lookups; q++) {
    const i = rnd() % capacity;
    if ((rnd() % 1000) < hitRatio * 1000) {
      if (q & 1) { qSip[q] = rip(i); qSport[q] = 8080; qDip[q] = clientIp(i); qDport[q] = clientPort(i); }
      else { qSip[q] = clientIp(i); qSport[q] = clientPort(i); qDip[q] = vip(i); qDport[q] = 80; }
    } else {
      qSip[q] = clientIp(i); qSport[q] = 40000 + (i & 1023); qDip[q] = vip(i); qDport[q] = 80;
    }
  }
  // Best of three passes (the machine may be shared).
  let hits = 0, lookupMs = Infinity;
  for (let pass = 0; pass < 3; pass++) {
    hits = 0;
    t0 = performance.now();
    for (let q = 0; q < lookups; q++) {
      if (table.lookup(1, TCP, qSip[q]!, qSport[q]!, qDip[q]!, qDport[q]!) >= 0) hits++;
    }
    lookupMs = Math.min(lookupMs, performance.now() - t0);
  }

  return {
    capacity,
    sessions,
    insertsPerSec: Math.round(sessions / (insertMs / 1000)),
    lookupsPerSec: Math.round(lookups / (lookupMs / 1000)),
    sessionBytes: Math.round(table.sessionBytes * 100) / 100,
    hits,
    misses: lookups - hits,
    maxProbe: table.maxProbe(),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const cap = process.argv[2] ? Number(process.argv[2]) : undefined;
  const n = process.argv[3] ? Number(process.argv[3]) : undefined;
  process.stdout.write(JSON.stringify(runSessionBench({ capacity: cap, lookups: n })) + '\n');
}
