// The L3 stage: ARP (answers for interface addresses and VIPs, learning), IPv4 input (VIP
// traffic to the SLB stage, packets for the appliance to local delivery, replies of SLB
// sessions back to the SLB stage, the rest routed with TTL decrement), local delivery to the
// ProbeIo listeners (or the answers of a host: echo reply, RST, ICMP unreachable), and L3
// output: next-hop ARP resolution with a bounded pending queue, then the port stage.

import { TokenBucket } from './rate-limit.js';
import type { ListenFilter, LocalPacket } from '../health/probe-io.js';
import { BROADCAST_MAC, isMulticastMac } from '../net/addr.js';
import { ARP_REPLY, ARP_REQUEST, writeArp } from '../packet/arp.js';
import { copyBytes } from '../packet/bytes.js';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4 } from '../packet/ethernet.js';
import {
  ICMP_DEST_UNREACH, ICMP_ECHO_REPLY, ICMP_PROTO_UNREACH, ICMP_ECHO_REQUEST, ICMP_NET_UNREACH, ICMP_PORT_UNREACH, ICMP_TIME_EXCEEDED,
  ICMP_TTL_EXCEEDED, isIcmpError, setIcmpRest,
} from '../packet/icmp.js';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, IPV4_HEADER_LEN } from '../packet/ipv4.js';
import { DropReason, InnerKind, type PacketMeta } from '../packet/meta.js';
import { decrementTtl } from '../packet/rewrite.js';
import { TCP_RST } from '../packet/tcp.js';
import { ARP_RETRY_MS, ARP_VALID, ArpState, type ArpEntry, type PendingPacket } from './arp.js';
import type { EngineContext } from './context.js';
import type { Interface } from './interfaces.js';
import { shiftMeta } from './nat.js';
import { HEADROOM } from './pool.js';
import { writeEchoReply, writeIcmpErrorPacket, writeRst } from './reply.js';
import { dirOf, sidOf } from './session/index.js';
import { flowHash } from './lb/hash.js';
import { EngineDrop } from './stats.js';

export type { ListenFilter };
export type LocalHandler = (p: LocalPacket) => void;

/** The listener key of a raw IP protocol (above every TCP/UDP/ICMP key). */
function rawKey(proto: number): number {
  return 0x1000000 | (proto & 0xff);
}

export class L3Stage {
  private readonly listeners = new Map<number, LocalHandler[]>();
  private readonly icmpErrorListeners: LocalHandler[] = [];

  /** Answers the appliance generates itself are rate-limited (see rate-limit.ts). */
  private readonly icmpBucket = new TokenBucket(1000, 50);
  private readonly rstBucket = new TokenBucket(1000, 50);

  constructor(private readonly dp: EngineContext) {}

  // ===================================================================== input

  /** A frame for the appliance (or a broadcast ARP/IPv4) in VLAN `vid`. */
  input(port: number, vid: number, frame: Uint8Array, m: PacketMeta, r: number, l2bcast: boolean, now: number): void {
    const dp = this.dp;
    const ifIdx = dp.ifs.byVid[vid]!;
    if (ifIdx < 0) {
      if (!l2bcast) dp.drop(EngineDrop.NO_INTERFACE);
      return;
    }
    const c = dp.ifs.list[ifIdx]!.counters;
    c.rxPackets++;
    c.rxBytes += m.len;
    if (r !== DropReason.OK) {
      dp.drop(r);
      return;
    }
    if (m.etherType === ETHERTYPE_ARP) {
      this.arpInput(port, vid, ifIdx, m, now);
      return;
    }
    if (m.etherType !== ETHERTYPE_IPV4) {
      dp.drop(EngineDrop.UNSUPPORTED_ETHERTYPE);
      return;
    }
    this.ipInput(port, vid, ifIdx, frame, m, l2bcast, now);
  }

