// The routing table in the embedded lab, as batches: a loopback interface answering the
// client through a static route on the router, an interface route (the appliance ARPs for each
// destination itself), and ECMP over two equal static routes where withdrawing one next hop
// moves only the flows that were on it.
import { describe, expect, it } from 'vitest';
import type { Appliance } from '../../src/appliance.js';
import { LabWorld } from '../../src/lab/index.js';
import { formatIpv4, ipv4 } from '../../src/net/addr.js';
import { ETHERTYPE_ARP, IPPROTO_ICMP } from '../../src/packet/index.js';
import { batch, labAppliance, ROUTED_BASE, runClean as run } from '../helpers/cli.js';
import { record, type Seen } from '../lab/helpers.js';

async function boot(lab: 'default' | 'dsr'): Promise<{ app: Appliance; world: LabWorld }> {
  const app = await labAppliance(lab);
  if (!(app.world instanceof LabWorld)) throw new Error('no lab');
  return { app, world: app.world };
}

const BASE = ROUTED_BASE;

describe('routing in the lab', () => {
  it('a loopback interface answers the client through a static route on the router; show ip route lists it as connected', async () => {
    const { app } = await boot('default');
    await run(app, `${BASE}configure terminal\ninterface loopback 0\n ip address 10.255.0.1/32\n apply\nend\n`);
    // Without a route on the router the client's pings go nowhere.
    const before = await run(app, 'lab ping client 10.255.0.1 count 2\n');
    expect(before).not.toMatch(/reply from/);
    await run(app, 'lab route router 10.255.0.1/32 192.168.193.181\n');
    const after = await run(app, 'lab ping client 10.255.0.1 count 3\n');
    expect(after.match(/reply from 10\.255\.0\.1/g)?.length).toBe(3);
    const rt = await run(app, 'show ip route\n');
    expect(rt).toContain('C>* 10.255.0.1/32 is directly connected, loopback0');
    expect(rt).toContain('C>* 192.168.193.0/24 is directly connected, test');
    expect(rt).toMatch(/S>\* 0\.0\.0\.0\/0 \[1\/\d+\] via 192\.168\.193\.1, test/);
    // Removing the loopback takes its route away and the pings fail again.
    await run(app, 'configure terminal\nno interface loopback 0\nend\n');
    expect(await run(app, 'show ip route\n')).not.toContain('10.255.0.1/32');
    expect(await run(app, 'lab ping client 10.255.0.1 count 1\n')).not.toMatch(/reply from/);
    await app.close();
  });

  it('an interface route: the appliance ARPs for each destination itself on the VLAN', async () => {
    const { app, world } = await boot('dsr');
    await run(app, [
      BASE + 'configure terminal', 'route network 10.20.0.0/24 interface test', 'end',
      'lab address server1 eno1 10.20.0.5/24',
      'lab route router 10.20.0.0/24 192.168.193.181',
      '',
    ].join('\n'));
    const seen = record(world);
    const out = await run(app, 'lab ping client 10.20.0.5 count 2\n');
    expect(out.match(/reply from 10\.20\.0\.5/g)?.length).toBe(2);
    // The appliance asked for 10.20.0.5 itself (not for a gateway) and sent the echo requests to server1's MAC.
    const asked = seen.filter((s) => s.from === 'appliance.1' || s.from === 'appliance.2')
      .filter((s) => s.m.etherType === ETHERTYPE_ARP && s.m.arpOp === 1);
    expect(asked.some((s) => formatIpv4(s.m.arpTpa) === '10.20.0.5' && formatIpv4(s.m.arpSpa) === '192.168.193.181')).toBe(true);
    const toServer = seen.filter((s) => s.to === 'server1.eno1' && s.m.proto === IPPROTO_ICMP && formatIpv4(s.m.ipDst) === '10.20.0.5');
    expect(toServer.length).toBeGreaterThanOrEqual(2);
    expect(await run(app, 'show ip route static\n')).toContain('S>* 10.20.0.0/24 [1/10] is directly connected, test');
    await app.close();
  });

  it('two equal static routes spread flows over both next hops; withdrawing one moves only its flows', async () => {
    const { app, world } = await boot('dsr');
    await run(app, [
      BASE + 'configure terminal',
      'route network 10.50.0.0/16 gateway 192.168.193.150',
      'route network 10.50.0.0/16 gateway 192.168.193.151',
      'end',
      'lab route router 10.50.0.0/16 192.168.193.181',
      '',
    ].join('\n'));
    const rt = await run(app, 'show ip route 10.50.1.1\n');
    expect(rt).toContain('* 192.168.193.150, via test');
    expect(rt).toContain('* 192.168.193.151, via test');
    const dests = Array.from({ length: 24 }, (_, i) => `10.50.${i}.${i + 1}`);
    /** Which server each destination's echo request was forwarded to. */
    const pathOf = async (): Promise<Map<string, string>> => {
      const seen: Seen[] = record(world);
      const r = await batch(app, dests.map((d) => `lab ping client ${d} count 1`).join('\n') + '\n');
      expect(r.err).toBe('');
      const m = new Map<string, string>();
      for (const s of seen) {
        if (s.m.proto !== IPPROTO_ICMP || !s.to.startsWith('server')) continue;
        const d = formatIpv4(s.m.ipDst);
        if (dests.includes(d)) m.set(d, s.to.split('.')[0]!);
      }
      return m;
    };
    const first = await pathOf();
    expect(first.size).toBe(dests.length);
    const onServer2 = dests.filter((d) => first.get(d) === 'server2');
    const onServer1 = dests.filter((d) => first.get(d) === 'server1');
    expect(onServer1.length).toBeGreaterThan(0);
    expect(onServer2.length).toBeGreaterThan(0);
    // The same flows take the same paths again.
    expect(await pathOf()).toEqual(first);
    // One next hop withdrawn: its flows move to the other; the other's flows stay.
    await run(app, 'configure terminal\nno route network 10.50.0.0/16 gateway 192.168.193.151\nend\n');
    const second = await pathOf();
    for (const d of dests) expect(second.get(d)).toBe('server1');
    // Back: the flows return to where they were.
    await run(app, 'configure terminal\nroute network 10.50.0.0/16 gateway 192.168.193.151\nend\n');
    expect(await pathOf()).toEqual(first);
    expect(ipv4('10.50.0.1')).toBeGreaterThan(0);
    await app.close();
  });
});
