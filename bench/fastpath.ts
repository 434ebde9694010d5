// Fast-path benchmark: packets per CPU second through Engine.receive with the reference
// scenario (file 000: VIP 192.168.193.50:80, l3dsr-iptunnel to 192.168.211.150 via the
// router) and a synthetic mix of many flows, new (SYN) and established (ACK), output to a null
// backend; and, in the same run, passes alternating with them, the tight loop of
// tight-loop.ts doing the minimum of the same job. Also SYN-only passes (new sessions/s) and
// established-only passes (ns per packet). CPU time, best pass of each: the machine is shared.
//
//   node dist/bench/fastpath.js [packetsPerPass]

import { pathToFileURL } from 'node:url';
import { defaultConfig, newFilter, newHealthCheck, newPortBoundary, newReal, newSlb } from '../src/config/defaults.js';
import type { FilterId, HcId, PbId, RealId, RunningConfig } from '../src/config/model.js';
import { Engine } from '../src/engine/index.js';
import { ipv4, mac, type Ipv4, type PortNo, type VlanId } from '../src/net/addr.js';
import { buildTcpFrame, TCP_ACK, TCP_SYN } from '../src/packet/index.js';
import { internetChecksum } from '../src/packet/checksum.js';
import type { FrameHandler, PortBackend } from '../src/ports/backend.js';
import { VirtualClock } from '../src/util/clock.js';
import { TightLoop } from './tight-loop.js';
import { cpuMs } from './cpu.js';

export const BASE_MAC = mac('00:06:c4:90:03:93');
const ROUTER_MAC = mac('00:00:5e:00:01:c1');
const ROUTER_IP = ipv4('192.168.193.1');
const VIP = ipv4('192.168.193.50');
const ME_IP = ipv4('192.168.193.181');
const RIP = ipv4('192.168.211.150');

/** The running configuration of file 000 (what test/fixtures/reference-scenario.txt commits). */
export function referenceScenarioConfig(): RunningConfig {
  const d = defaultConfig();
  return {
    ...d,
    hostname: 'PAS-K',
    vlans: [...d.vlans, { name: 'test', vid: 193 as VlanId, untagged: [1 as PortNo], tagged: [], tbm: false, description: '', vni: null }],
    interfaces: [...d.interfaces, { name: 'test', address: { addr: ME_IP, len: 24 }, shutdown: false, rpf: 'default', description: '' }],
    routes: {
      defaultGateway: ROUTER_IP,
      networks: [{ dest: { addr: ipv4('192.168.212.0'), len: 24 }, gateway: ROUTER_IP, priority: 10, hc: null, description: '' }],
      interfaceRoutes: [],
    },
    healthChecks: [
      { ...newHealthCheck(1 as HcId), type: 'ip-tunnel-tcp', innerTip: VIP, port: 0 },
      { ...newHealthCheck(2 as HcId), type: 'ip-tunnel-udp', innerTip: VIP, port: 161 },
    ],
    reals: [{ ...newReal(1 as RealId), name: 'server', rip: RIP, rport: 80 }],
    portBoundaries: [{ ...newPortBoundary(1 as PbId), type: 'include', ports: [1 as PortNo, 2 as PortNo] }],
    slbs: [{
      ...newSlb('test'),
      vips: [{ addr: VIP, protocol: 'tcp', vport: 80 }],
      natMode: 'l3dsr-iptunnel',
      lbMethod: 'rr',
      healthChecks: [1 as HcId],
      reals: [{ id: 1 as RealId, backup: false }],
      filters: [{ ...newFilter(1 as FilterId), type: 'include', protocol: 'tcp', dstIp: { addr: VIP, len: 32 } }],
      sticky: { time: 60, srcMask: 0xffffffff as Ipv4, dstMask: 0 as Ipv4 },
    }],
  };
}

class NullPort implements PortBackend {
  readonly name = 'null';
  frames = 0;
  bytes = 0;
  transmit(_frame: Uint8Array, len: number): void {
    this.frames++;
    this.bytes += len;
  }
  attach(_rx: FrameHandler): void {}
  detach(): void {}
}

export interface FastpathOptions {
  /** Packets per timed pass (default 1,000,000). */
  packets?: number;
  /** One new flow (SYN) every `newEvery` packets, the rest established (default 10). */
  newEvery?: number;
  /** Established flows the ACKs are spread over (default 50,000). */
  flows?: number;
  /** Timed passes of each kind (default 5, after one warm-up). */
  passes?: number;
}

