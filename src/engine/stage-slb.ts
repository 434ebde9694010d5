// The SLB stage: traffic to a VIP. The port-boundary gate first (outside every boundary SLB
// does nothing and the appliance answers as a host), then the session table: packets of a
// session follow it; a new flow (TCP SYN, first UDP datagram) goes through the service's
// filters, stickiness and scheduler and gets a session. The packet then leaves through the
// encap/NAT stage (nat.ts) of the session's mode, on the path to its real.
//
// The path to each real (route, next hop, ARP, egress port, VLAN tag, outer source) is
// cached per binding and recomputed when the engine's topology generation changes, so the
// packet of an established session costs a session lookup, a copy and a header write.

import { isMulticastMac, maskOf } from '../net/addr.js';
import { copyBytes, copyDistinct } from '../packet/bytes.js';
import { verifyChecksum } from '../packet/checksum.js';
import { ETH_HEADER_LEN, ETHERTYPE_IPV4, VLAN_TAG_LEN } from '../packet/ethernet.js';
import { ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, ICMP_REDIRECT } from '../packet/icmp.js';
import { IPPROTO_TCP, IPPROTO_UDP, IPV4_HEADER_LEN, IPV4_MAX_LEN } from '../packet/ipv4.js';
import { decodeFrame } from '../packet/decode.js';
import type { FlowPeek } from '../packet/flow-peek.js';
import { DropReason, type PacketMeta } from '../packet/meta.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../packet/tcp.js';
import type { PortBackend } from '../ports/backend.js';
import { L2_PORTS, type EngineContext } from './context.js';
import { GeneveGateway } from './geneve-gateway.js';
import { flowHash, srcHash } from './lb/hash.js';
import {
  dscpToReal, natIcmpToClient, natIcmpToReal, natToClient, natToReal, shiftMeta, tunnelFragmentToReal, tunnelToReal,
} from './nat.js';
import { HEADROOM } from './pool.js';
import { InsertError, NAT_MODE_CODES, SessionState, dirOf, sidOf, tcpInitialState } from './session/index.js';
import type { Binding } from './slb.js';
import { EngineDrop } from './stats.js';

const NAT = NAT_MODE_CODES.nat;
const DSR = NAT_MODE_CODES.dsr;
const IPTUNNEL = NAT_MODE_CODES['l3dsr-iptunnel'];
const DSCP = NAT_MODE_CODES['l3dsr-dscp'];
const GENEVE = NAT_MODE_CODES.geneve;

/** Path cache states (pathPort values below 1). */
const PATH_UNRESOLVED = -1;
const PATH_NO_ROUTE = -2;

/** The MTU of a link whose backend does not report one (Ethernet). */
const DEFAULT_MTU = 1500;

/** The MTU a port backend reports (68..65535), else DEFAULT_MTU. */
function backendMtu(be: PortBackend | null | undefined): number {
  const mtu = be?.mtu;
  return mtu !== undefined && mtu >= 68 ? Math.min(Math.floor(mtu), IPV4_MAX_LEN) : DEFAULT_MTU;
}

export class SlbStage {
  // Per binding: the resolved path to its real.
  private readonly pathGen: Int32Array;
  private readonly pathPort: Int32Array;
  private readonly pathTag: Int32Array;
  private readonly pathMac: Float64Array;
  private readonly pathSrc: Float64Array;
  private readonly pathIf: Int32Array;
  private readonly pathNh: Float64Array;
  /** The egress MTU: the port's, or while unresolved the smallest of the interface VLAN's ports. */
  private readonly pathMtu: Int32Array;

  /** SLBs in nat-mode geneve: routed traffic through appliance targets (geneve-gateway.ts). */
  readonly geneve: GeneveGateway;

  constructor(private readonly dp: EngineContext, maxBindings: number) {
    this.geneve = new GeneveGateway(dp, maxBindings, dp.sessions.seed);
    this.pathGen = new Int32Array(maxBindings).fill(-1);
    this.pathPort = new Int32Array(maxBindings);
    this.pathTag = new Int32Array(maxBindings);
    this.pathMac = new Float64Array(maxBindings);
    this.pathSrc = new Float64Array(maxBindings);
    this.pathIf = new Int32Array(maxBindings);
    this.pathNh = new Float64Array(maxBindings);
    this.pathMtu = new Int32Array(maxBindings);
    dp.rib.subscribe((c) => {
      if (c.bestChanged) this.routeChanged(c.prefix.addr, c.prefix.len);
    });
  }

