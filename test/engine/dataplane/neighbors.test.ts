// The neighbour (ARP) table with Linux's states and timings (file 004's table): INCOMPLETE ->
// REACHABLE / FAILED, REACHABLE -> STALE after the reachable time, STALE -> DELAY on use -> PROBE
// (unicast) -> REACHABLE or FAILED, requests making entries STALE, static (PERMANENT) entries.

import { describe, expect, it } from 'vitest';
import { BROADCAST_MAC, ipv4, mac, type Mac } from '../../../src/net/addr.js';
import { ARP_REQUEST, buildUdpFrame } from '../../../src/packet/index.js';
import { ARP_BASE_REACHABLE_MS, ARP_DELAY_PROBE_MS, ARP_FAILED_GC_MS } from '../../../src/engine/arp.js';
import { neighborLines } from '../../../src/vxlan/show.js';
import { CLIENT, CLIENT_SIDE_MAC, ME, ME_IP, SRV_IP, decode, labConfig, rig, takeAll, type Rig } from './harness.js';
import { arpReply, arpRequest, primeRouter } from './frames.js';

const HOST = ipv4('10.0.211.50');
const HOST_MAC = mac('02:bb:00:00:00:50');

const transit = () => buildUdpFrame({ dstMac: ME, srcMac: CLIENT_SIDE_MAC, src: CLIENT, dst: HOST, sport: 1111, dport: 2222, payload: 'hi' });
const show = (r: Rig) => neighborLines(r.engine.runtime.neighbors()).filter((l) => l.startsWith('10.0.211.'));
const state = (r: Rig) => r.engine.runtime.neighbors().find((n) => n.addr === HOST)?.state ?? 'NONE';

/** Resolves HOST: a packet for it, its reply to the appliance's request. */
function resolved(): Rig {
  const r = rig(labConfig());
  primeRouter(r);
  r.ports[1]!.inject(transit());
  r.ports[3]!.inject(arpReply(HOST_MAC, HOST, ME, SRV_IP));
  takeAll(r);
  return r;
}

/** The appliance's ARP requests since the last take: [port, dst MAC]. */
const requests = (r: Rig) => takeAll(r).filter(([, f]) => decode(f, false).arpOp === ARP_REQUEST && decode(f, false).srcMac === ME)
  .map(([p, f]) => [p, decode(f, false).dstMac]);

describe('neighbour states', () => {
  it('INCOMPLETE while resolving (3 broadcasts, 1 s apart), FAILED without an answer, forgotten after gc_stale_time', () => {
    const r = rig(labConfig());
    primeRouter(r);
    r.ports[1]!.inject(transit());
    expect(show(r)).toEqual(['10.0.211.50 dev srv INCOMPLETE']);
    expect(requests(r)).toEqual([[3, BROADCAST_MAC], [4, BROADCAST_MAC]]);
    r.clock.advance(2000);
    expect(requests(r).length).toBe(4);
    r.clock.advance(1000);
    expect(show(r)).toEqual(['10.0.211.50 dev srv FAILED']);
    expect(r.engine.stats.dropsByName()['arp-unresolved']).toBe(1);
    // `show arp` (the appliance's table) lists it no more; a new packet starts over.
    expect(r.engine.runtime.arp().map((a) => a.addr)).not.toContain(HOST);
    r.clock.advance(ARP_FAILED_GC_MS);
    expect(show(r)).toEqual([]);
    r.ports[1]!.inject(transit());
    expect(show(r)).toEqual(['10.0.211.50 dev srv INCOMPLETE']);
  });

  it('a packet to a FAILED neighbour starts a new resolution at once', () => {
    const r = rig(labConfig());
    r.ports[1]!.inject(transit());
    r.clock.advance(3000);
    expect(state(r)).toBe('FAILED');
    takeAll(r);
    r.ports[1]!.inject(transit());
    expect(state(r)).toBe('INCOMPLETE');
    expect(requests(r).length).toBe(2);
  });

  it('REACHABLE on the reply, STALE after the reachable time (15-45 s: base 30 s x 0.5-1.5), sending nothing', () => {
    const r = resolved();
    expect(show(r)).toEqual(['10.0.211.50 dev srv lladdr 02:bb:00:00:00:50 REACHABLE']);
    r.clock.advance(ARP_BASE_REACHABLE_MS / 2 - 1000);
    expect(state(r)).toBe('REACHABLE');
    r.clock.advance(ARP_BASE_REACHABLE_MS + 2000);
    expect(state(r)).toBe('STALE');
    expect(requests(r)).toEqual([]);
    // STALE is still used: the packet goes out at once, to the known MAC.
    r.ports[1]!.inject(transit());
    const sent = takeAll(r);
    expect(sent.map(([p, f]) => [p, decode(f, false).dstMac])).toEqual([[3, HOST_MAC]]);
    expect(state(r)).toBe('DELAY');
  });

  it('DELAY for 5 s, then PROBE with unicast requests; an answer makes it REACHABLE again', () => {
    const r = resolved();
    r.clock.advance(ARP_BASE_REACHABLE_MS * 1.5 + 1000);
    r.ports[1]!.inject(transit());
    takeAll(r);
    r.clock.advance(ARP_DELAY_PROBE_MS - 1000);
    expect(state(r)).toBe('DELAY');
    expect(requests(r)).toEqual([]);
    r.clock.advance(1000);
    expect(state(r)).toBe('PROBE');
    expect(requests(r)).toEqual([[3, HOST_MAC]]);
    r.ports[3]!.inject(arpReply(HOST_MAC, HOST, ME, SRV_IP));
    expect(state(r)).toBe('REACHABLE');
  });

  it('PROBE without an answer: 3 unicast requests, then FAILED', () => {
    const r = resolved();
    r.clock.advance(ARP_BASE_REACHABLE_MS * 1.5 + 1000);
    r.ports[1]!.inject(transit());
    r.clock.advance(ARP_DELAY_PROBE_MS);
    r.clock.advance(2000);
    expect(requests(r)).toEqual([[3, HOST_MAC], [3, HOST_MAC], [3, HOST_MAC]]);
    expect(state(r)).toBe('PROBE');
    r.clock.advance(1000);
    expect(state(r)).toBe('FAILED');
  });

  it('a DELAY entry confirmed by the neighbour\'s reply never probes', () => {
    const r = resolved();
    r.clock.advance(ARP_BASE_REACHABLE_MS * 1.5 + 1000);
    r.ports[1]!.inject(transit());
    r.ports[3]!.inject(arpReply(HOST_MAC, HOST, ME, SRV_IP));
    takeAll(r);
    r.clock.advance(ARP_DELAY_PROBE_MS + 1000);
    expect(requests(r)).toEqual([]);
    expect(state(r)).toBe('REACHABLE');
  });

  it('a request from a neighbour makes a STALE entry (it does not prove reachability); a changed MAC too', () => {
    const r = rig(labConfig());
    r.ports[3]!.inject(arpRequest(HOST_MAC, HOST, SRV_IP));
    expect(show(r)).toEqual(['10.0.211.50 dev srv lladdr 02:bb:00:00:00:50 STALE']);
    r.ports[3]!.inject(arpReply(HOST_MAC, HOST, ME, SRV_IP));
    expect(state(r)).toBe('REACHABLE');
    // A request with the same MAC keeps REACHABLE; another MAC makes it STALE.
    r.ports[3]!.inject(arpRequest(HOST_MAC, HOST, SRV_IP));
    expect(state(r)).toBe('REACHABLE');
    r.ports[3]!.inject(arpRequest(mac('02:bb:00:00:00:51'), HOST, SRV_IP));
    expect(show(r)).toEqual(['10.0.211.50 dev srv lladdr 02:bb:00:00:00:51 STALE']);
  });
});

