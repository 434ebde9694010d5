// File 003's VPN in network namespaces: pask (EdgeRouter) against strongSwan (the Azure gateway),
// both with the file's documentation addresses, which exist only inside these namespaces.
//
//   host eth0 192.168.1.10/24 ── p2 [pask] p1 ── eth0 [swan] 192.0.2.1/24   eth1 172.16.1.1/24 ── eth0 [srv] 172.16.1.10/24
//        (gw 192.168.1.1)        LAN 192.168.1.1   WAN 203.0.113.1           charon + kernel-libipsec        (gw 172.16.1.1)
//
// pask reaches 192.0.2.0/24 by an interface route out of its WAN (one link, two subnets), swan
// 203.0.113.1 by an on-link route. This kernel has no ESP: strongSwan's kernel-libipsec plugin
// does ESP in user space over a TUN device (ipsec0) and only inside UDP 4500 (interop notes).
// It routes everything of its namespace into ipsec0 (table 220) while a CHILD SA is up; a rule
// keeps srv's subnet in the main table. charon runs directly, with its own strongswan.conf,
// vici socket, log and a private /run (its pid file is fixed at /var/run/charon.pid).
// Namespaces as netns.ts names them, so that sweepStale() removes leftovers.

import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NamespaceSet } from './netns.js';
import { run, sleep, until, which, type Result } from './topology.js';

export const CHARON = '/usr/lib/ipsec/charon';
export const LIBIPSEC = '/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so';

/** Why the strongSwan test cannot run here (null: it can). */
export function whyNoStrongswan(): string | null {
  if (!which('swanctl') || !existsSync(CHARON)) return 'missing strongSwan (Debian: strongswan-charon strongswan-swanctl; run sh scripts/setup.sh --system)';
  if (!existsSync(LIBIPSEC)) return 'missing strongSwan\'s kernel-libipsec plugin (Debian: libcharon-extra-plugins)';
  if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun (kernel-libipsec needs a TUN device)';
  return null;
}

export type VpnRole = 'host' | 'pask' | 'swan' | 'srv';

export class VpnTopology extends NamespaceSet<VpnRole> {
  readonly paskPorts: Record<number, string> = { 1: 'p1', 2: 'p2' };
  charon: ChildProcess | null = null;

  private constructor() {
    super();
  }

  static create(): VpnTopology {
    const t = new VpnTopology();
    try {
      t.build();
      return t;
    } catch (e) {
      t.destroy();
      throw e;
    }
  }

  private build(): void {
    for (const r of ['host', 'pask', 'swan', 'srv'] as const) this.addNs(r);
    this.veth('host', 'eth0', 'pask', 'p2');
    this.veth('swan', 'eth0', 'pask', 'p1');
    this.veth('swan', 'eth1', 'srv', 'eth0');
    for (const p of ['p1', 'p2']) this.ip('pask', 'link', 'set', p, 'promisc', 'on');
    // Frames toward pask's packet socket are real frames (no GSO/GRO super-frames).
    for (const [r, i] of [['host', 'eth0'], ['swan', 'eth0'], ['pask', 'p1'], ['pask', 'p2']] as const) {
      this.tryX(r, ['ethtool', '-K', i, 'tso', 'off', 'gso', 'off', 'gro', 'off']);
    }
    this.ip('host', 'addr', 'add', '192.168.1.10/24', 'dev', 'eth0');
    this.ip('host', 'route', 'add', 'default', 'via', '192.168.1.1');
    this.ip('swan', 'addr', 'add', '192.0.2.1/24', 'dev', 'eth0');
    this.ip('swan', 'route', 'add', '203.0.113.1/32', 'dev', 'eth0');
    this.ip('swan', 'addr', 'add', '172.16.1.1/24', 'dev', 'eth1');
    this.x('swan', ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    this.ip('swan', 'rule', 'add', 'to', '172.16.1.0/24', 'lookup', 'main', 'pref', '100');
    this.ip('srv', 'addr', 'add', '172.16.1.10/24', 'dev', 'eth0');
    this.ip('srv', 'route', 'add', 'default', 'via', '172.16.1.1');
    mkdirSync(join(this.dir, 'swan', 'run'), { recursive: true });
  }

  // ---------------------------------------------------------------- strongSwan

  get vici(): string {
    return `unix://${join(this.dir, 'swan', 'charon.vici')}`;
  }

  get charonLog(): string {
    return join(this.dir, 'swan', 'charon.log');
  }

  /** Starts charon in `swan` with kernel-libipsec and loads `swanctlConf`. */
  async startCharon(swanctlConf: string): Promise<void> {
    const d = join(this.dir, 'swan');
    writeFileSync(join(d, 'strongswan.conf'), [
      'charon {',
      '  load = random nonce aes sha1 sha2 hmac gmp kdf gcm openssl drbg kernel-libipsec kernel-netlink socket-default vici',
      `  plugins { vici { socket = ${this.vici} } }`,
      '  filelog { log {',
      `    path = ${this.charonLog}`,
      '    append = yes',
      '    default = 1',
      '    ike = 2',
      '    flush_line = yes } }',
      '}',
      '',
    ].join('\n'));
    writeFileSync(join(d, 'swanctl.conf'), swanctlConf);
    rmSync(join(d, 'run', 'charon.pid'), { force: true });
    this.charon = this.spawn('swan', ['sh', '-c', `mount --bind ${join(d, 'run')} /run && exec env STRONGSWAN_CONF=${join(d, 'strongswan.conf')} ${CHARON}`]);
    const up = await until(() => this.swanctl(['--stats']).status === 0, 15_000, 200);
    if (!up) throw new Error('charon did not start');
    const r = this.swanctl(['--load-all', '--file', join(d, 'swanctl.conf')]);
    if (r.status !== 0) throw new Error(`swanctl --load-all: ${r.stderr}${r.stdout}`);
  }

  /** Kills charon at once (a crash, not a shutdown: it tells pask nothing). */
  async killCharon(): Promise<void> {
    const c = this.charon;
    if (!c || c.exitCode !== null) return;
    const gone = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGKILL');
    await Promise.race([gone, sleep(5000)]);
    this.charon = null;
    // kernel-libipsec's TUN device and routes go with the process; give the kernel a moment.
    await sleep(300);
  }

  swanctl(args: string[], timeoutMs = 30_000): Result {
    const [cmd, ...rest] = args;
    return run('swanctl', [cmd!, '--uri', this.vici, ...rest], { timeoutMs });
  }

  destroy(): void {
    this.destroyNow();
  }
}
