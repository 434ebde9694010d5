// The engine's half of RuntimeView: what the show commands read from the dataplane. The
// health checker answers hcResult/hcState; the appliance composes the two, e.g.
//   const rt = engine.runtime;
//   app.runtime = { ...bindRuntime(rt), hcResult: (...) => checker.hcResult(...), hcState: (...) => ... };
// (see bindRuntime below: the methods are plain functions bound to the engine's runtime).

import type { RealId } from '../config/model.js';
import type { Ipv4, Mac } from '../net/addr.js';
import type { BackendCounter } from '../ports/backend.js';
import type { ArpRow, GeneveTargetRow, NeighborRow, RoutingView, EngineCounters, Health, PortCounters, RealRuntime, RuntimeView, SessionRow, TrafficCounters } from './runtime.js';
import { ARP_STATIC, ARP_VALID, ArpState, arpStateName } from './arp.js';
import { routeHealthKey } from './route-sync.js';
import type { Engine } from './engine.js';
import type { PortStats } from './stats.js';

export type EngineRuntimeView = Omit<RuntimeView, 'hcResult' | 'hcState' | 'hcTargets'>;

const traffic = (s: PortStats): TrafficCounters => ({
  rxPackets: s.rxPackets, rxBytes: s.rxBytes, txPackets: s.txPackets, txBytes: s.txBytes, dropTotal: s.dropTotal(), drops: s.dropsByName(),
});

const PROTO_NAMES: Record<number, SessionRow['proto']> = { 6: 'tcp', 17: 'udp', 1: 'icmp' };

export class EngineRuntime implements EngineRuntimeView {
  constructor(private readonly engine: Engine) {}

  filterHits(slb: string, filterId: number): number {
    return this.engine.slb.byName.get(slb)?.hits.get(filterId) ?? 0;
  }

  /** ACT when any enabled real of the service is up, DEACT when none is, INACT for a disabled service. */
  serviceHealth(slb: string): Health {
    const svc = this.engine.slb.byName.get(slb);
    return svc === undefined ? 'DEACT' : this.engine.slb.serviceState(svc);
  }

  /** ACT up, DEACT down (or not yet reported by a check), INACT for a disabled or unknown real. */
  real(slb: string, real: RealId): RealRuntime {
    const b = this.engine.slb.byName.get(slb)?.byReal.get(real);
    if (b === undefined) return { health: 'INACT', cause: '', since: 0, currentSessions: 0, totalSessions: 0 };
    return {
      health: !b.enabled ? 'INACT' : b.up ? 'ACT' : 'DEACT',
      cause: b.cause,
      since: b.since,
      currentSessions: this.engine.sessions.realCounts[b.idx] ?? 0,
      totalSessions: b.totalSessions,
    };
  }

  cps(slb: string): number {
    return this.engine.slb.byName.get(slb)?.cps(this.engine.clock.now()) ?? 0;
  }

  geneveTargets(slb: string): GeneveTargetRow[] {
    const e = this.engine, svc = e.slb.byName.get(slb);
    if (svc === undefined || svc.natMode !== 'geneve') return [];
    return svc.members.map((b) => ({
      real: b.realId, flows: e.sessions.realCounts[b.idx] ?? 0, totalFlows: b.totalSessions, ...e.geneveGateway.targetCounters(b),
    }));
  }

  geneveGatewayDrops(): Record<string, number> {
    return this.engine.geneveGateway.dropsByName();
  }

  /** Live sessions in creation order (a snapshot: allocates one row per session). */
  sessions(): SessionRow[] {
    const e = this.engine, t = e.sessions, now = e.clock.now();
    const rows: SessionRow[] = [];
    t.forEach((sid) => {
      const b = e.slb.bindings[t.real(sid)];
      const svc = e.slb.services[t.slb(sid)];
      if (b === null || b === undefined || svc === null || svc === undefined) return;
      rows.push({
        proto: PROTO_NAMES[t.proto(sid)] ?? 'tcp',
        origSrc: t.clientIp(sid) as Ipv4, origSport: t.clientPort(sid), origDst: t.vip(sid) as Ipv4, origDport: t.vport(sid),
        replySrc: t.replySrcIp(sid) as Ipv4, replySport: t.replySrcPort(sid),
        replyDst: t.replyDstIp(sid) as Ipv4, replyDport: t.replyDstPort(sid),
        slb: svc.name, real: b.realId,
      });
    }, { now });
    return rows;
  }

