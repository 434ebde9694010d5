// File 003 on the embedded lab (`--lab vpn`): pask as the EdgeRouter peering with the lab's
// Azure gateway over the routed path, configured with the file's own EdgeOS lines.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Appliance } from '../../src/appliance.js';
import { ipv4, parsePrefix, type Prefix } from '../../src/net/addr.js';
import { labSpeakerOf } from '../../src/lab/vpn-lab.js';
import type { LabWorld } from '../../src/lab/index.js';
import { batch, runClean } from '../helpers/cli.js';
import { seed003 } from './seed003.js';
import { vpnAppliance, VPN_SCENARIO } from './vpn-lab.js';

const GOLDEN = readFileSync(new URL('../fixtures/bgp/vpn-lab-show.txt', import.meta.url), 'utf8')
  .split('\n').filter((l) => !l.startsWith('#')).join('\n');

/** The golden file's output of `command`: the lines after it up to the blank line before the next command. */
function golden(command: string): string {
  const lines = GOLDEN.split('\n');
  const i = lines.indexOf(command);
  if (i < 0) throw new Error(`no golden block for ${command}`);
  let j = i + 1;
  while (j < lines.length && !(lines[j] === '' && (lines[j + 1] ?? 'show ').startsWith('show '))) j++;
  return `${lines.slice(i + 1, j).join('\n')}\n`;
}

let open: Appliance[] = [];
afterEach(async () => {
  for (const a of open) await a.close();
  open = [];
});

async function configured(waitS = 2312): Promise<{ app: Appliance; lab: LabWorld }> {
  const r = vpnAppliance();
  open.push(r.app);
  const out = await batch(r.app, `${VPN_SCENARIO}wait ${waitS}\n`);
  expect(out.err).toBe('');
  return r;
}

const azure = (lab: LabWorld) => labSpeakerOf(lab.host('azure')!)!;

describe('file 003 on --lab vpn', () => {
  it('accepts file 003\'s lines as written and comes up: the show commands print the golden blocks', async () => {
    const { app } = await configured();
    for (const cmd of ['show ip route bgp', 'show ip bgp summary', 'show ip bgp', 'show ip bgp neighbors 172.16.0.254',
      'show ip bgp neighbors 172.16.0.254 received-routes', 'show ip bgp neighbors 172.16.0.254 advertised-routes',
      'show ip bgp 192.168.1.0/24', 'show ip bgp 172.16.0.0/22']) {
      const out = (await runClean(app, cmd)).replace(/Local port: \d+/, 'Local port: <ephemeral>');
      expect(out, cmd).toBe(golden(cmd));
    }
    // The lab run keeps the file's layout: its headers as the file prints them.
    const summary = (await runClean(app, 'show ip bgp summary')).split('\n');
    expect(summary[4]).toBe(seed003('show ip bgp summary')[4]);
    expect((await runClean(app, 'show ip bgp')).split('\n').slice(1, 5)).toEqual(seed003('show ip bgp').slice(1, 5));
  });

  it('forwards traffic on the BGP route, and the running config reads back natively', async () => {
    const { app } = await configured(10);
    expect(await runClean(app, 'show ip route 172.16.1.10')).toMatch(/Routing entry for 172\.16\.0\.0\/22\n {2}Known via "bgp", distance 20, metric 0, best/);
    expect(await runClean(app, 'lab request host1 http://172.16.1.10/')).toMatch(/200 OK server1/);
    const run = await runClean(app, 'show running-config');
    expect(run).toContain('router bgp 65510\n network 192.168.1.0/24\n neighbor 172.16.0.254 remote-as 65515\n');
    expect(run).toContain('ip prefix-list BGP seq 30 deny 192.168.1.1/32 description "Deny Local Peering Address"');
  });

  it('withdraws what the peer withdraws within a second, and installs it again when announced', async () => {
    const { app, lab } = await configured(10);
    const az = azure(lab);
    const p22 = parsePrefix('172.16.0.0/22') as Prefix;
    az.configure({ ...az.cfg!, networks: az.cfg!.networks.filter((n) => n.len !== 22) }, [], ipv4('172.16.0.254'));
    await runClean(app, 'wait 1');
    expect(await runClean(app, 'show ip route bgp')).toBe('IP Route Table for VRF "default"\n');
    expect(await runClean(app, 'show ip bgp summary')).toMatch(/ 1\n$/);
    az.configure({ ...az.cfg!, networks: [...az.cfg!.networks, p22] }, [], ipv4('172.16.0.254'));
    await runClean(app, 'wait 31');
    expect(await runClean(app, 'show ip route bgp')).toMatch(/B {4}\*> 172\.16\.0\.0\/22 \[20\/0\]/);
  });

  it('clear ip bgp soft in: from the kept routes; without soft-reconfiguration by ROUTE-REFRESH; clear ip bgp resets', async () => {
    const { app, lab } = await configured(10);
    const er = () => runClean(app, 'show ip bgp neighbors 172.16.0.254');
    await runClean(app, 'clear ip bgp 172.16.0.254 soft in');
    expect(await er()).toMatch(/Route refresh request: received 0, sent 0/);
    await runClean(app, 'configure\ndelete protocols bgp 65510 neighbor 172.16.0.254 soft-reconfiguration inbound\ncommit\nexit\n');
    await runClean(app, 'clear ip bgp 172.16.0.254 soft in\nwait 1');
    expect(await er()).toMatch(/Route refresh request: received 0, sent 1/);
    expect(azure(lab).peers.get(ipv4('192.168.1.1'))!.counters.refreshIn).toBe(1);
    // The routes sent again replace the old ones: still installed (a next hop never resolves through its own route).
    expect(await runClean(app, 'show ip route bgp')).toMatch(/172\.16\.0\.0\/22/);
    expect((await batch(app, 'show ip bgp neighbors 172.16.0.254 received-routes')).err).toMatch(/Inbound soft reconfiguration not enabled/);
    await runClean(app, 'clear ip bgp 172.16.0.254\nwait 5');
    expect(await er()).toMatch(/BGP state = Established[\s\S]*Connections established 2; dropped 1/);
    const log = await runClean(app, 'show log');
    expect(log).toMatch(/bgp: neighbor 172\.16\.0\.254: session down: sent NOTIFICATION 6\/4 \(Cease\/Administrative Reset\): cleared by the operator/);
    expect(log.match(/-> Established/g)).toHaveLength(2);
  });

  it('compare shows the candidate, discard drops it, exit refuses to lose it', async () => {
    const { app } = await configured(1);
    const r = await batch(app, 'configure\nset protocols bgp 65510 neighbor 172.16.0.254 weight 100\ncompare\nexit\ndiscard\ncompare\nexit\n');
    expect(r.out).toMatch(/ {2}router bgp 65510\n\+ {2}neighbor 172\.16\.0\.254 weight 100\n/);
    expect(r.err).toMatch(/Cannot exit: configuration modified/);
    expect(r.out).toMatch(/Changes have been discarded\nNo changes between working and active configurations/);
    expect(await runClean(app, 'show running-config')).not.toMatch(/weight/);
  });
});
