import { describe, expect, it } from 'vitest';
import { AS_SEQUENCE, AS_SET, AS_TRANS, ERR_HEADER, ERR_OPEN, ERR_UPDATE, MSG_KEEPALIVE, MSG_OPEN, MSG_UPDATE } from '../../src/bgp/wire/constants.js';
import { Framer } from '../../src/bgp/wire/framer.js';
import {
  decodeNotification, decodeOpen, decodeRouteRefresh, encodeKeepalive, encodeNotification, encodeOpen, encodeRouteRefresh, openAs,
} from '../../src/bgp/wire/messages.js';
import { decodeUpdate, encodeAnnouncements, encodeAttrs, encodeWithdrawals } from '../../src/bgp/wire/update.js';
import { attrs } from '../../src/bgp/path-attrs.js';
import { formatKey, prefixKey } from '../../src/bgp/prefix-key.js';
import { formatAsPath, mergeAs4Path } from '../../src/bgp/as-path.js';
import { ipv4 } from '../../src/net/addr.js';
import { Prng } from '../../src/util/prng.js';

const p = (s: string) => { const [a, l] = s.split('/'); return prefixKey(ipv4(a!), Number(l)); };

/** An UPDATE from raw parts: withdrawn NLRI bytes, attribute bytes, NLRI bytes. */
function rawUpdate(withdrawn: number[], attrBytes: number[], nlri: number[]): Uint8Array {
  const len = 19 + 2 + withdrawn.length + 2 + attrBytes.length + nlri.length;
  return Uint8Array.from([
    ...new Array(16).fill(0xff), len >> 8, len & 0xff, MSG_UPDATE,
    withdrawn.length >> 8, withdrawn.length & 0xff, ...withdrawn, attrBytes.length >> 8, attrBytes.length & 0xff, ...attrBytes, ...nlri,
  ]);
}

const ORIGIN = [0x40, 1, 1, 0];
const ASPATH_4 = [0x40, 2, 6, AS_SEQUENCE, 1, 0, 0, 0xff, 0xeb]; // 65515, 4-octet
const NEXTHOP = [0x40, 3, 4, 172, 16, 0, 254];
const NLRI_22 = [22, 172, 16, 0];
const dec = (m: Uint8Array, fourOctet = true, external = true) => decodeUpdate(m, 0, m.length, { fourOctet, external });

describe('BGP messages', () => {
  it('encodes and decodes an OPEN with its capabilities (route refresh, 4-octet AS, IPv4 unicast)', () => {
    const m = encodeOpen({ asn: 65510, holdTime: 180, bgpId: ipv4('203.0.113.1'), routeRefresh: true, fourOctetAs: true, multiprotocol: [0x0101] });
    const r = decodeOpen(m, 0, m.length);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({ version: 4, myAs: 65510, holdTime: 180, bgpId: ipv4('203.0.113.1') });
    expect(r.value.caps).toMatchObject({ routeRefresh: true, routeRefreshOld: true, fourOctetAs: 65510, multiprotocol: [0x0101] });
  });

  it('puts AS_TRANS in the 2-octet field of a 4-octet AS, the real AS in the capability', () => {
    const m = encodeOpen({ asn: 4200000001, holdTime: 90, bgpId: 1, routeRefresh: false, fourOctetAs: true, multiprotocol: [] });
    const r = decodeOpen(m, 0, m.length);
    expect(r.ok && r.value.myAs).toBe(AS_TRANS);
    expect(r.ok && openAs(r.value)).toBe(4200000001);
  });

  it('refuses bad OPENs with the right NOTIFICATION codes', () => {
    const good = encodeOpen({ asn: 65510, holdTime: 180, bgpId: 1, routeRefresh: true, fourOctetAs: true, multiprotocol: [] });
    const v = good.slice(); v[19] = 3;
    expect(decodeOpen(v, 0, v.length)).toMatchObject({ ok: false, error: { code: ERR_OPEN, subcode: 1 } });
    const h = good.slice(); h[22] = 0; h[23] = 2;
    expect(decodeOpen(h, 0, h.length)).toMatchObject({ ok: false, error: { code: ERR_OPEN, subcode: 6 } });
    const id = good.slice(); id.fill(0, 24, 28);
    expect(decodeOpen(id, 0, id.length)).toMatchObject({ ok: false, error: { code: ERR_OPEN, subcode: 3 } });
    const param = good.slice(); param[29] = 9;
    expect(decodeOpen(param, 0, param.length)).toMatchObject({ ok: false, error: { code: ERR_OPEN, subcode: 4 } });
  });

  it('round-trips NOTIFICATION and ROUTE-REFRESH, and checks the refresh length (RFC 7313)', () => {
    const n = encodeNotification(6, 2, Uint8Array.of(1, 2));
    expect(decodeNotification(n, 0, n.length)).toEqual({ code: 6, subcode: 2, data: Uint8Array.of(1, 2) });
    const rr = encodeRouteRefresh(1, 1);
    expect(decodeRouteRefresh(rr, 0, rr.length)).toEqual({ ok: true, value: { afi: 1, safi: 1, subtype: 0 } });
    expect(decodeRouteRefresh(rr, 0, 22)).toMatchObject({ ok: false, error: { code: 7, subcode: 1 } });
  });
});

