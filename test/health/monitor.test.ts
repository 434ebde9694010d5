import { describe, expect, it } from 'vitest';
import type { HcId, NetworkRoute, RealId } from '../../src/config/model.js';
import { ipv4, type Prefix } from '../../src/net/addr.js';
import { TCP_SYN } from '../../src/packet/tcp.js';
import { LOCAL_RIP, RIP, VIP, config, harness, hc, real, seedConfig, seedServer, slb } from './helpers.js';

const R1 = 1 as RealId;
const R2 = 2 as RealId;
const RIP2 = ipv4('192.168.211.151');

/** Real 1 with check 1 (tcp 80) and check 2 (icmp) under the given condition. */
function twoChecks(condition: 'all' | 'any', g1: 'enable' | 'disable' = 'enable', g2: 'enable' | 'disable' = 'disable') {
  return config({
    hcs: [hc(1, 'tcp', { retry: 1, gracefulShutdown: g1 }), hc(2, 'icmp', { retry: 1, gracefulShutdown: g2 })],
    reals: [real(1, RIP, 80)],
    slbs: [slb('s', [1], [1, 2], { hcCondition: condition })],
  });
}

function synsTo(h: ReturnType<typeof harness>, dst: number): number[] {
  return h.sim.trace.filter((p) => p.dir === 'out' && p.meta.ipDst === dst && p.meta.proto === 6 && p.meta.tcpFlags === TCP_SYN).map((p) => p.at);
}

describe('combining a real\'s checks', () => {
  it('all: down as soon as one check is down, with that check\'s cause and graceful setting', () => {
    const h = harness(twoChecks('all'), [seedServer()]);
    h.advance(100);
    expect(h.mon.realHealth('s', R1)).toMatchObject({ up: true, cause: '' });
    const server = h.sim.host(RIP)!;
    server.tcp.delete(80);
    h.advance(5000);
    expect(h.mon.realHealth('s', R1)).toMatchObject({ up: false, cause: 'rst', graceful: true });
    expect(h.sink.calls.at(-1)).toMatchObject({ key: 's/1', up: false, cause: 'rst', graceful: true });
    server.tcp.set(80, { kind: 'open' });
    h.advance(5000);
    expect(h.mon.realHealth('s', R1)).toMatchObject({ up: true });
    server.icmp = false;
    h.advance(8000);
    expect(h.sink.calls.at(-1)).toMatchObject({ key: 's/1', up: false, cause: 'timeout', graceful: false });
    expect(h.sink.of('s/1').map((c) => c.up)).toEqual([false, true, false, true, false]);
  });

  it('a second check failing while down only updates the cause, keeping the graceful flag of the transition', () => {
    const h = harness(twoChecks('all', 'enable', 'disable'), [seedServer()]);
    h.advance(100);
    const server = h.sim.host(RIP)!;
    server.tcp.delete(80);
    h.advance(5000);
    server.icmp = false;
    h.advance(8000);
    expect(h.sink.of('s/1').slice(-2)).toEqual([
      { at: 5002, kind: 'real', key: 's/1', up: false, cause: 'rst', graceful: true },
      { at: 13_000, kind: 'real', key: 's/1', up: false, cause: 'timeout', graceful: true },
    ]);
    expect(h.mon.realHealth('s', R1)).toEqual({ up: false, cause: 'timeout', graceful: true, since: 5002 });
  });

  it('any: up while one check is up; down when the last goes, with the cause of that one', () => {
    const h = harness(twoChecks('any', 'disable', 'enable'), [seedServer()]);
    h.advance(100);
    const server = h.sim.host(RIP)!;
    server.tcp.delete(80);
    h.advance(5000);
    expect(h.mon.hcResult('s', R1, 1 as HcId).up).toBe(false);
    expect(h.mon.realHealth('s', R1)?.up).toBe(true);
    server.icmp = false;
    h.advance(8000); // probe at 10 s, timeout at 13 s
    expect(h.mon.hcResult('s', R1, 2 as HcId)).toMatchObject({ up: false, cause: 'timeout' });
    expect(h.sink.calls.at(-1)).toMatchObject({ key: 's/1', up: false, cause: 'timeout', graceful: true });
    server.tcp.set(80, { kind: 'open' });
    h.advance(5000);
    expect(h.mon.realHealth('s', R1)?.up).toBe(true);
    // One change per real-level transition: initial down, up, down, up.
    expect(h.sink.of('s/1').map((c) => c.up)).toEqual([false, true, false, true]);
  });

  it('a disabled check does not run and counts as up; an SLB without checks has its reals up at once', () => {
    const cfg = config({
      hcs: [hc(1, 'tcp'), hc(2, 'icmp', { status: 'disable' })],
      reals: [real(1, RIP, 80), real(2, RIP2, 80)],
      slbs: [slb('s', [1], [1, 2]), slb('only-disabled', [1], [2], { vips: [{ addr: ipv4('192.168.193.51'), protocol: 'tcp', vport: 80 }] }),
        slb('none', [2], [], { vips: [{ addr: ipv4('192.168.193.52'), protocol: 'tcp', vport: 80 }] })],
    });
    const h = harness(cfg, [seedServer()]);
    expect(h.sink.calls.filter((c) => c.at === 0)).toEqual([
      { at: 0, kind: 'real', key: 's/1', up: false, cause: 'init', graceful: false },
      { at: 0, kind: 'real', key: 'only-disabled/1', up: true, cause: '', graceful: false },
      { at: 0, kind: 'real', key: 'none/2', up: true, cause: '', graceful: false },
    ]);
    h.advance(20_000);
    expect(h.sim.trace.filter((p) => p.meta.proto === 1)).toEqual([]);
    expect(h.mon.hcResult('s', R1, 2 as HcId)).toEqual({ up: true, rttMs: 0, cause: '' });
    expect(h.mon.hcState(2 as HcId)).toEqual({ up: true });
    expect(h.mon.realHealth('s', R1)?.up).toBe(true);
    expect(h.sim.trace.filter((p) => p.meta.ipDst === RIP2)).toEqual([]);
  });

  it('the same real and check in two SLBs is probed once per interval, reported to both', () => {
    const cfg = config({
      hcs: [hc(1, 'tcp')], reals: [real(1, RIP, 80)],
      slbs: [slb('a', [1], [1]), slb('b', [1], [1], { vips: [{ addr: ipv4('192.168.193.51'), protocol: 'tcp', vport: 80 }] })],
    });
    const h = harness(cfg, [seedServer()]);
    h.advance(20_001);
    expect(synsTo(h, RIP)).toEqual([0, 5000, 10000, 15000, 20000]);
    expect(h.mon.hcResult('a', R1, 1 as HcId).up).toBe(true);
    expect(h.mon.hcResult('b', R1, 1 as HcId).up).toBe(true);
    expect(h.lines()).toEqual([
      'slb a real 1 (192.168.211.150) health-check 1 tcp: down -> up',
      'slb b real 1 (192.168.211.150) health-check 1 tcp: down -> up',
    ]);
  });
});