  /** A prefix's route changed: only the paths to reals inside it are resolved again. */
  private routeChanged(net: number, len: number): void {
    const mask = maskOf(len);
    for (const b of this.dp.slb.bindings) {
      if (b !== null && b !== undefined && ((b.rip & mask) >>> 0) === net) this.pathGen[b.idx] = -1;
    }
  }

  /** An IPv4 packet addressed to a VIP, received on `port` in VLAN `vid`. */
  input(port: number, vid: number, frame: Uint8Array, m: PacketMeta, now: number): void {
    const dp = this.dp;
    const proto = m.proto;
    if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) {
      dp.l3.localInput(port, frame, m, EngineDrop.NO_LISTENER); // ICMP echo to a VIP is answered
      return;
    }
    if (m.fragOffset !== 0) {
      dp.drop(EngineDrop.FRAGMENT);
      return;
    }
    const dst = m.ipDst >>> 0;
    const svcIdx = dp.slb.serviceFor(dst, proto, m.dport);
    if (svcIdx < 0) {
      dp.l3.localInput(port, frame, m, EngineDrop.NO_LISTENER);
      return;
    }
    if (!dp.slb.boundaryAllows(port, vid, m)) {
      // Outside every port boundary SLB does nothing: the appliance answers as a host (file 000).
      dp.l3.localInput(port, frame, m, EngineDrop.NO_BOUNDARY);
      return;
    }
    const src = m.ipSrc >>> 0;
    const sid = dp.sessions.lookupOrig(now, proto, src, m.sport, dst, m.dport);
    if (sid >= 0) {
      const b = dp.slb.bindings[dp.sessions.real(sid)];
      if (proto === IPPROTO_TCP && (m.tcpFlags & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_SYN && (b === null || b === undefined || !b.usable())) {
        // A new connection reusing the tuple of a session whose real no longer takes new ones.
        dp.sessions.delete(sid);
      } else {
        this.toReal(sid, frame, m, now, vid);
        return;
      }
    }
    this.newFlow(port, vid, svcIdx, frame, m, now);
  }

  private newFlow(port: number, vid: number, svcIdx: number, frame: Uint8Array, m: PacketMeta, now: number): void {
    const dp = this.dp;
    const proto = m.proto;
    if (proto === IPPROTO_TCP && (m.tcpFlags & (TCP_SYN | TCP_ACK | TCP_RST)) !== TCP_SYN && !this.adoptsMidFlow(svcIdx, m.tcpFlags)) {
      // Non-SYN TCP without a session: answered with a RST (RSTs themselves are dropped
      // silently), so a client whose session expired or was cleared learns it at once
      // instead of retransmitting into a black hole.
      dp.drop(EngineDrop.NO_SESSION);
      if ((m.tcpFlags & TCP_RST) === 0) dp.l3.sendRst(m);
      return;
    }
    const svc = dp.slb.services[svcIdx]!;
    const src = m.ipSrc >>> 0, dst = m.ipDst >>> 0;
    const fk = svc.matchFilter(proto, src, dst);
    if (fk === -2 || (fk >= 0 && !svc.filters[fk]!.include)) {
      // Not this service's traffic: the appliance answers as a host.
      if (fk >= 0) svc.hit(fk);
      dp.l3.localInput(port, frame, m, EngineDrop.FILTERED);
      return;
    }
    // The real: a sticky client's real if it still takes sessions, else the scheduler's pick.
    let bi = -1;
    if (svc.sticky) {
      const s = dp.sticky.get(now, svcIdx, src, dst);
      if (s >= 0) {
        const sb = dp.slb.bindings[s];
        if (sb !== null && sb !== undefined && sb.svc === svc && sb.usable()) bi = s;
      }
    }
    if (bi < 0 && svc.scheduler !== null) {
      bi = svc.scheduler.pick(flowHash(proto, src, m.sport, dst, m.dport), srcHash(src), dp.sessions.realCounts);
    }
    const b = bi >= 0 ? dp.slb.bindings[bi] : null;
    if (b === null || b === undefined) {
      dp.drop(EngineDrop.NO_HEALTHY_REAL);
      if (svc.failAction !== 'drop') dp.l3.answerAsHost(frame, m); // default / reset: RST, or ICMP unreachable for UDP
      return;
    }
    const mode = svc.natCode;
    const nat = mode === NAT;
    const rport = b.rport !== 0 ? b.rport : m.dport;
    const sid = dp.sessions.insert(now, proto, src, m.sport, dst, m.dport, nat ? b.rip : dst, nat ? rport : m.dport,
      svcIdx, bi, mode, mode === DSCP ? svc.dscp : b.rip, proto === IPPROTO_TCP ? tcpInitialState(m.tcpFlags) : SessionState.NONE);
    if (sid < 0) {
      dp.drop(sid === InsertError.FULL ? EngineDrop.SESSION_TABLE_FULL : EngineDrop.NO_SESSION);
      return;
    }
    if (!dp.timerArmed) dp.arm();
    dp.stats.sessionsCreated++;
    b.totalSessions++;
    svc.countNew(now);
    if (fk >= 0) svc.hit(fk);
    if (svc.sticky) dp.sticky.set(now, svcIdx, src, dst, bi);
    if (b.maxConns > 0 && dp.sessions.realCounts[bi]! >= b.maxConns) {
      b.full = true;
      svc.syncBinding(b);
    }
    this.toReal(sid, frame, m, now, vid);
  }

