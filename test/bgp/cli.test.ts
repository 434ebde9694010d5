// The BGP commands: the native `router bgp` sub-mode and `ip prefix-list`, file 003's EdgeOS
// lines editing the same model through a candidate, and their errors.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandRegistry } from '../../commands/index.js';
import { CliSession } from '../../src/cli/session.js';
import { batch, newAppliance, runClean } from '../helpers/cli.js';
import { VPN_SCENARIO } from './vpn-lab.js';

const INTERFACES = [
  'configure terminal', 'hostname ER-X',
  'vlan eth0', ' vid 10', ' port 1 untagged', ' apply', 'interface eth0', ' ip address 203.0.113.1/24', ' apply',
  'vlan eth1', ' vid 20', ' port 2 untagged', ' apply', 'interface eth1', ' ip address 192.168.1.1/24', ' apply',
  'route default-gateway 203.0.113.254', 'end', '',
].join('\n');

/** File 003's configuration in the appliance's own words. */
const NATIVE = `${INTERFACES}configure terminal
ip prefix-list BGP seq 10 deny 203.0.113.1/32 description "Deny Local Gateway Address"
ip prefix-list BGP seq 20 deny 192.0.2.1/32 description "Deny Azure Gateway Address"
ip prefix-list BGP seq 30 deny 192.168.1.1/32 description "Deny Local Peering Address"
ip prefix-list BGP seq 40 deny 172.16.0.254/32 description "Deny Azure Peering Address"
ip prefix-list BGP seq 100 permit 192.168.1.0/24 description "Local Subnets"
ip prefix-list BGP seq 110 permit 172.16.0.0/22 description "Azure Subnets"
router bgp 65510
 timers bgp 60 180
 neighbor 172.16.0.254 remote-as 65515
 neighbor 172.16.0.254 ebgp-multihop 2
 neighbor 172.16.0.254 prefix-list BGP out
 neighbor 172.16.0.254 prefix-list BGP in
 neighbor 172.16.0.254 soft-reconfiguration inbound
 neighbor 172.16.0.254 update-source 192.168.1.1
 network 192.168.1.0/24
 apply
end
`;

describe('BGP configuration commands', () => {
  it('file 003\'s EdgeOS lines and the native commands build the same configuration', async () => {
    const a = newAppliance(), b = newAppliance();
    a.startupConfigPath = join(mkdtempSync(join(tmpdir(), 'pask-bgp-')), 'startup-config');
    await runClean(a, VPN_SCENARIO);
    await runClean(b, NATIVE);
    expect(a.config.bgp).toEqual(b.config.bgp);
    expect(a.config.prefixLists).toEqual(b.config.prefixLists);
    const text = await runClean(a, 'show running-config');
    const c = newAppliance();
    await runClean(c, text);
    expect(c.config.bgp).toEqual(a.config.bgp);
    expect(await runClean(a, 'show ip prefix-list BGP')).toMatch(/^ip prefix-list BGP: 6 entries\n {3}seq 10 deny 203\.0\.113\.1\/32 description "Deny Local Gateway Address"\n/);
  });

  it('one speaker per appliance; a sub-mode\'s changes apply together', async () => {
    const app = newAppliance();
    await runClean(app, `${INTERFACES}configure terminal\nrouter bgp 65510\n bgp router-id 1.1.1.1\n maximum-paths 4\n redistribute slb\n apply\nend\n`);
    expect(app.config.bgp).toMatchObject({ asn: 65510, maximumPaths: 4, redistribute: ['slb'] });
    const r = await batch(app, 'configure terminal\nrouter bgp 65511\n');
    expect(r.err).toMatch(/% BGP is already running in AS 65510/);
    const bad = await batch(app, 'configure terminal\nrouter bgp 65510\n neighbor 10.0.0.1 update-source 9.9.9.9\n apply\n');
    expect(bad.err).toMatch(/neighbor 10\.0\.0\.1 needs a remote-as/);
    expect(bad.err).toMatch(/update-source 9\.9\.9\.9 is not an address of this appliance/);
    expect((await batch(app, 'configure terminal\nrouter bgp 65510\n neighbor 10.0.0.1 remote-as 65000\n neighbor 10.0.0.1 prefix-list NONE in\n apply\n')).err)
      .toMatch(/prefix-list NONE \(in\) does not exist/);
  });

  it('EdgeOS mode: the prompt, a commit that fails keeps the candidate, exit refuses, discard drops it', async () => {
    const app = newAppliance();
    await runClean(app, INTERFACES);
    const s = new CliSession(app, commandRegistry(), { privilege: 15, interactive: false });
    const sink = { write: () => {} };
    expect(await s.execute('configure', sink)).toBeNull();
    expect(s.prompt()).toBe('ER-X[edit]#');
    expect(await s.execute('set protocols bgp 65510 neighbor 172.16.0.254 ebgp-multihop 2', sink)).toBeNull();
    expect(await s.execute('set protocols bgp 65511 network 10.0.0.0/8', sink)).toMatchObject({ message: '% BGP is already running in AS 65510' });
    expect((await s.execute('commit', sink))?.message).toMatch(/neighbor 172\.16\.0\.254 needs a remote-as/);
    expect(app.config.bgp).toBeNull();
    expect((await s.execute('exit', sink))?.message).toMatch(/Cannot exit: configuration modified/);
    expect(await s.execute('set protocols bgp 65510 neighbor 172.16.0.254 remote-as 65515', sink)).toBeNull();
    expect(await s.execute('commit', sink)).toBeNull();
    expect(app.config.bgp?.neighbors[0]).toMatchObject({ remoteAs: 65515, ebgpMultihop: 2 });
    expect(await s.execute('set protocols bgp 65510 neighbor 172.16.0.254 shutdown', sink)).toBeNull();
    expect(await s.execute('discard', sink)).toBeNull();
    expect(await s.execute('exit', sink)).toBeNull();
    expect(app.config.bgp?.neighbors[0]?.shutdown).toBe(false);
    expect(s.prompt()).toBe('ER-X#');
  });

  it('a commit replays the candidate over changes another session made meanwhile', async () => {
    const app = newAppliance();
    await runClean(app, INTERFACES);
    const s = new CliSession(app, commandRegistry(), { privilege: 15, interactive: false });
    const sink = { write: () => {} };
    await s.execute('configure', sink);
    await s.execute('set protocols bgp 65510 network 192.168.1.0/24', sink);
    await runClean(app, 'configure terminal\nhostname other\nend\n');
    expect(await s.execute('commit', sink)).toBeNull();
    expect(app.config.hostname).toBe('other');
    expect(app.config.bgp?.networks).toHaveLength(1);
  });

  it('? after a neighbor in EdgeOS mode lists its settings; show ip bgp without BGP says so', async () => {
    const app = newAppliance();
    const s = new CliSession(app, commandRegistry(), { privilege: 15, interactive: false });
    await s.execute('configure', { write: () => {} });
    const h = s.help('set protocols bgp 65510 neighbor 172.16.0.254 ');
    for (const w of ['ebgp-multihop', 'prefix-list', 'remote-as', 'soft-reconfiguration', 'update-source']) expect(h).toContain(w);
    expect((await batch(newAppliance(), 'show ip bgp summary')).err).toMatch(/% BGP is not configured/);
  });
});
