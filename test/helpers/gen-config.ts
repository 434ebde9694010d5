// Generates random valid running configurations in the canonical form the commands produce.
import { defaultConfig, newFilter, newGeneveAppliance, newHealthCheck, newPortBoundary, newReal, newSlb, newVlan, newInterface, ANY_PREFIX } from '../../src/config/defaults.js';
import { HC_TYPES, LB_METHODS, NAT_MODES, type FilterId, type HcId, type PbId, type RealId, type RunningConfig } from '../../src/config/model.js';
import { hashSecret } from '../../src/config/secrets.js';
import { maskOf, networkOf, type Ipv4, type Mac, type PortNo, type VlanId } from '../../src/net/addr.js';
import type { Rng } from './rng.js';
import { generateVxlan } from './gen-vxlan.js';
import { generateBgp } from './gen-bgp.js';
import { generateIpsec } from './gen-ipsec.js';

const ip = (a: number, b: number, c: number, d: number) => (((a << 24) | (b << 16) | (c << 8) | d) >>> 0) as Ipv4;

function text(r: Rng): string {
  const alphabet = ['a', 'Z', '0', ' ', '"', '\\', '|', '-', '_', '한', 'é', '!', '#', '?'];
  let s = r.pick(['x', 'Web', 'db']);
  for (let i = r.int(0, 12); i > 0; i--) s += r.pick(alphabet);
  return s.trim() || 'x';
}

function name(r: Rng, prefix: string): string {
  return `${prefix}${r.int(0, 9999)}`;
}

