// Control: RST handling with RFC 5961's checks, keepalive, closing (half-close, simultaneous
// close, TIME_WAIT and its 2 MSL, abort).
import { describe, expect, it } from 'vitest';
import { LINUX_TCP, type TcpConnection, type TcpEndReason } from '../../../src/net/tcp/index.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../../../src/packet/tcp.js';
import { A_IP, B_IP, Pair } from './harness.js';
import { inject } from './inject.js';

function connected(pair: Pair): { client: TcpConnection; server: TcpConnection } {
  let server: TcpConnection | null = null;
  pair.b.listen(80, (c) => (server = c));
  const client = pair.a.connect(B_IP, 80);
  pair.run(50);
  return { client, server: server! };
}

function ends(c: TcpConnection): { why: TcpEndReason | null } {
  const e = { why: null as TcpEndReason | null };
  c.onEnd = (w) => (e.why = w);
  return e;
}

describe('RST and RFC 5961', () => {
  it('a RST in the window but not at RCV.NXT gets a challenge ACK; the exact one resets', () => {
    const pair = new Pair();
    const { client, server } = connected(pair);
    const end = ends(server);
    const before = pair.seen.length;
    inject(pair.b, A_IP, B_IP, { sport: client.lport, dport: 80, seq: server.rcvNxt + 1000, flags: TCP_RST });
    pair.run(20);
    const challenge = pair.seen.slice(before);
    expect(challenge).toHaveLength(1);
    expect(challenge[0]!.from).toBe('b');
    expect(challenge[0]!.flags).toBe(TCP_ACK);
    expect(challenge[0]!.ack).toBe(server.rcvNxt);
    expect(server.state).toBe('ESTABLISHED');
    expect(server.challengeAcks).toBe(1);
    // Outside the window: dropped without a word.
    inject(pair.b, A_IP, B_IP, { sport: client.lport, dport: 80, seq: server.rcvNxt + 10_000_000, flags: TCP_RST });
    pair.run(20);
    expect(pair.seen.length).toBe(before + 1);
    expect(server.state).toBe('ESTABLISHED');
    inject(pair.b, A_IP, B_IP, { sport: client.lport, dport: 80, seq: server.rcvNxt, flags: TCP_RST });
    expect(server.state).toBe('CLOSED');
    expect(end.why).toBe('reset');
    expect(pair.b.connections()).toHaveLength(0);
  });

  it('a SYN on an established connection gets a challenge ACK and changes nothing', () => {
    const pair = new Pair();
    const { client, server } = connected(pair);
    const before = pair.seen.length;
    inject(pair.b, A_IP, B_IP, { sport: client.lport, dport: 80, seq: 12345, flags: TCP_SYN });
    pair.run(20);
    expect(pair.seen.slice(before).map((s) => [s.from, s.flags])).toEqual([['b', TCP_ACK]]);
    expect(server.state).toBe('ESTABLISHED');
    expect(client.state).toBe('ESTABLISHED');
  });

  it('abort() sends RST and the peer ends as reset', () => {
    const pair = new Pair();
    const { client, server } = connected(pair);
    const end = ends(server);
    client.abort();
    pair.run(20);
    expect(pair.seen.at(-1)!.flags).toBe(TCP_RST | TCP_ACK);
    expect(end.why).toBe('reset');
    expect(client.endReason).toBe('aborted');
  });
});