describe('BGP framing', () => {
  it('cuts a stream into messages whatever the chunking', () => {
    const stream = new Uint8Array([...encodeKeepalive(), ...encodeOpen({ asn: 1, holdTime: 3, bgpId: 9, routeRefresh: false, fourOctetAs: false, multiprotocol: [] }), ...encodeKeepalive()]);
    const f = new Framer();
    const types: number[] = [];
    for (let i = 0; i < stream.length; i += 7) {
      f.push(stream.subarray(i, i + 7));
      for (let m = f.next(); m; m = f.next()) types.push(m.type);
    }
    expect(types).toEqual([MSG_KEEPALIVE, MSG_OPEN, MSG_KEEPALIVE]);
    expect(f.failed).toBeNull();
  });

  it('fails a bad marker, length or type with a Message Header Error', () => {
    const cases: [Uint8Array, number][] = [];
    const k = encodeKeepalive(); k[3] = 0; cases.push([k, 1]);
    const l = encodeKeepalive(); l[17] = 20; cases.push([Uint8Array.from([...l, 0]), 2]);
    const t = encodeKeepalive(); t[18] = 9; cases.push([t, 3]);
    for (const [m, sub] of cases) {
      const f = new Framer();
      f.push(m);
      expect(f.next()).toBeNull();
      expect(f.failed).toMatchObject({ code: ERR_HEADER, subcode: sub });
    }
  });
});

