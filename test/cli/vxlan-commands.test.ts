// The VXLAN commands: scenario 004 of the CLI contract as written, its running config and round
// trip, the `no` forms, what validation refuses, the sub-mode's prompt.

import { describe, expect, it } from 'vitest';
import { commandRegistry } from '../../commands/index.js';
import { CliSession } from '../../src/cli/session.js';
import { batch, newAppliance, runClean } from '../helpers/cli.js';

/** Scenario 004 of the CLI contract, verbatim. */
const SCENARIO_004 = `configure terminal
hostname overns
vlan underlay
 vid 104
 port 1 untagged
 apply
interface underlay
 ip address 192.168.104.2/24
 apply
vlan overlay
 vid 12
 port 2 untagged
 vxlan vni 42
 apply
interface overlay
 ip address 12.12.12.1/24
 apply
vxlan
 source-address 192.168.104.2
 udp-port 4789
 learning enable
 arp-proxy enable
 ageing 300
 apply
vxlan fdb 02:42:c0:a8:00:03 vni 42 remote 192.168.104.3
arp 12.12.12.3 02:42:c0:a8:00:03 vlan overlay
end
`;

describe('VXLAN commands', () => {
  it('take scenario 004 as written; show running-config gives back what differs from the factory, and replays to the same config', async () => {
    const a = newAppliance();
    await runClean(a, SCENARIO_004);
    const text = await runClean(a, 'show running-config');
    expect(text).toContain('vlan overlay\n vid 12\n port 2 untagged\n vxlan vni 42\n apply\n');
    expect(text).toContain('vxlan\n source-address 192.168.104.2\n arp-proxy enable\n apply\n!\n'
      + 'vxlan fdb 02:42:c0:a8:00:03 vni 42 remote 192.168.104.3\narp 12.12.12.3 02:42:c0:a8:00:03 vlan overlay\n!\n');
    const b = newAppliance();
    await runClean(b, text);
    expect(b.config).toEqual(a.config);
    expect(a.config.vxlan).toEqual({ sourceAddress: 0xc0a86802, udpPort: 4789, learning: true, arpProxy: true, ageing: 300, maxEntries: 16384, mtu: 1450 });
  });

  it('has a no form for every setting, the FDB entries and the neighbours', async () => {
    const a = newAppliance();
    await runClean(a, SCENARIO_004);
    await runClean(a, [
      'configure terminal', 'vxlan', ' udp-port 8472', ' learning disable', ' ageing 0', ' max-entries 10', ' mtu 8950', ' apply',
      ' no udp-port', ' no learning', ' no ageing', ' no max-entries', ' no mtu', ' no arp-proxy', ' no source-address', ' apply',
      'vxlan fdb 00:00:00:00:00:00 vni 42 remote 192.168.104.3', 'vxlan fdb 00:00:00:00:00:00 vni 42 remote 192.168.104.4 port 8472',
      'no vxlan fdb 00:00:00:00:00:00 vni 42 remote 192.168.104.3', 'no vxlan fdb 02:42:c0:a8:00:03 vni 42', 'no arp 12.12.12.3',
      'end', '',
    ].join('\n'));
    // The last all-zeros entry still names VNI 42: removing the VNI is refused until it goes.
    const text = await runClean(a, 'show running-config');
    expect(text).toContain('vxlan fdb 00:00:00:00:00:00 vni 42 remote 192.168.104.4 port 8472\n');
    expect(text).toContain(' vxlan vni 42\n');
    await runClean(a, 'configure terminal\nno vxlan fdb 00:00:00:00:00:00 vni 42\nvlan overlay\n no vxlan vni\n apply\nno vxlan\nend\n');
    const after = await runClean(a, 'show running-config');
    expect(after).not.toContain('vxlan');
    expect(after).not.toContain('arp ');
  });

  it('refuses what cannot work, with the reason', async () => {
    const a = newAppliance();
    await runClean(a, SCENARIO_004);
    const err = async (text: string) => (await batch(a, `configure terminal\n${text}\nend\n`)).err;
    expect(await err('vxlan fdb 02:42:c0:a8:00:09 vni 43 remote 192.168.104.3')).toContain('no VLAN is bridged to VNI 43');
    expect(await err('vxlan fdb 01:00:5e:00:00:01 vni 42 remote 192.168.104.3')).toContain('a multicast MAC cannot have an FDB entry');
    expect(await err('arp 10.0.0.9 02:00:00:00:00:09 vlan default')).toBe('');
    expect(await err('arp 10.0.0.9 02:00:00:00:00:09 vlan nothere')).toContain('vlan nothere has no interface');
    expect(await err('arp 10.0.0.8 ff:ff:ff:ff:ff:ff vlan overlay')).toContain('is not a unicast MAC');
    expect(await err('vxlan\n source-address 10.9.9.9\n apply')).toContain('source-address 10.9.9.9 is not an address of a data interface');
    expect(await err('vlan underlay\n vxlan vni 42\n apply')).toMatch(/vlan (underlay|overlay): VNI 42 is already bridged to vlan (underlay|overlay)/);
    expect(await err('vlan overlay\n no vxlan vni\n apply')).toContain('no VLAN is bridged to VNI 42');
    expect(await err('no arp 10.1.1.1')).toContain('There is no arp 10.1.1.1');
    expect(await err('no vxlan fdb 02:42:c0:a8:00:09 vni 42')).toContain('There is no vxlan fdb 02:42:c0:a8:00:09 vni 42');
  });

  it('has the sub-mode prompt of a one-of-a-kind object, and help for its settings', async () => {
    const a = newAppliance();
    await runClean(a, 'configure terminal\nhostname overns\nend\n');
    const s = new CliSession(a, commandRegistry(), { privilege: 15, interactive: false });
    for (const l of ['configure terminal', 'vxlan']) expect(await s.execute(l, { write: () => {} })).toBeNull();
    expect(s.prompt()).toBe('overns(config-vxlan)#');
    const help = s.help('');
    for (const w of ['ageing', 'arp-proxy', 'learning', 'max-entries', 'mtu', 'source-address', 'udp-port']) expect(help).toMatch(new RegExp(`^  ${w} +\\S`, 'm'));
    expect(s.help('udp-port ')).toContain('4789 IANA, 8472 Linux');
  });
});
