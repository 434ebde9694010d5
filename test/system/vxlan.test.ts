// File 004 against a real kernel: pask's VTEP (the bridge and VTEP of host 192.168.104.2) and
// Linux's vxlan device on host 192.168.104.3 (`id 42 proxy learning dstport 4789`), with no
// static FDB entry on either side but the all-zeros flood entries, learning on. A ping and a
// 1 MB HTTP transfer between 12.12.12.2 and 12.12.12.3 both ways; each side learns the other's
// MAC behind the other's VTEP; pask's learned entry ages out after its ageing time and comes
// back with traffic; the VXLAN packets on the wire print the same in pask's tcpdump and Debian's.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPcapFile } from '../../src/capture/pcap.js';
import { TcpdumpPrinter } from '../../src/capture/print/printer.js';
import { parseTcpdumpArgs } from '../../src/capture/args.js';
import { PaskServe } from './appliance.js';
import { acquireSystemLock, run, sleep, until, whyNoSystem } from './topology.js';
import { HOST_B, PASK_VTEP, PINK_A, PINK_B, VxlanTopology } from './vxlan-topology.js';
import { PASK_MAC } from './topology.js';

const why = whyNoSystem(['bridge']);
/** pask's ageing and the kernel's here (the default is 300 s; the kernel checks every 10 s). */
const AGEING = 8;
const KERNEL_AGEING = 12;

