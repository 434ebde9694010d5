// ARP with the Linux sysctls the seed sets on its reals: arp_ignore=1, arp_announce=2.
import { describe, expect, it } from 'vitest';
import { formatIpv4, formatMac, ipv4, mac } from '../../src/net/addr.js';
import { ARP_REPLY, ARP_REQUEST, ETHERTYPE_ARP, buildArpFrame } from '../../src/packet/index.js';
import { defaultLab, type LabWorld } from '../../src/lab/index.js';
import { record, type Seen } from './helpers.js';

const VIP = ipv4('192.168.193.50');
const ROUTER_SRV = ipv4('192.168.211.1');
const ROUTER_MAC = mac('00:00:5e:00:01:d3');

/** The router asks the server segment who has `target`. */
function ask(w: LabWorld, target: number): void {
  w.host('router')!.inject('eth1', buildArpFrame({ op: 'request', sha: ROUTER_MAC, spa: ROUTER_SRV, tpa: target, padTo: 60 }));
}

const replies = (seen: Seen[]) => seen.filter((s) => s.m.etherType === ETHERTYPE_ARP && s.m.arpOp === ARP_REPLY && s.to.startsWith('sw1'));

describe('ARP on the reals', () => {
  it('arp_ignore=1: nobody answers for the VIP on lo; each real answers for its own RIP', async () => {
    const w = defaultLab();
    const seen = record(w);
    ask(w, VIP);
    await w.wait(10);
    expect(replies(seen)).toHaveLength(0);
    ask(w, ipv4('192.168.211.151'));
    await w.wait(10);
    const r = replies(seen);
    expect(r).toHaveLength(1);
    expect(r[0]!.from).toBe('server2.eno1');
    expect(formatMac(r[0]!.m.arpSha)).toBe('d4:ae:52:ca:b3:1e');
    expect(formatIpv4(r[0]!.m.arpSpa)).toBe('192.168.211.151');
  });

  it('arp_ignore=0 (Linux default) would answer for the VIP on lo', async () => {
    const w = defaultLab();
    const seen = record(w);
    w.host('server1')!.arp.ignore = 0;
    ask(w, VIP);
    await w.wait(10);
    const r = replies(seen);
    expect(r.map((s) => s.from)).toEqual(['server1.eno1']);
    expect(formatIpv4(r[0]!.m.arpSpa)).toBe('192.168.193.50');
  });

  it('arp_announce=2: a reply from the VIP asks for the gateway from the RIP, not the VIP', async () => {
    const w = defaultLab();
    const seen = record(w);
    const s1 = w.host('server1')!;
    s1.udp.send(VIP, 161, ipv4('192.168.212.225'), 40000, new Uint8Array(4));
    await w.wait(5);
    const req = seen.find((s) => s.from === 'server1.eno1' && s.m.arpOp === ARP_REQUEST)!;
    expect(formatIpv4(req.m.arpTpa)).toBe('192.168.211.1');
    expect(formatIpv4(req.m.arpSpa)).toBe('192.168.211.150');

    const w0 = defaultLab();
    const seen0 = record(w0);
    w0.host('server1')!.arp.announce = 0;
    w0.host('server1')!.udp.send(VIP, 161, ipv4('192.168.212.225'), 40000, new Uint8Array(4));
    await w0.wait(5);
    const req0 = seen0.find((s) => s.from === 'server1.eno1' && s.m.arpOp === ARP_REQUEST)!;
    expect(formatIpv4(req0.m.arpSpa)).toBe('192.168.193.50'); // what arp_announce=2 prevents
  });

  it('learns the sender of a request addressed to it, and forgets entries after their lifetime', async () => {
    const w = defaultLab();
    const s1 = w.host('server1')!;
    const eno1 = s1.nic('eno1');
    ask(w, ipv4('192.168.211.150'));
    await w.wait(5);
    expect(s1.arp.lookup(eno1, ROUTER_SRV)).toBe(ROUTER_MAC);
    // a request for someone else does not create an entry on server2
    expect(w.host('server2')!.arp.lookup(w.host('server2')!.nic('eno1'), ROUTER_SRV)).toBeNull();
    await w.wait(s1.arp.lifetimeMs + 1);
    expect(s1.arp.lookup(eno1, ROUTER_SRV)).toBeNull();
  });

  it('queues packets while resolving and sends them all once the reply comes', async () => {
    const w = defaultLab();
    const client = w.host('client')!;
    const pings = [client.ping('192.168.212.1'), client.ping('192.168.212.1'), client.ping('192.168.212.1')];
    const results = await w.settle(Promise.all(pings), 5000);
    expect(results?.map((r) => r.outcome)).toEqual(['reply', 'reply', 'reply']);
    expect(client.arp.requestsSent).toBe(1);
  });
});
