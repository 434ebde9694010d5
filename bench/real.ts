// npm run bench:real — pask on real (veth) interfaces in the namespace topology of
// test/system/topology.ts, against the same client and servers reached through the kernel's
// router alone, and against HAProxy in TCP mode in the appliance's namespace.
//
// Figures (wrk from the client namespace, BENCH_SECONDS each, default 10; BENCH_CONNECTIONS, default 32):
//   cps: new connections per second (`-H 'Connection: close'`: one request per connection)
//   rps: requests per second over keep-alive connections
// for
//   kernel.routed        client -> router -> srv1 (192.168.211.150), file 000's topology without the appliance
//   pask.l3dsr-iptunnel  client -> router -> pask -> IP-in-IP -> router -> srv1, answers srv1 -> router -> client
//   haproxy.tcp          client -> router -> HAProxy (mode tcp, pask's namespace) -> router -> srv1 and back
//   kernel.onearm        client -> router -> bridge -> srv1 (192.168.193.150)
//   pask.dsr             one-arm: client -> router -> bridge -> pask -> bridge -> srv1, answers srv1 -> bridge -> router
//   pask.dsr-inline      the system tests' dsr: pask's port 2 is the servers' segment, so it also bridges the answers
//   pask.X+offload       each pask path again with `offload enable` (established flows forwarded by the XDP
//                        program), right after the run without it in the same pask process (BENCH_OFFLOAD=off|on|both)
// Each run also records where the CPU went: how busy the machine was, its busy CPU time per
// request, and the forwarding process's (pask's, HAProxy's) share of it, which shows whether a
// path is limited by CPU or by latency.
// With BENCH_ROUNDS (default 3), keep-alive rounds alternating the kernel path and pask's (offload
// on) give paired ratios and their median, which the machine's drift moves less than single runs.
// One real (srv1) behind every service, so the only difference is the path. Prints one JSON line
// on stdout (progress on stderr) with the figures, the ratios and whether the targets are
// met: pask's cps at least HAProxy's, and DSR at least 0.8 of the kernel path; with offload, dsr at least
// 0.9 and l3dsr-iptunnel 0.8 of the kernel's requests/s, p99 within 1 ms of the kernel path's. No assertions.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PaskServe, waitHealth } from '../test/system/appliance.js';
import { lanScenario, ONE_REAL_NO_STICKY, referenceScenario } from '../test/system/scenarios.js';
import { acquireSystemLock, LAN_RIPS, PASK_IP, ROUTED_RIPS, ROUTER_L4_IP, sleep, Topology, VIP, whyNoSystem, type TopologyOptions } from '../test/system/topology.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);
/** pask's paths without (off), with (on) or both ways (both, default) established-flow offload. */
const OFFLOAD = process.env['BENCH_OFFLOAD'] ?? 'both';
const offloadRuns: readonly (readonly [suffix: string, enable: string])[] = [
  ...(OFFLOAD !== 'on' ? [['', ''] as const] : []),
  ...(OFFLOAD !== 'off' ? [['+offload', 'offload enable'] as const] : []),
];
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
/**
 * Rounds of keep-alive runs alternating the kernel path and pask's (offload on) in the same
 * topology, each round a paired ratio (BENCH_ROUNDS, default 3; 0: none): one run per path moves
 * with the machine (the kernel paths alone have measured 59k-90k requests/s in three runs).
 */
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);

interface Wrk {
  /** requests per second */
  rate: number;
  requests: number;
  errors: number;
  non2xx: number;
  latencyMs: { p50: number; p99: number };
}

/** Where the CPU went during one wrk run. */
interface CpuUse {
  /** Busy share of the whole machine, percent (100 = every CPU busy). */
  busyPct: number;
  /** Busy CPU time of the whole machine per request (wrk, nginx, the kernel, pask...), microseconds. */
  usPerReq: number;
  /** CPU time of the forwarding process (pask, HAProxy) per request, microseconds (0: the kernel forwards). */
  forwarderUsPerReq: number;
  /**
   * How long the forwarder's main thread waited for a CPU while runnable (/proc/PID/schedstat),
   * milliseconds per second of the run: the queueing that shows up in the latency tail.
   */
  forwarderWaitMsPerS: number;
}

