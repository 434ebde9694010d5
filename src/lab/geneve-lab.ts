// The labs of file 002 (an AWS Gateway Load Balancer design): `gwlb`, where pask is the GWLB
// (10.254.11.60) in front of four lab appliances in two zones, and `gwlb-appliance`, where pask
// is the appliance 10.254.11.101 behind a lab GWLB. Both carry a workload host 10.1.21.101 and
// an "internet" host 54.230.62.60 (www.aws.com in the file; in the lab only).
//
// The lab's GENEVE roles are small host add-ons:
// - LabGeneveTarget: appliance software on a lab host (UDP 6081): it checks the three AWS
//   options and returns each packet as real appliance software does (interop notes): from its
//   own address to the sender, both UDP ports as received, GENEVE header, options and inner
//   packet byte for byte, a fresh outer header (TTL 64, DF). It records the inner flows it saw
//   and can be told to drop the returns of some of them.
// - LabGwlb: a router that steers the packets it forwards (between its workload and internet
//   networks) through its target in GENEVE (60001 -> 6081, TTL 255, id 0, the three options,
//   one cookie per flow) and routes the returns on, as AWS's GWLB does.

import { formatIpv4, ipv4, type Ipv4 } from '../net/addr.js';
import { decodeFrame, decodeIpv4 } from '../packet/decode.js';
import { ETH_HEADER_LEN, ETHERTYPE_IPV4, writeEthernet } from '../packet/ethernet.js';
import {
  AWS_OPTIONS_LEN, GENEVE_GWLB_OVERHEAD, GENEVE_PORT, GENEVE_PROTO_IPV4, GeneveError, GeneveMeta, GWLB_OUTER_TTL, GWLB_SOURCE_PORT,
  gwlbCheck, parseGeneve, writeAwsOptions, writeGenevePacket,
} from '../packet/geneve.js';
import { IPPROTO_TCP, IPPROTO_UDP } from '../packet/ipv4.js';
import { DropReason, IpMeta, PacketMeta } from '../packet/meta.js';
import type { Host } from './host/host.js';
import type { Nic } from './host/nic.js';
import type { UdpDatagram } from './host/udp.js';
import type { HostSpec, LabSpec } from './builder.js';
import type { LabWorld } from './world.js';
import { hashString } from '../util/prng.js';

/** `icmp 10.1.21.101:0 > 54.230.62.60:0`: a flow as the lab records it (ports 0 without ports). */
export function flowKey(m: IpMeta): string {
  const ported = (m.proto === IPPROTO_TCP || m.proto === IPPROTO_UDP) && !m.isFragment;
  const name = m.proto === 6 ? 'tcp' : m.proto === 17 ? 'udp' : m.proto === 1 ? 'icmp' : `proto-${m.proto}`;
  return `${name} ${formatIpv4(m.ipSrc)}:${ported ? m.sport : 0} > ${formatIpv4(m.ipDst)}:${ported ? m.dport : 0}`;
}

/** The same key for both directions of a flow. */
export function biflowKey(m: IpMeta): string {
  const ported = (m.proto === IPPROTO_TCP || m.proto === IPPROTO_UDP) && !m.isFragment;
  const a = `${formatIpv4(m.ipSrc)}:${ported ? m.sport : 0}`, b = `${formatIpv4(m.ipDst)}:${ported ? m.dport : 0}`;
  return `${m.proto} ${a < b ? `${a} ${b}` : `${b} ${a}`}`;
}

const targets = new WeakMap<Host, LabGeneveTarget>();
const gateways = new WeakMap<Host, LabGwlb>();

/** The GENEVE appliance software running on a lab host, if any. */
export function geneveTargetOf(h: Host | undefined): LabGeneveTarget | undefined {
  return h === undefined ? undefined : targets.get(h);
}

export function labGwlbOf(h: Host | undefined): LabGwlb | undefined {
  return h === undefined ? undefined : gateways.get(h);
}

