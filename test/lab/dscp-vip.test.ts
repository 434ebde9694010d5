// L3DSR with DSCP on the real servers: the DSCP -> VIP restore of their IP layer, driven from
// appliance port 1 by a stand-in for the appliance (what the l3dsr-dscp engine sends: the
// client's packet readdressed to the RIP, ports kept, marked with the service's DSCP).
import { describe, expect, it } from 'vitest';
import { formatIpv4, ipv4 } from '../../src/net/addr.js';
import {
  DECODE_VERIFY_IP_CHECKSUM, DECODE_VERIFY_L4_CHECKSUM, DropReason, IPPROTO_TCP, IPPROTO_UDP, PacketMeta, TCP_ACK, TCP_RST,
  TCP_SYN, buildTcpFrame, buildUdpFrame, decodeFrame,
} from '../../src/packet/index.js';
import { defaultLab, type LabWorld } from '../../src/lab/index.js';
import {
  APPLIANCE_IP, APPLIANCE_MAC, CLIENT, CLIENT_SYN_OPTIONS, FakeAppliance, RIP1, ROUTER_C1, VIP, record, type Seen,
} from './helpers.js';

const DSCP = 10;
const TOS = DSCP << 2; // 0x28

/** The client's SYN as the appliance forwards it in l3dsr-dscp: to the RIP, ports kept, marked. */
function markedSyn(tos = TOS, dst = RIP1, ecn = 0): Uint8Array {
  return buildTcpFrame({
    src: CLIENT, dst, sport: 50508, dport: 80, seq: 276011400, flags: TCP_SYN, window: 65535,
    options: CLIENT_SYN_OPTIONS, ttl: 126, df: true, tos: tos | ecn, dstMac: ROUTER_C1, srcMac: APPLIANCE_MAC,
  });
}

function setup(entry = true): { w: LabWorld; app: FakeAppliance; seen: Seen[] } {
  const w = defaultLab();
  // record() decodes every frame with the IP and TCP/UDP checksums verified: a bad one throws.
  const seen = record(w);
  const app = new FakeAppliance(w, 1);
  if (entry) w.host('server1')!.addDscpVip(DSCP, '192.168.193.50');
  return { w, app, seen };
}

/** TCP segments server1 sends (towards the router). */
const fromServer1 = (seen: Seen[], proto = IPPROTO_TCP) => seen.filter((s) => s.from === 'server1.eno1' && s.m.proto === proto);