describe('timing on virtual time', () => {
  it('down within timeout + interval × retry of the server dying, whenever it dies', () => {
    for (let offset = 0; offset < 5000; offset += 250) {
      const h = harness(seedConfig({ timeout: 3, interval: 5, retry: 3 }), [seedServer()]);
      h.advance(10_000 + offset);
      expect(h.mon.hcResult('test', R1, 1 as HcId).up).toBe(true);
      h.sim.host(RIP)!.down = true;
      const died = h.now();
      let downAt = -1;
      while (downAt < 0 && h.now() < died + 60_000) {
        h.advance(50);
        if (h.mon.realHealth('test', R1)?.up === false) downAt = h.now();
      }
      const took = downAt - died;
      expect(took).toBeGreaterThan(2 * 5000);
      expect(took).toBeLessThanOrEqual(3000 + 5000 * 3);
    }
  });

  it('comes back after `recover` successes in a row', () => {
    const h = harness(seedConfig({ retry: 1, recover: 3 }), [seedServer()]);
    h.advance(100);
    const server = h.sim.host(RIP)!;
    server.tcp.delete(80);
    h.advance(5000);
    expect(h.mon.realHealth('test', R1)?.up).toBe(false);
    server.tcp.set(80, { kind: 'open' }); // successes at 10, 15, 20 s
    h.advance(10_000);
    expect(h.mon.realHealth('test', R1)?.up).toBe(false);
    h.advance(5000);
    expect(h.mon.realHealth('test', R1)).toMatchObject({ up: true, since: 20_002 });
  });

  it('a flapping server (every other probe fails) is not taken down with retry 2', () => {
    const h = harness(seedConfig({ retry: 2, recover: 2 }), [seedServer()]);
    h.advance(100);
    const server = h.sim.host(RIP)!;
    for (let i = 0; i < 20; i++) {
      if (i % 2 === 0) server.tcp.delete(80);
      else server.tcp.set(80, { kind: 'open' });
      h.advance(5000);
    }
    expect(h.lines()).toEqual(['slb test real 1 (192.168.211.150) health-check 1 ip-tunnel-tcp: down -> up']);
    expect(h.sink.of('test/1').map((c) => c.up)).toEqual([false, true]);
    expect(h.mon.targets()[0]!.probes).toBe(21);
  });
});

