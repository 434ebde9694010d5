// The gateway load balancer (an SLB in `nat-mode geneve`, AWS GWLB semantics). Such a service
// has no VIP: its include filters select routed traffic, which goes through an appliance target
// before it is routed on. A new flow gets a target (the scheduler, fed a symmetric hash of the
// configured tuple: both directions of a flow, and with 2-tuple every flow between two hosts,
// land on the same target), a session in the engine's session table (both tuples; the flow
// cookie in its NAT data) and a fresh flow cookie. Each packet of the flow, either direction,
// leaves wrapped in GENEVE with the service's endpoint and attachment ids and the flow's
// cookie (encap-geneve.ts). The target returns it to UDP 6081 of the appliance: it must come
// from a target, carry the three options and belong to a known flow of that target (same
// cookie, same ids); then the inner packet is routed on (TTL decremented once, as a router).
//
//   transit packet -> L3 (stage-l3) -> steer(): session? -> send() : filters -> newFlow() -> send()
//   NAT-reply hook of stage-l3 -> SlbStage.reply() -> send()      (a geneve session's reply tuple)
//   UDP 6081 listener -> returned(): checks -> L3 forward of the inner packet
//
// Counters: per target (binding) packets and bytes each way and returns refused; gateway-wide
// drops by reason. Nothing is allocated per packet.

import { decodeIpv4 } from '../packet/decode.js';
import {
  GENEVE_ERROR_NAMES, GENEVE_GWLB_OVERHEAD, GENEVE_PORT, GENEVE_PROTO_IPV4, GeneveError, GeneveMeta, gwlbCheck, parseGeneve,
} from '../packet/geneve.js';
import { ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED } from '../packet/icmp.js';
import { IPPROTO_TCP, IPPROTO_UDP, IPV4_MAX_LEN, writeIpv4Fragment } from '../packet/ipv4.js';
import { DECODE_VERIFY_IP_CHECKSUM, DropReason, PacketMeta } from '../packet/meta.js';
import { TCP_ACK, TCP_RST, TCP_SYN } from '../packet/tcp.js';
import { Prng } from '../util/prng.js';
import type { LocalPacket } from '../health/probe-io.js';
import type { EngineContext } from './context.js';
import { GeneveGwlbStep, idHalves } from './encap-geneve.js';
import { flowHash } from './lb/hash.js';
import { HEADROOM } from './pool.js';
import { InsertError, NAT_MODE_CODES, SessionState, dirOf, sidOf, tcpInitialState } from './session/index.js';
import type { Binding, Service } from './slb.js';
import { EngineDrop } from './stats.js';

const GENEVE = NAT_MODE_CODES.geneve;

/** Why the gateway refused a packet (its own counters; GENEVE parse errors keep their codes 1..7). */
export const GatewayDrop = {
  /** A return whose outer source is no target of any gateway service. */
  NOT_A_TARGET: 8,
  /** The GENEVE payload is not a well-formed IPv4 packet. */
  BAD_INNER: 9,
  /** A return of no known flow of that target (no session, another target's, another cookie or other ids). */
  UNKNOWN_FLOW: 10,
  /** A new flow and no usable target (fail-action drop or reset). */
  NO_TARGET: 11,
  /** No route to the target. */
  NO_ROUTE: 12,
  /** Too big for the egress MTU once wrapped, with DF (answered with ICMP fragmentation needed). */
  FRAG_NEEDED: 13,
  /** The session table refused the flow. */
  TABLE_FULL: 14,
} as const;

export const GATEWAY_DROP_NAMES: readonly string[] = [
  ...GENEVE_ERROR_NAMES, 'not-a-target', 'bad-inner', 'unknown-flow', 'no-target', 'no-route', 'frag-needed', 'table-full',
];

/** A gateway service as the packet path reads it. */
class GatewayService {
  readonly step = new GeneveGwlbStep();
  tuple: 5 | 3 | 2 = 5;
  endpointHi = 0;
  endpointLo = 0;
  attachmentHi = 0;
  attachmentLo = 0;

