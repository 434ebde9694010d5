// File 003 whole on `--lab vpn`: the contract's scenario (native interfaces, then the file's own
// EdgeOS lines for the VPN, the VTI, the MSS clamp, the interface route and BGP) brings the
// tunnel up with the lab's Azure gateway (pask's own IKE/ESP on a lab host), BGP runs over vti0,
// the LAN reaches the Azure network through it, and `save` keeps the secret sealed.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Appliance } from '../../src/appliance.js';
import { ipv4 } from '../../src/net/addr.js';
import { batch, runClean } from '../helpers/cli.js';
import { vpnAppliance } from '../bgp/vpn-lab.js';
import type { LabWorld } from '../../src/lab/index.js';

const SCENARIO = readFileSync(new URL('../fixtures/ipsec/vpn-scenario.txt', import.meta.url), 'utf8');

let open: Appliance[] = [];
afterEach(async () => {
  for (const a of open) await a.close();
  open = [];
});

async function configured(waitS: number): Promise<{ app: Appliance; lab: LabWorld }> {
  const r = vpnAppliance();
  open.push(r.app);
  const out = await batch(r.app, `${SCENARIO}wait ${waitS}\n`);
  expect(out.err).toBe('');
  return r;
}

describe('file 003 on --lab vpn: the tunnel and BGP over it', () => {
  it('tunnel up with the lab Azure gateway, BGP Established over vti0, traffic through the VTI', async () => {
    const { app, lab } = await configured(30);
    const sa = await runClean(app, 'show vpn ipsec sa');
    expect(sa).toMatch(/^peer-192\.0\.2\.1-tunnel-vti: #\d+, ESTABLISHED, IKEv2, [0-9a-f]{16}:[0-9a-f]{16}\n local  '203\.0\.113\.1' @ 203\.0\.113\.1\n remote '192\.0\.2\.1' @ 192\.0\.2\.1\n AES_CBC-256\/HMAC_SHA1_96\/PRF_HMAC_SHA1\/MODP_1024\n established \d+s ago, rekeying in \d+s\n peer-192\.0\.2\.1-tunnel-vti: #\d+, INSTALLED, TUNNEL-in-UDP, ESP:AES_CBC-256\/HMAC_SHA1_96\n   installed \d+ ago, rekeying in \d+s, expires in \d+s\n/);
    expect(await runClean(app, 'show ip bgp summary')).toMatch(/172\.16\.0\.254 +4 65515 .* +2\n/);
    expect(await runClean(app, 'show ip route bgp')).toMatch(/172\.16\.0\.0\/22 \[20\/0\] via 172\.16\.0\.254 \(recursive is directly connected, vti0\)/);
    const before = await runClean(app, 'show interfaces vti vti0');
    const host1 = lab.host('host1')!;
    for (let i = 0; i < 3; i++) expect((await lab.settle(host1.ping(ipv4('172.16.1.10')), 5000))?.outcome).toBe('reply');
    expect(await runClean(app, 'lab request host1 http://172.16.1.10/')).toMatch(/200 OK server1/);
    const after = await runClean(app, 'show interfaces vti vti0');
    const rxPackets = (s: string) => Number(/RX:  bytes.*\n\s+\d+\s+(\d+)/.exec(s)![1]);
    expect(rxPackets(after) - rxPackets(before)).toBeGreaterThanOrEqual(6);
    expect(after).toMatch(/^vti0: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1436 qdisc noqueue state UNKNOWN group default\n   link\/ipip 203\.0\.113\.1 peer 192\.0\.2\.1\n\n   RX:  bytes    packets     errors    dropped    overrun      mcast\n +\d+ +\d+ +0 +0 +0 +0\n   TX:  bytes    packets     errors    dropped    carrier collisions\n +\d+ +\d+ +0 +\d+ +0 +0\n$/);
  });

  it('show interfaces vti vti0 capture prints the inner packets as file 003 does', async () => {
    const { app, lab } = await configured(30);
    const server1 = lab.host('server1')!;
    for (let i = 0; i < 2; i++) lab.clock.setTimeout(() => void server1.ping(ipv4('192.168.1.10')), 200 + i * 1000);
    const out = await runClean(app, 'show interfaces vti vti0 capture count 4');
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{6} IP 172\.16\.1\.10 > 192\.168\.1\.10: ICMP echo request, id \d+, seq \d+, length \d+$/);
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d\.\d{6} IP 192\.168\.1\.10 > 172\.16\.1\.10: ICMP echo reply, id \d+, seq \d+, length \d+$/);
  });

  it('save keeps the secret sealed (key file beside the start-up config), and the saved file reloads to the same model', async () => {
    const { app } = await configured(5);
    const path = app.startupConfigPath!;
    const saved = readFileSync(path, 'utf8');
    expect(saved).not.toContain('Azure-Shared-Key-1');
    expect(saved).toMatch(/^ipsec peer 192\.0\.2\.1 pre-shared-secret \$ipsec-aes256gcm\$[0-9a-f]{8}\$[A-Za-z0-9+/=]+$/m);
    expect(existsSync(join(dirname(path), 'ipsec-secret.key'))).toBe(true);
    expect(await runClean(app, 'show running-config')).not.toContain('Azure-Shared-Key-1');
    expect(await runClean(app, 'show vpn')).toContain('pre-shared-secret ****************');
    // A fresh appliance on the same start-up config and key reads the same configuration back.
    const again = vpnAppliance();
    open.push(again.app);
    again.app.startupConfigPath = path;
    const r = await batch(again.app, saved);
    expect(r.err).toBe('');
    expect(await runClean(again.app, 'show running-config')).toBe(await runClean(app, 'show running-config'));
    await batch(again.app, 'wait 30\n');
    expect(await runClean(again.app, 'show vpn ipsec sa')).toMatch(/ESTABLISHED[\s\S]*INSTALLED/);
  });
});
