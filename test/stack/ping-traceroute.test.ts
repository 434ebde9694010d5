// The appliance's ping and traceroute sessions on a stand-in engine: what they send, how they
// match answers (echo id and sequence, the quote of an ICMP error), and what they give back.
import { describe, expect, it } from 'vitest';
import type { ListenFilter, LocalPacket } from '../../src/health/probe-io.js';
import { ipv4, type Ipv4 } from '../../src/net/addr.js';
import {
  decodeFrame, ICMP_ECHO_REPLY, ICMP_HEADER_LEN, IPPROTO_ICMP, IPV4_HEADER_LEN, PacketMeta, readU16, writeIcmpEcho,
  writeIcmpError, writeIpv4Header,
} from '../../src/packet/index.js';
import { HostStack, type StackEngine } from '../../src/stack/host-stack.js';
import { PingSession } from '../../src/stack/ping.js';
import { TraceSession, endsTrace, reachedDestination } from '../../src/stack/traceroute.js';
import { VirtualClock } from '../../src/util/clock.js';
import { Prng } from '../../src/util/prng.js';

const ME = ipv4('10.0.0.1');
const LOOP = ipv4('10.255.0.1');
const DST = ipv4('10.1.1.1');
const HOP = ipv4('10.0.0.254');

class FakeEngine implements StackEngine {
  readonly clock = new VirtualClock();
  readonly sent: Uint8Array[] = [];
  private readonly handlers: { filter: ListenFilter; h: (p: LocalPacket) => void }[] = [];
  sourceFor(dst: Ipv4): Ipv4 | null {
    return (dst >>> 24) === 10 ? ME : null;
  }
  sendIpv4(packet: Uint8Array, len: number): boolean {
    if (this.sourceFor((readU16(packet, 16) * 65536 + readU16(packet, 18)) as Ipv4) === null) return false;
    this.sent.push(packet.slice(0, len));
    return true;
  }
  listen(filter: ListenFilter, h: (p: LocalPacket) => void): () => void {
    const e = { filter, h };
    this.handlers.push(e);
    return () => this.handlers.splice(this.handlers.indexOf(e), 1);
  }
  joinGroup(): void {}
  leaveGroup(): void {}
  isOwnAddress(a: Ipv4): boolean {
    return a === ME || a === LOOP;
  }
  get listeners(): number {
    return this.handlers.length;
  }
  /** Delivers an IPv4 packet to the listeners, as the engine does. */
  deliver(ip: Uint8Array): void {
    const frame = new Uint8Array(14 + ip.length);
    frame[12] = 0x08;
    frame.set(ip, 14);
    const m = new PacketMeta();
    expect(decodeFrame(frame, frame.length, m)).toBe(0);
    const p: LocalPacket = { frame, len: frame.length, meta: m, port: 1 };
    for (const { filter, h } of [...this.handlers]) {
      if (filter.proto === 'icmp-error' && m.proto === IPPROTO_ICMP && m.icmpInnerOff >= 0) h(p);
      else if (filter.proto === IPPROTO_ICMP && m.proto === IPPROTO_ICMP && m.icmpType === ICMP_ECHO_REPLY && m.icmpId === filter.icmpId) h(p);
    }
  }
}

function setup(): { eng: FakeEngine; stack: HostStack; idle: number } {
  const eng = new FakeEngine();
  const stack = new HostStack(eng, new Prng(7));
  // The stack's own listeners (its TCP's ICMP errors) are there from the start.
  return { eng, stack, idle: eng.listeners };
}

/** The echo reply `from` sends to the request `req`. */
function replyTo(req: Uint8Array, from: Ipv4 = DST): Uint8Array {
  const dataLen = req.length - IPV4_HEADER_LEN - ICMP_HEADER_LEN;
  const b = new Uint8Array(req.length);
  b.set(req.subarray(IPV4_HEADER_LEN + ICMP_HEADER_LEN), IPV4_HEADER_LEN + ICMP_HEADER_LEN);
  writeIcmpEcho(b, IPV4_HEADER_LEN, ICMP_ECHO_REPLY, readU16(req, 24), readU16(req, 26), dataLen);
  writeIpv4Header(b, 0, from, ME, IPPROTO_ICMP, b.length, 60);
  return b;
}

/** An ICMP error from `from` quoting `orig`. */
function errorAbout(orig: Uint8Array, type: number, code: number, from: Ipv4): Uint8Array {
  const b = new Uint8Array(IPV4_HEADER_LEN + ICMP_HEADER_LEN + IPV4_HEADER_LEN + 8);
  writeIcmpError(b, IPV4_HEADER_LEN, type, code, 0, orig, 0, orig.length);
  writeIpv4Header(b, 0, from, ME, IPPROTO_ICMP, b.length, 64);
  return b;
}

