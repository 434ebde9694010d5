// The running configuration: a typed, immutable model. Every change builds a new object
// (copy on write), so a staged edit can be validated as a whole and swapped in atomically,
// and "has this object changed since I started editing it" is a reference comparison.

import type { Brand, Ipv4, Mac, PortNo, Prefix, VlanId } from '../net/addr.js';
import type { BgpConfig, PrefixListConfig } from './bgp.js';
import type { IpsecConfig } from './ipsec.js';

export type RealId = Brand<number, 'RealId'>;
export type HcId = Brand<number, 'HcId'>;
export type PbId = Brand<number, 'PbId'>;
export type FilterId = Brand<number, 'FilterId'>;

export type Toggle = 'enable' | 'disable';
export type NatMode = 'nat' | 'dsr' | 'l3dsr-iptunnel' | 'l3dsr-dscp' | 'geneve';
export const NAT_MODES: readonly NatMode[] = ['nat', 'dsr', 'l3dsr-iptunnel', 'l3dsr-dscp', 'geneve'];
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
  /** The VXLAN segment the VLAN is bridged to (`vxlan vni N`), or null. */
  readonly vni: number | null;
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

/** A route out of an interface with no gateway: the destination is treated as on the interface's link. */
export interface InterfaceRoute {
  /** Destination network (host bits clear). */
  readonly dest: Prefix;
  /** The data interface (a VLAN's, a loopback, a tunnel). */
  readonly iface: string;
  readonly priority: number;
  readonly description: string;
}

export interface RouteConfig {
  readonly defaultGateway: Ipv4 | null;
  readonly networks: readonly NetworkRoute[];
  readonly interfaceRoutes: readonly InterfaceRoute[];
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
  /** nat-mode geneve (a gateway load balancer): see GeneveGatewayConfig. */
  readonly geneve: GeneveGatewayConfig;
}

/** The settings of an SLB in `nat-mode geneve` (AWS Gateway Load Balancer semantics). */
export interface GeneveGatewayConfig {
  /** Which fields pick the target: 5-tuple, 3-tuple (addresses, protocol) or 2-tuple (addresses); symmetric. */
  readonly hashTuple: 5 | 3 | 2;
  /** On a target's failure: existing flows stay on it, or are rehashed onto healthy targets. */
  readonly targetFailover: 'no-rebalance' | 'rebalance';
  /** Option 1 (the GWLB endpoint id) and option 2 (the attachment id): 16 lowercase hex digits each. */
  readonly endpointId: string;
  readonly attachmentId: string;
  /** Idle timeout of TCP flows in seconds (60-6000); other flows: 120 s. */
  readonly tcpIdleTimeout: number;
}

/** `geneve-appliance`: the appliance as a GWLB target (decapsulate, inspect, return). */
export interface GeneveApplianceConfig {
  /** The data interface whose address receives the GENEVE traffic (null: not set). */
  readonly iface: string | null;
  readonly udpPort: number;
  /** TCP port answered by the appliance itself (HTTP 200 on GET), for the GWLB's checks; 0: none. */
  readonly healthPort: number;
  readonly status: Toggle;
  /** Inspection of the inner packets: the first matching filter decides (include: returned, exclude: dropped). */
  readonly filters: readonly FilterConfig[];
  /** What happens to an inner packet no filter matches. */
  readonly defaultAction: 'return' | 'drop';
  /** Per-flow sessions: packets that neither start a flow nor belong to one are dropped. */
  readonly sessions: Toggle;
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

/** A syslog collector (`logging host`). */
export interface LoggingHost {
  readonly addr: Ipv4;
  readonly port: number;
  readonly transport: 'udp' | 'tcp';
}

/** Where the Prometheus endpoint listens (`metrics listen`); host '' = every address. */
export interface MetricsListen {
  readonly host: string;
  readonly port: number;
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
  /** `banner motd`: shown before a console's first prompt ('' = none). */
  readonly banner: string;
  readonly loggingHosts: readonly LoggingHost[];
  readonly metricsListen: MetricsListen | null;
  /**
   * `offload enable`: established flows forwarded in the kernel (src/offload/). Kept even where
   * the offloader cannot run (the lab, no root, no BPF): `show offload` says why it is not active.
   */
  readonly offload: boolean;
  /** `geneve-appliance` (null: not configured). */
  readonly geneveAppliance: GeneveApplianceConfig | null;
  /** The VXLAN tunnel endpoint (src/config/vxlan.ts). */
  readonly vxlan: VxlanConfig;
  readonly vxlanFdb: readonly VxlanFdbConfig[];
  /** `arp A.B.C.D MAC vlan NAME`: neighbours that are PERMANENT. */
  readonly staticArps: readonly StaticArpConfig[];
  /** `router bgp N` (null: no BGP speaker; src/config/bgp.ts). */
  readonly bgp: BgpConfig | null;
  /** `ip prefix-list`, by name. */
  readonly prefixLists: readonly PrefixListConfig[];
  /** IKE/ESP groups, peers, VTIs (src/config/ipsec.ts). */
  readonly ipsec: IpsecConfig;
}

/** The VXLAN tunnel endpoint (`vxlan` sub-mode); the VLANs with a `vxlan vni` are its segments. */
export interface VxlanConfig {
  /** The local VTEP address: the outer source, and where VXLAN is accepted (null: the VTEP is down). */
  readonly sourceAddress: Ipv4 | null;
  readonly udpPort: number;
  /** Learn inner source MACs of received frames into the FDB. */
  readonly learning: boolean;
  /** Answer ARP requests from the local side for known remote neighbours instead of sending them across. */
  readonly arpProxy: boolean;
  /** Seconds a learned FDB entry lives without a frame from its MAC (0: never ages). */
  readonly ageing: number;
  /** Most learned FDB entries. */
  readonly maxEntries: number;
  /** The overlay MTU: the largest inner IP packet (its frame is 14 bytes more). */
  readonly mtu: number;
}

/** A static FDB entry (`vxlan fdb MAC vni N remote A.B.C.D [port N]`); MAC 0 is an all-zeros (flood) entry. */
export interface VxlanFdbConfig {
  readonly mac: Mac;
  readonly vni: number;
  readonly remote: Ipv4;
  /** null: the VTEP's udp-port. */
  readonly port: number | null;
}

/** A static neighbour (`arp A.B.C.D MAC vlan NAME`): PERMANENT, never asked, never aged. */
export interface StaticArpConfig {
  readonly addr: Ipv4;
  readonly mac: Mac;
  readonly vlan: string;
}