  /**
   * A mid-flow TCP packet (an ACK without SYN, no session here) of a `maglev` service in a
   * direct-return mode is taken up as a session on the real Maglev picks: its flow lived on
   * another instance that went away (ECMP moved it here), and every instance with the same
   * reals picks the same one. Other services answer it with a RST.
   */
  private adoptsMidFlow(svcIdx: number, flags: number): boolean {
    const svc = this.dp.slb.services[svcIdx]!;
    return (flags & (TCP_ACK | TCP_RST)) === TCP_ACK && svc.cfg.lbMethod === 'maglev' && svc.natCode !== NAT;
  }

  /** The session table's end hook: a real at maxConns takes new sessions again. */
  sessionEnded(sid: number): void {
    const dp = this.dp;
    if (dp.flowCache !== null) dp.flowCache.forget(sid);
    if (dp.offload !== null) dp.offload.ended(sid);
    const bi = dp.sessions.real(sid);
    const b = dp.slb.bindings[bi];
    if (b !== null && b !== undefined && b.full && dp.sessions.realCounts[bi]! - 1 < b.maxConns) {
      b.full = false;
      b.svc.syncBinding(b);
    }
  }

  /** Client -> real: the session's NAT mode decides what leaves. `vid`: the VLAN it came in on (-1: re-injected). */
  private toReal(sid: number, frame: Uint8Array, m: PacketMeta, now: number, vid: number): void {
    const dp = this.dp, sessions = dp.sessions;
    const ipLen = m.l3End - m.l3Off;
    const flags = m.tcpFlags;
    let st = sessions.touch(sid, now, 0, flags, ipLen);
    const mode = sessions.natMode(sid);
    if (st === SessionState.SYN_SENT && mode !== NAT && (flags & (TCP_ACK | TCP_SYN)) === TCP_ACK) {
      // DSR modes never see the server's SYN/ACK: the client's ACK completes the handshake.
      st = SessionState.ESTABLISHED;
      sessions.setState(sid, st);
    }
    dp.stats.slbPackets++;
    const bi = sessions.real(sid);
    const b = dp.slb.bindings[bi];
    if (b === null || b === undefined) {
      dp.drop(EngineDrop.NO_HEALTHY_REAL);
      return;
    }
    const g = dp.topoGen();
    if (this.pathGen[bi] !== g) this.computePath(b, mode, g);
    const natData = sessions.natData(sid);
    const fc = dp.flowCache;
    // Decided before sending: the NAT modes rewrite the packet's fields in `m`.
    const cache = fc !== null && vid > 0 && this.cacheable(m, st, mode, natData, b);
    if (!cache && st !== SessionState.ESTABLISHED) this.uncache(sid);
    const src = m.ipSrc | 0, dst = m.ipDst | 0, ports = (m.sport << 16) | m.dport;
    if (this.send(sid, bi, b, mode, natData, frame, m.l3Off, m.l3End - m.l3Off, m.dontFragment, m, g, st) && cache) {
      fc!.install(m.proto, src, dst, ports, dp.curPort, g, sid, bi, mode, sessions.timeoutMs(sid), now);
    }
  }

