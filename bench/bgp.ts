// BGP benchmark: a full table of 100,000 prefixes received from a peer, on the wall clock.
//
// The peer's UPDATE stream is encoded beforehand (1 to 16 prefixes per UPDATE, 5,000 distinct
// AS paths, as a real table's attribute sharing goes) and fed to a speaker in 64 KiB reads, one
// per turn of the event loop, as TCP would hand them over, while the peer sends a KEEPALIVE
// every second. Measured: prefixes per second through everything (framing, decoding, import
// policy, Loc-RIB and best path, installation into the engine's routing table), the same for
// decoding alone in the same run (the baseline: what the rest costs on top), the heap bytes per
// prefix once loaded (speaker + routing table), and whether the speaker's own keepalives (1 s,
// hold time 3 s) kept coming on time while it loaded.
//
//   node dist/bench/bgp.js

import { setImmediate as tick } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { ribTable } from '../src/bgp/appliance.js';
import { BgpSpeaker } from '../src/bgp/speaker.js';
import type { BgpNet, BgpTransport } from '../src/bgp/transport.js';
import { AS_SEQUENCE } from '../src/bgp/wire/constants.js';
import { Framer } from '../src/bgp/wire/framer.js';
import { encodeKeepalive, encodeOpen } from '../src/bgp/wire/messages.js';
import { decodeUpdate, encodeAnnouncements, encodeAttrs } from '../src/bgp/wire/update.js';
import { attrs } from '../src/bgp/path-attrs.js';
import { prefixKey } from '../src/bgp/prefix-key.js';
import { newBgp, withNeighbor, type BgpConfig } from '../src/config/bgp.js';
import { ipv4 } from '../src/net/addr.js';
import { Rib } from '../src/routing/index.js';
import { RealClock } from '../src/util/clock.js';
import { Prng } from '../src/util/prng.js';

export interface BgpBenchResult {
  bgp_update_prefixes_per_sec: number;
  bgp_decode_prefixes_per_sec: number;
  bgp_bytes_per_prefix: number;
  bgp_keepalive_max_gap_ms: number;
  bgp_session_stayed_up: boolean;
  bgp_prefixes: number;
}

const PEER = ipv4('10.0.0.2');
const ME = ipv4('10.0.0.1');

function gcFn(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/**
 * The peer's UPDATE messages for `n` distinct prefixes (mostly /24, some /16-/23), and the same
 * bytes cut into reads of about 64 KiB that end on a message boundary (so that the peer's
 * KEEPALIVEs can go in between).
 */
function fullTable(n: number, seed: number): { chunks: Uint8Array[]; messages: Uint8Array[] } {
  const r = new Prng(seed);
  const seen = new Set<number>();
  const messages: Uint8Array[] = [];
  const paths = Array.from({ length: 5000 }, () => {
    const len = r.int(1, 6);
    const asns = [65002, ...Array.from({ length: len }, () => r.int(1, 64000))];
    return encodeAttrs(attrs({ origin: 0, asPath: [{ type: AS_SEQUENCE, asns }], nextHop: PEER, med: r.int(0, 3) === 0 ? r.int(0, 100) : null }), true);
  });
  let made = 0;
  while (made < n) {
    const count = Math.min(n - made, r.int(1, 16));
    const keys: number[] = [];
    while (keys.length < count) {
      const len = r.int(0, 9) === 0 ? r.int(16, 23) : 24;
      const k = prefixKey(r.u32() | 0x01000000, len);
      if (seen.has(k)) continue;
      seen.add(k);
      keys.push(k);
    }
    messages.push(...encodeAnnouncements(paths[r.int(0, paths.length - 1)]!, keys));
    made += count;
  }
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < messages.length;) {
    let len = 0, j = i;
    while (j < messages.length && len + messages[j]!.length <= 65536) len += messages[j++]!.length;
    const c = new Uint8Array(len);
    let o = 0;
    for (let k = i; k < j; k++) {
      c.set(messages[k]!, o);
      o += messages[k]!.length;
    }
    chunks.push(c);
    i = j;
  }
  return { chunks, messages };
}

/** A transport the bench drives by hand: what the speaker writes is looked at, never sent. */
class BenchTransport implements BgpTransport {
  readonly localAddr = ME;
  readonly localPort = 179;
  readonly remoteAddr = PEER;
  readonly remotePort = 40000;
  onOpen: (() => void) | null = null;
  onData: ((data: Uint8Array) => void) | null = null;
  onClose: ((why: string) => void) | null = null;
  keepaliveTimes: number[] = [];
  closed = false;
  private readonly framer = new Framer();
  write(data: Uint8Array): boolean {
    this.framer.push(data);
    for (let f = this.framer.next(); f; f = this.framer.next()) if (f.type === 4) this.keepaliveTimes.push(performance.now());
    return true;
  }
  close(): void { this.closed = true; }
  abort(): void { this.closed = true; }
  setTtl(): void {}
}