  constructor(readonly svc: Service) {}

  configure(): void {
    const g = this.svc.cfg.geneve;
    this.tuple = g.hashTuple;
    [this.endpointHi, this.endpointLo] = idHalves(g.endpointId);
    [this.attachmentHi, this.attachmentLo] = idHalves(g.attachmentId);
    this.step.setIds(this.endpointHi, this.endpointLo, this.attachmentHi, this.attachmentLo);
  }
}

/** One target's counters (`show info slb`). */
export interface GatewayTargetCounters {
  readonly txPackets: number;
  readonly txBytes: number;
  readonly rxPackets: number;
  readonly rxBytes: number;
  /** Returns from this target refused (unknown flow). */
  readonly rxRefused: number;
}

/**
 * The symmetric hash of a flow over the configured tuple: the two ends are ordered, so both
 * directions give the same value (ports are 0 for protocols without them and for fragments).
 */
export function tupleHash(tuple: number, proto: number, src: number, sport: number, dst: number, dport: number): number {
  const swap = src > dst || (src === dst && sport > dport);
  const a = swap ? dst : src, ap = swap ? dport : sport;
  const b = swap ? src : dst, bp = swap ? sport : dport;
  if (tuple === 5) return flowHash(proto, a, ap, b, bp);
  if (tuple === 3) return flowHash(proto, a, 0, b, 0);
  return flowHash(0, a, 0, b, 0);
}

export class GeneveGateway {
  /** Enabled gateway services, the highest priority first. */
  private ordered: GatewayService[] = [];
  /** By service index. */
  private byIdx: (GatewayService | undefined)[] = [];
  /** Every target address of a gateway service (returns from elsewhere are refused). */
  private targets = new Set<number>();
  private unlisten: (() => void) | null = null;
  private readonly g = new GeneveMeta();
  private readonly inner = new PacketMeta();
  /** Fragments of an inner packet too big to go wrapped in one piece. */
  private readonly piece = new Uint8Array(IPV4_MAX_LEN);
  private readonly rng: Prng;

  // Per binding index: its counters, and which binding they belong to (reset when the index is reused).
  private readonly owner: (Binding | null)[] = [];
  private readonly txPackets: Float64Array;
  private readonly txBytes: Float64Array;
  private readonly rxPackets: Float64Array;
  private readonly rxBytes: Float64Array;
  private readonly rxRefused: Float64Array;
  /** Gateway-wide drops by GatewayDrop / GeneveError code. */
  readonly drops = new Float64Array(GATEWAY_DROP_NAMES.length);

  constructor(private readonly dp: EngineContext, maxBindings: number, seed = 1) {
    this.rng = Prng.derive(seed, 'geneve-flow-cookie');
    this.txPackets = new Float64Array(maxBindings);
    this.txBytes = new Float64Array(maxBindings);
    this.rxPackets = new Float64Array(maxBindings);
    this.rxBytes = new Float64Array(maxBindings);
    this.rxRefused = new Float64Array(maxBindings);
  }

  /** Whether any enabled gateway service exists (stage-l3 asks before steering). */
  get active(): boolean {
    return this.ordered.length !== 0;
  }

  /** After the service table took a new configuration: the gateway services, targets and the UDP 6081 listener. */
  configure(): void {
    const list: GatewayService[] = [];
    const byIdx: (GatewayService | undefined)[] = [];
    const targets = new Set<number>();
    for (const svc of this.dp.slb.services) {
      if (svc === null || svc === undefined || svc.natMode !== 'geneve') continue;
      const gs = this.byIdx[svc.idx]?.svc === svc ? this.byIdx[svc.idx]! : new GatewayService(svc);
      gs.configure();
      byIdx[svc.idx] = gs;
      for (const b of svc.members) {
        if (this.owner[b.idx] !== b) this.resetCounters(b);
        if (b.rip !== 0) targets.add(b.rip >>> 0);
      }
      if (svc.enabled) list.push(gs);
    }
    list.sort((x, y) => y.svc.cfg.priority - x.svc.cfg.priority);
    this.ordered = list;
    this.byIdx = byIdx;
    this.targets = targets;
    if (byIdx.some((x) => x !== undefined)) {
      this.unlisten ??= this.dp.l3.listen({ proto: IPPROTO_UDP, localPort: GENEVE_PORT }, (p) => this.returned(p));
    } else if (this.unlisten !== null) {
      this.unlisten();
      this.unlisten = null;
    }
  }