  /**
   * A TCP session left ESTABLISHED (a FIN, a RST, either way): its flow leaves the cache, which
   * holds established flows only (their state and timeout are those of ESTABLISHED).
   */
  private uncache(sid: number): void {
    const fc = this.dp.flowCache;
    if (fc !== null && this.dp.sessions.proto(sid) === IPPROTO_TCP && this.dp.sessions.isCached(sid)) fc.forget(sid);
  }

  /**
   * Whether the flow cache may repeat what was done with this packet for the flow's next ones:
   * a packet the L2 stage took as addressed to the appliance (untagged, a unicast source), of
   * an established TCP session or a UDP one, in a mode the cache sends the same way.
   */
  private cacheable(m: PacketMeta, st: number, mode: number, natData: number, b: Binding): boolean {
    if (m.vlanId >= 0 || m.dstMac !== this.dp.baseMac || m.isFragment) return false;
    if (mode === GENEVE || (mode === DSCP && natData !== b.svc.dscp)) return false;
    if (m.proto === IPPROTO_UDP) return true;
    return m.proto === IPPROTO_TCP && st === SessionState.ESTABLISHED && (m.tcpFlags & (TCP_SYN | TCP_FIN | TCP_RST)) === 0;
  }

  /**
   * The flow cache's path: a packet of an established flow the stages already decided on (see
   * flow-cache.ts), read by peekFlow, is counted as the L2 and L3 stages would count it and sent
   * as toReal sent the flow's packet before. Returns false, having changed nothing, when the cache
   * does not hold its flow (or the decision no longer stands): the stages then take it.
   */
  cached(port: number, frame: Uint8Array, len: number, p: FlowPeek, decodeFlags: number): boolean {
    const dp = this.dp, fc = dp.flowCache!;
    if (p.dstMac !== dp.baseMac || p.srcMac === dp.baseMac) return false;
    const g = dp.topoGen();
    const slot = fc.find(p.proto, p.src, p.dst, p.ports, port, g);
    if (slot < 0) return false;
    const now = dp.clock.now();
    const bi = fc.real(slot);
    const b = dp.slb.bindings[bi];
    if (fc.idle(slot, now) || b === null || b === undefined || this.pathGen[bi] !== g || this.pathPort[bi]! <= 0) return false;
    const mode = fc.mode(slot), ipLen = p.ipLen;
    if (mode === IPTUNNEL && ipLen + IPV4_HEADER_LEN > this.pathMtu[bi]!) return false;
    const vid = dp.vlans.pvid[port]!;
    const ifIdx = dp.ifs.byVid[vid]!;
    if (ifIdx < 0) return false;
    let m: PacketMeta | null = null;
    if (mode === NAT || mode === DSCP) {
      // These rewrite the packet's fields: they work on the full decode.
      m = dp.meta;
      if (decodeFrame(frame, len, m, decodeFlags) !== DropReason.OK) return false;
    }
    if (!isMulticastMac(p.srcMac)) dp.macs.learn(vid, p.srcMac, port, now);
    const c = dp.ifs.list[ifIdx]!.counters;
    c.rxPackets++;
    c.rxBytes += len;
    fc.hit(slot, now, ipLen);
    dp.stats.slbPackets++;
    const st = p.proto === IPPROTO_TCP ? SessionState.ESTABLISHED : SessionState.NONE;
    this.send(fc.sid(slot), bi, b, mode, b.svc.dscp, frame, ETH_HEADER_LEN, ipLen, p.dontFragment, m, g, st);
    return true;
  }

