// Bad input against an established tunnel: 10,000 malformed IKE messages and 10,000 malformed
// ESP packets (random bytes, truncations, bad lengths, bit flips, bad ICVs, replays, wrong
// sources, out-of-window message ids) reach pask's IPsec service. Nothing throws, every refusal
// is counted, half-open state stays bounded, and the tunnel keeps carrying traffic and rekeying.
import { describe, expect, it } from 'vitest';
import { ipv4 } from '../../src/net/addr.js';
import { Prng } from '../../src/util/prng.js';
import { crosses, servicePair } from './service-harness.js';

const PEER = ipv4('192.0.2.1'), ME = ipv4('203.0.113.1'), STRANGER = ipv4('198.51.100.7');

function mutate(rng: Prng, base: Uint8Array): Uint8Array {
  const b = base.slice();
  switch (rng.int(0, 5)) {
    case 0: return b.subarray(0, rng.int(0, b.length));
    case 1: {
      for (let i = rng.int(1, 8); i > 0; i--) b[rng.int(0, b.length - 1)] ^= 1 << rng.int(0, 7);
      return b;
    }
    case 2: {
      const out = new Uint8Array(b.length + rng.int(1, 64));
      out.set(b);
      for (let i = b.length; i < out.length; i++) out[i] = rng.int(0, 255);
      return out;
    }
    case 3: {
      const r = new Uint8Array(rng.int(0, 600));
      for (let i = 0; i < r.length; i++) r[i] = rng.int(0, 255);
      return r;
    }
    case 4: {
      // A length field that lies (IKE header length / payload lengths).
      const at = rng.int(0, Math.max(0, b.length - 2));
      b[at] = rng.int(0, 255);
      b[at + 1] = rng.int(0, 255);
      return b;
    }
    default:
      return b;
  }
}