export function generateConfig(r: Rng, users = true): RunningConfig {
  const cfg = defaultConfig();
  const free = Array.from({ length: 16 }, (_, i) => (i + 1) as PortNo);
  const vlans = [...cfg.vlans];
  const interfaces = [...cfg.interfaces];
  const usedVids = new Set<number>([1]);
  const nets: { a: number; b: number }[] = [];
  for (let i = r.int(0, 3); i > 0; i--) {
    let vid: number;
    do vid = r.int(2, 4094); while (usedVids.has(vid));
    usedVids.add(vid);
    const mine = r.subset(free, 0.25);
    for (const p of mine) free.splice(free.indexOf(p), 1);
    const tagged = r.subset(free, 0.1);
    const vname = `v${vid}`;
    vlans.push({ ...newVlan(vname), vid: vid as VlanId, untagged: mine, tagged, tbm: r.chance(0.2), description: r.chance(0.3) ? text(r) : '' });
    if (r.chance(0.8)) {
      const net = { a: 10, b: nets.length + 1 };
      nets.push(net);
      interfaces.push({
        ...newInterface(vname), address: { addr: ip(net.a, net.b, 0, r.int(1, 254)), len: 24 },
        shutdown: r.chance(0.1), rpf: r.pick(['default', 'strict', 'loose', 'disable'] as const), description: r.chance(0.3) ? text(r) : '',
      });
    }
  }
  if (r.chance(0.3)) {
    interfaces.push({ ...newInterface(`loopback${r.int(0, 1023)}`), address: { addr: ip(10, 255, 0, r.int(1, 254)), len: 32 },
      description: r.chance(0.3) ? text(r) : '' });
  }
  if (r.chance(0.2)) {
    const i = interfaces.findIndex((x) => x.name === 'mgmt');
    interfaces[i] = { ...interfaces[i]!, address: r.chance(0.5) ? null : { addr: ip(172, 16, 0, r.int(1, 254)), len: 24 } };
  }
  const gwIn = (n: { a: number; b: number }) => ip(n.a, n.b, 0, r.int(1, 254));
  const healthChecks = Array.from({ length: r.int(0, 4) }, (_, i) => {
    const type = r.pick(HC_TYPES);
    const interval = r.int(1, 30);
    const h = newHealthCheck((i * 3 + 1) as HcId);
    return {
      ...h, type, interval, timeout: r.int(1, interval), retry: r.int(1, 5), recover: r.int(0, 5),
      status: r.pick(['enable', 'disable'] as const), gracefulShutdown: r.pick(['enable', 'disable'] as const),
      innerTip: type.startsWith('ip-tunnel') || r.chance(0.2) ? ip(192, 168, 193, r.int(1, 254)) : null,
      sip: r.chance(0.2) ? ip(10, 9, 9, 9) : null, tip: r.chance(0.2) ? ip(10, 8, 8, 8) : null, dip: r.chance(0.2) ? ip(10, 7, 7, 7) : null,
      port: r.chance(0.5) ? 0 : r.int(1, 65535),
      http: type === 'http' ? { method: r.pick(['GET', 'HEAD'] as const), path: r.pick(['/', '/health', '/a/b?x=1']), host: r.pick(['', 'example.com']), expectStatus: r.pick([200, 204, 301]) } : h.http,
      udpReplyRequired: type.includes('udp') && r.chance(0.5),
      description: r.chance(0.3) ? text(r) : '',
    };
  });
  const routes = {
    defaultGateway: nets.length && r.chance(0.7) ? gwIn(r.pick(nets)) : null,
    networks: nets.length ? Array.from({ length: r.int(0, 3) }, (_, i) => ({
      dest: { addr: networkOf({ addr: ip(100, i, r.int(0, 255), 0), len: 16 }), len: 16 },
      gateway: gwIn(r.pick(nets)), priority: r.pick([10, 1, 200]),
      hc: healthChecks.length && r.chance(0.3) ? r.pick(healthChecks).id : null, description: r.chance(0.3) ? text(r) : '',
    })) : [],
    interfaceRoutes: Array.from({ length: r.int(0, 2) }, (_, i) => ({
      dest: { addr: ip(100, 200 + i, r.int(0, 255), 0), len: 24 },
      iface: r.pick(interfaces.filter((x) => x.name !== 'mgmt')).name, priority: r.pick([10, 1, 200]),
      description: r.chance(0.3) ? text(r) : '',
    })),
  };
  const reals = Array.from({ length: r.int(0, 5) }, (_, i) => ({
    ...newReal((i * 2 + 1) as RealId), name: r.chance(0.8) ? `srv${i}` : '', rip: ip(192, 168, 211, 100 + i), rport: r.pick([0, 80, 8080]),
    sslRport: r.chance(0.2) ? 443 : null, weight: r.int(1, 100), maxConns: r.pick([0, 0, 1000]), svcIp: r.chance(0.1) ? ip(10, 1, 1, 1) : null,
    status: r.pick(['enable', 'disable'] as const), description: r.chance(0.3) ? text(r) : '',
  }));
  const portBoundaries = Array.from({ length: r.int(0, 3) }, (_, i) => {
    const src = r.chance(0.3) ? { addr: ip(192, 168, 0, 0), len: 16 } : ANY_PREFIX;
    return {
      ...newPortBoundary((i + 1) as PbId), type: r.pick(['include', 'exclude'] as const), status: r.pick(['enable', 'disable'] as const),
      ports: r.subset(Array.from({ length: 16 }, (_, k) => (k + 1) as PortNo), 0.3),
      vlan: r.chance(0.2) ? (r.pick([...usedVids]) as VlanId) : null, protocol: r.pick(['all', 'tcp', 'udp', 'icmp'] as const),
      srcIp: src, dstIp: r.chance(0.3) ? { addr: networkOf({ addr: ip(192, 168, 193, 0), len: 24 }), len: 24 } : ANY_PREFIX,
      srcPort: r.chance(0.2) ? { from: 1024, to: 65535 } : null, dstPort: r.chance(0.2) ? { from: 80, to: 80 } : null,
      promisc: r.chance(0.2), includeMac: r.chance(0.2) ? [0x0006c4903393 as Mac] : [], description: r.chance(0.3) ? text(r) : '',
    };
  });
  const slbs = Array.from({ length: r.int(0, 3) }, (_, i) => {
    const natMode = r.pick(NAT_MODES);
    const s = newSlb(name(r, `s${i}_`));
    const geneve = natMode === 'geneve';
    return {
      ...s, natMode, lbMethod: geneve ? r.pick(['hash', 'maglev'] as const) : r.pick(LB_METHODS),
      dscp: natMode === 'l3dsr-dscp' ? r.int(1, 63) : r.chance(0.1) ? 5 : 0,
      vips: geneve ? [] : [{ addr: ip(192, 168, 193, 50 + i), protocol: r.pick(['tcp', 'udp'] as const), vport: r.int(1, 65535) }],
      geneve: !geneve && r.chance(0.8) ? s.geneve : {
        hashTuple: r.pick([5, 3, 2] as const), targetFailover: r.pick(['no-rebalance', 'rebalance'] as const),
        endpointId: r.pick(['0000000000000000', '2356de92d389839c']), attachmentId: r.pick(['0000000000000000', '00000000000000ff']),
        tcpIdleTimeout: r.pick([350, 60, 6000]),
      },
      reals: r.subset(reals).map((x) => ({ id: x.id, backup: r.chance(0.2) })),
      healthChecks: r.subset(healthChecks).map((h) => h.id), hcCondition: r.pick(['all', 'any'] as const),
      filters: r.subset([1, 2, 5]).map((id) => ({
        ...newFilter(id as FilterId), type: r.pick(['include', 'exclude'] as const), protocol: r.pick(['all', 'tcp', 'udp', 'icmp'] as const),
        srcIp: r.chance(0.3) ? { addr: ip(10, 0, 0, 0), len: 8 } : ANY_PREFIX, dstIp: { addr: ip(192, 168, 193, 50 + i), len: 32 },
        status: r.pick(['enable', 'disable'] as const), description: r.chance(0.3) ? text(r) : '',
      })),
      sticky: { time: r.pick([0, 60, 3600]), srcMask: maskOf(r.pick([32, 24, 16])) as Ipv4, dstMask: maskOf(r.pick([0, 32])) as Ipv4 },
      status: r.pick(['enable', 'disable'] as const), priority: r.int(1, 100), sessionTimeout: r.chance(0.3) ? r.int(1, 86400) : null,
      failSkip: r.pick(['none', 'port', 'real'] as const), failAction: r.pick(['default', 'reset', 'drop'] as const),
      sessionReset: r.pick(['none', 'client', 'both'] as const), keepBackupService: r.pick(['enable', 'disable'] as const),
      keepBackupReal: r.pick(['enable', 'disable'] as const), description: r.chance(0.3) ? text(r) : '',
    };
  });
  const vx = generateVxlan(r, vlans, interfaces);
  return {
    ...cfg,
    hostname: r.chance(0.5) ? name(r, 'PAS-K') : cfg.hostname,
    vlans: vx.vlans, interfaces, routes, healthChecks, reals, portBoundaries, slbs,
    vxlan: vx.vxlan, vxlanFdb: vx.vxlanFdb, staticArps: vx.staticArps,
    ...generateBgp(r, interfaces),
    ipsec: generateIpsec(r, interfaces),
    sessionTimeouts: { ...cfg.sessionTimeouts, udp: r.pick([60, 120]), tcp: r.pick([3600, 600]) },
    users: users && r.chance(0.3) ? [{ name: 'admin', privilege: 15, passwordHash: hashSecret('pw'), publicKeys: r.chance(0.5) ? ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG0 a@b'] : [] }] : [],
    enableSecretHash: users && r.chance(0.2) ? hashSecret('en') : null,
    execTimeout: r.pick([600, 0, 90, 3600]),
    banner: r.chance(0.2) ? `${text(r)}\nsecond line` : '',
    loggingHosts: r.chance(0.3) ? [{ addr: ip(10, 0, 0, r.int(1, 254)), port: r.pick([514, 1514]), transport: r.pick(['udp', 'tcp'] as const) }] : [],
    metricsListen: r.chance(0.2) ? { host: r.pick(['', '127.0.0.1']), port: r.int(1024, 65535) } : null,
    offload: r.chance(0.3),
    geneveAppliance: slbs.some((x) => x.natMode === 'geneve') || !r.chance(0.3) ? null : {
      ...newGeneveAppliance(), iface: r.pick(interfaces.filter((x) => x.name !== 'mgmt')).name, udpPort: r.pick([6081, 6082]),
      healthPort: r.pick([0, 80, 8080]), status: r.pick(['enable', 'disable'] as const), defaultAction: r.pick(['return', 'drop'] as const),
      sessions: r.pick(['enable', 'disable'] as const),
      filters: r.subset([1, 3]).map((id) => ({
        ...newFilter(id as FilterId), type: r.pick(['include', 'exclude'] as const), protocol: r.pick(['all', 'tcp', 'udp', 'icmp'] as const),
        srcIp: r.chance(0.3) ? { addr: ip(10, 0, 0, 0), len: 8 } : ANY_PREFIX, dstIp: r.chance(0.3) ? { addr: ip(10, 1, 0, 0), len: 16 } : ANY_PREFIX,
        status: r.pick(['enable', 'disable'] as const), description: r.chance(0.3) ? text(r) : '',
      })),
    },
  };
}
