// L2: VLAN membership, 802.1Q, MAC learning with ageing, bridging and flooding; ports and taps.

import { describe, expect, it } from 'vitest';
import { ipv4, mac } from '../../../src/net/addr.js';
import { buildUdpFrame } from '../../../src/packet/index.js';
import { decode, labConfig, ME, rig, takeAll } from './harness.js';

const A = mac('02:00:00:00:0a:01'), B = mac('02:00:00:00:0b:01'), C = mac('02:00:00:00:0c:01');
const frame = (dstMac: number, srcMac: number, vlanId?: number) => buildUdpFrame({
  dstMac, srcMac, src: ipv4('10.0.211.50'), dst: ipv4('10.0.211.51'), sport: 1, dport: 2, payload: 'x',
  ...(vlanId !== undefined ? { vlanId } : {}),
});

describe('bridging', () => {
  it('floods unknown unicast in the VLAN, tagging per egress port, then forwards to the learned port', () => {
    const r = rig(labConfig());
    // VLAN srv: port 3 untagged, port 4 tagged. A on 3 sends to unknown B.
    const f1 = frame(B, A);
    r.ports[3]!.inject(f1);
    let sent = takeAll(r);
    expect(sent.map(([p]) => p)).toEqual([4]);
    const tagged = sent[0]![1];
    expect(decode(tagged).vlanId).toBe(211);
    expect(tagged.length).toBe(f1.length + 4);
    // B answers, tagged, from port 4: A is known on port 3 -> unicast there, untagged, byte-identical to B's frame minus the tag.
    const f2 = frame(A, B, 211);
    r.ports[4]!.inject(f2);
    sent = takeAll(r);
    expect(sent.map(([p]) => p)).toEqual([3]);
    expect(decode(sent[0]![1]).vlanId).toBe(-1);
    expect(sent[0]![1].equals(Buffer.concat([f2.subarray(0, 12), f2.subarray(16)]))).toBe(true);
    // Now B is known on 4.
    r.ports[3]!.inject(frame(B, A));
    expect(takeAll(r).map(([p]) => p)).toEqual([4]);
    expect(r.engine.stats.bridged).toBe(2);
  });

  it('keeps VLANs apart and drops frames of VLANs the port is not in', () => {
    const r = rig(labConfig());
    r.ports[1]!.inject(frame(B, A)); // VLAN test: port 1 is its only port
    expect(takeAll(r)).toEqual([]);
    r.ports[3]!.inject(frame(B, A, 193)); // port 3 is not a tagged member of 193
    expect(takeAll(r)).toEqual([]);
    expect(r.engine.stats.ports[3]!.dropsByName()['vlan-not-member']).toBe(1);
    // default VLAN: ports 2, 5..16 untagged (not 1, 3; 4 is tagged in srv and untagged in default)
    r.ports[2]!.inject(frame(0xffffffffffff, C));
    expect(takeAll(r).map(([p]) => p)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  });

  it('filters a frame whose destination is on its own port', () => {
    const r = rig(labConfig());
    r.ports[3]!.inject(frame(B, A));
    r.ports[3]!.inject(frame(A, B));
    takeAll(r);
    expect(r.engine.stats.ports[3]!.dropsByName()['l2-same-port']).toBe(1);
  });

  it('ages MAC entries out after 300 s of silence', () => {
    const r = rig(labConfig());
    r.ports[4]!.inject(frame(A, B, 211));
    takeAll(r);
    r.ports[3]!.inject(frame(B, A));
    expect(takeAll(r).map(([p]) => p)).toEqual([4]);
    r.clock.advance(301_000);
    expect(r.engine.macs.lookup(211, B)).toBe(0);
    r.ports[3]!.inject(frame(B, A));
    expect(takeAll(r).map(([p]) => p)).toEqual([4]); // flooded again (4 is the only other port)
    expect(r.engine.stats.flooded).toBeGreaterThan(0);
  });

  it('drops frames from its own MAC and never learns them', () => {
    const r = rig(labConfig());
    r.ports[3]!.inject(frame(B, ME));
    expect(takeAll(r)).toEqual([]);
    expect(r.engine.stats.dropsByName()['own-source-mac']).toBe(1);
  });
});

describe('ports', () => {
  it('counts per port, taps both directions with wall-clock µs, and stops sending on detach', () => {
    const r = rig(labConfig());
    const seen: [number, string, number, number][] = [];
    r.engine.setCaptureTap(3, (port, dir, _f, len, ts) => seen.push([port, dir, len, ts]));
    r.engine.setCaptureTap(4, (port, dir, _f, len, ts) => seen.push([port, dir, len, ts]));
    const f = frame(B, A);
    r.ports[3]!.inject(f);
    expect(seen).toEqual([
      [3, 'in', f.length, r.clock.wallNow() * 1000],
      [4, 'out', f.length + 4, r.clock.wallNow() * 1000],
    ]);
    expect(r.engine.stats.ports[3]).toMatchObject({ rxPackets: 1, rxBytes: f.length, txPackets: 0 });
    expect(r.engine.stats.ports[4]).toMatchObject({ txPackets: 1, txBytes: f.length + 4 });
    takeAll(r);
    r.engine.setCaptureTap(3, null);
    r.engine.detach(4);
    expect(r.ports[4]!.attached).toBe(false);
    r.ports[3]!.inject(f);
    expect(takeAll(r)).toEqual([]);
    expect(seen.length).toBe(2);
  });

  it('rejects port numbers that are neither physical (1..16) nor an attached virtual port, without throwing on receive', () => {
    const r = rig(labConfig());
    r.engine.receive(0, frame(B, A), 60);
    r.engine.receive(17, frame(B, A), 60);
    r.engine.receive(65, frame(B, A), 60);
    expect(r.engine.stats.dropsByName()['bad-port']).toBe(3);
    expect(() => r.engine.attach(65, r.ports[1]!)).toThrow(RangeError);
    expect(() => r.engine.attach(0, r.ports[1]!)).toThrow(RangeError);
  });

  it('defers frames a backend delivers while the engine is still busy with another', () => {
    const r = rig(labConfig());
    // Port 4's far end answers every frame synchronously (a frame back to A on port 3).
    const p4 = r.ports[4]!;
    const orig = p4.transmit.bind(p4);
    let echoed = false;
    p4.transmit = (fr, len) => {
      orig(fr, len);
      if (!echoed) {
        echoed = true;
        p4.inject(frame(A, B, 211));
      }
    };
    r.ports[3]!.inject(frame(B, A));
    expect(takeAll(r).map(([p]) => p)).toEqual([4, 3]);
    expect(r.engine.internalErrors).toBe(0);
  });
});