  private arpInput(port: number, vid: number, ifIdx: number, m: PacketMeta, now: number): void {
    const dp = this.dp;
    const iface = dp.ifs.list[ifIdx]!;
    const spa = m.arpSpa >>> 0, tpa = m.arpTpa >>> 0, sha = m.arpSha;
    const forUs = iface.hasAddr && tpa === iface.addr;
    const forVip = !forUs && dp.slb.answersArpFor(tpa, ifIdx);
    // A neighbour on the interface's subnet, or one the appliance asked for itself (an interface
    // route's destination need not be on the subnet).
    const asked = dp.arp.get(spa)?.ifIdx === ifIdx;
    if (spa !== 0 && !isMulticastMac(sha) && sha !== 0 && iface.hasAddr && (iface.onLink(spa) || asked) && spa !== iface.addr) {
      // New entries only for neighbours talking to us; gratuitous/unsolicited ARP updates existing ones.
      // Only a reply to the appliance's MAC proves the neighbour reachable (Linux).
      const e = dp.arp.learn(spa, sha, ifIdx, port, now, forUs || forVip, m.arpOp === ARP_REPLY && m.dstMac === dp.baseMac);
      if (e !== null) {
        if (!dp.timerArmed) dp.arm();
        if (e.queue.length !== 0) this.releasePending(e);
      }
    }
    if (m.arpOp === ARP_REQUEST && (forUs || forVip)) {
      const b = dp.arpOut;
      writeArp(b, HEADROOM, ARP_REPLY, dp.baseMac, tpa, sha, spa);
      dp.ports.txL2(port, b, HEADROOM, 28, vid, m.srcMac, ETHERTYPE_ARP);
      dp.stats.arpRepliesSent++;
    }
  }

  /**
   * An IPv4 packet received on interface `ifIdx` (through `port`, in VLAN `vid`; -1 for a
   * packet re-injected on a loopback or tunnel interface): filtered, then to SLB, local
   * delivery or routing.
   */
  ipInput(port: number, vid: number, ifIdx: number, frame: Uint8Array, m: PacketMeta, l2bcast: boolean, now: number): void {
    const dp = this.dp;
    const src = m.ipSrc >>> 0, dst = m.ipDst >>> 0;
    if (src === 0 || src === 0xffffffff || (src >>> 28) === 0xe || (dp.ifs.isOwn(src) && !this.looped(vid, ifIdx))) {
      dp.drop(EngineDrop.MARTIAN);
      return;
    }
    // An ICMP error quoting a packet of a NAT session follows the session, translated (to the
    // client from the real's side, to the real from the client's, addressed to the VIP); any
    // other error goes on below as before (local errors reach the icmp-error listeners).
    if (m.innerKind === InnerKind.ICMP_QUOTE && !l2bcast && dp.sessions.size !== 0 && dp.slbStage.relatedIcmp(frame, m, now)) {
      return;
    }
    if (dp.slb.vipIndex(dst) >= 0) {
      if (l2bcast) {
        dp.drop(EngineDrop.IGNORED);
        return;
      }
      dp.slbStage.input(port, vid, frame, m, now);
      return;
    }
    if ((dst >>> 28) === 0xe && dp.groups.has(dst)) {
      // A multicast group the appliance joined (a control-plane protocol listens).
      this.localInput(port, frame, m, EngineDrop.NO_LISTENER);
      return;
    }
    if (l2bcast || (dst >>> 28) === 0xe || dp.ifs.isBroadcast(dst)) {
      dp.drop(EngineDrop.IGNORED);
      return;
    }
    if (dp.ifs.isOwn(dst)) {
      this.localInput(port, frame, m, EngineDrop.NO_LISTENER);
      return;
    }
    // Transit. A reply of an SLB session (NAT, or DSR replies that happen to pass) follows its session.
    const proto = m.proto;
    if (dp.sessions.size !== 0 && (proto === IPPROTO_TCP || proto === IPPROTO_UDP) && m.fragOffset === 0) {
      const ref = dp.sessions.lookup(now, proto, src, m.sport, dst, m.dport);
      if (ref >= 0 && dirOf(ref) === 1) {
        dp.slbStage.reply(sidOf(ref), frame, m, now);
        return;
      }
    }
    // Routed traffic a gateway load balancer (nat-mode geneve) sends through an appliance first.
    if (dp.slbStage.geneve.active && dp.slbStage.geneve.steer(frame, m, now)) return;
    this.forward(ifIdx, frame, m);
  }

