import { describe, expect, it } from 'vitest';
import type { HcId, RealId } from '../../src/config/model.js';
import type { SimPacket } from '../../src/health/sim.js';
import { ipv4 } from '../../src/net/addr.js';
import { InnerKind } from '../../src/packet/meta.js';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from '../../src/packet/tcp.js';
import { APPLIANCE, LOCAL_RIP, RIP, VIP, config, harness, hc, real, seedServer, slb } from './helpers.js';

const R1 = 1 as RealId;

function payloadOf(p: SimPacket): string {
  const m = p.meta;
  return Buffer.from(p.frame.subarray(m.payloadOff, m.payloadOff + m.payloadLen)).toString('latin1');
}

describe('http', () => {
  const httpCfg = (over: Parameters<typeof hc>[2] = {}) => config({
    hcs: [hc(4, 'http', { retry: 1, ...over })], reals: [real(1, LOCAL_RIP, 8080)], slbs: [slb('web', [1], [4])],
  });
  const server = (status: number) => ({ addrs: [LOCAL_RIP], tcp: { 8080: { kind: 'http' as const, status } }, latencyMs: 1 });

  it('handshake, GET with Host, status line read, orderly close; up when the status is the expected one', () => {
    const h = harness(httpCfg({ http: { method: 'GET', path: '/health', host: '', expectStatus: 200 } }), [server(200)]);
    h.advance(100);
    const t = h.sim.trace;
    const out = t.filter((p) => p.dir === 'out');
    expect(out.every((p) => p.tunnelTo === null && p.meta.ipDst === LOCAL_RIP && p.meta.dport === 8080)).toBe(true);
    const req = out.find((p) => (p.meta.tcpFlags & TCP_PSH) !== 0)!;
    // Port 0 → the real's rport; Host → the target address when none is configured.
    expect(payloadOf(req)).toMatch(/^GET \/health HTTP\/1\.1\r\nHost: 192\.168\.193\.20\r\n/);
    expect(payloadOf(req).endsWith('\r\n\r\n')).toBe(true);
    expect(t.map((p) => `${p.dir}:${p.meta.tcpFlags}`)).toEqual([
      `out:${TCP_SYN}`, `in:${TCP_SYN | TCP_ACK}`, `out:${TCP_ACK}`, `out:${TCP_PSH | TCP_ACK}`,
      // The server closes right after its answer (Connection: close) while our FIN is on its way:
      // a simultaneous close, each side acknowledging the other's FIN.
      `in:${TCP_PSH | TCP_ACK}`, `out:${TCP_FIN | TCP_ACK}`, `in:${TCP_FIN | TCP_ACK}`, `out:${TCP_ACK}`, `in:${TCP_ACK}`,
    ]);
    expect(h.sim.unclaimed).toBe(0);
    // Response time: to the status line (two round trips of 2 ms).
    expect(h.mon.hcResult('web', R1, 4 as HcId)).toEqual({ up: true, rttMs: 4, cause: '' });
    expect(h.sim.listenerCount()).toBe(0);
    expect(h.sim.host(LOCAL_RIP)!.conns.size).toBe(0);
    // The real is on the appliance's network: its MAC is learned from the answer.
    expect(h.sim.learned[0]).toEqual({ ip: LOCAL_RIP, mac: h.sim.host(LOCAL_RIP)!.mac, port: 1 });
  });

  it('follows the status code', () => {
    const bad = harness(httpCfg(), [server(503)]);
    bad.advance(100);
    expect(bad.mon.hcResult('web', R1, 4 as HcId)).toEqual({ up: false, rttMs: 4, cause: 'http-status-503' });
    const expect503 = harness(httpCfg({ http: { method: 'GET', path: '/', host: '', expectStatus: 503 } }), [server(503)]);
    expect503.advance(100);
    expect(expect503.mon.hcResult('web', R1, 4 as HcId).up).toBe(true);
    // A server that turns bad: down (retry 1) at the next probe.
    const turning = harness(httpCfg(), [server(200)]);
    turning.advance(100);
    expect(turning.mon.hcResult('web', R1, 4 as HcId).up).toBe(true);
    turning.sim.host(LOCAL_RIP)!.tcp.set(8080, { kind: 'http', status: 500 });
    turning.advance(5000);
    expect(turning.mon.hcResult('web', R1, 4 as HcId)).toEqual({ up: false, rttMs: 4, cause: 'http-status-500' });
    expect(turning.lines().at(-1)).toBe('slb web real 1 (192.168.193.20) health-check 4 http: up -> down (http-status-500)');
  });

  it('uses the configured Host and method', () => {
    const h = harness(httpCfg({ http: { method: 'HEAD', path: '/x', host: 'www.example.com', expectStatus: 200 } }), [server(200)]);
    h.advance(100);
    const req = h.sim.trace.find((p) => p.dir === 'out' && (p.meta.tcpFlags & TCP_PSH) !== 0)!;
    expect(payloadOf(req)).toMatch(/^HEAD \/x HTTP\/1\.1\r\nHost: www\.example\.com\r\n/);
    expect(h.mon.hcResult('web', R1, 4 as HcId).up).toBe(true);
  });

  it('a server that closes without answering: http-closed, and the close completes on both sides', () => {
    const h = harness(httpCfg(), [{ addrs: [LOCAL_RIP], tcp: { 8080: { kind: 'close' } }, latencyMs: 1 }]);
    h.advance(100);
    expect(h.mon.hcResult('web', R1, 4 as HcId)).toEqual({ up: false, rttMs: 4, cause: 'http-closed' });
    expect(h.sim.listenerCount()).toBe(0);
    expect(h.sim.host(LOCAL_RIP)!.conns.size).toBe(0);
    expect(h.sim.unclaimed).toBe(0);
    expect(h.mon.stats().live).toBe(0);
    // Our FIN acknowledges the server's; its ACK of ours is the last packet.
    expect(h.sim.trace.at(-1)!.dir).toBe('in');
    expect(h.sim.trace.at(-1)!.meta.tcpFlags).toBe(TCP_ACK);
  });

  it('works when the network answers re-entrantly inside sendIpv4', () => {
    const h = harness(httpCfg(), [server(200)], { sim: { synchronous: true } });
    h.advance(0);
    expect(h.mon.hcResult('web', R1, 4 as HcId)).toEqual({ up: true, rttMs: 0, cause: '' });
    expect(h.sim.listenerCount()).toBe(0);
    expect(h.sim.host(LOCAL_RIP)!.conns.size).toBe(0);
    expect(h.sim.unclaimed).toBe(0);
  });

  it('a closed port is rst, a mute one a timeout', () => {
    const closed = harness(httpCfg(), [{ addrs: [LOCAL_RIP], latencyMs: 1 }]);
    closed.advance(100);
    expect(closed.mon.hcResult('web', R1, 4 as HcId).cause).toBe('rst');
    const mute = harness(httpCfg(), [{ addrs: [LOCAL_RIP], latencyMs: 1, down: true }]);
    mute.advance(3000);
    expect(mute.mon.hcResult('web', R1, 4 as HcId)).toEqual({ up: false, rttMs: 3000, cause: 'timeout' });
  });
});