describe('routes bound to a check', () => {
  const GW = ipv4('192.168.193.1');
  const DEST: Prefix = { addr: ipv4('192.168.212.0'), len: 24 };
  const route: NetworkRoute = { dest: DEST, gateway: GW, priority: 10, hc: 7 as HcId, description: '' };
  const cfg = config({ hcs: [hc(7, 'icmp', { retry: 2 })], reals: [], slbs: [], routes: [route] });

  it('probe the gateway; the route is installed when it answers and withdrawn after `retry` failures', () => {
    const h = harness(cfg, [{ addrs: [GW], latencyMs: 1 }]);
    expect(h.sink.calls).toEqual([{ at: 0, kind: 'route', key: '192.168.212.0/24 192.168.193.1', up: false }]);
    expect(h.mon.routeUp('192.168.212.0/24', GW)).toBe(false);
    h.advance(100);
    expect(h.sim.trace[0]!.meta.ipDst).toBe(GW);
    expect(h.mon.routeUp(DEST, GW)).toBe(true);
    expect(h.sink.calls.at(-1)).toEqual({ at: 2, kind: 'route', key: '192.168.212.0/24 192.168.193.1', up: true });
    h.sim.host(GW)!.down = true;
    h.advance(15_000);
    expect(h.mon.routeUp(DEST, GW)).toBe(false);
    expect(h.lines().at(-1)).toBe('route 192.168.212.0/24 gateway 192.168.193.1 health-check 7 icmp: up -> down (timeout)');
    expect(h.mon.hcState(7 as HcId)).toEqual({ up: false });
    // The gateway is on the appliance's network: its MAC was learned.
    expect(h.sim.learned[0]!.ip).toBe(GW);
  });
});

