// Bulk transfers over a bad link: 10 MB each way at once, across 5% loss with reordering and
// duplicates, every byte checked; the sender never goes beyond the window it was offered; a
// slow reader closes the window to zero and the sender probes it until it reopens.
import { describe, expect, it } from 'vitest';
import type { TcpConnection } from '../../../src/net/tcp/index.js';
import { A_IP, B_IP, Pair, randomBytes } from './harness.js';
import { pump, sink, type Reader, type Writer } from './streams.js';

const SIZE = 10 * 1024 * 1024;
const LOSSY = { delayMs: 5, loss: 0.05, reorder: 0.03, reorderDelayMs: 4, duplicate: 0.005, seed: 7 };

interface Duplex {
  pair: Pair;
  ca: TcpConnection;
  cb: TcpConnection;
  readA: Reader;
  readB: Reader;
  writeA: Writer;
  writeB: Writer;
  done: boolean;
}

function duplex(slowMs: number | null): Duplex {
  const pair = new Pair({ link: LOSSY, record: true });
  const toB = randomBytes(SIZE, 1);
  const toA = randomBytes(SIZE, 2);
  const slow = slowMs === null ? null : { every: 1 << 20, pauseMs: slowMs, setTimeout: (fn: () => void, ms: number) => void pair.clock.setTimeout(fn, ms) };
  const d = {} as Duplex;
  d.pair = pair;
  pair.b.listen(5000, (c) => {
    d.cb = c;
    d.readB = sink(c, toB, slow);
    d.writeB = pump(c, toA);
  });
  const ca = pair.a.connect(B_IP, 5000);
  d.ca = ca;
  d.readA = sink(ca, toA, slow);
  ca.onEstablished = () => {
    d.writeA = pump(ca, toB);
  };
  d.done = pair.runUntil(() => d.readA.end !== null && d.readB?.end !== null, 3_600_000, 1000);
  return d;
}

function dataSegments(p: Pair, from: 'a' | 'b'): number {
  return p.seen.filter((s) => s.from === from && s.len > 0).length;
}

describe('bulk transfer', () => {
  it('moves 10 MB each way at once across 5% loss, reordering and duplicates, every byte intact', () => {
    const d = duplex(null);
    expect(d.done).toBe(true);
    for (const r of [d.readA, d.readB]) {
      expect(r.received).toBe(SIZE);
      expect(r.mismatches).toBe(0);
      expect(r.peerClosed).toBe(true);
      expect(r.end).toBe('closed');
    }
    // The link really was bad, and the senders never overran the window they were offered.
    expect(d.pair.droppedCount).toBeGreaterThan(500);
    expect(d.pair.violations('a')).toBe(0);
    expect(d.pair.violations('b')).toBe(0);
    // Streaming: the writers were held back by their send buffers, not the whole 10 MB at once.
    for (const w of [d.writeA, d.writeB]) {
      expect(w.blocked).toBeGreaterThan(10);
      expect(w.drains).toBe(w.blocked);
      expect(w.maxBuffered).toBeLessThan(512 * 1024);
    }
    // Only what was lost goes again: retransmissions stay near the number of data segments dropped.
    for (const [c, side] of [[d.ca, 'a'], [d.cb, 'b']] as const) {
      const dropped = d.pair.seen.filter((s) => s.from === side && s.len > 0 && s.dropped).length;
      expect(c.retransmits).toBeGreaterThanOrEqual(dropped * 0.5);
      expect(c.retransmits).toBeLessThan(dropped * 2.5);
      expect(c.fastRetransmits).toBeGreaterThan(0);
      expect(dataSegments(d.pair, side)).toBeLessThan((SIZE / 1448) * 1.2);
    }
  });

  it('with slow readers the window closes to zero, the senders probe it, and it reopens', () => {
    const d = duplex(3000);
    expect(d.done).toBe(true);
    for (const r of [d.readA, d.readB]) {
      expect(r.received).toBe(SIZE);
      expect(r.mismatches).toBe(0);
      expect(r.pauses).toBeGreaterThanOrEqual(9);
      expect(r.end).toBe('closed');
    }
    expect(d.pair.violations('a')).toBe(0);
    expect(d.pair.violations('b')).toBe(0);
    for (const side of ['a', 'b'] as const) {
      const other = side === 'a' ? 'b' : 'a';
      // The reader advertised a zero window...
      const zero = d.pair.seen.filter((s) => s.from === other && s.window === 0 && (s.flags & 0x04) === 0);
      expect(zero.length).toBeGreaterThan(5);
      // ...and the sender probed it (an ACK one below the peer's last ACK, no data).
      const c = side === 'a' ? d.ca : d.cb;
      expect(c.windowProbes).toBeGreaterThan(5);
    }
    const probes = d.pair.seen.filter((s, i) => s.len === 0 && (s.flags & 0x17) === 0x10 && d.pair.seen.slice(Math.max(0, i - 50), i)
      .some((o) => o.from !== s.from && o.window === 0 && ((o.ack - s.seq) | 0) === 1));
    expect(probes.length).toBeGreaterThan(5);
    void A_IP;
  });
});
