// The running configuration: a typed, immutable model. Every change builds a new object
// (copy on write), so a staged edit can be validated as a whole and swapped in atomically,
// and "has this object changed since I started editing it" is a reference comparison.

import type { Brand, Ipv4, Mac, PortNo, Prefix, VlanId } from '../net/addr.js';

export type RealId = Brand<number, 'RealId'>;
export type HcId = Brand<number, 'HcId'>;
export type PbId = Brand<number, 'PbId'>;
export type FilterId = Brand<number, 'FilterId'>;

export type Toggle = 'enable' | 'disable';
export type NatMode = 'nat' | 'dsr' | 'l3dsr-iptunnel' | 'l3dsr-dscp';
export const NAT_MODES: readonly NatMode[] = ['nat', 'dsr', 'l3dsr-iptunnel', 'l3dsr-dscp'];
export type LbMethod = 'rr' | 'wrr' | 'lc' | 'hash' | 'maglev';
export const LB_METHODS: readonly LbMethod[] = ['rr', 'wrr', 'lc', 'hash', 'maglev'];
export type HcType = 'icmp' | 'tcp' | 'udp' | 'http' | 'ip-tunnel-icmp' | 'ip-tunnel-tcp' | 'ip-tunnel-udp';
export const HC_TYPES: readonly HcType[] = ['icmp', 'tcp', 'udp', 'http', 'ip-tunnel-icmp', 'ip-tunnel-tcp', 'ip-tunnel-udp'];
export type VipProtocol = 'tcp' | 'udp';
export type FilterProtocol = 'all' | 'tcp' | 'udp' | 'icmp';

export interface PortRange {
  readonly from: number;
  readonly to: number;
}

export interface VlanConfig {
  readonly name: string;
  readonly vid: VlanId;
  /** Explicit members. The default VLAN also holds, untagged, every port untagged nowhere else. */
  readonly untagged: readonly PortNo[];
  readonly tagged: readonly PortNo[];
  readonly tbm: boolean;
  readonly description: string;
}

export interface InterfaceConfig {
  /** The name of the VLAN it sits on, or `mgmt` for the management port. */
  readonly name: string;
  readonly address: Prefix | null;
  readonly shutdown: boolean;
  readonly rpf: 'default' | 'strict' | 'loose' | 'disable';
  readonly description: string;
}

export interface NetworkRoute {
  /** Destination network (host bits clear). */
  readonly dest: Prefix;
  readonly gateway: Ipv4;
  readonly priority: number;
  readonly hc: HcId | null;
  readonly description: string;
}

export interface RouteConfig {
  readonly defaultGateway: Ipv4 | null;
  readonly networks: readonly NetworkRoute[];
}

export interface RealConfig {
  readonly id: RealId;
  readonly name: string;
  readonly rip: Ipv4 | null;
  /** 0 means "the VIP's port". */
  readonly rport: number;
  readonly sslRport: number | null;
  readonly weight: number;
  /** Maximum concurrent sessions, 0 = unlimited. */
  readonly maxConns: number;
  readonly svcIp: Ipv4 | null;
  readonly status: Toggle;
  readonly description: string;
}

export interface HttpCheckOptions {
  readonly method: 'GET' | 'HEAD';
  readonly path: string;
  readonly host: string;
  readonly expectStatus: number;
}

export interface HealthCheckConfig {
  readonly id: HcId;
  readonly type: HcType;
  readonly timeout: number;
  readonly interval: number;
  readonly retry: number;
  readonly recover: number;
  readonly status: Toggle;
  readonly gracefulShutdown: Toggle;
  readonly description: string;
  /** Source address of the probe (default: the egress interface's). */
  readonly sip: Ipv4 | null;
  /** Target address of a plain check (default: the real's RIP). */
  readonly tip: Ipv4 | null;
  /** Inner destination of a tunnel check, normally the VIP. */
  readonly innerTip: Ipv4 | null;
  /** Outer destination of a tunnel check (default: the real's RIP). */
  readonly dip: Ipv4 | null;
  /** 0 means the real's rport. */
  readonly port: number;
  readonly http: HttpCheckOptions;
  /** UDP checks: require an answer (otherwise silence counts as up). */
  readonly udpReplyRequired: boolean;
}

export interface PortBoundaryConfig {
  readonly id: PbId;
  readonly status: Toggle;
  readonly type: 'include' | 'exclude';
  readonly boundary: 'all';
  readonly promisc: boolean;
  readonly includeMac: readonly Mac[];
  readonly ports: readonly PortNo[];
  readonly vlan: VlanId | null;
  readonly protocol: FilterProtocol;
  readonly srcIp: Prefix;
  readonly dstIp: Prefix;
  readonly srcPort: PortRange | null;
  readonly dstPort: PortRange | null;
  readonly description: string;
}

export interface VipConfig {
  readonly addr: Ipv4;
  readonly protocol: VipProtocol;
  readonly vport: number;
}

export interface FilterConfig {
  readonly id: FilterId;
  readonly type: 'include' | 'exclude';
  readonly protocol: FilterProtocol;
  readonly srcIp: Prefix;
  readonly dstIp: Prefix;
  readonly status: Toggle;
  readonly description: string;
}

export interface SlbRealMember {
  readonly id: RealId;
  /** A backup real takes traffic only while no primary real is healthy. */
  readonly backup: boolean;
}

export interface StickyConfig {
  /** Seconds; 0 = no stickiness. */
  readonly time: number;
  readonly srcMask: Ipv4;
  readonly dstMask: Ipv4;
}

export interface SlbConfig {
  readonly name: string;
  readonly status: Toggle;
  readonly priority: number;
  readonly natMode: NatMode;
  readonly lbMethod: LbMethod;
  readonly failSkip: 'none' | 'port' | 'real';
  readonly failAction: 'default' | 'reset' | 'drop';
  /** Seconds of idle before a session expires; null = the global timeouts. */
  readonly sessionTimeout: number | null;
  readonly sessionReset: 'none' | 'client' | 'both';
  readonly hcCondition: 'all' | 'any';
  readonly healthChecks: readonly HcId[];
  readonly vips: readonly VipConfig[];
  readonly description: string;
  readonly filters: readonly FilterConfig[];
  readonly sticky: StickyConfig;
  readonly keepBackupService: Toggle;
  readonly keepBackupReal: Toggle;
  readonly reals: readonly SlbRealMember[];
  /** l3dsr-dscp: the DSCP value that marks this VIP's traffic. */
  readonly dscp: number;
}

export interface SessionTimeouts {
  readonly tcp: number;
  readonly tcpSyn: number;
  readonly tcpFin: number;
  readonly udp: number;
  readonly icmp: number;
}

export interface UserConfig {
  readonly name: string;
  readonly privilege: 1 | 15;
  /** scrypt$N$salt$hash, never the password. */
  readonly passwordHash: string | null;
  readonly publicKeys: readonly string[];
}

export interface RunningConfig {
  readonly hostname: string;
  readonly vlans: readonly VlanConfig[];
  readonly interfaces: readonly InterfaceConfig[];
  readonly routes: RouteConfig;
  readonly reals: readonly RealConfig[];
  readonly healthChecks: readonly HealthCheckConfig[];
  readonly portBoundaries: readonly PortBoundaryConfig[];
  readonly slbs: readonly SlbConfig[];
  readonly sessionTimeouts: SessionTimeouts;
  readonly users: readonly UserConfig[];
  readonly enableSecretHash: string | null;
  /** Idle timeout of SSH and control-socket consoles, in seconds; 0 = none. */
  readonly execTimeout: number;
}
