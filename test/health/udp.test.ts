import { describe, expect, it } from 'vitest';
import type { HcId, RealId } from '../../src/config/model.js';
import { buildIcmpErrorFrame } from '../../src/packet/build.js';
import { InnerKind } from '../../src/packet/meta.js';
import { APPLIANCE, RIP, VIP, config, harness, hc, real, seedServer, slb } from './helpers.js';

const R1 = 1 as RealId;
const H2 = 2 as HcId;

function tunnelUdp(over: Parameters<typeof hc>[2] = {}) {
  return config({ hcs: [hc(2, 'ip-tunnel-udp', { innerTip: VIP, port: 161, ...over })], reals: [real(1, RIP, 80)], slbs: [slb('test', [1], [2])] });
}

describe('ip-tunnel-udp', () => {
  it('sends an empty datagram to Inner-TIP:161 inside IP-in-IP to the RIP (62 bytes on the wire)', () => {
    const h = harness(tunnelUdp(), [seedServer()]);
    h.advance(10_001);
    const out = h.sim.trace.filter((p) => p.dir === 'out');
    expect(out.map((p) => p.at)).toEqual([0, 5000, 10000]);
    for (const p of out) {
      expect(p.frame.length).toBe(62);
      expect(p.tunnelTo).toBe(RIP);
      expect(p.meta.proto).toBe(4);
      expect(p.meta.ipSrc).toBe(APPLIANCE);
      expect(p.meta.ipDst).toBe(RIP);
      expect(p.meta.innerKind).toBe(InnerKind.IPIP);
      const u = p.meta.inner;
      expect(u.proto).toBe(17);
      expect(u.ipSrc).toBe(APPLIANCE);
      expect(u.ipDst).toBe(VIP);
      expect(u.dport).toBe(161);
      expect(u.sport).toBeGreaterThanOrEqual(1024);
      expect(u.udpLen).toBe(8);
      expect(u.payloadLen).toBe(0);
      expect(u.l4Checksum).not.toBe(0);
    }
    expect(new Set(out.map((p) => p.meta.inner.sport)).size).toBe(3);
    // snmpd ignores an empty datagram: silence counts as up, decided at the timeout.
    expect(h.sim.trace.filter((p) => p.dir === 'in')).toEqual([]);
    expect(h.mon.hcResult('test', R1, H2)).toEqual({ up: true, rttMs: 3000, cause: '' });
    expect(h.sink.of('test/1').map((c) => [c.at, c.up])).toEqual([[0, false], [3000, true]]);
  });

  it('goes down on ICMP port unreachable (from the VIP, quoting the inner datagram) after `retry` failures', () => {
    const h = harness(tunnelUdp({ retry: 2 }), [seedServer()]);
    h.advance(4000);
    expect(h.mon.hcResult('test', R1, H2).up).toBe(true);
    h.sim.host(RIP)!.udp.delete(161);
    h.advance(1003); // probe at 5 s, answer at 5.002 s
    const err = h.sim.trace.find((p) => p.dir === 'in')!;
    expect(err.meta.icmpType).toBe(3);
    expect(err.meta.icmpCode).toBe(3);
    expect(err.meta.ipSrc).toBe(VIP);
    expect(err.meta.inner.proto).toBe(17);
    expect(err.meta.inner.dport).toBe(161);
    expect(h.mon.hcResult('test', R1, H2)).toEqual({ up: true, rttMs: 2, cause: 'port-unreachable' });
    h.advance(5000);
    expect(h.mon.hcResult('test', R1, H2)).toEqual({ up: false, rttMs: 2, cause: 'port-unreachable' });
    expect(h.sink.calls.at(-1)).toMatchObject({ key: 'test/1', up: false, cause: 'port-unreachable', at: 10_002 });
    expect(h.lines().at(-1)).toBe('slb test real 1 (192.168.211.150) health-check 2 ip-tunnel-udp: up -> down (port-unreachable)');
    expect(h.sim.listenerCount()).toBe(0);
  });

  it('down on protocol 4 unreachable when the server has no IP-in-IP', () => {
    const h = harness(tunnelUdp(), [seedServer({ ipip: false })]);
    h.advance(100);
    expect(h.mon.hcResult('test', R1, H2)).toEqual({ up: false, rttMs: 2, cause: 'ipip-unreachable' });
  });

  it('with a reply required, silence is a timeout and an answer is up', () => {
    const silent = harness(tunnelUdp({ udpReplyRequired: true }), [seedServer()]);
    silent.advance(3000);
    expect(silent.mon.hcResult('test', R1, H2)).toEqual({ up: false, rttMs: 3000, cause: 'timeout' });
    const answering = harness(tunnelUdp({ udpReplyRequired: true }), [seedServer({ udp: { 161: 'reply' } })]);
    answering.advance(100);
    expect(answering.mon.hcResult('test', R1, H2)).toEqual({ up: true, rttMs: 2, cause: '' });
    const reply = answering.sim.trace.find((p) => p.dir === 'in')!;
    expect(reply.meta.ipSrc).toBe(VIP);
    expect(reply.meta.sport).toBe(161);
  });
});

describe('udp', () => {
  const cfg = config({ hcs: [hc(3, 'udp', { port: 53, retry: 1 })], reals: [real(1, RIP, 80)], slbs: [slb('test', [1], [3])] });

  it('plain datagram to the RIP; port unreachable quoting our ports means down, a quote of other ports is ignored', () => {
    const h = harness(cfg, [seedServer({ down: true })]);
    h.advance(1);
    const probe = h.sim.trace[0]!;
    expect(probe.tunnelTo).toBe(null);
    expect(probe.meta.proto).toBe(17);
    expect(probe.meta.ipDst).toBe(RIP);
    expect(probe.meta.dport).toBe(53);
    expect(probe.meta.payloadLen).toBe(0);
    // Someone else's datagram (another source port) being unreachable says nothing about ours.
    const other = new Uint8Array(probe.frame);
    other[14 + 20] = other[14 + 20]! ^ 0x40;
    h.sim.toAppliance(buildIcmpErrorFrame({ src: RIP, dst: APPLIANCE, type: 3, code: 3, original: other }));
    expect(h.mon.hcResult('test', R1, 3 as HcId).up).toBe(null);
    h.sim.toAppliance(buildIcmpErrorFrame({ src: RIP, dst: APPLIANCE, type: 3, code: 3, original: probe.frame }));
    expect(h.mon.hcResult('test', R1, 3 as HcId)).toEqual({ up: false, rttMs: 1, cause: 'port-unreachable' });
  });

  it('a host unreachable from a router counts too', () => {
    const h = harness(cfg, [seedServer({ down: true })]);
    h.advance(1);
    const probe = h.sim.trace[0]!;
    h.sim.toAppliance(buildIcmpErrorFrame({ src: 0xc0a8c101, dst: APPLIANCE, type: 3, code: 1, original: probe.frame }));
    expect(h.mon.hcResult('test', R1, 3 as HcId).cause).toBe('host-unreachable');
  });
});
