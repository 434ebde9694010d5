// The reference scenario of file 000: IP-tunnel DSR of VIP 192.168.193.50:80 to real 1
// (192.168.211.150) behind the router, with and without a port boundary.

import { beforeAll, describe, expect, it } from 'vitest';
import { showEntry } from '../../../commands/entry.js';
import type { RealId, RunningConfig } from '../../../src/config/model.js';
import { formatIpv4, formatMac, readMac } from '../../../src/net/addr.js';
import {
  ARP_REQUEST, ETHERTYPE_ARP, ETHERTYPE_IPV4, IPPROTO_IPIP, TCP_RST, decodeFrame, PacketMeta,
} from '../../../src/packet/index.js';
import {
  CLIENT, ME, ME_IP, RIP, ROUTER_IP, ROUTER_MAC, VIP, decode, ipBytes, referenceConfig, rig, takeAll,
} from './harness.js';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN, arpReply, clientTcp, primeRouter } from './frames.js';

let cfg: RunningConfig;
beforeAll(async () => {
  cfg = await referenceConfig();
});

const REAL1 = 1 as RealId;

describe('file 000: l3dsr-iptunnel with a port boundary', () => {
  it('starts real 1 DEACT (the service has a health check) until the checker reports', () => {
    const r = rig(cfg);
    const st = r.engine.runtime.real('test', REAL1);
    expect(st.health).toBe('DEACT');
    expect(st.cause).toBe('');
    expect(r.engine.runtime.serviceHealth('test')).toBe('DEACT');
    r.clock.advance(5000);
    r.engine.setRealHealth('test', REAL1, true, '', false);
    expect(r.engine.runtime.real('test', REAL1)).toMatchObject({ health: 'ACT', since: 5000 });
    expect(r.engine.runtime.serviceHealth('test')).toBe('ACT');
  });

  it('turns the client SYN into IP-in-IP 192.168.193.181 > 192.168.211.150 to the router MAC, inner packet unchanged', () => {
    const r = rig(cfg);
    r.engine.setRealHealth('test', REAL1, true, '', false);
    const syn = clientTcp(50508, TCP_SYN);
    expect(syn.length).toBe(66); // as tcpdump shows it
    r.ports[1]!.inject(syn);

    // The next hop (the default gateway) is not known yet: the appliance asks for it on port 1.
    let sent = takeAll(r);
    expect(sent.length).toBe(1);
    const [port, arp] = sent[0]!;
    expect(port).toBe(1);
    const am = decode(arp);
    expect(am.etherType).toBe(ETHERTYPE_ARP);
    expect(am.arpOp).toBe(ARP_REQUEST);
    expect(formatIpv4(am.arpTpa)).toBe('192.168.193.1');
    expect(formatIpv4(am.arpSpa)).toBe('192.168.193.181');
    expect(am.dstMac).toBe(0xffffffffffff);

    // The router answers; the queued frame leaves.
    r.ports[1]!.inject(arpReply(ROUTER_MAC, ROUTER_IP, ME, ME_IP));
    sent = takeAll(r);
    expect(sent.length).toBe(1);
    const [p2, f] = sent[0]!;
    expect(p2).toBe(1);
    expect(f.length).toBe(86);
    const m = decode(f);
    expect(formatMac(m.dstMac)).toBe('00:00:5e:00:01:c1');
    expect(formatMac(m.srcMac)).toBe('00:06:c4:90:03:93');
    expect(m.etherType).toBe(ETHERTYPE_IPV4);
    expect(m.vlanId).toBe(-1);
    expect(m.proto).toBe(IPPROTO_IPIP);
    expect(formatIpv4(m.ipSrc)).toBe('192.168.193.181');
    expect(formatIpv4(m.ipDst)).toBe('192.168.211.150');
    expect(m.ttl).toBe(64);
    expect(Buffer.from(f.subarray(m.l4Off, m.l3End)).equals(ipBytes(syn))).toBe(true);
    expect(formatIpv4(m.inner.ipSrc)).toBe('192.168.212.225');
    expect(formatIpv4(m.inner.ipDst)).toBe('192.168.193.50');

    // Session, filter hit, statistics.
    const rows = r.engine.runtime.sessions();
    expect(rows).toEqual([{
      proto: 'tcp', origSrc: CLIENT, origSport: 50508, origDst: VIP, origDport: 80,
      replySrc: VIP, replySport: 80, replyDst: CLIENT, replyDport: 50508, slb: 'test', real: REAL1,
    }]);
    expect(r.engine.runtime.filterHits('test', 1)).toBe(1);
    expect(r.engine.runtime.real('test', REAL1)).toMatchObject({ currentSessions: 1, totalSessions: 1 });
    expect(r.engine.runtime.cps('test')).toBe(1);
  });

  it('prints the session as the seed\'s show entry does', () => {
    const r = rig(cfg);
    r.engine.setRealHealth('test', REAL1, true, '', false);
    primeRouter(r);
    r.ports[1]!.inject(clientTcp(54136, TCP_SYN));
    const text = showEntry(r.engine.runtime.sessions());
    expect(text).toContain('tcp  192.168.212.225:54136 192.168.193.50:80 - 192.168.193.50:80 192.168.212.225:54136 slb.test:1');
  });

  it('sends ACK, PSH, FIN and ACK of the connection through the same tunnel without new hits', () => {
    const r = rig(cfg);
    r.engine.setRealHealth('test', REAL1, true, '', false);
    primeRouter(r);
    const isn = 1236981390;
    r.ports[1]!.inject(clientTcp(52446, TCP_SYN, { seq: isn }));
    const segs = [
      clientTcp(52446, TCP_ACK, { seq: isn + 1, ack: 347682253, window: 255 }),
      clientTcp(52446, TCP_ACK | TCP_PSH, { seq: isn + 1, ack: 347682253, window: 255, payload: 'G'.repeat(78) }),
      clientTcp(52446, TCP_ACK | TCP_FIN, { seq: isn + 79, ack: 347683112, window: 252 }),
      clientTcp(52446, TCP_ACK, { seq: isn + 80, ack: 347683113, window: 252 }),
    ];
    for (const s of segs) r.ports[1]!.inject(s);
    const sent = takeAll(r);
    expect(sent.map(([p, f]) => [p, f.length])).toEqual([[1, 86], [1, 74], [1, 152], [1, 74], [1, 74]]);
    sent.slice(1).forEach(([, f], i) => {
      const m = decode(f);
      expect(m.dstMac).toBe(ROUTER_MAC);
      expect(m.ipDst).toBe(RIP);
      expect(Buffer.from(f.subarray(m.l4Off, m.l3End)).equals(ipBytes(segs[i]!))).toBe(true);
    });
    expect(r.engine.runtime.filterHits('test', 1)).toBe(1);
    expect(r.engine.runtime.real('test', REAL1).totalSessions).toBe(1);
    expect(r.engine.sessions.size).toBe(1);
  });
});