describe('keepalive', () => {
  it('probes an idle connection; the peer answers and the connection lives on', () => {
    const pair = new Pair();
    const { client } = connected(pair);
    client.setKeepAlive(true, { idleMs: 10_000, intervalMs: 1000, probes: 3 });
    const t0 = pair.clock.now();
    pair.run(35_000);
    const probes = pair.seen.filter((s) => s.from === 'a' && s.flags === TCP_ACK && s.len === 0 && s.seq === ((client.sndNxt - 1) >>> 0));
    expect(probes.map((s) => Math.round(s.t - t0))).toEqual([10_000, 20_010, 30_020]);
    // each answered by an ACK from the peer
    expect(pair.seen.filter((s) => s.from === 'b').length).toBeGreaterThanOrEqual(4);
    expect(client.state).toBe('ESTABLISHED');
    expect(client.keepAliveProbes).toBe(3);
  });

  it('ends the connection (timeout, with a RST) after the probe count when the peer is gone', () => {
    const pair = new Pair();
    const { client } = connected(pair);
    client.setKeepAlive(true, { idleMs: 10_000, intervalMs: 1000, probes: 3 });
    let end: TcpEndReason | null = null;
    let at = 0;
    client.onEnd = (e) => {
      end = e;
      at = pair.clock.now();
    };
    const t0 = pair.clock.now();
    pair.drop = () => true;
    pair.run(60_000);
    expect(end).toBe('timeout');
    expect(Math.round(at - t0)).toBe(13_000);
    expect(client.keepAliveProbes).toBe(3);
    expect(pair.seen.at(-1)!.flags).toBe(TCP_RST | TCP_ACK);
  });

  it('is off by default: an idle connection sends nothing', () => {
    const pair = new Pair({ profileA: { ...LINUX_TCP, keepAliveIdleMs: 1000 } });
    connected(pair);
    const before = pair.seen.length;
    pair.run(600_000);
    expect(pair.seen.length).toBe(before);
  });
});

describe('closing', () => {
  it('half-close: the side that shut down keeps receiving until the peer closes too', () => {
    const pair = new Pair();
    const { client, server } = connected(pair);
    const got: string[] = [];
    client.onData = (d) => got.push(Buffer.from(d).toString());
    let serverSawFin = false;
    server.onPeerClose = () => (serverSawFin = true);
    client.shutdown();
    pair.run(50);
    expect(client.state).toBe('FIN_WAIT_2');
    expect(serverSawFin).toBe(true);
    expect(server.state).toBe('CLOSE_WAIT');
    pair.run(120_000); // no FIN_WAIT_2 timeout after shutdown()
    server.write('late data');
    pair.run(50);
    expect(got.join('')).toBe('late data');
    server.close();
    pair.run(50);
    expect(client.state).toBe('TIME_WAIT');
    expect(server.state).toBe('CLOSED');
    expect(server.endReason).toBe('closed');
  });

  it('simultaneous close: both FINs cross, both ends go CLOSING then TIME_WAIT, then are forgotten after 2 MSL', () => {
    const pair = new Pair({ profileA: { ...LINUX_TCP, timeWaitMs: 30_000 }, profileB: { ...LINUX_TCP, timeWaitMs: 30_000 } });
    const { client, server } = connected(pair);
    const states: string[] = [];
    client.close();
    server.close();
    states.push(client.state, server.state);
    pair.run(7); // the FINs are on the wire, crossing
    states.push(client.state, server.state);
    pair.run(50);
    states.push(client.state, server.state);
    expect(states).toEqual(['FIN_WAIT_1', 'FIN_WAIT_1', 'CLOSING', 'CLOSING', 'TIME_WAIT', 'TIME_WAIT']);
    expect(client.endReason).toBe('closed');
    expect(server.endReason).toBe('closed');
    pair.run(29_000);
    expect(pair.a.connections()).toHaveLength(1);
    pair.run(1_100);
    expect(pair.a.connections()).toHaveLength(0);
    expect(pair.b.connections()).toHaveLength(0);
  });

  it('TIME_WAIT answers a retransmitted FIN with an ACK and starts its 2 MSL again', () => {
    const pair = new Pair();
    const { client, server } = connected(pair);
    client.close();
    pair.run(20);
    server.close();
    pair.run(20);
    expect(client.state).toBe('TIME_WAIT');
    expect(server.state).toBe('CLOSED');
    pair.run(40_000);
    const fin = pair.seen.filter((s) => s.from === 'b' && s.flags & TCP_FIN).at(-1)!;
    const before = pair.seen.length;
    pair.drop = () => true; // (that ACK gets lost too; the closed server would answer it with a RST)
    inject(pair.a, B_IP, A_IP, { sport: 80, dport: client.lport, seq: fin.seq, ack: fin.ack, flags: TCP_FIN | TCP_ACK });
    pair.run(10);
    expect(pair.seen.slice(before).map((s) => [s.from, s.flags, s.ack])).toEqual([['a', TCP_ACK, (fin.seq + 1) >>> 0]]);
    pair.run(50_000); // 90 s after the close: still there, the FIN restarted the 60 s
    expect(client.state).toBe('TIME_WAIT');
    pair.run(11_000);
    expect(pair.a.connections()).toHaveLength(0);
  });

  it('close() bounds FIN_WAIT_2 by the profile when the peer never closes (also after a shutdown())', () => {
    const pair = new Pair();
    const { client } = connected(pair);
    client.close();
    pair.run(50);
    expect(client.state).toBe('FIN_WAIT_2');
    pair.run(LINUX_TCP.finWait2Ms);
    expect(client.state).toBe('CLOSED');
    expect(client.endReason).toBe('closed');

    const pair2 = new Pair();
    const again = connected(pair2).client;
    again.shutdown();
    pair2.run(100_000);
    expect(again.state).toBe('FIN_WAIT_2');
    again.close();
    pair2.run(LINUX_TCP.finWait2Ms);
    expect(again.state).toBe('CLOSED');
  });
});

