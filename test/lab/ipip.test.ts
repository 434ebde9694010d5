// IP-in-IP on the real servers, driven from appliance port 1 by a stand-in for the appliance
// (what the l3dsr-iptunnel engine and its health checks send).
import { describe, expect, it } from 'vitest';
import { formatIpv4, formatMac, ipv4 } from '../../src/net/addr.js';
import {
  ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, ICMP_PROTO_UNREACH, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, TCP_ACK, TCP_FIN, TCP_RST,
  TCP_SYN, buildIpipFrame, buildTcpFrame, buildUdpFrame, type TcpOptionSpec,
} from '../../src/packet/index.js';
import { defaultLab, type LabWorld } from '../../src/lab/index.js';
import {
  APPLIANCE_IP, APPLIANCE_MAC, CLIENT, CLIENT_SYN_OPTIONS, FakeAppliance, RIP1, ROUTER_C1, VIP, record, tcpOptionShape, tcpOptions, type Seen,
} from './helpers.js';

/** Wraps an inner IPv4 frame for `rip` as the appliance does (outer 192.168.193.181 -> RIP, to the router). */
function tunnel(inner: Uint8Array, rip = RIP1): Uint8Array {
  return buildIpipFrame(inner, { outerSrc: APPLIANCE_IP, outerDst: rip, dstMac: ROUTER_C1, srcMac: APPLIANCE_MAC });
}

function clientSyn(): Uint8Array {
  return buildTcpFrame({
    src: CLIENT, dst: VIP, sport: 50508, dport: 80, seq: 276011400, flags: TCP_SYN, window: 65535,
    options: CLIENT_SYN_OPTIONS, ttl: 127, df: true,
  });
}

function setup(): { w: LabWorld; app: FakeAppliance; seen: Seen[] } {
  const w = defaultLab();
  const seen = record(w);
  const app = new FakeAppliance(w, 1);
  return { w, app, seen };
}

const from = (label: string) => (s: Seen) => s.from === label;

