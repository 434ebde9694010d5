// File 002's gateway load balancer in Linux network namespaces: a workload host and an
// "internet" host with real kernels (nginx on the internet host), pask as the GWLB between
// them, and two pask instances as its GENEVE appliances on the appliance network (a bridge in
// the `lan` namespace, which also holds 10.254.11.200 for a scapy-made fake gateway).
//
//   wl eth0 10.1.21.101 (+.102)/24 ── p2 [gwlb pask] p3 ── eth0 inet 198.51.100.10/24 (nginx)
//                                          p1
//                                          │ k1
//                                   [lan br0 10.254.11.200/24] ── a1 ── p1 [appl1 pask 10.254.11.101]
//                                                              └─ a2 ── p1 [appl2 pask 10.254.11.102]
//
// Only documentation and private addresses. Namespaces (netns.ts) are deleted
// by destroy() and at exit (and swept by later runs through topology.ts's sweepStale).

import type { SpawnOptions } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PaskServe } from './appliance.js';
import { NamespaceSet } from './netns.js';
import { until, type Topology } from './topology.js';

export type GeneveRole = 'wl' | 'inet' | 'gwlb' | 'lan' | 'appl1' | 'appl2';

export const WL = '10.1.21.101';
export const WL_B = '10.1.21.102';
export const INET = '198.51.100.10';
export const GWLB_IP = '10.254.11.60';
export const APPL = ['10.254.11.101', '10.254.11.102'] as const;
export const FAKE_GWLB = '10.254.11.200';
/** Each pask needs its own MAC on the shared segment (PASK_BASE_MAC). */
const MACS: Record<'gwlb' | 'appl1' | 'appl2', string> = { gwlb: '02:00:0a:fe:0b:3c', appl1: '02:00:0a:fe:0b:65', appl2: '02:00:0a:fe:0b:66' };

export class GeneveTopology extends NamespaceSet<GeneveRole> {
  readonly pask = new Map<'gwlb' | 'appl1' | 'appl2', PaskServe>();

  private constructor() {
    super();
  }

  static async create(): Promise<GeneveTopology> {
    const t = new GeneveTopology();
    try {
      t.build();
      await t.startNginx();
      for (const r of ['gwlb', 'appl1', 'appl2'] as const) await t.startPask(r);
      return t;
    } catch (e) {
      await t.destroy();
      throw e;
    }
  }

  protected override veth(ra: GeneveRole, a: string, rb: GeneveRole, b: string): void {
    super.veth(ra, a, rb, b);
    // Frames of at most the MTU toward the packet sockets, as on a wire.
    for (const [r, i] of [[ra, a], [rb, b]] as const) this.tryX(r, ['ethtool', '-K', i, 'tso', 'off', 'gso', 'off', 'gro', 'off']);
  }

  private build(): void {
    for (const r of ['wl', 'inet', 'gwlb', 'lan', 'appl1', 'appl2'] as const) this.addNs(r);
    this.veth('wl', 'eth0', 'gwlb', 'p2');
    this.ip('wl', 'addr', 'add', `${WL}/24`, 'dev', 'eth0');
    this.ip('wl', 'addr', 'add', `${WL_B}/24`, 'dev', 'eth0');
    this.ip('wl', 'route', 'add', 'default', 'via', '10.1.21.1');
    this.veth('inet', 'eth0', 'gwlb', 'p3');
    this.ip('inet', 'addr', 'add', `${INET}/24`, 'dev', 'eth0');
    this.ip('inet', 'route', 'add', 'default', 'via', '198.51.100.1');
    this.ip('lan', 'link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0');
    this.ip('lan', 'addr', 'add', `${FAKE_GWLB}/24`, 'dev', 'br0');
    this.ip('lan', 'link', 'set', 'br0', 'up');
    this.veth('gwlb', 'p1', 'lan', 'k1');
    this.veth('appl1', 'p1', 'lan', 'a1');
    this.veth('appl2', 'p1', 'lan', 'a2');
    for (const i of ['k1', 'a1', 'a2']) this.ip('lan', 'link', 'set', i, 'master', 'br0');
    // pask's namespaces: no addresses (their kernels stay silent), promiscuous packet sockets.
    for (const [r, ports] of [['gwlb', ['p1', 'p2', 'p3']], ['appl1', ['p1']], ['appl2', ['p1']]] as const) {
      for (const p of ports) this.ip(r, 'link', 'set', p, 'promisc', 'on');
    }
  }

