// Lab topologies as data: hosts (with interfaces, loopback addresses, routes, services),
// switches and links, built into a LabWorld. The default lab is the seed's (file 000) with a
// second real server; the DSR lab puts the reals on the appliance's own L2 (port 2).

import { mac } from '../net/addr.js';
import type { HostOptions } from './host/host.js';
import { LabWorld, type LabWorldOptions } from './world.js';
import { gwlbApplianceLabSpec, gwlbLabSpec } from './geneve-lab.js';
import { vxlanLabSpec } from './vxlan-lab.js';
import { vpnLabSpec } from './vpn-lab.js';

export interface NicSpec {
  readonly name: string;
  readonly mac: string;
  /** `a.b.c.d/len`. */
  readonly addrs?: readonly string[];
  /** Source MAC of the IP frames it sends (default its MAC). */
  readonly txMac?: string;
  /** Source MAC of frames forwarded out of it, by ingress interface name. */
  readonly txMacFrom?: Readonly<Record<string, string>>;
  readonly vlan?: number;
}

export interface HostSpec extends HostOptions {
  readonly name: string;
  readonly nics: readonly NicSpec[];
  /** Addresses on `lo` (a VIP: `/32` implied). */
  readonly loopback?: readonly string[];
  readonly gateway?: string;
  readonly routes?: readonly { readonly dest: string; readonly via: string }[];
  /** TCP ports with an HTTP server. */
  readonly http?: readonly number[];
  /** UDP ports with an echo service. */
  readonly udpEcho?: readonly number[];
  /** What the HTTP server calls itself (default the host name). */
  readonly serverName?: string;
}

export interface SwitchSpec {
  readonly name: string;
  readonly ports?: number;
}

export interface LabSpec {
  readonly name: string;
  readonly seed?: number;
  readonly linkDelayMs?: number;
  readonly hosts: readonly HostSpec[];
  readonly switches?: readonly SwitchSpec[];
  /** Pairs of endpoints: `HOST.NIC`, `SWITCH.PORT`, `appliance.PORT`. */
  readonly links: readonly (readonly [string, string])[];
  /** What a spec cannot say (a host's extra roles): run on the built world. */
  readonly setup?: (w: LabWorld) => void;
}

/** Builds a world from a spec; `opts` override its seed and give the clock and pacing. */
export function buildLab(spec: LabSpec, opts: LabWorldOptions = {}): LabWorld {
  const w = new LabWorld({
    name: spec.name,
    ...(spec.seed !== undefined ? { seed: spec.seed } : {}),
    ...(spec.linkDelayMs !== undefined ? { linkDelayMs: spec.linkDelayMs } : {}),
    ...opts,
  });
  for (const s of spec.switches ?? []) w.addSwitch(s.name, s.ports ?? 8);
  for (const hs of spec.hosts) {
    const h = w.addHost(hs.name, hs);
    for (const n of hs.nics) {
      const nic = h.addNic(n.name, n.mac, n.addrs ?? []);
      if (n.txMac) nic.txMac = mac(n.txMac);
      for (const [from, m] of Object.entries(n.txMacFrom ?? {})) nic.txMacByIngress.set(from, mac(m));
      if (n.vlan !== undefined) nic.vlan = n.vlan;
    }
    for (const a of hs.loopback ?? []) h.addLoopback(a);
    if (hs.gateway) h.setDefaultGateway(hs.gateway);
    for (const r of hs.routes ?? []) h.addRoute(r.dest, r.via);
    for (const p of hs.http ?? []) h.serveHttp(p, hs.serverName ?? hs.name);
    for (const p of hs.udpEcho ?? []) h.serveUdpEcho(p);
  }
  for (const [a, b] of spec.links) w.connect(a, b);
  spec.setup?.(w);
  return w;
}

// ---- the seed's topology ----

export const LAB_VIP = '192.168.193.50';
export const ROUTER_VRRP_MAC_L4 = '00:00:5e:00:01:c1';
export const ROUTER_VRRP_MAC_SERVERS = '00:00:5e:00:01:d3';
export const ROUTER_VRRP_MAC_CLIENTS = '00:00:5e:00:01:d4';
/** The physical router that forwards most traffic (seen as the source toward the appliance and servers). */
export const ROUTER_MAC_A = '00:d0:f8:22:35:42';
/** The physical router that forwards the client network's traffic toward the appliance. */
export const ROUTER_MAC_B = '00:06:c4:74:5b:b0';
export const CLIENT_MAC = '00:50:56:a1:12:25';

/** A Linux real server as the seed sets it up: VIP on lo, arp_ignore=1, arp_announce=2, IP-in-IP, nginx and snmpd. */
export function realServerSpec(name: string, rip: string, nicMac: string, gateway: string, opts: Partial<HostSpec> = {}): HostSpec {
  return {
    name, role: 'server', tcp: 'linux', arpIgnore: 1, arpAnnounce: 2, ipip: true,
    nics: [{ name: 'eno1', mac: nicMac, addrs: [rip] }],
    loopback: [LAB_VIP], gateway, http: [80], udpEcho: [161],
    ...opts,
  };
}

/** The client of the seed: Windows-like TCP (`mss 1460,nop,wscale 8,nop,nop,sackOK`). */
export function clientSpec(name = 'client', addr = '192.168.212.225/24', gateway = '192.168.212.1'): HostSpec {
  return { name, role: 'client', tcp: 'windows', nics: [{ name: 'eth0', mac: CLIENT_MAC, addrs: [addr] }], gateway };
}