describe('IP-in-IP on the reals (l3dsr-iptunnel)', () => {
  it('a tunnelled SYN to the VIP gets a SYN/ACK from the VIP straight to the client via the gateway', async () => {
    const { w, app, seen } = setup();
    app.send(tunnel(clientSyn()));
    await w.wait(10);
    const synAck = seen.find((s) => from('server1.eno1')(s) && s.m.proto === IPPROTO_TCP)!;
    expect(synAck).toBeDefined();
    expect(synAck.m.tcpFlags).toBe(TCP_SYN | TCP_ACK);
    expect(formatIpv4(synAck.m.ipSrc)).toBe('192.168.193.50');
    expect(formatIpv4(synAck.m.ipDst)).toBe('192.168.212.225');
    expect(synAck.m.sport).toBe(80);
    expect(synAck.m.dport).toBe(50508);
    expect(synAck.m.ack).toBe(276011401);
    expect(formatMac(synAck.m.srcMac)).toBe('d4:ae:52:ca:a2:98');
    expect(formatMac(synAck.m.dstMac)).toBe('00:00:5e:00:01:d3');
    expect(tcpOptions(synAck)).toBe('mss 1460,nop,nop,sackOK,nop,wscale 7');
    expect(synAck.m.window).toBe(64240);
    // ... and it reaches the client through the router, never passing the appliance
    const atClient = seen.find((s) => s.to === 'client.eth0' && s.m.proto === IPPROTO_TCP)!;
    expect(atClient.m.tcpFlags).toBe(TCP_SYN | TCP_ACK);
    expect(atClient.m.ttl).toBe(63);
    expect(app.ip().filter((r) => r.m.ipSrc === VIP)).toHaveLength(0);
    expect(w.host('server1')!.ip.stats.decapsulated).toBe(1);
    expect(w.host('server2')!.ip.stats.received).toBe(0);
  });

  it('with IP-in-IP off, the real answers ICMP protocol 4 unreachable quoting the packet', async () => {
    const { w, app } = setup();
    w.host('server1')!.ipip = false;
    const frame = tunnel(clientSyn());
    app.send(frame);
    await w.wait(10);
    const icmp = app.ip().find((r) => r.m.proto === IPPROTO_ICMP)!;
    expect(icmp).toBeDefined();
    expect(icmp.m.icmpType).toBe(ICMP_DEST_UNREACH);
    expect(icmp.m.icmpCode).toBe(ICMP_PROTO_UNREACH);
    expect(formatIpv4(icmp.m.ipSrc)).toBe('192.168.211.150');
    expect(formatIpv4(icmp.m.ipDst)).toBe('192.168.193.181');
    expect(formatMac(icmp.m.srcMac)).toBe('00:d0:f8:22:35:42');
    expect(formatMac(icmp.m.dstMac)).toBe('00:06:c4:90:03:93');
    // the quote is the whole outer packet as the real got it (TTL 64 -> 63 at the router)
    const quote = icmp.frame.subarray(icmp.m.icmpInnerOff, icmp.m.l3End);
    const outer = frame.subarray(14);
    expect(quote.length).toBe(outer.length);
    expect(quote[9]).toBe(4);
    expect(quote[8]).toBe(63);
    expect(Buffer.from(quote.subarray(12)).equals(Buffer.from(outer.subarray(12)))).toBe(true);
    expect(icmp.m.innerKind).toBe(2); // decodes as an ICMP quote
    expect(formatIpv4(icmp.m.inner.ipDst)).toBe('192.168.211.150');
    // nothing went to the client
    expect(w.host('client')!.nic('eth0').rxFrames).toBe(0);
  });

  it('a tunnelled SYN to a stopped port gets [R.] seq 0 ack isn+1 win 0 from the VIP', async () => {
    const { w, app, seen } = setup();
    w.host('server1')!.setService('tcp', 80, false);
    app.send(tunnel(clientSyn()));
    await w.wait(10);
    const rst = seen.find((s) => from('server1.eno1')(s) && s.m.proto === IPPROTO_TCP)!;
    expect(rst.m.tcpFlags).toBe(TCP_RST | TCP_ACK);
    expect(formatIpv4(rst.m.ipSrc)).toBe('192.168.193.50');
    expect(rst.m.seq).toBe(0);
    expect(rst.m.ack).toBe(276011401);
    expect(rst.m.window).toBe(0);
    expect(rst.frame.length).toBe(60);
  });

  it('runs the seed\'s ip-tunnel-tcp health check exchange: S, S., ., F., F., .', async () => {
    const { w, app, seen } = setup();
    const hcPort = 55982;
    const isn = 2620729253;
    const linuxSyn: TcpOptionSpec[] = [
      { kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: 4090394018, ecr: 0 }, { kind: 'nop' }, { kind: 'wscale', value: 8 },
    ];
    const seg = (seq: number, ack: number, flags: number, options?: TcpOptionSpec[]) => tunnel(buildTcpFrame({
      src: APPLIANCE_IP, dst: VIP, sport: hcPort, dport: 80, seq, ack, flags, window: flags & TCP_SYN ? 64240 : 251, df: true,
      ...(options ? { options } : {}),
    }));
    app.send(seg(isn, 0, TCP_SYN, linuxSyn));
    await w.wait(5);
    const synAck = app.ip().find((r) => r.m.proto === IPPROTO_TCP)!;
    expect(synAck.m.tcpFlags).toBe(TCP_SYN | TCP_ACK);
    expect(formatIpv4(synAck.m.ipSrc)).toBe('192.168.193.50'); // direct, not tunnelled
    expect(formatIpv4(synAck.m.ipDst)).toBe('192.168.193.181');
    expect(formatMac(synAck.m.srcMac)).toBe('00:d0:f8:22:35:42');
    expect(synAck.m.ack).toBe(isn + 1);
    expect(synAck.m.window).toBe(65160);
    expect(synAck.m.tsEcr).toBe(4090394018);
    const shape = tcpOptionShape(seen.find((s) => from('server1.eno1')(s) && s.m.proto === IPPROTO_TCP)!);
    expect(shape).toBe('mss 1460,sackOK,TS,nop,wscale 7');
    const ts = (v: number, e: number): TcpOptionSpec[] => [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'ts', val: v, ecr: e }];
    const srvIsn = synAck.m.seq;
    app.send(seg(isn + 1, srvIsn + 1, TCP_ACK, ts(4090394018, synAck.m.tsVal)));
    app.send(seg(isn + 1, srvIsn + 1, TCP_FIN | TCP_ACK, ts(4090394019, synAck.m.tsVal)));
    await w.wait(5);
    const after = app.ip().filter((r) => r.m.proto === IPPROTO_TCP).slice(1);
    // the FIN/ACK carries the ACK of our FIN: no separate pure ACK (as in the seed)
    expect(after.map((r) => [r.m.tcpFlags, r.m.seq - srvIsn, r.m.ack - isn])).toEqual([[TCP_FIN | TCP_ACK, 1, 2]]);
    expect(after[0]!.m.window).toBe(510);
    app.send(seg(isn + 2, srvIsn + 2, TCP_ACK, ts(4090394019, after[0]!.m.tsVal)));
    await w.wait(5);
    expect(w.host('server1')!.tcp.connections()).toHaveLength(0); // LAST_ACK -> CLOSED
  });

  it('answers a tunnelled UDP datagram from the VIP, and ICMP port unreachable when stopped', async () => {
    const { w, app } = setup();
    const probe = () => tunnel(buildUdpFrame({ src: APPLIANCE_IP, dst: VIP, sport: 60101, dport: 161, payload: '' }));
    app.send(probe());
    await w.wait(5);
    const reply = app.ip().find((r) => r.m.proto === IPPROTO_UDP)!;
    expect(formatIpv4(reply.m.ipSrc)).toBe('192.168.193.50');
    expect(reply.m.sport).toBe(161);
    expect(reply.m.dport).toBe(60101);

    w.host('server1')!.setService('udp', 161, false);
    app.send(probe());
    await w.wait(5);
    const icmp = app.ip().find((r) => r.m.proto === IPPROTO_ICMP)!;
    expect(icmp.m.icmpType).toBe(ICMP_DEST_UNREACH);
    expect(icmp.m.icmpCode).toBe(ICMP_PORT_UNREACH);
    expect(formatIpv4(icmp.m.ipSrc)).toBe('192.168.193.50');
    // the quote is the inner datagram: VIP:161 from the appliance
    expect(formatIpv4(icmp.m.inner.ipSrc)).toBe('192.168.193.181');
    expect(formatIpv4(icmp.m.inner.ipDst)).toBe('192.168.193.50');
    expect(icmp.m.inner.proto).toBe(IPPROTO_UDP);
    expect(icmp.m.inner.dport).toBe(161);
  });

  it('does not decapsulate for a packet whose inner destination is not local', async () => {
    const { w, app } = setup();
    const inner = buildTcpFrame({ src: CLIENT, dst: ipv4('10.9.9.9'), sport: 1000, dport: 80, flags: TCP_SYN });
    app.send(tunnel(inner));
    await w.wait(5);
    const s1 = w.host('server1')!;
    expect(s1.ip.stats.decapsulated).toBe(1);
    expect(s1.tcp.resetsSent).toBe(0);
    expect(w.host('client')!.nic('eth0').rxFrames).toBe(0);
  });
});
