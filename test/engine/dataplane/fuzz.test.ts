// 20,000 random and mutated frames into an engine running the reference scenario: nothing
// throws, the drop counters rise, and a valid flow afterwards still works.

import { beforeAll, describe, expect, it } from 'vitest';
import type { RealId, RunningConfig } from '../../../src/config/model.js';
import { ipv4 } from '../../../src/net/addr.js';
import {
  IPPROTO_IPIP, buildArpFrame, buildIcmpEchoFrame, buildIpipFrame, buildTcpFrame, buildUdpFrame, setIpv4Checksum,
} from '../../../src/packet/index.js';
import { Prng } from '../../packet/helpers.js';
import { CLIENT, CLIENT_SIDE_MAC, ME, ME_IP, RIP, ROUTER_MAC, VIP, decode, ipBytes, referenceConfig, rig, takeAll } from './harness.js';
import { TCP_ACK, TCP_SYN, clientTcp, primeRouter } from './frames.js';

let cfg: RunningConfig;
beforeAll(async () => {
  cfg = await referenceConfig();
});

function templates(): Buffer[] {
  const host = ipv4('192.168.193.7');
  return [
    clientTcp(1000, TCP_SYN),
    clientTcp(1001, TCP_ACK, { payload: 'GET / HTTP/1.1\r\n\r\n' }),
    clientTcp(1002, TCP_SYN, { vlanId: 193 }),
    buildUdpFrame({ dstMac: ME, srcMac: CLIENT_SIDE_MAC, src: CLIENT, dst: VIP, sport: 5, dport: 53, payload: 'q' }),
    buildUdpFrame({ dstMac: ME, srcMac: CLIENT_SIDE_MAC, src: CLIENT, dst: ipv4('10.9.9.9'), sport: 5, dport: 53, ttl: 2 }),
    buildIcmpEchoFrame({ dstMac: ME, srcMac: CLIENT_SIDE_MAC, src: CLIENT, dst: ME_IP, id: 1, seq: 1, payload: 'ping' }),
    buildArpFrame({ op: 'request', sha: 0x020000000707, spa: host, tpa: ME_IP }),
    buildArpFrame({ op: 'request', sha: 0x020000000707, spa: host, tpa: VIP }),
    buildIpipFrame(clientTcp(1003, TCP_SYN), { dstMac: ME, srcMac: CLIENT_SIDE_MAC, outerSrc: RIP, outerDst: ME_IP }),
    buildTcpFrame({ dstMac: ME, srcMac: CLIENT_SIDE_MAC, src: VIP, dst: ME_IP, sport: 80, dport: 33333, flags: TCP_SYN | TCP_ACK }),
    clientTcp(1004, TCP_SYN, { mf: true }),
    clientTcp(1005, TCP_SYN, { fragOffset: 64 }),
  ];
}

/** One malformed frame: random bytes, or a template truncated, with a bad length/IHL, fragmented, or with flipped bytes. */
function mutate(rng: Prng, tpl: Buffer[]): { frame: Buffer; len: number } {
  const kind = rng.int(8);
  if (kind === 0) {
    const f = Buffer.from(rng.bytes(rng.int(120)));
    if (rng.int(3) === 0 && f.length >= 14) f.writeUIntBE(ME, 0, 6); // make it reach L3 now and then
    if (rng.int(3) === 0 && f.length >= 14) f.writeUInt16BE(rng.bool() ? 0x0800 : 0x0806, 12);
    return { frame: f, len: f.length };
  }
  const f = Buffer.from(rng.pick(tpl));
  const l3 = f.readUInt16BE(12) === 0x8100 ? 18 : 14;
  switch (kind) {
    case 1: // truncated anywhere
      return { frame: f, len: rng.int(f.length) };
    case 2: // bad IPv4 total length (checksum fixed, so only the length is wrong)
      if (f.length > l3 + 20) {
        f.writeUInt16BE(rng.pick([0, 1, 19, f.length - l3 + 1 + rng.int(2000), 65535]), l3 + 2);
        setIpv4Checksum(f, l3);
      }
      return { frame: f, len: f.length };
    case 3: // bad IHL
      if (f.length > l3 + 20) {
        f[l3] = 0x40 | rng.int(16);
        if (rng.bool()) setIpv4Checksum(f, l3);
      }
      return { frame: f, len: f.length };
    case 4: // fragments
      if (f.length > l3 + 20) {
        f.writeUInt16BE((rng.bool() ? 0x2000 : 0) | rng.int(0x2000), l3 + 6);
        setIpv4Checksum(f, l3);
      }
      return { frame: f, len: f.length };
    case 5: // flipped bytes past the MACs (checksum fixed half of the time, so the damage reaches L4)
      for (let i = rng.range(1, 4); i > 0; i--) {
        const at = 12 + rng.int(f.length - 12);
        f[at] = rng.int(256);
      }
      if (rng.bool() && f.length > l3 + 20 && (f[l3]! >> 4) === 4 && (f[l3]! & 15) >= 5 && l3 + (f[l3]! & 15) * 4 <= f.length) setIpv4Checksum(f, l3);
      return { frame: f, len: f.length };
    case 6: // lengths that lie about the buffer
      return { frame: f, len: rng.pick([-1, Number.NaN, f.length + 100, 0, 13]) };
    default: // a bad L4 header length
      if (f.length > l3 + 34) f[l3 + 32] = rng.int(256);
      return { frame: f, len: f.length };
  }
}

describe('fuzz', () => {
  it('survives 20,000 malformed frames and still serves a valid flow', () => {
    const r = rig(cfg, { sessionCapacity: 65536 });
    r.engine.setRealHealth('test', 1 as RealId, true, '', false);
    primeRouter(r);
    const rng = new Prng(0xf022);
    const tpl = templates();
    const dropsBefore = r.engine.stats.dropTotal();
    for (let i = 0; i < 20_000; i++) {
      const { frame, len } = mutate(rng, tpl);
      const port = rng.int(5) === 0 ? 1 + rng.int(16) : 1;
      expect(() => r.engine.receive(port, frame, len)).not.toThrow();
      if ((i & 1023) === 0) {
        r.clock.advance(100);
        takeAll(r);
      }
    }
    takeAll(r);
    expect(r.engine.internalErrors).toBe(0);
    const drops = r.engine.stats.dropsByName();
    expect(r.engine.stats.dropTotal() - dropsBefore).toBeGreaterThan(5000);
    for (const reason of ['truncated-eth', 'truncated-ip', 'bad-ihl', 'bad-ip-length', 'ip-checksum', 'fragment']) {
      expect(drops[reason] ?? 0).toBeGreaterThan(0);
    }

    // A valid flow afterwards.
    const hitsBefore = r.engine.runtime.filterHits('test', 1);
    const syn = clientTcp(61000, TCP_SYN, { seq: 7 });
    r.ports[1]!.inject(syn);
    const sent = takeAll(r);
    expect(sent.length).toBe(1);
    const m = decode(sent[0]![1]);
    expect([m.dstMac, m.proto, m.ipSrc, m.ipDst]).toEqual([ROUTER_MAC, IPPROTO_IPIP, ME_IP, RIP]);
    expect(Buffer.from(sent[0]![1].subarray(m.l4Off, m.l3End)).equals(ipBytes(syn))).toBe(true);
    expect(r.engine.runtime.filterHits('test', 1)).toBe(hitsBefore + 1);
    r.ports[1]!.inject(clientTcp(61000, TCP_ACK, { seq: 8 }));
    expect(decode(takeAll(r)[0]![1]).ipDst).toBe(RIP);
  });
});
