// The LabWorld: determinism, pacing, the DSR topology, the builder.
import { describe, expect, it } from 'vitest';
import { formatIpv4, ipv4, mac } from '../../src/net/addr.js';
import { ARP_REQUEST, DropReason, ETHERTYPE_ARP, PacketMeta, buildArpFrame, decodeFrame, writeEthernet } from '../../src/packet/index.js';
import { buildLab, clientSpec, defaultLab, dsrLab, realServerSpec, type LabWorld } from '../../src/lab/index.js';
import { VirtualClock } from '../../src/util/clock.js';
import { record } from './helpers.js';

async function scenario(w: LabWorld): Promise<string[]> {
  const log: string[] = [];
  w.tap((f, from, to, t) => log.push(`${t.toFixed(3)} ${from.label}>${to.label} ${Buffer.from(f).toString('hex')}`));
  const c = w.host('client')!;
  await w.settle(c.ping('192.168.211.150'), 5000);
  await w.settle(c.httpGet('192.168.211.150'), 15_000);
  await w.settle(c.httpGet('192.168.211.151'), 15_000);
  await w.settle(w.host('server1')!.httpGet('192.168.211.151'), 15_000);
  await w.settle(c.udpRequest('192.168.211.151', 161, 'x'), 5000);
  return log;
}

describe('LabWorld', () => {
  it('is deterministic: the same seed gives the same frames, another seed other ISNs and ports', async () => {
    const a = await scenario(defaultLab({ seed: 42 }));
    const b = await scenario(defaultLab({ seed: 42 }));
    const c = await scenario(defaultLab({ seed: 43 }));
    expect(a.length).toBeGreaterThan(50);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    // same exchange, different numbers: the client's first SYN differs in port and ISN
    const syn = (log: string[]) => {
      const isSyn = (h: string) => h.slice(24, 28) === '0800' && h.slice(46, 48) === '06' && h.slice(94, 96) === '02';
      const line = log.find((l) => l.includes('client.eth0>') && isSyn(l.split(' ')[2]!))!;
      const hex = line.split(' ')[2]!;
      return { sport: hex.slice(68, 72), isn: hex.slice(76, 84) };
    };
    expect(syn(c).sport).not.toBe(syn(a).sport);
    expect(syn(c).isn).not.toBe(syn(a).isn);
    expect(c.length).toBe(a.length);
  });

  it('instant pacing: wait(ms) moves virtual time at once', async () => {
    const w = defaultLab();
    let fired = 0;
    w.clock.setTimeout(() => fired++, 4000);
    await w.wait(5000);
    expect(w.clock.now()).toBe(5000);
    expect(fired).toBe(1);
  });

  it('real-time pacing follows the wall clock, and close() stops it', async () => {
    const wall = new VirtualClock();
    const w = defaultLab({ pacing: 'realtime', wallClock: wall, tickMs: 2 });
    expect(w.pacing).toBe('realtime');
    let done = false;
    void w.wait(50).then(() => (done = true));
    wall.advance(40);
    await Promise.resolve();
    expect(w.clock.now()).toBeCloseTo(40, 6);
    expect(done).toBe(false);
    wall.advance(20);
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(true);
    // a request completes as the wall clock moves
    const p = w.settle(w.host('client')!.httpGet('192.168.211.150'), 15_000);
    for (let i = 0; i < 100; i++) wall.advance(1);
    expect((await p)?.status).toBe(200);
    await w.close();
    const t = w.clock.now();
    wall.advance(100);
    expect(w.clock.now()).toBe(t);
  });

  it('an aborted wait returns early', async () => {
    const w = defaultLab({ pacing: 'realtime', wallClock: new VirtualClock() });
    const ac = new AbortController();
    const p = w.wait(60_000, ac.signal);
    ac.abort();
    await p;
    expect(w.clock.now()).toBe(0);
  });

  it('finds hosts by name or address', () => {
    const w = defaultLab();
    expect(w.findHost('server2')?.name).toBe('server2');
    expect(w.findHost('192.168.211.150')?.name).toBe('server1');
    expect(w.findHost('192.168.212.1')?.name).toBe('router');
    expect(w.findHost('192.168.193.50')).toBeUndefined(); // the VIP is on both reals' lo
    expect(w.findHost('10.0.0.1')).toBeUndefined();
  });

  it('builds other topologies from a spec', async () => {
    const w = buildLab({
      name: 'flat',
      hosts: [
        clientSpec('c', '10.0.0.10/24', '10.0.0.1'),
        realServerSpec('web', '10.0.0.20/24', '02:00:00:00:00:20', '10.0.0.1', { serverName: 'web-a', udpEcho: [] }),
      ],
      switches: [{ name: 's', ports: 4 }],
      links: [['c.eth0', 's.1'], ['web.eno1', 's.2']],
    });
    const r = await w.settle(w.host('c')!.httpGet('10.0.0.20'), 15_000);
    expect(r?.server).toBe('web-a');
    expect(w.host('web')!.services.map((s) => `${s.proto}/${s.port}`)).toEqual(['tcp/80']);
  });

  it('the DSR lab puts the reals on appliance port 2, on the appliance\'s subnet', async () => {
    const w = dsrLab();
    const seen = record(w);
    expect(w.connectedPorts()).toEqual([1, 2]);
    // a minimal stand-in for a dsr engine: one bridge between ports 1 and 2 that owns the VIP
    // and hands frames for it to server1 by MAC
    const p1 = w.portBackend(1)!;
    const p2 = w.portBackend(2)!;
    const myMac = mac('00:06:c4:90:03:93');
    const vip = ipv4('192.168.193.50');
    const server1Mac = mac('d4:ae:52:ca:a2:98');
    const handle = (out: typeof p1, back: typeof p1) => (f: Uint8Array, len: number) => {
      const m = new PacketMeta();
      if (decodeFrame(f, len, m) !== DropReason.OK) return;
      if (m.etherType === ETHERTYPE_ARP && m.arpOp === ARP_REQUEST && m.arpTpa === vip) {
        const reply = buildArpFrame({ op: 'reply', sha: myMac, spa: vip, tha: m.arpSha, tpa: m.arpSpa, padTo: 60 });
        back.transmit(reply, reply.length);
        return;
      }
      const copy = f.slice(0, len);
      if (m.dstMac === myMac && m.ipDst === vip) writeEthernet(copy, 0, server1Mac, myMac, 0x0800);
      out.transmit(copy, len);
    };
    p1.attach(handle(p2, p1));
    p2.attach(handle(p1, p2));
    const r = await w.settle(w.host('client')!.httpGet('192.168.193.50'), 15_000);
    expect(r).toMatchObject({ outcome: 'ok', status: 200, server: 'server1' });
    // the reply left server1 from the VIP, straight to the router's MAC
    const reply = seen.find((s) => s.from === 'server1.eno1' && s.m.proto === 6)!;
    expect(formatIpv4(reply.m.ipSrc)).toBe('192.168.193.50');
    expect(reply.m.dstMac).toBe(mac('00:00:5e:00:01:c1'));
    // nobody but the stand-in answered ARP for the VIP
    expect(seen.filter((s) => s.m.arpOp === 2 && s.m.arpSpa === vip && !s.from.startsWith('appliance'))).toHaveLength(0);
  });
});

describe('lab names', () => {
  it('the command line\'s list of lab names is the registry\'s', async () => {
    const { LAB_NAMES } = await import('../../src/lab/lab-names.js');
    const { labNames } = await import('../../src/lab/builder.js');
    expect([...LAB_NAMES].sort()).toEqual(labNames().sort());
  });
});
