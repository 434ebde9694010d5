// The default lab without the appliance: client <-> router <-> servers.
import { describe, expect, it } from 'vitest';
import { formatIpv4, formatMac, ipv4, mac } from '../../src/net/addr.js';
import {
  ETHERTYPE_ARP, ICMP_DEST_UNREACH, buildIcmpEchoFrame, ICMP_PORT_UNREACH, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, TCP_ACK, TCP_RST, TCP_SYN,
} from '../../src/packet/index.js';
import { defaultLab } from '../../src/lab/index.js';
import { FakeAppliance, record, tcpOptionShape, tcpOptions, type Seen } from './helpers.js';

const RIP1 = '192.168.211.150';
const RIP2 = '192.168.211.151';
const CLIENT = '192.168.212.225';
const VIP = '192.168.193.50';

const isTcp = (s: Seen) => s.m.etherType === 0x0800 && s.m.proto === IPPROTO_TCP;
const dir = (from: string, to: string) => (s: Seen) => s.from === from && s.to === to;

describe('default lab: hosts and router', () => {
  it('resolves ARP hop by hop and answers ping through the router', async () => {
    const w = defaultLab();
    const seen = record(w);
    const client = w.host('client')!;
    const router = w.host('router')!;
    const r = await w.settle(client.ping(RIP1), 5000);
    expect(r).toMatchObject({ outcome: 'reply', ttl: 63 });
    expect(formatIpv4((r as { from: number }).from)).toBe(RIP1);
    // the client learnt its gateway's (VRRP) MAC, the router learnt both ends
    expect(formatMac(client.arp.lookup(client.nic('eth0'), ipv4('192.168.212.1'))!)).toBe('00:00:5e:00:01:d4');
    expect(formatMac(router.arp.lookup(router.nic('eth1'), ipv4(RIP1))!)).toBe('d4:ae:52:ca:a2:98');
    expect(router.arp.lookup(router.nic('eth2'), ipv4(CLIENT))).not.toBeNull();
    const arps = seen.filter((s) => s.m.etherType === ETHERTYPE_ARP);
    expect(arps.map((s) => `${s.from} ${s.m.arpOp} ${formatIpv4(s.m.arpTpa)}`)).toEqual([
      'client.eth0 1 192.168.212.1', 'router.eth2 2 192.168.212.225',
      'router.eth1 1 192.168.211.150', 'sw1.2 1 192.168.211.150', 'sw1.3 1 192.168.211.150',
      'server1.eno1 2 192.168.211.1', 'sw1.1 2 192.168.211.1',
    ]);
    // forwarded toward the servers from the router's physical MAC, to the server
    const toServer = seen.find((s) => s.from === 'router.eth1' && s.m.proto === IPPROTO_ICMP)!;
    expect(formatMac(toServer.m.srcMac)).toBe('00:d0:f8:22:35:42');
    expect(toServer.m.ttl).toBe(127); // the client is Windows-like (TTL 128)
  });

  it('reports unreachable when the router cannot resolve the destination', async () => {
    const w = defaultLab();
    const client = w.host('client')!;
    const start = w.clock.now();
    const r = await w.settle(client.ping('192.168.211.99', { timeoutMs: 10_000 }), 20_000);
    expect(r).toMatchObject({ outcome: 'unreachable', code: 1 });
    // Linux sends the error from its address on the way back to the sender
    expect(formatIpv4((r as { from: number }).from)).toBe('192.168.212.1');
    expect(w.clock.now() - start).toBeGreaterThanOrEqual(3000); // 3 ARP tries, 1 s apart
  });

  it('serves HTTP: a GET from the client to each RIP answers 200 and the server name', async () => {
    const w = defaultLab();
    const seen = record(w);
    const client = w.host('client')!;
    const r1 = await w.settle(client.httpGet(RIP1), 15_000);
    expect(r1).toMatchObject({ outcome: 'ok', status: 200, reason: 'OK', server: 'server1' });
    expect(r1!.headers.get('content-length')).toBe('8');
    expect(r1!.headers.get('connection')).toBe('close');
    const r2 = await w.settle(client.httpGet(RIP2), 15_000);
    expect(r2).toMatchObject({ outcome: 'ok', status: 200, server: 'server2' });

    const tcp = seen.filter((s) => isTcp(s) && s.from === 'client.eth0' || isTcp(s) && s.from === 'server1.eno1');
    const syn = tcp.find((s) => s.m.tcpFlags === TCP_SYN)!;
    expect(tcpOptions(syn)).toBe('mss 1460,nop,wscale 8,nop,nop,sackOK');
    expect(syn.m.window).toBe(65535);
    expect(syn.m.sport).toBeGreaterThanOrEqual(49152);
    const synAck = tcp.find((s) => s.m.tcpFlags === (TCP_SYN | TCP_ACK))!;
    expect(tcpOptions(synAck)).toBe('mss 1460,nop,nop,sackOK,nop,wscale 7');
    expect(synAck.m.window).toBe(64240);
    expect(synAck.m.ack).toBe((syn.m.seq + 1) >>> 0);
    expect(formatMac(synAck.m.dstMac)).toBe('00:00:5e:00:01:d3');
    const request = tcp.find((s) => s.from === 'client.eth0' && s.m.payloadLen > 0)!;
    expect(Buffer.from(request.frame.subarray(request.m.payloadOff, request.m.l3End)).toString())
      .toBe(`GET / HTTP/1.1\r\nHost: ${RIP1}\r\nUser-Agent: curl/7.55.1\r\nAccept: */*\r\n\r\n`); // as the seed's curl
    expect(request.m.window).toBe(255);
    const data = tcp.filter((s) => s.from === 'server1.eno1' && s.m.payloadLen > 0);
    expect(data).toHaveLength(1);
    expect(data[0]!.m.window).toBe(502);
    expect(Buffer.from(data[0]!.frame.subarray(data[0]!.m.payloadOff, data[0]!.m.payloadOff + 17)).toString()).toBe('HTTP/1.1 200 OK\r\n');
    // both sides sent a FIN and the client's connection is gone from the table (TIME_WAIT at most)
    const fins = tcp.filter((s) => (s.m.tcpFlags & 1) !== 0 && s.m.sport !== 0 && (s.m.sport === syn.m.sport || s.m.dport === syn.m.sport));
    expect(fins).toHaveLength(2);
    expect(client.tcp.connections().every((c) => c.state === 'TIME_WAIT')).toBe(true);
  });

  it('answers other methods with 405 and garbage with 400, naming itself in X-Served-By', async () => {
    const w = defaultLab();
    const ask = (text: string) => new Promise<string>((resolve) => {
      const c = w.host('client')!.tcp.connect(ipv4(RIP2), 80);
      let got = '';
      c.onEstablished = () => c.write(text);
      c.onData = (d) => (got += Buffer.from(d).toString());
      c.onPeerClose = () => c.close();
      c.onEnd = () => resolve(got);
    });
    const brew = await w.settle(ask('BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n'), 5000);
    expect(brew).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    expect(brew).toContain('\r\nX-Served-By: server2\r\n');
    const junk = await w.settle(ask('hello\r\n\r\n'), 5000);
    expect(junk).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
  });

  it('uses Linux timestamps between Linux hosts (SYN-ACK win 65160, then 510)', async () => {
    const w = defaultLab();
    const seen = record(w);
    const r = await w.settle(w.host('server1')!.httpGet(RIP2), 15_000);
    expect(r?.server).toBe('server2');
    const out = seen.filter((s) => isTcp(s) && (s.from === 'server1.eno1' || s.from === 'server2.eno1'));
    const syn = out.find((s) => s.m.tcpFlags === TCP_SYN)!;
    expect(tcpOptionShape(syn)).toBe('mss 1460,sackOK,TS,nop,wscale 7');
    expect(syn.m.tsEcr).toBe(0);
    expect(syn.m.window).toBe(64240);
    const synAck = out.find((s) => s.m.tcpFlags === (TCP_SYN | TCP_ACK))!;
    expect(tcpOptionShape(synAck)).toBe('mss 1460,sackOK,TS,nop,wscale 7');
    expect(synAck.m.tsEcr).toBe(syn.m.tsVal);
    expect(synAck.m.window).toBe(65160);
    const later = out.filter((s) => s.from === 'server2.eno1' && !(s.m.tcpFlags & TCP_SYN));
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((s) => s.m.window === 510 && tcpOptionShape(s) === 'nop,nop,TS')).toBe(true);
  });

  it('answers a SYN to a stopped TCP port with [R.] seq 0 ack isn+1 win 0', async () => {
    const w = defaultLab();
    const seen = record(w);
    const client = w.host('client')!;
    const server1 = w.host('server1')!;
    server1.setService('tcp', 80, false);
    const r = await w.settle(client.httpGet(RIP1), 15_000);
    expect(r?.outcome).toBe('reset');
    const syn = seen.find((s) => isTcp(s) && s.from === 'client.eth0' && s.m.tcpFlags === TCP_SYN)!;
    const rst = seen.find((s) => isTcp(s) && s.from === 'server1.eno1')!;
    expect(rst.m.tcpFlags).toBe(TCP_RST | TCP_ACK);
    expect(rst.m.seq).toBe(0);
    expect(rst.m.ack).toBe((syn.m.seq + 1) >>> 0);
    expect(rst.m.window).toBe(0);
    expect(rst.m.tcpDataOffset).toBe(5);
    server1.setService('tcp', 80, true);
    expect((await w.settle(client.httpGet(RIP1), 15_000))?.status).toBe(200);
  });

  it('echoes UDP, and answers ICMP port unreachable quoting the datagram when stopped', async () => {
    const w = defaultLab();
    const seen = record(w);
    const client = w.host('client')!;
    const r = await w.settle(client.udpRequest(RIP1, 161, 'hello'), 5000);
    expect(r?.outcome).toBe('reply');
    expect(Buffer.from((r as { payload: Uint8Array }).payload).toString()).toBe('hello');

    w.host('server1')!.setService('udp', 161, false);
    const u = await w.settle(client.udpRequest(RIP1, 161, 'hello'), 5000);
    expect(u).toMatchObject({ outcome: 'unreachable', code: ICMP_PORT_UNREACH });
    const dgram = seen.filter((s) => s.from === 'client.eth0' && s.m.proto === IPPROTO_UDP).at(-1)!;
    const icmp = seen.find((s) => s.from === 'server1.eno1' && s.m.proto === IPPROTO_ICMP)!;
    expect(icmp.m.icmpType).toBe(ICMP_DEST_UNREACH);
    expect(icmp.m.icmpCode).toBe(ICMP_PORT_UNREACH);
    expect(formatIpv4(icmp.m.ipSrc)).toBe(RIP1);
    expect(icmp.m.tos).toBe(0xc0);
    // the quote is the whole datagram as the server received it (TTL one less than sent)
    const quoted = icmp.frame.subarray(icmp.m.icmpInnerOff, icmp.m.l3End);
    const original = Uint8Array.from(dgram.frame.subarray(dgram.m.l3Off, dgram.m.l3End));
    expect(quoted.length).toBe(original.length);
    expect(quoted[8]).toBe(original[8]! - 1);
    expect(Buffer.from(quoted.subarray(12)).equals(Buffer.from(original.subarray(12)))).toBe(true);
  });

  it('the router forwards toward the appliance from 00:06:c4:74:5b:b0 for the client network, else 00:d0:f8:22:35:42', async () => {
    const w = defaultLab();
    const app = new FakeAppliance(w, 1, undefined, [ipv4('192.168.193.181'), ipv4(VIP)]);
    const client = w.host('client')!;
    void client.httpGet(VIP, { timeoutMs: 2000 });
    void w.host('server1')!.ping('192.168.193.181');
    await w.wait(50);
    const fromClient = app.ip().find((r) => r.m.proto === IPPROTO_TCP)!;
    expect(formatMac(fromClient.m.srcMac)).toBe('00:06:c4:74:5b:b0');
    expect(formatMac(fromClient.m.dstMac)).toBe('00:06:c4:90:03:93');
    expect(formatIpv4(fromClient.m.ipDst)).toBe(VIP);
    expect(fromClient.m.ttl).toBe(127);
    const fromServer = app.ip().find((r) => r.m.proto === IPPROTO_ICMP)!;
    expect(formatMac(fromServer.m.srcMac)).toBe('00:d0:f8:22:35:42');
    expect(fromServer.m.ttl).toBe(63);
    // the router's own ARP for the appliance comes from its VRRP MAC
    const arp = app.received.find((r) => r.m.etherType === ETHERTYPE_ARP)!;
    expect(formatMac(arp.m.arpSha)).toBe('00:00:5e:00:01:c1');
  });

  it('the router also takes frames sent to its physical MACs', async () => {
    const w = defaultLab();
    const app = new FakeAppliance(w, 1);
    for (const [i, dstMac] of ['00:06:c4:74:5b:b0', '00:d0:f8:22:35:42', '00:00:5e:00:01:c1', '02:00:00:00:00:99'].entries()) {
      app.send(buildIcmpEchoFrame({ src: ipv4('192.168.193.181'), dst: ipv4(CLIENT), id: 7, seq: i, dstMac: mac(dstMac), srcMac: app.hwMac }));
    }
    await w.wait(20);
    const replies = app.ip().filter((r) => r.m.proto === IPPROTO_ICMP && r.m.icmpType === 0);
    expect(replies.map((r) => r.m.icmpSeq)).toEqual([0, 1, 2]);
  });

  it('retransmits an unanswered SYN after 1, 2 and 4 s and reports timeout at 10 s', async () => {
    const w = defaultLab();
    const seen = record(w);
    new FakeAppliance(w, 1, undefined, [ipv4('192.168.193.181'), ipv4(VIP)]); // swallows the SYNs
    const r = await w.settle(w.host('client')!.httpGet(VIP, { timeoutMs: 10_000 }), 20_000);
    expect(r?.outcome).toBe('timeout');
    expect(r!.ms).toBe(10_000);
    const syns = seen.filter((x) => dir('client.eth0', 'router.eth2')(x) && isTcp(x) && x.m.tcpFlags === TCP_SYN);
    expect(syns.map((s) => Math.round(s.t - syns[0]!.t))).toEqual([0, 1000, 3000, 7000]);
    expect(new Set(syns.map((s) => s.m.seq)).size).toBe(1);
    expect(new Set(syns.map((s) => s.m.sport)).size).toBe(1);
    // the SYNs did reach the appliance's port
    expect(seen.filter((x) => dir('router.eth0', 'appliance.1')(x) && isTcp(x))).toHaveLength(4);
  });

  it('keeps frames at the Ethernet minimum of 60 bytes', async () => {
    const w = defaultLab();
    const seen = record(w);
    await w.settle(w.host('client')!.httpGet(RIP1), 15_000);
    expect(seen.every((s) => s.frame.length >= 60)).toBe(true);
  });
});