interface Figures {
  cps: number;
  rps: number;
  /** The machine's 1-minute load average when the measurement started (2 CPUs: above 2, others wait). */
  load1: number;
  cpsRun: Wrk & { cpu: CpuUse };
  rpsRun: Wrk & { cpu: CpuUse };
}

const TICK_US = 1e6 / 100; // USER_HZ

/** [busy, total] jiffies of the machine. */
function machineTicks(): [number, number] {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return [total - f[3]! - (f[4] ?? 0), total];
}

/** utime + stime of a process and its threads, jiffies (0 once it is gone). */
function processTicks(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

/** Nanoseconds the process's main thread spent runnable but waiting for a CPU (0 once it is gone). */
function runDelayNs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]);
  } catch {
    return 0;
  }
}

/** wrk, with the machine's and the forwarder's CPU time around it. */
function wrkWithCpu(topo: Topology, url: string, close: boolean, forwarder: number | undefined): Wrk & { cpu: CpuUse } {
  const [b0, t0] = machineTicks(), p0 = processTicks(forwarder), d0 = runDelayNs(forwarder), w0 = performance.now();
  const w = wrk(topo, url, close);
  const [b1, t1] = machineTicks(), p1 = processTicks(forwarder), d1 = runDelayNs(forwarder), w1 = performance.now();
  const n = Math.max(1, w.requests);
  return {
    ...w,
    cpu: {
      busyPct: Math.round(((b1 - b0) / Math.max(1, t1 - t0)) * 1000) / 10,
      usPerReq: Math.round(((b1 - b0) * TICK_US / n) * 10) / 10,
      forwarderUsPerReq: Math.round(((p1 - p0) * TICK_US / n) * 10) / 10,
      forwarderWaitMsPerS: Math.round(((d1 - d0) / 1e6) / ((w1 - w0) / 1000) * 10) / 10,
    },
  };
}

function say(msg: string): void {
  process.stderr.write(`bench:real: ${msg}\n`);
}

function ms(v: string, unit: string): number {
  const n = Number(v);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n;
}