/**
 * File 000's topology plus a second real: client 192.168.212.225 — router — appliance port 1
 * (the appliance's `test` interface 192.168.193.181/24 is the operator's to configure); reals
 * server1 192.168.211.150 and server2 192.168.211.151 behind the router, VIP 192.168.193.50 on lo.
 */
export function defaultLabSpec(): LabSpec {
  return {
    name: 'default',
    seed: 1,
    switches: [{ name: 'sw1', ports: 8 }],
    hosts: [
      clientSpec(),
      {
        name: 'router', role: 'router', forwarding: true, tcp: 'linux',
        nics: [
          { name: 'eth0', mac: ROUTER_VRRP_MAC_L4, addrs: ['192.168.193.1/24'], txMac: ROUTER_MAC_A, txMacFrom: { eth2: ROUTER_MAC_B } },
          { name: 'eth1', mac: ROUTER_VRRP_MAC_SERVERS, addrs: ['192.168.211.1/24'], txMac: ROUTER_MAC_A },
          { name: 'eth2', mac: ROUTER_VRRP_MAC_CLIENTS, addrs: ['192.168.212.1/24'] },
        ],
      },
      realServerSpec('server1', '192.168.211.150/24', 'd4:ae:52:ca:a2:98', '192.168.211.1'),
      realServerSpec('server2', '192.168.211.151/24', 'd4:ae:52:ca:b3:1e', '192.168.211.1'),
    ],
    links: [
      ['client.eth0', 'router.eth2'],
      ['router.eth0', 'appliance.1'],
      ['router.eth1', 'sw1.1'],
      ['server1.eno1', 'sw1.2'],
      ['server2.eno1', 'sw1.3'],
    ],
  };
}

/**
 * For the `dsr` NAT mode: the same client and router (router on appliance port 1), and the
 * reals on the appliance's own L2 — a switch on appliance port 2 with server1 192.168.193.150
 * and server2 192.168.193.151 (VIP on lo, gateway 192.168.193.1).
 */
export function dsrLabSpec(): LabSpec {
  return {
    name: 'dsr',
    seed: 1,
    switches: [{ name: 'sw2', ports: 8 }],
    hosts: [
      clientSpec(),
      {
        name: 'router', role: 'router', forwarding: true, tcp: 'linux',
        nics: [
          { name: 'eth0', mac: ROUTER_VRRP_MAC_L4, addrs: ['192.168.193.1/24'], txMac: ROUTER_MAC_A, txMacFrom: { eth2: ROUTER_MAC_B } },
          { name: 'eth2', mac: ROUTER_VRRP_MAC_CLIENTS, addrs: ['192.168.212.1/24'] },
        ],
      },
      realServerSpec('server1', '192.168.193.150/24', 'd4:ae:52:ca:a2:98', '192.168.193.1'),
      realServerSpec('server2', '192.168.193.151/24', 'd4:ae:52:ca:b3:1e', '192.168.193.1'),
    ],
    links: [
      ['client.eth0', 'router.eth2'],
      ['router.eth0', 'appliance.1'],
      ['sw2.1', 'appliance.2'],
      ['server1.eno1', 'sw2.2'],
      ['server2.eno1', 'sw2.3'],
    ],
  };
}

/**
 * The labs `--lab NAME` builds, by name. Each file's topology registers here (VXLAN, GWLB, VPN
 * labs add themselves as they come).
 */
export const LAB_TOPOLOGIES: Readonly<Record<string, { readonly doc: string; readonly spec: () => LabSpec }>> = {
  default: { doc: 'file 000: client, router, appliance, two reals behind the router (IP-in-IP DSR)', spec: defaultLabSpec },
  dsr: { doc: 'the reals on the appliance\'s own L2 (port 2), for dsr and interface routes', spec: dsrLabSpec },
  gwlb: { doc: 'file 002: pask as the GENEVE gateway load balancer, four appliances in two zones (ports 1, 4)', spec: gwlbLabSpec },
  'gwlb-appliance': { doc: 'file 002: pask as the appliance 10.254.11.101 behind a lab GWLB 10.254.11.60', spec: gwlbApplianceLabSpec },
  vxlan: { doc: 'file 004: pask as 192.168.104.2\'s bridge and VTEP (VNI 42), a Linux VTEP 192.168.104.3 with pinkns-2 behind it', spec: vxlanLabSpec },
  vpn: { doc: 'file 003: pask as the EdgeRouter (AS 65510), a lab Azure gateway (AS 65515, 172.16.0.254) across the internet router', spec: vpnLabSpec },
};

export function labNames(): string[] {
  return Object.keys(LAB_TOPOLOGIES);
}

/** Builds the lab called `name`; null when there is none. */
export function namedLab(name: string, opts: LabWorldOptions = {}): LabWorld | null {
  const t = LAB_TOPOLOGIES[name];
  return t === undefined ? null : buildLab(t.spec(), opts);
}

export function defaultLab(opts: LabWorldOptions = {}): LabWorld {
  return buildLab(defaultLabSpec(), opts);
}

export function dsrLab(opts: LabWorldOptions = {}): LabWorld {
  return buildLab(dsrLabSpec(), opts);
}
