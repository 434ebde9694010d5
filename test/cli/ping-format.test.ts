// The output of `ping` and `traceroute`, character for character IOS's.
import { describe, expect, it } from 'vitest';
import {
  formatHop, pingChar, pingCharAt, pingHeaderLines, pingSummary, traceHeaderLines, traceMarker,
} from '../../commands/ping.js';
import { ipv4, type Ipv4 } from '../../src/net/addr.js';
import type { PingOutcome } from '../../src/stack/ping.js';
import type { TraceOutcome } from '../../src/stack/traceroute.js';

const A = ipv4('10.1.1.1');
const B = ipv4('10.2.2.2');
const DST = ipv4('10.9.9.9');

const te = (from: Ipv4, rttMs: number): TraceOutcome => ({ kind: 'time-exceeded', from, rttMs });
const un = (from: Ipv4, code: number, rttMs = 1): TraceOutcome => ({ kind: 'unreachable', from, code, rttMs });
const star: TraceOutcome = { kind: 'timeout' };

describe('ping output', () => {
  it('the header: IOS\'s lines, the source one (with its trailing space) and DF only when asked', () => {
    expect(pingHeaderLines({ count: 5, size: 100, dst: ipv4('10.255.0.1'), timeoutS: 2, src: null, df: false })).toEqual([
      'Type escape sequence to abort.',
      'Sending 5, 100-byte ICMP Echos to 10.255.0.1, timeout is 2 seconds:',
    ]);
    expect(pingHeaderLines({ count: 100, size: 1500, dst: A, timeoutS: 0, src: ipv4('192.168.193.181'), df: true }).slice(1)).toEqual([
      'Sending 100, 1500-byte ICMP Echos to 10.1.1.1, timeout is 0 seconds:',
      'Packet sent with a source address of 192.168.193.181 ',
      'Packet sent with the DF bit set',
    ]);
  });

  it('one character per echo request', () => {
    const cases: [PingOutcome, string][] = [
      [{ kind: 'reply', from: A, rttMs: 1, ttl: 64, bytes: 100 }, '!'],
      [{ kind: 'timeout' }, '.'],
      [{ kind: 'not-sent' }, '.'],
      [{ kind: 'unreachable', from: A, code: 0 }, 'U'],
      [{ kind: 'unreachable', from: A, code: 1 }, 'U'],
      [{ kind: 'unreachable', from: A, code: 3 }, 'U'],
      [{ kind: 'unreachable', from: A, code: 4 }, 'M'],
      [{ kind: 'ttl-exceeded', from: A }, '&'],
      [{ kind: 'source-quench', from: A }, 'Q'],
      [{ kind: 'error', from: A, type: 12, code: 0 }, '?'],
    ];
    for (const [o, c] of cases) expect(pingChar(o)).toBe(c);
  });

  it('wraps every 70 characters', () => {
    const t: PingOutcome = { kind: 'timeout' };
    const text = Array.from({ length: 141 }, (_, i) => pingCharAt(i, t)).join('');
    expect(text).toBe(`${'.'.repeat(70)}\n${'.'.repeat(70)}\n.`);
  });

  it('the success rate: whole percent, rounded down, min/avg/max in whole ms; none without replies', () => {
    expect(pingSummary(5, [1, 1, 4, 0.6, 1.2])).toBe('Success rate is 100 percent (5/5), round-trip min/avg/max = 1/1/4 ms');
    expect(pingSummary(3, [2, 3])).toBe('Success rate is 66 percent (2/3), round-trip min/avg/max = 2/2/3 ms');
    expect(pingSummary(5, [])).toBe('Success rate is 0 percent (0/5)');
    expect(pingSummary(0, [])).toBe('Success rate is 0 percent (0/0)');
  });
});

describe('traceroute output', () => {
  it('the header', () => {
    expect(traceHeaderLines(ipv4('10.1.1.1'))).toEqual([
      'Type escape sequence to abort.',
      'Tracing the route to 10.1.1.1',
      'VRF info: (vrf in name/id, vrf out name/id)',
    ]);
  });

  it('a hop: the responder once, each probe\'s time, * for a timeout with its spacing', () => {
    expect(formatHop(1, DST, [te(A, 1), te(A, 0.2), te(A, 1.4)])).toBe('  1 10.1.1.1 1 msec 0 msec 1 msec');
    expect(formatHop(2, DST, [un(DST, 3, 1), star, un(DST, 3, 1)])).toBe('  2 10.9.9.9 1 msec *  1 msec');
    expect(formatHop(3, DST, [star, star, star])).toBe('  3  *  *  * ');
    expect(formatHop(12, DST, [te(A, 20), te(A, 16), star])).toBe(' 12 10.1.1.1 20 msec 16 msec * ');
    expect(formatHop(255, DST, [te(A, 1)])).toBe('255 10.1.1.1 1 msec');
  });

  it('another responder on the same hop, or one after a timeout, starts an indented line', () => {
    expect(formatHop(4, DST, [te(A, 1), te(B, 2), te(B, 3)])).toBe('  4 10.1.1.1 1 msec\n    10.2.2.2 2 msec 3 msec');
    expect(formatHop(5, DST, [star, te(B, 12), te(B, 20)])).toBe('  5  * \n    10.2.2.2 12 msec 20 msec');
  });

  it('unreachables are IOS\'s markers instead of a time; port unreachable from the destination is a time', () => {
    expect(formatHop(2, DST, [un(A, 1), star, un(A, 1)])).toBe('  2 10.1.1.1 !H  *  !H ');
    expect(formatHop(2, DST, [un(A, 0), un(A, 0), un(A, 0)])).toBe('  2 10.1.1.1 !N  !N  !N ');
    const marker = (o: TraceOutcome) => traceMarker(o);
    expect([0, 1, 2, 3, 4, 9, 10, 13, 5].map((c) => marker(un(A, c)))).toEqual(['!N', '!H', '!P', '!U', '!F', '!A', '!A', '!A', '?']);
    expect(marker({ kind: 'error', from: A, type: 4, code: 0, rttMs: 1 })).toBe('!Q');
    expect(marker({ kind: 'error', from: A, type: 12, code: 0, rttMs: 1 })).toBe('?');
    expect(formatHop(3, DST, [un(DST, 3, 2)])).toBe('  3 10.9.9.9 2 msec');
    expect(formatHop(3, DST, [un(A, 3, 2)])).toBe('  3 10.1.1.1 !U ');
  });
});