describe('fuzzing an established tunnel', () => {
  it('10,000 malformed IKE messages: no exception, counted, bounded, the tunnel keeps working and rekeys', () => {
    const p = servicePair({ cookieThreshold: 10, maxHalfOpen: 50 }, { childLifetime: 120 });
    expect(crosses(p, 'a')).toBe(true);
    // Real messages to start from: what the peer sent (INIT request, AUTH request on 4500, ...).
    const samples = p.netB.sent.map((x) => x);
    expect(samples.length).toBeGreaterThan(1);
    const c0 = { ...p.a.daemon.counters };
    const rng = new Prng(2017);
    const h500 = p.netA.udpHandlers.get(500)!, h4500 = p.netA.udpHandlers.get(4500)!;
    for (let i = 0; i < 10_000; i++) {
      const base = samples[rng.int(0, samples.length - 1)]!;
      // sendIpv4 captures whole packets, udp() the payloads: strip an IPv4/UDP header if present.
      const payload = base[0] === 0x45 && base.length > 28 ? base.subarray(28) : base;
      const m = mutate(rng, payload);
      const from = rng.int(0, 9) === 0 ? STRANGER : PEER;
      if (rng.int(0, 1) === 0) h500(from, ME, 500, m);
      else h4500(from, ME, 4500, m.length >= 4 && rng.int(0, 3) !== 0 ? Uint8Array.from([0, 0, 0, 0, ...m]) : m);
      if (i % 500 === 0) p.clock.advance(200);
    }
    const c = p.a.daemon.counters;
    expect(c.internalErrors).toBe(0);
    const refused = (c.malformed - c0.malformed) + (c.unknownSpi - c0.unknownSpi) + (c.integrityFailures - c0.integrityFailures) +
      (c.badMessageId - c0.badMessageId) + (c.cookiesSent - c0.cookiesSent) + (c.halfOpenRefused - c0.halfOpenRefused) + (p.a.esp.malformed);
    expect(refused).toBeGreaterThan(5000);
    expect(c.malformed - c0.malformed).toBeGreaterThan(1000);
    expect(p.a.daemon.halfOpen()).toBeLessThanOrEqual(50);
    // Still up, still carrying traffic both ways, and still rekeying (CHILD SA lifetime 120 s).
    expect(p.a.daemon.list().filter((s) => s.state === 'ESTABLISHED' && s.children.length > 0).length).toBe(1);
    expect(crosses(p, 'a')).toBe(true);
    expect(crosses(p, 'b')).toBe(true);
    const rekeys = c.childRekeys + p.b.daemon.counters.childRekeys;
    for (let t = 0; t < 150; t++) p.clock.advance(1000);
    expect(c.childRekeys + p.b.daemon.counters.childRekeys).toBeGreaterThan(rekeys);
    expect(crosses(p, 'a')).toBe(true);
    expect(crosses(p, 'b')).toBe(true);
    expect(c.internalErrors + p.b.daemon.counters.internalErrors).toBe(0);
  });

  for (const suite of ['file003', 'modern'] as const) {
    it(`10,000 malformed ESP packets (${suite}, raw and in UDP): no exception, each drop counted, the tunnel keeps working`, () => {
      const p = servicePair({}, { modern: suite === 'modern' });
      expect(crosses(p, 'b')).toBe(true);
      const child = p.a.daemon.list()[0]!.children[0]!;
      // Genuine ESP packets of the peer (its outbound SA is our inbound one).
      const genuine: Uint8Array[] = [];
      for (let i = 0; i < 20; i++) {
        const buf = new Uint8Array(2000);
        const inner = new Uint8Array(40 + i * 37);
        inner[0] = 0x45;
        const n = p.b.daemon.outbound(ME)!.outbound.encrypt(buf, 0, inner, 0, inner.length);
        genuine.push(buf.slice(0, n));
      }
      const rng = new Prng(4500);
      const h4500 = p.netA.udpHandlers.get(4500)!, raw = p.netA.rawHandlers.get(50)!;
      const before = { ...p.a.esp, drops: [...child.inbound.counters.drops] };
      let accepted = 0;
      for (let i = 0; i < 10_000; i++) {
        const g = genuine[rng.int(0, genuine.length - 1)]!;
        let m: Uint8Array;
        const kind = rng.int(0, 5);
        if (kind === 0) m = g; // a replay (the first copy of each may be accepted once)
        else if (kind === 1) {
          // A fresh packet (unseen sequence number) with its ciphertext or ICV damaged.
          const buf = new Uint8Array(2000);
          const inner = new Uint8Array(60);
          const n = p.b.daemon.outbound(ME)!.outbound.encrypt(buf, 0, inner, 0, inner.length);
          m = buf.slice(0, n);
          m[rng.int(8, m.length - 1)] ^= 1 << rng.int(0, 7);
        } else if (kind === 2) m = g.subarray(0, rng.int(0, g.length - 1)); // truncated / bad length
        else if (kind === 3) {
          m = g.slice();
          m[rng.int(0, 3)] ^= 0x40; // unknown SPI
        } else m = mutate(rng, g);
        const from = kind === 4 && rng.int(0, 3) === 0 ? STRANGER : PEER;
        const before = p.netA.injected.length;
        if (rng.int(0, 1) === 0) raw(from, ME, m);
        else h4500(from, ME, 4500, m);
        accepted += p.netA.injected.length - before;
      }
      const e = p.a.esp;
      const drops = child.inbound.counters.drops;
      expect(accepted).toBeLessThanOrEqual(genuine.length);
      expect(e.unknownSpi - before.unknownSpi).toBeGreaterThan(500);
      expect(e.decryptFailures - before.decryptFailures).toBeGreaterThan(3000);
      expect(drops[3]! - before.drops[3]!).toBeGreaterThan(1000); // replays
      expect(drops[4]! - before.drops[4]!).toBeGreaterThan(1000); // ICV
      expect(drops[1]! + drops[2]! - before.drops[1]! - before.drops[2]!).toBeGreaterThan(500); // truncated, bad length
      expect(p.a.daemon.counters.internalErrors).toBe(0);
      expect(crosses(p, 'a')).toBe(true);
      expect(crosses(p, 'b')).toBe(true);
    });
  }
});
