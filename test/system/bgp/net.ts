// Namespaces for the BGP system tests (their own topologies, not file 000's): namespaces named
// `pst<pid>x<seq>-<role>` like test/system/topology.ts (so its sweepStale removes what a dead
// run left), veths and bridges, processes inside them; BIRD 2 and `pask serve` as processes of
// a namespace with their own configuration, socket and log paths.

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bpfSource, must, repoRoot, run, sleep, sweepStale, until, which, whyNoSystem, type Result } from '../topology.js';

/** Why these tests cannot run (null: they can): the system tests' reasons, and BIRD 2. */
export function whyNoBgpSystem(extra: string[] = []): string | null {
  const base = whyNoSystem(extra);
  if (base !== null) return base;
  if (!which('bird') || !which('birdc')) return 'missing bird, birdc (Debian: bird2; run sh scripts/setup.sh --system)';
  return null;
}

let seq = 500;
const live = new Set<NetLab>();
let exitHook = false;

export class NetLab {
  readonly prefix: string;
  readonly dir: string;
  private readonly namespaces: string[] = [];
  private readonly children = new Set<ChildProcess>();
  private destroyed = false;

  constructor() {
    sweepStale();
    this.prefix = `pst${process.pid}x${seq++}`;
    this.dir = mkdtempSync(join(tmpdir(), `${this.prefix}-`));
    live.add(this);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', () => {
        for (const l of live) l.destroy();
      });
    }
  }

  ns(role: string): string {
    return `${this.prefix}-${role}`;
  }

  addNs(role: string): void {
    const ns = this.ns(role);
    must('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    this.ip(role, 'link', 'set', 'lo', 'up');
    this.x(role, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  }

  ip(role: string, ...args: string[]): string {
    return must('ip', ['-n', this.ns(role), ...args]);
  }

  x(role: string, argv: string[], opts: { input?: string; timeoutMs?: number } = {}): string {
    return must('ip', ['netns', 'exec', this.ns(role), ...argv], opts);
  }

  tryX(role: string, argv: string[], opts: { input?: string; timeoutMs?: number } = {}): Result {
    return run('ip', ['netns', 'exec', this.ns(role), ...argv], opts);
  }

  /** A veth `a`@roleA — `b`@roleB, both up, offloads off (frames of at most the MTU, as on a wire). */
  veth(roleA: string, a: string, roleB: string, b: string): void {
    this.ip(roleA, 'link', 'add', a, 'type', 'veth', 'peer', 'name', b, 'netns', this.ns(roleB));
    this.ip(roleA, 'link', 'set', a, 'up');
    this.ip(roleB, 'link', 'set', b, 'up');
    for (const [r, i] of [[roleA, a], [roleB, b]] as const) this.tryX(r, ['ethtool', '-K', i, 'tso', 'off', 'gso', 'off', 'gro', 'off', 'tx', 'off']);
  }

  bridge(role: string, name: string, members: string[]): void {
    this.ip(role, 'link', 'add', name, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0');
    this.ip(role, 'link', 'set', name, 'up');
    for (const m of members) this.ip(role, 'link', 'set', m, 'master', name);
  }

  /** Forwarding on, no reverse-path filter. */
  router(role: string): void {
    this.x(role, ['sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0']);
  }

  spawn(role: string, argv: string[], opts: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.ns(role), ...argv], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    child.on('error', () => this.children.delete(child));
    return child;
  }

  /** The tc BPF IP-in-IP decapsulation of the system tests (bpf/ipip_decap.c) on `ifname`. */
  decap(role: string, ifname: string): void {
    const obj = join(this.dir, 'ipip_decap.o');
    if (!existsSync(obj)) {
      const inc = readdirSync('/usr/include').find((d) => /-linux-gnu/.test(d) && existsSync(join('/usr/include', d, 'asm', 'types.h')));
      must('clang', ['-O2', '-g', '-Wall', '-target', 'bpf', ...(inc ? ['-I', join('/usr/include', inc)] : []), '-c', bpfSource(), '-o', obj]);
    }
    this.x(role, ['tc', 'qdisc', 'add', 'dev', ifname, 'clsact']);
    this.x(role, ['tc', 'filter', 'add', 'dev', ifname, 'ingress', 'bpf', 'da', 'obj', obj, 'sec', 'tc']);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    live.delete(this);
    for (const c of this.children) {
      try {
        c.kill('SIGKILL');
      } catch {
        // gone
      }
    }
    for (const ns of this.namespaces.reverse()) {
      for (const p of run('ip', ['netns', 'pids', ns]).stdout.split(/\s+/).filter(Boolean).map(Number)) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // gone
        }
      }
      run('ip', ['netns', 'del', ns]);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------- BIRD

export class Bird {
  private proc: ChildProcess | null = null;
  private err = '';
  readonly sock: string;
  readonly conf: string;
  readonly log: string;

  constructor(readonly lab: NetLab, readonly role: string, readonly name: string) {
    this.sock = join(lab.dir, `${name}.ctl`);
    this.conf = join(lab.dir, `${name}.conf`);
    this.log = join(lab.dir, `${name}.log`);
  }

  /** Writes `body` as the configuration (a `log` line first) and starts bird in the foreground. */
  async start(body?: string): Promise<void> {
    if (body !== undefined) writeFileSync(this.conf, `log "${this.log}" all;\n${body}`);
    this.err = '';
    const p = this.lab.spawn(this.role, ['bird', '-f', '-c', this.conf, '-s', this.sock, '-P', join(this.lab.dir, `${this.name}.pid`)]);
    p.stderr!.on('data', (d: Buffer) => (this.err += d.toString()));
    p.stdout!.resume();
    this.proc = p;
    const up = await until(() => this.birdc('show status').includes('Daemon is up'), 10_000, 100);
    if (!up) throw new Error(`bird did not start: ${this.err}\n${this.logText()}`);
  }

  /** Ends bird with `sig` (SIGTERM: it closes its sessions with a Cease) and waits for it. */
  async stop(sig: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill(sig);
    await Promise.race([gone, sleep(10_000)]);
    this.proc = null;
  }

  birdc(cmd: string): string {
    const r = this.lab.tryX(this.role, ['birdc', '-s', this.sock, ...cmd.split(' ')]);
    return r.stdout + r.stderr;
  }

  logText(): string {
    try {
      return readFileSync(this.log, 'utf8');
    } catch {
      return '';
    }
  }
}

// ---------------------------------------------------------------------------- pask serve

export class Pask {
  private err = '';
  readonly sock: string;
  readonly home: string;
  private proc: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(readonly lab: NetLab, readonly role: string, readonly ports: Record<number, string>, readonly env: Record<string, string> = {}) {
    this.sock = join(lab.dir, `${role}.sock`);
    this.home = join(lab.dir, `${role}-home`);
  }

  async start(): Promise<void> {
    const args = ['serve', '--lab', 'none', '--socket', this.sock];
    for (const [n, ifname] of Object.entries(this.ports)) args.push('--port', `${n}=${ifname}`);
    this.err = '';
    const p = this.lab.spawn(this.role, [process.execPath, join(repoRoot(), 'bin', 'pask'), ...args], {
      env: { ...process.env, PASK_HOME: this.home, NO_COLOR: '1', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    p.stderr!.on('data', (d: Buffer) => (this.err += d.toString()));
    p.stdout!.resume();
    this.proc = p;
    this.exited = new Promise((r) => p.once('exit', () => r()));
    const ready = await until(() => this.err.includes('pask serve: ready') || p.exitCode !== null, 30_000, 50);
    if (!ready || p.exitCode !== null) throw new Error(`pask serve did not start in ${this.role}: ${this.err}`);
  }

  get alive(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  stderr(): string {
    return this.err;
  }

  /** SIGTERM (it closes its BGP sessions with a Cease first) or SIGKILL; waits for the exit. */
  async stop(sig: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.alive) return;
    this.proc!.kill(sig);
    await Promise.race([this.exited, sleep(10_000)]);
    if (this.alive) {
      this.proc!.kill('SIGKILL');
      await this.exited;
    }
  }

  private connect(args: string[]): Result {
    return run(process.execPath, [join(repoRoot(), 'bin', 'pask'), '--connect', this.sock, ...args], { timeoutMs: 60_000 });
  }

  /** Exec commands through the control socket; throws if one failed. */
  cli(...commands: string[]): string {
    const r = this.connect(commands.flatMap((c) => ['-c', c]));
    if (r.status !== 0 || r.stderr !== '') throw new Error(`pask --connect -c ${commands.join(' -c ')}: exit ${r.status}\n${r.stderr}`);
    return r.stdout;
  }

  /** A batch through the control socket; throws if a line failed. */
  batch(text: string): string {
    const file = join(this.lab.dir, `${this.role}-batch-${Date.now()}.txt`);
    writeFileSync(file, text);
    const r = this.connect(['-f', file]);
    if (r.status !== 0 || r.stderr !== '') throw new Error(`pask --connect -f: exit ${r.status}\n${r.stderr}`);
    return r.stdout;
  }
}

/** nginx in `role` answering `name` on port 80, and a large file /big (bytes) for long transfers. */
export async function startNginx(lab: NetLab, role: string, addr: string, name: string, bigBytes = 0): Promise<ChildProcess> {
  const d = join(lab.dir, `nginx-${role}`);
  must('mkdir', ['-p', join(d, 'www')]);
  if (bigBytes > 0) must('truncate', ['-s', String(bigBytes), join(d, 'www', 'big')]);
  // nginx's worker (nobody) must reach the file through the test's private directory.
  must('chmod', ['755', lab.dir, d, join(d, 'www')]);
  writeFileSync(join(d, 'nginx.conf'), [
    'worker_processes 1;', 'daemon off;', 'master_process on;', `pid ${d}/nginx.pid;`, `error_log ${d}/error.log;`,
    'events { worker_connections 1024; }',
    'http {', '  access_log off;', `  client_body_temp_path ${d}/body;`, `  proxy_temp_path ${d}/proxy;`, `  fastcgi_temp_path ${d}/fastcgi;`,
    `  uwsgi_temp_path ${d}/uwsgi;`, `  scgi_temp_path ${d}/scgi;`, '  default_type application/octet-stream;',
    '  server {', '    listen 80;', `    location = / { return 200 "${name}\\n"; }`, `    location /big { root ${d}/www; }`, '  }', '}', '',
  ].join('\n'));
  const child = lab.spawn(role, ['nginx', '-p', d, '-c', join(d, 'nginx.conf')]);
  child.stdout!.resume();
  child.stderr!.resume();
  const ok = await until(() => lab.tryX(role, ['curl', '-s', '-m', '1', `http://${addr}/`]).stdout === `${name}\n`, 10_000, 100);
  if (!ok) throw new Error(`nginx did not start in ${role}`);
  return child;
}

export { sleep, until };