export class LabGeneveTarget {
  /** Datagrams returned, and refused (bad GENEVE or missing options), and dropped on purpose. */
  returned = 0;
  refused = 0;
  dropped = 0;
  /** Inner flows seen, one direction each (flowKey), with their packet counts. */
  readonly flows = new Map<string, number>();
  /** Cookies seen, by bidirectional flow. */
  readonly cookies = new Map<string, Set<number>>();
  /** Drops the return of every inner packet it says yes to (an appliance that drops a flow). */
  dropIf: ((inner: IpMeta) => boolean) | null = null;
  private readonly g = new GeneveMeta();
  private readonly unbind: () => void;

  constructor(readonly host: Host, port = GENEVE_PORT) {
    this.unbind = host.udp.bind(port, { onMessage: (d) => this.message(d) });
    targets.set(host, this);
  }

  private message(d: UdpDatagram): void {
    const p = d.payload, g = this.g;
    let r = parseGeneve(p, 0, p.length, g);
    if (r === GeneveError.OK) r = gwlbCheck(g);
    const im = new IpMeta();
    if (r !== GeneveError.OK || g.protocol !== GENEVE_PROTO_IPV4 || decodeIpv4(p, g.payloadOff, p.length, im) !== DropReason.OK) {
      this.refused++;
      return;
    }
    const k = flowKey(im);
    this.flows.set(k, (this.flows.get(k) ?? 0) + 1);
    const bk = biflowKey(im);
    let cs = this.cookies.get(bk);
    if (cs === undefined) this.cookies.set(bk, (cs = new Set()));
    cs.add(g.flowCookie);
    if (this.dropIf !== null && this.dropIf(im)) {
      this.dropped++;
      return;
    }
    // From its own address to the sender, both ports as received (60001 -> 6081 goes back 60001 -> 6081).
    if (this.host.udp.send(d.dst, d.sport, d.src, d.dport, p)) this.returned++;
  }

  /** Packets seen of flows matching `pred` (by flowKey). */
  packetsOf(pred: (key: string) => boolean): number {
    let n = 0;
    for (const [k, v] of this.flows) if (pred(k)) n += v;
    return n;
  }

  close(): void {
    this.unbind();
    targets.delete(this.host);
  }
}

export interface LabGwlbOptions {
  /** The address GENEVE leaves from (10.254.11.60). */
  readonly address: string;
  readonly targets: readonly string[];
  /** Hex, 16 digits. */
  readonly endpointId?: string;
  readonly attachmentId?: string;
}

export class LabGwlb {
  /** Packets wrapped toward the targets, returns routed on, returns refused. */
  sent = 0;
  unwrapped = 0;
  refused = 0;
  private readonly addr: Ipv4;
  private readonly targetAddrs: Ipv4[];
  private readonly opts = new Uint8Array(AWS_OPTIONS_LEN);
  private readonly flows = new Map<string, { readonly cookie: number; readonly target: Ipv4 }>();
  private nextCookie: number;
  private unwrapping = false;
  private readonly g = new GeneveMeta();
  private readonly unbind: () => void;

  constructor(readonly host: Host, o: LabGwlbOptions) {
    this.addr = ipv4(o.address);
    this.targetAddrs = o.targets.map((t) => ipv4(t));
    const id = (hex = '0000000000000000') => [parseInt(hex.slice(0, 8), 16) >>> 0, parseInt(hex.slice(8, 16), 16) >>> 0] as const;
    const [eh, el] = id(o.endpointId);
    const [ah, al] = id(o.attachmentId);
    writeAwsOptions(this.opts, 0, eh, el, ah, al, 0);
    this.nextCookie = hashString(host.name) >>> 0;
    host.ip.steer = (nic, buf, m) => this.steer(nic, buf, m);
    this.unbind = host.udp.bind(GENEVE_PORT, { onMessage: (d) => this.returned(d) });
    gateways.set(host, this);
  }

  /** The cookie and target of a flow between two ends (either direction), once it has one. */
  flowOf(m: IpMeta): { readonly cookie: number; readonly target: Ipv4 } | undefined {
    return this.flows.get(biflowKey(m));
  }

