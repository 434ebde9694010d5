// `ping` and `traceroute` from the appliance in the embedded lab, as batches: its own echo
// requests and UDP probes go through its engine and are answered by the lab's router (time
// exceeded, net unreachable) and hosts (echo reply, port unreachable), as Linux answers.
import { describe, expect, it } from 'vitest';
import type { Appliance } from '../../src/appliance.js';
import { commandRegistry } from '../../commands/index.js';
import { CliSession } from '../../src/cli/session.js';
import { LabWorld } from '../../src/lab/index.js';
import { formatIpv4 } from '../../src/net/addr.js';
import { IPPROTO_ICMP, IPPROTO_UDP } from '../../src/packet/index.js';
import { batch, labAppliance, ROUTED_BASE, runClean as run } from '../helpers/cli.js';
import { record } from '../lab/helpers.js';

const BASE = ROUTED_BASE;

const LOOPBACK = 'configure terminal\ninterface loopback 0\n ip address 10.255.0.1/32\n apply\nend\n';

async function ready(extra = ''): Promise<{ app: Appliance; world: LabWorld }> {
  const app = await labAppliance();
  await run(app, BASE + extra);
  if (!(app.world instanceof LabWorld)) throw new Error('no lab');
  return { app, world: app.world };
}

const SUCCESS_ALL = (n: number) => new RegExp(`^Success rate is 100 percent \\(${n}/${n}\\), round-trip min/avg/max = \\d+/\\d+/\\d+ ms$`);

