// File 003's route-based VPN against a real strongSwan (charon with kernel-libipsec, ESP in UDP
// 4500) in network namespaces: pask as responder (`connection-type respond`) and as initiator,
// file 003's proposals and a modern suite, pings and a 10 MB HTTP download between 192.168.1.10
// (behind pask) and 172.16.1.10 (behind strongSwan), rekeys of both SA kinds from both sides
// with short lifetimes, a restart of the peer, and a wrong key refused on both sides.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaskServe } from './appliance.js';
import { VpnTopology, whyNoStrongswan } from './ipsec-topology.js';
import { acquireSystemLock, repoRoot, sleep, until, which, whyNoSystem } from './topology.js';

const why = whyNoSystem() ?? whyNoStrongswan();
const SECRET = 'file-003-shared-secret';

const PASK_BASE = `configure terminal
vlan wan
 vid 10
 port 1 untagged
 apply
interface wan
 ip address 203.0.113.1/24
 apply
vlan lan
 vid 20
 port 2 untagged
 apply
interface lan
 ip address 192.168.1.1/24
 apply
route network 192.0.2.0/24 interface wan
end
`;

function paskIpsec(o: { type: 'initiate' | 'respond'; secret?: string; ike?: number; esp?: number; modern?: boolean; dpd?: boolean; pfs?: string }): string {
  return [
    'configure terminal',
    'ipsec ike-group FOO0 key-exchange ikev2',
    o.modern ? 'ipsec ike-group FOO0 proposal 1 encryption aes256gcm128 hash sha256 dh-group 31' : 'ipsec ike-group FOO0 proposal 1 encryption aes256 hash sha1 dh-group 2',
    `ipsec ike-group FOO0 lifetime ${o.ike ?? 28800}`,
    o.dpd ? 'ipsec ike-group FOO0 dead-peer-detection interval 5 timeout 15 action restart' : 'no ipsec ike-group FOO0 dead-peer-detection',
    o.modern ? 'ipsec esp-group FOO0 proposal 1 encryption aes256gcm128' : 'ipsec esp-group FOO0 proposal 1 encryption aes256 hash sha1',
    `ipsec esp-group FOO0 lifetime ${o.esp ?? 27000}`,
    `ipsec esp-group FOO0 pfs ${o.pfs ?? 'disable'}`,
    'ipsec vti vti0',
    'ipsec mss-clamp 1350',
    `ipsec peer 192.0.2.1 local-address 203.0.113.1 ike-group FOO0 connection-type ${o.type}`,
    `ipsec peer 192.0.2.1 pre-shared-secret ${o.secret ?? SECRET}`,
    'ipsec peer 192.0.2.1 vti bind vti0 esp-group FOO0',
    'route network 172.16.0.0/22 interface vti0',
    'end',
    '',
  ].join('\n');
}

function swanctlConf(o: { start: boolean; secret?: string; modern?: boolean; rekey?: string; life?: string }): string {
  return `connections {
  azure {
    version = 2
    local_addrs = 192.0.2.1
    remote_addrs = 203.0.113.1
    proposals = ${o.modern ? 'aes256gcm16-prfsha256-x25519' : 'aes256-sha1-modp1024'}
    mobike = no
    reauth_time = 0
    rekey_time = ${o.rekey ?? '4h'}
    dpd_delay = 30s
    local { auth = psk
      id = 192.0.2.1 }
    remote { auth = psk
      id = 203.0.113.1 }
    children {
      vti {
        local_ts = 0.0.0.0/0
        remote_ts = 0.0.0.0/0
        esp_proposals = ${o.modern ? 'aes256gcm16-x25519' : 'aes256-sha1'}
        rekey_time = ${o.rekey ?? '1h'}
        life_time = ${o.life ?? '2h'}
        start_action = ${o.start ? 'start' : 'none'}
        close_action = ${o.start ? 'start' : 'none'}
        dpd_action = restart
      }
    }
  }
}
secrets { ike-1 { id-1 = 192.0.2.1
    id-2 = 203.0.113.1
    secret = "${o.secret ?? SECRET}" } }
`;
}

/** File 003's BGP lines (prefix list and neighbor) from the contract's scenario, inside `configure`. */
function file003Bgp(): string {
  const lines = readFileSync(join(repoRoot(), 'test', 'fixtures', 'ipsec', 'vpn-scenario.txt'), 'utf8').split('\n')
    .filter((l) => l.startsWith('set policy ') || l.startsWith('set protocols bgp '));
  return ['configure', ...lines, 'commit', 'exit', ''].join('\n');
}

