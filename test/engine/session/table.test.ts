import { describe, expect, it } from 'vitest';
import { ipv4 } from '../../../src/net/addr.js';
import {
  EndReason, InsertError, NAT_MODE_CODES, SessionState, SessionTable, TcpFlag, dirOf, sidOf, tcpInitialState,
  type SessionTableOptions,
} from '../../../src/engine/session/index.js';
import { prng, randInt } from './prng.js';

const TCP = 6, UDP = 17, ICMP = 1;
const CIP = ipv4('10.0.0.1'), VIP = ipv4('192.0.2.10'), RIP = ipv4('172.16.0.5'), RIP2 = ipv4('172.16.0.6');
const NAT = NAT_MODE_CODES.nat, DSR = NAT_MODE_CODES.dsr;
const T = { tcp: 600, tcpSyn: 60, tcpFin: 20, udp: 30, icmp: 5 };

function table(opts: Partial<SessionTableOptions> = {}): SessionTable {
  return new SessionTable({ capacity: 64, timeouts: T, maxServices: 16, maxReals: 64, ...opts });
}

/** A NAT TCP session: client port `cport` -> VIP:80, reply from RIP:8080. */
function natSyn(t: SessionTable, now: number, cport: number, slb = 1, real = 3, rip = RIP): number {
  return t.insert(now, TCP, CIP, cport, VIP, 80, rip, 8080, slb, real, NAT, 0, tcpInitialState(TcpFlag.SYN));
}

describe('SessionTable: insert and lookup', () => {
  it('finds a NAT session by its original and its reply tuple, with the direction', () => {
    const t = table();
    const sid = natSyn(t, 1000, 40000);
    expect(sid).toBeGreaterThanOrEqual(0);
    expect(t.size).toBe(1);

    const o = t.lookup(1000, TCP, CIP, 40000, VIP, 80);
    expect(sidOf(o)).toBe(sid);
    expect(dirOf(o)).toBe(0);
    const r = t.lookup(1000, TCP, RIP, 8080, CIP, 40000);
    expect(sidOf(r)).toBe(sid);
    expect(dirOf(r)).toBe(1);

    expect(t.lookupOrig(1000, TCP, CIP, 40000, VIP, 80)).toBe(sid);
    expect(t.lookupReply(1000, TCP, RIP, 8080, CIP, 40000)).toBe(sid);
    // The direction filters: the reply tuple is not an original tuple and vice versa.
    expect(t.lookupOrig(1000, TCP, RIP, 8080, CIP, 40000)).toBe(-1);
    expect(t.lookupReply(1000, TCP, CIP, 40000, VIP, 80)).toBe(-1);
    // Any field differing misses.
    expect(t.lookup(1000, UDP, CIP, 40000, VIP, 80)).toBe(-1);
    expect(t.lookup(1000, TCP, CIP, 40001, VIP, 80)).toBe(-1);
    expect(t.lookup(1000, TCP, CIP, 40000, VIP, 81)).toBe(-1);
    expect(t.lookup(1000, TCP, CIP + 1, 40000, VIP, 80)).toBe(-1);
    expect(t.lookup(1000, TCP, VIP, 80, CIP, 40000)).toBe(-1); // a DSR-style reply does not match a NAT session

    const info = t.info(sid);
    expect(info).toMatchObject({
      proto: TCP, clientIp: CIP, clientPort: 40000, vip: VIP, vport: 80, replySrcIp: RIP, replySrcPort: 8080,
      replyDstIp: CIP, replyDstPort: 40000, slb: 1, real: 3, natMode: 'nat', state: SessionState.SYN_SENT,
      stateName: 'SYN_SENT', created: 1000, lastSeen: 1000,
    });
  });

  it('indexes a DSR session reply as VIP:vport -> client', () => {
    const t = table();
    const sid = t.insert(0, UDP, CIP, 5353, VIP, 53, VIP, 53, 2, 7, DSR, 0, SessionState.NONE);
    expect(t.lookupReply(0, UDP, VIP, 53, CIP, 5353)).toBe(sid);
    expect(t.lookupOrig(0, UDP, CIP, 5353, VIP, 53)).toBe(sid);
    expect(t.info(sid).natMode).toBe('dsr');
  });

  it('refuses a second session with a tuple in use, and bad indexes', () => {
    const t = table();
    expect(natSyn(t, 0, 1)).toBeGreaterThanOrEqual(0);
    expect(natSyn(t, 0, 1, 1, 4, RIP2)).toBe(InsertError.EXISTS); // same original tuple
    // same reply tuple (RIP:8080 -> CIP:1) from a different original tuple
    expect(t.insert(0, TCP, CIP, 1, VIP, 443, RIP, 8080, 1, 3, NAT, 0, 1)).toBe(InsertError.EXISTS);
    expect(t.insert(0, TCP, CIP, 2, VIP, 80, RIP, 8080, 16, 3, NAT, 0, 1)).toBe(InsertError.INVALID);
    expect(t.insert(0, TCP, CIP, 2, VIP, 80, RIP, 8080, 1, 64, NAT, 0, 1)).toBe(InsertError.INVALID);
    expect(t.stats.exists).toBe(2);
    expect(t.stats.invalid).toBe(2);
    expect(t.size).toBe(1);
  });

  it('counts packets and bytes per direction', () => {
    const t = table();
    const sid = natSyn(t, 0, 9);
    t.touch(sid, 5, 0, TcpFlag.ACK, 100);
    t.touch(sid, 6, 1, TcpFlag.ACK, 1500);
    t.touch(sid, 7, 1, TcpFlag.ACK, 1500);
    expect(t.packets(sid, 0)).toBe(1);
    expect(t.packets(sid, 1)).toBe(2);
    expect(t.bytes(sid, 0)).toBe(100);
    expect(t.bytes(sid, 1)).toBe(3000);
    expect(t.lastSeen(sid)).toBe(7);
    expect(t.created(sid)).toBe(0);
  });
});

