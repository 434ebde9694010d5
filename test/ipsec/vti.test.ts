// The VTI end to end in the embedded lab: two appliances (pask and a pask playing the Azure
// gateway) bring up file 003's tunnel, route host1 <-> server1 through vti0 both ways (ICMP and
// an HTTP GET whose SYN is clamped to MSS 1350), rekey, and show it in file 003's layouts.
import { describe, expect, it } from 'vitest';
import { ipv4 } from '../../src/net/addr.js';
import { runClean } from '../helpers/cli.js';
import { ipsecLines, vpnRig } from './vti-lab.js';

describe('VTI between two appliances in the lab', () => {
  it('tunnel up, ping and HTTP through vti0, MSS clamped, file 003 show layouts', async () => {
    const rig = await vpnRig();
    try {
      await runClean(rig.pask, ipsecLines({ peer: '192.0.2.1', local: '203.0.113.1', type: 'respond', secret: 'file-003-secret', remoteNet: '172.16.0.0/22', extra: ['ipsec mss-clamp 1350'] }));
      await runClean(rig.azure, ipsecLines({ peer: '203.0.113.1', local: '192.0.2.1', type: 'initiate', secret: 'file-003-secret', remoteNet: '192.168.1.0/24',
        extra: ['ipsec peer 203.0.113.1 force-encapsulation enable'] }));
      await rig.world.wait(3000);
      const sa = await runClean(rig.pask, 'show vpn ipsec sa');
      expect(sa).toMatch(/^peer-192\.0\.2\.1-tunnel-vti: #\d+, ESTABLISHED, IKEv2, [0-9a-f]{16}:[0-9a-f]{16}\n local  '203\.0\.113\.1' @ 203\.0\.113\.1\n remote '192\.0\.2\.1' @ 192\.0\.2\.1\n AES_CBC-256\/HMAC_SHA1_96\/PRF_HMAC_SHA1\/MODP_1024\n established \d+s ago, rekeying in \d+s\n peer-192\.0\.2\.1-tunnel-vti: #\d+, INSTALLED, TUNNEL-in-UDP, ESP:AES_CBC-256\/HMAC_SHA1_96\n/);
      const host1 = rig.world.host('host1')!;
      for (let i = 0; i < 3; i++) {
        const ping = await rig.world.settle(host1.ping(ipv4('172.16.1.10')), 10_000);
        expect(ping?.outcome).toBe('reply');
      }
      const synMss: number[] = [];
      const untap = rig.world.tap((f, from) => {
        // SYNs as server1 receives them (after both VTIs): their MSS option.
        if (from.label !== 'azure.2' || f[23] !== 6 || (f[14 + 20 + 13]! & 0x02) === 0) return;
        for (let i = 54; i < 14 + 20 + (f[46]! >> 4) * 4;) {
          if (f[i] === 2) { synMss.push((f[i + 2]! << 8) | f[i + 3]!); break; }
          i += f[i] === 1 ? 1 : f[i + 1]!;
        }
      });
      const get = await rig.world.settle(host1.httpGet('172.16.1.10'), 10_000);
      untap();
      expect(get?.status).toBe(200);
      expect(synMss).toEqual([1350]);
      const shown = await runClean(rig.pask, 'show vpn ipsec sa\nshow interfaces vti vti0');
      expect(shown).toMatch(/   in  [0-9a-f]{8}, +\d+ bytes, +\d+ packets, +\d+s ago\n   out [0-9a-f]{8}, +\d+ bytes, +\d+ packets, +\d+s ago\n   local  0\.0\.0\.0\/0\n   remote 0\.0\.0\.0\/0\n/);
      expect(shown).toContain('vti0: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1436 qdisc noqueue state UNKNOWN group default\n   link/ipip 203.0.113.1 peer 192.0.2.1\n');
      const rx = /RX:  bytes.*\n\s+(\d+)\s+(\d+)/.exec(shown)!;
      expect(Number(rx[2])).toBeGreaterThan(5);
      expect(rig.azure.log.list().some((e) => /CHILD_SA .* established/.test(e.text))).toBe(true);
    } finally {
      await rig.close();
    }
  });

  it('without NAT or forced encapsulation ESP goes as IP protocol 50 (modern suite), and clear vpn ipsec sa brings it back', async () => {
    const rig = await vpnRig();
    try {
      await runClean(rig.pask, ipsecLines({ peer: '192.0.2.1', local: '203.0.113.1', type: 'initiate', secret: 's', remoteNet: '172.16.0.0/22', suite: 'modern' }));
      await runClean(rig.azure, ipsecLines({ peer: '203.0.113.1', local: '192.0.2.1', type: 'respond', secret: 's', remoteNet: '192.168.1.0/24', suite: 'modern' }));
      const protos: number[] = [];
      const untap = rig.world.tap((f, from) => { if (from.label === 'router.eth1' && f[12] === 8 && f[13] === 0) protos.push(f[23]!); });
      await rig.world.wait(3000);
      const sa = await runClean(rig.pask, 'show vpn ipsec sa');
      expect(sa).toContain('AES_GCM_16-256/PRF_HMAC_SHA2_256/CURVE_25519');
      expect(sa).toMatch(/INSTALLED, TUNNEL, ESP:AES_GCM_16-256\n/);
      const host1 = rig.world.host('host1')!;
      expect((await rig.world.settle(host1.ping(ipv4('172.16.1.10')), 5000))?.outcome).toBe('reply');
      untap();
      expect(protos).toContain(50);
      expect(await runClean(rig.pask, 'clear vpn ipsec sa')).toBe('1 IKE SA deleted\n');
      await rig.world.wait(8000);
      expect(await runClean(rig.pask, 'show vpn ipsec sa')).toMatch(/ESTABLISHED[\s\S]*INSTALLED/);
      expect((await rig.world.settle(host1.ping(ipv4('172.16.1.10')), 5000))?.outcome).toBe('reply');
      expect(rig.pask.log.list().some((e) => e.facility === 'ipsec' && /deleting IKE_SA .* \(cleared by the operator\)/.test(e.text))).toBe(true);
    } finally {
      await rig.close();
    }
  });

  it('the peer routed into its own tunnel: outer packets that would loop are dropped and counted, nothing breaks', async () => {
    const rig = await vpnRig();
    try {
      await runClean(rig.pask, ipsecLines({ peer: '192.0.2.1', local: '203.0.113.1', type: 'respond', secret: 's', remoteNet: '172.16.0.0/22' }));
      await runClean(rig.azure, ipsecLines({ peer: '203.0.113.1', local: '192.0.2.1', type: 'initiate', secret: 's', remoteNet: '192.168.1.0/24' }));
      await rig.world.wait(3000);
      await runClean(rig.pask, 'configure terminal\nroute network 192.0.2.1/32 interface vti0\nend\n');
      const host1 = rig.world.host('host1')!;
      expect((await rig.world.settle(host1.ping(ipv4('172.16.1.10')), 3000))?.outcome).not.toBe('reply');
      expect(await runClean(rig.pask, 'show vpn ipsec statistics')).toMatch(/ESP outer packets looped +[1-9]/);
      expect(rig.pask.runtime.engineCounters().internalErrors).toBe(0);
      await runClean(rig.pask, 'configure terminal\nno route network 192.0.2.1/32 interface vti0\nend\n');
      expect((await rig.world.settle(host1.ping(ipv4('172.16.1.10')), 3000))?.outcome).toBe('reply');
    } finally {
      await rig.close();
    }
  });
});
