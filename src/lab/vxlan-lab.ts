// File 004's lab (`pask --lab vxlan`): one L2 segment, 12.12.12.0/24, stretched across two hosts
// with VXLAN (VNI 42, UDP 4789). The appliance is host 192.168.104.2's `overns` (its bridge and
// VTEP): port 1 is the underlay toward the second host, port 2 leads to the local `pinkns`
// (12.12.12.2). The second host, ubuntu1804-2 (192.168.104.3), has file 004's own set-up: a
// Linux vxlan device (`id 42 proxy learning dstport 4789`) on a bridge with its `pinkns`
// (12.12.12.3, here `pinkns-2`), which runs a web server.
//
//   pinkns 12.12.12.2 ── appliance.2 [pask: vlan overlay, vni 42] appliance.1 ── eth1 ubuntu1804-2
//                                                                               192.168.104.3
//                                                               vxlan1 (vni 42, proxy, learning)
//                                                                  └── br0 ── pinkns-2 12.12.12.3

import { ipv4 } from '../net/addr.js';
import type { LabSpec } from './builder.js';
import { attachLinuxVxlan } from './linux-vxlan.js';

export const VXLAN_LAB = {
  vni: 42,
  localVtep: '192.168.104.2',
  remoteVtep: '192.168.104.3',
  localHost: 'pinkns',
  remoteHost: 'pinkns-2',
  remoteVtepHost: 'ubuntu1804-2',
  localIp: '12.12.12.2',
  localMac: '02:42:c0:a8:00:02',
  remoteIp: '12.12.12.3',
  remoteMac: '02:42:c0:a8:00:03',
} as const;

export function vxlanLabSpec(): LabSpec {
  const L = VXLAN_LAB;
  return {
    name: 'vxlan',
    seed: 4,
    switches: [{ name: 'br0', ports: 4 }],
    hosts: [
      { name: L.localHost, role: 'client', tcp: 'linux', nics: [{ name: 'eth0', mac: L.localMac, addrs: [`${L.localIp}/24`] }] },
      { name: L.remoteVtepHost, role: 'host', tcp: 'linux', nics: [{ name: 'eth1', mac: '08:00:27:6a:1f:03', addrs: [`${L.remoteVtep}/24`] }] },
      { name: L.remoteHost, role: 'server', tcp: 'linux', nics: [{ name: 'eth0', mac: L.remoteMac, addrs: [`${L.remoteIp}/24`] }], http: [80] },
    ],
    links: [
      [`${L.remoteVtepHost}.eth1`, 'appliance.1'],
      [`${L.localHost}.eth0`, 'appliance.2'],
      [`${L.remoteHost}.eth0`, 'br0.2'],
    ],
    setup: (w) => {
      const dev = attachLinuxVxlan(w.host(L.remoteVtepHost)!, { vni: L.vni, dstport: 4789, proxy: true, learning: true, local: ipv4(L.remoteVtep) });
      w.connect(dev, 'br0.1');
    },
  };
}
