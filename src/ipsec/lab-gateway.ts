// pask's IPsec on a lab host: the lab's Azure gateway (file 003) terminates the tunnel with the
// same IKE daemon and ESP as the appliance. The host gets a `vti0` interface (a NIC whose link
// leads into the IPsec service: it answers the host's ARP for anything and encrypts what the
// host routes into it) and, while a CHILD SA is up, routes to the networks behind the peer
// through it; otherwise those destinations take the host's ordinary routes.
//
// Like strongSwan's kernel-libipsec, it carries ESP only inside UDP 4500 (the lab host has no
// raw protocol 50): its peer settings force the encapsulation.

import { formatIpv4, type Ipv4, type Mac, type Prefix } from '../net/addr.js';
import { ARP_REPLY, ARP_REQUEST, writeArp } from '../packet/arp.js';
import { readU16, readU32 } from '../packet/bytes.js';
import { ETH_HEADER_LEN, ETHERTYPE_ARP, ETHERTYPE_IPV4, writeEthernet } from '../packet/ethernet.js';
import type { IpsecConfig } from '../config/ipsec.js';
import type { RunningConfig } from '../config/model.js';
import type { TunnelEndpoint } from '../engine/interfaces.js';
import type { Host } from '../lab/host/host.js';
import type { LinkAttachable, LinkEnd } from '../lab/link.js';
import type { LabWorld } from '../lab/world.js';
import type { IkeSeverity } from './ike/daemon.js';
import { IpsecService, type IpsecPlatform } from './service.js';

/** The MAC the vti0 link answers ARP with (and sends decrypted packets from). */
const TUNNEL_MAC = 0x0200a9fe00ff as Mac;

/** The far end of a lab host's vti0: ARP for anything, IPv4 into the tunnel endpoint. */
class LabVtiLink implements LinkAttachable {
  readonly label: string;
  private end: LinkEnd | null = null;
  endpoint: TunnelEndpoint | null = null;

  constructor(host: Host, private readonly nicMac: Mac) {
    this.label = `${host.name}.vti0-link`;
  }

  plug(end: LinkEnd): void {
    this.end = end;
    end.rx = (frame, len) => this.fromHost(frame, len);
  }

  private fromHost(f: Uint8Array, len: number): void {
    if (len < ETH_HEADER_LEN) return;
    const type = readU16(f, 12);
    if (type === ETHERTYPE_ARP && len >= ETH_HEADER_LEN + 28 && readU16(f, ETH_HEADER_LEN + 6) === ARP_REQUEST) {
      const spa = readU32(f, ETH_HEADER_LEN + 14), tpa = readU32(f, ETH_HEADER_LEN + 24);
      const r = new Uint8Array(ETH_HEADER_LEN + 28);
      writeEthernet(r, 0, this.nicMac, TUNNEL_MAC, ETHERTYPE_ARP);
      writeArp(r, ETH_HEADER_LEN, ARP_REPLY, TUNNEL_MAC, tpa, this.nicMac, spa);
      this.end?.send(r, r.length);
      return;
    }
    if (type === ETHERTYPE_IPV4 && this.endpoint) this.endpoint.transmit(f, ETH_HEADER_LEN, len - ETH_HEADER_LEN, 0);
  }

  /** A decrypted packet, handed to the host as received on vti0. */
  deliver(buf: Uint8Array, off: number, len: number): void {
    const f = new Uint8Array(ETH_HEADER_LEN + len);
    writeEthernet(f, 0, this.nicMac, TUNNEL_MAC, ETHERTYPE_IPV4);
    f.set(buf.subarray(off, off + len), ETH_HEADER_LEN);
    this.end?.send(f, f.length);
  }
}

export interface LabIpsecOptions {
  /** The host's IPsec configuration (its secrets in clear: a lab's). */
  readonly ipsec: IpsecConfig;
  /** vti0's address, e.g. 169.254.0.31/24, and the next hop routes into it use. */
  readonly vtiAddress: Prefix;
  readonly vtiNextHop: Ipv4;
  /** Networks routed into vti0 while a CHILD SA is up. */
  readonly routes: readonly Prefix[];
  readonly log?: (severity: IkeSeverity, text: string) => void;
}