  private steer(nic: Nic, buf: Uint8Array, m: PacketMeta): boolean {
    if (this.unwrapping || nic.hasAddress(this.addr)) return false; // returns, and the appliance network's own traffic
    const key = biflowKey(m);
    let f = this.flows.get(key);
    if (f === undefined) {
      this.nextCookie = (Math.imul(this.nextCookie, 0x9e3779b1) + 0x7f4a7c15) >>> 0;
      f = { cookie: this.nextCookie, target: this.targetAddrs[hashString(key) % this.targetAddrs.length]! };
      this.flows.set(key, f);
    }
    const len = m.l3End - m.l3Off;
    const out = new Uint8Array(GENEVE_GWLB_OVERHEAD + len);
    this.opts[28] = f.cookie >>> 24;
    this.opts[29] = (f.cookie >>> 16) & 0xff;
    this.opts[30] = (f.cookie >>> 8) & 0xff;
    this.opts[31] = f.cookie & 0xff;
    const n = writeGenevePacket(out, 0, buf, m.l3Off, len, this.opts, 0, AWS_OPTIONS_LEN, {
      outerSrc: this.addr, outerDst: f.target, sport: GWLB_SOURCE_PORT, dport: GENEVE_PORT, ttl: GWLB_OUTER_TTL, id: 0, df: false,
      tos: 0, protocol: GENEVE_PROTO_IPV4, vni: 0,
    });
    if (n > 0 && this.host.ip.send(out)) this.sent++;
    return true;
  }

  private returned(d: UdpDatagram): void {
    const p = d.payload, g = this.g;
    let r = parseGeneve(p, 0, p.length, g);
    if (r === GeneveError.OK) r = gwlbCheck(g);
    const im = new IpMeta();
    if (r !== GeneveError.OK || !this.targetAddrs.includes(d.src) || decodeIpv4(p, g.payloadOff, p.length, im) !== DropReason.OK) {
      this.refused++;
      return;
    }
    const f = this.flows.get(biflowKey(im));
    if (f === undefined || f.cookie !== g.flowCookie || f.target !== d.src) {
      this.refused++;
      return;
    }
    const innerLen = im.l3End - im.l3Off;
    const frame = new Uint8Array(ETH_HEADER_LEN + innerLen);
    writeEthernet(frame, 0, 0, 0, ETHERTYPE_IPV4);
    frame.set(p.subarray(g.payloadOff, g.payloadOff + innerLen), ETH_HEADER_LEN);
    const m = new PacketMeta();
    if (decodeFrame(frame, frame.length, m) !== DropReason.OK) {
      this.refused++;
      return;
    }
    const nic = this.host.nics.find((n) => n.hasAddress(this.addr))!;
    this.unwrapped++;
    this.unwrapping = true;
    try {
      this.host.ip.receive(nic, frame, m);
    } finally {
      this.unwrapping = false;
    }
  }

  close(): void {
    this.unbind();
    this.host.ip.steer = null;
    gateways.delete(this.host);
  }
}

// ---- the topologies ----

export const GWLB_ADDRESS = '10.254.11.60';
export const GWLB_ADDRESS_B = '10.254.12.149';
export const WORKLOAD = '10.1.21.101';
export const WORKLOAD_B = '10.1.21.102';
export const INTERNET = '54.230.62.60';
/** File 002's option 1 (the GWLB endpoint id). */
export const FILE_002_ENDPOINT_ID = '2356de92d389839c';
export const APPLIANCES_A = ['10.254.11.101', '10.254.11.102'] as const;
export const APPLIANCES_B = ['10.254.12.101', '10.254.12.102'] as const;

function applianceHost(addr: string, mac: string): HostSpec {
  return { name: `appliance-${addr.split('.').slice(2).join('-')}`, role: 'server', nics: [{ name: 'eth0', mac, addrs: [`${addr}/24`] }], http: [80] };
}

function internetSpec(): HostSpec {
  return { name: 'internet', role: 'server', nics: [{ name: 'eth0', mac: '02:00:36:e6:3e:3c', addrs: [`${INTERNET}/24`] }], gateway: '54.230.62.1', http: [80] };
}

/**
 * pask as the GWLB: port 1 faces zone A's appliances (10.254.11.101/.102 on a switch), port 4
 * zone B's (10.254.12.101/.102), port 2 the workload network (10.1.21.101 and .102, gateway
 * 10.1.21.1), port 3 the outside (a router 198.51.100.254 in front of the internet host,
 * routing 10.1.0.0/16 back to 198.51.100.1). The appliances answer HTTP on port 80 (the
 * GWLB's checks) and run LabGeneveTarget on UDP 6081.
 */
