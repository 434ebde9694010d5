// File 000's topology in Linux network namespaces, for system tests and bench/real.ts: a
// client, a router, the appliance's namespace (pask owns its veths through --port N=IF), and two
// real servers running nginx with the VIP on lo, arp_ignore=1, arp_announce=2, rp_filter=0, and
// IP-in-IP decapsulation done by a tc ingress BPF program (bpf/ipip_decap.c), since the machine
// has no ipip module. For l3dsr-dscp, a second tc ingress program (bpf/l3dsr_dscp.c) restores the
// VIP as the destination of the packets the appliance sent to the RIP with the service's DSCP.
//
//   routed (file 000, l3dsr-iptunnel, l3dsr-dscp):
//     client eth0 192.168.212.225/24 ── c0 192.168.212.1  router  p0 192.168.193.1/24 ── p1 pask
//                                                          br0 192.168.211.1/24
//                                                           ├── eth0 srv1 192.168.211.150/24
//                                                           └── eth0 srv2 192.168.211.151/24
//   lan (nat, dsr: the reals on the appliance's own L2):
//     client ── router p0 192.168.193.1/24 ── p1 pask p2 ── lan br0 ─┬─ eth0 srv1 192.168.193.150/24
//                                                                     └─ eth0 srv2 192.168.193.151/24
//   onearm (dsr with the appliance on one leg, for the bench):
//     client ── router p0 192.168.193.1/24 ── lan br0 ─┬─ p1 pask
//                                                       ├─ eth0 srv1 192.168.193.150/24
//                                                       └─ eth0 srv2 192.168.193.151/24
//
// Every namespace of a topology is named `pst<pid>x<seq>-<role>`; they are deleted by destroy(),
// at process exit, and by the next run (sweepStale) when the process that made them is gone.
// No address outside these namespaces is ever used: the router has no default route.

import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// ------------------------------------------------------------------------------ addresses

export const VIP = '192.168.193.50';
export const CLIENT_IP = '192.168.212.225';
export const ROUTER_CLIENT_IP = '192.168.212.1';
export const ROUTER_L4_IP = '192.168.193.1';
export const ROUTER_SRV_IP = '192.168.211.1';
export const PASK_IP = '192.168.193.181';
/** The appliance's MAC (its identity; the veth's own MAC is not used). */
export const PASK_MAC = '00:06:c4:90:03:93';
export const ROUTED_RIPS = ['192.168.211.150', '192.168.211.151'] as const;
export const LAN_RIPS = ['192.168.193.150', '192.168.193.151'] as const;

export type Variant = 'routed' | 'lan' | 'onearm';
export type Role = 'client' | 'router' | 'pask' | 'srv1' | 'srv2' | 'lan';
export const SERVERS = ['srv1', 'srv2'] as const;
export type Server = (typeof SERVERS)[number];

// ------------------------------------------------------------------------------ the machine

/** The package root (the directory with package.json), from test/system/ or dist/test/system/. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin', 'pask'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find the package root');
}

/** The BPF source (kept beside the TypeScript source; dist/ has no copy). */
export function bpfSource(): string {
  return join(repoRoot(), 'test', 'system', 'bpf', 'ipip_decap.c');
}

/** The l3dsr-dscp restore program's source (bpf/l3dsr_dscp.c). */
export function l3dsrDscpSource(): string {
  return join(repoRoot(), 'test', 'system', 'bpf', 'l3dsr_dscp.c');
}

/** A dotted quad as the host-order hex constant the BPF programs take with -D. */
function ipHex(ip: string): string {
  return `0x${ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join('')}`;
}

export function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** The tools of scripts/debian-packages.txt that the system tests use (command -> Debian package). */
export const TOOLS: Record<string, string> = {
  ip: 'iproute2',
  tc: 'iproute2',
  bridge: 'iproute2',
  nginx: 'nginx',
  curl: 'curl',
  clang: 'clang',
  tcpdump: 'tcpdump',
  trafgen: 'netsniff-ng',
  wrk: 'wrk',
  haproxy: 'haproxy',
  ethtool: 'ethtool',
  sysctl: 'procps',
};

const BASE_TOOLS = ['ip', 'tc', 'nginx', 'curl', 'clang', 'tcpdump', 'ethtool', 'sysctl'];

function addonPath(): string {
  const env = process.env['PASK_PORT_ADDON'];
  return env !== undefined && env !== '' ? env : join(repoRoot(), 'build', 'Release', 'pask_port.node');
}

