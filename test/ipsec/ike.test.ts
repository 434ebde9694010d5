import { describe, expect, it } from 'vitest';
import { dhByGroup, encrByName, integByName, prfByName } from '../../src/ipsec/crypto/algorithms.js';
import { A, B, established, FILE003_ESP, FILE003_IKE, MODERN_ESP, MODERN_IKE, Pair, peer } from './helpers.js';

function connect(p: Pair, overA = {}, overB = {}): void {
  p.a.d.setPeers([peer(B, { initiate: true, ...overA })]);
  p.b.d.setPeers([peer(A, overB)]);
  p.run(100);
}

describe('IKEv2 between two daemons', () => {
  it('file 003 suite: IKE SA ESTABLISHED and a CHILD SA both ways, ESP flows', () => {
    const p = new Pair();
    connect(p);
    expect(established(p.a)).toBe(1);
    expect(established(p.b)).toBe(1);
    const ia = p.a.d.list()[0]!, ib = p.b.d.list()[0]!;
    expect(ia.suite).toEqual(FILE003_IKE);
    expect(ib.children.length).toBe(1);
    expect(ia.children[0]!.inSpi).toBe(ib.children[0]!.outSpi);
    expect(p.esp(p.a, p.b, 84)).toBe(84);
    expect(p.esp(p.b, p.a, 1400)).toBe(1400);
    expect(p.a.logs.some((l) => /IKE_SA peer-192.0.2.1-tunnel-vti\[1\] established between 203.0.113.1\[203.0.113.1\]...192.0.2.1\[192.0.2.1\]/.test(l))).toBe(true);
    expect(p.b.logs.some((l) => /CHILD_SA .* established with SPIs [0-9a-f]{8}_i [0-9a-f]{8}_o and TS 0.0.0.0\/0 === 0.0.0.0\/0/.test(l))).toBe(true);
  });

  it('modern suite: AES-GCM-256, PRF-HMAC-SHA2-256, Curve25519', () => {
    const p = new Pair();
    connect(p, { ikeSuites: [MODERN_IKE], espSuites: [MODERN_ESP] }, { ikeSuites: [MODERN_IKE], espSuites: [MODERN_ESP] });
    expect(established(p.a)).toBe(1);
    expect(p.b.d.list()[0]!.suite).toEqual(MODERN_IKE);
    expect(p.esp(p.a, p.b)).toBe(100);
    expect(p.esp(p.b, p.a)).toBe(100);
  });

  it('INVALID_KE_PAYLOAD: the initiator retries with the group the responder selected', () => {
    const p = new Pair();
    const modp2048 = { ...FILE003_IKE, dh: dhByGroup(14)! };
    connect(p, { ikeSuites: [modp2048, FILE003_IKE] }, { ikeSuites: [FILE003_IKE] });
    expect(established(p.a)).toBe(1);
    expect(p.a.d.list()[0]!.suite!.dh.group).toBe(2);
    expect(p.b.d.counters.invalidKe).toBe(1);
    expect(p.a.logs.some((l) => /didn't accept DH group 14, it requested 2/.test(l))).toBe(true);
  });

  it('COOKIE: past the half-open threshold the responder wants a cookie, and the initiator comes back with it', () => {
    const p = new Pair({}, { cookieThreshold: 0 });
    connect(p);
    expect(established(p.a)).toBe(1);
    expect(p.b.d.counters.cookiesSent).toBe(1);
    expect(p.a.logs.some((l) => /received COOKIE/.test(l))).toBe(true);
  });

  it('a wrong pre-shared key is refused on both sides with a clear log line, and no SA stays', () => {
    const p = new Pair();
    connect(p, {}, { secret: new TextEncoder().encode('not-the-same') });
    expect(established(p.a) + established(p.b)).toBe(0);
    expect(p.b.logs.some((l) => /^err: .*authentication of '203.0.113.1' with pre-shared key failed/.test(l))).toBe(true);
    expect(p.a.logs.some((l) => /^err: .*refused our authentication \(AUTHENTICATION_FAILED\)/.test(l))).toBe(true);
    expect(p.a.d.counters.authFailures).toBe(1);
    expect(p.b.d.counters.authFailures).toBe(1);
    expect(p.b.d.list().length).toBe(0);
  });

  it('no acceptable proposal: NO_PROPOSAL_CHOSEN, counted', () => {
    const p = new Pair();
    const aes128 = { ...FILE003_IKE, encr: encrByName('aes128')! };
    connect(p, {}, { ikeSuites: [aes128] });
    expect(established(p.a)).toBe(0);
    expect(p.b.d.counters.noProposal).toBe(1);
    expect(p.a.logs.some((l) => /refused IKE_SA_INIT: NO_PROP/.test(l))).toBe(true);
  });

  it('rekeys CHILD SAs and the IKE SA on both sides, traffic keeps flowing, old SAs go', () => {
    const p = new Pair();
    // a rekeys its CHILD SA (lifetime 60 s) and b its IKE SA (lifetime 90 s).
    connect(p, { childLifetimeS: 60, ikeLifetimeS: 3600 }, { childLifetimeS: 3600, ikeLifetimeS: 90 });
    const firstIkeA = p.a.d.list()[0]!;
    const firstChild = firstIkeA.children[0]!;
    for (let t = 0; t < 200; t++) {
      p.run(1000);
      expect(p.esp(p.a, p.b)).toBe(100);
      expect(p.esp(p.b, p.a)).toBe(100);
    }
    expect(p.a.d.counters.childRekeys).toBeGreaterThanOrEqual(3);
    expect(p.b.d.counters.ikeRekeys).toBeGreaterThanOrEqual(2);
    expect(established(p.a)).toBe(1);
    expect(established(p.b)).toBe(1);
    const ia = p.a.d.list()[0]!, ib = p.b.d.list()[0]!;
    expect(ia.id).not.toBe(firstIkeA.id);
    expect(ia.children.length).toBe(1);
    expect(ib.children.length).toBe(1);
    expect(ia.children[0]!.id).not.toBe(firstChild.id);
    expect(p.a.d.childBySpi(firstChild.inSpi)).toBeUndefined();
    expect(p.a.d.counters.internalErrors + p.b.d.counters.internalErrors).toBe(0);
  });

  it('simultaneous CHILD SA rekeys settle on one CHILD SA', () => {
    const p = new Pair();
    connect(p, { childLifetimeS: 60 }, { childLifetimeS: 60 });
    for (let t = 0; t < 130; t++) {
      p.run(1000);
      expect(p.esp(p.a, p.b)).toBe(100);
      expect(p.esp(p.b, p.a)).toBe(100);
    }
    expect(p.a.d.list()[0]!.children.length).toBe(1);
    expect(p.b.d.list()[0]!.children.length).toBe(1);
  });

  it('dead peer detection: a silent peer is declared dead; restart brings the tunnel back when it returns', () => {
    const p = new Pair();
    connect(p, { dpd: { intervalS: 10, timeoutS: 30, action: 'restart' } });
    p.cut = true;
    p.run(60_000);
    expect(p.a.logs.some((l) => /dead peer 192.0.2.1 detected/.test(l))).toBe(true);
    expect(established(p.a)).toBe(0);
    p.cut = false;
    p.b.d.close();
    p.b.d.setPeers([peer(A)]);
    p.run(120_000);
    expect(established(p.a)).toBe(1);
    expect(p.esp(p.a, p.b)).toBe(100);
  });

  it('a restarted initiator (INITIAL_CONTACT) replaces the old SAs of the responder', () => {
    const p = new Pair();
    connect(p);
    const before = p.b.d.list()[0]!;
    p.a.d.close();
    p.a.d.setPeers([peer(B, { initiate: true })]);
    p.run(100);
    const after = p.b.d.list();
    expect(after.length).toBe(1);
    expect(after[0]!.id).not.toBe(before.id);
    expect(p.b.logs.some((l) => /INITIAL_CONTACT/.test(l))).toBe(true);
    expect(p.esp(p.a, p.b)).toBe(100);
    expect(p.esp(p.b, p.a)).toBe(100);
  });

  it('retransmits a lost request and answers a retransmitted one from its cache', () => {
    const p = new Pair();
    let drop = 1;
    p.mangle = (d) => (d[18] === 35 && drop-- > 0 ? null : d); // the first IKE_AUTH request is lost
    connect(p);
    expect(established(p.a)).toBe(0);
    p.run(5000);
    expect(established(p.a)).toBe(1);
    expect(p.a.d.counters.retransmits).toBe(1);
  });

  it('clear deletes with the peer told; a respond-only side waits, an initiate side comes back', () => {
    const p = new Pair();
    connect(p);
    expect(p.b.d.clear()).toBe(1);
    p.run(100);
    expect(p.a.d.list().filter((s) => s.state === 'ESTABLISHED').length).toBe(0);
    p.run(10_000);
    expect(established(p.a)).toBe(1);
    expect(established(p.b)).toBe(1);
  });

  it('a suite list where the responder prefers its own order', () => {
    const p = new Pair();
    const other = { encr: encrByName('aes128')!, integ: integByName('sha256')!, prf: prfByName('sha256')!, dh: dhByGroup(2)! };
    connect(p, { ikeSuites: [other, FILE003_IKE] }, { ikeSuites: [FILE003_IKE, other] });
    expect(p.a.d.list()[0]!.suite).toEqual(FILE003_IKE);
    void FILE003_ESP;
  });

  it('a flood of IKE_SA_INIT: past the threshold only cookies are sent (no state), half-open SAs stay bounded and time out', () => {
    const p = new Pair({}, { cookieThreshold: 10, maxHalfOpen: 100 });
    p.b.d.setPeers([peer(A)]);
    p.cut = true;
    p.a.d.setPeers([peer(B, { initiate: true })]);
    const init = p.a.sent[0]![2];
    p.cut = false;
    for (let i = 0; i < 1000; i++) {
      const m = init.slice();
      m[0] = i & 0xff;
      m[1] = i >> 8;
      m[2] = 0x5a;
      p.b.d.receive(B, A, 500, 500, m);
    }
    expect(p.b.d.halfOpen()).toBe(10);
    expect(p.b.d.counters.cookiesSent).toBe(990);
    p.run(31_000);
    expect(p.b.d.halfOpen()).toBe(0);
    // A genuine initiator answers the cookie and gets through while the responder is flooded.
    for (let i = 0; i < 20; i++) {
      const m = init.slice();
      m[0] = 0xee;
      m[1] = i;
      p.b.d.receive(B, A, 500, 500, m);
    }
    p.a.d.close();
    p.a.d.setPeers([peer(B, { initiate: true })]);
    p.run(2000);
    expect(established(p.a)).toBe(1);
    expect(p.a.logs.some((l) => /received COOKIE/.test(l))).toBe(true);
  });

  it('a peer that reauthenticates (a new IKE SA, then the old one deleted) is accepted, traffic moves to the new CHILD SA', () => {
    const p = new Pair();
    connect(p);
    const old = p.a.d.list()[0]!;
    p.a.d.initiate(peer(B, { initiate: true }));
    p.run(100);
    expect(p.b.d.list().filter((s) => s.state === 'ESTABLISHED').length).toBe(2);
    p.a.d.deleteIkeSa(old, 'reauthenticated');
    p.run(100);
    expect(established(p.a)).toBe(1);
    expect(established(p.b)).toBe(1);
    expect(p.a.d.list()[0]!.id).not.toBe(old.id);
    expect(p.esp(p.a, p.b)).toBe(100);
    expect(p.esp(p.b, p.a)).toBe(100);
  });

  it('simultaneous IKE SA rekeys settle on one new IKE SA holding the CHILD SA, on both sides', () => {
    const p = new Pair();
    connect(p, { ikeLifetimeS: 120 }, { ikeLifetimeS: 120 });
    for (let t = 0; t < 300; t++) {
      p.run(1000);
      expect(p.esp(p.a, p.b)).toBe(100);
      expect(p.esp(p.b, p.a)).toBe(100);
    }
    expect(p.a.d.counters.ikeRekeys + p.b.d.counters.ikeRekeys).toBeGreaterThanOrEqual(4);
    expect([...p.a.logs, ...p.b.logs].filter((l) => /IKE_SA rekey collision: ours holds the lowest nonce/.test(l)).length).toBeGreaterThanOrEqual(1);
    const ia = p.a.d.list().filter((s) => s.state === 'ESTABLISHED'), ib = p.b.d.list().filter((s) => s.state === 'ESTABLISHED');
    expect(ia.length).toBe(1);
    expect(ib.length).toBe(1);
    expect(ia[0]!.children.length).toBe(1);
    expect(ib[0]!.children.length).toBe(1);
    expect(Buffer.from(ia[0]!.spiI).equals(Buffer.from(ib[0]!.spiI))).toBe(true);
    expect(p.a.d.counters.internalErrors + p.b.d.counters.internalErrors).toBe(0);
    expect(p.a.d.counters.timeouts + p.b.d.counters.timeouts).toBe(0);
  });

  it('PFS: CHILD SA rekeys carry a KE of the configured group; a peer rekeying without PFS is refused', () => {
    const p = new Pair();
    const pfs = [{ ...FILE003_ESP, dh: dhByGroup(14)! }];
    connect(p, { childLifetimeS: 60, espSuites: pfs }, { espSuites: pfs });
    for (let t = 0; t < 70; t++) p.run(1000);
    expect(p.a.d.counters.childRekeys).toBeGreaterThanOrEqual(1);
    const rekeyMsgs = p.a.logs.filter((l) => /generating CREATE_CHILD_SA request \d+ \[ N\(REKEY_SA\) SA No KE TSi TSr \]/.test(l));
    expect(rekeyMsgs.length).toBeGreaterThanOrEqual(1);
    expect(p.esp(p.a, p.b)).toBe(100);
    expect(p.esp(p.b, p.a)).toBe(100);
    // Without PFS on one side only: the responder that wants PFS refuses, the CHILD SA lives on until it expires.
    const q = new Pair();
    connect(q, { childLifetimeS: 60 }, { espSuites: pfs });
    for (let t = 0; t < 57; t++) q.run(1000);
    expect(q.b.logs.some((l) => /rekeys without PFS, which is configured/.test(l))).toBe(true);
    expect(q.esp(q.a, q.b)).toBe(100);
  });
});
