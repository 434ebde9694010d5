// The VXLAN part of a generated configuration (gen-config.ts): VNIs on some VLANs, the VTEP's
// settings, static FDB entries of those VNIs, static neighbours on VLANs with an interface, in
// the canonical form the commands produce.
import type { InterfaceConfig, StaticArpConfig, VlanConfig, VxlanConfig, VxlanFdbConfig } from '../../src/config/model.js';
import { defaultVxlan } from '../../src/config/vxlan.js';
import type { Ipv4, Mac } from '../../src/net/addr.js';
import type { Rng } from './rng.js';

const ip = (a: number, b: number, c: number, d: number) => (((a << 24) | (b << 16) | (c << 8) | d) >>> 0) as Ipv4;
const unicastMac = (r: Rng) => (0x020000000000 + r.int(0, 0xffffff) * 0x100 + r.int(0, 255)) as Mac;

export function generateVxlan(r: Rng, vlans: readonly VlanConfig[], interfaces: readonly InterfaceConfig[]): {
  vlans: VlanConfig[]; vxlan: VxlanConfig; vxlanFdb: VxlanFdbConfig[]; staticArps: StaticArpConfig[];
} {
  const used = new Set<number>();
  const out = vlans.map((v) => {
    if (!r.chance(0.35)) return v;
    let vni: number;
    do vni = r.chance(0.5) ? r.int(1, 100) : r.int(1, 16777215); while (used.has(vni));
    used.add(vni);
    return { ...v, vni };
  });
  const d = defaultVxlan();
  const sources = interfaces.filter((i) => i.name !== 'mgmt' && i.address).map((i) => i.address!.addr);
  const vxlan: VxlanConfig = r.chance(0.5) ? d : {
    sourceAddress: sources.length && r.chance(0.8) ? r.pick(sources) : null,
    udpPort: r.pick([4789, 8472, r.int(1, 65535)]), learning: r.chance(0.8), arpProxy: r.chance(0.5),
    ageing: r.pick([300, 0, 10, r.int(1, 1000000)]), maxEntries: r.pick([16384, 64, r.int(1, 1048576)]), mtu: r.pick([1450, 1500, 8950, r.int(68, 65000)]),
  };
  const vxlanFdb: VxlanFdbConfig[] = [];
  for (const vni of used) {
    const remotes = new Set<number>();
    for (let k = r.int(0, 3); k > 0; k--) {
      const zero = r.chance(0.4);
      const remote = ip(192, 168, 104, r.int(1, 254));
      if (zero && remotes.has(remote)) continue;
      if (zero) remotes.add(remote);
      const mac = zero ? (0 as Mac) : unicastMac(r);
      if (!zero && vxlanFdb.some((f) => f.mac === mac && f.vni === vni)) continue;
      vxlanFdb.push({ mac, vni, remote, port: r.chance(0.7) ? null : r.int(1, 65535) });
    }
  }
  const staticArps: StaticArpConfig[] = [];
  const withIf = vlans.filter((v) => interfaces.some((i) => i.name === v.name));
  for (let k = withIf.length ? r.int(0, 3) : 0; k > 0; k--) {
    const addr = ip(10, 77, r.int(0, 255), r.int(1, 254));
    if (staticArps.some((a) => a.addr === addr)) continue;
    staticArps.push({ addr, mac: unicastMac(r), vlan: r.pick(withIf).name });
  }
  return { vlans: out, vxlan, vxlanFdb, staticArps };
}