  /** `clear entry [slb NAME]`: removes the sessions (not the sticky entries); returns how many. */
  clearSessions(slb?: string): number {
    const e = this.engine;
    if (slb === undefined) return e.sessions.clear();
    const svc = e.slb.byName.get(slb);
    return svc === undefined ? 0 : e.sessions.clear(svc.idx);
  }

  arp(): ArpRow[] {
    const e = this.engine, now = e.clock.now();
    const rows: ArpRow[] = [];
    for (const a of e.arp.map.values()) {
      if (a.state === ArpState.FAILED) continue;
      const iface = e.ifs.list[a.ifIdx];
      const complete = (a.state & ARP_VALID) !== 0;
      const port = complete ? (e.macs.lookup(iface?.vid ?? 0, a.mac) || a.port || null) : null;
      rows.push({
        addr: a.ip as Ipv4,
        mac: complete ? (a.mac as Mac) : null,
        iface: iface?.name ?? '',
        port,
        ageSec: Math.max(0, Math.floor((now - a.updated) / 1000)),
        state: a.state === ArpState.PERMANENT ? 'static' : complete ? 'complete' : 'incomplete',
      });
    }
    rows.sort((x, y) => x.addr - y.addr);
    return rows;
  }

  /** The neighbour table with Linux's states (`show ip neighbors`), by address. */
  neighbors(): NeighborRow[] {
    const e = this.engine;
    return [...e.arp.map.values()].sort((x, y) => x.ip - y.ip).map((a) => ({
      addr: a.ip as Ipv4,
      iface: e.ifs.list[a.ifIdx]?.name ?? '',
      mac: (a.state & ARP_VALID) !== 0 ? (a.mac as Mac) : null,
      state: arpStateName(a.state),
    }));
  }

  routing(): RoutingView {
    const ifs = this.engine.ifs;
    return { rib: this.engine.rib, interfaceName: (i) => ifs.list[i]?.name ?? `if${i}` };
  }

  routeUp(dest: string, gateway: Ipv4): boolean | null {
    return this.engine.routeUp(routeHealthKey(dest, gateway));
  }

  portCounters(port: number): PortCounters {
    const st = this.engine.stats.ports[port];
    if (st === undefined || port < 1) throw new RangeError(`switch port out of range: ${port}`);
    return { ...traffic(st), attached: this.engine.backend(port)?.name ?? null };
  }

  backendCounters(port: number): readonly BackendCounter[] {
    return this.engine.backend(port)?.counters?.() ?? [];
  }

  engineCounters(): EngineCounters {
    const e = this.engine, st = e.stats;
    return {
      ...traffic(st), slbPackets: st.slbPackets, sessionsCreated: st.sessionsCreated, currentSessions: e.sessions.size,
      flooded: st.flooded, internalErrors: e.internalErrors,
    };
  }

  clearCounters(): void {
    this.engine.stats.reset();
  }

  /** Removes the complete ARP entries (incomplete ones keep their queued packets); how many. */
  clearArp(): number {
    const arp = this.engine.arp;
    let n = 0;
    for (const e of [...arp.map.values()]) {
      if ((e.state & ARP_VALID) === 0 || (e.state & ARP_STATIC) !== 0) continue;
      arp.remove(e);
      n++;
    }
    return n;
  }
}

/** The runtime's methods as bound functions (to spread into a RuntimeView with the checker's). */
export function bindRuntime(rt: EngineRuntime): EngineRuntimeView {
  return {
    filterHits: rt.filterHits.bind(rt),
    serviceHealth: rt.serviceHealth.bind(rt),
    real: rt.real.bind(rt),
    cps: rt.cps.bind(rt),
    sessions: rt.sessions.bind(rt),
    clearSessions: rt.clearSessions.bind(rt),
    arp: rt.arp.bind(rt),
    routeUp: rt.routeUp.bind(rt),
    routing: rt.routing.bind(rt),
    portCounters: rt.portCounters.bind(rt),
    backendCounters: rt.backendCounters.bind(rt),
    engineCounters: rt.engineCounters.bind(rt),
    clearCounters: rt.clearCounters.bind(rt),
  };
}