  /**
   * Sends a client-to-real packet of session `sid` (in state `st`), the IPv4 packet
   * frame[l3Off, l3Off+ipLen), to its real by binding `bi`'s path resolved in topology generation
   * `g`, as NAT mode `mode` makes it. `m` is its decode (null only from the flow cache, and then
   * only for l3dsr-iptunnel and dsr, which need none). Returns whether it left by that path's
   * port (what the flow cache can repeat).
   */
  private send(sid: number, bi: number, b: Binding, mode: number, natData: number, frame: Uint8Array, l3Off: number,
    ipLen: number, df: boolean, m: PacketMeta | null, g: number, st: number): boolean {
    const dp = this.dp;
    const port = this.pathPort[bi]!;
    if (port === PATH_NO_ROUTE) {
      dp.drop(EngineDrop.NO_ROUTE);
      return false;
    }
    const out = dp.out;
    if (mode === IPTUNNEL) {
      if (ipLen + IPV4_HEADER_LEN > this.pathMtu[bi]!) {
        this.tunnelTooBig(bi, b.rip, port, frame, m!);
        return false;
      }
      const id = dp.nextIpId();
      if (port > 0) {
        const tag = this.pathTag[bi]!;
        const hdr = tag >= 0 ? ETH_HEADER_LEN + VLAN_TAG_LEN : ETH_HEADER_LEN;
        const n = tunnelToReal(out, hdr, frame, l3Off, ipLen, df, this.pathSrc[bi]!, b.rip, id);
        if (n < 0) {
          dp.drop(EngineDrop.ENCAP_TOO_BIG);
          return false;
        }
        dp.ports.txFramed(port, out, hdr, n, this.pathMac[bi]!, ETHERTYPE_IPV4, tag);
        if (dp.offload !== null) this.offered(sid, 0, st, port, this.pathMac[bi]!, tag, bi, g);
        return true;
      }
      const n = tunnelToReal(out, HEADROOM, frame, l3Off, ipLen, df, this.pathSrc[bi]!, b.rip, id);
      if (n < 0) dp.drop(EngineDrop.ENCAP_TOO_BIG);
      else dp.l3.output(out, HEADROOM, n, this.pathIf[bi]!, this.pathNh[bi]!);
      return false;
    }
    const tag = port > 0 ? this.pathTag[bi]! : -1;
    const off = port > 0 ? (tag >= 0 ? ETH_HEADER_LEN + VLAN_TAG_LEN : ETH_HEADER_LEN) : HEADROOM;
    copyDistinct(out, off, frame, l3Off, ipLen);
    if (m !== null) shiftMeta(m, off - l3Off);
    if (mode === NAT) natToReal(out, m!, b.rip, b.rport);
    else if (mode === DSCP) dscpToReal(out, m!, b.rip, natData);
    // DSR: the IP packet is left as it is; only the MAC changes.
    if (port > 0) {
      dp.ports.txFramed(port, out, off, ipLen, this.pathMac[bi]!, ETHERTYPE_IPV4, tag);
      if (dp.offload !== null) this.offered(sid, 0, st, port, this.pathMac[bi]!, tag, bi, g);
      return true;
    }
    dp.l3.output(out, HEADROOM, ipLen, this.pathIf[bi]!, this.pathNh[bi]!);
    return false;
  }

  /** Shows the offloader a session's packet that left by a resolved path (see OffloadHook.forwarded). */
  private offered(sid: number, dir: number, st: number, port: number, mac: number, tag: number, bi: number, g: number): void {
    const dp = this.dp;
    dp.offload!.forwarded(sid, dir, st, dp.curPort, port, mac, tag, this.pathSrc[bi]!, this.pathMtu[bi]!, g);
  }

  /**
   * l3dsr-iptunnel, a packet that does not fit the egress MTU once encapsulated (what Linux's
   * ip_tunnel and LVS's ensure_mtu_is_adequate check): with DF, dropped and answered with ICMP
   * fragmentation needed carrying the tunnel's MTU (the egress MTU - 20); without, split into
   * fragments that fit (the inner packet's ID kept) and each encapsulated on its own.
   */
  private tunnelTooBig(bi: number, rip: number, port: number, frame: Uint8Array, m: PacketMeta): void {
    const dp = this.dp;
    const tunnelMtu = this.pathMtu[bi]! - IPV4_HEADER_LEN;
    if (m.dontFragment) {
      dp.drop(EngineDrop.FRAG_NEEDED);
      // From the VIP, as Linux's icmp_send does for a packet it received for a local address (LVS's VIPs are): the client's own peer.
      dp.l3.sendIcmpError(-1, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, frame, m, m.ipDst >>> 0, tunnelMtu);
      return;
    }
    const hlen = m.ihl * 4;
    const payload = m.l3End - m.l3Off - hlen;
    const step = (tunnelMtu - hlen) & ~7;
    if (step < 8) {
      dp.drop(EngineDrop.ENCAP_TOO_BIG);
      return;
    }
    const out = dp.out, src = this.pathSrc[bi]!;
    for (let d = 0; d < payload; d += step) {
      const len = payload - d < step ? payload - d : step;
      const id = dp.nextIpId();
      const tag = port > 0 ? this.pathTag[bi]! : -1;
      const off = port <= 0 ? HEADROOM : tag >= 0 ? ETH_HEADER_LEN + VLAN_TAG_LEN : ETH_HEADER_LEN;
      const n = tunnelFragmentToReal(out, off, frame, m, d, len, src, rip, id);
      if (n < 0) {
        dp.drop(EngineDrop.ENCAP_TOO_BIG);
        return;
      }
      if (port > 0) dp.ports.txFramed(port, out, off, n, this.pathMac[bi]!, ETHERTYPE_IPV4, tag);
      else dp.l3.output(out, HEADROOM, n, this.pathIf[bi]!, this.pathNh[bi]!);
    }
  }

