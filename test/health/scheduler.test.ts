import { describe, expect, it } from 'vitest';
import type { HcId, RealConfig, RealId } from '../../src/config/model.js';
import { HealthMonitor } from '../../src/health/monitor.js';
import type { ProbeIo } from '../../src/health/probe-io.js';
import { ProbeScheduler } from '../../src/health/probe-scheduler.js';
import { SimNet } from '../../src/health/sim.js';
import type { Ipv4 } from '../../src/net/addr.js';
import { TCP_SYN } from '../../src/packet/tcp.js';
import { VirtualClock, type Clock, type Timer } from '../../src/util/clock.js';
import { EventLog } from '../../src/util/event-log.js';
import { APPLIANCE_NET, RIP, config, harness, hc, real, RecordingSink, seedConfig, seedServer, slb } from './helpers.js';

const BASE = 0x0a000000; // 10.0.0.0: reals 10.0.x.y behind the router

function manyReals(n: number): RealConfig[] {
  return Array.from({ length: n }, (_, i) => real(i + 1, (BASE + i + 1) as Ipv4, 80));
}

function synTimesByDst(sim: SimNet): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (const p of sim.trace) {
    if (p.dir !== 'out' || p.meta.proto !== 6 || p.meta.tcpFlags !== TCP_SYN) continue;
    const l = m.get(p.meta.ipDst) ?? [];
    l.push(p.at);
    m.set(p.meta.ipDst, l);
  }
  return m;
}

/** A clock whose timers fire late by a pseudo-random 0-40 ms (a loaded event loop). */
class LateClock implements Clock {
  private x = 12345;
  constructor(readonly inner: VirtualClock) {}
  now(): number { return this.inner.now(); }
  wallNow(): number { return this.inner.wallNow(); }
  setTimeout(fn: () => void, ms: number): Timer {
    this.x = (this.x * 1103515245 + 12345) >>> 0;
    return this.inner.setTimeout(fn, ms + (this.x % 41));
  }
  setInterval(fn: () => void, ms: number): Timer { return this.inner.setInterval(fn, ms); }
}

describe('scheduler', () => {
  it('spreads the probes of one check evenly over its interval, at fixed rate', () => {
    const cfg = config({ hcs: [hc(1, 'tcp')], reals: manyReals(10), slbs: [slb('s', [...Array(10).keys()].map((i) => i + 1), [1])] });
    const h = harness(cfg, manyReals(10).map((r) => ({ addrs: [r.rip!], tcp: { 80: { kind: 'open' as const } } })));
    h.advance(99_999);
    const byDst = synTimesByDst(h.sim);
    expect(byDst.size).toBe(10);
    for (let i = 0; i < 10; i++) {
      const times = byDst.get(BASE + i + 1)!;
      expect(times).toEqual(Array.from({ length: 20 }, (_, k) => i * 500 + k * 5000));
    }
    expect(h.mon.stats().worstLatenessMs).toBe(0);
  });

  it('handles 10,000 targets: each probed once per interval, evenly spread, no backlog', () => {
    const n = 10_000;
    const reals = manyReals(n);
    const cfg = config({ hcs: [hc(1, 'tcp', { interval: 1, timeout: 1 })], reals, slbs: [slb('s', reals.map((r) => r.id), [1])] });
    const h = harness(cfg, reals.map((r) => ({ addrs: [r.rip!], tcp: { 80: { kind: 'open' as const } } })), { sim: { record: false } });
    h.advance(3000);
    const st = h.mon.stats();
    expect(st.probes).toBe(3 * n + 1); // slot 0 fires again at exactly 3 s
    // The last few (sent within the round trip before 3 s) are still on their way.
    expect(st.successes + st.outstanding).toBe(st.probes);
    expect(st.outstanding).toBeLessThan(10);
    expect(st.failures).toBe(0);
    expect(st.worstLatenessMs).toBe(0);
    expect(st.live).toBeLessThan(n / 100); // ~ a few ms worth of probes in flight
    const per100ms = new Map<number, number>();
    for (const t of h.mon.targets()) {
      expect(t.up).toBe(true);
      expect(t.probes).toBeGreaterThanOrEqual(3);
      const slot = Math.floor((t.nextDueMs % 1000) / 100);
      per100ms.set(slot, (per100ms.get(slot) ?? 0) + 1);
    }
    expect([...per100ms.values()]).toEqual(Array(10).fill(n / 10));
  });

  it('never drifts: late timers delay a probe but not the ones after it', () => {
    const clock = new VirtualClock();
    const late = new LateClock(clock);
    const sim = new SimNet({ interfaces: [APPLIANCE_NET], clock });
    const cfg = config({ hcs: [hc(1, 'tcp', { interval: 1, timeout: 1 })], reals: manyReals(4), slbs: [slb('s', [1, 2, 3, 4], [1])] });
    for (const r of manyReals(4)) sim.addHost({ addrs: [r.rip!], tcp: { 80: { kind: 'open' } } });
    const io: ProbeIo = {
      clock: late,
      sourceFor: (d) => sim.sourceFor(d),
      sendIpv4: (p, l, t) => sim.sendIpv4(p, l, t),
      listen: (f, hnd) => sim.listen(f, hnd),
      learnNeighbor: (ip, mac, port) => sim.learnNeighbor(ip, mac, port),
    };
    const mon = new HealthMonitor(io, new RecordingSink(() => clock.now()), new EventLog(clock), { seed: 1 });
    mon.configure(cfg);
    mon.start();
    clock.advance(200_000);
    const byDst = synTimesByDst(sim);
    let worst = 0;
    for (let i = 0; i < 4; i++) {
      const times = byDst.get(BASE + i + 1)!;
      expect(times.length).toBeGreaterThanOrEqual(195);
      times.forEach((t, k) => {
        const grid = i * 250 + k * 1000;
        expect(t - grid).toBeGreaterThanOrEqual(0);
        expect(t - grid).toBeLessThanOrEqual(40);
        worst = Math.max(worst, t - grid);
      });
    }
    expect(worst).toBeGreaterThan(0);
    expect(mon.stats().worstLatenessMs).toBe(worst);
    expect(mon.stats().failures).toBe(0);
  });

  it('a probe still outstanding when the next is due counts as a timeout first', () => {
    // timeout 10 s > interval 2 s (the validator refuses it; the monitor copes anyway).
    const h = harness(seedConfig({ timeout: 10, interval: 2, retry: 3 }), [seedServer()]);
    h.advance(1000);
    expect(h.mon.realHealth('test', 1 as RealId)?.up).toBe(true);
    h.sim.host(RIP)!.down = true;
    h.advance(5000); // probes at 2, 4, 6 s: the ones from 2 and 4 s counted at 4 and 6 s
    let t = h.mon.targets()[0]!;
    expect(t.failRun).toBe(2);
    expect(t.rttMs).toBe(2000);
    expect(t.cause).toBe('timeout');
    h.advance(2000); // 8 s: the third failure → down, long before any 10 s deadline
    expect(h.mon.realHealth('test', 1 as RealId)).toMatchObject({ up: false, cause: 'timeout', since: 8000 });
    h.advance(20_000);
    t = h.mon.targets()[0]!;
    // One result per probe: all probes since 2 s failed except the one still out.
    expect(t.failRun).toBe(t.probes - 1 - 1);
    expect(h.mon.stats().outstanding).toBe(1);
  });

  it('ProbeScheduler: entries run in time order, removable, one clock timer armed at a time', () => {
    const clock = new VirtualClock();
    let timers = 0;
    const counting: Clock = {
      now: () => clock.now(), wallNow: () => clock.wallNow(), setInterval: (f, ms) => clock.setInterval(f, ms),
      setTimeout: (f, ms) => { timers++; return clock.setTimeout(f, ms); },
    };
    const s = new ProbeScheduler(counting);
    s.start();
    const fired: string[] = [];
    const e3 = s.at(30, () => fired.push('c'));
    s.at(10, () => fired.push('a'));
    s.at(20, () => fired.push('b'));
    s.at(10, () => fired.push('a2'));
    s.remove(e3);
    expect(timers).toBe(2); // armed for 30, then re-armed for 10
    clock.advance(100);
    expect(fired).toEqual(['a', 'a2', 'b']);
    expect(s.size).toBe(0);
  });
});

