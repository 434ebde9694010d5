// Test harness for the packet engine: fake port backends that record what the engine
// transmits, a virtual clock, configurations built from defaultConfig() + objects, and the
// reference scenario (file 000) through the shell.

import { expect } from 'vitest';
import type { HcId, RealConfig, RealId, RunningConfig, SlbConfig, PbId, FilterId, LbMethod, NatMode } from '../../../src/config/model.js';
import { ANY_PREFIX, defaultConfig, newHealthCheck, newPortBoundary, newReal, newSlb, newFilter } from '../../../src/config/defaults.js';
import { Engine, type EngineOptions } from '../../../src/engine/index.js';
import { ipv4, mac, type Ipv4, type Mac, type PortNo, type VlanId } from '../../../src/net/addr.js';
import { DECODE_VERIFY_IP_CHECKSUM, DECODE_VERIFY_L4_CHECKSUM, PacketMeta, decodeFrame } from '../../../src/packet/index.js';
import type { FrameHandler, PortBackend } from '../../../src/ports/backend.js';
import { VirtualClock } from '../../../src/util/clock.js';
import { batch, newAppliance, REFERENCE_SCENARIO } from '../../helpers/cli.js';

/** The appliance (file 000): interface `test` MAC. */
export const ME = mac('00:06:c4:90:03:93');
/** The router's VRRP MAC on the L4 side. */
export const ROUTER_MAC = mac('00:00:5e:00:01:c1');
/** The MAC the client's frames came from in file 000. */
export const CLIENT_SIDE_MAC = mac('00:06:c4:74:5b:b0');
export const ROUTER_IP = ipv4('192.168.193.1');
export const ME_IP = ipv4('192.168.193.181');
export const VIP = ipv4('192.168.193.50');
export const CLIENT = ipv4('192.168.212.225');
export const RIP = ipv4('192.168.211.150');

/** Second data network of the generic lab config (VLAN `srv` 211: port 3 untagged, port 4 tagged). */
export const SRV_IP = ipv4('10.0.211.1');
export const REAL1 = ipv4('10.0.211.10');
export const REAL2 = ipv4('10.0.211.11');
export const REAL3 = ipv4('10.0.211.12');
export const REAL1_MAC = mac('02:00:00:00:02:10');
export const REAL2_MAC = mac('02:00:00:00:02:11');
export const REAL3_MAC = mac('02:00:00:00:02:12');

export class FakePort implements PortBackend {
  readonly sent: Buffer[] = [];
  private rx: FrameHandler | null = null;
  /** `log` (shared by a rig's ports) records [port, frame] in transmission order; `mtu` is what the port reports (none: 1500). */
  constructor(readonly name: string, readonly port = 0, readonly log: [number, Buffer][] | null = null, readonly mtu?: number) {}
  transmit(frame: Uint8Array, len: number): void {
    const copy = Buffer.from(frame.subarray(0, len));
    this.sent.push(copy);
    this.log?.push([this.port, copy]);
  }
  attach(rx: FrameHandler): void {
    this.rx = rx;
  }
  detach(): void {
    this.rx = null;
  }
  get attached(): boolean {
    return this.rx !== null;
  }
  /** Delivers a frame to the engine as if received on this port. */
  inject(frame: Uint8Array): void {
    if (this.rx === null) throw new Error(`${this.name} is not attached`);
    this.rx(frame, frame.length);
  }
  /** Returns and forgets what was sent. */
  take(): Buffer[] {
    return this.sent.splice(0);
  }
}

export interface Rig {
  engine: Engine;
  clock: VirtualClock;
  /** ports[1..16] */
  ports: FakePort[];
  /** Every transmitted frame in order. */
  log: [number, Buffer][];
}

/** `mtus`: the MTU some ports report, by port. */
export function rig(cfg: RunningConfig, opts: EngineOptions = {}, mtus: Record<number, number> = {}): Rig {
  const clock = new VirtualClock();
  const engine = new Engine(clock, { baseMac: ME }, { sessionCapacity: 4096, ...opts });
  const ports: FakePort[] = [];
  const log: [number, Buffer][] = [];
  for (let p = 1; p <= 16; p++) {
    ports[p] = new FakePort(`p${p}`, p, log, mtus[p]);
    engine.attach(p, ports[p]!);
  }
  engine.configure(cfg);
  return { engine, clock, ports, log };
}

/** Everything sent on all ports, as [port, frame] pairs in transmission order, and forgets it. */
export function takeAll(r: Rig): [number, Buffer][] {
  for (let p = 1; p <= 16; p++) r.ports[p]!.take();
  return r.log.splice(0);
}

/** The single frame sent since the last take, decoded (checksums verified), and forgets it. */
export function sentOne(r: Rig): { port: number; frame: Buffer; m: PacketMeta } {
  const sent = takeAll(r);
  expect(sent.length).toBe(1);
  const [port, frame] = sent[0]!;
  return { port, frame, m: decode(frame) };
}

export function decode(frame: Uint8Array, verify = true): PacketMeta {
  const m = new PacketMeta();
  const r = decodeFrame(frame, frame.length, m, verify ? DECODE_VERIFY_IP_CHECKSUM | DECODE_VERIFY_L4_CHECKSUM : 0);
  if (r !== 0) throw new Error(`frame does not decode: reason ${r}`);
  return m;
}