describe('file 000: without a port boundary', () => {
  it('answers the SYN itself with the RST of the seed and does not count a hit', () => {
    const r = rig({ ...cfg, portBoundaries: [] });
    r.engine.setRealHealth('test', REAL1, true, '', false);
    primeRouter(r);
    r.ports[1]!.inject(clientTcp(50508, TCP_SYN, { seq: 276011400 }));
    const sent = takeAll(r);
    expect(sent.length).toBe(1);
    const [port, f] = sent[0]!;
    expect(port).toBe(1);
    // 00:06:c4:90:03:93 > 00:00:5e:00:01:c1, length 54: 192.168.193.50.80 > 192.168.212.225.50508:
    //   Flags [R.], seq 0, ack 276011401, win 0, length 0
    expect(f.length).toBe(54);
    const m = decode(f);
    expect(formatMac(readMac(f, 6))).toBe('00:06:c4:90:03:93');
    expect(formatMac(m.dstMac)).toBe('00:00:5e:00:01:c1');
    expect(formatIpv4(m.ipSrc)).toBe('192.168.193.50');
    expect(formatIpv4(m.ipDst)).toBe('192.168.212.225');
    expect([m.sport, m.dport]).toEqual([80, 50508]);
    expect(m.tcpFlags).toBe(TCP_RST | TCP_ACK);
    expect(m.seq).toBe(0);
    expect(m.ack).toBe(276011401);
    expect(m.window).toBe(0);
    expect(m.payloadLen).toBe(0);

    expect(r.engine.runtime.filterHits('test', 1)).toBe(0);
    expect(r.engine.runtime.real('test', REAL1)).toMatchObject({ currentSessions: 0, totalSessions: 0 });
    expect(r.engine.runtime.sessions()).toEqual([]);
    expect(r.engine.stats.ports[1]!.dropsByName()['no-boundary']).toBe(1);
  });

  it('does not process traffic from a port the boundary does not list', () => {
    const c = { ...cfg, portBoundaries: cfg.portBoundaries.map((p) => ({ ...p, ports: [2 as never] })) };
    const r = rig(c);
    r.engine.setRealHealth('test', REAL1, true, '', false);
    primeRouter(r);
    r.ports[1]!.inject(clientTcp(40000, TCP_SYN));
    const [[, f]] = takeAll(r) as [[number, Buffer]];
    expect(decode(f).tcpFlags & TCP_RST).toBe(TCP_RST);
    expect(r.engine.runtime.filterHits('test', 1)).toBe(0);
  });

  it('a disabled boundary does not count either; enabling it (a new config) lets SLB process', () => {
    const off = { ...cfg, portBoundaries: cfg.portBoundaries.map((p) => ({ ...p, status: 'disable' as const })) };
    const r = rig(off);
    r.engine.setRealHealth('test', REAL1, true, '', false);
    primeRouter(r);
    r.ports[1]!.inject(clientTcp(40001, TCP_SYN));
    expect(decode(takeAll(r)[0]![1]).tcpFlags & TCP_RST).toBe(TCP_RST);
    r.engine.configure(cfg);
    r.ports[1]!.inject(clientTcp(40002, TCP_SYN));
    const m = new PacketMeta();
    const f = takeAll(r)[0]![1];
    decodeFrame(f, f.length, m);
    expect(m.proto).toBe(IPPROTO_IPIP);
    expect(r.engine.runtime.filterHits('test', 1)).toBe(1);
    expect(r.engine.runtime.real('test', REAL1).health).toBe('ACT'); // health survived the reconfiguration
  });
});