export interface FastpathResult {
  /** The mix (new and established flows): packets per CPU second, engine and tight loop. */
  fastpath_mpps: number;
  baseline_mpps: number;
  ratio: number;
  /** SYNs only: sessions the engine opens per CPU second (and flows the tight loop adds). */
  new_sessions_per_sec: number;
  baseline_new_flows_per_sec: number;
  /** Established flows only: CPU ns per packet. */
  established_ns: number;
  baseline_established_ns: number;
  packets: number;
  flows: number;
  new_share: number;
  sessions: number;
  frames_out: number;
  baseline_frames_out: number;
  /** The engine's established-flow cache over the run. */
  flow_cache_hits: number;
  flow_cache_installs: number;
  flow_cache_evictions: number;
}

// ---- the synthetic traffic ----

const SYN_TEMPLATES = 256;

/**
 * The traffic, as a port's receive ring would hold it: a few frame buffers that stay in the
 * cache, rewritten in place for each packet (a ring slot is too), so what a pass measures is the
 * packet path and its tables, not the bench's own scattered frames.
 */
interface Traffic {
  /** SYN templates: client 10.0.j.1 (ports are rewritten per use). */
  syn: Uint8Array[];
  /** The established flows' packets: an ACK, and (one flow in four) an ACK carrying a GET. */
  ack: Uint8Array;
  get: Uint8Array;
  /** Per established flow: client address, client port, and its IPv4 header checksum. */
  flowSrc: Int32Array;
  flowPort: Int32Array;
  flowCsum: Int32Array;
  /** Per packet of a pass: -1 = a new flow, else the index of an established flow. */
  order: Int32Array;
}

/** A frame as a Linux port's receive ring holds it: a plain Uint8Array view, not a Buffer. */
function ringSlot(b: Buffer): Uint8Array {
  const v = new Uint8Array(new ArrayBuffer(2048), 0, b.length);
  v.set(b);
  return v;
}

function clientOf(j: number): number {
  return (ipv4('10.0.0.0') + (j << 8) + 1) >>> 0;
}

