// Two appliances on one virtual clock, file 003's route-based VPN between them: pask (the
// EdgeRouter, WAN 203.0.113.1, LAN 192.168.1.1/24 with host1 192.168.1.10) and a second pask as
// the Azure gateway (192.0.2.1, LAN 172.16.1.1/24 with server1 172.16.1.10 serving HTTP), a
// router between the two WANs. Both are configured with shell commands.

import { Appliance } from '../../src/appliance.js';
import { startDataplane, type Dataplane } from '../../src/dataplane.js';
import { buildLab, LinkPort, type LabWorld } from '../../src/lab/index.js';
import { VirtualClock } from '../../src/util/clock.js';
import { runClean } from '../helpers/cli.js';

export const PASK_BASE = `configure terminal
vlan wan
 vid 10
 port 1 untagged
 apply
interface wan
 ip address 203.0.113.1/24
 apply
vlan lan
 vid 20
 port 2 untagged
 apply
interface lan
 ip address 192.168.1.1/24
 apply
route network 192.0.2.0/24 gateway 203.0.113.254
end
`;

export function ipsecLines(opts: { peer: string; local: string; type: 'initiate' | 'respond'; secret: string; remoteNet: string; lifetimes?: [number, number];
  suite?: 'file003' | 'modern'; extra?: string[] }): string {
  const [ike, esp] = opts.lifetimes ?? [28800, 27000];
  const modern = opts.suite === 'modern';
  return [
    'configure terminal',
    'ipsec ike-group FOO0 key-exchange ikev2',
    modern ? 'ipsec ike-group FOO0 proposal 1 encryption aes256gcm128 hash sha256 dh-group 31' : 'ipsec ike-group FOO0 proposal 1 encryption aes256 hash sha1 dh-group 2',
    `ipsec ike-group FOO0 lifetime ${ike}`,
    modern ? 'ipsec esp-group FOO0 proposal 1 encryption aes256gcm128' : 'ipsec esp-group FOO0 proposal 1 encryption aes256 hash sha1',
    `ipsec esp-group FOO0 lifetime ${esp}`,
    'ipsec esp-group FOO0 pfs disable',
    'ipsec vti vti0',
    `ipsec peer ${opts.peer} local-address ${opts.local} ike-group FOO0 connection-type ${opts.type}`,
    `ipsec peer ${opts.peer} pre-shared-secret ${opts.secret}`,
    `ipsec peer ${opts.peer} vti bind vti0 esp-group FOO0`,
    `route network ${opts.remoteNet} interface vti0`,
    ...(opts.extra ?? []),
    'end',
    '',
  ].join('\n');
}

export const AZURE_BASE = `configure terminal
hostname azure
vlan wan
 vid 10
 port 1 untagged
 apply
interface wan
 ip address 192.0.2.1/24
 apply
vlan lan
 vid 20
 port 2 untagged
 apply
interface lan
 ip address 172.16.1.1/24
 apply
route network 203.0.113.0/24 gateway 192.0.2.254
end
`;

/** A port of the second appliance (its links are labelled `azure.N`). */
class AzurePort extends LinkPort {
  override get label(): string {
    return `azure.${this.port}`;
  }
}

export interface VpnRig {
  readonly clock: VirtualClock;
  readonly world: LabWorld;
  readonly pask: Appliance;
  readonly azure: Appliance;
  readonly dp: Dataplane;
  readonly dpAzure: Dataplane;
  close(): Promise<void>;
}

export async function vpnRig(): Promise<VpnRig> {
  const clock = new VirtualClock(Date.UTC(2017, 6, 4, 20, 0, 0));
  const world = buildLab({
    name: 'vpn-test', seed: 3,
    hosts: [
      { name: 'host1', role: 'client', nics: [{ name: 'eth0', mac: '02:00:00:00:01:10', addrs: ['192.168.1.10/24'] }], gateway: '192.168.1.1' },
      { name: 'server1', role: 'server', nics: [{ name: 'eth0', mac: '02:00:00:00:02:10', addrs: ['172.16.1.10/24'] }], gateway: '172.16.1.1', http: [80] },
      { name: 'router', role: 'router', forwarding: true, nics: [
        { name: 'eth0', mac: '02:00:00:00:00:01', addrs: ['203.0.113.254/24'] },
        { name: 'eth1', mac: '02:00:00:00:00:02', addrs: ['192.0.2.254/24'] },
      ] },
    ],
    links: [['router.eth0', 'appliance.1'], ['host1.eth0', 'appliance.2']],
  }, { clock });
  const pask = new Appliance(clock);
  pask.world = world;
  const dp = startDataplane(pask);
  for (const n of world.connectedPorts()) dp.engine.attach(n, world.portBackend(n)!);
  const azure = new Appliance(clock, { ...pask.identity, baseMac: 0x02000000aa00 as never });
  azure.world = world;
  const dpAzure = startDataplane(azure);
  const p1 = new AzurePort(1, 'azure port 1'), p2 = new AzurePort(2, 'azure port 2');
  world.connect(p1, 'router.eth1');
  world.connect(p2, 'server1.eth0');
  dpAzure.engine.attach(1, p1);
  dpAzure.engine.attach(2, p2);
  await runClean(pask, PASK_BASE);
  await runClean(azure, AZURE_BASE);
  return {
    clock, world, pask, azure, dp, dpAzure,
    async close() {
      await azure.close();
      await pask.close();
      dp.close();
      dpAzure.close();
    },
  };
}