describe('the benchmark runs the reference scenario', () => {
  it('builds the same running configuration as the shell', async () => {
    const { referenceScenarioConfig } = await import('../../../bench/fastpath.js');
    const b = referenceScenarioConfig();
    for (const k of ['vlans', 'interfaces', 'routes', 'reals', 'healthChecks', 'portBoundaries', 'slbs', 'sessionTimeouts'] as const) {
      expect(b[k], k).toEqual(cfg[k]);
    }
  });
});

describe('answers the appliance generates itself are rate-limited', () => {
  it('a burst of SYNs to a VIP nobody serves gets at most 50 RSTs at once, then 1000 a second', () => {
    const r = rig({ ...cfg, portBoundaries: [] });
    primeRouter(r);
    for (let i = 0; i < 200; i++) r.ports[1]!.inject(clientTcp(20000 + i, TCP_SYN));
    expect(takeAll(r).length).toBe(50);
    expect(r.engine.stats.rateLimited).toBe(150);
    r.clock.advance(100); // 100 ms: 100 more tokens
    for (let i = 0; i < 200; i++) r.ports[1]!.inject(clientTcp(30000 + i, TCP_SYN));
    expect(takeAll(r).length).toBe(50); // the bucket holds at most a burst of 50
    r.clock.advance(20);
    for (let i = 0; i < 30; i++) r.ports[1]!.inject(clientTcp(40000 + i, TCP_SYN));
    expect(takeAll(r).length).toBe(20);
  });
});