  /** Routes a transit packet: TTL decrement (ICMP time exceeded at 0), route lookup (ICMP net unreachable when none). */
  forward(inIf: number, frame: Uint8Array, m: PacketMeta): void {
    const dp = this.dp;
    if (m.ttl <= 1) {
      dp.drop(EngineDrop.TTL_EXCEEDED);
      this.sendIcmpError(inIf, ICMP_TIME_EXCEEDED, ICMP_TTL_EXCEEDED, frame, m);
      return;
    }
    const dst = m.ipDst >>> 0;
    const nh = dp.route(dst, flowHash(m.proto, m.ipSrc >>> 0, m.sport, dst, m.dport));
    if (nh < 0) {
      dp.drop(EngineDrop.NO_ROUTE);
      this.sendIcmpError(inIf, ICMP_DEST_UNREACH, ICMP_NET_UNREACH, frame, m);
      return;
    }
    const out = dp.out, len = m.l3End - m.l3Off;
    copyBytes(out, HEADROOM, frame, m.l3Off, len);
    shiftMeta(m, HEADROOM - m.l3Off);
    decrementTtl(out, m);
    dp.stats.routed++;
    this.output(out, HEADROOM, len, dp.nhIf(nh), dp.nhAddr(nh, dst));
  }

  // ===================================================================== local delivery

  /**
   * A packet for the appliance itself (an interface address, or a VIP that SLB does not take):
   * ICMP echo is answered; TCP/UDP go to the listeners by local port, or get what a host
   * answers (RST, ICMP port unreachable) counted as `reason`; ICMP echo replies and errors go
   * to the listeners.
   */
  localInput(port: number, frame: Uint8Array, m: PacketMeta, reason: number): void {
    const dp = this.dp;
    dp.stats.local++;
    const proto = m.proto;
    if (proto === IPPROTO_ICMP) {
      if (m.fragOffset !== 0 || m.moreFragments) {
        dp.drop(EngineDrop.FRAGMENT);
        return;
      }
      const t = m.icmpType;
      if (t === ICMP_ECHO_REQUEST) {
        this.sendEchoReply(frame, m);
        return;
      }
      if (t === ICMP_ECHO_REPLY) {
        if (!this.deliver(this.listeners.get(0x10000 | m.icmpId), port, frame, m)) dp.drop(EngineDrop.NO_LISTENER);
        return;
      }
      if (isIcmpError(t)) {
        if (!this.deliver(this.icmpErrorListeners, port, frame, m)) dp.drop(EngineDrop.NO_LISTENER);
        return;
      }
      dp.drop(EngineDrop.IGNORED);
      return;
    }
    if (proto === IPPROTO_TCP || proto === IPPROTO_UDP) {
      if (m.fragOffset !== 0) {
        dp.drop(EngineDrop.FRAGMENT);
        return;
      }
      if (this.deliver(this.listeners.get((proto << 16) | m.dport), port, frame, m)) return;
      dp.drop(reason);
      if (!this.multicast(m)) this.answerAsHost(frame, m);
      return;
    }
    if (!this.deliver(this.listeners.get(rawKey(proto)), port, frame, m)) {
      dp.drop(EngineDrop.NO_LISTENER);
      if (!this.multicast(m)) this.sendIcmpError(-1, ICMP_DEST_UNREACH, ICMP_PROTO_UNREACH, frame, m, m.ipDst >>> 0);
    }
  }

  private multicast(m: PacketMeta): boolean {
    return (m.ipDst >>> 28) === 0xe;
  }

  /** What a host answers to a segment/datagram for a closed port: RST for TCP (not for a RST), ICMP port unreachable for UDP. */
  answerAsHost(frame: Uint8Array, m: PacketMeta): void {
    if (m.proto === IPPROTO_TCP) {
      if ((m.tcpFlags & TCP_RST) === 0) this.sendRst(m);
    } else if (m.proto === IPPROTO_UDP) {
      this.sendIcmpError(-1, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, frame, m, m.ipDst >>> 0);
    }
  }

  private deliver(hs: LocalHandler[] | undefined, port: number, frame: Uint8Array, m: PacketMeta): boolean {
    if (hs === undefined || hs.length === 0) return false;
    const p: LocalPacket = { frame, len: m.len, meta: m, port };
    for (const h of hs.slice()) {
      try {
        h(p);
      } catch (e) {
        this.dp.internalError(e);
      }
    }
    return true;
  }

