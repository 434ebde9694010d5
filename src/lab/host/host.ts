// A simulated host of the lab: interfaces, loopback addresses, a routing table, and a small
// Linux-like stack (ARP, IPv4 with IP-in-IP and L3DSR's DSCP -> VIP restore, ICMP, TCP, UDP)
// with its services. A router is a host with forwarding on.

import { formatIpv4, ipv4, mac as parseMac, parsePrefix, type Ipv4, type Mac, type Prefix } from '../../net/addr.js';
import { decodeFrame } from '../../packet/decode.js';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4 } from '../../packet/ethernet.js';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from '../../packet/ipv4.js';
import { DropReason, PacketMeta, type IpMeta } from '../../packet/meta.js';
import type { Clock } from '../../util/clock.js';
import { Prng } from '../../util/prng.js';
import { HttpService, httpGet, UdpEchoService, type HttpGetOptions, type HttpResult, type HttpTarget, type Service, type ServiceProto } from './app.js';
import { ArpLayer, type ArpAnnounce, type ArpIgnore } from './arp.js';
import { IcmpLayer, type PingOptions, type PingResult } from './icmp.js';
import { DECODE_FLAGS, IpLayer } from './ip.js';
import { Nic, type FrameReceiver } from './nic.js';
import { LINUX_TCP, TcpLayer, WINDOWS_TCP, type TcpProfile } from './tcp.js';
import { UdpLayer, type UdpResult } from './udp.js';

export type HostRole = 'client' | 'server' | 'router' | 'host';

export interface HostOptions {
  readonly role?: HostRole;
  /** TCP habits: `linux` (default) or `windows` (the seed's client), or a profile. */
  readonly tcp?: 'linux' | 'windows' | TcpProfile;
  readonly arpIgnore?: ArpIgnore;
  readonly arpAnnounce?: ArpAnnounce;
  /** IP-in-IP decapsulation (default off, like a kernel without the ipip module). */
  readonly ipip?: boolean;
  /** Route packets between interfaces (a router). */
  readonly forwarding?: boolean;
  /** Seed of this host's PRNG (the world derives one from its own seed and the host's name). */
  readonly seed?: number;
}

function toPrefix(p: string | Prefix): Prefix {
  if (typeof p !== 'string') return p;
  const v = parsePrefix(p.includes('/') ? p : `${p}/32`);
  if (!v) throw new Error(`not an address/prefix: ${p}`);
  return v;
}

function toIp(a: string | number): Ipv4 {
  return (typeof a === 'string' ? ipv4(a) : a >>> 0) as Ipv4;
}

export class Host implements FrameReceiver {
  readonly nics: Nic[] = [];
  /** Loopback: the VIP of a DSR real lives here. */
  readonly lo: Nic;
  /** Where decapsulated IP-in-IP packets come from. */
  readonly tunl0: Nic;
  readonly rng: Prng;
  readonly role: HostRole;
  readonly arp: ArpLayer;
  readonly ip: IpLayer;
  readonly icmp: IcmpLayer;
  readonly tcp: TcpLayer;
  readonly udp: UdpLayer;
  readonly services: Service[] = [];
  /** Frames dropped because they did not decode (bad checksums included). */
  rxBad = 0;

  constructor(readonly name: string, readonly clock: Clock, opts: HostOptions = {}) {
    this.rng = new Prng(opts.seed ?? 1);
    this.role = opts.role ?? (opts.forwarding ? 'router' : 'host');
    this.lo = new Nic(this, 'lo', 0 as Mac, true);
    this.tunl0 = new Nic(this, 'tunl0', 0 as Mac, true);
    this.arp = new ArpLayer({ clock, isLocal: (a) => this.ip.isLocal(a) });
    this.ip = new IpLayer(this);
    this.icmp = new IcmpLayer(this);
    const t = opts.tcp ?? 'linux';
    this.tcp = new TcpLayer(this, t === 'linux' ? LINUX_TCP : t === 'windows' ? WINDOWS_TCP : t);
    this.udp = new UdpLayer(this);
    this.ip.ttl = this.tcp.profile.ttl;
    this.arp.ignore = opts.arpIgnore ?? 0;
    this.arp.announce = opts.arpAnnounce ?? 0;
    this.ip.ipip = opts.ipip ?? false;
    this.ip.forwarding = opts.forwarding ?? false;
  }

  // ---- configuration ----

  addNic(name: string, mac: Mac | string, addrs: readonly (string | Prefix)[] = []): Nic {
    if (this.nics.some((n) => n.name === name) || name === 'lo' || name === 'tunl0') {
      throw new Error(`${this.name} already has an interface ${name}`);
    }
    const n = new Nic(this, name, typeof mac === 'string' ? parseMac(mac) : mac);
    for (const a of addrs) n.addrs.push(toPrefix(a));
    this.nics.push(n);
    return n;
  }

  /** An interface by name (`lo` included). */
  nic(name: string): Nic {
    if (name === 'lo') return this.lo;
    const n = this.nics.find((x) => x.name === name);
    if (!n) throw new Error(`${this.name} has no interface ${name}`);
    return n;
  }

  /** Every interface with addresses: the NICs, then `lo`. */
  allNics(): Nic[] {
    return [...this.nics, this.lo];
  }

  /** Adds a /32 (or the given prefix) on `lo`, like `ip addr add VIP/32 dev lo`. */
  addLoopback(addr: string | Prefix): void {
    this.lo.addrs.push(toPrefix(addr));
  }

  removeLoopback(addr: string | number): boolean {
    const a = toIp(addr);
    const i = this.lo.addrs.findIndex((p) => p.addr === a);
    if (i < 0) return false;
    this.lo.addrs.splice(i, 1);
    return true;
  }

