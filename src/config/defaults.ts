// Factory defaults: the configuration of a fresh appliance and of each new object.

import { ipv4, type Ipv4, type Prefix, type VlanId } from '../net/addr.js';
import type {
  FilterConfig, FilterId, GeneveApplianceConfig, GeneveGatewayConfig, HcId, HealthCheckConfig, InterfaceConfig, PbId, PortBoundaryConfig,
  RealConfig, RealId, RunningConfig, SlbConfig, VlanConfig,
} from './model.js';
import { defaultIpsec } from './ipsec.js';
import { defaultVxlan } from './vxlan.js';

export const ANY_PREFIX: Prefix = { addr: 0 as Ipv4, len: 0 };
export const DEFAULT_VLAN = 'default';
export const MGMT_IF = 'mgmt';

export function defaultVlan(): VlanConfig {
  return { name: DEFAULT_VLAN, vid: 1 as VlanId, untagged: [], tagged: [], tbm: false, description: '', vni: null };
}

export function newVlan(name: string): VlanConfig {
  return { name, vid: 0 as VlanId, untagged: [], tagged: [], tbm: false, description: '', vni: null };
}

export function newInterface(name: string): InterfaceConfig {
  return { name, address: null, shutdown: false, rpf: 'default', description: '' };
}

export function newReal(id: RealId): RealConfig {
  return { id, name: '', rip: null, rport: 0, sslRport: null, weight: 1, maxConns: 0, svcIp: null, status: 'enable', description: '' };
}

export function newHealthCheck(id: HcId): HealthCheckConfig {
  return {
    id, type: 'icmp', timeout: 3, interval: 5, retry: 3, recover: 0, status: 'enable', gracefulShutdown: 'disable',
    description: '', sip: null, tip: null, innerTip: null, dip: null, port: 0,
    http: { method: 'GET', path: '/', host: '', expectStatus: 200 }, udpReplyRequired: false,
  };
}

export function newPortBoundary(id: PbId): PortBoundaryConfig {
  return {
    id, status: 'enable', type: 'include', boundary: 'all', promisc: false, includeMac: [], ports: [], vlan: null,
    protocol: 'all', srcIp: ANY_PREFIX, dstIp: ANY_PREFIX, srcPort: null, dstPort: null, description: '',
  };
}

export function newFilter(id: FilterId): FilterConfig {
  return { id, type: 'include', protocol: 'all', srcIp: ANY_PREFIX, dstIp: ANY_PREFIX, status: 'enable', description: '' };
}

export function newSlb(name: string): SlbConfig {
  return {
    name, status: 'enable', priority: 50, natMode: 'nat', lbMethod: 'rr', failSkip: 'none', failAction: 'default',
    sessionTimeout: null, sessionReset: 'none', hcCondition: 'all', healthChecks: [], vips: [], description: '',
    filters: [], sticky: { time: 0, srcMask: 0xffffffff as Ipv4, dstMask: 0 as Ipv4 },
    keepBackupService: 'disable', keepBackupReal: 'disable', reals: [], dscp: 0, geneve: DEFAULT_GENEVE_GATEWAY,
  };
}

/** AWS's defaults: 5-tuple stickiness, no rebalancing, TCP idle timeout 350 s. */
export const DEFAULT_GENEVE_GATEWAY: GeneveGatewayConfig = {
  hashTuple: 5, targetFailover: 'no-rebalance', endpointId: '0000000000000000', attachmentId: '0000000000000000', tcpIdleTimeout: 350,
};

export function newGeneveAppliance(): GeneveApplianceConfig {
  return { iface: null, udpPort: 6081, healthPort: 0, status: 'enable', filters: [], defaultAction: 'return', sessions: 'disable' };
}

export function defaultConfig(): RunningConfig {
  return {
    hostname: 'switch',
    vlans: [defaultVlan()],
    interfaces: [newInterface(DEFAULT_VLAN), { ...newInterface(MGMT_IF), address: { addr: ipv4('192.168.100.1'), len: 24 } }],
    routes: { defaultGateway: null, networks: [], interfaceRoutes: [] },
    reals: [],
    healthChecks: [],
    portBoundaries: [],
    slbs: [],
    sessionTimeouts: { tcp: 3600, tcpSyn: 60, tcpFin: 10, udp: 60, icmp: 10 },
    users: [],
    enableSecretHash: null,
    execTimeout: 600,
    banner: '',
    loggingHosts: [],
    metricsListen: null,
    offload: false,
    geneveAppliance: null,
    vxlan: defaultVxlan(),
    vxlanFdb: [],
    staticArps: [],
    bgp: null,
    prefixLists: [],
    ipsec: defaultIpsec(),
  };
}
