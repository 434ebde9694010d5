// File 004 replayed on `pask --lab vxlan`: the appliance is host 192.168.104.2's bridge and
// VTEP, the lab's ubuntu1804-2 (192.168.104.3) runs a Linux vxlan device (`id 42 proxy learning
// dstport 4789`). Step by step as the notes go: the ping fails until the neighbour entry and the
// FDB entry exist on both sides, learned entries age out and stop traffic, a permanent entry
// (`bridge fdb replace`) makes it work for good. Then the appliance's own learning and ageing,
// and SLB (dsr, nat) to a real that is reachable only through the VNI.

import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Appliance } from '../../src/appliance.js';
import { bootAppliance } from '../../src/boot.js';
import { LabWorld } from '../../src/lab/world.js';
import { ipv4 } from '../../src/net/addr.js';
import { batch, runClean as run } from '../helpers/cli.js';

const SEED = readFileSync(new URL('../fixtures/seeds/004-vxlan.txt', import.meta.url), 'utf8');
/** The seed's lines of one step. */
function seed(step: string): string[] {
  return SEED.split('\n').filter((l) => l.startsWith(`[${step}] `)).map((l) => l.slice(step.length + 3));
}

/** Scenario 004 of the CLI contract without its last two lines (the FDB and neighbour entries the story adds later). */
const BASE = [
  'configure terminal',
  'hostname overns',
  'vlan underlay', ' vid 104', ' port 1 untagged', ' apply',
  'interface underlay', ' ip address 192.168.104.2/24', ' apply',
  'vlan overlay', ' vid 12', ' port 2 untagged', ' vxlan vni 42', ' apply',
  'interface overlay', ' ip address 12.12.12.1/24', ' apply',
  'vxlan', ' source-address 192.168.104.2', ' udp-port 4789', ' learning enable', ' arp-proxy enable', ' ageing 300', ' apply',
  'end', '',
].join('\n');

async function vxlanLab(config = BASE): Promise<{ app: Appliance; lab: LabWorld }> {
  const home = mkdtempSync(join(tmpdir(), 'pask-vxlan-'));
  const app = await bootAppliance({ lab: 'vxlan', ports: [], config: null, startupPath: join(home, 'startup-config') },
    { out: () => {}, err: (t) => { throw new Error(t); } }, 'batch');
  await run(app, config);
  if (!(app.world instanceof LabWorld)) throw new Error('no lab');
  return { app, lab: app.world };
}

/** Packet lines of a capture (`show capture NAME`), without the time stamps. */
async function captured(app: Appliance, name: string, opts = ''): Promise<string[]> {
  const out = await run(app, `capture stop ${name}\nshow capture ${name} ${opts}\nno capture ${name}\n`);
  return out.split('\n').filter(Boolean).map((l) => l.replace(/^\d\d:\d\d:\d\d\.\d{6} /, ''));
}

/** A seed line with its variable parts (ids, sequence numbers, ports, host names) made patterns. */
function shape(line: string): RegExp {
  const esc = line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/id \d+, seq \d+/g, 'id \\d+, seq \\d+')
    // The lab's hosts pad ARP to the Ethernet minimum as a wire does (46 bytes after the header); the notes captured on a veth.
    .replace(/^(ARP, .*), length 28$/, '$1, length (28|46)')
    .replace(/192\\\.168\\\.104\\\.2\\\.\d+ > ubuntu1804-2\\\.4789/, '192\\.168\\.104\\.2\\.\\d+ > 192\\.168\\.104\\.3\\.4789');
  return new RegExp(`^${esc}$`);
}

const pings = (out: string) => out.split('\n').filter((l) => /^\d+ (reply|timeout|unreachable)/.test(l));
const replies = (out: string) => pings(out).filter((l) => l.includes('reply')).length;