  private resetCounters(b: Binding): void {
    const i = b.idx;
    this.owner[i] = b;
    this.txPackets[i] = this.txBytes[i] = this.rxPackets[i] = this.rxBytes[i] = this.rxRefused[i] = 0;
  }

  /** A binding's counters (zeros for one that is not a gateway target). */
  targetCounters(b: Binding): GatewayTargetCounters {
    const i = b.idx;
    if (this.owner[i] !== b) return { txPackets: 0, txBytes: 0, rxPackets: 0, rxBytes: 0, rxRefused: 0 };
    return { txPackets: this.txPackets[i]!, txBytes: this.txBytes[i]!, rxPackets: this.rxPackets[i]!, rxBytes: this.rxBytes[i]!, rxRefused: this.rxRefused[i]! };
  }

  /** The non-zero gateway-wide drop counters by name. */
  dropsByName(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 1; i < this.drops.length; i++) if (this.drops[i]! > 0) out[GATEWAY_DROP_NAMES[i]!] = this.drops[i]!;
    return out;
  }

  // ===================================================================== out: to a target

  /**
   * A routed (transit) packet: when it belongs to a gateway flow, or a gateway service's
   * include filter selects it, it is sent to a target and true is returned; false: route it
   * as usual (no gateway service wants it, or fail-action default with no usable target).
   */
  steer(frame: Uint8Array, m: PacketMeta, now: number): boolean {
    const dp = this.dp, sessions = dp.sessions;
    const proto = m.proto, src = m.ipSrc >>> 0, dst = m.ipDst >>> 0;
    const ported = (proto === IPPROTO_TCP || proto === IPPROTO_UDP) && !m.isFragment;
    const sport = ported ? m.sport : 0, dport = ported ? m.dport : 0;
    if (sessions.size !== 0) {
      const ref = sessions.lookup(now, proto, src, sport, dst, dport);
      if (ref >= 0) {
        const sid = sidOf(ref);
        if (sessions.natMode(sid) !== GENEVE) return false;
        const b = dp.slb.bindings[sessions.real(sid)];
        if (proto === IPPROTO_TCP && (m.tcpFlags & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_SYN && (b === null || b === undefined || !b.usable())) {
          // A new connection reusing the tuple of a flow whose target no longer takes new ones.
          sessions.delete(sid);
        } else {
          this.send(sid, dirOf(ref), frame, m, now);
          return true;
        }
      }
    }
    const list = this.ordered;
    for (let k = 0; k < list.length; k++) {
      const gs = list[k]!, svc = gs.svc;
      const fk = svc.matchFilter(proto, src, dst);
      if (fk < 0) continue; // no filters (a gateway service steers nothing then) or none matched
      svc.hit(fk);
      if (!svc.filters[fk]!.include) continue;
      return this.newFlow(gs, frame, m, now, src, sport, dst, dport);
    }
    return false;
  }

  private newFlow(gs: GatewayService, frame: Uint8Array, m: PacketMeta, now: number,
    src: number, sport: number, dst: number, dport: number): boolean {
    const dp = this.dp, svc = gs.svc, proto = m.proto;
    const h = tupleHash(gs.tuple, proto, src, sport, dst, dport);
    const bi = svc.scheduler === null ? -1 : svc.scheduler.pick(h, h, dp.sessions.realCounts);
    const b = bi >= 0 ? dp.slb.bindings[bi] : null;
    if (b === null || b === undefined) {
      if (svc.failAction === 'default') return false; // as if there were no service: routed on
      this.drop(GatewayDrop.NO_TARGET);
      dp.drop(EngineDrop.NO_HEALTHY_REAL);
      if (svc.failAction === 'reset') dp.l3.answerAsHost(frame, m);
      return true;
    }
    const cookie = this.rng.u32();
    const sid = dp.sessions.insert(now, proto, src, sport, dst, dport, dst, dport, svc.idx, bi, GENEVE, cookie,
      proto === IPPROTO_TCP ? tcpInitialState(m.tcpFlags) : SessionState.NONE);
    if (sid < 0) {
      this.drop(GatewayDrop.TABLE_FULL);
      dp.drop(sid === InsertError.FULL ? EngineDrop.SESSION_TABLE_FULL : EngineDrop.NO_SESSION);
      return true;
    }
    if (!dp.timerArmed) dp.arm();
    dp.stats.sessionsCreated++;
    b.totalSessions++;
    svc.countNew(now);
    this.send(sid, 0, frame, m, now);
    return true;
  }

  /** A packet of gateway flow `sid` in direction `dir`: wrapped with the flow's cookie, to its target. */
  send(sid: number, dir: number, frame: Uint8Array, m: PacketMeta, now: number): void {
    const dp = this.dp, sessions = dp.sessions;
    const ipLen = m.l3End - m.l3Off;
    sessions.touch(sid, now, dir, m.tcpFlags, ipLen);
    dp.stats.slbPackets++;
    const b = dp.slb.bindings[sessions.real(sid)];
    const gs = b === null || b === undefined ? undefined : this.byIdx[b.svc.idx];
    if (b === null || b === undefined || gs === undefined || b.rip === 0) {
      // The flow's target is gone (no-rebalance keeps flows on their target until they end).
      this.drop(GatewayDrop.NO_TARGET);
      dp.drop(EngineDrop.NO_HEALTHY_REAL);
      return;
    }
    const rip = b.rip >>> 0;
    const nh = dp.routeLocal(rip);
    const ifIdx = nh < 0 ? -1 : dp.nhIf(nh);
    const iface = dp.ifs.list[ifIdx];
    if (nh < 0 || iface === undefined) {
      this.drop(GatewayDrop.NO_ROUTE);
      dp.drop(EngineDrop.NO_ROUTE);
      return;
    }
    gs.step.setFlowCookie(sessions.natData(sid));
    const outerSrc = dp.sourceOn(ifIdx), next = dp.nhAddr(nh, rip);
    if (ipLen + GENEVE_GWLB_OVERHEAD > iface.mtu) {
      this.tooBig(gs, b, frame, m, iface.mtu, outerSrc, rip, ifIdx, next);
      return;
    }
    const n = gs.step.wrap(dp.out, HEADROOM, frame, m.l3Off, ipLen, outerSrc, rip, false, 0);
    if (n < 0) {
      dp.drop(EngineDrop.ENCAP_TOO_BIG);
      return;
    }
    this.txPackets[b.idx]!++;
    this.txBytes[b.idx]! += n;
    dp.l3.output(dp.out, HEADROOM, n, ifIdx, next);
  }

  /**
   * An inner packet that does not fit the egress MTU once wrapped: with DF, dropped and answered
   * with ICMP fragmentation needed (the MTU left for the inner packet); without, split into
   * fragments that fit, each wrapped on its own (so the target never reassembles outer fragments).
   */
  private tooBig(gs: GatewayService, b: Binding, frame: Uint8Array, m: PacketMeta, mtu: number,
    outerSrc: number, rip: number, ifIdx: number, next: number): void {
    const dp = this.dp;
    const room = mtu - GENEVE_GWLB_OVERHEAD;
    if (m.dontFragment) {
      this.drop(GatewayDrop.FRAG_NEEDED);
      dp.drop(EngineDrop.FRAG_NEEDED);
      dp.l3.sendIcmpError(-1, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, frame, m, 0, room);
      return;
    }
    const hlen = m.ihl * 4, ipLen = m.l3End - m.l3Off;
    const payload = ipLen - hlen;
    const step = (room - hlen) & ~7;
    if (step < 8) {
      dp.drop(EngineDrop.ENCAP_TOO_BIG);
      return;
    }
    for (let d = 0; d < payload; d += step) {
      const len = payload - d < step ? payload - d : step;
      const pl = writeIpv4Fragment(this.piece, 0, frame, m.l3Off, ipLen, d, len);
      const n = gs.step.wrap(dp.out, HEADROOM, this.piece, 0, pl, outerSrc, rip, false, 0);
      if (n < 0) {
        dp.drop(EngineDrop.ENCAP_TOO_BIG);
        return;
      }
      this.txPackets[b.idx]!++;
      this.txBytes[b.idx]! += n;
      dp.l3.output(dp.out, HEADROOM, n, ifIdx, next);
    }
  }

  // ===================================================================== in: a target's return

  /** A datagram to UDP 6081 of the appliance: a target's return, checked, then its inner packet routed on. */
  private returned(p: LocalPacket): void {
    const dp = this.dp, m = p.meta, frame = p.frame, sessions = dp.sessions;
    const from = m.ipSrc >>> 0;
    if (!this.targets.has(from)) {
      this.drop(GatewayDrop.NOT_A_TARGET);
      return;
    }
    const g = this.g;
    const end = m.payloadOff + m.payloadLen;
    let r = parseGeneve(frame, m.payloadOff, end, g);
    if (r === GeneveError.OK) r = gwlbCheck(g);
    if (r === GeneveError.OK && g.protocol !== GENEVE_PROTO_IPV4) r = GeneveError.BAD_PROTOCOL; // the gateway only sends IPv4
    if (r !== GeneveError.OK) {
      this.drop(r);
      return;
    }
    const im = this.inner;
    im.reset();
    im.len = end;
    if (decodeIpv4(frame, g.payloadOff, end, im, DECODE_VERIFY_IP_CHECKSUM) !== DropReason.OK) {
      this.drop(GatewayDrop.BAD_INNER);
      return;
    }
    const proto = im.proto;
    const ported = (proto === IPPROTO_TCP || proto === IPPROTO_UDP) && !im.isFragment;
    const now = dp.clock.now();
    const ref = sessions.size === 0 ? -1
      : sessions.lookup(now, proto, im.ipSrc >>> 0, ported ? im.sport : 0, im.ipDst >>> 0, ported ? im.dport : 0);
    const sid = ref < 0 ? -1 : sidOf(ref);
    const b = sid < 0 ? null : dp.slb.bindings[sessions.real(sid)];
    const gs = b === null || b === undefined ? undefined : this.byIdx[b.svc.idx];
    if (sid < 0 || b === null || b === undefined || gs === undefined || sessions.natMode(sid) !== GENEVE ||
      (b.rip >>> 0) !== from || sessions.natData(sid) !== g.flowCookie ||
      g.endpointHi !== gs.endpointHi || g.endpointLo !== gs.endpointLo ||
      g.attachmentHi !== gs.attachmentHi || g.attachmentLo !== gs.attachmentLo) {
      this.drop(GatewayDrop.UNKNOWN_FLOW);
      if (b !== null && b !== undefined && this.owner[b.idx] === b && (b.rip >>> 0) === from) this.rxRefused[b.idx]!++;
      else this.refusedFrom(from);
      return;
    }
    this.rxPackets[b.idx]!++;
    this.rxBytes[b.idx]! += m.l3End - m.l3Off;
    dp.l3.forward(-1, frame, im);
  }

  /** Counts a refused return on every binding of the target that sent it. */
  private refusedFrom(from: number): void {
    for (const gs of this.byIdx) {
      if (gs === undefined) continue;
      for (const b of gs.svc.members) if ((b.rip >>> 0) === from && this.owner[b.idx] === b) this.rxRefused[b.idx]!++;
    }
  }

  private drop(reason: number): void {
    this.drops[reason]!++;
  }
}
