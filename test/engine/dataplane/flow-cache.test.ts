// The established-flow cache changes nothing anyone can see: the same traffic through an engine
// with the cache and one without gives the same frames out, the same counters, sessions, MAC
// table and expiries, step by step, while the cache really forwards most packets.

import { describe, expect, it } from 'vitest';
import type { RealId } from '../../../src/config/model.js';
import type { Engine, EngineOptions } from '../../../src/engine/index.js';
import { buildTcpFrame, TCP_RST } from '../../../src/packet/index.js';
import type { LabSpec, Rig } from './harness.js';
import { CLIENT, CLIENT_SIDE_MAC, ME, REAL1, REAL1_MAC, REAL2, REAL2_MAC, decode, takeAll } from './harness.js';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN, clientTcp, clientUdp, primedSlbRig } from './frames.js';

/** Everything observable of an engine, as plain data. */
function observe(e: Engine): unknown {
  const t = e.sessions;
  const now = e.clock.now();
  const sessions: unknown[] = [];
  t.forEach((sid) => {
    const { sid: _sid, ...info } = t.info(sid);
    sessions.push({ ...info, expired: t.isExpired(sid, now) });
  });
  return {
    stats: JSON.parse(JSON.stringify(e.stats)),
    ifs: e.ifs.list.map((i) => (i === undefined ? null : { name: i.name, ...i.counters })),
    macs: e.macs.entries(now),
    sessions,
    sessionStats: { ...t.stats },
  };
}

interface Twin {
  cached: Rig;
  plain: Rig;
}

function twin(spec: LabSpec, opts: EngineOptions = {}): Twin {
  const cached = primedSlbRig(spec, opts);
  const plain = primedSlbRig(spec, { ...opts, flowCacheSlots: 0 });
  for (const r of [cached, plain]) {
    r.engine.setRealHealth('web', 1 as RealId, true, '', false);
    r.engine.setRealHealth('web', 2 as RealId, true, '', false);
  }
  takeAll(cached);
  takeAll(plain);
  return { cached, plain };
}

/** Does the same to both, then requires the same frames out and the same state; returns the frames. */
function step(t: Twin, what: (r: Rig) => void): [number, Buffer][] {
  what(t.cached);
  what(t.plain);
  const out = takeAll(t.cached);
  expect(out).toEqual(takeAll(t.plain));
  expect(observe(t.cached.engine)).toEqual(observe(t.plain.engine));
  return out;
}

const send = (port: number, frame: Buffer) => (r: Rig) => r.ports[port]!.inject(frame);
const wait = (ms: number) => (r: Rig) => r.clock.advance(ms);

/** A client connection's packets after the handshake: ACKs and data, `n` of them. */
function talk(t: Twin, sport: number, n: number, over: Parameters<typeof clientTcp>[2] = {}): void {
  for (let i = 0; i < n; i++) {
    step(t, send(1, clientTcp(sport, i % 3 === 0 ? TCP_ACK | TCP_PSH : TCP_ACK, { payload: i % 3 === 0 ? `GET /${i}` : undefined, ...over })));
    step(t, wait(7));
  }
}

const REAL_MACS = new Map<number, number>([[REAL1, REAL1_MAC], [REAL2, REAL2_MAC]]);

/** The handshake; in nat mode the real's SYN/ACK comes back through the appliance. */
function open(t: Twin, sport: number): void {
  const out = step(t, send(1, clientTcp(sport, TCP_SYN)));
  step(t, wait(3));
  if (t.cached.engine.config!.slbs[0]!.natMode === 'nat') {
    const m = decode(out[0]![1]);
    const rip = m.ipDst >>> 0;
    step(t, send(3, buildTcpFrame({
      dstMac: ME, srcMac: REAL_MACS.get(rip)!, src: rip, dst: CLIENT, sport: m.dport, dport: sport, seq: 1, ack: 276011401,
      flags: TCP_SYN | TCP_ACK,
    })));
  }
  step(t, send(1, clientTcp(sport, TCP_ACK)));
}