describe('ping from the appliance in the lab', () => {
  it('pings the router: five echo requests, five replies, in IOS\'s format', async () => {
    const { app, world } = await ready();
    const seen = record(world);
    const lines = (await run(app, 'ping 192.168.193.1\n')).split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'Type escape sequence to abort.',
      'Sending 5, 100-byte ICMP Echos to 192.168.193.1, timeout is 2 seconds:',
      '!!!!!',
    ]);
    expect(lines[3]).toMatch(SUCCESS_ALL(5));
    expect(lines.slice(4)).toEqual(['']);
    // Five 100-byte datagrams from the appliance's address, sequence numbers 0..4 under one identifier.
    const requests = seen.filter((s) => s.from === 'appliance.1' && s.m.proto === IPPROTO_ICMP && s.m.icmpType === 8);
    expect(requests.map((s) => [formatIpv4(s.m.ipSrc), formatIpv4(s.m.ipDst), s.m.ipTotalLen, s.m.icmpSeq]))
      .toEqual([0, 1, 2, 3, 4].map((q) => ['192.168.193.181', '192.168.193.1', 100, q]));
    expect(new Set(requests.map((s) => s.m.icmpId)).size).toBe(1);
    expect(requests.every((s) => !s.m.dontFragment && s.m.ttl === 64)).toBe(true);
    // The identifier went back to the pool.
    expect(app.stack!.echoIds.inUse(requests[0]!.m.icmpId)).toBe(false);
    await app.close();
  });

  it('pings the client through the default gateway, with source, count, size and df-bit', async () => {
    const { app, world } = await ready();
    const seen = record(world);
    const lines = (await run(app, 'ping 192.168.212.225 source 192.168.193.181 count 3 size 1400 df-bit\n')).split('\n');
    expect(lines.slice(0, 5)).toEqual([
      'Type escape sequence to abort.',
      'Sending 3, 1400-byte ICMP Echos to 192.168.212.225, timeout is 2 seconds:',
      'Packet sent with a source address of 192.168.193.181 ',
      'Packet sent with the DF bit set',
      '!!!',
    ]);
    expect(lines[5]).toMatch(SUCCESS_ALL(3));
    const atClient = seen.filter((s) => s.to === 'client.eth0' && s.m.proto === IPPROTO_ICMP && s.m.icmpType === 8);
    expect(atClient).toHaveLength(3);
    expect(atClient.every((s) => s.m.ipTotalLen === 1400 && s.m.dontFragment && s.m.ttl === 63)).toBe(true);
    await app.close();
  });

  it('pings its own loopback and interface addresses without putting anything on a wire', async () => {
    const { app, world } = await ready(LOOPBACK);
    const seen = record(world);
    const out = await run(app, 'ping 10.255.0.1\nping 192.168.193.181 count 2\n');
    expect(out).toMatch(/Sending 5, 100-byte ICMP Echos to 10\.255\.0\.1, timeout is 2 seconds:\n!!!!!\nSuccess rate is 100 percent \(5\/5\)/);
    expect(out).toMatch(/Sending 2, 100-byte ICMP Echos to 192\.168\.193\.181, timeout is 2 seconds:\n!!\nSuccess rate is 100 percent \(2\/2\)/);
    expect(seen).toEqual([]);
    expect(await run(app, 'show statistics\n')).not.toMatch(/martian/);
    await app.close();
  });

  it('a loopback as the source: the replies come back once the router has a route to it', async () => {
    const { app, world } = await ready(LOOPBACK);
    const before = await run(app, 'ping 192.168.212.225 source 10.255.0.1 count 2\n');
    expect(before).toContain('Packet sent with a source address of 10.255.0.1 \n..\nSuccess rate is 0 percent (0/2)\n');
    await run(app, 'lab route router 10.255.0.1/32 192.168.193.181\n');
    const seen = record(world);
    const after = await run(app, 'ping 192.168.212.225 source 10.255.0.1\n');
    expect(after).toContain('!!!!!\nSuccess rate is 100 percent (5/5)');
    expect(seen.filter((s) => s.to === 'client.eth0' && s.m.icmpType === 8).map((s) => formatIpv4(s.m.ipSrc)))
      .toEqual(Array(5).fill('10.255.0.1'));
    await app.close();
  });

  it('an address nobody answers times out; one the router cannot reach is U', async () => {
    const { app, world } = await ready();
    const silent = await run(app, 'ping 192.168.193.99 count 3 timeout 1\n');
    expect(silent).toBe([
      'Type escape sequence to abort.',
      'Sending 3, 100-byte ICMP Echos to 192.168.193.99, timeout is 1 seconds:',
      '...',
      'Success rate is 0 percent (0/3)',
      '',
    ].join('\n'));
    // Each probe waited its whole timeout on the lab's clock.
    const t0 = world.clock.now();
    await run(app, 'ping 192.168.193.98 count 2 timeout 3\n');
    expect(world.clock.now() - t0).toBeGreaterThanOrEqual(6000);
    const unreachable = await run(app, 'ping 10.9.9.9\n');
    expect(unreachable).toContain('timeout is 2 seconds:\nUUUUU\nSuccess rate is 0 percent (0/5)\n');
    await app.close();
  });

  it('wraps the result characters at 70 a line, as IOS does', async () => {
    const { app } = await ready();
    const out = await run(app, 'ping 192.168.193.1 count 75 timeout 1\n');
    expect(out).toContain(`seconds:\n${'!'.repeat(70)}\n!!!!!\nSuccess rate is 100 percent (75/75)`);
    await app.close();
  });

  it('refuses a source that is not the appliance\'s and a destination it has no route to', async () => {
    const app = await labAppliance();
    await run(app, BASE.replace('route default-gateway 192.168.193.1\n', ''));
    const bad = await batch(app, 'ping 192.168.193.1 source 192.168.193.99\n');
    expect(bad.err).toContain('% Invalid source address- IP address not on any of our up interfaces');
    expect(bad.out).toBe('');
    const none = await batch(app, 'ping 10.9.9.9\n');
    expect(none.err).toContain('% No valid source address for destination');
    const trace = await batch(app, 'traceroute 10.9.9.9\n');
    expect(trace.err).toContain('% No valid source address for destination');
    await app.close();
  });

  it('stops at the abort signal (Ctrl-C) and reports what was sent', async () => {
    const { app } = await ready();
    const s = new CliSession(app, commandRegistry(), { privilege: 1, interactive: false });
    const ac = new AbortController();
    let out = '';
    const r = await s.execute('ping 192.168.193.99 count 100000', {
      write: (t) => {
        out += t;
        if ((out.split('seconds:')[1]?.match(/\./g) ?? []).length >= 3) ac.abort();
      },
    }, ac.signal);
    expect(r).toBeNull();
    expect(out).toMatch(/seconds:\n\.\.\.\nSuccess rate is 0 percent \(0\/3\)\n$/);
    expect(app.stack!.echoIds.size).toBe(0);
    await app.close();
  });
});

