// ARP with Linux semantics: a neighbour table per interface, requests retried every second
// (3 tries), packets queued while resolving, and the two sysctls the seed sets:
//  - arp_ignore=1: answer only for addresses configured on the receiving interface (so a VIP
//    on `lo` is never answered); 0 answers for any local address;
//  - arp_announce=2: the sender address of a request is the outgoing interface's address on
//    the target's subnet, never another local address (like the VIP a reply comes from).

import { BROADCAST_MAC, prefixContains, type Ipv4, type Mac } from '../../net/addr.js';
import { ARP_LEN, ARP_REPLY, ARP_REQUEST, writeArp } from '../../packet/arp.js';
import { readU32 } from '../../packet/bytes.js';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4 } from '../../packet/ethernet.js';
import type { PacketMeta } from '../../packet/meta.js';
import type { Clock, Timer } from '../../util/clock.js';
import type { Nic } from './nic.js';

export type ArpIgnore = 0 | 1;
export type ArpAnnounce = 0 | 1 | 2;

interface Pending {
  readonly packet: Uint8Array;
  readonly srcMac: Mac;
  readonly onFail: (() => void) | undefined;
}

export interface Neighbor {
  readonly ip: Ipv4;
  readonly nic: Nic;
  mac: Mac | null;
  state: 'incomplete' | 'reachable';
  /** Clock time of the last confirmation. */
  updated: number;
  queue: Pending[];
  tries: number;
  timer: Timer | null;
}

/** What ARP needs from its host. */
export interface ArpHost {
  readonly clock: Clock;
  isLocal(a: number): boolean;
}

const QUEUE_LIMIT = 64;

export class ArpLayer {
  ignore: ArpIgnore = 0;
  announce: ArpAnnounce = 0;
  /** How long an entry stays usable without being confirmed again. */
  lifetimeMs = 60_000;
  retryMs = 1000;
  tries = 3;
  private readonly table = new Map<string, Neighbor>();
  requestsSent = 0;
  repliesSent = 0;

  constructor(private readonly host: ArpHost) {}

  private key(nic: Nic, ip: number): string {
    return `${nic.name}/${ip >>> 0}`;
  }

  /** The resolved MAC of `ip` on `nic`, or null. */
  lookup(nic: Nic, ip: number): Mac | null {
    const e = this.table.get(this.key(nic, ip));
    if (!e || e.state !== 'reachable' || this.host.clock.now() - e.updated > this.lifetimeMs) return null;
    return e.mac;
  }

  neighbors(): Neighbor[] {
    return [...this.table.values()];
  }

  /** Forgets everything (or one address). */
  flush(ip?: number): void {
    for (const [k, e] of this.table) {
      if (ip === undefined || e.ip === ip >>> 0) {
        e.timer?.cancel();
        this.table.delete(k);
      }
    }
  }

  /**
   * Sends the IPv4 packet out of `nic` to the next hop `nextHop`, resolving it first if needed.
   * `onFail` runs when resolution fails (the packet is dropped).
   */
  output(nic: Nic, nextHop: number, packet: Uint8Array, srcMac: Mac, onFail?: () => void): void {
    if (nic.isBroadcast(nextHop)) {
      nic.send(BROADCAST_MAC, srcMac, ETHERTYPE_IPV4, packet);
      return;
    }
    const mac = this.lookup(nic, nextHop);
    if (mac !== null) {
      nic.send(mac, srcMac, ETHERTYPE_IPV4, packet);
      return;
    }
    const k = this.key(nic, nextHop);
    let e = this.table.get(k);
    if (!e || e.state === 'reachable') {
      e = { ip: (nextHop >>> 0) as Ipv4, nic, mac: null, state: 'incomplete', updated: 0, queue: [], tries: 0, timer: null };
      this.table.set(k, e);
    }
    if (e.queue.length >= QUEUE_LIMIT) e.queue.shift()?.onFail?.();
    e.queue.push({ packet, srcMac, onFail });
    if (e.timer === null) this.solicit(e);
  }

  private solicit(e: Neighbor): void {
    if (e.tries >= this.tries) {
      this.table.delete(this.key(e.nic, e.ip));
      e.timer = null;
      const q = e.queue;
      e.queue = [];
      for (const p of q) p.onFail?.();
      return;
    }
    e.tries++;
    const first = e.queue[0];
    const spa = this.senderAddress(e.nic, e.ip, first ? readU32(first.packet, 12) : 0);
    const arp = new Uint8Array(ARP_LEN);
    writeArp(arp, 0, ARP_REQUEST, e.nic.mac, spa, 0, e.ip);
    this.requestsSent++;
    e.nic.send(BROADCAST_MAC, e.nic.mac, ETHERTYPE_ARP, arp);
    e.timer = this.host.clock.setTimeout(() => this.solicit(e), this.retryMs);
  }

  /** The sender protocol address of a request for `target`, by arp_announce. */
  private senderAddress(nic: Nic, target: number, packetSrc: number): number {
    if (this.announce === 0 && packetSrc !== 0 && this.host.isLocal(packetSrc)) return packetSrc;
    if (this.announce === 1 && nic.addrs.some((p) => p.len < 32 && p.addr === packetSrc && prefixContains(p, target))) {
      return packetSrc;
    }
    return nic.addressFor(target) ?? 0;
  }

  /** Handles a received ARP packet (already decoded into `m`). */
  receive(nic: Nic, m: PacketMeta): void {
    const now = this.host.clock.now();
    const spa = m.arpSpa;
    const existing = this.table.get(this.key(nic, spa));
    const forUs = m.arpOp === ARP_REQUEST && spa !== 0 && this.owns(nic, m.arpTpa);
    // Linux updates an existing entry from any ARP, and creates one from a request for us
    // (and from a reply, which answers an incomplete entry it created).
    if (spa !== 0 && (existing || forUs)) this.learn(nic, spa, m.arpSha, now);
    if (forUs) {
      const arp = new Uint8Array(ARP_LEN);
      writeArp(arp, 0, ARP_REPLY, nic.mac, m.arpTpa, m.arpSha, spa);
      this.repliesSent++;
      nic.send(m.arpSha, nic.mac, ETHERTYPE_ARP, arp);
    }
  }

  /** Whether this host answers a request for `tpa` received on `nic`, by arp_ignore. */
  owns(nic: Nic, tpa: number): boolean {
    if (this.ignore === 1) return nic.hasAddress(tpa);
    return this.host.isLocal(tpa) && (tpa >>> 24) !== 127;
  }

  private learn(nic: Nic, ip: Ipv4, mac: Mac, now: number): void {
    const k = this.key(nic, ip);
    let e = this.table.get(k);
    if (!e) {
      e = { ip, nic, mac, state: 'reachable', updated: now, queue: [], tries: 0, timer: null };
      this.table.set(k, e);
      return;
    }
    e.mac = mac;
    e.state = 'reachable';
    e.updated = now;
    e.tries = 0;
    e.timer?.cancel();
    e.timer = null;
    const q = e.queue;
    e.queue = [];
    for (const p of q) nic.send(mac, p.srcMac, ETHERTYPE_IPV4, p.packet);
  }
}
