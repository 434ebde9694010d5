// L3: ARP (answers, resolution with a pending queue, ageing), routing (LPM, priority, default
// gateway, health-bound routes), forwarding with TTL, ICMP echo.

import { describe, expect, it } from 'vitest';
import type { HcId } from '../../../src/config/model.js';
import { ipv4, mac, formatIpv4 } from '../../../src/net/addr.js';
import {
  ARP_REPLY, ARP_REQUEST, ETHERTYPE_ARP, ICMP_DEST_UNREACH, ICMP_ECHO_REPLY, ICMP_TIME_EXCEEDED, IPPROTO_ICMP,
  buildIcmpEchoFrame, buildUdpFrame, verifyIpv4Checksum,
} from '../../../src/packet/index.js';
import {
  CLIENT, CLIENT_SIDE_MAC, ME, ME_IP, REAL1, REAL1_MAC, ROUTER_IP, ROUTER_MAC, SRV_IP, VIP, decode, labConfig, rig, takeAll,
} from './harness.js';
import { arpReply, arpRequest, ping, primeHost, primeRouter } from './frames.js';

const HOST_MAC = mac('02:aa:00:00:00:01');

describe('ARP answers', () => {
  it('answers a request for the interface address and learns the asker', () => {
    const r = rig(labConfig());
    r.ports[1]!.inject(arpRequest(HOST_MAC, ipv4('192.168.193.7'), ME_IP));
    const sent = takeAll(r);
    expect(sent.length).toBe(1);
    const [p, f] = sent[0]!;
    expect(p).toBe(1);
    const m = decode(f);
    expect(m.etherType).toBe(ETHERTYPE_ARP);
    expect(m.arpOp).toBe(ARP_REPLY);
    expect(m.dstMac).toBe(HOST_MAC);
    expect(m.srcMac).toBe(ME);
    expect(m.arpSha).toBe(ME);
    expect(m.arpSpa).toBe(ME_IP);
    expect(m.arpTha).toBe(HOST_MAC);
    expect(formatIpv4(m.arpTpa)).toBe('192.168.193.7');
    expect(r.engine.runtime.arp()).toEqual([
      { addr: ipv4('192.168.193.7'), mac: HOST_MAC, iface: 'test', port: 1, ageSec: 0, state: 'complete' },
    ]);
  });

  it('answers for the VIP on the VLAN whose subnet holds it, and only there', () => {
    const r = rig(labConfig());
    r.ports[1]!.inject(arpRequest(HOST_MAC, ipv4('192.168.193.7'), VIP));
    let sent = takeAll(r);
    expect(sent.length).toBe(1);
    const m = decode(sent[0]![1]);
    expect([m.arpOp, m.arpSpa, m.arpSha]).toEqual([ARP_REPLY, VIP, ME]);
    // Asked on VLAN srv (port 3): not answered there; the broadcast is flooded to port 4 (tagged).
    r.ports[3]!.inject(arpRequest(HOST_MAC, ipv4('10.0.211.7'), VIP));
    sent = takeAll(r);
    expect(sent.map(([p]) => p)).toEqual([4]);
    expect(decode(sent[0]![1]).vlanId).toBe(211);
  });

  it('answers for a VIP outside every interface subnet on every data interface', () => {
    const other = ipv4('172.16.5.5');
    const r = rig(labConfig({ vips: [{ addr: other, protocol: 'tcp', vport: 80 }] }));
    r.ports[1]!.inject(arpRequest(HOST_MAC, ipv4('192.168.193.7'), other));
    r.ports[3]!.inject(arpRequest(REAL1_MAC, REAL1, other));
    // tagged request on port 4 (VLAN 211) gets a tagged reply
    r.ports[4]!.inject(arpRequest(mac('02:aa:00:00:00:04'), ipv4('10.0.211.44'), other, 211));
    const replies = takeAll(r).filter(([, f]) => decode(f).arpOp === ARP_REPLY);
    expect(replies.map(([p, f]) => [p, decode(f).arpSpa, decode(f).vlanId])).toEqual([[1, other, -1], [3, other, -1], [4, other, 211]]);
  });

  it('does not answer for other addresses', () => {
    const r = rig(labConfig());
    r.ports[1]!.inject(arpRequest(HOST_MAC, ipv4('192.168.193.7'), ipv4('192.168.193.8')));
    expect(takeAll(r).filter(([, f]) => decode(f).arpOp === ARP_REPLY)).toEqual([]);
    expect(r.engine.runtime.arp()).toEqual([]);
  });

  it('updates an existing entry from a gratuitous reply, but does not create entries from one', () => {
    const r = rig(labConfig());
    primeRouter(r);
    const newMac = mac('00:00:5e:00:01:c2');
    r.ports[1]!.inject(arpReply(newMac, ROUTER_IP, 0xffffffffffff, ROUTER_IP));
    r.ports[1]!.inject(arpReply(HOST_MAC, ipv4('192.168.193.9'), 0xffffffffffff, ipv4('192.168.193.9')));
    expect(r.engine.runtime.arp().map((a) => [formatIpv4(a.addr), a.mac])).toEqual([['192.168.193.1', newMac]]);
  });
});

