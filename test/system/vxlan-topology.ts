// File 004 in Linux network namespaces: pask is host 192.168.104.2's bridge and VTEP (port 1 the
// underlay, port 2 its pinkns 12.12.12.2); the other host is a real kernel with file 004's own
// set-up: a vxlan device (`id 42 proxy learning dstport 4789`) on a bridge with its pinkns
// 12.12.12.3 behind it. nginx on both pinkns serves a 1 MB file.
//
//   pinka eth0 12.12.12.2/24 (mtu 1450) ── p2 [pask] p1 ── eth1 [hostb] 192.168.104.3/24
//                                                           vxlan1 (vni 42, proxy, learning) ─ br0 ─ veth1
//                                                                                                      │
//                                                           pinkb eth0 12.12.12.3/24 (mtu 1450) ───────┘
//
// Only private and documentation addresses. Namespaces (netns.ts) are deleted by
// destroy() and at exit (and swept by later runs through topology.ts's sweepStale).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NamespaceSet } from './netns.js';
import { until } from './topology.js';

export type VxRole = 'pask' | 'pinka' | 'hostb' | 'pinkb';

export const PINK_A = { ip: '12.12.12.2', mac: '02:42:c0:a8:00:02' } as const;
export const PINK_B = { ip: '12.12.12.3', mac: '02:42:c0:a8:00:03' } as const;
export const PASK_VTEP = '192.168.104.2';
export const HOST_B = '192.168.104.3';
/** The size of the file nginx serves (1 MB). */
export const BIG = 1 << 20;

export class VxlanTopology extends NamespaceSet<VxRole> {
  readonly paskPorts: Record<number, string> = { 1: 'p1', 2: 'p2' };

  private constructor(readonly kernelAgeing: number) {
    super();
  }

  static async create(kernelAgeing = 300): Promise<VxlanTopology> {
    const t = new VxlanTopology(kernelAgeing);
    try {
      t.build();
      for (const r of ['pinka', 'pinkb'] as const) await t.startNginx(r);
      return t;
    } catch (e) {
      t.destroy();
      throw e;
    }
  }

  /**
   * Frames of at most the MTU toward pask's packet sockets, as on a wire, with finished
   * checksums (a veth leaves them to "hardware" otherwise: the interop notes).
   */
  private wireLike(role: VxRole, ifname: string): void {
    this.tryX(role, ['ethtool', '-K', ifname, 'tso', 'off', 'gso', 'off', 'gro', 'off', 'tx', 'off']);
  }

  private build(): void {
    for (const r of ['pask', 'pinka', 'hostb', 'pinkb'] as const) this.addNs(r);
    // pinkns of host .2, behind pask (file 004: `veth ... mtu 1450`).
    this.veth('pinka', 'eth0', 'pask', 'p2', 1450);
    this.ip('pinka', 'link', 'set', 'eth0', 'address', PINK_A.mac);
    this.ip('pinka', 'addr', 'add', `${PINK_A.ip}/24`, 'dev', 'eth0');
    this.wireLike('pinka', 'eth0');
    // The underlay.
    this.veth('hostb', 'eth1', 'pask', 'p1');
    this.ip('hostb', 'addr', 'add', `${HOST_B}/24`, 'dev', 'eth1');
    this.wireLike('hostb', 'eth1');
    // Host .3: bridge, vxlan device and pinkns, as file 004 makes them.
    this.ip('hostb', 'link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0');
    this.ip('hostb', 'link', 'add', 'vxlan1', 'type', 'vxlan', 'id', '42', 'proxy', 'learning', 'dstport', '4789',
      'local', HOST_B, 'dev', 'eth1', 'ageing', String(this.kernelAgeing));
    this.veth('hostb', 'veth1', 'pinkb', 'eth0', 1450);
    this.ip('pinkb', 'link', 'set', 'eth0', 'address', PINK_B.mac);
    this.ip('pinkb', 'addr', 'add', `${PINK_B.ip}/24`, 'dev', 'eth0');
    for (const i of ['veth1', 'vxlan1']) this.ip('hostb', 'link', 'set', i, 'master', 'br0');
    for (const i of ['br0', 'vxlan1']) this.ip('hostb', 'link', 'set', i, 'up');
    // pask's namespace: no addresses (its kernel stays silent), promiscuous packet sockets.
    for (const p of ['p1', 'p2']) {
      this.ip('pask', 'link', 'set', p, 'promisc', 'on');
      this.wireLike('pask', p);
    }
  }

  private async startNginx(role: 'pinka' | 'pinkb'): Promise<void> {
    const d = join(this.dir, `nginx-${role}`);
    mkdirSync(join(d, 'www'), { recursive: true });
    const big = Buffer.alloc(BIG);
    for (let i = 0; i < BIG; i++) big[i] = (i * 31 + (i >>> 8)) & 0xff;
    writeFileSync(join(d, 'www', 'big'), big);
    writeFileSync(join(d, 'nginx.conf'), [
      // The run's directory is root's alone (mkdtemp): the worker reads the file as root.
      'user root;', 'worker_processes 1;', 'daemon off;', 'master_process on;', `pid ${d}/nginx.pid;`, `error_log ${d}/error.log;`,
      'events { worker_connections 1024; }',
      'http {', '  access_log off;', `  client_body_temp_path ${d}/body;`, `  proxy_temp_path ${d}/proxy;`,
      `  fastcgi_temp_path ${d}/fastcgi;`, `  uwsgi_temp_path ${d}/uwsgi;`, `  scgi_temp_path ${d}/scgi;`,
      '  default_type application/octet-stream;', '  sendfile off;',
      '  server {', '    listen 80;', `    root ${d}/www;`, `    location = / { return 200 "${role}\\n"; }`, '  }', '}', '',
    ].join('\n'));
    const child = this.spawn(role, ['nginx', '-p', d, '-c', join(d, 'nginx.conf')]);
    child.stdout!.resume();
    child.stderr!.resume();
    const ip = role === 'pinka' ? PINK_A.ip : PINK_B.ip;
    const ok = await until(() => this.tryX(role, ['curl', '-s', '-m', '1', `http://${ip}/`]).stdout === `${role}\n`, 10_000, 100);
    if (!ok) throw new Error(`nginx did not start in ${this.ns(role)}`);
  }

  /** `bridge fdb show dev vxlan1` on host .3. */
  kernelFdb(): string[] {
    return this.x('hostb', ['bridge', 'fdb', 'show', 'dev', 'vxlan1']).split('\n').map((l) => l.trimEnd()).filter(Boolean);
  }

  destroy(): void {
    this.destroyNow();
  }
}