describe('source ports', () => {
  it('are random within the range and never one already in use; none free → no-free-port', () => {
    const reals = manyReals(4);
    // Timeout = interval: every probe to a dead host is outstanding for a whole interval, so 4 at once.
    const cfg = config({ hcs: [hc(1, 'tcp', { interval: 4, timeout: 4 })], reals, slbs: [slb('s', [1, 2, 3, 4], [1])] });
    const h = harness(cfg, reals.map((r) => ({ addrs: [r.rip!], down: true })), { mon: { portRange: [40000, 40002] } });
    h.advance(3500);
    const syns = h.sim.trace.filter((p) => p.dir === 'out');
    expect(syns.map((p) => p.at)).toEqual([0, 1000, 2000]);
    const ports = syns.map((p) => p.meta.sport);
    expect(new Set(ports).size).toBe(3);
    for (const p of ports) expect(p >= 40000 && p <= 40002).toBe(true);
    // The fourth target finds all three in use.
    expect(h.mon.hcResult('s', 4 as RealId, 1 as HcId)).toEqual({ up: false, rttMs: 0, cause: 'no-free-port' });
    // At 4 s the first probe times out and frees its port for the next one.
    h.advance(1000);
    const next = h.sim.trace.filter((p) => p.dir === 'out').at(-1)!;
    expect(next.at).toBe(4000);
    expect(next.meta.sport).toBe(ports[0]);
  });
});

describe('hcState', () => {
  it('is null before any result, then false when any target of the check is down', () => {
    const reals = manyReals(2);
    const cfg = config({ hcs: [hc(1, 'tcp', { retry: 1 })], reals, slbs: [slb('s', [1, 2], [1])] });
    const h = harness(cfg, [{ addrs: [reals[0]!.rip!], tcp: { 80: { kind: 'open' } } }, { addrs: [reals[1]!.rip!] }]);
    expect(h.mon.hcState(1 as HcId)).toEqual({ up: null });
    h.advance(1);
    expect(h.mon.hcState(1 as HcId)).toEqual({ up: true });
    h.advance(3000);
    expect(h.mon.hcState(1 as HcId)).toEqual({ up: false });
  });
});
