// A host's network interface: a MAC, IPv4 addresses, and the link it is plugged into.
// The loopback interface `lo` is a Nic without a link.

import { BROADCAST_MAC, broadcastOf, isMulticastMac, prefixContains, type Ipv4, type Mac, type Prefix } from '../../net/addr.js';
import { ETH_HEADER_LEN, VLAN_TAG_LEN, writeEthernet } from '../../packet/ethernet.js';
import type { LinkAttachable, LinkEnd } from '../link.js';

/** What a Nic hands received frames to. */
export interface FrameReceiver {
  receiveFrame(nic: Nic, frame: Uint8Array, len: number): void;
}

export class Nic implements LinkAttachable {
  readonly addrs: Prefix[] = [];
  end: LinkEnd | null = null;
  /** Source MAC of the IPv4 frames sent out of this interface (default: its MAC). */
  txMac: Mac;
  /**
   * Source MAC of frames forwarded out of this interface that came in on the named interface
   * (a router pair behind one VRRP address: which physical box forwarded it).
   */
  readonly txMacByIngress = new Map<string, Mac>();
  /** Send and accept only frames tagged with this VLAN (-1: untagged). */
  vlan = -1;
  /** Accept frames for any destination MAC. */
  promiscuous = false;
  rxFrames = 0;
  txFrames = 0;

  constructor(
    private readonly owner: FrameReceiver & { readonly name: string },
    readonly name: string,
    readonly mac: Mac,
    readonly loopback = false,
  ) {
    this.txMac = mac;
  }

  get label(): string {
    return `${this.owner.name}.${this.name}`;
  }

  plug(end: LinkEnd): void {
    this.end = end;
    end.rx = (frame, len) => this.owner.receiveFrame(this, frame, len);
  }

  /** The first address (Linux's primary address), or null. */
  primary(): Ipv4 | null {
    return this.addrs[0]?.addr ?? null;
  }

  /** The address of this interface on the subnet of `dst`, else the primary one. */
  addressFor(dst: number): Ipv4 | null {
    for (const p of this.addrs) if (p.len < 32 && prefixContains(p, dst)) return p.addr;
    return this.primary();
  }

  hasAddress(a: number): boolean {
    return this.addrs.some((p) => p.addr === a);
  }

  /** A broadcast address of one of this interface's subnets, or 255.255.255.255. */
  isBroadcast(a: number): boolean {
    if (a >>> 0 === 0xffffffff) return true;
    return this.addrs.some((p) => p.len < 31 && broadcastOf(p) === a >>> 0);
  }

  /**
   * Frames it takes: to its MAC, broadcast/multicast, and to the MACs it sends from (a VRRP
   * pair's physical routers also take frames to their own MACs).
   */
  accepts(dst: Mac): boolean {
    if (this.promiscuous || dst === this.mac || dst === BROADCAST_MAC || isMulticastMac(dst) || dst === this.txMac) return true;
    for (const m of this.txMacByIngress.values()) if (m === dst) return true;
    return false;
  }

  /** Sends `payload` in an Ethernet frame (tagged when `vlan` is set). */
  send(dstMac: number, srcMac: number, etherType: number, payload: Uint8Array): void {
    if (!this.end) return;
    const l2 = this.vlan >= 0 ? ETH_HEADER_LEN + VLAN_TAG_LEN : ETH_HEADER_LEN;
    const frame = new Uint8Array(Math.max(60, l2 + payload.length));
    writeEthernet(frame, 0, dstMac, srcMac, etherType, this.vlan);
    frame.set(payload, l2);
    this.txFrames++;
    this.end.send(frame, frame.length);
  }

  /** Sends a complete frame as it is. */
  sendRaw(frame: Uint8Array, len = frame.length): void {
    if (!this.end) return;
    this.txFrames++;
    this.end.send(frame, len);
  }
}