/** wrk from the client's namespace; `close`: one request per connection. */
function wrk(topo: Topology, url: string, close: boolean): Wrk {
  const args = ['wrk', '-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', ...(close ? ['-H', 'Connection: close'] : []), url];
  const r = topo.tryX('client', args, { timeoutMs: (SECONDS + 60) * 1000 });
  if (r.status !== 0) throw new Error(`wrk ${url}: ${r.stderr || r.stdout}`);
  const out = r.stdout;
  const num = (re: RegExp): number => Number(re.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const lat = (p: string): number => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)$`, 'm').exec(out);
    return m ? Math.round(ms(m[1]!, m[2]!) * 1000) / 1000 : 0;
  };
  return {
    rate: Math.round(num(/Requests\/sec:\s+([\d.]+)/)),
    requests: num(/(\d+) requests in/),
    errors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
    latencyMs: { p50: lat('50'), p99: lat('99') },
  };
}

function measure(topo: Topology, label: string, url: string, forwarder?: number): Figures {
  // A short warm-up: ARP, MAC learning, the appliance's path cache, nginx workers.
  for (let i = 0; i < 3; i++) topo.curl(url);
  const load1 = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  say(`${label}: load average before: ${load1}`);
  say(`${label}: ${SECONDS} s of new connections to ${url}`);
  const cpsRun = wrkWithCpu(topo, url, true, forwarder);
  say(`${label}: ${cpsRun.rate} connections/s (${cpsRun.errors} socket errors, ${cpsRun.non2xx} non-2xx; machine ${cpsRun.cpu.busyPct}% busy)`);
  const rpsRun = wrkWithCpu(topo, url, false, forwarder);
  say(`${label}: ${rpsRun.rate} requests/s keep-alive (${rpsRun.errors} socket errors, ${rpsRun.non2xx} non-2xx; machine ${rpsRun.cpu.busyPct}% busy)`);
  return { cps: cpsRun.rate, rps: rpsRun.rate, cpsRun, rpsRun, load1 };
}

async function topology(opts: TopologyOptions): Promise<Topology> {
  const t = await Topology.create(opts);
  // The client opens many short connections: a wide port range, TIME_WAIT reuse.
  t.x('client', ['sysctl', '-qw', 'net.ipv4.ip_local_port_range=1024 65000', 'net.ipv4.tcp_tw_reuse=1']);
  for (const s of ['srv1', 'srv2'] as const) t.x(s, ['sysctl', '-qw', 'net.core.somaxconn=8192', 'net.ipv4.tcp_max_syn_backlog=8192']);
  return t;
}

async function withPask<T>(topo: Topology, config: string, ports: Record<number, string> | undefined, fn: (pid: number, pask: PaskServe) => T | Promise<T>): Promise<T> {
  const pask = await PaskServe.start(topo, ports ? { ports } : {});
  try {
    await pask.batch(config);
    const h = await waitHealth(pask, { 1: 'ACT' }, 20_000);
    if (h['1'] !== 'ACT') throw new Error(`real 1 did not go ACT: ${JSON.stringify(h)}\n${pask.stderr()}`);
    return await fn(pask.pid, pask);
  } finally {
    await pask.stop();
  }
}

/**
 * pask on one path, without and with established-flow offload (BENCH_OFFLOAD), one after the
 * other in the same pask process (`offload enable` through the control socket), so the two
 * figures are as close in time as a shared machine allows.
 */
async function paskBothWays(topo: Topology, config: string, ports: Record<number, string> | undefined, name: string, label: string,
  url: string, into: Record<string, Figures>, kernelUrl?: string, rounds?: Record<string, number[]>): Promise<void> {
  await withPask(topo, config, ports, async (pid, pask) => {
    for (const [sfx, extra] of offloadRuns) {
      if (extra !== '') {
        await pask.socketCommand('configure terminal\noffload enable\nend');
        const r = await pask.socketCommand('show offload');
        if (!/State\s+: enabled/.test(r.out)) throw new Error(`offload enable: ${r.out}`);
      }
      into[`${name}${sfx}`] = measure(topo, `${label}${sfx}`, url, pid);
    }
    if (kernelUrl !== undefined && rounds !== undefined && ROUNDS > 0) {
      const suffix = offloadRuns[offloadRuns.length - 1]![0];
      rounds[`${name}${suffix}`] = pairedRounds(topo, kernelUrl, url, `${label}${suffix}`);
    }
  });
}

/** Keep-alive requests/s of pask's path over the kernel's, one ratio per round (kernel, then pask, back to back). */
function pairedRounds(topo: Topology, kernelUrl: string, url: string, label: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const k = wrk(topo, kernelUrl, false).rate;
    const p = wrk(topo, url, false).rate;
    out.push(ratio(p, k));
    say(`${label}: round ${i + 1}: kernel ${k}, pask ${p} requests/s keep-alive (${ratio(p, k)})`);
  }
  return out;
}

function median(xs: readonly number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  return v.length === 0 ? 0 : v.length % 2 === 1 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
}

/** HAProxy in TCP mode in the appliance's namespace, which gets addresses for it (pask is not running). */
async function withHaproxy<T>(topo: Topology, rip: string, fn: (pid: number) => T): Promise<T> {
  topo.ip('pask', 'link', 'set', 'p1', 'promisc', 'off');
  topo.ip('pask', 'addr', 'add', `${PASK_IP}/24`, 'dev', 'p1');
  topo.ip('pask', 'addr', 'add', `${VIP}/32`, 'dev', 'p1');
  topo.ip('pask', 'route', 'add', 'default', 'via', ROUTER_L4_IP);
  topo.x('pask', ['sysctl', '-qw', 'net.ipv4.ip_local_port_range=1024 65000', 'net.ipv4.tcp_tw_reuse=1', 'net.core.somaxconn=8192']);
  const cfg = join(topo.dir, 'haproxy.cfg');
  writeFileSync(cfg, [
    'global',
    '  nbthread 1',
    '  maxconn 8000',
    `  pidfile ${join(topo.dir, 'haproxy.pid')}`,
    'defaults',
    '  mode tcp',
    '  timeout connect 5s',
    '  timeout client 30s',
    '  timeout server 30s',
    'frontend vip',
    `  bind ${VIP}:80`,
    '  default_backend reals',
    'backend reals',
    `  server srv1 ${rip}:80`,
    '',
  ].join('\n'));
  const proc = topo.spawn('pask', ['haproxy', '-db', '-f', cfg]);
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  proc.stdout!.resume();
  try {
    for (let i = 0; i < 50 && topo.curl(`http://${VIP}/`, 1) !== 'srv1'; i++) await sleep(100);
    if (proc.exitCode !== null) throw new Error(`haproxy exited: ${err}`);
    return fn(proc.pid!);
  } finally {
    proc.kill('SIGTERM');
    await sleep(300);
  }
}

