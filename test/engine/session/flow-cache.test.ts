import { describe, expect, it } from 'vitest';
import { FlowCache } from '../../../src/engine/flow-cache.js';
import { EndReason, NAT_MODE_CODES, SessionState, SessionTable } from '../../../src/engine/session/index.js';
import { ipv4 } from '../../../src/net/addr.js';

const TCP = 6;
const VIP = ipv4('192.0.2.10') | 0;
const DSR = NAT_MODE_CODES.dsr;

function rig(slots = 64): { t: SessionTable; c: FlowCache } {
  const t = new SessionTable({ capacity: 4096, maxServices: 4, maxReals: 8 });
  const c = new FlowCache(slots, t);
  t.cacheFlush = (sid) => c.flush(sid);
  const ended: number[] = [];
  t.onEnd = (sid) => { c.forget(sid); ended.push(sid); };
  return { t, c };
}

/** An established DSR session of client 10.0.0.1:`port` and its cache entry. */
function flow(t: SessionTable, c: FlowCache, port: number, now = 0, gen = 0): number {
  const sid = t.insert(now, TCP, ipv4('10.0.0.1'), port, VIP, 80, VIP, 80, 0, 1, DSR, 0, SessionState.ESTABLISHED);
  c.install(TCP, ipv4('10.0.0.1') | 0, VIP, (port << 16) | 80, 1, gen, sid, 1, DSR, t.timeoutMs(sid), now);
  return sid;
}

const find = (c: FlowCache, port: number, inPort = 1, gen = 0) => c.find(TCP, ipv4('10.0.0.1') | 0, VIP, (port << 16) | 80, inPort, gen);

describe('FlowCache', () => {
  it('finds a flow only on its port, in its generation and epoch', () => {
    const { t, c } = rig();
    const sid = flow(t, c, 1000);
    const s = find(c, 1000);
    expect(s).toBeGreaterThanOrEqual(0);
    expect(c.sid(s)).toBe(sid);
    expect(find(c, 1001)).toBe(-1);
    expect(find(c, 1000, 2)).toBe(-1);
    expect(find(c, 1000, 1, 1)).toBe(-1);
    c.invalidate();
    expect(find(c, 1000)).toBe(-1);
    expect(c.size).toBe(0);
  });

  it('credits what it forwarded to the session: in bulk, for one session, when it ends', () => {
    const { t, c } = rig();
    const a = flow(t, c, 1000), b = flow(t, c, 1001);
    for (let i = 1; i <= 3; i++) c.hit(find(c, 1000), i * 100, 60);
    c.hit(find(c, 1001), 50, 40);
    expect(t.packets(a, 0)).toBe(0);
    c.flush(a);
    expect([t.packets(a, 0), t.bytes(a, 0), t.lastSeen(a)]).toEqual([3, 180, 300]);
    expect(t.packets(b, 0)).toBe(0);
    c.sync();
    expect([t.packets(b, 0), t.bytes(b, 0), t.lastSeen(b)]).toEqual([1, 40, 50]);
    c.sync(); // nothing twice
    expect(t.packets(a, 0)).toBe(3);
    c.hit(find(c, 1001), 70, 40);
    let seen = -1;
    t.onEnd = (sid) => { c.forget(sid); seen = t.packets(sid, 0); };
    t.delete(b);
    expect(seen).toBe(2);
    expect(find(c, 1001)).toBe(-1);
  });

  it('lets the table judge idleness with what it forwarded: no expiry while the cache carries the flow', () => {
    const { t, c } = rig();
    const a = flow(t, c, 1000);
    const tmo = t.timeoutMs(a);
    c.hit(find(c, 1000), tmo - 1, 60);
    expect(t.sweep(tmo + 10, Infinity)).toBe(0);
    expect(t.isLive(a)).toBe(true);
    expect(c.idle(find(c, 1000), 2 * tmo)).toBe(true);
    expect(t.sweep(2 * tmo, Infinity)).toBe(1);
    expect(t.stats.expired).toBe(1);
    expect(find(c, 1000)).toBe(-1);
    expect(EndReason.EXPIRED).toBe(1);
  });

  it('a full bucket gives up the entry idle longest, after crediting it', () => {
    const { t, c } = rig(4); // one bucket of four
    const sids = [1000, 1001, 1002, 1003].map((p, i) => flow(t, c, p, i));
    c.hit(find(c, 1000), 10, 60); // 1000 is the freshest now; 1001 idle longest
    const fifth = flow(t, c, 1004, 20);
    expect(c.stats.evictions).toBe(1);
    expect(find(c, 1001)).toBe(-1);
    for (const p of [1000, 1002, 1003, 1004]) expect(find(c, p)).toBeGreaterThanOrEqual(0);
    expect(c.sid(find(c, 1004))).toBe(fifth);
    expect(t.packets(sids[0]!, 0)).toBe(0);
    flow(t, c, 1005, 30); // evicts 1002 (idle since 2)
    expect(find(c, 1002)).toBe(-1);
    c.hit(find(c, 1003), 40, 1);
    flow(t, c, 1006, 50); // 1000 (10) is now idle longest: its packet is credited as it goes
    expect(find(c, 1000)).toBe(-1);
    expect(t.packets(sids[0]!, 0)).toBe(1);
  });

  it('every hit is credited once, however hits, single flushes and bulk syncs interleave', () => {
    const { t, c } = rig(4);
    const a = flow(t, c, 1000), b = flow(t, c, 1001);
    let n = 0;
    for (let i = 0; i < 1000; i++) {
      c.hit(find(c, 1000), i, 1);
      n++;
      if (i % 2 === 0) c.flush(a); // credited, but still listed for the next sync
    }
    c.hit(find(c, 1001), 1000, 1); // listed after a thousand flushes of the other
    c.sync();
    expect(t.packets(a, 0)).toBe(n);
    expect(t.packets(b, 0)).toBe(1);
    c.hit(find(c, 1001), 1001, 1);
    c.sync();
    expect(t.packets(b, 0)).toBe(2);
  });

  it('refuses a size that is not a power of two', () => {
    const t = new SessionTable({ capacity: 16 });
    expect(() => new FlowCache(12, t)).toThrow(RangeError);
    expect(() => new FlowCache(2, t)).toThrow(RangeError);
  });
});