function makeTraffic(packets: number, newEvery: number, flows: number): Traffic {
  const syn: Uint8Array[] = [];
  for (let j = 0; j < SYN_TEMPLATES; j++) {
    syn.push(ringSlot(buildTcpFrame({
      dstMac: BASE_MAC, srcMac: ROUTER_MAC, src: clientOf(j), dst: VIP, sport: 1024, dport: 80, seq: 1000, flags: TCP_SYN,
      options: [{ kind: 'mss', value: 1460 }, { kind: 'nop' }, { kind: 'wscale', value: 8 }, { kind: 'nop' }, { kind: 'nop' }, { kind: 'sackOK' }],
    })));
  }
  const frame = (payload?: string): Uint8Array => ringSlot(buildTcpFrame({
    dstMac: BASE_MAC, srcMac: ROUTER_MAC, src: 0, dst: VIP, sport: 0, dport: 80, seq: 1001, ack: 1, flags: TCP_ACK, window: 255, payload,
  }));
  const t: Traffic = {
    syn, ack: frame(), get: frame('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
    flowSrc: new Int32Array(flows), flowPort: new Int32Array(flows), flowCsum: new Int32Array(flows),
    order: orderOf(packets, newEvery, flows),
  };
  for (let i = 0; i < flows; i++) {
    t.flowSrc[i] = (ipv4('172.16.0.0') + (i >>> 8)) | 0;
    t.flowPort[i] = 2000 + (i & 255);
    const f = flowFrame(t, i);
    f[24] = 0;
    f[25] = 0;
    t.flowCsum[i] = internetChecksum(f, 14, 20);
  }
  return t;
}

/** Established flow k's packet, written into its template. */
function flowFrame(t: Traffic, k: number): Uint8Array {
  const f = (k & 3) === 0 ? t.get : t.ack;
  const src = t.flowSrc[k]!, port = t.flowPort[k]!, c = t.flowCsum[k]!;
  f[24] = c >>> 8;
  f[25] = c & 0xff;
  f[26] = src >>> 24;
  f[27] = (src >>> 16) & 0xff;
  f[28] = (src >>> 8) & 0xff;
  f[29] = src & 0xff;
  f[34] = port >>> 8;
  f[35] = port & 0xff;
  return f;
}

/** Puts a fresh client port into a SYN template (the tuple is new each time; TCP checksums are not checked on this path). */
function nextSyn(t: Traffic, counter: number): Uint8Array {
  const f = t.syn[counter & (SYN_TEMPLATES - 1)]!;
  const port = 1024 + ((counter >>> 8) % 64000);
  f[34] = port >>> 8;
  f[35] = port & 0xff;
  return f;
}

// ---- the passes ----


/** One pass of `order` (-1: a new flow's SYN, else an established flow's packet) through the engine. */
function enginePass(e: Engine, t: Traffic, order: Int32Array, counter: { n: number }): number {
  return cpuMs(() => {
    for (let i = 0; i < order.length; i++) {
      const k = order[i]!;
      const f = k < 0 ? nextSyn(t, counter.n++) : flowFrame(t, k);
      e.receive(1, f, f.length);
    }
  });
}

/** The same pass through the tight loop (its own copy, so each call site stays monomorphic). */
function tightPass(b: TightLoop, t: Traffic, order: Int32Array, counter: { n: number }): number {
  return cpuMs(() => {
    for (let i = 0; i < order.length; i++) {
      const k = order[i]!;
      const f = k < 0 ? nextSyn(t, counter.n++) : flowFrame(t, k);
      b.receive(f, f.length);
    }
  });
}

function orderOf(packets: number, newEvery: number, flows: number): Int32Array {
  const order = new Int32Array(packets);
  let x = 0x9e3779b9;
  for (let i = 0; i < packets; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    order[i] = newEvery > 0 && i % newEvery === 0 ? -1 : (x >>> 0) % flows;
  }
  return order;
}

/** Alternates engine and tight-loop passes of one order; the best CPU time of each (ms). */
function paired(passes: number, run: (which: 0 | 1) => number): [number, number] {
  run(0);
  run(1);
  let e = Infinity, b = Infinity;
  for (let p = 0; p < passes; p++) {
    e = Math.min(e, run(0));
    b = Math.min(b, run(1));
  }
  return [e, b];
}

export function runFastpathBench(opts: FastpathOptions = {}): FastpathResult {
  const packets = opts.packets ?? 1_000_000;
  const newEvery = opts.newEvery ?? 10;
  const flows = opts.flows ?? 50_000;
  const passes = opts.passes ?? 5;
  const synPackets = Math.max(1, Math.floor(packets / 10));
  const traffic = makeTraffic(packets, newEvery, flows);
  const synOrder = orderOf(synPackets, 1, flows);
  const estOrder = orderOf(packets, 0, flows);
  const newFlows = (Math.ceil(packets / newEvery) + synPackets) * (passes + 1) + flows;

  const clock = new VirtualClock();
  const engine = new Engine(clock, { baseMac: BASE_MAC }, {
    sessionCapacity: Math.max(1 << 16, newFlows + 1024),
    stickyCapacity: 1 << 16,
  });
  const out = new NullPort();
  engine.attach(1, out);
  engine.configure(referenceScenarioConfig());
  engine.setRealHealth('test', 1 as RealId, true, '', false);
  engine.learnNeighbor(ROUTER_IP, ROUTER_MAC, 1);
  const sink = new NullPort();
  let slots = 1;
  while (slots < newFlows * 2) slots *= 2;
  const tight = new TightLoop(slots, ME_IP, RIP, ROUTER_MAC, BASE_MAC, sink);
  // Both open the established flows (their SYNs).
  for (let i = 0; i < flows; i++) {
    const s = flowFrame(traffic, i).slice();
    s[47] = TCP_SYN;
    engine.receive(1, s, s.length);
    tight.receive(s, s.length);
  }
  const eCounter = { n: 0 }, bCounter = { n: 0 };
  const run = (order: Int32Array) => (which: 0 | 1) =>
    which === 0 ? enginePass(engine, traffic, order, eCounter) : tightPass(tight, traffic, order, bCounter);
  const [eMix, bMix] = paired(passes, run(traffic.order));
  const [eSyn, bSyn] = paired(passes, run(synOrder));
  const [eEst, bEst] = paired(passes, run(estOrder));
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  const fast = packets / eMix / 1000, base = packets / bMix / 1000;
  return {
    fastpath_mpps: r3(fast),
    baseline_mpps: r3(base),
    ratio: r3(fast / base),
    new_sessions_per_sec: Math.round(synPackets / (eSyn / 1000)),
    baseline_new_flows_per_sec: Math.round(synPackets / (bSyn / 1000)),
    established_ns: Math.round(eEst * 1e6 / packets),
    baseline_established_ns: Math.round(bEst * 1e6 / packets),
    packets,
    flows,
    new_share: r3(newEvery > 0 ? 1 / newEvery : 0),
    sessions: engine.sessions.size,
    frames_out: out.frames,
    flow_cache_hits: engine.flowCache?.stats.hits ?? 0,
    flow_cache_installs: engine.flowCache?.stats.installs ?? 0,
    flow_cache_evictions: engine.flowCache?.stats.evictions ?? 0,
    baseline_frames_out: sink.frames,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = process.argv[2] ? Number(process.argv[2]) : undefined;
  process.stdout.write(JSON.stringify(runFastpathBench({ packets: n })) + '\n');
}
