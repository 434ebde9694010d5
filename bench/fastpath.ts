// Fast-path benchmark: packets per second through Engine.receive with the reference scenario
// (file 000: VIP 192.168.193.50:80, l3dsr-iptunnel to 192.168.211.150 via the router) and a
// synthetic mix of many flows, new (SYN) and established (ACK), output to a null backend;
// and, in the same run, a naive baseline doing the same job the obvious way (DataView
// parsing, a Map keyed by a 5-tuple string, Buffer.concat for the IP-in-IP copy).
//
//   node dist/bench/fastpath.js [packetsPerPass]

import { pathToFileURL } from 'node:url';
import { defaultConfig, newFilter, newHealthCheck, newPortBoundary, newReal, newSlb } from '../src/config/defaults.js';
import type { FilterId, HcId, PbId, RealId, RunningConfig } from '../src/config/model.js';
import { Engine } from '../src/engine/index.js';
import { ipv4, mac, type Ipv4, type PortNo, type VlanId } from '../src/net/addr.js';
import { buildTcpFrame, TCP_ACK, TCP_SYN } from '../src/packet/index.js';
import type { FrameHandler, PortBackend } from '../src/ports/backend.js';
import { VirtualClock } from '../src/util/clock.js';

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
    vlans: [...d.vlans, { name: 'test', vid: 193 as VlanId, untagged: [1 as PortNo], tagged: [], tbm: false, description: '' }],
    interfaces: [...d.interfaces, { name: 'test', address: { addr: ME_IP, len: 24 }, shutdown: false, rpf: 'default', description: '' }],
    routes: {
      defaultGateway: ROUTER_IP,
      networks: [{ dest: { addr: ipv4('192.168.212.0'), len: 24 }, gateway: ROUTER_IP, priority: 10, hc: null, description: '' }],
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
  passes?: number;
}

export interface FastpathResult {
  fastpath_mpps: number;
  baseline_mpps: number;
  ratio: number;
  packets: number;
  flows: number;
  new_share: number;
  sessions: number;
  frames_out: number;
}

// ---- the synthetic traffic ----

const SYN_TEMPLATES = 256;

interface Traffic {
  /** SYN templates: client 10.0.j.1 (ports are rewritten per use). */
  syn: Buffer[];
  /** One ACK per established flow. */
  ack: Buffer[];
  /** Per packet of a pass: -1 = a new flow, else the index of an established flow's ACK. */
  order: Int32Array;
}

function clientOf(j: number): number {
  return (ipv4('10.0.0.0') + (j << 8) + 1) >>> 0;
}

function makeTraffic(packets: number, newEvery: number, flows: number): Traffic {
  const syn: Buffer[] = [];
  for (let j = 0; j < SYN_TEMPLATES; j++) {
    syn.push(buildTcpFrame({
      dstMac: BASE_MAC, srcMac: ROUTER_MAC, src: clientOf(j), dst: VIP, sport: 1024, dport: 80, seq: 1000, flags: TCP_SYN,
      options: [{ kind: 'mss', value: 1460 }, { kind: 'nop' }, { kind: 'wscale', value: 8 }, { kind: 'nop' }, { kind: 'nop' }, { kind: 'sackOK' }],
    }));
  }
  const ack: Buffer[] = [];
  for (let i = 0; i < flows; i++) {
    ack.push(buildTcpFrame({
      dstMac: BASE_MAC, srcMac: ROUTER_MAC, src: (ipv4('172.16.0.0') + (i >>> 8)) >>> 0, dst: VIP, sport: 2000 + (i & 255), dport: 80,
      seq: 1001, ack: 1, flags: TCP_ACK, window: 255, payload: i % 4 === 0 ? 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' : undefined,
    }));
  }
  const order = new Int32Array(packets);
  let x = 0x9e3779b9;
  for (let i = 0; i < packets; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    order[i] = i % newEvery === 0 ? -1 : (x >>> 0) % flows;
  }
  return { syn, ack, order };
}

/** Puts a fresh client port into a SYN template (the tuple is new each time; TCP checksums are not checked on this path). */
function nextSyn(t: Traffic, counter: number): Buffer {
  const f = t.syn[counter & (SYN_TEMPLATES - 1)]!;
  const port = 1024 + ((counter >>> 8) % 64000);
  f[34] = port >>> 8;
  f[35] = port & 0xff;
  return f;
}

// ---- the engine ----

function runEngine(e: Engine, t: Traffic, counter: { n: number }): number {
  const order = t.order, ack = t.ack;
  const t0 = performance.now();
  for (let i = 0; i < order.length; i++) {
    const k = order[i]!;
    const f = k < 0 ? nextSyn(t, counter.n++) : ack[k]!;
    e.receive(1, f, f.length);
  }
  return performance.now() - t0;
}