describe('SessionTable: timeouts on virtual time', () => {
  it('uses the SYN timeout until the handshake completes, then the established one', () => {
    const t = table();
    const a = natSyn(t, 0, 1);
    // SYN only: alive at exactly 60 s, gone just after.
    expect(t.expiresAt(a)).toBe(60_000);
    expect(t.lookupOrig(60_000, TCP, CIP, 1, VIP, 80)).toBe(a);
    expect(t.lookupOrig(60_001, TCP, CIP, 1, VIP, 80)).toBe(-1);
    expect(t.size).toBe(0);

    const b = natSyn(t, 100_000, 2);
    expect(t.touch(b, 100_010, 1, TcpFlag.SYN | TcpFlag.ACK, 60)).toBe(SessionState.SYN_RECV);
    expect(t.touch(b, 100_020, 0, TcpFlag.ACK, 60)).toBe(SessionState.ESTABLISHED);
    expect(t.lookupOrig(100_020 + 599_000, TCP, CIP, 2, VIP, 80)).toBe(b);
    expect(t.lookupOrig(100_020 + 599_000 + 600_001, TCP, CIP, 2, VIP, 80)).toBe(-1);
  });

  it('uses the short FIN timeout after FIN or RST', () => {
    const t = table();
    const a = natSyn(t, 0, 1);
    t.touch(a, 1, 1, TcpFlag.SYN | TcpFlag.ACK, 0);
    t.touch(a, 2, 0, TcpFlag.ACK, 0);
    expect(t.touch(a, 3, 0, TcpFlag.FIN | TcpFlag.ACK, 0)).toBe(SessionState.FIN_ORIG);
    expect(t.timeoutMs(a)).toBe(20_000);
    expect(t.touch(a, 4, 1, TcpFlag.FIN | TcpFlag.ACK, 0)).toBe(SessionState.TIME_WAIT);
    expect(t.isExpired(a, 4 + 20_000)).toBe(false);
    expect(t.isExpired(a, 4 + 20_001)).toBe(true);

    const b = natSyn(t, 0, 2);
    t.touch(b, 1, 1, TcpFlag.SYN | TcpFlag.ACK, 0);
    t.touch(b, 2, 0, TcpFlag.ACK, 0);
    expect(t.timeoutMs(b)).toBe(600_000);
    expect(t.touch(b, 3, 1, TcpFlag.RST, 0)).toBe(SessionState.CLOSED);
    expect(t.timeoutMs(b)).toBe(20_000);
  });

  it('uses the UDP and ICMP timeouts and a service override', () => {
    const t = table();
    const u = t.insert(0, UDP, CIP, 1, VIP, 53, RIP, 53, 1, 3, NAT, 0, SessionState.NONE);
    const i = t.insert(0, ICMP, CIP, 77, VIP, 0, RIP, 0, 1, 3, NAT, 0, SessionState.NONE);
    const s = natSyn(t, 0, 5, 1);
    expect(t.timeoutMs(u)).toBe(30_000);
    expect(t.timeoutMs(i)).toBe(5_000);
    t.setServiceTimeout(1, 10);
    expect(t.timeoutMs(u)).toBe(10_000);
    expect(t.timeoutMs(i)).toBe(10_000);
    expect(t.timeoutMs(s)).toBe(10_000); // SYN: min(60 s, 10 s)
    t.setServiceTimeout(1, 3600);
    expect(t.timeoutMs(s)).toBe(60_000); // the short SYN timeout stays short
    t.touch(s, 1, 1, TcpFlag.SYN | TcpFlag.ACK, 0);
    t.touch(s, 2, 0, TcpFlag.ACK, 0);
    expect(t.timeoutMs(s)).toBe(3_600_000);
    t.setServiceTimeout(1, null);
    expect(t.timeoutMs(s)).toBe(600_000);
    // Other services are not affected.
    const other = t.insert(0, UDP, CIP, 2, VIP, 53, RIP, 53, 2, 3, NAT, 0, SessionState.NONE);
    t.setServiceTimeout(1, 1);
    expect(t.timeoutMs(other)).toBe(30_000);
  });

  it('lazy expiry on lookup calls the end hook and frees the real count', () => {
    const ended: [number, number, number][] = [];
    const t = table();
    t.onEnd = (sid, reason) => ended.push([sid, reason, t.real(sid)]);
    const u = t.insert(0, UDP, CIP, 1, VIP, 53, RIP, 53, 1, 9, NAT, 0, SessionState.NONE);
    expect(t.countByReal(9)).toBe(1);
    expect(t.lookup(30_001, UDP, RIP, 53, CIP, 1)).toBe(-1);
    expect(ended).toEqual([[u, EndReason.EXPIRED, 9]]);
    expect(t.countByReal(9)).toBe(0);
    expect(t.countByService(1)).toBe(0);
    expect(t.stats.lazyExpired).toBe(1);
    // The tuple can be used again.
    expect(t.insert(30_001, UDP, CIP, 1, VIP, 53, RIP, 53, 1, 9, NAT, 0, SessionState.NONE)).toBeGreaterThanOrEqual(0);
  });

  it('traffic keeps a session alive', () => {
    const t = table();
    const u = t.insert(0, UDP, CIP, 1, VIP, 53, RIP, 53, 1, 3, NAT, 0, SessionState.NONE);
    for (let now = 20_000; now <= 200_000; now += 20_000) {
      expect(t.lookupOrig(now, UDP, CIP, 1, VIP, 53)).toBe(u);
      t.touch(u, now, 0, 0, 10);
    }
    expect(t.lookupOrig(230_001, UDP, CIP, 1, VIP, 53)).toBe(-1);
  });
});