const BIRD_CONF = (dir: string) => `log "${join(dir, 'bird.log')}" all;
router id 172.16.0.254;
protocol device { scan time 1; }
protocol static nets { ipv4; route 172.16.0.0/22 blackhole; }
protocol bgp er {
  local 172.16.0.254 as 65515;
  neighbor 192.168.1.1 as 65510;
  multihop 2;
  hold time 180;
  keepalive time 60;
  connect retry time 5;
  ipv4 { import all; export where proto = "nets"; };
}
`;

describe.skipIf(!!why)(`file 003 VPN against strongSwan in namespaces${why ? ` (skipped: ${why})` : ''}`, () => {
  let release: (() => void) | null = null;
  let topo: VpnTopology | null = null;
  let pask: PaskServe | null = null;
  let http: ReturnType<VpnTopology['spawn']> | null = null;

  const t = () => topo!;
  const p = () => pask!;
  const swanSas = () => t().swanctl(['--list-sas']).stdout;
  const paskSas = () => p().cli('show vpn ipsec sa');
  const paskLog = async () => p().cli('show log');
  const ping = (from: 'host' | 'srv', to: string, n = 3) => t().tryX(from, ['ping', '-c', String(n), '-i', '0.3', '-W', '2', to]);
  const up = async (ms = 20_000) => until(async () => /ESTABLISHED[\s\S]*INSTALLED/.test(await paskSas()) && /INSTALLED/.test(swanSas()), ms, 250);

  beforeAll(async () => {
    release = await acquireSystemLock();
    topo = VpnTopology.create();
    pask = await PaskServe.start(topo);
    await pask.batch(PASK_BASE);
    // 10 MB behind strongSwan (node's own HTTP server; nothing installed for it).
    http = topo.spawn('srv', [process.execPath, '-e',
      'const b=Buffer.alloc(10485760,97);require("http").createServer((q,s)=>{s.setHeader("content-length",b.length);s.end(b)}).listen(8080,"172.16.1.10")']);
    await sleep(300);
  }, 300_000);

  afterAll(async () => {
    try {
      http?.kill('SIGKILL');
      if (pask) await pask.stop();
    } finally {
      topo?.destroy();
      release?.();
    }
  }, 60_000);

  it('pask responds (connection-type respond): both sides ESTABLISHED/INSTALLED with file 003\'s proposals; pings and a 10 MB curl cross', async () => {
    await p().batch(paskIpsec({ type: 'respond' }));
    await t().startCharon(swanctlConf({ start: true }));
    expect(await up(), `${await paskSas()}\n${swanSas()}`).toBe(true);
    const sw = swanSas();
    expect(sw).toMatch(/azure: #\d+, ESTABLISHED, IKEv2/);
    expect(sw).toContain('AES_CBC-256/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024');
    expect(sw).toMatch(/vti: #\d+, reqid \d+, INSTALLED, TUNNEL-in-UDP, ESP:AES_CBC-256\/HMAC_SHA1_96/);
    const ps = await paskSas();
    expect(ps).toMatch(/^peer-192\.0\.2\.1-tunnel-vti: #\d+, ESTABLISHED, IKEv2, [0-9a-f]{16}:[0-9a-f]{16}\n local  '203\.0\.113\.1' @ 203\.0\.113\.1\n remote '192\.0\.2\.1' @ 192\.0\.2\.1\n AES_CBC-256\/HMAC_SHA1_96\/PRF_HMAC_SHA1\/MODP_1024\n/);
    expect(ps).toMatch(/ peer-192\.0\.2\.1-tunnel-vti: #\d+, INSTALLED, TUNNEL-in-UDP, ESP:AES_CBC-256\/HMAC_SHA1_96\n/);
    const a = ping('host', '172.16.1.10');
    expect(a.stdout, a.stderr).toMatch(/3 packets transmitted, 3 received/);
    const b = ping('srv', '192.168.1.10');
    expect(b.stdout, b.stderr).toMatch(/3 packets transmitted, 3 received/);
    const curl = t().tryX('host', ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code} %{size_download}', '--max-time', '60', 'http://172.16.1.10:8080/10m'], { timeoutMs: 70_000 });
    expect(curl.stdout, curl.stderr).toBe('200 10485760');
    const vti = await p().cli('show interfaces vti vti0');
    expect(vti).toMatch(/mtu 1436/);
    expect(Number(/RX:  bytes.*\n\s+(\d+)/.exec(vti)![1])).toBeGreaterThan(10_000_000);
  }, 120_000);

  it('rekeys: strongSwan rekeys the CHILD SA and the IKE SA, then pask does with short lifetimes; traffic keeps flowing', async () => {
    expect(t().swanctl(['--rekey', '--child', 'vti']).status).toBe(0);
    expect(t().swanctl(['--rekey', '--ike', 'azure']).status).toBe(0);
    await sleep(500);
    expect(ping('host', '172.16.1.10').stdout).toMatch(/3 received/);
    // strongSwan reauthenticates instead of rekeying: a new IKE SA from IKE_SA_INIT on.
    expect(t().swanctl(['--rekey', '--ike', 'azure', '--reauth']).status).toBe(0);
    expect(await up(15_000)).toBe(true);
    expect(ping('host', '172.16.1.10').stdout).toMatch(/3 received/);
    // pask's own: CHILD SA 30 s (rekeyed at 27-30 s less margin), IKE SA 60 s.
    // New lifetimes apply to new SAs: clear them (strongSwan, close_action start, comes back).
    await p().batch(['configure terminal', 'ipsec ike-group FOO0 lifetime 60', 'ipsec esp-group FOO0 lifetime 30', 'end', 'clear vpn ipsec sa', ''].join('\n'));
    await sleep(1000);
    expect(await up(30_000)).toBe(true);
    const before = await p().cli('show vpn ipsec statistics');
    const long = t().tryX('host', ['ping', '-c', '140', '-i', '0.5', '-W', '1', '172.16.1.10'], { timeoutMs: 120_000 });
    const after = await p().cli('show vpn ipsec statistics');
    const n = (s: string, k: string) => Number(new RegExp(`${k} +(\\d+)`).exec(s)![1]);
    expect(n(after, 'CHILD SAs rekeyed') - n(before, 'CHILD SAs rekeyed')).toBeGreaterThanOrEqual(2);
    expect(n(after, 'IKE SAs rekeyed') - n(before, 'IKE SAs rekeyed')).toBeGreaterThanOrEqual(1);
    const m = /(\d+) packets transmitted, (\d+) received/.exec(long.stdout)!;
    expect(Number(m[1]) - Number(m[2]), long.stdout).toBeLessThanOrEqual(1);
    expect(await paskSas()).toMatch(/ESTABLISHED[\s\S]*INSTALLED/);
    expect(swanSas()).toMatch(/INSTALLED/);
  }, 180_000);

  it('a restart of strongSwan (as initiator, INITIAL_CONTACT): pask replaces its SAs and traffic flows again', async () => {
    await p().batch(paskIpsec({ type: 'respond' }));
    expect(await up(30_000)).toBe(true);
    await t().killCharon();
    await t().startCharon(swanctlConf({ start: true }));
    expect(await up(30_000)).toBe(true);
    expect(await paskLog()).toMatch(/INITIAL_CONTACT/);
    expect(ping('host', '172.16.1.10').stdout).toMatch(/3 received/);
    expect((await paskSas()).match(/ESTABLISHED/g)?.length).toBe(1);
  }, 120_000);

  it('pask initiates (connection-type initiate) against a responding strongSwan; after a strongSwan crash DPD brings it back', async () => {
    await t().killCharon();
    await t().startCharon(swanctlConf({ start: false }));
    await p().batch(paskIpsec({ type: 'initiate', dpd: true }));
    expect(await up(30_000), `${await paskSas()}\n${swanSas()}`).toBe(true);
    expect(await p().cli('show vpn log')).toMatch(/initiating IKE_SA peer-192\.0\.2\.1-tunnel-vti\[\d+\] to 192\.0\.2\.1/);
    expect(ping('srv', '192.168.1.10').stdout).toMatch(/3 received/);
    await t().killCharon();
    await t().startCharon(swanctlConf({ start: false }));
    expect(await up(60_000)).toBe(true);
    expect(await paskLog()).toMatch(/dead peer 192\.0\.2\.1 detected/);
    expect(ping('host', '172.16.1.10').stdout).toMatch(/3 received/);
  }, 150_000);

  it('the modern suite (AES-GCM-256, PRF-HMAC-SHA2-256, Curve25519) with PFS: CHILD SA rekeys from both sides carry a KE', async () => {
    await t().killCharon();
    await p().batch(paskIpsec({ type: 'respond', modern: true, pfs: 'dh-group31', esp: 30 }));
    await t().startCharon(swanctlConf({ start: true, modern: true }));
    expect(await up(30_000)).toBe(true);
    expect(swanSas()).toContain('AES_GCM_16-256/PRF_HMAC_SHA2_256/CURVE_25519');
    expect(await paskSas()).toContain('ESP:AES_GCM_16-256');
    expect(ping('host', '172.16.1.10').stdout).toMatch(/3 received/);
    expect(t().swanctl(['--rekey', '--child', 'vti']).status).toBe(0);
    expect(ping('host', '172.16.1.10').stdout).toMatch(/3 received/);
    // pask's own CHILD SA rekey (lifetime 30 s) with a Curve25519 KE.
    expect(await until(async () => /generating CREATE_CHILD_SA request \d+ \[ N\(REKEY_SA\) SA No KE TSi TSr \]/.test(await p().cli('show vpn log')), 40_000, 1000)).toBe(true);
    await sleep(1000);
    expect(swanSas()).toMatch(/INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-256\/CURVE_25519/);
    expect(ping('host', '172.16.1.10').stdout).toMatch(/3 received/);
  }, 120_000);

  it.skipIf(!which('bird'))('BGP runs over the VTI against BIRD behind strongSwan (file 003): 172.16.0.0/22 learned via vti0, traffic follows it', async () => {
    await t().killCharon();
    await p().batch(paskIpsec({ type: 'respond' }) + 'configure terminal\nno route network 172.16.0.0/22 interface vti0\nroute network 172.16.0.254/32 interface vti0\nend\n');
    await t().startCharon(swanctlConf({ start: true }));
    expect(await up(30_000)).toBe(true);
    t().x('swan', ['ip', 'addr', 'add', '172.16.0.254/32', 'dev', 'lo']);
    const dir = join(t().dir, 'swan');
    writeFileSync(join(dir, 'bird.conf'), BIRD_CONF(dir));
    const bird = t().spawn('swan', ['bird', '-f', '-c', join(dir, 'bird.conf'), '-s', join(dir, 'bird.ctl'), '-P', join(dir, 'bird.pid')]);
    try {
      await p().batch(file003Bgp());
      const summary = () => p().cli('show ip bgp summary');
      expect(await until(async () => /^172\.16\.0\.254 +4 65515 .* +1\n/m.test(await summary()), 60_000, 500), await summary()).toBe(true);
      expect(await p().cli('show ip route bgp')).toMatch(/172\.16\.0\.0\/22 \[20\/0\] via 172\.16\.0\.254 \(recursive is directly connected, vti0\)/);
      const birdRoutes = t().tryX('swan', ['birdc', '-s', join(dir, 'bird.ctl'), 'show', 'route', 'protocol', 'er']).stdout;
      expect(birdRoutes).toMatch(/192\.168\.1\.0\/24 .*\[er .* from 192\.168\.1\.1\] .*\[AS65510i\]/);
      expect(ping('host', '172.16.1.10').stdout).toMatch(/3 received/);
    } finally {
      bird.kill('SIGTERM');
      t().tryX('swan', ['ip', 'addr', 'del', '172.16.0.254/32', 'dev', 'lo']);
      await p().batch('configure terminal\nno router bgp 65510\nno route network 172.16.0.254/32 interface vti0\nend\n').catch(() => '');
    }
  }, 120_000);

  it('a wrong key is refused on both sides with a clear log line', async () => {
    await t().killCharon();
    await p().batch(paskIpsec({ type: 'respond', secret: 'not-the-secret' }));
    await t().startCharon(swanctlConf({ start: false }));
    const init = t().swanctl(['--initiate', '--child', 'vti', '--timeout', '10']);
    expect(init.stdout + init.stderr).toMatch(/AUTHENTICATION_FAILED/);
    expect(await paskLog()).toMatch(/authentication of '192\.0\.2\.1' with pre-shared key failed/);
    await p().batch(paskIpsec({ type: 'initiate', secret: 'not-the-secret' }));
    expect(await until(() => /MAC mismatched|AUTH_FAILED|AUTHENTICATION_FAILED/.test(readFileSync(t().charonLog, 'utf8')), 15_000)).toBe(true);
    expect(await until(async () => /refused our authentication \(AUTHENTICATION_FAILED\)/.test(await paskLog()), 15_000)).toBe(true);
    expect(await paskSas()).not.toMatch(/ESTABLISHED/);
  }, 90_000);
});