describe('next-hop resolution', () => {
  const transit = (dst: number, ttl = 64) => buildUdpFrame({
    dstMac: ME, srcMac: CLIENT_SIDE_MAC, src: CLIENT, dst, sport: 1111, dport: 2222, ttl, payload: 'hello',
  });

  it('queues packets while resolving, asks on every port of the VLAN, and releases them on the reply', () => {
    const r = rig(labConfig());
    const dst = ipv4('10.0.211.50');
    r.ports[1]!.inject(transit(dst));
    r.ports[1]!.inject(transit(dst));
    let sent = takeAll(r);
    // One request (not two), flooded in VLAN srv: untagged on 3, tagged on 4.
    expect(sent.map(([p, f]) => [p, decode(f).arpOp, decode(f).vlanId, formatIpv4(decode(f).arpTpa), formatIpv4(decode(f).arpSpa)]))
      .toEqual([[3, ARP_REQUEST, -1, '10.0.211.50', '10.0.211.1'], [4, ARP_REQUEST, 211, '10.0.211.50', '10.0.211.1']]);
    expect(r.engine.runtime.arp()).toMatchObject([{ addr: dst, mac: null, state: 'incomplete', iface: 'srv' }]);

    const hostMac = mac('02:bb:00:00:00:50');
    r.ports[3]!.inject(arpReply(hostMac, dst, ME, SRV_IP));
    sent = takeAll(r);
    expect(sent.length).toBe(2);
    for (const [p, f] of sent) {
      expect(p).toBe(3);
      const m = decode(f);
      expect([m.dstMac, m.srcMac, m.ipSrc, m.ipDst, m.ttl]).toEqual([hostMac, ME, CLIENT, dst, 63]);
    }
    expect(r.engine.runtime.arp()).toMatchObject([{ addr: dst, mac: hostMac, state: 'complete', port: 3 }]);
    // Known now: the next packet goes straight out.
    r.ports[1]!.inject(transit(dst));
    expect(takeAll(r).map(([p]) => p)).toEqual([3]);
  });

  it('bounds the queue per next hop and drops what is never resolved', () => {
    const r = rig(labConfig());
    const dst = ipv4('10.0.211.60');
    for (let i = 0; i < 20; i++) r.ports[1]!.inject(transit(dst));
    expect(r.engine.stats.dropsByName()['arp-queue-full']).toBe(4);
    takeAll(r);
    r.clock.advance(1000);
    r.clock.advance(1000);
    // retries: two more requests, one per second
    expect(takeAll(r).filter(([p]) => p === 3).length).toBe(2);
    r.clock.advance(1000);
    expect(r.engine.stats.dropsByName()['arp-unresolved']).toBe(16);
    expect(r.engine.runtime.arp()).toEqual([]);
    expect(r.engine.arp.pending).toBe(0);
  });

  it('refreshes an entry after the reachable time and forgets it without an answer', () => {
    const r = rig(labConfig());
    primeRouter(r);
    r.clock.advance(299_000);
    expect(takeAll(r)).toEqual([]);
    expect(r.engine.runtime.arp()[0]!.ageSec).toBe(299);
    r.clock.advance(1000);
    const req = takeAll(r);
    expect(req.length).toBe(1);
    expect(decode(req[0]![1]).arpTpa).toBe(ROUTER_IP);
    // The router answers: still there, age 0.
    r.ports[1]!.inject(arpReply(ROUTER_MAC, ROUTER_IP, ME, ME_IP));
    expect(r.engine.runtime.arp()[0]).toMatchObject({ ageSec: 0, state: 'complete' });
    r.clock.advance(310_000);
    expect(r.engine.runtime.arp()).toEqual([]);
  });
});