describe('SessionTable: sweeper', () => {
  it('examines at most `budget` slots per call and eventually expires everything idle', () => {
    const ended: number[] = [];
    const t = new SessionTable({ capacity: 2000, timeouts: T, onEnd: (s) => ended.push(s) });
    for (let i = 0; i < 1000; i++) {
      t.insert(0, UDP, CIP + i, 1000 + i, VIP, 53, RIP, 53, 0, i % 10, NAT, 0, SessionState.NONE);
    }
    // 500 of them stay busy.
    for (let i = 0; i < 1000; i += 2) t.touch(t.lookupOrig(0, UDP, CIP + i, 1000 + i, VIP, 53), 25_000, 0, 0, 1);
    expect(t.sweep(30_000, 100)).toBe(0); // nothing is idle long enough yet
    const now = 40_000; // the untouched half is idle for 40 s > 30 s
    let total = 0, calls = 0;
    while (total < 500) {
      const n = t.sweep(now, 64);
      expect(t.lastSweepExamined).toBeLessThanOrEqual(64);
      expect(n).toBeLessThanOrEqual(64);
      total += n;
      if (++calls > 100) break;
    }
    expect(total).toBe(500);
    expect(calls).toBeGreaterThanOrEqual(Math.ceil(1000 / 64) - 1);
    expect(calls).toBeLessThanOrEqual(Math.ceil(1000 / 64) + 1);
    expect(t.size).toBe(500);
    expect(new Set(ended).size).toBe(500);
    expect(ended.every((s) => s % 2 === 1)).toBe(true); // the odd ones were idle
    for (let i = 0; i < 1000; i += 2) expect(t.lookupOrig(now, UDP, CIP + i, 1000 + i, VIP, 53)).toBeGreaterThanOrEqual(0);
    // One call never examines more than one pass.
    t.sweep(now, 1e9);
    expect(t.lastSweepExamined).toBeLessThanOrEqual(1000);
    expect(t.stats.expired).toBe(500);
  });
});

