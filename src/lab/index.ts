// The embedded lab: the simulated world the appliance runs in by default.
//
//   const clock = new VirtualClock();
//   const app = new Appliance(clock);
//   const lab = defaultLab({ clock, pacing: interactive ? 'realtime' : 'instant' });
//   app.world = lab;
//   for (const n of lab.connectedPorts()) engine.attach(n, lab.portBackend(n)!);
//
// Hosts run a small Linux-like stack (src/lab/host/); `lab.host('client')!.httpGet(...)`,
// `.ping(...)`, `.udpRequest(...)` drive traffic, `lab.settle(promise, maxMs)` lets virtual
// time pass until it completes, `lab.tap(fn)` sees every frame on every link.
export * from '../util/prng.js';
export * from './link.js';
export * from './switch.js';
export * from './world.js';
export * from './builder.js';
export { Host, type HostOptions, type HostRole } from './host/host.js';
export { Nic } from './host/nic.js';
export { ArpLayer, type ArpAnnounce, type ArpIgnore, type Neighbor } from './host/arp.js';
export { IpLayer, type RouteResult, type StaticRoute } from './host/ip.js';
export { IcmpLayer, ICMP_MAX_QUOTE, type PingResult, type PingOptions } from './host/icmp.js';
export {
  LINUX_TCP, TcpConnection, TcpLayer, WINDOWS_TCP, type ConnectOptions, type KeepAliveOptions, type ListenOptions,
  type TcpConnectionOptions, type TcpEndReason, type TcpProfile, type TcpState,
} from './host/tcp.js';
export { UdpLayer, type UdpDatagram, type UdpResult } from './host/udp.js';
export {
  HttpService, Service, UdpEchoService, httpGet, httpRequestText, type HttpFailure, type HttpGetOptions, type HttpResult,
  type HttpTarget, type ServiceKind, type ServiceProto,
} from './host/app.js';