describe('icmp', () => {
  const icmpCfg = (over: Parameters<typeof hc>[2] = {}, rip = RIP) => config({
    hcs: [hc(5, 'icmp', { retry: 2, ...over })], reals: [real(1, rip, 80)], slbs: [slb('test', [1], [5])],
  });

  it('echo request to the RIP, matching reply = up; the MAC of a real behind the router is not learned', () => {
    const h = harness(icmpCfg(), [seedServer()]);
    h.advance(100);
    const [req, rep] = h.sim.trace as [SimPacket, SimPacket];
    expect(req.meta.proto).toBe(1);
    expect(req.meta.icmpType).toBe(8);
    expect(req.meta.ipSrc).toBe(APPLIANCE);
    expect(req.meta.ipDst).toBe(RIP);
    expect(req.tunnelTo).toBe(null);
    expect(rep.meta.icmpType).toBe(0);
    expect(rep.meta.icmpId).toBe(req.meta.icmpId);
    expect(h.mon.hcResult('test', R1, 5 as HcId)).toEqual({ up: true, rttMs: 2, cause: '' });
    expect(h.sim.learned).toEqual([]);
  });

  it('probes the TIP when set, and learns an on-link real\'s MAC', () => {
    const tip = ipv4('192.168.193.30');
    const h = harness(icmpCfg({ tip }, LOCAL_RIP), [{ addrs: [tip], latencyMs: 1 }]);
    h.advance(100);
    expect(h.sim.trace[0]!.meta.ipDst).toBe(tip);
    expect(h.mon.hcResult('test', R1, 5 as HcId).up).toBe(true);
    expect(h.sim.learned.map((l) => l.ip)).toEqual([tip]);
  });

  it('no answer: timeouts, down after `retry` of them', () => {
    const h = harness(icmpCfg(), [seedServer()]);
    h.advance(100);
    h.sim.host(RIP)!.icmp = false;
    h.advance(7900); // probe at 5 s, deadline at 8 s
    expect(h.mon.hcResult('test', R1, 5 as HcId)).toEqual({ up: true, rttMs: 3000, cause: 'timeout' });
    h.advance(5000);
    expect(h.mon.hcResult('test', R1, 5 as HcId)).toEqual({ up: false, rttMs: 3000, cause: 'timeout' });
    expect(h.sink.calls.at(-1)).toMatchObject({ up: false, cause: 'timeout', at: 13_000 });
  });

  it('no route to the target fails at once with no-route', () => {
    const h = harness(icmpCfg(), [seedServer()]);
    h.sim.unroutable.add(RIP);
    h.advance(100);
    expect(h.sim.trace).toEqual([]);
    expect(h.mon.hcResult('test', R1, 5 as HcId)).toEqual({ up: false, rttMs: 0, cause: 'no-route' });
  });
});