describe('reconfiguration', () => {
  it('keeps the state of targets that persist; new ones start down; removed ones stop', () => {
    const one = config({ hcs: [hc(1, 'tcp')], reals: [real(1, RIP, 80), real(2, RIP2, 80)], slbs: [slb('s', [1], [1])] });
    const h = harness(one, [seedServer(), seedServer({ addrs: [RIP2] })]);
    h.advance(7000);
    expect(h.mon.realHealth('s', R1)).toMatchObject({ up: true, since: 2 });
    const before = h.mon.targets().find((t) => t.dst === RIP)!;

    // Add real 2, change the check's timeout and retry (same target: state kept).
    const two = config({ hcs: [hc(1, 'tcp', { timeout: 2, retry: 5 })], reals: [real(1, RIP, 80), real(2, RIP2, 80)], slbs: [slb('s', [1, 2], [1])] });
    h.mon.configure(two);
    expect(h.sink.calls.slice(-1)).toEqual([{ at: 7000, kind: 'real', key: 's/2', up: false, cause: 'init', graceful: false }]);
    expect(h.mon.realHealth('s', R1)).toMatchObject({ up: true, since: 2 });
    expect(h.mon.hcResult('s', R1, 1 as HcId)).toEqual({ up: true, rttMs: 2, cause: '' });
    h.advance(10_000);
    expect(h.sink.of('s/1')).toHaveLength(2); // initial down + first up, nothing since
    expect(h.mon.realHealth('s', R2)?.up).toBe(true);
    expect(h.mon.targets().find((t) => t.dst === RIP)!.probes).toBeGreaterThan(before.probes);
    // Never two probes of real 1 closer than one interval across the reconfiguration.
    const syns = synsTo(h, RIP);
    for (let i = 1; i < syns.length; i++) expect(syns[i]! - syns[i - 1]!).toBeGreaterThanOrEqual(5000);
    // The new retry applies to the kept state: 5 failures needed now.
    h.sim.host(RIP)!.tcp.delete(80);
    h.advance(20_000);
    expect(h.mon.realHealth('s', R1)?.up).toBe(true);
    h.advance(5000);
    expect(h.mon.realHealth('s', R1)?.up).toBe(false);

    // Another port is another target: it starts over (down until its first result).
    h.sim.host(RIP2)!.tcp.set(8080, { kind: 'open' });
    const port8080 = config({ hcs: [hc(1, 'tcp', { port: 8080 })], reals: [real(1, RIP, 80), real(2, RIP2, 80)], slbs: [slb('s', [2], [1])] });
    h.mon.configure(port8080);
    expect(h.mon.hcResult('s', R2, 1 as HcId)).toEqual({ up: null, rttMs: 0, cause: 'init' });
    expect(h.sink.calls.at(-1)).toMatchObject({ key: 's/2', up: false, cause: 'init' });
    const t = h.now();
    h.advance(5001);
    expect(h.mon.realHealth('s', R2)?.up).toBe(true);
    // Real 1 left the SLB: no more probes to it, nothing left listening for it.
    expect(synsTo(h, RIP).filter((x) => x > t)).toEqual([]);
    expect(h.mon.targets().map((x) => x.dst)).toEqual([RIP2]);
    expect(h.mon.realHealth('s', R1)).toBe(null);
  });

  it('stop drops what is in flight and sends nothing more; start resumes with the state kept', () => {
    const h = harness(seedConfig(), [seedServer()]);
    h.advance(5000.5); // the second probe's SYN is on its way
    h.mon.stop();
    const n = h.sim.trace.length;
    h.advance(30_000);
    expect(h.sim.trace.filter((p) => p.dir === 'out').length).toBe(h.sim.trace.slice(0, n).filter((p) => p.dir === 'out').length);
    expect(h.sim.listenerCount()).toBe(0);
    expect(h.mon.stats().live).toBe(0);
    expect(h.mon.hcResult('test', R1, 1 as HcId).up).toBe(true);
    h.mon.start();
    h.advance(5000);
    // Back on the check's grid (slot 0 of a 5 s interval).
    const resumed = h.sim.trace.filter((p) => p.dir === 'out' && p.at >= 35_000 && p.meta.inner.tcpFlags === TCP_SYN);
    expect(resumed.map((p) => p.at)).toEqual([40_000]);
    expect(h.mon.hcResult('test', R1, 1 as HcId).up).toBe(true);
  });
});

describe('target resolution', () => {
  it('tunnel: Inner TIP + tunnel to DIP ?? RIP; port 0 → rport → vport; plain: TIP ?? RIP', () => {
    const cfg = config({
      hcs: [
        hc(1, 'ip-tunnel-tcp', { innerTip: VIP }),
        hc(2, 'ip-tunnel-udp', { innerTip: VIP, dip: ipv4('10.0.0.9'), port: 161 }),
        hc(3, 'tcp', { tip: LOCAL_RIP }),
        hc(4, 'http'),
      ],
      reals: [real(1, RIP, 0), real(2, RIP2, 8443)],
      slbs: [slb('s', [1, 2], [1, 2, 3, 4], { vips: [{ addr: VIP, protocol: 'tcp', vport: 8080 }] })],
    });
    const h = harness(cfg, [], { start: false });
    const rows = h.mon.targets().map((t) => `${t.hc} ${t.type} ${t.dst} ${t.port} ${t.tunnelTo}`);
    expect(rows).toEqual([
      `1 ip-tunnel-tcp ${VIP} 8080 ${RIP}`,
      `2 ip-tunnel-udp ${VIP} 161 ${ipv4('10.0.0.9')}`,
      `3 tcp ${LOCAL_RIP} 8080 null`,
      `4 http ${RIP} 8080 null`,
      `1 ip-tunnel-tcp ${VIP} 8443 ${RIP2}`,
      `2 ip-tunnel-udp ${VIP} 161 ${ipv4('10.0.0.9')}`,
      `3 tcp ${LOCAL_RIP} 8443 null`,
      `4 http ${RIP2} 8443 null`,
    ].filter((r, i, all) => all.indexOf(r) === i));
  });
});
