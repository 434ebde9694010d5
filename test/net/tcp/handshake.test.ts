// Opening connections: the SYN and SYN-ACK of each profile (option order and windows as the
// lab captures show them), MSS and window scale negotiation, RST for a closed port, SYN
// retransmission, simultaneous open, and the ephemeral port allocator.
import { describe, expect, it } from 'vitest';
import { LINUX_TCP, WINDOWS_TCP, TcpStack, type TcpConnection, type TcpEndReason } from '../../../src/net/tcp/index.js';
import { TCP_ACK, TCP_RST, TCP_SYN } from '../../../src/packet/tcp.js';
import { VirtualClock } from '../../../src/util/clock.js';
import { Prng } from '../../../src/util/prng.js';
import { A_IP, B_IP, Pair, randomBytes } from './harness.js';

function open(pair: Pair, port = 80): { client: TcpConnection; server: () => TcpConnection | null } {
  let server: TcpConnection | null = null;
  pair.b.listen(port, (c) => (server = c));
  const client = pair.a.connect(B_IP, port);
  pair.run(50);
  return { client, server: () => server };
}

describe('handshake', () => {
  it('Linux to Linux: SYN options mss,sackOK,TS,nop,wscale 7 win 64240; SYN-ACK win 65160; then scaled windows', () => {
    const pair = new Pair();
    const { client, server } = open(pair);
    const [syn, synAck, ack] = pair.seen;
    expect(syn!.flags).toBe(TCP_SYN);
    expect(syn!.options).toBe('mss 1460,sackOK,TS,nop,wscale 7');
    expect(syn!.window).toBe(64240);
    expect(synAck!.flags).toBe(TCP_SYN | TCP_ACK);
    expect(synAck!.options).toBe('mss 1460,sackOK,TS,nop,wscale 7');
    expect(synAck!.window).toBe(65160);
    expect(synAck!.ack).toBe((syn!.seq + 1) >>> 0);
    expect(ack!.flags).toBe(TCP_ACK);
    expect(ack!.options).toBe('nop,nop,TS');
    expect(ack!.window).toBe(510); // 65160 >> 7, rounded up
    expect(client.state).toBe('ESTABLISHED');
    expect(server()!.state).toBe('ESTABLISHED');
    expect(client.tsOk && client.sackOk && client.wscaleOk).toBe(true);
    expect(client.info().mss).toBe(1448);
    expect(client.info().sndWnd).toBe(65160);
    expect(server()!.info().sndWnd).toBe(510 * 128);
  });

  it('Windows to Linux: mss,nop,wscale 8,nop,nop,sackOK win 65535; Linux answers without timestamps; windows 255 and 502', () => {
    const pair = new Pair({ profileA: WINDOWS_TCP });
    const { client, server } = open(pair);
    const [syn, synAck, ack] = pair.seen;
    expect(syn!.options).toBe('mss 1460,nop,wscale 8,nop,nop,sackOK');
    expect(syn!.window).toBe(65535);
    expect(synAck!.options).toBe('mss 1460,nop,nop,sackOK,nop,wscale 7');
    expect(synAck!.window).toBe(64240);
    expect(ack!.window).toBe(255);
    expect(client.tsOk).toBe(false);
    client.write('x');
    pair.run(50);
    expect(pair.seen.at(-1)!.from).toBe('b');
    expect(pair.seen.at(-1)!.window).toBe(502);
    expect(server()!.info().mss).toBe(1460);
  });

  it('segments never exceed the smaller MSS of the two ends', () => {
    const pair = new Pair({ profileB: { ...LINUX_TCP, mss: 1000 } });
    const { client } = open(pair);
    expect(pair.seen[1]!.mss).toBe(1000);
    client.write(randomBytes(20_000, 3));
    pair.run(1000);
    const sizes = pair.seen.filter((s) => s.from === 'a' && s.len > 0).map((s) => s.len);
    expect(Math.max(...sizes)).toBe(988);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(20_000);
  });

  it('a closed port answers [R.] seq 0 ack isn+1 win 0', () => {
    const pair = new Pair();
    const c = pair.a.connect(B_IP, 81);
    let end: TcpEndReason | null = null;
    c.onEnd = (e) => (end = e);
    pair.run(50);
    const [syn, rst] = pair.seen;
    expect(rst!.flags).toBe(TCP_RST | TCP_ACK);
    expect(rst!.seq).toBe(0);
    expect(rst!.ack).toBe((syn!.seq + 1) >>> 0);
    expect(rst!.window).toBe(0);
    expect(rst!.options).toBe('');
    expect(end).toBe('reset');
    expect(pair.b.resetsSent).toBe(1);
  });

  it('retransmits an unanswered SYN after 1, 2, 4, 8... s and gives up after synRetries', () => {
    const pair = new Pair({ profileA: { ...LINUX_TCP, synRetries: 4 } });
    pair.drop = () => true;
    const c = pair.a.connect(B_IP, 80);
    let end: TcpEndReason | null = null;
    c.onEnd = (e) => (end = e);
    pair.run(60_000);
    expect(pair.seen.map((s) => s.t)).toEqual([0, 1000, 3000, 7000, 15000]);
    expect(new Set(pair.seen.map((s) => s.seq)).size).toBe(1);
    expect(end).toBe('timeout');
    expect(pair.clock.now()).toBeGreaterThanOrEqual(31_000);
    expect(pair.a.connections()).toHaveLength(0);
  });

  it('simultaneous open: two SYNs cross, both ends get ESTABLISHED', () => {
    const pair = new Pair();
    const a = pair.a.connect(B_IP, 7000, { sport: 6000 });
    const b = pair.b.connect(A_IP, 6000, { sport: 7000 });
    let up = 0;
    a.onEstablished = () => up++;
    b.onEstablished = () => up++;
    pair.run(100);
    expect(a.state).toBe('ESTABLISHED');
    expect(b.state).toBe('ESTABLISHED');
    expect(up).toBe(2);
    const got: string[] = [];
    b.onData = (d) => got.push(Buffer.from(d).toString());
    a.write('hello');
    pair.run(100);
    expect(got.join('')).toBe('hello');
  });

  it('takes ephemeral ports from the allocator and gives them back when the connection is gone', () => {
    const clock = new VirtualClock();
    const given: number[] = [];
    const back: number[] = [];
    let next = 40000;
    const stack = new TcpStack({
      clock, rng: new Prng(1), profile: LINUX_TCP, output: () => true, localAddressFor: () => A_IP,
      allocPort: () => {
        given.push(next);
        return next++;
      },
      releasePort: (p) => back.push(p),
    });
    const c1 = stack.connect(B_IP, 80);
    const c2 = stack.connect(B_IP, 80, { sport: 1234 });
    expect([c1.lport, c2.lport]).toEqual([40000, 1234]);
    c1.abort();
    c2.abort();
    expect(given).toEqual([40000]);
    expect(back).toEqual([40000]);
  });

  it('without a route the connect fails as unreachable, and no SYN leaves', () => {
    const clock = new VirtualClock();
    let sent = 0;
    const stack = new TcpStack({ clock, rng: new Prng(1), profile: LINUX_TCP, output: () => (sent++, true), localAddressFor: () => null });
    const c = stack.connect(B_IP, 80);
    let end: TcpEndReason | null = null;
    c.onEnd = (e) => (end = e);
    clock.advance(1);
    expect(end).toBe('unreachable');
    expect(sent).toBe(0);
  });
});
