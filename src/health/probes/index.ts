// Probe types by check type. The ip-tunnel-* checks are the plain ones with `tunnelTo` set:
// the same packets, wrapped in IP-in-IP by the engine (ProbeIo.sendIpv4's third argument).

import type { HcType } from '../../config/model.js';
import type { ActiveProbe, ProbeDone, ProbeEnv, ProbeSpec } from '../probe.js';
import { HttpProbe } from './http.js';
import { IcmpProbe } from './icmp.js';
import { TcpProbe } from './tcp.js';
import { UdpProbe } from './udp.js';

type ProbeCtor = new (env: ProbeEnv, spec: ProbeSpec, done: ProbeDone) => ActiveProbe;

export const PROBES: Readonly<Record<HcType, ProbeCtor>> = {
  'icmp': IcmpProbe,
  'tcp': TcpProbe,
  'udp': UdpProbe,
  'http': HttpProbe,
  'ip-tunnel-icmp': IcmpProbe,
  'ip-tunnel-tcp': TcpProbe,
  'ip-tunnel-udp': UdpProbe,
};

export function isTunnelType(t: HcType): boolean {
  return t === 'ip-tunnel-icmp' || t === 'ip-tunnel-tcp' || t === 'ip-tunnel-udp';
}

export function createProbe(env: ProbeEnv, spec: ProbeSpec, done: ProbeDone): ActiveProbe {
  return new PROBES[spec.type](env, spec, done);
}

export { HttpProbe, IcmpProbe, TcpProbe, UdpProbe };