  private async startNginx(): Promise<void> {
    const d = join(this.dir, 'nginx');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'nginx.conf'), [
      'worker_processes 1;', 'daemon off;', 'master_process on;', `pid ${d}/nginx.pid;`, `error_log ${d}/error.log;`,
      'events { worker_connections 1024; }',
      'http {', '  access_log off;', `  client_body_temp_path ${d}/body;`, `  proxy_temp_path ${d}/proxy;`,
      `  fastcgi_temp_path ${d}/fastcgi;`, `  uwsgi_temp_path ${d}/uwsgi;`, `  scgi_temp_path ${d}/scgi;`,
      '  default_type text/plain;', '  server {', '    listen 80;', '    location / { return 200 "internet\\n"; }', '  }', '}', '',
    ].join('\n'));
    const child = this.spawn('inet', ['nginx', '-p', d, '-c', join(d, 'nginx.conf')]);
    child.stdout!.resume();
    child.stderr!.resume();
    const ok = await until(() => this.tryX('inet', ['curl', '-s', '-m', '1', `http://${INET}/`]).stdout === 'internet\n', 10_000, 100);
    if (!ok) throw new Error('nginx did not start in the internet namespace');
  }

  /**
   * `pask serve --lab none` in the role's namespace. PaskServe takes a Topology for its
   * directory (socket, home) and its spawn; each pask here gets a view of its own.
   */
  private async startPask(role: 'gwlb' | 'appl1' | 'appl2'): Promise<void> {
    const dir = join(this.dir, role);
    mkdirSync(dir, { recursive: true });
    const view = { dir, spawn: (_r: string, argv: string[], opts: SpawnOptions) => this.spawn(role, argv, opts) } as unknown as Topology;
    const ports: Record<number, string> = role === 'gwlb' ? { 1: 'p1', 2: 'p2', 3: 'p3' } : { 1: 'p1' };
    this.pask.set(role, await PaskServe.start(view, { ports, env: { PASK_BASE_MAC: MACS[role] } }));
  }

  /** One HTTP GET from the workload (from `src`): the body, or `error: ...`. */
  curl(src = WL, timeoutS = 3): string {
    const r = this.tryX('wl', ['curl', '-sS', '--noproxy', '*', '--interface', src, '-m', String(timeoutS), `http://${INET}/`], { timeoutMs: (timeoutS + 5) * 1000 });
    return r.status === 0 ? r.stdout.trim() : `error: ${r.stderr.trim() || `exit ${r.status}`}`;
  }

  /** Runs a Python program with scapy (Debian's python3, which has it) in the role's namespace; its stdout. */
  scapy(role: GeneveRole, program: string, timeoutMs = 60_000): string {
    return this.x(role, ['/usr/bin/python3', '-c', program], { timeoutMs });
  }

  /** A tcpdump writing a pcap in the role's namespace; stop() returns the file. */
  async capture(role: GeneveRole, ifname: string, filter: string): Promise<{ stop(): Promise<string> }> {
    const file = join(this.dir, `cap-${role}-${ifname}-${Date.now()}.pcap`);
    const child = this.spawn(role, ['tcpdump', '-i', ifname, '--immediate-mode', '-U', '-w', file, ...filter.split(' ')]);
    let err = '';
    child.stdout!.resume();
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    if (!(await until(() => err.includes('listening on') || child.exitCode !== null, 10_000, 50)) || child.exitCode !== null) {
      throw new Error(`tcpdump did not start: ${err}`);
    }
    return {
      stop: async () => {
        await new Promise((r) => setTimeout(r, 300));
        const done = new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));
        child.kill('SIGINT');
        await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
        return file;
      },
    };
  }

  /** Stops the pask instances (SIGTERM), then removes everything. */
  async destroy(): Promise<void> {
    for (const p of this.pask.values()) await p.stop().catch(() => null);
    this.pask.clear();
    this.destroyNow();
  }
}