describe('the established-flow cache', () => {
  for (const natMode of ['l3dsr-iptunnel', 'dsr', 'nat', 'l3dsr-dscp'] as const) {
    it(`${natMode}: connections, data, close and expiry look the same with and without it`, () => {
      const t = twin({ natMode, dscp: 10 });
      for (let c = 0; c < 6; c++) open(t, 40000 + c);
      for (let c = 0; c < 6; c++) talk(t, 40000 + c, 12);
      // One connection closes (FIN goes through the stages), another is reset.
      step(t, send(1, clientTcp(40000, TCP_FIN | TCP_ACK)));
      step(t, send(1, clientTcp(40001, TCP_RST)));
      talk(t, 40002, 5);
      // Idle past the established timeout (600 s) in steps; the sweep runs on the way.
      for (let i = 0; i < 7; i++) step(t, wait(100_000));
      // A packet of an expired session gets a RST in both.
      step(t, send(1, clientTcp(40003, TCP_ACK)));
      expect(t.cached.engine.flowCache!.stats.hits).toBeGreaterThan(50);
    });
  }

  it('keeps a busy session alive though the session record only hears of it at housekeeping', () => {
    const t = twin({ sessionTimeout: 5 });
    open(t, 41000);
    // 40 packets 400 ms apart: 16 s in all, more than three timeouts, never 5 s idle.
    for (let i = 0; i < 40; i++) {
      step(t, send(1, clientTcp(41000, TCP_ACK)));
      step(t, wait(400));
    }
    expect(t.cached.engine.sessions.size).toBe(1);
    const hits = t.cached.engine.flowCache!.stats.hits;
    expect(hits).toBeGreaterThanOrEqual(39);
    // Then idle: it expires in both, at the same moment.
    for (let i = 0; i < 12; i++) step(t, wait(500));
    expect(t.cached.engine.sessions.size).toBe(0);
  });

  it('follows configuration, health and MAC moves as the stages would', () => {
    const t = twin({ natMode: 'dsr' });
    open(t, 42000);
    open(t, 42001);
    talk(t, 42000, 4);
    // A configuration change (the service's sessions stay): decided again, then cached again.
    step(t, (r) => r.engine.configure({ ...r.engine.config!, hostname: 'other' }));
    talk(t, 42000, 4);
    // The flow arrives on port 2, outside VLAN test: dropped by the stages in both.
    step(t, send(2, clientTcp(42000, TCP_ACK)));
    // The router's MAC moves: learned as the L2 stage learns it.
    step(t, send(1, clientTcp(42001, TCP_ACK, { srcMac: CLIENT_SIDE_MAC + 1 })));
    talk(t, 42001, 3);
    // Real 1 goes down: its sessions end and their packets are answered as the stages answer them.
    step(t, (r) => r.engine.setRealHealth('web', 1 as RealId, false, 'test', false));
    talk(t, 42000, 2);
    talk(t, 42001, 2);
    expect(t.cached.engine.flowCache!.stats.hits).toBeGreaterThan(5);
  });

  it('a flow idle past its timeout is not forwarded even before the sweep finds it', () => {
    // Housekeeping once an hour: only the lookups see that a session expired.
    const t = twin({ sessionTimeout: 30 }, { housekeepingMs: 3_600_000 });
    open(t, 46000);
    talk(t, 46000, 4);
    step(t, wait(29_000));
    talk(t, 46000, 2); // still alive: 29 s idle
    step(t, wait(31_000));
    const out = step(t, send(1, clientTcp(46000, TCP_ACK)));
    expect(out.length).toBe(1); // the RST to the client, nothing to the real
    expect(decode(out[0]![1]).tcpFlags & TCP_RST).toBe(TCP_RST);
  });

  it('a closing connection leaves the cache: its last ACKs and its shorter timeout are the stages\' (no sweep)', () => {
    for (const natMode of ['l3dsr-iptunnel', 'nat'] as const) {
      const t = twin({ natMode }, { housekeepingMs: 3_600_000 });
      open(t, 47000);
      talk(t, 47000, 4);
      step(t, send(1, clientTcp(47000, TCP_FIN | TCP_ACK)));
      talk(t, 47000, 2); // ACKs after the FIN
      step(t, wait(61_000)); // past the FIN timeout (60 s), well within the established one
      const out = step(t, send(1, clientTcp(47000, TCP_ACK)));
      expect(out.map(([, f]) => decode(f).tcpFlags & TCP_RST)).toEqual([TCP_RST]);
    }
  });

  it('UDP sessions take it from their second datagram', () => {
    const t = twin({ vips: [{ protocol: 'udp', vport: 53 }], filters: [] });
    for (let i = 0; i < 10; i++) {
      step(t, send(1, clientUdp(5353, { payload: `q${i}` })));
      step(t, wait(10));
    }
    expect(t.cached.engine.flowCache!.stats.hits).toBe(9);
    for (let i = 0; i < 7; i++) step(t, wait(10_000));
  });

  it('a capture on a port sees every packet the cache forwards', () => {
    const t = twin({});
    const seen: Record<string, number> = { in: 0, out: 0 };
    t.cached.engine.setCaptureTap(1, (_p, dir) => { seen[dir]!++; });
    t.cached.engine.setCaptureTap(3, (_p, dir) => { seen[dir]!++; });
    open(t, 43000);
    const before = { ...seen };
    talk(t, 43000, 10);
    expect(seen.in! - before.in!).toBe(10);
    expect(seen.out! - before.out!).toBe(10); // IP-in-IP to real 1, out of port 3
    expect(t.cached.engine.flowCache!.stats.hits).toBeGreaterThanOrEqual(9);
  });

  it('sessions cleared by the operator take their cached flows with them', () => {
    const t = twin({});
    open(t, 44000);
    talk(t, 44000, 3);
    step(t, (r) => { r.engine.runtime.clearSessions(); });
    step(t, send(1, clientTcp(44000, TCP_ACK))); // no session: a RST in both
    expect(t.cached.engine.flowCache!.size).toBe(0);
  });

  it('reals on another VLAN and ports stay right: flows to two reals', () => {
    const t = twin({ natMode: 'nat', reals: [{ id: 1, rip: REAL1 }, { id: 2, rip: REAL2 }] });
    for (let c = 0; c < 4; c++) open(t, 45000 + c);
    for (let c = 0; c < 4; c++) talk(t, 45000 + c, 6);
    expect(t.cached.engine.flowCache!.stats.hits).toBeGreaterThan(15);
  });
});