  /** Real -> client: a packet matching a session's reply tuple (NAT: translated back; DSR: routed as it is). */
  reply(sid: number, frame: Uint8Array, m: PacketMeta, now: number): void {
    const dp = this.dp, sessions = dp.sessions;
    if (sessions.natMode(sid) === GENEVE) {
      this.geneve.send(sid, 1, frame, m, now);
      return;
    }
    const ipLen = m.l3End - m.l3Off;
    if (sessions.touch(sid, now, 1, m.tcpFlags, ipLen) !== SessionState.ESTABLISHED) this.uncache(sid);
    dp.stats.slbPackets++;
    if (sessions.natMode(sid) !== NAT) {
      dp.l3.forward(-1, frame, m);
      return;
    }
    const client = sessions.clientIp(sid);
    const nh = dp.route(client, flowHash(m.proto, client, sessions.clientPort(sid), sessions.vip(sid), sessions.vport(sid)));
    if (nh < 0) {
      dp.drop(EngineDrop.NO_ROUTE);
      return;
    }
    const out = dp.out;
    copyDistinct(out, HEADROOM, frame, m.l3Off, ipLen);
    shiftMeta(m, HEADROOM - m.l3Off);
    natToClient(out, m, sessions.vip(sid), sessions.vport(sid));
    dp.l3.output(out, HEADROOM, ipLen, dp.nhIf(nh), dp.nhAddr(nh, client));
    if (dp.offload !== null) this.offeredReply(sid, dp.nhIf(nh), dp.nhAddr(nh, client));
  }

  /** The offloader sees a NAT session's answer that went to a resolved neighbour on a VLAN interface. */
  private offeredReply(sid: number, ifIdx: number, nhAddr: number): void {
    const dp = this.dp;
    const iface = dp.ifs.list[ifIdx];
    if (iface === undefined || iface.kind !== 'vlan') return;
    const mac = dp.arp.macOf(nhAddr);
    const port = mac < 0 ? 0 : dp.macs.lookup(iface.vid, mac);
    if (port === 0 || !dp.vlans.isMember(iface.vid, port)) return;
    const tag = dp.vlans.isTagged(iface.vid, port) ? iface.vid : -1;
    dp.offload!.forwarded(sid, 1, dp.sessions.state(sid), dp.curPort, port, mac, tag, 0, backendMtu(dp.ports.backends[port]),
      dp.topoGen());
  }

