// Loss recovery: fast retransmit after three duplicate ACKs (only the lost segment goes again),
// the retransmission timeout and its backoff, giving up (timeout, or unreachable after ICMP
// errors), the user timeout, and path MTU discovery through ICMP fragmentation-needed.
import { describe, expect, it } from 'vitest';
import { LINUX_TCP, type TcpConnection, type TcpEndReason } from '../../../src/net/tcp/index.js';
import { ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, ICMP_HOST_UNREACH } from '../../../src/packet/icmp.js';
import { IPPROTO_TCP } from '../../../src/packet/ipv4.js';
import { IpMeta } from '../../../src/packet/meta.js';
import { A_IP, B_IP, Pair, randomBytes, type Seen } from './harness.js';
import { sink } from './streams.js';

function connected(pair: Pair): { client: TcpConnection; server: () => TcpConnection } {
  let server: TcpConnection | null = null;
  pair.b.listen(80, (c) => (server = c));
  const client = pair.a.connect(B_IP, 80);
  pair.run(50);
  return { client, server: () => server! };
}

function quoteOf(s: Seen, client: TcpConnection): IpMeta {
  const q = new IpMeta();
  q.ipSrc = A_IP;
  q.ipDst = B_IP;
  q.proto = IPPROTO_TCP;
  q.sport = client.lport;
  q.dport = client.rport;
  q.seq = s.seq;
  q.ipTotalLen = 20 + 32 + s.len;
  return q;
}

describe('loss recovery', () => {
  it('fast retransmit: one lost segment is sent again after 3 duplicate ACKs, alone, without a timeout', () => {
    const pair = new Pair();
    const data = randomBytes(300_000, 4);
    let nth = 0;
    let lostSeq = -1;
    pair.drop = (s) => {
      if (s.from !== 'a' || s.len === 0 || ++nth !== 60) return false;
      lostSeq = s.seq;
      return true;
    };
    const { client, server } = connected(pair);
    const got = sink(server(), data);
    client.write(data);
    pair.run(5000);
    expect(got.received).toBe(data.length);
    expect(got.mismatches).toBe(0);
    expect(client.fastRetransmits).toBe(1);
    expect(client.retransmits).toBe(1);
    expect(client.timeouts).toBe(0);
    // The resend came after the third duplicate ACK, long before any RTO (200 ms).
    const first = pair.seen.findIndex((s) => s.from === 'a' && s.seq === lostSeq);
    const again = pair.seen.findIndex((s, i) => i > first && s.from === 'a' && s.seq === lostSeq);
    const dups = pair.seen.slice(first, again).filter((s) => s.from === 'b' && s.ack === lostSeq && s.len === 0);
    expect(dups.length).toBeGreaterThanOrEqual(3);
    expect(dups[2]!.options).toContain('sack 1');
    expect(pair.seen[again]!.t - pair.seen[first]!.t).toBeLessThan(50);
    // Go-back-N would have sent the whole flight again.
    const flight = pair.seen.slice(first, again).filter((s) => s.from === 'a' && s.len > 0).length;
    expect(flight).toBeGreaterThan(10);
  });

  it('an unanswered segment is retransmitted with exponential backoff until dataRetries, then times out', () => {
    const pair = new Pair({ profileA: { ...LINUX_TCP, dataRetries: 8, maxRtoMs: 10_000 } });
    const { client } = connected(pair);
    let end: TcpEndReason | null = null;
    client.onEnd = (e) => (end = e);
    pair.drop = () => true; // the peer is gone
    const t0 = pair.clock.now();
    client.write('are you there?');
    pair.run(120_000);
    const sends = pair.seen.filter((s) => s.from === 'a' && s.len > 0).map((s) => s.t - t0);
    const gaps = sends.slice(1).map((t, i) => Math.round(t - sends[i]!));
    expect(gaps).toEqual([200, 400, 800, 1600, 3200, 6400, 10_000, 10_000]);
    expect(end).toBe('timeout');
    expect(client.timeouts).toBe(8);
    expect(pair.clock.now() - t0).toBeGreaterThan(32_600);
  });

  it('gives up as unreachable when ICMP errors came back for the lost segments', () => {
    const pair = new Pair({ profileA: { ...LINUX_TCP, dataRetries: 3 } });
    const { client } = connected(pair);
    let end: TcpEndReason | null = null;
    client.onEnd = (e) => (end = e);
    pair.drop = (s) => {
      if (s.from === 'a' && s.len > 0) pair.a.icmpError(quoteOf(s, client), ICMP_DEST_UNREACH, ICMP_HOST_UNREACH);
      return true;
    };
    client.write('hello');
    pair.run(30_000);
    expect(client.softError).toBe(true);
    expect(end).toBe('unreachable');
  });

  it('the user timeout ends a connection whose data stays unacknowledged that long', () => {
    const pair = new Pair();
    const { client } = connected(pair);
    client.setUserTimeout(5000);
    let end: TcpEndReason | null = null;
    let at = 0;
    client.onEnd = (e) => {
      end = e;
      at = pair.clock.now();
    };
    pair.drop = () => true;
    const t0 = pair.clock.now();
    client.write('x');
    pair.run(60_000);
    expect(end).toBe('timeout');
    expect(at - t0).toBeGreaterThanOrEqual(5000);
    expect(at - t0).toBeLessThan(10_000);
  });

  it('ICMP fragmentation-needed lowers the segment size and the lost segments go again, smaller', () => {
    const pair = new Pair();
    const data = randomBytes(100_000, 5);
    const { client, server } = connected(pair);
    const got = sink(server(), data);
    let errors = 0;
    // A router with a 1000-byte MTU on the way: it drops bigger packets and says why.
    pair.drop = (s) => {
      if (s.from !== 'a' || 20 + 32 + s.len <= 1000) return false;
      errors++;
      pair.clock.setTimeout(() => pair.a.icmpError(quoteOf(s, client), ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, 1000), 1);
      return true;
    };
    client.write(data);
    pair.run(5000);
    expect(got.received).toBe(data.length);
    expect(got.mismatches).toBe(0);
    expect(client.pmtu).toBe(1000);
    expect(client.info().mss).toBe(1000 - 40 - 12);
    expect(errors).toBeGreaterThan(0);
    expect(errors).toBeLessThanOrEqual(10);
    const late = pair.seen.filter((s) => s.from === 'a' && s.len > 0).slice(10);
    expect(Math.max(...late.map((s) => s.len))).toBe(948);
    expect(client.timeouts).toBe(0);
  });

  it('an ICMP error quoting a sequence number outside the flight is ignored', () => {
    const pair = new Pair();
    const { client } = connected(pair);
    const q = new IpMeta();
    q.ipSrc = A_IP;
    q.ipDst = B_IP;
    q.proto = IPPROTO_TCP;
    q.sport = client.lport;
    q.dport = 80;
    q.seq = (client.sndUna + 100_000) >>> 0;
    pair.a.icmpError(q, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, 576);
    expect(client.pmtu).toBe(1500);
  });
});