describe('file 004 on the vxlan lab, step by step', () => {
  it('replays the notes: no neighbour, no FDB entry, the remote side, ageing, bridge fdb replace', async () => {
    const { app } = await vxlanLab();

    // 1. Who has 12.12.12.3? Nobody answers: the VTEP knows no neighbour and no remote VTEP.
    await run(app, 'capture start br -i overlay\ncapture start u -i underlay udp\n');
    expect(replies(await run(app, 'lab ping pinkns 12.12.12.3 count 1\n'))).toBe(0);
    const br1 = await captured(app, 'br');
    expect(br1.length).toBeGreaterThan(0);
    for (const l of br1) expect(l).toMatch(shape(seed('arp-unanswered')[0]!));
    expect(await captured(app, 'u')).toEqual([]);
    expect(await run(app, 'show ip neighbors\n')).not.toContain('12.12.12.3');

    // 2. ip neigh add 12.12.12.3 lladdr 02:42:c0:a8:00:03 (here: arp ... vlan overlay).
    await run(app, 'configure terminal\narp 12.12.12.3 02:42:c0:a8:00:03 vlan overlay\nend\n');
    expect(await run(app, 'show ip neighbors\n')).toBe(`${seed('neigh-added')[0]!.replace('dev vxlan1', 'dev overlay')}\n`);
    await run(app, 'capture start br -i overlay\ncapture start u -i underlay udp\n');
    expect(replies(await run(app, 'lab ping pinkns 12.12.12.3 count 1\n'))).toBe(0);
    const br2 = await captured(app, 'br');
    expect(br2[0]).toMatch(shape(seed('arp-unanswered')[0]!));
    expect(br2[1]).toMatch(shape(seed('arp-answered')[0]!));
    expect(br2[2]).toMatch(shape(seed('no-fdb')[0]!));
    const lab = app.world as LabWorld;
    const n = lab.host('pinkns')!.arp.neighbors().find((x) => x.ip === ipv4('12.12.12.3'))!;
    expect(n.state).toBe('reachable');
    // ... but the echo request goes nowhere: no FDB entry, no flood list.
    expect(await captured(app, 'u')).toEqual([]);
    expect(await run(app, 'show vxlan\n')).toMatch(/no-remote\s+\d+/);

    // 3. bridge fdb add 02:42:c0:a8:00:03 dev vxlan1 self dst 192.168.104.3 vni 42 port 4789.
    await run(app, 'configure terminal\nvxlan fdb 02:42:c0:a8:00:03 vni 42 remote 192.168.104.3\nend\n');
    expect(await run(app, 'show vxlan fdb\n')).toBe('02:42:c0:a8:00:03 dev vxlan42 dst 192.168.104.3 vni 42 port 4789 self permanent\n');
    await run(app, 'capture start u -i underlay udp port 4789\n');
    expect(replies(await run(app, 'lab ping pinkns 12.12.12.3 count 2\n'))).toBe(0);
    const u3 = await captured(app, 'u');
    expect(u3.length).toBe(4);
    expect(u3[0]).toMatch(shape(seed('tunnelled')[0]!));
    expect(u3[1]).toMatch(shape(seed('tunnelled')[1]!));
    // The far side learned pinkns's MAC (no `permanent`), and its pinkns-2 asks for 12.12.12.2 in
    // vain: a proxy VTEP answers from its neighbour table or drops.
    expect(await run(app, 'lab fdb ubuntu1804-2\n')).toBe(`${seed('remote-learned')[0]!.replace(' link-netnsid 0', '')}\n`);
    expect(lab.host('pinkns-2')!.arp.requestsSent).toBeGreaterThan(0);
    expect(lab.host('pinkns-2')!.arp.neighbors().some((x) => x.ip === ipv4('12.12.12.2') && x.state === 'reachable')).toBe(false);

    // 4. On the far side: ip neigh add 12.12.12.2 lladdr 02:42:c0:a8:00:02 dev vxlan1. The ping works.
    await run(app, 'lab neigh ubuntu1804-2 add 12.12.12.2 lladdr 02:42:c0:a8:00:02\n');
    expect(await run(app, 'lab neigh ubuntu1804-2\n')).toBe(`${seed('remote-neigh-added')[0]}\n`);
    await run(app, 'capture start br -i overlay icmp\n');
    expect(pings(await run(app, 'lab ping pinkns 12.12.12.3 count 2\n'))).toEqual([
      expect.stringMatching(/^1 reply from 12\.12\.12\.3 ttl 64 /), expect.stringMatching(/^2 reply from 12\.12\.12\.3 ttl 64 /),
    ]);
    expect(seed('ping-works')[0]).toMatch(/ttl=64/);
    const br4 = await captured(app, 'br');
    expect(br4.slice(0, 2).map((l, i) => shape(seed('ping-works')[1 + i]!).test(l))).toEqual([true, true]);

    // 5. Nothing from 12.12.12.2 for 300 s: the far side's learned entry ages out, and
    //    12.12.12.3 -> 12.12.12.2 fails (its echo requests have nowhere to go).
    await run(app, 'wait 320\n');
    expect(await run(app, 'lab fdb ubuntu1804-2\n')).toBe('');
    expect(replies(await run(app, 'lab ping pinkns-2 12.12.12.2 count 2\n'))).toBe(0);
    expect(seed('fdb-gone')[0]).toMatch(/100% packet loss/);
    // The same after bridge fdb del of a freshly learned entry.
    expect(replies(await run(app, 'lab ping pinkns 12.12.12.3 count 1\n'))).toBe(1);
    expect(await run(app, 'lab fdb ubuntu1804-2\n')).toBe(`${seed('remote-learned')[0]!.replace(' link-netnsid 0', '')}\n`);
    // add fails where an entry was learned: the notes use replace.
    expect((await batch(app, 'lab fdb ubuntu1804-2 add 02:42:c0:a8:00:02 dst 192.168.104.2\n')).err).toContain('File exists');
    await run(app, 'lab fdb ubuntu1804-2 del 02:42:c0:a8:00:02 dst 192.168.104.2\n');
    expect(replies(await run(app, 'lab ping pinkns-2 12.12.12.2 count 2\n'))).toBe(0);

    // 6. bridge fdb replace ... self dst 192.168.104.2 vni 42 port 4789: permanent, and it works both ways for good.
    await run(app, 'lab fdb ubuntu1804-2 replace 02:42:c0:a8:00:02 dst 192.168.104.2 port 4789\n');
    expect(await run(app, 'lab fdb ubuntu1804-2\n')).toBe(`${seed('fdb-replaced')[0]!.replace(' link-netnsid 0', '')}\n`);
    await run(app, 'capture start br -i overlay icmp\n');
    expect(replies(await run(app, 'lab ping pinkns-2 12.12.12.2 count 2\n'))).toBe(2);
    const br6 = await captured(app, 'br');
    expect(br6.slice(0, 2).map((l, i) => shape(seed('reverse-works')[i]!).test(l))).toEqual([true, true]);
    await run(app, 'wait 600\n');
    expect(replies(await run(app, 'lab ping pinkns-2 12.12.12.2 count 1\n'))).toBe(1);
    await app.close();
  }, 60_000);

  it('the appliance learns the far side\'s MAC through the flood list, ages it after 300 s, relearns it with traffic; clear vxlan fdb', async () => {
    const { app } = await vxlanLab(`${BASE}configure terminal\narp 12.12.12.3 02:42:c0:a8:00:03 vlan overlay\nvxlan fdb 00:00:00:00:00:00 vni 42 remote 192.168.104.3\nend\n`);
    await run(app, 'lab neigh ubuntu1804-2 add 12.12.12.2 lladdr 02:42:c0:a8:00:02\nlab fdb ubuntu1804-2 append 00:00:00:00:00:00 dst 192.168.104.2\n');
    expect(replies(await run(app, 'lab ping pinkns 12.12.12.3 count 2\n'))).toBe(2);
    expect(await run(app, 'show vxlan fdb vni 42\n')).toBe([
      '02:42:c0:a8:00:03 dev vxlan42 dst 192.168.104.3 vni 42 port 4789 self',
      '00:00:00:00:00:00 dev vxlan42 dst 192.168.104.3 vni 42 port 4789 self permanent',
      '',
    ].join('\n'));
    // The far side learned pinkns's MAC too.
    expect(await run(app, 'lab fdb ubuntu1804-2\n')).toContain('02:42:c0:a8:00:02 dev vxlan1 dst 192.168.104.2 self\n');
    await run(app, 'wait 299\n');
    expect(await run(app, 'show vxlan fdb\n')).toContain('02:42:c0:a8:00:03 dev vxlan42');
    await run(app, 'wait 2\n');
    expect(await run(app, 'show vxlan fdb\n')).toBe('00:00:00:00:00:00 dev vxlan42 dst 192.168.104.3 vni 42 port 4789 self permanent\n');
    expect(await run(app, 'show vxlan\n')).toMatch(/Entries Learned New Moved Aged Refused\n\s+1\s+0\s+1\s+0\s+1\s+0\n/);
    // Traffic brings it back; clear vxlan fdb forgets it (the static entry stays).
    expect(replies(await run(app, 'lab ping pinkns-2 12.12.12.2 count 1\n'))).toBe(1);
    expect(await run(app, 'show vxlan fdb\n')).toContain('02:42:c0:a8:00:03 dev vxlan42 dst 192.168.104.3 vni 42 port 4789 self\n');
    // The same facts for scripts.
    expect(JSON.parse(await run(app, 'show vxlan fdb | json\n'))).toEqual([
      { mac: '02:42:c0:a8:00:03', vni: 42, remote: '192.168.104.3', port: 4789, static: false, ageSec: 0 },
      { mac: '00:00:00:00:00:00', vni: 42, remote: '192.168.104.3', port: 4789, static: true, ageSec: null },
    ]);
    expect(JSON.parse(await run(app, 'show ip neighbors | json\n'))).toContainEqual(
      { address: '12.12.12.3', interface: 'overlay', mac: '02:42:c0:a8:00:03', state: 'PERMANENT' });
    expect(await run(app, 'clear vxlan fdb\n')).toBe('1 FDB entry cleared\n');
    expect(await run(app, 'show vxlan fdb vni 42\n')).toBe('00:00:00:00:00:00 dev vxlan42 dst 192.168.104.3 vni 42 port 4789 self permanent\n');
    await app.close();
  }, 60_000);
});

