// The VXLAN FDB: learning, refresh, moves, static entries (never aged, never moved), the
// all-zeros flood list, ageing on the last frame from a MAC, max-entries with counted refusals,
// clear.

import { describe, expect, it } from 'vitest';
import { ipv4, mac } from '../../src/net/addr.js';
import { Learned, VxlanFdb } from '../../src/vxlan/fdb.js';

const M2 = mac('02:42:c0:a8:00:02'), M3 = mac('02:42:c0:a8:00:03');
const V2 = ipv4('192.168.104.2'), V3 = ipv4('192.168.104.3'), V9 = ipv4('192.168.104.9');

describe('VXLAN FDB', () => {
  it('learns a MAC behind a VTEP per VNI, refreshes it, and moves it when it shows up behind another', () => {
    const f = new VxlanFdb();
    expect(f.learn(42, M2, V2, 4789, 0)).toBe(Learned.NEW);
    expect(f.lookup(42, M2)).toMatchObject({ remote: V2, port: 4789, isStatic: false, seen: 0 });
    expect(f.lookup(43, M2)).toBeUndefined();
    expect(f.learn(42, M2, V2, 4789, 1000)).toBe(Learned.REFRESHED);
    expect(f.lookup(42, M2)!.seen).toBe(1000);
    expect(f.learn(42, M2, V9, 4789, 2000)).toBe(Learned.MOVED);
    expect(f.lookup(42, M2)!.remote).toBe(V9);
    expect(f.counters).toMatchObject({ learned: 1, moved: 1 });
    expect(f.learnedSize).toBe(1);
  });

  it('ages a learned entry ageing after the last frame from its MAC, never a static one', () => {
    const f = new VxlanFdb();
    f.setStatic([{ vni: 42, mac: M3, remote: V3, port: 4789 }], new Set([42]));
    f.learn(42, M2, V2, 4789, 0);
    f.learn(42, M2, V2, 4789, 100_000);
    expect(f.age(399_999, 300_000)).toBe(0);
    expect(f.age(400_000, 300_000)).toBe(1);
    expect(f.lookup(42, M2)).toBeUndefined();
    expect(f.age(10_000_000, 300_000)).toBe(0);
    expect(f.lookup(42, M3)).toMatchObject({ isStatic: true });
    expect(f.counters.aged).toBe(1);
  });

  it('never moves a static entry by learning, and a static entry replaces a learned one', () => {
    const f = new VxlanFdb();
    f.learn(42, M3, V9, 4789, 0);
    f.setStatic([{ vni: 42, mac: M3, remote: V3, port: 4789 }], new Set([42]));
    expect(f.learnedSize).toBe(0);
    expect(f.learn(42, M3, V9, 4789, 5)).toBe(Learned.STATIC);
    expect(f.lookup(42, M3)!.remote).toBe(V3);
    // Removing the static entry forgets it.
    f.setStatic([], new Set([42]));
    expect(f.lookup(42, M3)).toBeUndefined();
  });

  it('keeps the all-zeros entries as the flood list of their VNI (head-end replication)', () => {
    const f = new VxlanFdb();
    f.setStatic([{ vni: 42, mac: 0, remote: V3, port: 4789 }, { vni: 42, mac: 0, remote: V9, port: 8472 }, { vni: 7, mac: 0, remote: V2, port: 4789 }],
      new Set([42, 7]));
    expect(f.floodList(42).map((e) => [e.remote, e.port])).toEqual([[V3, 4789], [V9, 8472]]);
    expect(f.floodList(7).length).toBe(1);
    expect(f.floodList(8)).toEqual([]);
    expect(f.entries().map((e) => e.vni)).toEqual([7, 42, 42]);
  });

  it('stops learning at max-entries and counts the refusals; moves and refreshes still work', () => {
    const f = new VxlanFdb();
    f.maxEntries = 100;
    f.setStatic([{ vni: 42, mac: M3, remote: V3, port: 4789 }], new Set([42]));
    for (let i = 0; i < 10_000; i++) f.learn(42, 0x020000000000 + i, V2, 4789, i);
    expect(f.learnedSize).toBe(100);
    expect(f.size).toBe(101);
    expect(f.counters.refused).toBe(9900);
    expect(f.learn(42, 0x020000000000 + 5, V9, 4789, 1)).toBe(Learned.MOVED);
    expect(f.learn(42, 0x020000000000 + 6, V2, 4789, 1)).toBe(Learned.REFRESHED);
    // Room again after ageing.
    f.age(10_000 + 300_000, 300_000);
    expect(f.learnedSize).toBe(0);
    expect(f.learn(42, M2, V2, 4789, 0)).toBe(Learned.NEW);
  });

  it('clears the learned entries of one VNI or all, keeping the static ones', () => {
    const f = new VxlanFdb();
    f.setStatic([{ vni: 42, mac: M3, remote: V3, port: 4789 }], new Set([42, 43]));
    f.learn(42, M2, V2, 4789, 0);
    f.learn(43, M2, V2, 4789, 0);
    expect(f.clear(43)).toBe(1);
    expect(f.lookup(42, M2)).toBeDefined();
    expect(f.clear()).toBe(1);
    expect(f.learnedSize).toBe(0);
    expect(f.lookup(42, M3)).toBeDefined();
  });

  it('forgets the learned entries of a VNI that is no longer bridged', () => {
    const f = new VxlanFdb();
    f.learn(42, M2, V2, 4789, 0);
    f.learn(43, M2, V2, 4789, 0);
    f.setStatic([], new Set([43]));
    expect(f.lookup(42, M2)).toBeUndefined();
    expect(f.lookup(43, M2)).toBeDefined();
    expect(f.learnedSize).toBe(1);
  });
});
