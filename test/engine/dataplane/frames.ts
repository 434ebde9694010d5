// Frames of the lab hosts, built with src/packet/build.ts.

import {
  buildArpFrame, buildIcmpEchoFrame, buildTcpFrame, buildUdpFrame, TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN,
  type TcpFrameSpec, type UdpFrameSpec,
} from '../../../src/packet/index.js';
import type { EngineOptions } from '../../../src/engine/index.js';
import {
  CLIENT, CLIENT_SIDE_MAC, ME, ME_IP, REAL1, REAL1_MAC, REAL2, REAL2_MAC, REAL3, REAL3_MAC, ROUTER_IP, ROUTER_MAC, SRV_IP, VIP,
  labConfig, rig, takeAll, type LabSpec, type Rig,
} from './harness.js';

export { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN };

/** The client's SYN options in file 000: [mss 1460,nop,wscale 8,nop,nop,sackOK]. */
export const SEED_SYN_OPTIONS: TcpFrameSpec['options'] = [
  { kind: 'mss', value: 1460 }, { kind: 'nop' }, { kind: 'wscale', value: 8 }, { kind: 'nop' }, { kind: 'nop' }, { kind: 'sackOK' },
];

/** A TCP segment from the client (through the router) to VIP:80. */
export function clientTcp(sport: number, flags: number, over: Partial<TcpFrameSpec> = {}): Buffer {
  return buildTcpFrame({
    dstMac: ME, srcMac: CLIENT_SIDE_MAC, src: CLIENT, dst: VIP, sport, dport: 80, seq: 276011400, flags, window: 65535,
    ...(flags === TCP_SYN ? { options: SEED_SYN_OPTIONS } : {}), ...over,
  });
}

export function clientUdp(sport: number, over: Partial<UdpFrameSpec> = {}): Buffer {
  return buildUdpFrame({ dstMac: ME, srcMac: CLIENT_SIDE_MAC, src: CLIENT, dst: VIP, sport, dport: 53, payload: 'query', ...over });
}

export function ping(src: number, dst: number, over: { srcMac?: number; id?: number; seq?: number } = {}): Buffer {
  return buildIcmpEchoFrame({ dstMac: ME, srcMac: over.srcMac ?? CLIENT_SIDE_MAC, src, dst, id: over.id ?? 7, seq: over.seq ?? 1, payload: 'abcdefgh' });
}

/** ARP request from `spa`/`sha` for `tpa`. */
export function arpRequest(sha: number, spa: number, tpa: number, vlanId?: number): Buffer {
  return buildArpFrame({ op: 'request', sha, spa, tpa, ...(vlanId !== undefined ? { vlanId } : {}) });
}

export function arpReply(sha: number, spa: number, tha: number, tpa: number): Buffer {
  return buildArpFrame({ op: 'reply', sha, spa, tha, tpa });
}

/**
 * Makes the router known: it asks the appliance for its address (the appliance learns it and
 * answers). Clears what was sent.
 */
export function primeRouter(r: Rig, port = 1): void {
  r.ports[port]!.inject(arpRequest(ROUTER_MAC, ROUTER_IP, ME_IP));
  takeAll(r);
}

/** Makes a host on a directly connected network known (it asks the appliance for `ownIp`). */
export function primeHost(r: Rig, port: number, hostMac: number, hostIp: number, ownIp: number, vlanId?: number): void {
  r.ports[port]!.inject(arpRequest(hostMac, hostIp, ownIp, vlanId));
  takeAll(r);
}

/** A lab-config rig with the router and the three reals' hosts already known (ARP, MAC table). */
export function primedSlbRig(spec: LabSpec = {}, opts: EngineOptions = {}): Rig {
  const r = rig(labConfig(spec), opts);
  primeRouter(r);
  primeHost(r, 3, REAL1_MAC, REAL1, SRV_IP);
  primeHost(r, 3, REAL2_MAC, REAL2, SRV_IP);
  primeHost(r, 3, REAL3_MAC, REAL3, SRV_IP);
  return r;
}