describe('UPDATE decoding and RFC 7606', () => {
  it('decodes withdrawn routes, attributes and NLRI', () => {
    const m = rawUpdate([24, 10, 1, 2], [...ORIGIN, ...ASPATH_4, ...NEXTHOP, 0x80, 4, 4, 0, 0, 0, 0, 0xc0, 8, 4, 0xff, 0xeb, 0, 100], NLRI_22);
    const r = dec(m);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.withdrawn.map(formatKey)).toEqual(['10.1.2.0/24']);
    expect(r.value.nlri.map(formatKey)).toEqual(['172.16.0.0/22']);
    expect(r.value.attrs).toMatchObject({ origin: 0, nextHop: ipv4('172.16.0.254'), med: 0, communities: [(65515 << 16 | 100) >>> 0] });
    expect(formatAsPath(r.value.attrs!.asPath)).toBe('65515');
  });

  it('treats a malformed ORIGIN, a missing well-known attribute or an overrunning length as withdraw', () => {
    const badOrigin = dec(rawUpdate([], [0x40, 1, 1, 5, ...ASPATH_4, ...NEXTHOP], NLRI_22));
    expect(badOrigin).toMatchObject({ ok: true, value: { attrs: null } });
    expect(badOrigin.ok && badOrigin.value.withdrawReason).toMatch(/ORIGIN/);
    expect(badOrigin.ok && badOrigin.value.nlri.map(formatKey)).toEqual(['172.16.0.0/22']);
    const noNextHop = dec(rawUpdate([], [...ORIGIN, ...ASPATH_4], NLRI_22));
    expect(noNextHop.ok && noNextHop.value.withdrawReason).toMatch(/missing well-known attribute NEXT_HOP/);
    const overrun = dec(rawUpdate([], [...ORIGIN, ...ASPATH_4, 0x40, 3, 40, 1, 2, 3, 4], NLRI_22));
    expect(overrun.ok && overrun.value.withdrawReason).toMatch(/overruns/);
    const flags = dec(rawUpdate([], [0xc0, 1, 1, 0, ...ASPATH_4, ...NEXTHOP], NLRI_22));
    expect(flags.ok && flags.value.withdrawReason).toMatch(/ORIGIN \(flags/);
    const badComm = dec(rawUpdate([], [...ORIGIN, ...ASPATH_4, ...NEXTHOP, 0xc0, 8, 3, 1, 2, 3], NLRI_22));
    expect(badComm.ok && badComm.value.withdrawReason).toMatch(/COMMUNITIES/);
  });

  it('discards a malformed AGGREGATOR or ATOMIC_AGGREGATE and keeps the route', () => {
    const r = dec(rawUpdate([], [...ORIGIN, ...ASPATH_4, ...NEXTHOP, 0xc0, 7, 3, 1, 2, 3, 0x40, 6, 1, 0], NLRI_22));
    expect(r.ok && r.value.attrs).not.toBeNull();
    expect(r.ok && r.value.discarded.join()).toMatch(/AGGREGATOR.*ATOMIC_AGGREGATE/);
  });

  it('keeps the first of repeated attributes; a repeated MP_REACH_NLRI resets the session', () => {
    const dup = dec(rawUpdate([], [...ORIGIN, 0x40, 1, 1, 2, ...ASPATH_4, ...NEXTHOP], NLRI_22));
    expect(dup.ok && dup.value.attrs?.origin).toBe(0);
    const mp = [0x80, 14, 9, 0, 1, 1, 4, 10, 0, 0, 1, 0];
    expect(dec(rawUpdate([], [...mp, ...mp], []))).toMatchObject({ ok: false, error: { code: ERR_UPDATE, subcode: 1 } });
  });

  it('resets the session for malformed NLRI, an overrunning length field or an unknown well-known attribute', () => {
    expect(dec(rawUpdate([], [...ORIGIN, ...ASPATH_4, ...NEXTHOP], [33, 1, 2, 3, 4, 5]))).toMatchObject({ ok: false, error: { code: ERR_UPDATE, subcode: 10 } });
    const m = rawUpdate([], [...ORIGIN], []); m[22] = 99;
    expect(dec(m)).toMatchObject({ ok: false, error: { code: ERR_UPDATE, subcode: 1 } });
    expect(dec(rawUpdate([], [...ORIGIN, ...ASPATH_4, ...NEXTHOP, 0x40, 99, 0], NLRI_22))).toMatchObject({ ok: false, error: { code: ERR_UPDATE, subcode: 2 } });
  });

  it('passes unknown optional transitive attributes on with the Partial bit, drops non-transitive ones', () => {
    const r = dec(rawUpdate([], [...ORIGIN, ...ASPATH_4, ...NEXTHOP, 0xc0, 99, 2, 7, 7, 0x80, 98, 1, 1], NLRI_22));
    expect(r.ok && Array.from(r.value.attrs!.unknownTransitive!)).toEqual([0xe0, 99, 2, 7, 7]);
  });

  it('reads IPv4 unicast in MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760)', () => {
    const reach = [0x80, 14, 13, 0, 1, 1, 4, 10, 0, 0, 9, 0, 24, 10, 9, 9];
    const unreach = [0x80, 15, 6, 0, 1, 1, 16, 10, 8];
    const r = dec(rawUpdate([], [...ORIGIN, ...ASPATH_4, ...reach, ...unreach], []));
    expect(r.ok && r.value.nlri.map(formatKey)).toEqual(['10.9.9.0/24']);
    expect(r.ok && r.value.attrs!.nextHop).toBe(ipv4('10.0.0.9'));
    expect(r.ok && r.value.withdrawn.map(formatKey)).toEqual(['10.8.0.0/16']);
  });

  it('rebuilds a 4-octet path from a 2-octet AS_PATH and AS4_PATH (RFC 6793)', () => {
    const as2 = [0x40, 2, 8, AS_SEQUENCE, 3, 0xfd, 0xea, AS_TRANS >> 8, AS_TRANS & 0xff, AS_TRANS >> 8, AS_TRANS & 0xff];
    const as4 = [0xc0, 17, 10, AS_SEQUENCE, 2, 0xfa, 0x56, 0xea, 0x01, 0xfa, 0x56, 0xea, 0x02];
    as2[2] = as2.length - 3;
    const r = dec(rawUpdate([], [...ORIGIN, ...as2, ...NEXTHOP, ...as4], NLRI_22), false);
    expect(r.ok && formatAsPath(r.value.attrs!.asPath)).toBe('65002 4200000001 4200000002');
    expect(formatAsPath(mergeAs4Path([{ type: AS_SEQUENCE, asns: [1] }], [{ type: AS_SEQUENCE, asns: [5, 6] }]))).toBe('1');
  });

  it('encodes attributes that decode to the same thing, on 4-octet and 2-octet sessions', () => {
    const a = attrs({ origin: 2, asPath: [{ type: AS_SEQUENCE, asns: [4200000001, 65510] }, { type: AS_SET, asns: [1, 2] }], nextHop: ipv4('192.168.1.1'),
      med: 5, communities: [0xffff0001], atomicAggregate: true, aggregator: { asn: 4200000001, addr: ipv4('1.2.3.4') } });
    for (const four of [true, false]) {
      const msgs = encodeAnnouncements(encodeAttrs(a, four), [p('192.168.1.0/24'), p('10.0.0.0/8'), p('0.0.0.0/0')]);
      expect(msgs).toHaveLength(1);
      const r = dec(msgs[0]!, four, true);
      expect(r.ok && r.value.nlri.map(formatKey)).toEqual(['192.168.1.0/24', '10.0.0.0/8', '0.0.0.0/0']);
      expect(r.ok && r.value.attrs).toEqual(a);
    }
  });

  it('splits large announcements and withdrawals into messages of at most 4096 bytes', () => {
    const keys = Array.from({ length: 3000 }, (_, i) => prefixKey((10 << 24) | (i << 8), 24));
    const ann = encodeAnnouncements(encodeAttrs(attrs({ nextHop: 1 }), true), keys);
    const wd = encodeWithdrawals(keys);
    for (const m of [...ann, ...wd]) expect(m.length).toBeLessThanOrEqual(4096);
    const back = ann.flatMap((m) => { const r = dec(m); return r.ok ? r.value.nlri : []; });
    expect(back).toEqual(keys);
    expect(wd.flatMap((m) => { const r = dec(m); return r.ok ? r.value.withdrawn : []; })).toEqual(keys);
  });

  it('never throws on random or mutated input (a decoded message or an error code)', () => {
    const rng = new Prng(7);
    const base = rawUpdate([24, 10, 1, 2], [...ORIGIN, ...ASPATH_4, ...NEXTHOP, 0xc0, 8, 4, 1, 2, 3, 4], NLRI_22);
    let errors = 0, oks = 0;
    for (let i = 0; i < 5000; i++) {
      const m = base.slice();
      const n = rng.int(1, 4);
      for (let k = 0; k < n; k++) m[rng.int(19, m.length - 1)] = rng.int(0, 255);
      const r = decodeUpdate(m, 0, m.length, { fourOctet: rng.int(0, 1) === 1, external: true });
      if (r.ok) oks++;
      else { errors++; expect(r.error.code).toBe(ERR_UPDATE); }
      const o = decodeOpen(m, 0, m.length);
      if (!o.ok) expect([ERR_OPEN]).toContain(o.error.code);
    }
    expect(errors).toBeGreaterThan(0);
    expect(oks).toBeGreaterThan(0);
  });
});