/** The multiarch include directory with asm/types.h (clang -target bpf does not know it). */
function asmInclude(): string | null {
  try {
    for (const d of readdirSync('/usr/include')) {
      if (/-linux-gnu/.test(d) && existsSync(join('/usr/include', d, 'asm', 'types.h'))) return join('/usr/include', d);
    }
  } catch {
    // no /usr/include
  }
  return null;
}

/** Why the system tests cannot run here (null: they can). `extra`: tools beyond the base set. */
export function whyNoSystem(extra: string[] = []): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root (network namespaces, veths and packet sockets need it)';
  const missing = [...BASE_TOOLS, ...extra].filter((t) => !which(t));
  if (missing.length) {
    const pkgs = [...new Set(missing.map((t) => TOOLS[t] ?? t))];
    return `missing ${missing.join(', ')} (Debian: ${pkgs.join(' ')}; run sh scripts/setup.sh --system)`;
  }
  if (!existsSync('/usr/include/bpf/bpf_helpers.h')) return 'missing /usr/include/bpf/bpf_helpers.h (Debian: libbpf-dev; run sh scripts/setup.sh --system)';
  if (asmInclude() === null) return 'missing the kernel headers asm/types.h (Debian: linux-libc-dev)';
  if (!existsSync(addonPath())) return `the native port addon is not built (${addonPath()}; run sh scripts/setup.sh)`;
  if (!existsSync(join(repoRoot(), 'dist', 'src', 'cli', 'main.js'))) return 'pask is not built (npx tsc -p tsconfig.json)';
  const probe = `pst${process.pid}x999-probe`;
  const r = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (r.status !== 0) return `cannot create a network namespace: ${(r.stderr || '').trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return null;
}

// ------------------------------------------------------------------------------ processes

export interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Result {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: opts.input ?? '', timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

/** Runs a command; throws with its stderr unless it exits 0. */
export function must(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): string {
  const r = run(cmd, args, opts);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || r.stdout).trim() || `exit ${r.status}`}`);
  return r.stdout;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The processes running inside namespace `ns`. */
function pidsIn(ns: string): number[] {
  return run('ip', ['netns', 'pids', ns]).stdout.split(/\s+/).filter(Boolean).map(Number).filter((p) => p > 1 && p !== process.pid);
}

/** Ends every process in `ns` (SIGTERM, then SIGKILL), then deletes it. */
export function deleteNamespace(ns: string): void {
  const pids = pidsIn(ns);
  for (const p of pids) {
    try {
      process.kill(p, 'SIGTERM');
    } catch {
      // gone
    }
  }
  const end = Date.now() + 2000;
  while (pids.some(alive) && Date.now() < end) spawnSync('sleep', ['0.05']);
  for (const p of pids) {
    try {
      if (alive(p)) process.kill(p, 'SIGKILL');
    } catch {
      // gone
    }
  }
  spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
}

const NS_RE = /^pst(\d+)x(\d+)-[a-z0-9]+$/;

/** Removes the namespaces (and their processes) and directories of earlier runs whose process is gone. */
export function sweepStale(): string[] {
  const removed: string[] = [];
  for (const line of run('ip', ['netns', 'list']).stdout.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = NS_RE.exec(name);
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) {
      deleteNamespace(name);
      removed.push(name);
    }
  }
  // Their temporary directories (nginx, pcaps, the control socket) too.
  for (const d of readdirSync(tmpdir())) {
    const m = /^pst(\d+)x\d+-/.exec(d);
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) rmSync(join(tmpdir(), d), { recursive: true, force: true });
  }
  return removed;
}

// ------------------------------------------------------------------------------ a lock

const LOCK = join(tmpdir(), 'pask-system-tests.lock');

/**
 * Serialises the users of this machine's network and CPUs (the system test files, which vitest
 * may run in parallel, and the bench): waits for the lock, taking over one whose owner died.
 */
export async function acquireSystemLock(timeoutMs = 900_000): Promise<() => void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        process.removeListener('exit', release);
        rmSync(LOCK, { recursive: true, force: true });
      };
      process.on('exit', release);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let owner = NaN;
    try {
      owner = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
    } catch {
      // being written or removed
    }
    if (Number.isFinite(owner) && owner > 0 && !alive(owner)) {
      rmSync(LOCK, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${LOCK} (held by pid ${owner})`);
    await sleep(250);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` until it holds or `ms` pass; returns its last value. */
export async function until<T>(cond: () => T | Promise<T>, ms: number, every = 250): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v || Date.now() >= end) return v;
    await sleep(every);
  }
}

