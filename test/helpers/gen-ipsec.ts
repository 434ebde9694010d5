// The IPsec part of a generated configuration (gen-config.ts): groups, VTIs and peers bound to
// them, in the canonical form the commands produce. Peers carry no pre-shared secret here: a
// sealed secret opens only with the key of the appliance that sealed it (the round trip of a
// secret through a saved file is tested with a shared key in test/ipsec/).
import {
  DH_GROUPS, IKE_ENCRYPTIONS, IPSEC_HASHES, PFS_SETTINGS, type EspGroupConfig, type IkeGroupConfig, type IpsecConfig, type IpsecPeerConfig,
  type VtiConfig,
} from '../../src/config/ipsec.js';
import type { InterfaceConfig } from '../../src/config/model.js';
import type { Ipv4 } from '../../src/net/addr.js';
import type { Rng } from './rng.js';

const ip = (a: number, b: number, c: number, d: number) => (((a << 24) | (b << 16) | (c << 8) | d) >>> 0) as Ipv4;

export function generateIpsec(r: Rng, interfaces: readonly InterfaceConfig[]): IpsecConfig {
  const ikeGroups: IkeGroupConfig[] = r.subset(['FOO0', 'azure-1'], 0.5).map((name) => ({
    name,
    proposals: r.subset([1, 2, 7], 0.6).map((id) => ({
      id, encryption: r.pick(IKE_ENCRYPTIONS), hash: r.pick(IPSEC_HASHES), dhGroup: r.chance(0.9) ? r.pick(DH_GROUPS) : null,
    })),
    lifetime: r.pick([28800, 3600, 60]),
    keyExchange: r.pick(['ikev1', 'ikev2', 'ikev2'] as const),
    dpd: r.chance(0.3) ? { interval: r.pick([30, 5]), timeout: r.pick([120, 30]), action: r.pick(['restart', 'clear', 'hold'] as const) } : null,
  }));
  const espGroups: EspGroupConfig[] = r.subset(['FOO0', 'esp-2'], 0.5).map((name) => ({
    name,
    proposals: r.subset([1, 3], 0.6).map((id) => ({ id, encryption: r.pick(IKE_ENCRYPTIONS), hash: r.chance(0.8) ? r.pick(IPSEC_HASHES) : null }))
      .map((p) => (p.hash === null && !p.encryption.includes('gcm') ? { ...p, hash: 'sha1' as const } : p)),
    lifetime: r.pick([3600, 27000, 30]),
    pfs: r.pick(PFS_SETTINGS),
    mode: 'tunnel' as const,
  }));
  const vtis: VtiConfig[] = r.subset(['vti0', 'vti7'], 0.5).map((name, i) => ({
    name,
    address: r.chance(0.4) ? { addr: ip(169, 254, i, 1), len: 30 } : null,
    mtu: r.chance(0.3) ? r.pick([1400, 1436]) : null,
    description: r.chance(0.3) ? r.pick(['to Azure', 'VPN "x"']) : '',
  }));
  const own = interfaces.filter((i) => i.address && i.name !== 'mgmt').map((i) => i.address!.addr);
  const usableIke = ikeGroups.filter((g) => g.keyExchange === 'ikev2' && g.proposals.length > 0);
  const usableEsp = espGroups.filter((g) => g.proposals.length > 0);
  const freeVtis = [...vtis];
  const peers: IpsecPeerConfig[] = r.subset([ip(192, 0, 2, 1), ip(198, 51, 100, 9)], 0.5).map((addr) => {
    const ike = usableIke.length && freeVtis.length && usableEsp.length && r.chance(0.7) ? r.pick(usableIke) : null;
    const bind = ike ? freeVtis.shift()! : null;
    return {
      addr, description: r.chance(0.3) ? 'IPsecAzure' : '',
      localAddress: own.length && r.chance(0.6) ? r.pick(own) : null,
      ikeGroup: ike ? ike.name : ikeGroups.length && r.chance(0.5) ? r.pick(ikeGroups).name : null,
      secret: null,
      connectionType: r.pick(['initiate', 'respond'] as const),
      forceEncapsulation: r.chance(0.3),
      vti: bind ? { bind: bind.name, espGroup: r.pick(usableEsp).name } : null,
      tunnels: espGroups.length && r.chance(0.3)
        ? [{ id: 1, espGroup: r.pick(espGroups).name, localPrefix: { addr: ip(192, 168, 1, 0), len: 24 }, remotePrefix: r.chance(0.5) ? { addr: ip(172, 16, 0, 0), len: 22 } : null }]
        : [],
    };
  });
  return {
    ikeGroups, espGroups, vtis, peers,
    mssClamp: r.chance(0.3) ? r.pick([1350, 1400]) : null,
    autoFirewallNatExclude: r.chance(0.2),
  };
}