export async function runBgpBench(prefixes = 100_000, seed = 7): Promise<BgpBenchResult> {
  const gc = gcFn();
  const { chunks, messages } = fullTable(prefixes, seed);

  // Baseline: decoding alone, best of three.
  let decodeBest = Infinity;
  for (let pass = 0; pass < 3; pass++) {
    const t0 = performance.now();
    let got = 0;
    for (const m of messages) {
      const d = decodeUpdate(m, 0, m.length, { fourOctet: true, external: true });
      if (d.ok) got += d.value.nlri.length;
    }
    if (got !== prefixes) throw new Error(`decoded ${got} prefixes`);
    decodeBest = Math.min(decodeBest, performance.now() - t0);
  }

  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const rib = new Rib();
  rib.add({ prefix: { addr: ipv4('10.0.0.0'), len: 24 }, source: 'connected', nexthops: [{ gw: 0, ifIdx: 1 }] });
  let accept: ((t: BgpTransport) => void) | null = null;
  const net: BgpNet = {
    listen: (_port, onAccept) => {
      accept = onAccept;
      return () => { accept = null; };
    },
    connect: () => { throw new Error('passive'); },
  };
  let downs = 0;
  const speaker = new BgpSpeaker({
    clock: new RealClock(), net, table: ribTable(rib),
    log: (text) => { if (/session down/.test(text)) { downs++; process.stderr.write(`${text}\n`); } },
  });
  let b: BgpConfig = { ...newBgp(65001), routerId: ME, keepalive: 1, holdTime: 3 };
  b = withNeighbor(b, PEER, (n) => ({ ...n, remoteAs: 65002, passive: true }));
  speaker.configure(b, [], ME);
  const t = new BenchTransport();
  accept!(t);
  t.onOpen?.();
  t.onData?.(encodeOpen({ asn: 65002, holdTime: 3, bgpId: PEER, routeRefresh: true, fourOctetAs: true, multiprotocol: [0x0101] }));
  t.onData?.(encodeKeepalive());
  const peer = speaker.peers.get(PEER)!;
  if (peer.state !== 'Established') throw new Error(`the bench session is ${peer.state}`);

  // The peer keeps its side alive while the table streams in (a KEEPALIVE between two reads once a second).
  let kaDue = false;
  const ka = setInterval(() => { kaDue = true; }, 1000);
  const startKa = t.keepaliveTimes.length;
  const t0 = performance.now();
  for (const c of chunks) {
    t.onData?.(c);
    if (kaDue) {
      kaDue = false;
      t.onData?.(encodeKeepalive());
    }
    await tick();
  }
  const loadMs = performance.now() - t0;
  const tail = setInterval(() => t.onData?.(encodeKeepalive()), 1000);
  // A few more seconds on the clock, to see the keepalives after the load too.
  await new Promise((r) => setTimeout(r, 2500));
  clearInterval(ka);
  clearInterval(tail);
  const installed = rib.countsBySource().get('bgp')?.routes ?? 0;
  if (installed !== prefixes) throw new Error(`installed ${installed} of ${prefixes} (Loc-RIB ${speaker.locRib.size}, state ${peer.state}, received ${peer.counters.updatesIn})`);
  gc();
  const heap1 = process.memoryUsage().heapUsed;
  const times = [t0, ...t.keepaliveTimes.slice(startKa)];
  let maxGap = 0;
  for (let i = 1; i < times.length; i++) maxGap = Math.max(maxGap, times[i]! - times[i - 1]!);
  const up = peer.state === 'Established' && downs === 0;
  speaker.shutdown();
  return {
    bgp_update_prefixes_per_sec: Math.round(prefixes / (loadMs / 1000)),
    bgp_decode_prefixes_per_sec: Math.round(prefixes / (decodeBest / 1000)),
    bgp_bytes_per_prefix: Math.round((heap1 - heap0) / prefixes),
    bgp_keepalive_max_gap_ms: Math.round(maxGap),
    bgp_session_stayed_up: up,
    bgp_prefixes: prefixes,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runBgpBench().then((r) => process.stdout.write(`${JSON.stringify(r)}\n`), (e) => {
    process.stderr.write(`${String(e)}\n`);
    process.exitCode = 1;
  });
}
