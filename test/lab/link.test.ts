import { describe, expect, it } from 'vitest';
import { formatIpv4, ipv4, mac } from '../../src/net/addr.js';
import { ARP_REQUEST, DropReason, ETHERTYPE_ARP, ICMP_ECHO_REQUEST, PacketMeta, buildArpFrame, buildIcmpEchoFrame, decodeFrame } from '../../src/packet/index.js';
import { L2Switch, Link, LinkPort, LabWorld } from '../../src/lab/index.js';
import { VirtualClock } from '../../src/util/clock.js';

describe('virtual links', () => {
  it('copy the frame on send and deliver it after the link delay, in order', () => {
    const clock = new VirtualClock();
    const link = new Link(clock, 0.05);
    const got: string[] = [];
    link.b.rx = (f, len) => got.push(Buffer.from(f.subarray(0, len)).toString('hex'));
    const buf = new Uint8Array([1, 2, 3, 4]);
    link.a.send(buf, 3);
    buf[0] = 9; // the link kept its own copy
    link.a.send(buf, 4);
    clock.advance(0.04);
    expect(got).toEqual([]);
    clock.advance(0.02);
    expect(got).toEqual(['010203', '09020304']);
  });

  it('give taps their own copy: a receiver rewriting its frame in place does not change it', () => {
    const clock = new VirtualClock();
    const link = new Link(clock);
    const tapped: Uint8Array[] = [];
    link.tap((f) => tapped.push(f));
    link.b.rx = (f) => f.fill(0xee);
    link.a.send(new Uint8Array([1, 2, 3]));
    clock.advance(1);
    expect([...tapped[0]!]).toEqual([1, 2, 3]);
  });

  it('drop frames while down', () => {
    const clock = new VirtualClock();
    const link = new Link(clock);
    let n = 0;
    link.a.rx = () => n++;
    link.up = false;
    link.b.send(new Uint8Array(60));
    clock.advance(1);
    expect(n).toBe(0);
  });

  it('a LinkPort carries frames both ways between the appliance and a lab host', async () => {
    const w = new LabWorld();
    const h = w.addHost('h');
    h.addNic('eth0', '02:00:00:00:00:0a', ['10.0.0.1/24']);
    w.connect('h.eth0', 'appliance.3');
    expect(w.connectedPorts()).toEqual([3]);
    expect(w.portBackend(2)).toBeNull();
    const port = w.portBackend(3)!;
    expect(port).toBeInstanceOf(LinkPort);

    const rx: PacketMeta[] = [];
    port.attach((f, len) => {
      const m = new PacketMeta();
      expect(decodeFrame(f, len, m)).toBe(DropReason.OK);
      rx.push(m);
    });
    const myMac = mac('02:00:00:00:00:ff');
    const ping = h.ping('10.0.0.2', { timeoutMs: 500 });
    w.runFor(1);
    // host -> appliance: the ARP request for 10.0.0.2
    expect(rx).toHaveLength(1);
    expect(rx[0]!.etherType).toBe(ETHERTYPE_ARP);
    expect(rx[0]!.arpOp).toBe(ARP_REQUEST);
    expect(formatIpv4(rx[0]!.arpTpa)).toBe('10.0.0.2');
    // appliance -> host: the reply; the host then sends the echo request to our MAC
    port.transmit(buildArpFrame({ op: 'reply', sha: myMac, spa: ipv4('10.0.0.2'), tha: rx[0]!.arpSha, tpa: ipv4('10.0.0.1') }), 42);
    w.runFor(1);
    expect(h.arp.lookup(h.nic('eth0'), ipv4('10.0.0.2'))).toBe(myMac);
    const echo = rx[1]!;
    expect(echo.dstMac).toBe(myMac);
    expect(echo.icmpType).toBe(ICMP_ECHO_REQUEST);
    port.transmit(buildIcmpEchoFrame({ reply: true, id: echo.icmpId, seq: echo.icmpSeq, src: ipv4('10.0.0.2'), dst: ipv4('10.0.0.1'), srcMac: myMac, dstMac: echo.srcMac }), 98);
    const r = await w.settle(ping, 1000);
    expect(r?.outcome).toBe('reply');

    // detached: nothing is delivered any more
    port.detach();
    void h.ping('10.0.0.3', { timeoutMs: 100 });
    w.runFor(1);
    expect(rx).toHaveLength(2);
  });

  it('a switch learns where MACs are and floods the rest', () => {
    const w = new LabWorld();
    const sw: L2Switch = w.addSwitch('sw', 4);
    const a = w.addHost('a');
    a.addNic('e', '02:00:00:00:00:01', ['10.1.0.1/24']);
    const b = w.addHost('b');
    b.addNic('e', '02:00:00:00:00:02', ['10.1.0.2/24']);
    const c = w.addHost('c');
    c.addNic('e', '02:00:00:00:00:03', ['10.1.0.3/24']);
    w.connect('a.e', sw.port(1));
    w.connect('b.e', 'sw.2');
    w.connect('c.e', 'sw.3');
    void a.ping('10.1.0.2');
    w.runFor(5);
    // the ARP request reached c (flooded), the unicast echo did not
    expect(c.nic('e').rxFrames).toBe(1);
    expect(b.icmp.echoReplies).toBe(1);
  });

  it('refuses to plug two links into one endpoint', () => {
    const w = new LabWorld();
    const h = w.addHost('h');
    h.addNic('eth0', '02:00:00:00:00:0a');
    w.connect('h.eth0', 'appliance.1');
    expect(() => w.connect('appliance.1', w.addSwitch('s').port(1))).toThrow(/already connected/);
    expect(() => w.endpoint('nobody.eth0')).toThrow(/no host or switch/);
  });
});