export function gwlbLabSpec(): LabSpec {
  return {
    name: 'gwlb',
    seed: 2,
    switches: [{ name: 'zone-a', ports: 8 }, { name: 'zone-b', ports: 8 }, { name: 'workload-net', ports: 8 }],
    hosts: [
      { name: 'workload', role: 'client', nics: [{ name: 'eth0', mac: '02:00:0a:01:15:65', addrs: [`${WORKLOAD}/24`] }], gateway: '10.1.21.1', http: [80] },
      { name: 'workload-b', role: 'client', nics: [{ name: 'eth0', mac: '02:00:0a:01:15:66', addrs: [`${WORKLOAD_B}/24`] }], gateway: '10.1.21.1', http: [80] },
      {
        name: 'igw', role: 'router', forwarding: true,
        nics: [
          { name: 'eth0', mac: '02:00:c6:33:64:fe', addrs: ['198.51.100.254/24'] },
          { name: 'eth1', mac: '02:00:36:e6:3e:01', addrs: ['54.230.62.1/24'] },
        ],
        routes: [{ dest: '10.1.0.0/16', via: '198.51.100.1' }],
      },
      internetSpec(),
      applianceHost(APPLIANCES_A[0], '02:00:0a:fe:0b:65'),
      applianceHost(APPLIANCES_A[1], '02:00:0a:fe:0b:66'),
      applianceHost(APPLIANCES_B[0], '02:00:0a:fe:0c:65'),
      applianceHost(APPLIANCES_B[1], '02:00:0a:fe:0c:66'),
    ],
    links: [
      ['zone-a.1', 'appliance.1'],
      ['appliance-11-101.eth0', 'zone-a.2'],
      ['appliance-11-102.eth0', 'zone-a.3'],
      ['zone-b.1', 'appliance.4'],
      ['appliance-12-101.eth0', 'zone-b.2'],
      ['appliance-12-102.eth0', 'zone-b.3'],
      ['workload-net.1', 'appliance.2'],
      ['workload.eth0', 'workload-net.2'],
      ['workload-b.eth0', 'workload-net.3'],
      ['igw.eth0', 'appliance.3'],
      ['internet.eth0', 'igw.eth1'],
    ],
    setup: (w: LabWorld) => {
      for (const a of [...APPLIANCES_A, ...APPLIANCES_B]) new LabGeneveTarget(w.findHost(a)!);
    },
  };
}

/**
 * pask as the appliance 10.254.11.101 (port 1) behind a lab GWLB 10.254.11.60 (also the
 * appliance network's gateway 10.254.11.1) that routes between the workload 10.1.21.101 and
 * the internet host 54.230.62.60 and steers all of it through pask, with file 002's endpoint id.
 */
export function gwlbApplianceLabSpec(): LabSpec {
  return {
    name: 'gwlb-appliance',
    seed: 2,
    switches: [{ name: 'appliance-net', ports: 8 }],
    hosts: [
      { name: 'workload', role: 'client', nics: [{ name: 'eth0', mac: '02:00:0a:01:15:65', addrs: [`${WORKLOAD}/24`] }], gateway: '10.1.21.1', http: [80] },
      {
        name: 'gwlb', role: 'router', forwarding: true,
        nics: [
          { name: 'eth0', mac: '02:00:0a:fe:0b:3c', addrs: [`${GWLB_ADDRESS}/24`, '10.254.11.1/24'] },
          { name: 'eth1', mac: '02:00:0a:01:15:01', addrs: ['10.1.21.1/24'] },
          { name: 'eth2', mac: '02:00:36:e6:3e:01', addrs: ['54.230.62.1/24'] },
        ],
      },
      internetSpec(),
    ],
    links: [
      ['appliance-net.1', 'appliance.1'],
      ['gwlb.eth0', 'appliance-net.2'],
      ['workload.eth0', 'gwlb.eth1'],
      ['internet.eth0', 'gwlb.eth2'],
    ],
    setup: (w: LabWorld) => {
      new LabGwlb(w.host('gwlb')!, { address: GWLB_ADDRESS, targets: [APPLIANCES_A[0]], endpointId: FILE_002_ENDPOINT_ID });
    },
  };
}