  addRoute(dest: string | Prefix, gateway: string | number): void {
    this.ip.addRoute(toPrefix(dest), toIp(gateway));
  }

  setDefaultGateway(gateway: string | number): void {
    this.ip.addRoute({ addr: 0 as Ipv4, len: 0 }, toIp(gateway));
  }

  get ipip(): boolean {
    return this.ip.ipip;
  }
  set ipip(on: boolean) {
    this.ip.ipip = on;
  }

  /** L3DSR with DSCP: DSCP -> VIP entries this host restores on input, by DSCP. */
  get dscpVips(): ReadonlyMap<number, Ipv4> {
    return this.ip.dscpVips;
  }

  /**
   * L3DSR with DSCP (the real's kernel module or tc program: "DSCP `dscp` means VIP `vip`"):
   * packets to one of this host's interface addresses marked `dscp` are readdressed to `vip`
   * before local delivery, so the host answers from the VIP. The VIP must be on `lo`.
   */
  addDscpVip(dscp: number, vip: string | number): void {
    const a = toIp(vip);
    if (!Number.isInteger(dscp) || dscp < 1 || dscp > 63) throw new RangeError(`bad DSCP ${dscp}: use 1-63`);
    if (!this.lo.hasAddress(a)) throw new Error(`${this.name} does not have ${formatIpv4(a)} on lo`);
    this.ip.dscpVips.set(dscp, a);
  }

  /** Removes the DSCP -> VIP entry of `dscp`; false when there is none. */
  removeDscpVip(dscp: number): boolean {
    return this.ip.dscpVips.delete(dscp);
  }

  /** This host's addresses on its NICs (not `lo`). */
  addresses(): Ipv4[] {
    return this.nics.flatMap((n) => n.addrs.map((p) => p.addr));
  }

  /** The first NIC address: how the lab names the host by address. */
  get primaryAddress(): Ipv4 | null {
    return this.addresses()[0] ?? null;
  }

  isLocal(a: number): boolean {
    return this.ip.isLocal(a);
  }

  // ---- frames in ----

  receiveFrame(nic: Nic, frame: Uint8Array, len: number): void {
    const m = new PacketMeta();
    if (decodeFrame(frame, len, m, DECODE_FLAGS) !== DropReason.OK) {
      this.rxBad++;
      return;
    }
    if (!nic.accepts(m.dstMac)) return;
    if (m.vlanId !== nic.vlan) return;
    nic.rxFrames++;
    if (m.etherType === ETHERTYPE_ARP) this.arp.receive(nic, m);
    else if (m.etherType === ETHERTYPE_IPV4) this.ip.receive(nic, frame, m);
  }

  /**
   * An ICMP error (received, or made up locally for an ARP failure) about a packet we sent;
   * `mtu` is the next-hop MTU of a fragmentation-needed error (0 otherwise).
   */
  icmpErrorArrived(q: IpMeta, type: number, code: number, from: Ipv4, mtu = 0): void {
    if (!this.ip.isLocal(q.ipSrc)) return;
    switch (q.proto) {
      case IPPROTO_TCP:
        this.tcp.icmpError(q, type, code, mtu);
        break;
      case IPPROTO_UDP:
        this.udp.icmpError(q, type, code, from);
        break;
      case IPPROTO_ICMP:
        this.icmp.echoError(q, type, code, from);
        break;
    }
  }

  /** Sends a complete Ethernet frame out of a NIC as it is (tests, hand-made probes). */
  inject(nicName: string, frame: Uint8Array, len = frame.length): void {
    this.nic(nicName).sendRaw(frame, len);
  }

  // ---- services ----

  service(proto: ServiceProto, port: number): Service | undefined {
    return this.services.find((s) => s.proto === proto && s.port === port);
  }

  /** Runs an HTTP server on `port` that answers with `name` (default the host's name). */
  serveHttp(port = 80, name: string = this.name): HttpService {
    const old = this.service('tcp', port);
    if (old) throw new Error(`${this.name} already has a tcp service on port ${port}`);
    const s = new HttpService(this, port, name);
    this.services.push(s);
    s.start();
    return s;
  }

  /** Runs a UDP echo service on `port`. */
  serveUdpEcho(port = 161): UdpEchoService {
    const old = this.service('udp', port);
    if (old) throw new Error(`${this.name} already has a udp service on port ${port}`);
    const s = new UdpEchoService(this, port);
    this.services.push(s);
    s.start();
    return s;
  }

  /**
   * Starts or stops the service on a port; starting a port without one creates it (HTTP for
   * TCP, echo for UDP). Returns the service, or null when stopping a port that has none.
   */
  setService(proto: ServiceProto, port: number, up: boolean): Service | null {
    const s = this.service(proto, port);
    if (!s) {
      if (!up) return null;
      return proto === 'tcp' ? this.serveHttp(port) : this.serveUdpEcho(port);
    }
    if (up) s.start();
    else s.stop();
    return s;
  }

  // ---- clients ----

  ping(dst: string | Ipv4, opts?: PingOptions): Promise<PingResult> {
    return this.icmp.ping(toIp(dst), opts);
  }

  httpGet(target: HttpTarget | string, opts?: HttpGetOptions): Promise<HttpResult> {
    const t: HttpTarget = typeof target === 'string' ? { addr: toIp(target), port: 80, path: '/' } : target;
    return httpGet(this, t, opts);
  }

  udpRequest(dst: string | Ipv4, port: number, payload: Uint8Array | string = '', timeoutMs?: number): Promise<UdpResult> {
    return this.udp.request(toIp(dst), port, payload, timeoutMs);
  }
}
