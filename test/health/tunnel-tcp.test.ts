import { describe, expect, it } from 'vitest';
import type { RealId, HcId } from '../../src/config/model.js';
import type { SimPacket } from '../../src/health/sim.js';
import { SIM_APPLIANCE_MAC, SIM_ROUTER_MAC } from '../../src/health/sim.js';
import { readU32 } from '../../src/packet/bytes.js';
import { buildIcmpErrorFrame, buildIpipFrame, buildTcpFrame } from '../../src/packet/build.js';
import { InnerKind, type IpMeta } from '../../src/packet/meta.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../../src/packet/tcp.js';
import { APPLIANCE, RIP, VIP, harness, seedConfig, seedServer } from './helpers.js';

const R1 = 1 as RealId;
const H1 = 1 as HcId;

/** The TCP segment of a traced packet: the inner one for tunnelled packets. */
function tcpOf(p: SimPacket): IpMeta {
  return p.meta.innerKind === InnerKind.IPIP ? p.meta.inner : p.meta;
}

/** Raw TCP option bytes of a traced segment. */
function optionBytes(p: SimPacket): number[] {
  const m = tcpOf(p);
  return [...p.frame.subarray(m.l4Off + 20, m.l4Off + m.tcpDataOffset * 4)];
}

function flagsOf(p: SimPacket): number {
  return tcpOf(p).tcpFlags;
}