describe('static neighbours (PERMANENT)', () => {
  const cfg = () => ({ ...labConfig(), staticArps: [{ addr: HOST, mac: HOST_MAC, vlan: 'srv' }] });

  it('are used at once, never asked, never aged, never overridden, survive clear arp', () => {
    const r = rig(cfg());
    primeRouter(r);
    expect(show(r)).toEqual(['10.0.211.50 dev srv lladdr 02:bb:00:00:00:50 PERMANENT']);
    r.ports[1]!.inject(transit());
    // Not asked: sent at once (flooded in the VLAN: the bridge has not seen the MAC yet).
    expect(takeAll(r).map(([p, f]) => [p, decode(f, false).dstMac, decode(f, false).arpOp])).toEqual([[3, HOST_MAC, 0], [4, HOST_MAC, 0]]);
    r.ports[3]!.inject(arpRequest(mac('02:bb:00:00:00:99'), HOST, SRV_IP));
    r.clock.advance(3_600_000);
    expect(requests(r).filter(([p]) => p !== 1)).toEqual([]);
    expect(r.engine.stats.arpRequestsSent).toBeLessThanOrEqual(3);
    expect(show(r)).toEqual(['10.0.211.50 dev srv lladdr 02:bb:00:00:00:50 PERMANENT']);
    expect(r.engine.runtime.clearArp()).toBeGreaterThanOrEqual(0);
    expect(state(r)).toBe('PERMANENT');
    expect(r.engine.runtime.arp().find((a) => a.addr === HOST)).toMatchObject({ mac: HOST_MAC, state: 'static', iface: 'srv' });
  });

  it('come and go with the configuration, releasing packets that waited for the address', () => {
    const r = rig(labConfig());
    r.ports[1]!.inject(transit());
    takeAll(r);
    r.engine.configure(cfg());
    expect(takeAll(r).map(([p, f]) => [p, decode(f, false).dstMac])).toEqual([[3, HOST_MAC], [4, HOST_MAC]]);
    r.engine.configure(labConfig());
    expect(show(r)).toEqual([]);
    expect(r.engine.runtime.neighbors().some((n) => n.addr === HOST)).toBe(false);
  });
});

describe('the format of show ip neighbors', () => {
  it('is ip neigh show\'s: address, dev, lladdr, state; NOARP entries hidden', () => {
    expect(neighborLines([
      { addr: ipv4('12.12.12.3'), iface: 'overlay', mac: mac('02:42:c0:a8:00:03') as Mac, state: 'PERMANENT' },
      { addr: ipv4('12.12.12.9'), iface: 'overlay', mac: null, state: 'INCOMPLETE' },
      { addr: ipv4('12.12.12.10'), iface: 'overlay', mac: mac('02:42:c0:a8:00:10') as Mac, state: 'NOARP' },
    ])).toEqual(['12.12.12.3 dev overlay lladdr 02:42:c0:a8:00:03 PERMANENT', '12.12.12.9 dev overlay INCOMPLETE']);
    expect(ME_IP).toBe(ipv4('192.168.193.181'));
  });
});
