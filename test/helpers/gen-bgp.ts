// The BGP part of a generated configuration (gen-config.ts): prefix lists and a speaker whose
// neighbors use them and the interfaces' addresses, in the canonical form the commands produce.
import { REDISTRIBUTE_SOURCES, newBgp, newNeighbor, type BgpConfig, type PrefixListConfig } from '../../src/config/bgp.js';
import type { InterfaceConfig } from '../../src/config/model.js';
import type { Ipv4 } from '../../src/net/addr.js';
import type { Rng } from './rng.js';

const ip = (a: number, b: number, c: number, d: number) => (((a << 24) | (b << 16) | (c << 8) | d) >>> 0) as Ipv4;

export function generateBgp(r: Rng, interfaces: readonly InterfaceConfig[]): { bgp: BgpConfig | null; prefixLists: PrefixListConfig[] } {
  const prefixLists: PrefixListConfig[] = [];
  for (const name of r.subset(['BGP', 'IN', 'out-1'], 0.4)) {
    const rules = r.subset([5, 10, 20, 100, 4000000000], 0.5).map((seq) => {
      const len = r.pick([8, 16, 24, 32]);
      const ge = len < 32 && r.chance(0.3) ? r.int(len + 1, 32) : null;
      const le = len < 32 && r.chance(0.3) ? r.int(ge ?? len + 1, 32) : null;
      return {
        seq, action: r.pick(['permit', 'deny'] as const), prefix: { addr: ip(10, len >= 16 ? seq % 256 : 0, 0, 0), len }, ge, le,
        description: r.chance(0.3) ? r.pick(['Local Subnets', 'Deny "x" \\ y', '한국']) : '',
      };
    });
    const description = r.chance(0.2) || rules.length === 0 ? 'Azure' : '';
    prefixLists.push({ name, description, rules });
  }
  if (!r.chance(0.4)) return { bgp: null, prefixLists };
  const own = interfaces.flatMap((i) => (i.address ? [i.address.addr] : []));
  const keepalive = r.pick([60, 3, 10]);
  let b: BgpConfig = {
    ...newBgp(r.pick([65510, 64512, 4200000001])),
    routerId: r.chance(0.3) ? ip(1, 1, 1, r.int(1, 254)) : null,
    keepalive, holdTime: r.pick([keepalive * 3, 180]),
    maximumPaths: r.pick([1, 1, 2, 8]), maximumPathsIbgp: r.pick([1, 4]),
    networks: r.subset([{ addr: ip(192, 168, 1, 0), len: 24 }, { addr: ip(10, 9, 0, 0), len: 16 }]),
    redistribute: r.subset(REDISTRIBUTE_SOURCES),
  };
  const neighbors = [];
  // Not the mgmt interface's address (gen-config may put it in 172.16.0.0/24).
  for (const last of r.subset([1, 2, 254], 0.5).filter((l) => !own.includes(ip(172, 16, 0, l)))) {
    const lists = prefixLists.map((l) => l.name);
    neighbors.push({
      ...newNeighbor(ip(172, 16, 0, last)), remoteAs: r.pick([65515, b.asn, 4200000002]),
      description: r.chance(0.3) ? 'Azure "gw"' : '', ebgpMultihop: r.chance(0.4) ? r.int(1, 255) : null,
      updateSource: own.length && r.chance(0.4) ? r.pick(own) : null, softReconfigInbound: r.chance(0.5),
      prefixListIn: lists.length && r.chance(0.5) ? r.pick(lists) : null, prefixListOut: lists.length && r.chance(0.5) ? r.pick(lists) : null,
      ...(r.chance(0.2) ? { keepalive: 10, holdTime: 30 } : {}), connectRetry: r.chance(0.2) ? r.int(1, 600) : null,
      advertisementInterval: r.chance(0.2) ? r.int(0, 600) : null, weight: r.chance(0.2) ? r.int(1, 65535) : 0,
      nextHopSelf: r.chance(0.2), passive: r.chance(0.2), shutdown: r.chance(0.1),
    });
  }
  b = { ...b, neighbors };
  return { bgp: b, prefixLists };
}