  /** ProbeIo.listen. */
  listen(filter: ListenFilter, handler: LocalHandler): () => void {
    let list: LocalHandler[];
    if (filter.proto === 'icmp-error') list = this.icmpErrorListeners;
    else {
      const key = filter.proto === 'raw' ? rawKey(filter.ipProto) : filter.proto === 1 ? 0x10000 | (filter.icmpId & 0xffff) :
        (filter.proto << 16) | (filter.localPort & 0xffff);
      let l = this.listeners.get(key);
      if (l === undefined) {
        l = [];
        this.listeners.set(key, l);
      }
      list = l;
    }
    list.push(handler);
    return () => {
      const i = list.indexOf(handler);
      if (i >= 0) list.splice(i, 1);
    };
  }

  // ===================================================================== output

  /**
   * Sends the IPv4 packet buf[off, off+len) (off >= HEADROOM) to next hop `nh` on interface
   * `ifIdx`: ARP-resolved (queued while resolving), then out of the port behind the MAC or
   * flooded in the interface's VLAN. May move the packet within `buf`.
   */
  output(buf: Uint8Array, off: number, len: number, ifIdx: number, nh: number): void {
    const dp = this.dp;
    const iface = dp.ifs.list[ifIdx];
    if (iface === undefined || !iface.up) {
      dp.drop(EngineDrop.NO_ROUTE);
      return;
    }
    const c = iface.counters;
    c.txPackets++;
    c.txBytes += len;
    if (iface.kind === 'loopback') {
      this.loopback(iface, buf, off, len);
      return;
    }
    if (iface.kind === 'tunnel') {
      if (iface.tunnel === null || !iface.tunnel.transmit(buf, off, len, nh)) {
        c.drops++;
        dp.drop(EngineDrop.NO_ROUTE);
      }
      return;
    }
    let e = dp.arp.get(nh);
    if (e !== undefined && (e.state & ARP_VALID) !== 0) {
      if (e.state === ArpState.STALE) dp.arp.used(e, dp.clock.now());
      dp.ports.emit(buf, off, len, iface.vid, e.mac, ETHERTYPE_IPV4);
      return;
    }
    if (e === undefined || e.state === ArpState.FAILED) {
      const now = dp.clock.now();
      e = dp.arp.createIncomplete(nh, ifIdx, now);
      if (!dp.arp.enqueue(e, buf, off, len)) dp.drop(EngineDrop.ARP_QUEUE_FULL);
      e.tries = 1;
      e.nextTry = now + ARP_RETRY_MS;
      this.sendArpRequest(ifIdx, nh);
      dp.arm();
      return;
    }
    if (!dp.arp.enqueue(e, buf, off, len)) dp.drop(EngineDrop.ARP_QUEUE_FULL);
  }

  /**
   * Output to a loopback interface: the packet comes back in as received on it. Only packets
   * for the appliance's own addresses are looped (anything else routed to a loopback's subnet
   * has nowhere to go and would loop forever).
   */
  private loopback(iface: Interface, buf: Uint8Array, off: number, len: number): void {
    const dp = this.dp;
    const dst = ((buf[off + 16]! << 24) | (buf[off + 17]! << 16) | (buf[off + 18]! << 8) | buf[off + 19]!) >>> 0;
    if (!dp.ifs.isOwn(dst)) {
      iface.counters.drops++;
      dp.drop(EngineDrop.NO_ROUTE);
      return;
    }
    dp.inject(iface.idx, buf, off, len);
  }

  /**
   * A packet the appliance sends to one of its own addresses (its ping to itself, and the
   * answer): it comes back in as received on the interface owning the address, after the
   * current packet, as Linux delivers through `lo`. Never onto a wire.
   */
  loopLocal(buf: Uint8Array, off: number, len: number, dst: number): boolean {
    const dp = this.dp;
    const iface = dp.ifs.list[dp.ifs.ownerOf(dst)];
    if (iface === undefined || !iface.up) return false;
    iface.counters.txPackets++;
    iface.counters.txBytes += len;
    dp.inject(iface.idx, buf, off, len);
    return true;
  }

  /**
   * Whether a packet came back in through loopLocal or a loopback interface (re-injected,
   * not from a wire or a tunnel): only such a packet may carry one of the appliance's own
   * addresses as its source.
   */
  private looped(vid: number, ifIdx: number): boolean {
    return vid === -1 && this.dp.ifs.list[ifIdx]?.kind !== 'tunnel';
  }