/** The IPv4 packet of an Ethernet frame (after the header and tag, padding excluded). */
export function ipBytes(frame: Uint8Array): Buffer {
  const m = new PacketMeta();
  decodeFrame(frame, frame.length, m, 0);
  return Buffer.from(frame.subarray(m.l3Off, m.l3End));
}

/** The reference scenario of file 000, configured through the shell. */
export async function referenceConfig(): Promise<RunningConfig> {
  const app = newAppliance();
  const r = await batch(app, REFERENCE_SCENARIO);
  if (!r.ok) throw new Error(`reference scenario failed: ${r.err}`);
  return app.config;
}

export interface RealSpec {
  id: number;
  rip: Ipv4;
  rport?: number;
  weight?: number;
  maxConns?: number;
  status?: 'enable' | 'disable';
  backup?: boolean;
}

export interface LabSpec {
  natMode?: NatMode;
  lbMethod?: LbMethod;
  reals?: RealSpec[];
  vips?: { addr?: Ipv4; protocol: 'tcp' | 'udp'; vport: number }[];
  /** Bind health check 1 (ip-tunnel-tcp) to the service. */
  healthCheck?: boolean;
  stickyTime?: number;
  /** Filters of the service; default one include filter tcp to the VIP like file 000. */
  filters?: SlbConfig['filters'];
  /** Port boundary ports (default [1, 2]); null: no port boundary. */
  boundaryPorts?: number[] | null;
  dscp?: number;
  failAction?: SlbConfig['failAction'];
  sessionTimeout?: number | null;
  slb?: Partial<SlbConfig>;
}

/**
 * A generic lab: VLAN `test` (193, port 1 untagged, interface 192.168.193.181/24, default
 * gateway and 192.168.212.0/24 via 192.168.193.1) and VLAN `srv` (211, port 3 untagged,
 * port 4 tagged, interface 10.0.211.1/24) where the reals live; SLB `web` on VIP
 * 192.168.193.50.
 */
export function labConfig(spec: LabSpec = {}): RunningConfig {
  const d = defaultConfig();
  const reals: RealConfig[] = (spec.reals ?? [{ id: 1, rip: REAL1 }, { id: 2, rip: REAL2 }]).map((r) => ({
    ...newReal(r.id as RealId), name: `r${r.id}`, rip: r.rip, rport: r.rport ?? 0, weight: r.weight ?? 1,
    maxConns: r.maxConns ?? 0, status: r.status ?? 'enable',
  }));
  const slb: SlbConfig = {
    ...newSlb('web'),
    natMode: spec.natMode ?? 'l3dsr-iptunnel',
    lbMethod: spec.lbMethod ?? 'rr',
    vips: (spec.vips ?? [{ protocol: 'tcp', vport: 80 }]).map((v) => ({ addr: v.addr ?? VIP, protocol: v.protocol, vport: v.vport })),
    reals: reals.map((r, i) => ({ id: r.id, backup: spec.reals?.[i]?.backup ?? false })),
    healthChecks: spec.healthCheck ? [1 as HcId] : [],
    sticky: { time: spec.stickyTime ?? 0, srcMask: 0xffffffff as Ipv4, dstMask: 0 as Ipv4 },
    filters: spec.filters ?? [{ ...newFilter(1 as FilterId), protocol: 'tcp', dstIp: { addr: VIP, len: 32 } }],
    dscp: spec.dscp ?? 0,
    failAction: spec.failAction ?? 'default',
    sessionTimeout: spec.sessionTimeout ?? null,
    ...spec.slb,
  };
  const ports = spec.boundaryPorts === undefined ? [1, 2] : spec.boundaryPorts;
  return {
    ...d,
    hostname: 'PAS-K',
    vlans: [
      ...d.vlans,
      { name: 'test', vid: 193 as VlanId, untagged: [1 as PortNo], tagged: [], tbm: false, description: '', vni: null },
      { name: 'srv', vid: 211 as VlanId, untagged: [3 as PortNo], tagged: [4 as PortNo], tbm: false, description: '', vni: null },
    ],
    interfaces: [
      ...d.interfaces,
      { name: 'test', address: { addr: ME_IP, len: 24 }, shutdown: false, rpf: 'default', description: '' },
      { name: 'srv', address: { addr: SRV_IP, len: 24 }, shutdown: false, rpf: 'default', description: '' },
    ],
    routes: {
      defaultGateway: ROUTER_IP,
      networks: [{ dest: { addr: ipv4('192.168.212.0'), len: 24 }, gateway: ROUTER_IP, priority: 10, hc: null, description: '' }],
      interfaceRoutes: [],
    },
    reals,
    healthChecks: [{ ...newHealthCheck(1 as HcId), type: 'ip-tunnel-tcp', innerTip: VIP }],
    portBoundaries: ports === null ? [] : [{ ...newPortBoundary(1 as PbId), ports: ports as PortNo[] }],
    slbs: [slb],
  };
}

export { ANY_PREFIX, ipv4, mac, type Mac };