describe('traceroute from the appliance in the lab', () => {
  it('shows the router as hop 1 and the client as hop 2, UDP probes to 33434 and up', async () => {
    const { app, world } = await ready();
    const seen = record(world);
    const portsBefore = app.stack!.ports.size;
    const lines = (await run(app, 'traceroute 192.168.212.225\n')).split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'Type escape sequence to abort.',
      'Tracing the route to 192.168.212.225',
      'VRF info: (vrf in name/id, vrf out name/id)',
    ]);
    expect(lines[3]).toMatch(/^ {2}1 192\.168\.193\.1 \d+ msec \d+ msec \d+ msec$/);
    expect(lines[4]).toMatch(/^ {2}2 192\.168\.212\.225 \d+ msec \d+ msec \d+ msec$/);
    expect(lines.slice(5)).toEqual(['']);
    const probes = seen.filter((s) => s.from === 'appliance.1' && s.m.proto === IPPROTO_UDP);
    expect(probes.map((s) => [s.m.ttl, s.m.dport])).toEqual([[1, 33434], [1, 33435], [1, 33436], [2, 33437], [2, 33438], [2, 33439]]);
    expect(new Set(probes.map((s) => s.m.sport)).size).toBe(1);
    // Hop 1 answered time exceeded, hop 2 port unreachable; the source port went back to the pool.
    const errors = seen.filter((s) => s.to === 'appliance.1' && s.m.proto === IPPROTO_ICMP);
    expect(errors.map((s) => `${formatIpv4(s.m.ipSrc)} ${s.m.icmpType}/${s.m.icmpCode}`))
      .toEqual([...Array(3).fill('192.168.193.1 11/0'), ...Array(3).fill('192.168.212.225 3/3')]);
    expect(app.stack!.ports.size).toBe(portsBefore);
    expect(app.stack!.ports.inUse(probes[0]!.m.sport)).toBe(false);
    await app.close();
  });

  it('ends at !N from a router that has no route; ttl bounds it; its own loopback is one hop', async () => {
    const { app } = await ready(LOOPBACK);
    const unreach = (await run(app, 'traceroute 10.9.9.9\n')).split('\n');
    expect(unreach[unreach.length - 2]).toMatch(/^ {2}\d 192\.168\.193\.1 !N {2}!N {2}!N $/);
    const short = (await run(app, 'traceroute 192.168.212.225 ttl 1\n')).split('\n').filter((l) => /^ +\d /.test(l));
    expect(short).toHaveLength(1);
    const self = (await run(app, 'traceroute 10.255.0.1\n')).split('\n').filter((l) => /^ +\d /.test(l));
    expect(self).toEqual([expect.stringMatching(/^ {2}1 10\.255\.0\.1 \d+ msec \d+ msec \d+ msec$/)]);
    await app.close();
  });

  it('a silent hop is * for each probe, after each probe\'s timeout', async () => {
    const { app, world } = await ready();
    // Nothing answers on the VLAN at .97: every probe times out, up to the max TTL.
    const t0 = world.clock.now();
    const lines = (await run(app, 'traceroute 192.168.193.97 ttl 2 timeout 1\n')).split('\n');
    expect(lines.slice(3)).toEqual(['  1  *  *  * ', '  2  *  *  * ', '']);
    expect(world.clock.now() - t0).toBeGreaterThanOrEqual(6000);
    await app.close();
  });
});