// ------------------------------------------------------------------------------ the topology

export interface TopologyOptions {
  variant: Variant;
  /** The reals' default gateway (default: the router on their segment). nat: PASK_IP. */
  serverGateway?: string;
  /** VIP 192.168.193.50/32 on the reals' lo (default true). */
  vipOnLo?: boolean;
  /** The tc BPF IP-in-IP decapsulation on the reals (default: true for routed). */
  decap?: boolean;
  /**
   * l3dsr-dscp: the tc BPF program that gives packets to the real's RIP with this DSCP the VIP
   * as destination (bpf/l3dsr_dscp.c), on the reals (default: none). Not with `decap`: the first
   * direct-action filter's verdict ends the ingress chain.
   */
  dscpRestore?: number;
  /** TCP ports nginx listens on (default [80]). */
  nginxPorts?: number[];
  /** nginx worker processes per server (default 1). */
  nginxWorkers?: number;
  /** Start nginx on both reals (default true). */
  nginx?: boolean;
}

let seq = 0;

/** A fresh `pst<pid>x<n>` prefix: one counter for every topology of the process, so names never collide. */
export function nextPrefix(): string {
  return `pst${process.pid}x${seq++}`;
}
const live = new Set<Topology>();
let exitHook = false;

export class Topology {
  readonly prefix: string;
  readonly dir: string;
  readonly variant: Variant;
  readonly rips: readonly [string, string];
  /** The appliance's interfaces (port number -> name in the pask namespace). */
  readonly paskPorts: Record<number, string>;
  /** The router's interface facing the appliance (where a flood comes from). */
  readonly routerToPask = 'p0';
  private readonly namespaces: string[] = [];
  private readonly children = new Set<ChildProcess>();
  private readonly groups = new Set<ChildProcess>();
  private readonly nginxProcs = new Map<Server, ChildProcess>();
  private readonly opts: Required<Omit<TopologyOptions, 'dscpRestore'>> & { dscpRestore: number | null };
  private destroyed = false;