describe('PingSession', () => {
  it('sends datagrams of the asked size with IOS\'s pattern, DF and TTL; matches the reply by id and sequence', async () => {
    const { eng, stack } = setup();
    const s = PingSession.open(stack, DST, { size: 36, df: true, ttl: 5, timeoutMs: 2000 });
    if (typeof s === 'string') throw new Error(s);
    expect(s.src).toBe(ME);
    const p = s.probe();
    const req = eng.sent[0]!;
    expect(req.length).toBe(36);
    expect([req[6]! & 0x40, req[8]]).toEqual([0x40, 5]);
    expect([...req.subarray(28)]).toEqual([0xab, 0xcd, 0xab, 0xcd, 0xab, 0xcd, 0xab, 0xcd]);
    eng.clock.advance(3);
    // Another sequence number, or another sender, is not the answer.
    const wrongSeq = replyTo(req);
    writeIcmpEcho(wrongSeq, IPV4_HEADER_LEN, ICMP_ECHO_REPLY, readU16(req, 24), 9, 8);
    eng.deliver(wrongSeq);
    eng.deliver(replyTo(req, ipv4('10.9.9.9')));
    eng.deliver(replyTo(req));
    expect(await p).toEqual({ kind: 'reply', from: DST, rttMs: 3, ttl: 60, bytes: 36 });
    void s.probe();
    expect(readU16(eng.sent[1]!, 26)).toBe(readU16(req, 26) + 1);
    s.close();
  });

  it('an error quoting the request resolves it: fragmentation needed, TTL exceeded; else the timeout', async () => {
    const { eng, stack } = setup();
    const s = PingSession.open(stack, DST, { timeoutMs: 2000 });
    if (typeof s === 'string') throw new Error(s);
    let p = s.probe();
    eng.deliver(errorAbout(eng.sent[0]!, 3, 4, HOP));
    expect(await p).toEqual({ kind: 'unreachable', from: HOP, code: 4 });
    p = s.probe();
    eng.deliver(errorAbout(eng.sent[0]!, 11, 0, HOP)); // quotes the first request: not this one
    eng.deliver(errorAbout(eng.sent[1]!, 11, 0, HOP));
    expect(await p).toEqual({ kind: 'ttl-exceeded', from: HOP });
    p = s.probe();
    eng.clock.advance(1999);
    let done = false;
    void p.then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    eng.clock.advance(1);
    expect(await p).toEqual({ kind: 'timeout' });
    s.close();
  });

  it('close gives the identifier back, stops listening and ends an outstanding probe', async () => {
    const { eng, stack, idle } = setup();
    const s = PingSession.open(stack, DST, { src: LOOP, timeoutMs: 2000 });
    if (typeof s === 'string') throw new Error(s);
    expect(stack.echoIds.inUse(s.id)).toBe(true);
    const p = s.probe();
    expect(eng.sent[0]!.subarray(12, 16)).toEqual(Uint8Array.from([10, 255, 0, 1]));
    s.close();
    expect(await p).toEqual({ kind: 'timeout' });
    expect(stack.echoIds.inUse(s.id)).toBe(false);
    expect(eng.listeners).toBe(idle);
  });

  it('refuses a source that is not the appliance\'s, an unroutable destination, and no free identifier', () => {
    const { stack } = setup();
    expect(PingSession.open(stack, DST, { src: ipv4('10.0.0.9'), timeoutMs: 1 })).toBe('bad-source');
    expect(PingSession.open(stack, ipv4('192.0.2.1'), { timeoutMs: 1 })).toBe('no-route');
    for (let i = 1; i <= 65535; i++) stack.echoIds.reserve(i);
    expect(PingSession.open(stack, DST, { timeoutMs: 1 })).toBe('no-identifier');
  });
});

describe('TraceSession', () => {
  it('probes from one stack port to 33434 and up with the given TTL; matches errors by the quoted ports', async () => {
    const { eng, stack, idle } = setup();
    const s = TraceSession.open(stack, DST, { timeoutMs: 3000 });
    if (typeof s === 'string') throw new Error(s);
    expect(stack.ports.inUse(s.port)).toBe(true);
    let p = s.probe(1);
    const first = eng.sent[0]!;
    expect([first[8], readU16(first, 20), readU16(first, 22)]).toEqual([1, s.port, 33434]);
    eng.clock.advance(2);
    const other = first.slice();
    other[21] = other[21]! ^ 1; // another source port: someone else's datagram
    eng.deliver(errorAbout(other, 11, 0, HOP));
    eng.deliver(errorAbout(first, 11, 0, HOP));
    const hop = await p;
    expect(hop).toEqual({ kind: 'time-exceeded', from: HOP, rttMs: 2 });
    expect(endsTrace(hop)).toBe(false);
    p = s.probe(2);
    const second = eng.sent[1]!;
    expect([second[8], readU16(second, 22)]).toEqual([2, 33435]);
    eng.deliver(errorAbout(second, 3, 3, DST));
    const last = await p;
    expect(reachedDestination(last, DST) && endsTrace(last)).toBe(true);
    s.close();
    expect(stack.ports.inUse(s.port)).toBe(false);
    expect(eng.listeners).toBe(idle);
  });

  it('a router\'s host unreachable ends the trace; silence is a timeout', async () => {
    const { eng, stack } = setup();
    const s = TraceSession.open(stack, DST, { timeoutMs: 3000 });
    if (typeof s === 'string') throw new Error(s);
    let p = s.probe(3);
    eng.deliver(errorAbout(eng.sent[0]!, 3, 1, HOP));
    const un = await p;
    expect(un).toMatchObject({ kind: 'unreachable', from: HOP, code: 1 });
    expect(reachedDestination(un, DST)).toBe(false);
    expect(endsTrace(un)).toBe(true);
    p = s.probe(3);
    eng.clock.advance(3000);
    expect(await p).toEqual({ kind: 'timeout' });
    s.close();
  });
});