describe('ip-tunnel-tcp: the exchange of seed 000', () => {
  it('SYN in the tunnel, SYN/ACK direct, ACK and FIN/ACK in the tunnel, FIN/ACK, last ACK', () => {
    const h = harness(seedConfig(), [seedServer()]);
    h.advance(100);
    const t = h.sim.trace;
    expect(t.map((p) => `${p.dir}:${flagsOf(p).toString(16)}`)).toEqual([
      `out:${TCP_SYN.toString(16)}`,
      `in:${(TCP_SYN | TCP_ACK).toString(16)}`,
      `out:${TCP_ACK.toString(16)}`,
      `out:${(TCP_FIN | TCP_ACK).toString(16)}`,
      `in:${(TCP_FIN | TCP_ACK).toString(16)}`,
      `out:${TCP_ACK.toString(16)}`,
    ]);
    const [syn, synAck, ack, fin, peerFin, lastAck] = t as [SimPacket, SimPacket, SimPacket, SimPacket, SimPacket, SimPacket];

    // Every outgoing packet: IP-in-IP from the appliance to the RIP, inner appliance → VIP:80.
    for (const p of [syn, ack, fin, lastAck]) {
      expect(p.tunnelTo).toBe(RIP);
      expect(p.meta.proto).toBe(4);
      expect(p.meta.ipSrc).toBe(APPLIANCE);
      expect(p.meta.ipDst).toBe(RIP);
      expect(p.meta.innerKind).toBe(InnerKind.IPIP);
      expect(p.meta.srcMac).toBe(SIM_APPLIANCE_MAC);
      const m = tcpOf(p);
      expect(m.ipSrc).toBe(APPLIANCE);
      expect(m.ipDst).toBe(VIP);
      expect(m.dport).toBe(80);
      expect(m.sport).toBe(tcpOf(syn).sport);
    }
    // The answers come back directly (not encapsulated) from VIP:80.
    for (const p of [synAck, peerFin]) {
      expect(p.meta.innerKind).toBe(InnerKind.NONE);
      expect(p.meta.proto).toBe(6);
      expect(p.meta.ipSrc).toBe(VIP);
      expect(p.meta.ipDst).toBe(APPLIANCE);
      expect(p.meta.sport).toBe(80);
      expect(p.meta.dport).toBe(tcpOf(syn).sport);
      expect(p.meta.srcMac).toBe(SIM_ROUTER_MAC);
    }

    const s = tcpOf(syn);
    expect(s.sport).toBeGreaterThanOrEqual(1024);
    expect(s.window).toBe(64240);
    expect(s.ack).toBe(0);
    expect(s.payloadLen).toBe(0);
    // mss 1460,sackOK,TS val x ecr 0,nop,wscale 8 — in that order.
    const o = optionBytes(syn);
    expect(o.slice(0, 8)).toEqual([2, 4, 0x05, 0xb4, 4, 2, 8, 10]);
    expect(o.slice(12, 20)).toEqual([0, 0, 0, 0, 1, 3, 3, 8]);
    expect(o.length).toBe(20);
    expect(s.tsEcr).toBe(0);
    expect(s.dontFragment).toBe(true);

    const sa = tcpOf(synAck);
    expect(sa.ack).toBe((s.seq + 1) >>> 0);
    expect(sa.tsEcr).toBe(s.tsVal);

    const a = tcpOf(ack);
    expect(a.seq).toBe((s.seq + 1) >>> 0);
    expect(a.ack).toBe((sa.seq + 1) >>> 0);
    expect(a.window).toBe(251);
    expect(optionBytes(ack).slice(0, 2)).toEqual([1, 1]);
    expect(optionBytes(ack)[2]).toBe(8);
    expect(a.tsEcr).toBe(sa.tsVal);
    expect(a.payloadLen).toBe(0);

    const f = tcpOf(fin);
    expect(f.seq).toBe((s.seq + 1) >>> 0);
    expect(f.ack).toBe((sa.seq + 1) >>> 0);
    expect(f.window).toBe(251);

    const pf = tcpOf(peerFin);
    expect(pf.seq).toBe((sa.seq + 1) >>> 0);
    expect(pf.ack).toBe((s.seq + 2) >>> 0);

    const la = tcpOf(lastAck);
    expect(la.seq).toBe((s.seq + 2) >>> 0);
    expect(la.ack).toBe((sa.seq + 2) >>> 0);
    expect(la.tsEcr).toBe(pf.tsVal);

    // Round trip 2 × 1 ms; the check is up and the connection is gone on both sides.
    expect(h.mon.hcResult('test', R1, H1)).toEqual({ up: true, rttMs: 2, cause: '' });
    expect(h.sim.listenerCount()).toBe(0);
    expect(h.sim.host(RIP)!.conns.size).toBe(0);
    expect(h.sim.unclaimed).toBe(0);
    expect(h.mon.stats().live).toBe(0);
  });

  it('reports up to the sink and the log, with a fresh source port every probe', () => {
    const h = harness(seedConfig(), [seedServer()]);
    expect(h.sink.calls).toEqual([{ at: 0, kind: 'real', key: 'test/1', up: false, cause: 'init', graceful: false }]);
    h.advance(20_001);
    expect(h.sink.calls.slice(1)).toEqual([{ at: 2, kind: 'real', key: 'test/1', up: true, cause: '', graceful: false }]);
    expect(h.lines()).toEqual(['slb test real 1 (192.168.211.150) health-check 1 ip-tunnel-tcp: down -> up']);
    const syns = h.sim.trace.filter((p) => p.dir === 'out' && flagsOf(p) === TCP_SYN);
    expect(syns.map((p) => p.at)).toEqual([0, 5000, 10000, 15000, 20000]);
    const ports = syns.map((p) => tcpOf(p).sport);
    expect(new Set(ports).size).toBe(5);
    for (const port of ports) expect(port).toBeGreaterThanOrEqual(1024);
    const isns = syns.map((p) => tcpOf(p).seq);
    expect(new Set(isns).size).toBe(5);
  });

  it('a RST answer (port closed) takes the real down after `retry` failures', () => {
    const h = harness(seedConfig({ retry: 3 }), [seedServer()]);
    h.advance(1000);
    expect(h.mon.hcResult('test', R1, H1).up).toBe(true);
    h.sim.host(RIP)!.tcp.delete(80);
    h.advance(5000); // probe at 5 s: RST, 1st failure
    const rst = h.sim.trace.filter((p) => p.dir === 'in' && (flagsOf(p) & TCP_RST) !== 0);
    expect(rst).toHaveLength(1);
    expect(tcpOf(rst[0]!).ack).toBe((tcpOf(h.sim.trace.filter((p) => p.dir === 'out').at(-1)!).seq + 1) >>> 0);
    expect(h.mon.hcResult('test', R1, H1)).toEqual({ up: true, rttMs: 2, cause: 'rst' });
    h.advance(5000); // 10 s: 2nd failure
    expect(h.mon.hcResult('test', R1, H1).up).toBe(true);
    expect(h.sink.calls.filter((c) => !c.up && c.cause === 'rst')).toEqual([]);
    h.advance(5000); // 15 s: 3rd failure → down
    expect(h.mon.hcResult('test', R1, H1)).toEqual({ up: false, rttMs: 2, cause: 'rst' });
    expect(h.sink.calls.at(-1)).toEqual({ at: 15002, kind: 'real', key: 'test/1', up: false, cause: 'rst', graceful: false });
    expect(h.lines().at(-1)).toBe('slb test real 1 (192.168.211.150) health-check 1 ip-tunnel-tcp: up -> down (rst)');
    // After a RST nothing else is sent for that probe (no ACK, no FIN).
    const after = h.sim.trace.filter((p) => p.at >= 15000);
    expect(after.map((p) => `${p.dir}:${flagsOf(p)}`)).toEqual([`out:${TCP_SYN}`, `in:${TCP_RST | TCP_ACK}`]);
    // Port reopened: recover 0 → the first success brings it back.
    h.sim.host(RIP)!.tcp.set(80, { kind: 'open' });
    h.advance(5000);
    expect(h.mon.hcResult('test', R1, H1).up).toBe(true);
    expect(h.lines().at(-1)).toBe('slb test real 1 (192.168.211.150) health-check 1 ip-tunnel-tcp: down -> up');
  });

  it('a server without IP-in-IP answers protocol 4 unreachable: down with cause ipip-unreachable', () => {
    for (const quote of ['linux', 'minimal'] as const) {
      const h = harness(seedConfig({ retry: 1 }), [seedServer({ ipip: false, quote })]);
      h.advance(100);
      const icmp = h.sim.trace.find((p) => p.dir === 'in')!;
      expect(icmp.meta.proto).toBe(1);
      expect(icmp.meta.icmpType).toBe(3);
      expect(icmp.meta.icmpCode).toBe(2);
      expect(icmp.meta.ipSrc).toBe(RIP);
      expect(icmp.meta.inner.proto).toBe(4);
      expect(icmp.meta.inner.ipDst).toBe(RIP);
      expect(h.mon.hcResult('test', R1, H1)).toEqual({ up: false, rttMs: 2, cause: 'ipip-unreachable' });
      expect(h.sim.listenerCount()).toBe(0);
      // Initially down: the first failure is no state change (nothing logged), only a new cause.
      expect(h.sink.calls).toEqual([
        { at: 0, kind: 'real', key: 'test/1', up: false, cause: 'init', graceful: false },
        { at: 2, kind: 'real', key: 'test/1', up: false, cause: 'ipip-unreachable', graceful: false },
      ]);
      expect(h.mon.realHealth('test', R1)).toEqual({ up: false, cause: 'ipip-unreachable', graceful: false, since: 0 });
      expect(h.lines()).toEqual([]);
    }
  });

  it('ignores ICMP errors that quote somebody else\'s tunnel packet, and times out', () => {
    const h = harness(seedConfig(), [seedServer({ down: true })]);
    h.advance(1);
    const syn = h.sim.trace[0]!;
    // Same outer header (to the RIP) but another inner IP identification.
    const forged = new Uint8Array(syn.frame);
    const idOff = 14 + 20 + 4;
    forged[idOff] = forged[idOff]! ^ 0xff;
    h.sim.toAppliance(buildIcmpErrorFrame({ src: RIP, dst: APPLIANCE, type: 3, code: 2, original: forged, quoteLen: 28 }));
    expect(h.mon.hcResult('test', R1, H1).up).toBe(null);
    h.advance(3000);
    expect(h.mon.hcResult('test', R1, H1)).toEqual({ up: false, rttMs: 3000, cause: 'timeout' });
    // The genuine quote of the next probe is recognised.
    h.advance(2000);
    const syn2 = h.sim.trace.filter((p) => p.dir === 'out').at(-1)!;
    h.sim.toAppliance(buildIcmpErrorFrame({ src: RIP, dst: APPLIANCE, type: 3, code: 2, original: syn2.frame, quoteLen: 28 }));
    expect(h.mon.hcResult('test', R1, H1)).toEqual({ up: false, rttMs: 1, cause: 'ipip-unreachable' });
  });

  it('no answer within the timeout is a failure, and the real goes down within timeout + interval × retry', () => {
    const h = harness(seedConfig({ timeout: 3, interval: 5, retry: 3 }), [seedServer()]);
    h.advance(1000);
    // The server dies right after the probe at 0 s succeeded (the worst case).
    h.sim.host(RIP)!.down = true;
    const died = h.now();
    let downAt = -1;
    for (let i = 0; i < 30_000 && downAt < 0; i += 10) {
      h.advance(10);
      if (h.mon.hcResult('test', R1, H1).up === false) downAt = h.now();
    }
    expect(downAt).toBeGreaterThan(died);
    expect(downAt - 0).toBeLessThanOrEqual(3000 + 5000 * 3);
    // The failing probes were at 5, 10 and 15 s; the third times out at 18 s.
    expect(downAt).toBe(18_000);
    expect(h.mon.hcResult('test', R1, H1).cause).toBe('timeout');
  });

  it('answers a SYN/ACK that comes back inside IP-in-IP too', () => {
    const h = harness(seedConfig(), [], { start: false });
    h.mon.start();
    h.advance(0);
    const syn = tcpOf(h.sim.trace[0]!);
    const synAck = buildTcpFrame({
      src: VIP, dst: APPLIANCE, sport: 80, dport: syn.sport, seq: 1000, ack: (syn.seq + 1) >>> 0, flags: TCP_SYN | TCP_ACK,
      options: [{ kind: 'mss', value: 1460 }],
    });
    h.sim.toAppliance(buildIpipFrame(synAck, { outerSrc: RIP, outerDst: APPLIANCE }));
    expect(h.mon.hcResult('test', R1, H1).up).toBe(true);
    // Without timestamps in the SYN/ACK, the ACK carries none, and without wscale the window is unscaled.
    const ack = h.sim.trace.filter((p) => p.dir === 'out')[1]!;
    expect(tcpOf(ack).tcpFlags).toBe(TCP_ACK);
    expect(tcpOf(ack).tcpDataOffset).toBe(5);
    expect(tcpOf(ack).window).toBe(64240);
    expect(readU32(ack.frame, 14 + 20 + 20 + 8)).toBe(1001);
  });

  it('runs the same exchange when the network answers re-entrantly inside sendIpv4', () => {
    const h = harness(seedConfig(), [seedServer()], { sim: { synchronous: true } });
    h.advance(0);
    expect(h.sim.trace.map((p) => `${p.dir}:${flagsOf(p)}`)).toEqual([
      `out:${TCP_SYN}`, `in:${TCP_SYN | TCP_ACK}`, `out:${TCP_ACK}`, `out:${TCP_FIN | TCP_ACK}`, `in:${TCP_FIN | TCP_ACK}`, `out:${TCP_ACK}`,
    ]);
    expect(h.mon.hcResult('test', R1, H1)).toEqual({ up: true, rttMs: 0, cause: '' });
    expect(h.sim.listenerCount()).toBe(0);
    expect(h.sim.host(RIP)!.conns.size).toBe(0);
  });

  it('a peer that never finishes the close is reset after the timeout and the port freed', () => {
    const h = harness(seedConfig(), [seedServer()]);
    h.advance(1.5); // SYN/ACK received at 2 ms; stop the server before our FIN arrives
    h.advance(0.6);
    h.sim.host(RIP)!.down = true;
    h.advance(4000);
    const last = h.sim.trace.filter((p) => p.dir === 'out').at(-1)!;
    expect(flagsOf(last)).toBe(TCP_RST | TCP_ACK);
    expect(last.at).toBeCloseTo(2 + 3000, 5);
    expect(h.sim.listenerCount()).toBe(0);
    expect(h.mon.stats().live).toBe(0);
    expect(h.mon.hcResult('test', R1, H1).up).toBe(true);
  });
});
