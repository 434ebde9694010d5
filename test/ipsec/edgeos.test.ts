// File 003's VPN steps as the file gives them inside `configure` (the GUI step's peer as set
// lines, then the CLI steps 3-13: lifetimes, PFS, IKEv2, respond, vti0, MSS clamp, the interface
// route, deleting the policy tunnel, the VTI binding, the offload line), then commit.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batch, newAppliance, runClean } from '../helpers/cli.js';

const INTERFACES = `configure terminal
vlan eth0
 vid 10
 port 1 untagged
 apply
interface eth0
 ip address 203.0.113.1/24
 apply
end
`;

const FILE_003_STEPS = `configure
set vpn ipsec auto-firewall-nat-exclude enable
set vpn ipsec esp-group FOO0 proposal 1 encryption aes256
set vpn ipsec esp-group FOO0 proposal 1 hash sha1
set vpn ipsec ike-group FOO0 proposal 1 dh-group 2
set vpn ipsec ike-group FOO0 proposal 1 encryption aes256
set vpn ipsec ike-group FOO0 proposal 1 hash sha1
set vpn ipsec site-to-site peer 192.0.2.1 authentication mode pre-shared-secret
set vpn ipsec site-to-site peer 192.0.2.1 authentication pre-shared-secret Azure-Shared-Key-1
set vpn ipsec site-to-site peer 192.0.2.1 description IPsecAzure
set vpn ipsec site-to-site peer 192.0.2.1 ike-group FOO0
set vpn ipsec site-to-site peer 192.0.2.1 local-address 203.0.113.1
set vpn ipsec site-to-site peer 192.0.2.1 tunnel 1 esp-group FOO0
set vpn ipsec site-to-site peer 192.0.2.1 tunnel 1 local prefix 192.168.1.0/24
set vpn ipsec site-to-site peer 192.0.2.1 tunnel 1 remote prefix 172.16.0.0/22
set vpn ipsec esp-group FOO0 lifetime 27000
set vpn ipsec ike-group FOO0 lifetime 28800
set vpn ipsec esp-group FOO0 pfs disable
set vpn ipsec ike-group FOO0 key-exchange ikev2
set vpn ipsec site-to-site peer 192.0.2.1 connection-type respond
set interfaces vti vti0
set firewall options mss-clamp interface-type vti
set firewall options mss-clamp mss 1350
set protocols static interface-route 172.16.0.254/32 next-hop-interface vti0
delete vpn ipsec site-to-site peer 192.0.2.1 tunnel 1
set vpn ipsec site-to-site peer 192.0.2.1 vti bind vti0
set vpn ipsec site-to-site peer 192.0.2.1 vti esp-group FOO0
set system offload ipsec enable
`;

describe('file 003\'s VPN lines inside configure', () => {
  it('are accepted as written; compare shows them natively; commit applies them; show running-config reads back', async () => {
    const app = newAppliance();
    app.startupConfigPath = join(mkdtempSync(join(tmpdir(), 'pask-edgeos-')), 'startup-config');
    await runClean(app, INTERFACES);
    const out = await runClean(app, `${FILE_003_STEPS}compare\ncommit\nshow vpn\n`);
    expect(out).toContain('+ ipsec peer 192.0.2.1 vti bind vti0 esp-group FOO0');
    expect(out).toContain('+ ipsec mss-clamp 1350');
    expect(out).toContain('+ route network 172.16.0.254/32 interface vti0');
    expect(out).not.toContain('Azure-Shared-Key-1');
    const x = app.config.ipsec;
    expect(x.peers).toHaveLength(1);
    expect(x.peers[0]).toMatchObject({ connectionType: 'respond', description: 'IPsecAzure', ikeGroup: 'FOO0', tunnels: [], vti: { bind: 'vti0', espGroup: 'FOO0' } });
    expect(x.espGroups[0]).toMatchObject({ lifetime: 27000, pfs: 'disable' });
    expect(x.ikeGroups[0]).toMatchObject({ lifetime: 28800, keyExchange: 'ikev2' });
    expect(x.mssClamp).toBe(1350);
    expect(x.vtis.map((v) => v.name)).toEqual(['vti0']);
    expect(out).toMatch(/           vti \{\n               bind vti0\n               esp-group FOO0\n           \}\n/);
    // The running configuration, replayed on a fresh appliance, is the same model.
    const running = await runClean(app, 'show running-config');
    const again = newAppliance();
    again.startupConfigPath = app.startupConfigPath;
    await runClean(again, running);
    expect(again.config.ipsec).toEqual({ ...app.config.ipsec });
  });

  it('commit refuses what cannot work, with the reason', async () => {
    const app = newAppliance();
    await runClean(app, INTERFACES);
    const r = await batch(app, `configure
set interfaces vti vti0
set vpn ipsec ike-group FOO0 proposal 1 encryption aes256
set vpn ipsec ike-group FOO0 proposal 1 hash sha1
set vpn ipsec site-to-site peer 192.0.2.1 ike-group FOO0
set vpn ipsec site-to-site peer 192.0.2.1 vti bind vti0
set vpn ipsec site-to-site peer 192.0.2.1 vti esp-group NOPE
commit
`);
    expect(r.err).toMatch(/esp-group NOPE does not exist/);
    expect(r.err).toMatch(/ike-group FOO0 speaks ikev1; a VTI needs key-exchange ikev2/);
    expect(app.config.ipsec.peers).toHaveLength(0);
    const bad = await batch(app, 'configure\nset vpn ipsec ike-group FOO0 proposal 1 dh-group 5\n');
    expect(bad.err).toMatch(/dh-group 5 is not supported/);
  });

  it('the exec commands sit beside the appliance\'s own: `show int` is still `show interface`', async () => {
    const app = newAppliance();
    expect(await runClean(app, 'show int')).toBe(await runClean(app, 'show interface'));
    const r = await batch(app, 'show interfaces vti vti0\n');
    expect(r.err).toMatch(/There is no interface vti0/);
  });
});