describe('ip-tunnel-icmp', () => {
  it('echo to the Inner TIP inside IP-in-IP to the RIP (or the DIP); the reply comes directly from the VIP', () => {
    const cfg = config({ hcs: [hc(6, 'ip-tunnel-icmp', { innerTip: VIP })], reals: [real(1, RIP, 80)], slbs: [slb('test', [1], [6])] });
    const h = harness(cfg, [seedServer()]);
    h.advance(100);
    const [req, rep] = h.sim.trace as [SimPacket, SimPacket];
    expect(req.tunnelTo).toBe(RIP);
    expect(req.meta.proto).toBe(4);
    expect(req.meta.innerKind).toBe(InnerKind.IPIP);
    expect(req.meta.inner.proto).toBe(1);
    expect(req.meta.inner.icmpType).toBe(8);
    expect(req.meta.inner.ipSrc).toBe(APPLIANCE);
    expect(req.meta.inner.ipDst).toBe(VIP);
    expect(rep.meta.innerKind).toBe(InnerKind.NONE);
    expect(rep.meta.ipSrc).toBe(VIP);
    expect(h.mon.hcResult('test', R1, 6 as HcId)).toEqual({ up: true, rttMs: 2, cause: '' });

    const dip = ipv4('10.10.10.10');
    const viaDip = config({ hcs: [hc(6, 'ip-tunnel-icmp', { innerTip: VIP, dip })], reals: [real(1, RIP, 80)], slbs: [slb('test', [1], [6])] });
    const h2 = harness(viaDip, [seedServer({ addrs: [dip] })]);
    h2.advance(100);
    expect(h2.sim.trace[0]!.tunnelTo).toBe(dip);
    expect(h2.mon.hcResult('test', R1, 6 as HcId).up).toBe(true);
  });

  it('a server without IP-in-IP: ipip-unreachable', () => {
    const cfg = config({ hcs: [hc(6, 'ip-tunnel-icmp', { innerTip: VIP })], reals: [real(1, RIP, 80)], slbs: [slb('test', [1], [6])] });
    const h = harness(cfg, [seedServer({ ipip: false, quote: 'minimal' })]);
    h.advance(100);
    expect(h.mon.hcResult('test', R1, 6 as HcId)).toEqual({ up: false, rttMs: 2, cause: 'ipip-unreachable' });
  });
});