describe('DSCP -> VIP restore on the reals (l3dsr-dscp)', () => {
  it('a SYN to the RIP marked with the DSCP gets a SYN/ACK from the VIP straight to the client', async () => {
    const { w, app, seen } = setup();
    app.send(markedSyn());
    await w.wait(10);
    const synAck = fromServer1(seen)[0]!;
    expect(synAck).toBeDefined();
    expect(synAck.m.tcpFlags).toBe(TCP_SYN | TCP_ACK);
    expect(formatIpv4(synAck.m.ipSrc)).toBe('192.168.193.50');
    expect(formatIpv4(synAck.m.ipDst)).toBe('192.168.212.225');
    expect(synAck.m.sport).toBe(80);
    expect(synAck.m.dport).toBe(50508);
    expect(synAck.m.ack).toBe(276011401);
    // It reaches the client through the router and never crosses the appliance.
    const atClient = seen.find((s) => s.to === 'client.eth0' && s.m.proto === IPPROTO_TCP)!;
    expect(atClient.m.tcpFlags).toBe(TCP_SYN | TCP_ACK);
    expect(formatIpv4(atClient.m.ipSrc)).toBe('192.168.193.50');
    expect(app.ip().filter((r) => r.m.ipSrc === VIP)).toHaveLength(0);
    const s1 = w.host('server1')!;
    expect(s1.ip.stats.vipRestored).toBe(1);
    // The server's socket is the VIP's.
    const c = s1.tcp.connections()[0]!;
    expect(formatIpv4(c.local)).toBe('192.168.193.50');
    expect(s1.tcp.resetsSent).toBe(0);
  });

  it('the restored packet is what the VIP would have received: both checksums still verify', async () => {
    for (const proto of [IPPROTO_TCP, IPPROTO_UDP]) {
      const { w, app } = setup();
      const s1 = w.host('server1')!;
      const delivered: Uint8Array[] = [];
      const layer = proto === IPPROTO_TCP ? s1.tcp : s1.udp;
      const orig = layer.receive.bind(layer);
      layer.receive = (nic, buf, m) => {
        delivered.push(buf.slice(0, m.l3End));
        orig(nic, buf, m);
      };
      app.send(proto === IPPROTO_TCP ? markedSyn() : buildUdpFrame({
        src: APPLIANCE_IP, dst: RIP1, sport: 60101, dport: 161, payload: 'ping', tos: TOS, dstMac: ROUTER_C1, srcMac: APPLIANCE_MAC,
      }));
      await w.wait(10);
      expect(delivered).toHaveLength(1);
      const m = new PacketMeta();
      expect(decodeFrame(delivered[0]!, delivered[0]!.length, m, DECODE_VERIFY_IP_CHECKSUM | DECODE_VERIFY_L4_CHECKSUM)).toBe(DropReason.OK);
      expect(formatIpv4(m.ipDst)).toBe('192.168.193.50');
      expect(m.tos).toBe(TOS);
      expect(m.dport).toBe(proto === IPPROTO_TCP ? 80 : 161);
    }
  });

  it('the ECN bits do not matter: the DSCP is the upper six bits of the TOS', async () => {
    const { w, app, seen } = setup();
    app.send(markedSyn(TOS, RIP1, 0x02));
    await w.wait(10);
    expect(formatIpv4(fromServer1(seen)[0]!.m.ipSrc)).toBe('192.168.193.50');
  });

  it('UDP too: a datagram to the RIP marked with the DSCP is answered from VIP:port', async () => {
    const { w, app, seen } = setup();
    app.send(buildUdpFrame({
      src: APPLIANCE_IP, dst: RIP1, sport: 60101, dport: 161, payload: 'ping', tos: TOS, dstMac: ROUTER_C1, srcMac: APPLIANCE_MAC,
    }));
    await w.wait(10);
    const reply = app.ip().find((r) => r.m.proto === IPPROTO_UDP)!;
    expect(reply).toBeDefined();
    expect(formatIpv4(reply.m.ipSrc)).toBe('192.168.193.50');
    expect(reply.m.sport).toBe(161);
    expect(reply.m.dport).toBe(60101);
    expect(fromServer1(seen, IPPROTO_UDP)).toHaveLength(1);
  });

  it('without an entry (or with another DSCP) the packet is left alone: the real answers from its RIP', async () => {
    for (const [entry, tos] of [[false, TOS], [true, 12 << 2], [true, 0]] as const) {
      const { w, app, seen } = setup(entry);
      app.send(markedSyn(tos));
      await w.wait(10);
      const synAck = fromServer1(seen)[0]!;
      expect(synAck.m.tcpFlags).toBe(TCP_SYN | TCP_ACK);
      expect(formatIpv4(synAck.m.ipSrc)).toBe('192.168.211.150');
      expect(w.host('server1')!.ip.stats.vipRestored).toBe(0);
      // The client has no connection for it and resets it.
      expect(seen.some((s) => s.from === 'client.eth0' && (s.m.tcpFlags & TCP_RST) !== 0)).toBe(true);
    }
  });

  it('a packet already for the VIP is delivered as it is', async () => {
    const { w, seen } = setup();
    // From server2 across the servers' switch, straight to server1's MAC.
    const frame = markedSyn(TOS, VIP);
    frame.set([0xd4, 0xae, 0x52, 0xca, 0xa2, 0x98], 0);
    w.host('server2')!.inject('eno1', frame);
    await w.wait(10);
    const synAck = fromServer1(seen)[0]!;
    expect(synAck.m.tcpFlags).toBe(TCP_SYN | TCP_ACK);
    expect(formatIpv4(synAck.m.ipSrc)).toBe('192.168.193.50');
    expect(w.host('server1')!.ip.stats.vipRestored).toBe(0);
  });

  it('the VIP must be on lo: adding an entry for another address throws; removed from lo, the entry is ignored', async () => {
    const { w, app, seen } = setup(false);
    const s1 = w.host('server1')!;
    expect(() => s1.addDscpVip(DSCP, '10.1.1.1')).toThrow(/does not have 10\.1\.1\.1 on lo/);
    expect(() => s1.addDscpVip(DSCP, '192.168.211.150')).toThrow(/on lo/);
    expect(() => s1.addDscpVip(0, '192.168.193.50')).toThrow(RangeError);
    expect(() => s1.addDscpVip(64, '192.168.193.50')).toThrow(RangeError);
    expect(s1.dscpVips.size).toBe(0);
    s1.addDscpVip(DSCP, '192.168.193.50');
    expect([...s1.dscpVips]).toEqual([[DSCP, VIP]]);
    s1.removeLoopback('192.168.193.50');
    app.send(markedSyn());
    await w.wait(10);
    expect(formatIpv4(fromServer1(seen)[0]!.m.ipSrc)).toBe('192.168.211.150');
    expect(s1.ip.stats.vipRestored).toBe(0);
  });

  it('removeDscpVip takes the entry away', async () => {
    const { w, app, seen } = setup();
    const s1 = w.host('server1')!;
    expect(s1.removeDscpVip(DSCP)).toBe(true);
    expect(s1.removeDscpVip(DSCP)).toBe(false);
    app.send(markedSyn());
    await w.wait(10);
    expect(formatIpv4(fromServer1(seen)[0]!.m.ipSrc)).toBe('192.168.211.150');
  });

  it('server2 without an entry is not affected by server1\'s', async () => {
    const { w, app, seen } = setup();
    app.send(markedSyn(TOS, ipv4('192.168.211.151')));
    await w.wait(10);
    const synAck = seen.find((s) => s.from === 'server2.eno1' && s.m.proto === IPPROTO_TCP)!;
    expect(formatIpv4(synAck.m.ipSrc)).toBe('192.168.211.151');
  });
});
