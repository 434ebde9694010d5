// 20,000 random and mutated frames into an engine running the reference scenario. `receive`
// catches everything itself, so "does not throw" proves nothing: the test checks instead that no
// frame hits an internal error, that every frame is counted (rx, bad port, L2 truncation), that
// the drop counters rise, and that a valid flow afterwards still works.

import { beforeAll, describe, expect, it } from 'vitest';
import type { RealId, RunningConfig } from '../../../src/config/model.js';
import { ipv4 } from '../../../src/net/addr.js';
import {
  DropReason, IPPROTO_IPIP, PacketMeta, buildArpFrame, buildIcmpEchoFrame, buildIpipFrame, buildTcpFrame, buildUdpFrame,
  decodeFrame, setIpv4Checksum,
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

/** Ports `receive` must refuse (counted as bad-port drops, never as received). */
const BAD_PORTS = [0, 17, -1, 1.5, Number.NaN];

describe('fuzz', () => {
  it('survives 20,000 malformed frames, counts every one, and still serves a valid flow', () => {
    const r = rig(cfg, { sessionCapacity: 65536 });
    r.engine.setRealHealth('test', 1 as RealId, true, '', false);
    primeRouter(r);
    const rng = new Prng(0xf022);
    const tpl = templates();
    const st = r.engine.stats;
    const rxBefore = st.rxPackets;
    const portRxBefore = st.ports.map((p) => p.rxPackets);
    const dropsBefore = st.dropsByName();
    const dropTotalBefore = st.dropTotal();
    const rxOn = new Array<number>(r.engine.stats.ports.length).fill(0);
    let badPort = 0;
    // The engine drops a frame too short for its Ethernet header (or tag) at ingress, whatever it is.
    const m = new PacketMeta();
    const l2Truncated = { [DropReason.TRUNCATED_ETH]: 0, [DropReason.TRUNCATED_VLAN]: 0 };
    for (let i = 0; i < 20_000; i++) {
      const { frame, len } = mutate(rng, tpl);
      const port = rng.int(50) === 0 ? rng.pick(BAD_PORTS) : rng.int(5) === 0 ? 1 + rng.int(16) : 1;
      r.engine.receive(port, frame, len);
      if (r.engine.internalErrors !== 0) {
        throw new Error(`internal error on frame ${i} (port ${port}, len ${len}) ${frame.toString('hex')}: ${String(r.engine.lastInternalError)}`);
      }
      if (BAD_PORTS.includes(port)) {
        badPort++;
      } else {
        rxOn[port]!++;
        const reason = decodeFrame(frame, len, m, 0);
        if (reason === DropReason.TRUNCATED_ETH || reason === DropReason.TRUNCATED_VLAN) l2Truncated[reason]++;
      }
      if ((i & 1023) === 0) {
        r.clock.advance(100);
        takeAll(r);
      }
    }
    takeAll(r);
    expect(r.engine.internalErrors).toBe(0);

    // Every frame is accounted for: received on its port, or refused for its port number.
    const drops = st.dropsByName();
    const delta = (name: string) => (drops[name] ?? 0) - (dropsBefore[name] ?? 0);
    expect(st.rxPackets - rxBefore).toBe(20_000 - badPort);
    expect(st.ports.map((p, i) => p.rxPackets - portRxBefore[i]!)).toEqual(rxOn);
    expect(Number.isFinite(st.rxBytes)).toBe(true);
    expect(badPort).toBeGreaterThan(0);
    expect(delta('bad-port')).toBe(badPort);
    expect(delta('truncated-eth')).toBe(l2Truncated[DropReason.TRUNCATED_ETH]);
    expect(delta('truncated-vlan')).toBe(l2Truncated[DropReason.TRUNCATED_VLAN]);
    expect(st.dropTotal() - dropTotalBefore).toBeGreaterThan(5000);
    for (const reason of ['truncated-eth', 'truncated-ip', 'bad-ihl', 'bad-ip-length', 'ip-checksum', 'fragment']) {
      expect(delta(reason), reason).toBeGreaterThan(0);
    }

    // A valid flow afterwards.
    const hitsBefore = r.engine.runtime.filterHits('test', 1);
    const syn = clientTcp(61000, TCP_SYN, { seq: 7 });
    r.ports[1]!.inject(syn);
    const sent = takeAll(r);
    expect(sent.length).toBe(1);
    const out = decode(sent[0]![1]);
    expect([out.dstMac, out.proto, out.ipSrc, out.ipDst]).toEqual([ROUTER_MAC, IPPROTO_IPIP, ME_IP, RIP]);
    expect(Buffer.from(sent[0]![1].subarray(out.l4Off, out.l3End)).equals(ipBytes(syn))).toBe(true);
    expect(r.engine.runtime.filterHits('test', 1)).toBe(hitsBefore + 1);
    r.ports[1]!.inject(clientTcp(61000, TCP_ACK, { seq: 8 }));
    expect(decode(takeAll(r)[0]![1]).ipDst).toBe(RIP);
    expect(r.engine.internalErrors).toBe(0);
  });
});
