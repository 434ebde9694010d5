// File 003's topology (`--lab vpn`): pask is the EdgeRouter ER-X. Port 1 (eth0, 203.0.113.1/24)
// faces the internet router 203.0.113.254, behind which the Azure gateway 192.0.2.1 holds the
// virtual network 172.16.0.0/22 (server1 172.16.1.10) and runs BGP in AS 65515 from its
// peering address 172.16.0.254; port 2 (eth1, 192.168.1.1/24) is the LAN with host1
// 192.168.1.10. The lab "Azure" announces 172.16.0.0/22 and, as the file shows, echoes
// 192.168.1.0/24 and 192.168.1.1/32 (its local network gateway's address space) back.
//
// Until the IPsec issue adds the VTI, the BGP session runs over a plain routed path: the
// internet router routes 172.16.0.0/22 to the Azure gateway and 192.168.1.0/24 to ER, so the
// session is two hops (ebgp-multihop 2) from update-source 192.168.1.1.

import { afiSafi } from '../bgp/wire/messages.js';
import { AFI_IPV6, SAFI_UNICAST } from '../bgp/wire/constants.js';
import { BgpSpeaker } from '../bgp/speaker.js';
import { tcpNet } from '../bgp/transport.js';
import { newBgp, withNeighbor, type BgpConfig } from '../config/bgp.js';
import { ipv4, parsePrefix, type Prefix } from '../net/addr.js';
import type { LabSpec } from './builder.js';
import type { Host } from './host/host.js';
import type { LabWorld } from './world.js';
import { startAzureIpsec } from '../ipsec/lab-gateway.js';

export const VPN_ER_WAN = '203.0.113.1';
export const VPN_ER_LAN = '192.168.1.1';
export const VPN_INTERNET_ROUTER = '203.0.113.254';
export const VPN_AZURE_GATEWAY = '192.0.2.1';
export const VPN_AZURE_PEERING = '172.16.0.254';
export const VPN_AZURE_AS = 65515;
export const VPN_ER_AS = 65510;
/** What the lab Azure announces, in this order (file 003's received-routes). */
export const VPN_AZURE_NETWORKS = ['192.168.1.0/24', '192.168.1.1/32', '172.16.0.0/22'];

const speakers = new WeakMap<Host, BgpSpeaker>();

/** The BGP speaker a lab host runs (the lab Azure gateway's), or null. */
export function labSpeakerOf(h: Host): BgpSpeaker | null {
  return speakers.get(h) ?? null;
}

/** Runs the Azure gateway's BGP (AS 65515, peering address 172.16.0.254) on `h`. */
export function startAzureBgp(h: Host, networks: readonly string[] = VPN_AZURE_NETWORKS): BgpSpeaker {
  const s = new BgpSpeaker({
    clock: h.clock,
    net: tcpNet({ listen: (port, onAccept) => h.tcp.listen(port, onAccept), connect: (dst, port, o) => h.tcp.connect(dst, port, o) }),
    table: null,
    log: () => {},
    // As file 003's views show: Azure's gateway also offers IPv6 unicast and graceful restart, only the
    // standard route refresh, and announces its networks with MED 0.
    openExtras: { extraFamilies: [afiSafi(AFI_IPV6, SAFI_UNICAST)], gracefulRestart: true, routeRefreshOld: false },
    localMed: 0,
  });
  let b: BgpConfig = { ...newBgp(VPN_AZURE_AS), routerId: ipv4(VPN_AZURE_PEERING), networks: networks.map((n) => parsePrefix(n) as Prefix) };
  b = withNeighbor(b, ipv4(VPN_ER_LAN), (n) => ({ ...n, remoteAs: VPN_ER_AS, ebgpMultihop: 2, updateSource: ipv4(VPN_AZURE_PEERING) }));
  s.configure(b, [], ipv4(VPN_AZURE_PEERING));
  speakers.set(h, s);
  return s;
}

export function vpnLabSpec(): LabSpec {
  return {
    name: 'vpn',
    seed: 1,
    hosts: [
      {
        name: 'internet', role: 'router', forwarding: true, tcp: 'linux',
        nics: [
          { name: 'eth0', mac: '02:00:cb:00:71:fe', addrs: [`${VPN_INTERNET_ROUTER}/24`] },
          { name: 'eth1', mac: '02:00:c0:00:02:fe', addrs: ['192.0.2.254/24'] },
        ],
        routes: [{ dest: '192.168.1.0/24', via: VPN_ER_WAN }, { dest: '172.16.0.0/22', via: VPN_AZURE_GATEWAY }],
      },
      {
        name: 'azure', role: 'router', forwarding: true, tcp: 'linux',
        nics: [
          { name: 'eth0', mac: '02:00:c0:00:02:01', addrs: [`${VPN_AZURE_GATEWAY}/24`] },
          { name: 'eth1', mac: '02:00:ac:10:01:01', addrs: ['172.16.1.1/24'] },
        ],
        loopback: [VPN_AZURE_PEERING],
        gateway: '192.0.2.254',
      },
      { name: 'server1', role: 'server', tcp: 'linux', nics: [{ name: 'eth0', mac: '02:00:ac:10:01:0a', addrs: ['172.16.1.10/24'] }], gateway: '172.16.1.1', http: [80] },
      { name: 'host1', role: 'client', tcp: 'linux', nics: [{ name: 'eth0', mac: '02:00:c0:a8:01:0a', addrs: ['192.168.1.10/24'] }], gateway: VPN_ER_LAN },
    ],
    links: [
      ['internet.eth0', 'appliance.1'],
      ['internet.eth1', 'azure.eth0'],
      ['azure.eth1', 'server1.eth0'],
      ['host1.eth0', 'appliance.2'],
    ],
    setup: (w: LabWorld) => {
      startAzureBgp(w.host('azure')!);
      startAzureIpsec(w, w.host('azure')!);
    },
  };
}
