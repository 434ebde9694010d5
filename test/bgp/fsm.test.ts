import { describe, expect, it } from 'vitest';
import { ipv4 } from '../../src/net/addr.js';
import { neighbor, PipeNet, testSpeaker } from './helpers.js';

const A = '10.0.0.1', B = '10.0.0.2';

function pair(opts: { asA?: number; asB?: number; idA?: string; idB?: string } = {}) {
  const net = new PipeNet();
  const asA = opts.asA ?? 65510, asB = opts.asB ?? 65515;
  const a = testSpeaker(net, A, asA, opts.idA ?? A);
  const b = testSpeaker(net, B, asB, opts.idB ?? B);
  a.cfg = neighbor(a.cfg, B, asB);
  b.cfg = neighbor(b.cfg, A, asA);
  return { net, a, b };
}

const stateOf = (s: ReturnType<typeof testSpeaker>, addr: string) => s.speaker.peers.get(ipv4(addr))!.state;

describe('BGP finite state machine', () => {
  it('reaches Established from both ends, logging each state change', () => {
    const { net, a, b } = pair();
    a.apply();
    b.apply();
    net.clock.advance(5000);
    expect(stateOf(a, B)).toBe('Established');
    expect(stateOf(b, A)).toBe('Established');
    const aLog = a.logs.join('\n');
    expect(aLog).toMatch(/neighbor 10\.0\.0\.2: Idle -> Connect/);
    expect(aLog).toMatch(/-> OpenSent/);
    expect(aLog).toMatch(/OpenConfirm -> Established/);
    const p = a.speaker.peers.get(ipv4(B))!;
    expect(p.holdTimeMs).toBe(180_000);
    expect(p.keepaliveMs).toBe(60_000);
    expect(p.fourOctet).toBe(true);
    expect(p.peerRouteRefresh).toBe(true);
    expect(p.counters.established).toBe(1);
  });

  it('negotiates the smaller hold time and a keepalive of a third of it', () => {
    const { net, a, b } = pair();
    a.apply((c) => ({ ...c, holdTime: 9, keepalive: 3 }));
    b.apply((c) => ({ ...c, holdTime: 30, keepalive: 10 }));
    net.clock.advance(5000);
    const pb = b.speaker.peers.get(ipv4(A))!;
    expect(pb.holdTimeMs).toBe(9000);
    expect(pb.keepaliveMs).toBe(3000);
  });

  it('keeps the session up with keepalives and drops it when they stop (hold timer: NOTIFICATION 4/0)', () => {
    const { net, a, b } = pair();
    a.apply((c) => ({ ...c, holdTime: 9, keepalive: 3 }));
    b.apply((c) => ({ ...c, holdTime: 9, keepalive: 3 }));
    net.clock.advance(5000);
    net.clock.advance(60_000);
    expect(stateOf(a, B)).toBe('Established');
    const before = a.speaker.peers.get(ipv4(B))!.counters.keepalivesIn;
    expect(before).toBeGreaterThan(15);
    // b dies silently: its connection no longer carries anything.
    for (const t of net.transports) if (t.localAddr === ipv4(B)) t.silence();
    b.speaker.shutdown();
    // The last keepalive came at most 3 s ago: the 9 s hold timer expires 6 to 9 s from now.
    net.clock.advance(5000);
    expect(stateOf(a, B)).toBe('Established');
    net.clock.advance(5000);
    expect(stateOf(a, B)).not.toBe('Established');
    expect(a.logs.join('\n')).toMatch(/session down: sent NOTIFICATION 4\/0 \(Hold Timer Expired\)/);
  });

  it('refuses a peer in the wrong AS with NOTIFICATION 2/2 (Bad Peer AS)', () => {
    const { net, a, b } = pair();
    a.apply((c) => neighbor(c, B, 65999));
    b.apply();
    net.clock.advance(3000);
    expect(stateOf(a, B)).not.toBe('Established');
    expect(a.logs.join('\n')).toMatch(/sent NOTIFICATION 2\/2 \(OPEN Message Error\/Bad Peer AS\): remote AS 65515, configured 65999/);
    expect(b.logs.join('\n')).toMatch(/received NOTIFICATION 2\/2/);
  });

  it('resolves a connection collision by router id, keeping one session (RFC 4271 6.8)', () => {
    for (const [idA, idB] of [['9.9.9.9', '1.1.1.1'], ['1.1.1.1', '9.9.9.9']] as const) {
      const { net, a, b } = pair({ idA, idB });
      // Both open at the same moment: two connections, one per direction.
      a.apply();
      b.apply();
      net.clock.advance(5000);
      expect(stateOf(a, B)).toBe('Established');
      expect(stateOf(b, A)).toBe('Established');
      const pa = a.speaker.peers.get(ipv4(B))!;
      const kept = pa.transport!;
      // The higher router id keeps the connection it opened.
      const aOpened = kept.remotePort === 179;
      expect(aOpened).toBe(idA === '9.9.9.9');
      expect(a.logs.join('\n') + b.logs.join('\n')).toMatch(/connection collision/);
      expect(pa.counters.established).toBe(1);
    }
  });

  it('comes back after the peer restarts, and counts the dropped session', () => {
    const { net, a, b } = pair();
    a.apply();
    b.apply();
    net.clock.advance(5000);
    b.speaker.shutdown();
    net.clock.advance(100);
    expect(stateOf(a, B)).not.toBe('Established');
    expect(a.logs.join('\n')).toMatch(/received NOTIFICATION 6\/2 \(Cease\/Administrative Shutdown\)/);
    b.apply();
    net.clock.advance(5000);
    expect(stateOf(a, B)).toBe('Established');
    const c = a.speaker.peers.get(ipv4(B))!.counters;
    expect(c.established).toBe(2);
    expect(c.dropped).toBe(1);
  });

  it('retries an unanswered connection every connect-retry interval; a passive neighbor never connects', () => {
    const { net, a } = pair();
    net.dead.add(ipv4(B));
    a.apply((c) => neighbor(c, B, 65515, { connectRetry: 10 }));
    net.clock.advance(35_000);
    const attempts = net.transports.filter((t) => t.localAddr === ipv4(A) && t.remoteAddr === ipv4(B)).length;
    expect(attempts).toBe(4);
    expect(stateOf(a, B)).toBe('Connect');
    const n2 = new PipeNet();
    const p = testSpeaker(n2, A, 65510);
    p.apply((c) => neighbor(c, B, 65515, { passive: true }));
    n2.clock.advance(10_000);
    expect(n2.transports).toHaveLength(0);
    expect(stateOf(p, A === A ? B : A)).toBe('Active');
  });

  it('sends Cease 6/2 on shutdown and stays Idle', () => {
    const { net, a, b } = pair();
    a.apply();
    b.apply();
    net.clock.advance(5000);
    a.apply((c) => neighbor(c, B, 65515, { shutdown: true }));
    net.clock.advance(5000);
    expect(stateOf(a, B)).toBe('Idle');
    expect(b.logs.join('\n')).toMatch(/received NOTIFICATION 6\/2 \(Cease\/Administrative Shutdown\)/);
  });
});