describe('SessionTable: full table', () => {
  it('refuses new sessions instead of evicting, and reuses freed slots', () => {
    const t = table({ capacity: 8 });
    for (let i = 0; i < 8; i++) expect(natSyn(t, 0, i)).toBeGreaterThanOrEqual(0);
    expect(natSyn(t, 0, 100)).toBe(InsertError.FULL);
    expect(natSyn(t, 50_000, 101)).toBe(InsertError.FULL);
    expect(t.stats.full).toBe(2);
    expect(t.size).toBe(8);
    for (let i = 0; i < 8; i++) expect(t.lookupOrig(50_000, TCP, CIP, i, VIP, 80)).toBeGreaterThanOrEqual(0);
    // Deleting one makes room.
    expect(t.delete(t.lookupOrig(0, TCP, CIP, 3, VIP, 80))).toBe(true);
    expect(natSyn(t, 0, 100)).toBeGreaterThanOrEqual(0);
    expect(natSyn(t, 0, 101)).toBe(InsertError.FULL);
  });

  it('reclaims sessions that have already expired when full', () => {
    const t = table({ capacity: 8 });
    for (let i = 0; i < 8; i++) natSyn(t, 0, i); // SYN timeout 60 s
    expect(natSyn(t, 60_001, 100)).toBeGreaterThanOrEqual(0);
    expect(t.size).toBeLessThanOrEqual(8);
  });
});

describe('SessionTable: counts, iteration, clearing', () => {
  it('keeps per-service and per-real counts and lists sessions in creation order', () => {
    const ends: [number, number][] = [];
    const t = table({ onEnd: (s, r) => ends.push([s, r]) });
    const sids: number[] = [];
    for (let i = 0; i < 12; i++) sids.push(natSyn(t, i, 1000 + i, 1 + (i % 2), 10 + (i % 3)));
    expect(t.countByService(1)).toBe(6);
    expect(t.countByService(2)).toBe(6);
    expect(t.countByReal(10)).toBe(4);
    expect(t.realCounts[11]).toBe(4);
    expect(t.list()).toEqual(sids);
    expect(t.sessionsOfReal(10)).toEqual([sids[0], sids[3], sids[6], sids[9]]);
    expect(t.sessionsOfReal(10, 1)).toEqual([sids[0], sids[6]]);
    expect(t.list({ slb: 2 }, 2)).toEqual([sids[1], sids[3]]);

    // Delete one in the middle, add a new one: it reuses the slot but comes last.
    t.delete(sids[4]!);
    const n = natSyn(t, 100, 5000, 1, 10);
    expect(n).toBe(sids[4]);
    expect(t.list().at(-1)).toBe(n);
    expect(t.list().length).toBe(12);

    expect(t.removeReal(10)).toBe(5);
    expect(t.countByReal(10)).toBe(0);
    expect(t.sessionsOfReal(10)).toEqual([]);
    expect(ends.filter(([, r]) => r === EndReason.REAL_REMOVED).length).toBe(5);
    const inTwo = t.countByService(2);
    expect(inTwo).toBe(4); // 6, less the two of them on real 10
    expect(t.clearService(2)).toBe(inTwo);
    expect(t.countByService(2)).toBe(0);
    expect(t.size).toBe(t.countByService(1));
    const left = t.size;
    expect(t.clear()).toBe(left);
    expect(t.size).toBe(0);
    expect(t.list()).toEqual([]);
    expect(t.realCounts.every((c) => c === 0)).toBe(true);
    // Lookups of cleared sessions miss.
    expect(t.lookupOrig(0, TCP, CIP, 1000, VIP, 80)).toBe(-1);
  });

  it('a real marked down keeps its sessions until they end or are removed', () => {
    const t = table();
    const a = natSyn(t, 0, 1, 1, 5);
    t.touch(a, 1, 1, TcpFlag.SYN | TcpFlag.ACK, 0);
    t.touch(a, 2, 0, TcpFlag.ACK, 0);
    // (the scheduler stops choosing real 5; the table does nothing)
    expect(t.sessionsOfReal(5)).toEqual([a]);
    expect(t.lookupOrig(300_000, TCP, CIP, 1, VIP, 80)).toBe(a);
  });

  it('forEach hides expired sessions when given a time, and may delete the current one', () => {
    const t = table();
    const a = t.insert(0, UDP, CIP, 1, VIP, 53, RIP, 53, 1, 3, NAT, 0, SessionState.NONE);
    const b = natSyn(t, 0, 2);
    const seen: number[] = [];
    t.forEach((s) => { seen.push(s); }, { now: 40_000 });
    expect(seen).toEqual([b]);
    t.forEach((s) => { t.delete(s); });
    expect(t.size).toBe(0);
    expect(t.isLive(a)).toBe(false);
  });
});