describe('buffers and ACKs', () => {
  it('a bigger receive buffer opens a bigger window (scaled), and the sender uses it', () => {
    const pair = new Pair();
    let server: TcpConnection | null = null;
    pair.b.listen(80, (c) => (server = c), { receiveBuffer: 1 << 20 });
    const client = pair.a.connect(B_IP, 80);
    pair.run(50);
    // The SYN-ACK keeps the profile's window; the next segment offers the whole buffer.
    expect(client.info().sndWnd).toBe(65160);
    server!.write('hi');
    pair.run(20);
    expect(pair.seen.find((s) => s.from === 'b' && s.len > 0)!.window).toBe(8192);
    expect(server!.info().rcvWnd).toBe(1 << 20);
    expect(client.info().sndWnd).toBe(1 << 20);
  });

  it('data written before the handshake completes leaves right after it', () => {
    const pair = new Pair();
    let got = '';
    pair.b.listen(80, (c) => (c.onData = (d) => (got += Buffer.from(d).toString())));
    const client = pair.a.connect(B_IP, 80);
    expect(client.write('early')).toBe(true);
    pair.run(50);
    expect(got).toBe('early');
    expect(pair.seen.map((s) => s.len)).toEqual([0, 0, 0, 5, 0]);
  });

  it('with a delayed-ACK profile, one segment is acknowledged after the delay, every second one at once', () => {
    const pair = new Pair({ profileB: { ...LINUX_TCP, delayedAckMs: 40 } });
    const { client } = connected(pair);
    const t0 = pair.clock.now();
    client.write('one');
    pair.run(100);
    const acks = () => pair.seen.filter((s) => s.from === 'b' && s.len === 0 && s.t > t0);
    expect(acks().map((s) => Math.round(s.t - t0))).toEqual([45]);
    client.write(new Uint8Array(2 * 1448));
    pair.run(100);
    expect(acks().map((s) => Math.round(s.t - t0))).toEqual([45, 105]);
  });

  it('write() returns false above the send buffer high-water mark and onDrain follows once the peer caught up', () => {
    const pair = new Pair();
    let server: TcpConnection | null = null;
    pair.b.listen(80, (c) => (server = c));
    const client = pair.a.connect(B_IP, 80, { sendBuffer: 100_000 });
    pair.run(50);
    let drained = 0;
    client.onDrain = () => drained++;
    expect(client.write(new Uint8Array(60_000))).toBe(true);
    expect(client.write(new Uint8Array(60_000))).toBe(false);
    expect(client.bufferedOut).toBeGreaterThan(100_000);
    pair.run(2000);
    expect(drained).toBe(1);
    expect(client.bufferedOut).toBe(0);
    void server;
  });
});