const CONFIG = [
  'configure terminal',
  'hostname overns',
  'vlan underlay', ' vid 104', ' port 1 untagged', ' apply',
  'interface underlay', ` ip address ${PASK_VTEP}/24`, ' apply',
  'vlan overlay', ' vid 12', ' port 2 untagged', ' vxlan vni 42', ' apply',
  'interface overlay', ' ip address 12.12.12.1/24', ' apply',
  'vxlan', ` source-address ${PASK_VTEP}`, ' learning enable', ' arp-proxy enable', ` ageing ${AGEING}`, ' apply',
  // Broadcast and unknown unicast go to host .3; the kernel's proxy VTEP never sends ARP across,
  // so pask answers pinkns's ARP for 12.12.12.3 itself, from a static neighbour.
  `vxlan fdb 00:00:00:00:00:00 vni 42 remote ${HOST_B}`,
  `arp ${PINK_B.ip} ${PINK_B.mac} vlan overlay`,
  'end', '',
].join('\n');

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.skipIf(!!why)(`VXLAN against Linux's vxlan device${why ? ` (skipped: ${why})` : ''}`, () => {
  let topo: VxlanTopology;
  let pask: PaskServe;
  let release: (() => void) | null = null;
  let expected = '';

  beforeAll(async () => {
    release = await acquireSystemLock();
    topo = await VxlanTopology.create(KERNEL_AGEING);
    pask = await PaskServe.start(topo);
    await pask.batch(CONFIG);
    // Host .3's side: the flood entry toward pask, and the neighbour its proxy answers for.
    topo.x('hostb', ['bridge', 'fdb', 'append', '00:00:00:00:00:00', 'dev', 'vxlan1', 'dst', PASK_VTEP]);
    topo.x('hostb', ['ip', 'neigh', 'add', PINK_A.ip, 'lladdr', PINK_A.mac, 'dev', 'vxlan1']);
    topo.x('hostb', ['ip', 'neigh', 'add', '12.12.12.1', 'lladdr', PASK_MAC, 'dev', 'vxlan1']);
    expected = sha(readFileSync(join(topo.dir, 'nginx-pinkb', 'www', 'big')));
  }, 120_000);

  afterAll(async () => {
    try {
      if (pask) await pask.stop();
    } finally {
      topo?.destroy();
      release?.();
    }
  }, 60_000);

  const ping = (from: 'pinka' | 'pinkb', to: string, n = 3) => run('ip', ['netns', 'exec', topo.ns(from), 'ping', '-c', String(n), '-i', '0.2', '-W', '2', to]);
  const curl = (from: 'pinka' | 'pinkb', to: string) => {
    const r = run('ip', ['netns', 'exec', topo.ns(from), 'sh', '-c', `curl -sS -m 30 --noproxy '*' http://${to}/big | sha256sum`], { timeoutMs: 40_000 });
    return r.status === 0 ? r.stdout.split(' ')[0]! : `error: ${r.stderr}`;
  };

  it('carries a ping both ways, and each side learns the other\'s MAC behind the other\'s VTEP', async () => {
    const a = ping('pinka', PINK_B.ip);
    expect(a.stdout, a.stderr).toMatch(/3 packets transmitted, 3 received, 0% packet loss/);
    const b = ping('pinkb', PINK_A.ip);
    expect(b.stdout, b.stderr).toMatch(/3 packets transmitted, 3 received, 0% packet loss/);
    // The kernel learned pinkns .2 behind pask's VTEP (no `permanent`: learned).
    expect(topo.kernelFdb()).toContain(`${PINK_A.mac} dst ${PASK_VTEP} self`);
    // pask learned pinkns .3 behind the kernel's VTEP.
    const fdb = await pask.cli('show vxlan fdb');
    expect(fdb).toContain(`${PINK_B.mac} dev vxlan42 dst ${HOST_B} vni 42 port 4789 self\n`);
    expect(fdb).toContain(`00:00:00:00:00:00 dev vxlan42 dst ${HOST_B} vni 42 port 4789 self permanent\n`);
    expect(await pask.cli('show ip neighbors')).toContain(`${PINK_B.ip} dev overlay lladdr ${PINK_B.mac} PERMANENT\n`);
    // The appliance's own packets (its ping from 12.12.12.1): the kernel learns its MAC too.
    expect(await pask.cli(`ping ${PINK_B.ip}`)).toMatch(/Success rate is 100 percent/);
    expect(topo.kernelFdb()).toContain(`${PASK_MAC} dst ${PASK_VTEP} self`);
  }, 60_000);

  it('carries a 1 MB HTTP transfer both ways (nginx, curl) within the overlay MTU', async () => {
    expect(curl('pinka', PINK_B.ip)).toBe(expected);
    expect(curl('pinkb', PINK_A.ip)).toBe(expected);
    const vx = await pask.cli('show vxlan');
    // Full-sized frames crossed (1450-byte packets), none too big.
    expect(vx).not.toMatch(/^\s+mtu\s+\d+/m);
    expect(vx).toMatch(/Status\s+: up/);
  }, 120_000);

  it('ages out learned entries on both sides after their ageing without traffic from the MAC, and learns them again with traffic', async () => {
    expect(ping('pinka', PINK_B.ip, 1).status).toBe(0);
    expect(await pask.cli('show vxlan fdb')).toContain(`${PINK_B.mac} dev vxlan42`);
    const t0 = Date.now();
    const gone = await until(async () => !(await pask.cli('show vxlan fdb')).includes(PINK_B.mac), (AGEING + 10) * 1000, 250);
    expect(gone).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual((AGEING - 1) * 1000);
    const kernelGone = await until(() => !topo.kernelFdb().some((l) => l.startsWith(PINK_A.mac) && l.includes('self')), (KERNEL_AGEING + 15) * 1000, 500);
    expect(kernelGone).toBe(true);
    // Traffic brings them back: the echo request is flooded to host .3, the reply teaches pask.
    expect(ping('pinka', PINK_B.ip, 1).status).toBe(0);
    expect(await pask.cli('show vxlan fdb')).toContain(`${PINK_B.mac} dev vxlan42 dst ${HOST_B} vni 42 port 4789 self\n`);
    expect(topo.kernelFdb()).toContain(`${PINK_A.mac} dst ${PASK_VTEP} self`);
    expect(await pask.cli('show vxlan')).toMatch(/Entries Learned New Moved Aged Refused\n\s+\d+\s+1\s+\d+\s+0\s+[1-9]\d*\s+0\n/);
  }, 90_000);

  it('prints the VXLAN packets on the wire as Debian\'s tcpdump does', async () => {
    const file = join(topo.dir, 'underlay.pcap');
    const cap = topo.spawn('pask', ['tcpdump', '-i', 'p1', '--immediate-mode', '-U', '-s', '0', '-w', file, 'udp port 4789']);
    let err = '';
    cap.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    cap.stdout!.resume();
    await until(() => err.includes('listening on'), 10_000, 50);
    expect(ping('pinka', PINK_B.ip, 2).status).toBe(0);
    await sleep(300);
    cap.kill('SIGINT');
    await until(() => cap.exitCode !== null || cap.signalCode !== null, 5000, 50);
    for (const flags of ['-nn', '-nnev', '-nnvv']) {
      const debian = run('tcpdump', [flags, '-r', file]);
      expect(debian.status).toBe(0);
      const args = parseTcpdumpArgs([flags, '-r', file]);
      if (!args.ok) throw new Error(args.error);
      const printer = new TcpdumpPrinter(args.opts);
      const mine = readPcapFile(file).records.map((r) => `${printer.format(r)}\n`).join('');
      expect(mine, flags).toBe(debian.stdout);
      if (flags !== '-nn') continue;
      expect(debian.stdout).toMatch(new RegExp(`IP ${PASK_VTEP.replace(/\./g, '\\.')}\\.\\d+ > ${HOST_B.replace(/\./g, '\\.')}\\.4789: .*VXLAN, flags \\[I\\] \\(0x08\\), vni 42`));
      expect(debian.stdout).toMatch(new RegExp(`IP ${HOST_B.replace(/\./g, '\\.')}\\.\\d+ > ${PASK_VTEP.replace(/\./g, '\\.')}\\.4789: .*VXLAN, flags \\[I\\] \\(0x08\\), vni 42`));
    }
  }, 60_000);
});
