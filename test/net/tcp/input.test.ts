// Whatever arrives, the stack never throws: segments whose offsets do not fit their buffer are
// counted and dropped, and random segments at a listener or an established connection leave
// it consistent (it still moves data afterwards).
import { describe, expect, it } from 'vitest';
import type { TcpConnection } from '../../../src/net/tcp/index.js';
import { DropReason, IpMeta } from '../../../src/packet/meta.js';
import { IPPROTO_TCP } from '../../../src/packet/ipv4.js';
import { TCP_ACK, parseTcp, setTcpChecksum, writeTcpHeader } from '../../../src/packet/tcp.js';
import { Prng } from '../../../src/util/prng.js';
import { A_IP, B_IP, Pair, decode } from './harness.js';
import { inject } from './inject.js';

function validSegment(): { buf: Uint8Array; m: IpMeta } {
  const buf = new Uint8Array(40);
  writeTcpHeader(buf, 0, 1234, 80, 1, 1, TCP_ACK, 1000);
  setTcpChecksum(buf, 0, buf.length, A_IP, B_IP);
  return { buf, m: decode(A_IP, B_IP, buf)! };
}

describe('malformed input', () => {
  it('segments whose offsets do not fit the buffer are counted and dropped, never thrown on', () => {
    const pair = new Pair();
    pair.b.listen(80, () => {});
    const bad: ((m: IpMeta) => void)[] = [
      (m) => (m.l4Off = -1),
      (m) => (m.payloadOff = 1000),
      (m) => (m.payloadLen = 5000),
      (m) => (m.payloadLen = -3),
      (m) => (m.payloadLen = Number.NaN),
      (m) => (m.tcpDataOffset = 3),
      (m) => (m.tcpDataOffset = 16),
      (m) => (m.payloadOff = m.l4Off + 12),
      (m) => (m.l4Off = Number.POSITIVE_INFINITY),
    ];
    for (const spoil of bad) {
      const { buf, m } = validSegment();
      m.dport = 80;
      spoil(m);
      expect(() => pair.b.input(A_IP, B_IP, buf, m)).not.toThrow();
    }
    expect(() => pair.b.input(A_IP, B_IP, new Uint8Array(0), new IpMeta())).not.toThrow();
    expect(pair.b.malformed).toBe(bad.length + 1);
    pair.run(100);
    expect(pair.seen).toHaveLength(0);
  });

  it('random bytes, random metas and random segments at an established connection never throw', () => {
    const pair = new Pair({ record: false });
    let server: TcpConnection | null = null;
    pair.b.listen(80, (c) => (server = c));
    let client = pair.a.connect(B_IP, 80);
    pair.run(50);
    let reopened = 0;
    const r = new Prng(99);
    const bytes = (n: number) => Uint8Array.from({ length: n }, () => r.u32() & 0xff);
    for (let i = 0; i < 3000; i++) {
      // random bytes through the real parser
      const buf = bytes(r.int(0, 80));
      const m = new IpMeta();
      m.ipSrc = A_IP;
      m.ipDst = B_IP;
      m.proto = IPPROTO_TCP;
      m.l4Off = 0;
      if (parseTcp(buf, 0, buf.length, m, 0) === DropReason.OK) pair.b.input(A_IP, B_IP, buf, m);
      // a meta with random numbers
      const junk = new IpMeta();
      for (const k of ['l4Off', 'payloadOff', 'payloadLen', 'tcpDataOffset', 'seq', 'ack', 'tcpFlags', 'window', 'sport', 'dport', 'mss', 'wscale', 'sackBlocks'] as const) {
        (junk as unknown as Record<string, number>)[k] = r.int(-5, 70000) * (r.float() < 0.1 ? 1e6 : 1);
      }
      pair.b.input(A_IP, B_IP, bytes(r.int(0, 100)), junk);
      // a segment for the connection with random flags, numbers and payload
      const near = (x: number) => (x + r.int(-70000, 70000)) >>> 0;
      inject(pair.b, A_IP, B_IP, {
        sport: client.lport, dport: 80, seq: r.float() < 0.5 ? near(server!.rcvNxt) : r.u32(),
        ack: r.float() < 0.5 ? near(server!.sndNxt) : r.u32(), flags: r.int(0, 255) & ~0x02 | (r.float() < 0.02 ? 0x02 : 0),
        window: r.int(0, 65535), payload: bytes(r.int(0, 30)),
      });
      pair.run(r.int(0, 3));
      if (server!.state === 'CLOSED' || client.state === 'CLOSED') {
        reopened++;
        client.abort();
        client = pair.a.connect(B_IP, 80);
        pair.run(50);
      }
    }
    expect(pair.b.malformed).toBeGreaterThan(100);
    expect(reopened).toBeLessThan(100);
  });

  it('after a storm of garbage at it, an established connection still carries data', () => {
    const pair = new Pair({ record: false });
    let server: TcpConnection | null = null;
    pair.b.listen(80, (c) => (server = c));
    const client = pair.a.connect(B_IP, 80);
    pair.run(50);
    const r = new Prng(5);
    for (let i = 0; i < 500; i++) {
      // out-of-window junk only: it must not disturb the connection
      inject(pair.b, A_IP, B_IP, {
        sport: client.lport, dport: 80, seq: (server!.rcvNxt + 200_000 + r.int(0, 1e6)) >>> 0, ack: r.u32(),
        flags: TCP_ACK, payload: new Uint8Array(r.int(0, 20)),
      });
    }
    const got: number[] = [];
    server!.onData = (d) => got.push(d.length);
    client.write(new Uint8Array(5000));
    pair.run(2000);
    expect(got.reduce((a, b) => a + b, 0)).toBe(5000);
    expect(server!.state).toBe('ESTABLISHED');
  });
});