describe('routing', () => {
  const gwA = ipv4('192.168.193.2'), gwB = ipv4('192.168.193.3'), gwC = ipv4('10.0.211.254');
  const macA = mac('02:00:00:00:00:0a'), macB = mac('02:00:00:00:00:0b'), macC = mac('02:00:00:00:00:0c');
  function routed() {
    const base = labConfig();
    const route = (dest: string, len: number, gateway: number, priority: number, hc: number | null = null) =>
      ({ dest: { addr: ipv4(dest), len }, gateway: gateway as never, priority, hc: hc as HcId | null, description: '' });
    const cfg = {
      ...base,
      routes: {
        interfaceRoutes: [],
        defaultGateway: ROUTER_IP,
        networks: [
          ...base.routes.networks,
          route('10.1.0.0', 16, gwA, 10),
          route('10.1.2.0', 24, gwA, 10),
          route('10.1.2.0', 24, gwB, 5),
          route('10.1.3.0', 24, gwC, 10, 1),
        ],
      },
    };
    const r = rig(cfg);
    primeRouter(r);
    primeHost(r, 1, macA, gwA, ME_IP);
    primeHost(r, 1, macB, gwB, ME_IP);
    primeHost(r, 3, macC, gwC, SRV_IP);
    return r;
  }
  const to = (dst: number) => buildUdpFrame({ dstMac: ME, srcMac: mac('02:00:00:00:03:01'), src: ipv4('10.0.211.99'), dst, sport: 9, dport: 9 });
  const nextHopMac = (r: ReturnType<typeof rig>, dst: number, inPort = 3) => {
    r.ports[inPort]!.inject(to(dst));
    const sent = takeAll(r);
    expect(sent.length).toBe(1);
    return decode(sent[0]![1]).dstMac;
  };

  it('takes the longest prefix, then the lowest priority, then the default gateway', () => {
    const r = routed();
    expect(nextHopMac(r, ipv4('10.1.9.9'))).toBe(macA); // /16
    expect(nextHopMac(r, ipv4('10.1.2.3'))).toBe(macB); // /24, priority 5 beats 10
    expect(nextHopMac(r, ipv4('192.168.212.9'))).toBe(ROUTER_MAC); // static /24 via the router
    expect(nextHopMac(r, ipv4('8.8.8.8'))).toBe(ROUTER_MAC); // default
    expect(nextHopMac(r, ipv4('10.1.3.3'))).toBe(macC); // health-bound route, installed
  });

  it('withdraws a health-bound route while its check is down', () => {
    const r = routed();
    expect(r.engine.runtime.routeUp('10.1.3.0/24', gwC)).toBe(true);
    expect(r.engine.runtime.routeUp('10.1.2.0/24', gwB)).toBe(null);
    r.engine.setRouteHealth({ addr: ipv4('10.1.3.0'), len: 24 }, gwC, false);
    expect(r.engine.runtime.routeUp('10.1.3.0/24', gwC)).toBe(false);
    expect(nextHopMac(r, ipv4('10.1.3.3'))).toBe(macA); // falls back to 10.1.0.0/16
    r.engine.setRouteHealth({ addr: ipv4('10.1.3.0'), len: 24 }, gwC, true);
    expect(nextHopMac(r, ipv4('10.1.3.3'))).toBe(macC);
  });

  it('answers an unroutable destination with ICMP net unreachable', () => {
    const r = rig({ ...labConfig(), routes: { defaultGateway: null, networks: [], interfaceRoutes: [] } });
    primeHost(r, 3, mac('02:00:00:00:03:01'), ipv4('10.0.211.99'), SRV_IP);
    r.ports[3]!.inject(to(ipv4('8.8.8.8')));
    const sent = takeAll(r);
    expect(sent.length).toBe(1);
    const m = decode(sent[0]![1]);
    expect([m.proto, m.icmpType, m.icmpCode, m.ipSrc, m.ipDst]).toEqual([IPPROTO_ICMP, ICMP_DEST_UNREACH, 0, SRV_IP, ipv4('10.0.211.99')]);
    expect(r.engine.stats.dropsByName()['no-route']).toBe(1);
  });

  it('decrements the TTL with a valid checksum and answers TTL 1 with ICMP time exceeded', () => {
    const r = routed();
    primeHost(r, 3, mac('02:00:00:00:03:01'), ipv4('10.0.211.99'), SRV_IP);
    r.ports[3]!.inject(buildUdpFrame({ dstMac: ME, srcMac: mac('02:00:00:00:03:01'), src: ipv4('10.0.211.99'), dst: ipv4('8.8.8.8'), sport: 9, dport: 9, ttl: 2 }));
    let [[p, f]] = takeAll(r) as [[number, Buffer]];
    expect(p).toBe(1);
    let m = decode(f);
    expect(m.ttl).toBe(1);
    expect(verifyIpv4Checksum(f, m.l3Off)).toBe(true);
    const expiring = buildUdpFrame({ dstMac: ME, srcMac: mac('02:00:00:00:03:01'), src: ipv4('10.0.211.99'), dst: ipv4('8.8.8.8'), sport: 9, dport: 9, ttl: 1 });
    r.ports[3]!.inject(expiring);
    [[p, f]] = takeAll(r) as [[number, Buffer]];
    expect(p).toBe(3);
    m = decode(f);
    expect([m.proto, m.icmpType, m.icmpCode, m.ipSrc, m.ipDst]).toEqual([IPPROTO_ICMP, ICMP_TIME_EXCEEDED, 0, SRV_IP, ipv4('10.0.211.99')]);
    expect(m.innerKind).toBe(2);
    expect(m.inner.ipDst).toBe(ipv4('8.8.8.8'));
    expect(r.engine.stats.dropsByName()['ttl-exceeded']).toBe(1);
  });
});