const ratio = (a: number, b: number): number => (b > 0 ? Math.round((a / b) * 1000) / 1000 : 0);

async function main(): Promise<void> {
  const why = whyNoSystem(['wrk', 'haproxy']);
  if (why) {
    process.stdout.write(JSON.stringify({ bench: 'real', skipped: why }) + '\n');
    return;
  }
  const release = await acquireSystemLock();
  const kernel: Record<string, Figures> = {};
  const pask: Record<string, Figures> = {};
  const haproxy: Record<string, Figures> = {};
  const rounds: Record<string, number[]> = {};
  const vipUrl = `http://${VIP}/`;
  try {
    // File 000's topology: the kernel path, l3dsr-iptunnel, HAProxy.
    let topo = await topology({ variant: 'routed', nginx: true });
    try {
      kernel['routed'] = measure(topo, 'kernel (routed)', `http://${ROUTED_RIPS[0]}/`);
      await paskBothWays(topo, referenceScenario() + ONE_REAL_NO_STICKY, undefined, 'l3dsr-iptunnel', 'pask l3dsr-iptunnel', vipUrl, pask,
        `http://${ROUTED_RIPS[0]}/`, rounds);
      haproxy['tcp'] = await withHaproxy(topo, ROUTED_RIPS[0], (pid) => measure(topo, 'haproxy tcp', vipUrl, pid));
    } finally {
      topo.destroy();
    }
    // One-arm DSR: the router, the appliance and the reals on one bridge.
    topo = await topology({ variant: 'onearm' });
    try {
      kernel['onearm'] = measure(topo, 'kernel (one-arm)', `http://${LAN_RIPS[0]}/`);
      await paskBothWays(topo, lanScenario('dsr', { ports: '1', reals: 1 }), undefined, 'dsr', 'pask dsr (one-arm)', vipUrl, pask,
        `http://${LAN_RIPS[0]}/`, rounds);
    } finally {
      topo.destroy();
    }
    // The system tests' DSR: the reals behind the appliance's port 2 (it bridges their answers).
    topo = await topology({ variant: 'lan' });
    try {
      await paskBothWays(topo, lanScenario('dsr', { reals: 1 }), undefined, 'dsr-inline', 'pask dsr (inline)', vipUrl, pask);
    } finally {
      topo.destroy();
    }
  } finally {
    release();
  }

  const short = (f: Record<string, Figures>) => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, {
    cps: v.cps, rps: v.rps,
    errors: v.cpsRun.errors + v.rpsRun.errors + v.cpsRun.non2xx + v.rpsRun.non2xx,
    p99ms: { cps: v.cpsRun.latencyMs.p99, rps: v.rpsRun.latencyMs.p99 },
    cpu: { cps: v.cpsRun.cpu, rps: v.rpsRun.cpu },
    load1: v.load1,
  }]));
  const none: Figures = { cps: 0, rps: 0, load1: 0, cpsRun: undefined as never, rpsRun: undefined as never };
  const l3 = pask['l3dsr-iptunnel'] ?? none, dsr = pask['dsr'] ?? none, inline = pask['dsr-inline'] ?? none, hap = haproxy['tcp']!;
  const l3o = pask['l3dsr-iptunnel+offload'], dsro = pask['dsr+offload'], inlineo = pask['dsr-inline+offload'];
  const kr = kernel['routed']!, ko = kernel['onearm']!;
  const p99 = (f: Figures | undefined) => f?.rpsRun.latencyMs.p99 ?? Infinity;
  const offloaded = l3o === undefined || dsro === undefined || inlineo === undefined ? {} : {
    'rps l3dsr-iptunnel+offload / kernel': ratio(l3o.rps, kr.rps),
    'cps l3dsr-iptunnel+offload / haproxy': ratio(l3o.cps, hap.cps),
    'rps dsr+offload / kernel': ratio(dsro.rps, ko.rps),
    'cps dsr+offload / haproxy': ratio(dsro.cps, hap.cps),
    'rps dsr-inline+offload / kernel': ratio(inlineo.rps, ko.rps),
    'p99 ms l3dsr-iptunnel+offload - kernel': Math.round((p99(l3o) - p99(kr)) * 1000) / 1000,
    'p99 ms dsr+offload - kernel': Math.round((p99(dsro) - p99(ko)) * 1000) / 1000,
  };
  const offloadTargets = l3o === undefined || dsro === undefined ? {} : {
    'offload: dsr rps >= 0.9 kernel': ratio(dsro.rps, ko.rps) >= 0.9,
    'offload: l3dsr-iptunnel rps >= 0.8 kernel': ratio(l3o.rps, kr.rps) >= 0.8,
    'offload: cps >= haproxy (l3dsr-iptunnel, dsr)': l3o.cps >= hap.cps && dsro.cps >= hap.cps,
    'offload: p99 within 1 ms of the kernel path (l3dsr-iptunnel, dsr)': p99(l3o) <= p99(kr) + 1 && p99(dsro) <= p99(ko) + 1,
  };
  const ratios = {
    ...offloaded,
    'cps l3dsr-iptunnel / haproxy': ratio(l3.cps, hap.cps),
    'cps dsr / haproxy': ratio(dsr.cps, hap.cps),
    'cps l3dsr-iptunnel / kernel': ratio(l3.cps, kr.cps),
    'rps l3dsr-iptunnel / kernel': ratio(l3.rps, kr.rps),
    'rps l3dsr-iptunnel / haproxy': ratio(l3.rps, hap.rps),
    'cps dsr / kernel': ratio(dsr.cps, ko.cps),
    'rps dsr / kernel': ratio(dsr.rps, ko.rps),
    'cps dsr-inline / kernel': ratio(inline.cps, ko.cps),
    'rps dsr-inline / kernel': ratio(inline.rps, ko.rps),
  };
  const l3r = rounds['l3dsr-iptunnel+offload'], dsrr = rounds['dsr+offload'];
  const roundTargets = l3r === undefined || dsrr === undefined ? {} : {
    'offload, paired rounds median: dsr rps >= 0.9 kernel': median(dsrr) >= 0.9,
    'offload, paired rounds median: l3dsr-iptunnel rps >= 0.8 kernel': median(l3r) >= 0.8,
  };
  const targets = {
    'cps >= haproxy (l3dsr-iptunnel)': ratios['cps l3dsr-iptunnel / haproxy'] >= 1,
    'cps >= haproxy (dsr)': ratios['cps dsr / haproxy'] >= 1,
    'dsr cps >= 0.8 kernel': ratios['cps dsr / kernel'] >= 0.8,
    'dsr rps >= 0.8 kernel': ratios['rps dsr / kernel'] >= 0.8,
    ...offloadTargets,
    ...roundTargets,
  };
  process.stdout.write(JSON.stringify({
    bench: 'real', seconds: SECONDS, connections: CONNECTIONS, cpus: (await import('node:os')).availableParallelism(),
    kernel: short(kernel), pask: short(pask), haproxy: short(haproxy), ratios,
    rounds: Object.fromEntries(Object.entries(rounds).map(([k, v]) => [k, { ratios: v, median: median(v) }])), targets,
  }) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:real: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});

// ^C or a kill: the exit handlers of test/system/topology.ts remove the namespaces.
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));