describe('SessionTable: random operations against a Map model', () => {
  for (const [seed, maxLoad] of [[1, 0.6], [2, 0.9], [3, 0.95]] as const) {
    it(`agrees with the model (seed ${seed}, load ${maxLoad})`, () => {
      const r = prng(seed);
      const cap = 400;
      const t = new SessionTable({ capacity: cap, timeouts: T, maxLoad, seed });
      const model = new Map<string, { sid: number; rip: number }>();
      const keyOf = (c: number, p: number) => `${c}:${p}`;
      // A small key space so that inserts collide with existing keys and deletes hit.
      const pickKey = () => [ipv4('10.1.0.0') + randInt(r, 40), 1 + randInt(r, 30)] as const;
      for (let step = 0; step < 20_000; step++) {
        const [c, p] = pickKey();
        const k = keyOf(c, p);
        const op = r();
        if (op < 0.45) {
          const rip = RIP + randInt(r, 4);
          const sid = t.insert(0, TCP, c, p, VIP, 80, rip, 80, 0, 0, NAT, 0, SessionState.ESTABLISHED);
          if (model.has(k)) expect(sid).toBe(InsertError.EXISTS);
          else if (model.size >= cap) expect(sid).toBe(InsertError.FULL);
          else {
            expect(sid).toBeGreaterThanOrEqual(0);
            model.set(k, { sid, rip });
          }
        } else if (op < 0.8) {
          const sid = t.lookupOrig(0, TCP, c, p, VIP, 80);
          const m = model.get(k);
          if (m) {
            expect(t.delete(sid)).toBe(true);
            model.delete(k);
          } else {
            expect(sid).toBe(-1);
          }
        } else {
          const m = model.get(k);
          expect(t.lookupOrig(0, TCP, c, p, VIP, 80)).toBe(m ? m.sid : -1);
          if (m) expect(sidOf(t.lookup(0, TCP, m.rip, 80, c, p))).toBe(m.sid);
        }
        expect(t.size).toBe(model.size);
      }
      // Everything in the model is findable both ways; nothing else is.
      for (const [k, { sid, rip }] of model) {
        const [c, p] = k.split(':').map(Number) as [number, number];
        expect(t.lookupOrig(0, TCP, c, p, VIP, 80)).toBe(sid);
        expect(t.lookupReply(0, TCP, rip, 80, c, p)).toBe(sid);
      }
      expect(t.list().length).toBe(model.size);
    });
  }

  it('survives heavy churn near capacity with every key still findable', () => {
    const r = prng(42);
    const cap = 5000;
    const t = new SessionTable({ capacity: cap, timeouts: T, maxLoad: 0.9 });
    const BASE = ipv4('10.0.0.0');
    const live = new Map<number, number>(); // client address offset -> sid
    const keys: number[] = [];
    for (let step = 0; step < 60_000; step++) {
      if (live.size < cap && (r() < 0.55 || live.size < cap / 2)) {
        const key = randInt(r, 1 << 24);
        if (live.has(key)) continue;
        const sid = t.insert(0, UDP, BASE + key, 7, VIP, 53, RIP, 53, 0, 0, NAT, 0, 0);
        expect(sid).toBeGreaterThanOrEqual(0);
        live.set(key, sid);
        keys.push(key);
      } else if (keys.length) {
        const i = randInt(r, keys.length);
        const key = keys[i]!;
        keys[i] = keys[keys.length - 1]!;
        keys.pop();
        expect(t.delete(live.get(key)!)).toBe(true);
        live.delete(key);
      }
    }
    expect(t.size).toBe(live.size);
    for (const [key, sid] of live) {
      expect(t.lookupOrig(0, UDP, BASE + key, 7, VIP, 53)).toBe(sid);
      expect(t.lookupReply(0, UDP, RIP, 53, BASE + key, 7)).toBe(sid);
    }
  });
});

describe('SessionTable: memory', () => {
  it('costs at most 128 bytes per session at 1M sessions, index included', () => {
    const t = new SessionTable({ capacity: 1 << 20 });
    expect(t.sessionBytes).toBeLessThanOrEqual(128);
    expect(t.sessionBytes).toBeGreaterThan(80);
  });
});