describe('ICMP echo', () => {
  it('answers pings to its own addresses and to a VIP, routed back', () => {
    const r = rig(labConfig());
    primeRouter(r);
    for (const dst of [ME_IP, SRV_IP, VIP]) {
      r.ports[1]!.inject(ping(CLIENT, dst, { id: 99, seq: 3 }));
      const [[p, f]] = takeAll(r) as [[number, Buffer]];
      expect(p).toBe(1);
      const m = decode(f);
      expect([m.dstMac, m.proto, m.icmpType, m.icmpId, m.icmpSeq, m.ipSrc, m.ipDst]).toEqual([ROUTER_MAC, IPPROTO_ICMP, ICMP_ECHO_REPLY, 99, 3, dst, CLIENT]);
      expect(f.subarray(m.payloadOff, m.payloadOff + 8).toString()).toBe('abcdefgh');
    }
  });

  it('does not answer pings to other hosts (it routes them)', () => {
    const r = rig(labConfig());
    primeRouter(r);
    r.ports[1]!.inject(buildIcmpEchoFrame({ dstMac: ME, srcMac: CLIENT_SIDE_MAC, src: CLIENT, dst: ipv4('192.168.193.77'), id: 1, seq: 1 }));
    const sent = takeAll(r);
    expect(sent.length).toBe(1);
    expect(decode(sent[0]![1]).arpOp).toBe(ARP_REQUEST);
  });
});