  /** An ARP request for `target`: broadcast, or unicast to `dstMac` (a neighbour's probe). */
  sendArpRequest(ifIdx: number, target: number, dstMac: number = BROADCAST_MAC): void {
    const dp = this.dp;
    const iface = dp.ifs.list[ifIdx];
    if (iface === undefined || !iface.hasAddr || iface.kind !== 'vlan') return;
    const b = dp.arpOut;
    writeArp(b, HEADROOM, ARP_REQUEST, dp.baseMac, iface.addr, 0, target);
    dp.ports.emit(b, HEADROOM, 28, iface.vid, dstMac, ETHERTYPE_ARP);
    dp.stats.arpRequestsSent++;
  }

  /** Sends the packets that waited for `e` (now complete). */
  releasePending(e: ArpEntry): void {
    const dp = this.dp;
    const iface = dp.ifs.list[e.ifIdx];
    for (const p of e.queue.splice(0)) {
      if (iface !== undefined) dp.ports.emit(p.buf, HEADROOM, p.len, iface.vid, e.mac, ETHERTYPE_IPV4);
      dp.arp.releaseBuffer(p);
    }
  }

  dropPending(list: PendingPacket[], reason: number): void {
    for (const p of list) {
      this.dp.drop(reason);
      this.dp.arp.releaseBuffer(p);
    }
  }

  /**
   * Routes a packet the appliance originates (built in `dp.out` at HEADROOM) to `dst`.
   * Nothing is sent to one of its own addresses or VIPs (a server answering from the VIP, as
   * DSR servers do, cannot be reached at that address).
   */
  private sendLocal(len: number, dst: number): boolean {
    const dp = this.dp;
    if (dp.slb.vipIndex(dst) >= 0) return false;
    if (dp.ifs.isOwn(dst)) return this.loopLocal(dp.out, HEADROOM, len, dst);
    const nh = dp.routeLocal(dst);
    if (nh < 0) return false;
    this.output(dp.out, HEADROOM, len, dp.nhIf(nh), dp.nhAddr(nh, dst));
    return true;
  }

  sendRst(m: PacketMeta): void {
    if (!this.rstBucket.take(this.dp.clock.now())) {
      this.dp.stats.rateLimited++;
      return;
    }
    const n = writeRst(this.dp.out, HEADROOM, m, 0);
    if (this.sendLocal(n, m.ipSrc >>> 0)) this.dp.stats.rstSent++;
  }

  private sendEchoReply(frame: Uint8Array, m: PacketMeta): void {
    const n = writeEchoReply(this.dp.out, HEADROOM, frame, m, this.dp.nextIpId());
    this.sendLocal(n, m.ipSrc >>> 0);
  }

  /**
   * An ICMP error about the packet `m` to its source. The source address is `src` when given,
   * else the receiving interface's address (or the egress interface's). Never about an ICMP
   * error, a non-first fragment, or a packet from a broadcast/multicast/zero source; to one
   * of the appliance's own addresses only through loopLocal (its own probe to itself: no
   * other packet from its own address gets this far).
   * `rest`: the ICMP header's bytes 4-7 (the next-hop MTU for fragmentation needed), else 0.
   */
  sendIcmpError(inIf: number, type: number, code: number, frame: Uint8Array, m: PacketMeta, src = 0, rest = 0): void {
    const dp = this.dp;
    if (m.fragOffset !== 0) return;
    if (m.proto === IPPROTO_ICMP && isIcmpError(m.icmpType)) return;
    const dst = m.ipSrc >>> 0;
    if (dst === 0 || (dst >>> 28) >= 0xe || dp.ifs.isBroadcast(dst) || dp.slb.vipIndex(dst) >= 0) return;
    const nh = dp.routeLocal(dst);
    if (nh < 0) return;
    if (!this.icmpBucket.take(dp.clock.now())) {
      dp.stats.rateLimited++;
      return;
    }
    if (src === 0) {
      const i = dp.ifs.list[inIf];
      src = i !== undefined && i.hasAddr ? i.addr : dp.sourceOn(dp.nhIf(nh));
    }
    const n = writeIcmpErrorPacket(dp.out, HEADROOM, src, type, code, frame, m, dp.nextIpId());
    if (rest !== 0) setIcmpRest(dp.out, HEADROOM + IPV4_HEADER_LEN, rest);
    if (dp.ifs.isOwn(dst)) this.loopLocal(dp.out, HEADROOM, n, dst);
    else this.output(dp.out, HEADROOM, n, dp.nhIf(nh), dp.nhAddr(nh, dst));
    dp.stats.icmpSent++;
  }
}