// ---- the naive baseline ----

interface NaiveSession {
  rip: number;
  packets: number;
}

function ipHeader(src: number, dst: number, len: number): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(len, 2);
  h[8] = 64;
  h[9] = 4;
  h.writeUInt32BE(src, 12);
  h.writeUInt32BE(dst, 16);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += h.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  h.writeUInt16BE(~sum & 0xffff, 10);
  return h;
}

function runBaseline(t: Traffic, counter: { n: number }, table: Map<string, NaiveSession>, sink: NullPort): number {
  const order = t.order, ack = t.ack;
  const t0 = performance.now();
  for (let i = 0; i < order.length; i++) {
    const k = order[i]!;
    const f = k < 0 ? nextSyn(t, counter.n++) : ack[k]!;
    const dv = new DataView(f.buffer, f.byteOffset, f.length);
    if (dv.getUint16(12) !== 0x0800) continue;
    const ihl = (dv.getUint8(14) & 0x0f) * 4;
    const ipLen = dv.getUint16(16);
    const proto = dv.getUint8(23);
    const src = dv.getUint32(26), dst = dv.getUint32(30);
    if (proto !== 6) continue;
    const sport = dv.getUint16(14 + ihl), dport = dv.getUint16(16 + ihl);
    const flags = dv.getUint8(14 + ihl + 13);
    const key = `${proto}|${src}|${sport}|${dst}|${dport}`;
    let s = table.get(key);
    if (s === undefined) {
      if ((flags & 0x12) !== 0x02) continue;
      s = { rip: RIP, packets: 0 };
      table.set(key, s);
    }
    s.packets++;
    const eth = Buffer.alloc(14);
    eth.writeUIntBE(ROUTER_MAC, 0, 6);
    eth.writeUIntBE(BASE_MAC, 6, 6);
    eth.writeUInt16BE(0x0800, 12);
    const out = Buffer.concat([eth, ipHeader(ME_IP, s.rip, 20 + ipLen), f.subarray(14, 14 + ipLen)]);
    sink.transmit(out, out.length);
  }
  return performance.now() - t0;
}

export function runFastpathBench(opts: FastpathOptions = {}): FastpathResult {
  const packets = opts.packets ?? 1_000_000;
  const newEvery = opts.newEvery ?? 10;
  const flows = opts.flows ?? 50_000;
  const passes = opts.passes ?? 3;
  const traffic = makeTraffic(packets, newEvery, flows);

  const clock = new VirtualClock();
  const engine = new Engine(clock, { baseMac: BASE_MAC }, {
    sessionCapacity: Math.max(1 << 16, flows + Math.ceil(packets / newEvery) * (passes + 2) + 1024),
    stickyCapacity: 1 << 16,
  });
  const out = new NullPort();
  engine.attach(1, out);
  engine.configure(referenceScenarioConfig());
  engine.setRealHealth('test', 1 as RealId, true, '', false);
  engine.learnNeighbor(ROUTER_IP, ROUTER_MAC, 1);
  // Establish the flows the ACKs belong to (their SYNs), then warm up.
  for (let i = 0; i < flows; i++) {
    const a = traffic.ack[i]!;
    const s = Buffer.from(a);
    s[47] = TCP_SYN;
    engine.receive(1, s, s.length);
  }
  const counter = { n: 0 };
  const bCounter = { n: 0 };
  const table = new Map<string, NaiveSession>();
  const sink = new NullPort();
  // Warm-up of both (JIT), then alternate timed passes; best of each.
  runEngine(engine, traffic, counter);
  runBaseline(traffic, bCounter, table, sink);
  let eBest = Infinity, bBest = Infinity;
  for (let p = 0; p < passes; p++) {
    eBest = Math.min(eBest, runEngine(engine, traffic, counter));
    bBest = Math.min(bBest, runBaseline(traffic, bCounter, table, sink));
  }
  const fast = packets / (eBest / 1000) / 1e6;
  const base = packets / (bBest / 1000) / 1e6;
  const r2 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    fastpath_mpps: r2(fast),
    baseline_mpps: r2(base),
    ratio: r2(fast / base),
    packets,
    flows,
    new_share: r2(1 / newEvery),
    sessions: engine.sessions.size,
    frames_out: out.frames,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = process.argv[2] ? Number(process.argv[2]) : undefined;
  process.stdout.write(JSON.stringify(runFastpathBench({ packets: n })) + '\n');
}