/** Runs pask's IPsec on lab host `host` of `world`; returns the service. */
export function startLabIpsec(world: LabWorld, host: Host, opts: LabIpsecOptions): IpsecService {
  let link: LabVtiLink | null = null;
  const nicMac = (0x0200a9fe0000 + (host.nics.length & 0xff)) as Mac;
  const sockets = new Map<number, () => void>();
  const platform: IpsecPlatform = {
    clock: host.clock,
    sourceFor: (dst) => host.ip.route(dst)?.src ?? null,
    udp(port, on) {
      if (host.udp.isBound(port)) return null;
      const unbind = host.udp.bind(port, { onMessage: (d) => on(d.src, d.dst, d.sport, d.payload) });
      sockets.set(port, unbind);
      return { send: (src, dst, dport, data) => host.udp.send(src, port, dst, dport, data), close: () => unbind() };
    },
    raw: () => ({ close: () => {} }),
    sendIpv4: (packet, len) => host.ip.send(packet.slice(0, len)),
    nextIpId: () => 0,
    addTunnel(name, endpoint) {
      const nic = host.addNic(name, nicMac, [opts.vtiAddress]);
      link = new LabVtiLink(host, nicMac);
      link.endpoint = endpoint;
      world.connect(nic, link, 0);
      return 0;
    },
    updateTunnel: () => {},
    removeTunnel: () => {},
    inject: (_idx, buf, off, len) => link?.deliver(buf, off, len),
  };
  const log = opts.log ?? (() => {});
  const service = new IpsecService(platform, log, (s) => ({ ok: true, secret: new TextEncoder().encode(s) }), { maxRetryMs: 10_000 });
  const peer = opts.ipsec.peers[0]!.addr;
  let routed = false;
  service.daemon.onChildChange = () => {
    const want = service.daemon.outbound(peer) !== null;
    if (want === routed) return;
    routed = want;
    for (const r of opts.routes) {
      if (want) host.addRoute(r, opts.vtiNextHop);
      else host.ip.removeRoute(r);
    }
    log('info', `routes ${opts.routes.map((r) => `${formatIpv4(r.addr)}/${r.len}`).join(', ')} ${want ? 'into vti0' : 'back to the routed path'}`);
  };
  service.configure({ ipsec: opts.ipsec } as RunningConfig);
  return service;
}

/** The lab Azure gateway's pre-shared key (the one scripts/cli-contract.md's scenario 003 types on pask). */
export const LAB_AZURE_SECRET = 'Azure-Shared-Key-1';

/**
 * File 003's Azure side on lab host `host` (192.0.2.1): IKEv2 AES-256/SHA1/DH 2, 28800 s; ESP
 * AES-256/SHA1, 27000 s, no PFS; it initiates toward the EdgeRouter 203.0.113.1 and keeps trying;
 * vti0 169.254.0.31/24 carries 192.168.1.0/24 while the tunnel is up.
 */
export function startAzureIpsec(world: LabWorld, host: Host, log?: (severity: IkeSeverity, text: string) => void): IpsecService {
  const ipsec: IpsecConfig = {
    ikeGroups: [{ name: 'azure', proposals: [{ id: 1, encryption: 'aes256', hash: 'sha1', dhGroup: 2 }], lifetime: 28800, keyExchange: 'ikev2',
      dpd: { interval: 15, timeout: 45, action: 'restart' } }],
    espGroups: [{ name: 'azure', proposals: [{ id: 1, encryption: 'aes256', hash: 'sha1' }], lifetime: 27000, pfs: 'disable', mode: 'tunnel' }],
    vtis: [{ name: 'vti0', address: null, mtu: null, description: '' }],
    peers: [{
      addr: 0xcb007101 as Ipv4, description: 'EdgeRouter', localAddress: 0xc0000201 as Ipv4, ikeGroup: 'azure', secret: LAB_AZURE_SECRET,
      connectionType: 'initiate', forceEncapsulation: true, vti: { bind: 'vti0', espGroup: 'azure' }, tunnels: [],
    }],
    mssClamp: null,
    autoFirewallNatExclude: false,
  };
  return startLabIpsec(world, host, {
    ipsec, vtiAddress: { addr: 0xa9fe001f as Ipv4, len: 24 }, vtiNextHop: 0xa9fe001e as Ipv4,
    routes: [{ addr: 0xc0a80100 as Ipv4, len: 24 }], ...(log ? { log } : {}),
  });
}