  private constructor(opts: TopologyOptions) {
    sweepStale();
    this.prefix = nextPrefix();
    this.dir = mkdtempSync(join(tmpdir(), `${this.prefix}-`));
    this.variant = opts.variant;
    this.rips = opts.variant === 'routed' ? ROUTED_RIPS : LAN_RIPS;
    this.paskPorts = opts.variant === 'lan' ? { 1: 'p1', 2: 'p2' } : { 1: 'p1' };
    this.opts = {
      variant: opts.variant,
      serverGateway: opts.serverGateway ?? (opts.variant === 'routed' ? ROUTER_SRV_IP : ROUTER_L4_IP),
      vipOnLo: opts.vipOnLo ?? true,
      decap: opts.decap ?? opts.variant === 'routed',
      nginxPorts: opts.nginxPorts ?? [80],
      nginxWorkers: opts.nginxWorkers ?? 1,
      nginx: opts.nginx ?? true,
      dscpRestore: opts.dscpRestore ?? null,
    };
    live.add(this);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', () => {
        for (const t of live) t.destroy();
      });
    }
  }

  /** Builds a topology; on any failure what was made is removed and the error thrown. */
  static async create(opts: TopologyOptions): Promise<Topology> {
    const t = new Topology(opts);
    try {
      t.build();
      if (t.opts.nginx) for (const s of SERVERS) await t.startNginx(s);
      return t;
    } catch (e) {
      t.destroy();
      throw e;
    }
  }

  ns(role: Role): string {
    return `${this.prefix}-${role}`;
  }

  /** Runs argv inside the role's namespace; throws unless it exits 0. */
  x(role: Role, argv: string[], opts: { input?: string; timeoutMs?: number } = {}): string {
    return must('ip', ['netns', 'exec', this.ns(role), ...argv], opts);
  }

  /** Runs argv inside the role's namespace. */
  tryX(role: Role, argv: string[], opts: { input?: string; timeoutMs?: number } = {}): Result {
    return run('ip', ['netns', 'exec', this.ns(role), ...argv], opts);
  }

  /** `ip -n NS ARGS...` */
  ip(role: Role, ...args: string[]): string {
    return must('ip', ['-n', this.ns(role), ...args]);
  }

  /**
   * Starts argv inside the role's namespace as a child that destroy() ends. With `detached` it
   * leads a process group of its own, and signal() reaches the processes it forks (trafgen's
   * workers, like a ^C on a terminal).
   */
  spawn(role: Role, argv: string[], opts: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.ns(role), ...argv], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    this.children.add(child);
    if (opts.detached) this.groups.add(child);
    const gone = (): void => {
      this.children.delete(child);
    };
    child.on('exit', gone);
    child.on('error', gone);
    return child;
  }

  /** Sends `sig` to a child, or to its whole process group if it was spawned detached. */
  signal(child: ChildProcess, sig: NodeJS.Signals): void {
    try {
      if (this.groups.has(child) && child.pid !== undefined) process.kill(-child.pid, sig);
      else child.kill(sig);
    } catch {
      // gone
    }
  }

  private addNs(role: Role): void {
    const ns = this.ns(role);
    must('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    this.ip(role, 'link', 'set', 'lo', 'up');
    // No IPv6: nothing but the test's own traffic (no router solicitations, no DAD).
    this.x(role, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  }

  /** A veth pair `a`@roleA — `b`@roleB, both up. */
  private veth(roleA: Role, a: string, roleB: Role, b: string): void {
    this.ip(roleA, 'link', 'add', a, 'type', 'veth', 'peer', 'name', b, 'netns', this.ns(roleB));
    this.ip(roleA, 'link', 'set', a, 'up');
    this.ip(roleB, 'link', 'set', b, 'up');
  }

  /**
   * Segmentation and receive offloads off: frames toward the appliance's packet socket are real
   * frames of at most the MTU (no 64 KiB GSO super-frames), as on a wire.
   */
  private noOffloads(role: Role, ifname: string): void {
    this.tryX(role, ['ethtool', '-K', ifname, 'tso', 'off', 'gso', 'off', 'gro', 'off']);
  }

  private build(): void {
    const v = this.variant;
    const roles: Role[] = ['client', 'router', 'pask', 'srv1', 'srv2'];
    if (v !== 'routed') roles.push('lan');
    for (const r of roles) this.addNs(r);

    // client — router
    this.veth('client', 'eth0', 'router', 'c0');
    this.ip('client', 'addr', 'add', `${CLIENT_IP}/24`, 'dev', 'eth0');
    this.ip('client', 'route', 'add', 'default', 'via', ROUTER_CLIENT_IP);
    this.ip('router', 'addr', 'add', `${ROUTER_CLIENT_IP}/24`, 'dev', 'c0');
    this.x('router', ['sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0']);

    // router — the appliance (or the lan's bridge, one-arm)
    if (v === 'onearm') {
      this.ip('lan', 'link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0');
      this.ip('lan', 'link', 'set', 'br0', 'up');
      this.veth('router', 'p0', 'lan', 'r0');
      this.veth('pask', 'p1', 'lan', 'k1');
      for (const i of ['r0', 'k1']) this.ip('lan', 'link', 'set', i, 'master', 'br0');
      this.noOffloads('lan', 'k1');
    } else {
      this.veth('router', 'p0', 'pask', 'p1');
    }
    this.ip('router', 'addr', 'add', `${ROUTER_L4_IP}/24`, 'dev', 'p0');
    this.noOffloads('router', 'p0');

    // The servers' segment.
    if (v === 'routed') {
      this.ip('router', 'link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0');
      this.ip('router', 'addr', 'add', `${ROUTER_SRV_IP}/24`, 'dev', 'br0');
      this.ip('router', 'link', 'set', 'br0', 'up');
    } else if (v === 'lan') {
      this.ip('lan', 'link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0');
      this.ip('lan', 'link', 'set', 'br0', 'up');
      this.veth('pask', 'p2', 'lan', 'k2');
      this.ip('lan', 'link', 'set', 'k2', 'master', 'br0');
      this.noOffloads('lan', 'k2');
    }
    // The appliance's namespace: interfaces without an address, so its kernel neither answers
    // ARP nor sends anything; pask owns them through packet sockets.
    for (const ifname of Object.values(this.paskPorts)) {
      this.ip('pask', 'link', 'set', ifname, 'promisc', 'on');
      this.noOffloads('pask', ifname);
    }
    const segRole: Role = v === 'routed' ? 'router' : 'lan';
    SERVERS.forEach((s, i) => {
      const port = `s${i + 1}`;
      this.veth(s, 'eth0', segRole, port);
      this.ip(segRole, 'link', 'set', port, 'master', 'br0');
      this.ip(s, 'addr', 'add', `${this.rips[i]}/24`, 'dev', 'eth0');
      this.ip(s, 'route', 'add', 'default', 'via', this.opts.serverGateway);
      if (this.opts.vipOnLo) this.ip(s, 'addr', 'add', `${VIP}/32`, 'dev', 'lo');
      // The seed's server set-up: no ARP for the VIP, no reverse-path filter.
      this.x(s, ['sysctl', '-qw', 'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2',
        'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0', 'net.ipv4.conf.eth0.rp_filter=0', 'net.ipv4.conf.lo.rp_filter=0']);
      if (this.variant !== 'routed') this.noOffloads(s, 'eth0');
    });
    if (this.opts.decap) {
      const obj = this.compileDecap();
      for (const s of SERVERS) {
        this.x(s, ['tc', 'qdisc', 'add', 'dev', 'eth0', 'clsact']);
        this.x(s, ['tc', 'filter', 'add', 'dev', 'eth0', 'ingress', 'bpf', 'da', 'obj', obj, 'sec', 'tc']);
      }
    }
    if (this.opts.dscpRestore !== null) {
      if (this.opts.decap) throw new Error('dscpRestore and decap cannot be combined on the reals');
      SERVERS.forEach((s, i) => {
        const obj = this.compileDscpRestore(this.opts.dscpRestore!, this.rips[i]!);
        this.x(s, ['tc', 'qdisc', 'add', 'dev', 'eth0', 'clsact']);
        this.x(s, ['tc', 'filter', 'add', 'dev', 'eth0', 'ingress', 'bpf', 'da', 'obj', obj, 'sec', 'tc']);
      });
    }
  }

  /** Compiles bpf/ipip_decap.c into this topology's directory; returns the object's path. */
  compileDecap(): string {
    const out = join(this.dir, 'ipip_decap.o');
    if (existsSync(out)) return out;
    const inc = asmInclude();
    must('clang', ['-O2', '-g', '-Wall', '-target', 'bpf', ...(inc ? ['-I', inc] : []), '-c', bpfSource(), '-o', out]);
    return out;
  }

  /**
   * Compiles bpf/l3dsr_dscp.c for one real (its DSCP, RIP and the VIP as -D constants) into this
   * topology's directory; returns the object's path.
   */
  compileDscpRestore(dscp: number, rip: string, vip = VIP): string {
    const out = join(this.dir, `l3dsr_dscp-${dscp}-${rip}.o`);
    if (existsSync(out)) return out;
    const inc = asmInclude();
    must('clang', ['-O2', '-g', '-Wall', '-target', 'bpf', ...(inc ? ['-I', inc] : []),
      `-DDSCP=${dscp}`, `-DRIP=${ipHex(rip)}`, `-DVIP=${ipHex(vip)}`, '-c', l3dsrDscpSource(), '-o', out]);
    return out;
  }

  // ---------------------------------------------------------------------------- nginx

  private nginxDir(s: Server): string {
    return join(this.dir, `nginx-${s}`);
  }

  /** Starts nginx in the server's namespace (master in the foreground, our child); resolves once it answers. */
  async startNginx(s: Server): Promise<void> {
    if (this.nginxProcs.has(s)) return;
    const d = this.nginxDir(s);
    mkdirSync(d, { recursive: true });
    const listens = this.opts.nginxPorts.map((p) => `    listen ${p} backlog=4096 reuseport;`).join('\n');
    writeFileSync(join(d, 'nginx.conf'), [
      `worker_processes ${this.opts.nginxWorkers};`,
      'daemon off;',
      'master_process on;',
      `pid ${d}/nginx.pid;`,
      `error_log ${d}/error.log;`,
      'worker_rlimit_nofile 65536;',
      'events { worker_connections 16384; }',
      'http {',
      '  access_log off;',
      `  client_body_temp_path ${d}/body;`,
      `  proxy_temp_path ${d}/proxy;`,
      `  fastcgi_temp_path ${d}/fastcgi;`,
      `  uwsgi_temp_path ${d}/uwsgi;`,
      `  scgi_temp_path ${d}/scgi;`,
      '  default_type text/plain;',
      '  keepalive_requests 1000000;',
      '  server {',
      listens,
      `    location / { return 200 "${s}\\n"; }`,
      '  }',
      '}',
      '',
    ].join('\n'));
    const child = this.spawn(s, ['nginx', '-p', d, '-c', join(d, 'nginx.conf')]);
    let err = '';
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    child.stdout!.resume();
    this.nginxProcs.set(s, child);
    child.on('exit', () => {
      if (this.nginxProcs.get(s) === child) this.nginxProcs.delete(s);
    });
    const rip = this.rips[SERVERS.indexOf(s)]!;
    const port = this.opts.nginxPorts[0]!;
    const ok = await until(() => this.tryX(s, ['curl', '-s', '-m', '1', `http://${rip}:${port}/`]).stdout === `${s}\n` || !this.nginxProcs.has(s), 10_000, 100);
    if (!ok || !this.nginxProcs.has(s)) {
      let log = '';
      try {
        log = readFileSync(join(d, 'error.log'), 'utf8');
      } catch {
        // none
      }
      throw new Error(`nginx did not start in ${this.ns(s)}: ${err}${log}`);
    }
  }

  /** Stops nginx (SIGTERM to the master) and waits until it has exited; its port then answers RST. */
  async stopNginx(s: Server): Promise<void> {
    const child = this.nginxProcs.get(s);
    if (child === undefined) return;
    const exited = new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
    this.nginxProcs.delete(s);
  }

  // ---------------------------------------------------------------------------- client side

  /** One HTTP GET from the client: the body (trimmed), or `error: ...`. */
  curl(url = `http://${VIP}/`, timeoutS = 3): string {
    const r = this.tryX('client', ['curl', '-sS', '--noproxy', '*', '-m', String(timeoutS), url], { timeoutMs: (timeoutS + 5) * 1000 });
    return r.status === 0 ? r.stdout.trim() : `error: ${r.stderr.trim() || `exit ${r.status}`}`;
  }

  /**
   * A tcpdump writing a pcap in the role's namespace; stop() ends it and returns its packets as
   * text (-nn -e), one line each. `verbose`: read with -v too (the IP header's tos, ttl, id and
   * the checksums' verdicts), its continuation lines joined to their packet's line.
   */
  async capture(role: Role, ifname: string, filter: string, opts: { verbose?: boolean } = {}): Promise<{ stop(): Promise<string[]> }> {
    const file = join(this.dir, `cap-${role}-${ifname}-${Date.now()}-${Math.random().toString(36).slice(2, 7)}.pcap`);
    const child = this.spawn(role, ['tcpdump', '-i', ifname, '--immediate-mode', '-U', '-s', '256', '-w', file, ...filter.split(' ').filter(Boolean)]);
    let err = '';
    child.stdout!.resume();
    let early: (() => void) | null = null;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`tcpdump did not start: ${err}`)), 10_000);
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('listening on')) {
          clearTimeout(t);
          resolve();
        }
      });
      early = () => {
        clearTimeout(t);
        reject(new Error(`tcpdump exited: ${err}`));
      };
      child.once('exit', early);
    });
    return {
      stop: async () => {
        if (early) child.removeListener('exit', early);
        const done = new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
        // --immediate-mode -U: what was received is in the file already; a moment for the last frames.
        await sleep(200);
        child.kill('SIGINT');
        await Promise.race([done, sleep(5000)]);
        const r = run('tcpdump', ['-nn', '-e', '-tt', ...(opts.verbose ? ['-v'] : []), '-r', file]);
        if (r.status !== 0) throw new Error(`tcpdump -r ${file}: ${r.stderr.trim()} (capture: ${err.trim()})`);
        if (opts.verbose) {
          // A packet's line starts with its time stamp (-tt); the rest continue it.
          const packets: string[] = [];
          for (const l of r.stdout.split('\n')) {
            if (/^\d+\.\d+ /.test(l) || packets.length === 0) packets.push(l);
            else if (l.trim() !== '') packets[packets.length - 1] += ` ${l.trim()}`;
          }
          return packets.filter(Boolean);
        }
        return r.stdout.split('\n').filter(Boolean);
      },
    };
  }

  // ---------------------------------------------------------------------------- teardown

  /** Ends every process started here and in the namespaces, deletes them and the temporary directory. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    live.delete(this);
    for (const c of this.children) this.signal(c, 'SIGKILL');
    for (const c of this.groups) this.signal(c, 'SIGKILL');
    for (const ns of [...this.namespaces].reverse()) deleteNamespace(ns);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
