// The connection's parts on their own: the send buffer, the out-of-order queue and its SACK
// blocks, the RFC 6298 estimator, NewReno's window arithmetic.
import { describe, expect, it } from 'vitest';
import { AckAction, NewReno } from '../../../src/net/tcp/congestion.js';
import { ReassemblyQueue } from '../../../src/net/tcp/reassembly.js';
import { RtoEstimator } from '../../../src/net/tcp/rto.js';
import { SendBuffer } from '../../../src/net/tcp/send-buffer.js';

const bytes = (from: number, n: number) => Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);

describe('SendBuffer', () => {
  it('copies any range across chunks and forgets what was acknowledged', () => {
    const b = new SendBuffer();
    b.push(bytes(0, 10));
    b.push(bytes(10, 5));
    b.push(bytes(15, 100));
    expect([b.start, b.end, b.length]).toEqual([0, 115, 115]);
    const out = new Uint8Array(20);
    b.copyOut(8, 20, out, 0);
    expect([...out]).toEqual([...bytes(8, 20)]);
    b.release(12);
    expect([b.start, b.length]).toEqual([12, 103]);
    b.copyOut(12, 5, out, 0);
    expect([...out.subarray(0, 5)]).toEqual([...bytes(12, 5)]);
    expect(() => b.copyOut(11, 2, out, 0)).toThrow(RangeError);
    b.release(115);
    expect(b.length).toBe(0);
    b.push(bytes(115, 3));
    b.copyOut(115, 3, out, 0);
    expect([...out.subarray(0, 3)]).toEqual([...bytes(115, 3)]);
  });

  it('keeps the data it was given even if the caller reuses its array', () => {
    const b = new SendBuffer();
    const a = bytes(0, 4);
    b.push(a);
    a.fill(9);
    const out = new Uint8Array(4);
    b.copyOut(0, 4, out, 0);
    expect([...out]).toEqual([0, 1, 2, 3]);
  });
});

describe('ReassemblyQueue', () => {
  it('keeps segments without overlap and hands them over once the gap fills', () => {
    const q = new ReassemblyQueue();
    q.insert(20, bytes(20, 10)); // [20,30)
    q.insert(25, bytes(25, 15)); // adds [30,40)
    q.insert(50, bytes(50, 5)); // [50,55)
    q.insert(18, bytes(18, 40)); // fills [18,20), [40,50), and [55,58)
    expect(q.bytes).toBe(40);
    const got: number[] = [];
    expect(q.take(10, (d) => got.push(...d))).toBe(10); // still a gap at 10..18
    expect(q.take(18, (d) => got.push(...d))).toBe(58);
    expect(got).toEqual([...bytes(18, 40)]);
    expect(q.isEmpty).toBe(true);
    expect(q.bytes).toBe(0);
  });

  it('reports SACK blocks, the newest first, merged over adjacent segments', () => {
    const q = new ReassemblyQueue();
    q.insert(100, bytes(0, 10));
    q.insert(200, bytes(0, 10));
    q.insert(110, bytes(0, 10));
    q.insert(300, bytes(0, 10));
    const out: number[] = [];
    expect(q.sackBlocks(out, 3)).toBe(3);
    expect(out.slice(0, 6)).toEqual([300, 310, 100, 120, 200, 210]);
    expect(q.sackBlocks(out, 1)).toBe(1);
  });
});

describe('RtoEstimator', () => {
  it('follows RFC 6298: first sample, smoothing, backoff, bounds', () => {
    const r = new RtoEstimator(1000, 200, 60_000);
    expect(r.rto).toBe(1000);
    r.sample(100); // srtt 100, rttvar 50: 100 + 200 = 300
    expect(r.rto).toBe(300);
    r.sample(100); // rttvar 37.5: 100 + 150 = 250
    expect(r.rto).toBe(250);
    r.backOff();
    r.backOff();
    expect(r.rto).toBe(1000);
    r.sample(1); // a sample clears the backoff: rttvar 52.875, srtt 87.625
    expect(r.rto).toBeCloseTo(299.125, 6);
    for (let i = 0; i < 20; i++) r.backOff();
    expect(r.rto).toBe(60_000);
  });
});

describe('NewReno', () => {
  const MSS = 1000;
  it('slow start doubles per round trip, congestion avoidance adds one segment per window', () => {
    const cc = new NewReno(MSS, 10);
    expect(cc.cwnd).toBe(10_000);
    for (let i = 0; i < 10; i++) cc.onNewAck(MSS, 0, 10_000, 9000);
    expect(cc.cwnd).toBe(20_000);
    cc.ssthresh = 20_000;
    for (let i = 0; i < 20; i++) cc.onNewAck(MSS, 0, 20_000, 19_000);
    expect(cc.cwnd).toBe(21_000);
  });

  it('does not grow while the application leaves the window unused', () => {
    const cc = new NewReno(MSS, 10);
    for (let i = 0; i < 50; i++) cc.onNewAck(100, 0, 1000, 0);
    expect(cc.cwnd).toBe(10_000);
  });

  it('third duplicate ACK: fast retransmit, ssthresh = flight/2, inflation; partial and full ACKs', () => {
    const cc = new NewReno(MSS, 10);
    const una = 1;
    const max = 20_001;
    expect(cc.onDupAck(una, max, 20_000)).toBe(AckAction.NONE);
    expect(cc.onDupAck(una, max, 20_000)).toBe(AckAction.NONE);
    expect(cc.onDupAck(una, max, 20_000)).toBe(AckAction.RETRANSMIT);
    expect([cc.inRecovery, cc.ssthresh, cc.cwnd]).toEqual([true, 10_000, 13_000]);
    expect(cc.onDupAck(una, max, 20_000)).toBe(AckAction.NONE);
    expect(cc.cwnd).toBe(14_000);
    expect(cc.onNewAck(5000, 5001, 20_000, 15_000)).toBe(AckAction.RETRANSMIT_RESTART);
    expect(cc.cwnd).toBe(10_000);
    expect(cc.onNewAck(1000, 6001, 15_000, 14_000)).toBe(AckAction.RETRANSMIT);
    expect(cc.onNewAck(14_000, 20_001, 14_000, 0)).toBe(AckAction.NONE);
    expect([cc.inRecovery, cc.cwnd]).toEqual([false, 2000]);
    // A new loss in data sent before recovery ended does not start another one.
    cc.onTimeout(10_000, 30_001, true);
    expect([cc.cwnd, cc.ssthresh]).toEqual([1000, 5000]);
    for (let i = 0; i < 3; i++) expect(cc.onDupAck(25_001, 30_001, 5000)).toBe(AckAction.NONE);
  });
});