  /**
   * An ICMP error (`m`, with its quote decoded in m.inner) that may be about a packet of a NAT
   * session: conntrack's RELATED traffic. The session is found by the quoted tuple inverted
   * (the quote is a packet the error's receiver sent): quoting client -> RIP:rport (from the
   * real's side) it is translated for the client, quoting VIP:vport -> client (from the
   * client's side) for the real, and sent on like the session's own packets. The session is
   * neither refreshed nor changed (its state, timeout and counters stay; the packet counts in
   * slbPackets). Returns false, and the caller goes on as before, when the quote belongs to no
   * NAT session (DSR modes included) or cannot be matched.
   */
  relatedIcmp(frame: Uint8Array, m: PacketMeta, now: number): boolean {
    const dp = this.dp, sessions = dp.sessions, q = m.inner;
    const proto = q.proto;
    if ((proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) || q.fragOffset !== 0 || q.l4Off + 8 > q.l3End ||
      m.moreFragments) {
      return false;
    }
    // As conntrack (nf_conntrack_inet_error): the error must go to where the quoted packet came from.
    if ((m.ipDst >>> 0) !== (q.ipSrc >>> 0)) return false;
    const ref = sessions.lookup(now, proto, q.ipDst, q.dport, q.ipSrc, q.sport);
    if (ref < 0) return false;
    const sid = sidOf(ref);
    if (sessions.natMode(sid) !== NAT) return false;
    if (m.icmpType === ICMP_REDIRECT) {
      // conntrack drops a redirect about a NATed connection (nf_nat_icmp_reply_translation).
      dp.drop(EngineDrop.IGNORED);
      return true;
    }
    const ipLen = m.l3End - m.l3Off;
    if (!verifyChecksum(frame, m.l4Off, m.l3End - m.l4Off)) {
      // LVS (ip_vs_in_icmp / ip_vs_out_icmp) and conntrack drop a related error that fails its checksum.
      dp.drop(DropReason.ICMP_CHECKSUM);
      return true;
    }
    dp.stats.slbPackets++;
    const toClient = dirOf(ref) === 1;
    const dst = toClient ? sessions.clientIp(sid) : sessions.replySrcIp(sid);
    const nh = dp.routeLocal(dst);
    if (nh < 0) {
      dp.drop(EngineDrop.NO_ROUTE);
      return true;
    }
    const out = dp.out, delta = HEADROOM - m.l3Off;
    copyBytes(out, HEADROOM, frame, m.l3Off, ipLen);
    shiftMeta(m, delta);
    shiftMeta(q, delta);
    if (toClient) natIcmpToClient(out, m, q, sessions.vip(sid), sessions.vport(sid));
    else natIcmpToReal(out, m, q, sessions.replySrcIp(sid), sessions.replySrcPort(sid));
    dp.l3.output(out, HEADROOM, ipLen, dp.nhIf(nh), dp.nhAddr(nh, dst));
    return true;
  }

  /** Resolves the path to a binding's real: route, next hop, ARP, egress port and tag. */
  private computePath(b: Binding, mode: number, g: number): void {
    const dp = this.dp;
    const bi = b.idx;
    this.pathGen[bi] = g;
    dp.stats.pathResolves++;
    // Every flow to one real takes one path (with ECMP, the real's address picks it): the path is cached per binding.
    const r = b.rip === 0 ? -1 : dp.routeLocal(b.rip);
    const ifIdx = r < 0 ? -1 : dp.nhIf(r);
    const iface = dp.ifs.list[ifIdx];
    // L2 DSR reaches the real on a connected network only.
    if (r < 0 || iface === undefined || (mode === DSR && dp.nhAddr(r, b.rip) !== b.rip)) {
      this.pathPort[bi] = PATH_NO_ROUTE;
      return;
    }
    const nh = dp.nhAddr(r, b.rip);
    this.pathIf[bi] = ifIdx;
    this.pathNh[bi] = nh;
    this.pathSrc[bi] = dp.sourceOn(ifIdx);
    if (iface.kind !== 'vlan') {
      // Through a tunnel or loopback interface: the slow path's output takes it.
      this.pathPort[bi] = PATH_UNRESOLVED;
      this.pathMtu[bi] = iface.mtu;
      return;
    }
    const mac = dp.arp.macOf(nh);
    const port = mac < 0 ? 0 : dp.macs.lookup(iface.vid, mac);
    if (port === 0 || dp.ports.backends[port] === null || !dp.vlans.isMember(iface.vid, port)) {
      this.pathPort[bi] = PATH_UNRESOLVED; // the slow path resolves (ARP) or floods
      // It may leave by any port of the VLAN: the smallest MTU among them (a Linux bridge's).
      const mask = dp.vlans.members(iface.vid);
      let mtu = 0;
      for (let q = 1; q <= L2_PORTS; q++) {
        const be = dp.ports.backends[q];
        if (((mask >>> q) & 1) === 0 || be === null || be === undefined) continue;
        const pm = backendMtu(be);
        if (mtu === 0 || pm < mtu) mtu = pm;
      }
      this.pathMtu[bi] = mtu !== 0 ? mtu : DEFAULT_MTU;
      return;
    }
    this.pathMtu[bi] = backendMtu(dp.ports.backends[port]);
    this.pathPort[bi] = port;
    this.pathMac[bi] = mac;
    this.pathTag[bi] = dp.vlans.isTagged(iface.vid, port) ? iface.vid : -1;
  }
}