describe('SLB to a real behind the remote VTEP', () => {
  const slb = (mode: 'dsr' | 'nat') => [
    'configure terminal',
    'arp 12.12.12.3 02:42:c0:a8:00:03 vlan overlay',
    'vxlan fdb 02:42:c0:a8:00:03 vni 42 remote 192.168.104.3',
    'real 1', ' name pinkns-2', ' rip 12.12.12.3', ' rport 80', ' apply',
    'port-boundary 1', ' type include', ' port 1', ' apply',
    'slb web', ' vip 192.168.104.100 protocol tcp vport 80', ` nat-mode ${mode}`, ' lb-method rr', ' real 1',
    ' filter 1 type include protocol tcp dip 192.168.104.100/32', ' apply',
    'end', '',
  ].join('\n');

  for (const mode of ['dsr', 'nat'] as const) {
    it(`${mode}: the client 192.168.104.3 reaches the VIP, served by 12.12.12.3 through VNI 42`, async () => {
      const { app } = await vxlanLab(BASE + slb(mode));
      // The real answers through the appliance (its gateway); its VTEP answers ARP for it from its table.
      await run(app, [
        'lab route pinkns-2 0.0.0.0/0 12.12.12.1',
        'lab neigh ubuntu1804-2 add 12.12.12.1 lladdr 00:06:c4:90:03:93',
        '',
      ].join('\n'));
      // The VIP on the real's lo (dsr), as the seed's reals have it.
      if (mode === 'dsr') (app.world as LabWorld).host('pinkns-2')!.addLoopback('192.168.104.100');
      await run(app, 'capture start u -i underlay udp port 4789\n');
      const out = await run(app, 'lab request ubuntu1804-2 http://192.168.104.100/ count 3\n');
      expect(out).toContain('total 3: pinkns-2 3');
      const u = await captured(app, 'u', '-nn');
      // The requests went into the tunnel to the real's VTEP: the SYN to the VIP (dsr) or the RIP (nat).
      const dst = mode === 'dsr' ? '192\\.168\\.104\\.100' : '12\\.12\\.12\\.3';
      expect(u.some((l) => new RegExp(`^IP 192\\.168\\.104\\.3\\.\\d+ > ${dst}\\.80: Flags \\[S\\]`).test(l))).toBe(true);
      expect(await run(app, 'show info slb web\n')).toMatch(/Total sessions\s+:\s+3/);
      await app.close();
    }, 60_000);
  }
});
