// `node dist/bench/ports.js [--seconds S]` (as root): packets/s a port backend receives and
// sends on a veth pair, for (a) the `cap` npm package (libpcap binding, 0.2.1), (b) pask's
// Linux port backend (src/ports/linux + native/pask_port.c), (c) C references: tcpdump
// (libpcap) receiving, trafgen (packet mmap TX ring) sending.
//
// Topology (created here, removed at the end, even on failure): namespaces pask-bench-tx and
// pask-bench-rx joined by a veth pair pkbtx <-> pkbrx; nothing in the root namespace.
//  - receive: trafgen floods 60-byte frames from pkbtx for S seconds (one CPU); the receiver
//    under test runs on pkbrx in its own process (cap and pask in a Node child, so a crash is
//    caught and recorded). Reported: frames it got per second, the kernel's drops, and the
//    receiver's CPU time per frame (the offered rate is the same for all; CPU per frame shows
//    the headroom).
//  - send: the sender under test sends 60-byte frames on pkbtx as fast as it can for S
//    seconds; reported: frames that arrived on pkbrx per second (its interface counter).
//
// Options: --seconds S (default 3); --repeat N rounds, medians reported (default 3);
// --only rx-pask,tx-cap,linkdown-cap,... (a subset); the environment
// variable PASK_BENCH_PORT_OPTS='{"batch":512}' passes options to openLinuxPort.
//
// Prints progress on stderr and one JSON line on stdout with the figures and the ratios.
// `cap` is installed on demand into node_modules/.cache/pask-bench-cap (it needs libpcap-dev
// and a compiler); it is not a dependency of the project.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLinuxPort, type LinuxPortOptions } from '../src/ports/linux/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = existsSync(join(HERE, '..', 'package.json')) ? resolve(HERE, '..') : resolve(HERE, '..', '..');
const CAP_DIR = join(ROOT, 'node_modules', '.cache', 'pask-bench-cap');
const CAP_VERSION = '0.2.1';
const NS_TX = 'pask-bench-tx';
const NS_RX = 'pask-bench-rx';
const IF_TX = 'pkbtx';
const IF_RX = 'pkbrx';
// 60 bytes: to 02:00:00:00:aa:01 from 02:00:00:00:bb:02, ethertype 0x88b5, zero payload.
const FRAME = [2, 0, 0, 0, 0xaa, 1, 2, 0, 0, 0, 0xbb, 2, 0x88, 0xb5, ...new Array<number>(46).fill(0)];
const TRAFGEN_CONF = `{ ${FRAME.map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(', ')} }`;

const log = (s: string): void => void process.stderr.write(`bench/ports: ${s}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ============================================================================ child modes

interface ChildResult {
  frames: number;
  drops?: number;
  cpuMs: number;
  extra?: Record<string, number>;
}

function capModule(): { Cap: new () => CapInstance } {
  const req = createRequire(join(CAP_DIR, 'package.json'));
  return req('cap') as { Cap: new () => CapInstance };
}

interface CapInstance {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  setMinBytes?(n: number): void;
  on(ev: 'packet', fn: (nbytes: number, trunc: boolean) => void): void;
  send(buf: Buffer, len: number): void;
  close(): void;
}

/** Child: receives on `ifname` until "stop" on stdin; prints progress and a result line. */
async function childRx(kind: 'pask' | 'cap', ifname: string): Promise<void> {
  let frames = 0;
  let finish: () => ChildResult;
  if (kind === 'pask') {
    const p = openLinuxPort(ifname, portOptions());
    p.attach(() => {
      frames++;
    });
    finish = () => {
      const s = p.stats();
      p.close();
      return { frames, drops: s.rxKernelDrops, cpuMs: cpuMs(), extra: { batches: s.rxBatches, maxBatch: s.rxMaxBatch, freezes: s.rxKernelFreezes } };
    };
  } else {
    const { Cap } = capModule();
    const c = new Cap();
    const buf = Buffer.alloc(65535);
    c.open(ifname, '', 10 * 1024 * 1024, buf);
    c.setMinBytes?.(0);
    c.on('packet', () => {
      frames++;
    });
    finish = () => {
      const r = { frames, cpuMs: cpuMs() };
      c.close();
      return r;
    };
  }
  // The event loop under the flood: a 10 ms timer's largest gap and how often it fired.
  let last = 0, maxGap = 0, ticks = 0;
  const loop = setInterval(() => {
    const now = Date.now();
    if (last !== 0) maxGap = Math.max(maxGap, now - last);
    last = now;
    ticks++;
    if (ticks % 10 === 0) process.stdout.write(`progress ${frames}\n`);
  }, 10);
  process.stdout.write('ready\n');
  await new Promise<void>((res) => {
    process.stdin.on('data', (d) => {
      if (d.toString().includes('stop')) res();
    });
  });
  clearInterval(loop);
  const r = finish();
  r.extra = { ...(r.extra ?? {}), loopMaxGapMs: maxGap, loopTicks: ticks };
  process.stdout.write(`result ${JSON.stringify(r)}\n`);
  process.exit(0);
}

/** Child: sends 60-byte frames on `ifname` for `seconds`, yielding to the event loop between batches. */
async function childTx(kind: 'pask' | 'cap', ifname: string, seconds: number): Promise<void> {
  const frame = Uint8Array.from(FRAME);
  let attempts = 0;
  let errors = 0;
  let sendBatch: () => void;
  let finish: () => ChildResult;
  if (kind === 'pask') {
    const p = openLinuxPort(ifname, portOptions());
    sendBatch = () => {
      for (let i = 0; i < 256; i++) p.transmit(frame, 60);
      p.flush();
      attempts += 256;
    };
    finish = () => {
      const s = p.stats();
      p.close();
      return { frames: s.txPackets, drops: s.txDrops, cpuMs: cpuMs(), extra: { attempts, errors: s.txErrors } };
    };
  } else {
    const { Cap } = capModule();
    const c = new Cap();
    c.open(ifname, '', 1024 * 1024, Buffer.alloc(65535));
    const buf = Buffer.from(frame);
    let sent = 0;
    sendBatch = () => {
      for (let i = 0; i < 256; i++) {
        try {
          c.send(buf, 60);
          sent++;
        } catch {
          errors++;
        }
      }
      attempts += 256;
    };
    finish = () => {
      c.close();
      return { frames: sent, cpuMs: cpuMs(), extra: { attempts, errors } };
    };
  }
  process.stdout.write('ready\n');
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    for (let k = 0; k < 16; k++) sendBatch();
    await new Promise((r) => setImmediate(r));
  }
  process.stdout.write(`result ${JSON.stringify(finish())}\n`);
  process.exit(0);
}

/** $PASK_BENCH_PORT_OPTS: JSON options for openLinuxPort (to try ring and batch sizes). */
function portOptions(): LinuxPortOptions {
  const o = process.env['PASK_BENCH_PORT_OPTS'];
  return o ? (JSON.parse(o) as LinuxPortOptions) : {};
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

// ============================================================================ orchestration

function sh(cmd: string, args: string[], allowFail = false): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0 && !allowFail) throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || '').trim()}`);
  return r.stdout ?? '';
}

function teardown(): void {
  spawnSync('ip', ['netns', 'del', NS_TX], { stdio: 'ignore' });
  spawnSync('ip', ['netns', 'del', NS_RX], { stdio: 'ignore' });
}

function setup(): void {
  teardown();
  sh('ip', ['netns', 'add', NS_TX]);
  sh('ip', ['netns', 'add', NS_RX]);
  sh('ip', ['-n', NS_TX, 'link', 'add', IF_TX, 'type', 'veth', 'peer', 'name', IF_RX, 'netns', NS_RX]);
  for (const [ns, ifn] of [[NS_TX, IF_TX], [NS_RX, IF_RX]] as const) {
    sh('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
    sh('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
    sh('ip', ['-n', ns, 'link', 'set', ifn, 'up']);
  }
}

function ifCounter(ns: string, ifname: string, dir: 'rx' | 'tx'): number {
  const j = JSON.parse(sh('ip', ['-n', ns, '-s', '-j', 'link', 'show', 'dev', ifname])) as { stats64: Record<string, { packets: number }> }[];
  return j[0]!.stats64[dir]!.packets;
}

/** utime + stime of a process, ms. */
function procCpuMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    const hz = 100; // USER_HZ
    return ((Number(rest[11]) + Number(rest[12])) / hz) * 1000;
  } catch {
    return NaN;
  }
}

function trafgen(ns: string, ifname: string, seconds: number): ChildProcess {
  const tg = spawn('ip', ['netns', 'exec', ns, 'timeout', '-s', 'INT', String(seconds), 'trafgen', '-o', ifname, '-P', '1', '-q', '-i', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
  tg.stdin!.end(TRAFGEN_CONF);
  return tg;
}

const exited = (c: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> =>
  c.exitCode !== null || c.signalCode !== null
    ? Promise.resolve({ code: c.exitCode, signal: c.signalCode })
    : new Promise((r) => c.once('exit', (code, signal) => r({ code, signal })));

interface Measure {
  pps: number | null;
  frames: number;
  seconds: number;
  offered_pps?: number;
  drops?: number;
  cpu_ns_per_frame?: number;
  crashed?: boolean;
  error?: string;
  extra?: Record<string, number>;
}

/** A Node child under `ip netns exec`, speaking the ready/progress/result protocol. */
function nodeChild(ns: string, args: string[]): { proc: ChildProcess; ready: Promise<void>; result: Promise<ChildResult | null>; last: () => number; stderr: () => string } {
  const proc = spawn('ip', ['netns', 'exec', ns, process.execPath, process.argv[1]!, '--child', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '', err = '', lastProgress = 0;
  let onReady: () => void = () => {};
  let onResult: (r: ChildResult | null) => void = () => {};
  const ready = new Promise<void>((r, j) => {
    onReady = r;
    proc.once('exit', () => j(new Error(`child exited before it was ready: ${err.trim().split('\n').slice(-3).join(' | ')}`)));
  });
  ready.catch(() => {});
  const result = new Promise<ChildResult | null>((r) => {
    onResult = r;
    proc.once('exit', () => r(null));
  });
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    let i;
    while ((i = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, i);
      out = out.slice(i + 1);
      if (line === 'ready') onReady();
      else if (line.startsWith('progress ')) lastProgress = Number(line.slice(9));
      else if (line.startsWith('result ')) onResult(JSON.parse(line.slice(7)) as ChildResult);
    }
  });
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { proc, ready, result, last: () => lastProgress, stderr: () => err };
}

async function rxNode(kind: 'pask' | 'cap', seconds: number): Promise<Measure> {
  const c = nodeChild(NS_RX, ['rx', kind, IF_RX]);
  try {
    await c.ready;
  } catch (e) {
    return { pps: null, frames: 0, seconds: 0, error: (e as Error).message };
  }
  const sent0 = ifCounter(NS_TX, IF_TX, 'tx');
  const t0 = Date.now();
  const tg = trafgen(NS_TX, IF_TX, seconds);
  // Watch for the receiver dying while the flood runs.
  const res = await Promise.race([exited(tg).then(() => 'done' as const), exited(c.proc).then(() => 'crash' as const)]);
  const elapsed = (Date.now() - t0) / 1000;
  const offered = ifCounter(NS_TX, IF_TX, 'tx') - sent0;
  if (res === 'crash') {
    tg.kill('SIGINT');
    await exited(tg);
    const st = await exited(c.proc);
    const tail = c.stderr().trim().split('\n').slice(-4).join(' | ');
    return {
      pps: c.last() / elapsed,
      frames: c.last(),
      seconds: elapsed,
      offered_pps: offered / elapsed,
      crashed: true,
      error: `receiver died after ${elapsed.toFixed(2)} s (${st.signal ?? `exit ${st.code}`}): ${tail}`,
    };
  }
  await sleep(300);
  const cpuBefore = procCpuMs(c.proc.pid!);
  c.proc.stdin!.write('stop\n');
  const r = await Promise.race([c.result, sleep(10_000).then(() => null)]);
  const st = await Promise.race([exited(c.proc), sleep(5000).then(() => ({ code: null, signal: null }))]);
  if (r === null) {
    c.proc.kill('SIGKILL');
    const tail = c.stderr().trim().split('\n').slice(-4).join(' | ');
    return { pps: c.last() / elapsed, frames: c.last(), seconds: elapsed, offered_pps: offered / elapsed, crashed: st.signal !== null, error: `no result (${st.signal ?? `exit ${st.code}`}): ${tail}` };
  }
  const cpu = Number.isFinite(cpuBefore) ? cpuBefore : r.cpuMs;
  return {
    pps: r.frames / elapsed,
    frames: r.frames,
    seconds: elapsed,
    offered_pps: offered / elapsed,
    ...(r.drops !== undefined ? { drops: r.drops } : {}),
    cpu_ns_per_frame: r.frames > 0 ? (cpu * 1e6) / r.frames : 0,
    ...(r.extra ? { extra: r.extra } : {}),
  };
}

async function rxTcpdump(seconds: number): Promise<Measure> {
  const td = spawn('ip', ['netns', 'exec', NS_RX, 'tcpdump', '-i', IF_RX, '-s', '0', '-w', '/dev/null'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  td.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const ok = await Promise.race([
    (async () => {
      while (!err.includes('listening on')) {
        if (td.exitCode !== null) return false;
        await sleep(20);
      }
      return true;
    })(),
    sleep(5000).then(() => false),
  ]);
  if (!ok) {
    td.kill('SIGKILL');
    return { pps: null, frames: 0, seconds: 0, error: `tcpdump did not start: ${err.trim()}` };
  }
  const sent0 = ifCounter(NS_TX, IF_TX, 'tx');
  const t0 = Date.now();
  await exited(trafgen(NS_TX, IF_TX, seconds));
  const elapsed = (Date.now() - t0) / 1000;
  const offered = ifCounter(NS_TX, IF_TX, 'tx') - sent0;
  await sleep(300);
  const cpu = procCpuMs(td.pid!);
  td.kill('SIGINT');
  await exited(td);
  const captured = Number(/(\d+) packets? captured/.exec(err)?.[1] ?? NaN);
  const dropped = Number(/(\d+) packets? dropped by kernel/.exec(err)?.[1] ?? NaN);
  return { pps: captured / elapsed, frames: captured, seconds: elapsed, offered_pps: offered / elapsed, drops: dropped, cpu_ns_per_frame: (cpu * 1e6) / captured };
}

async function txNode(kind: 'pask' | 'cap', seconds: number): Promise<Measure> {
  const c = nodeChild(NS_TX, ['tx', kind, IF_TX, String(seconds)]);
  try {
    await c.ready;
  } catch (e) {
    return { pps: null, frames: 0, seconds: 0, error: (e as Error).message };
  }
  const got0 = ifCounter(NS_RX, IF_RX, 'rx');
  const t0 = Date.now();
  const r = await Promise.race([c.result, sleep((seconds + 15) * 1000).then(() => null)]);
  const elapsed = (Date.now() - t0) / 1000;
  const st = await Promise.race([exited(c.proc), sleep(3000).then(() => ({ code: null, signal: null }))]);
  const arrived = ifCounter(NS_RX, IF_RX, 'rx') - got0;
  if (r === null) {
    c.proc.kill('SIGKILL');
    return { pps: arrived / elapsed, frames: arrived, seconds: elapsed, crashed: st.signal !== null, error: `sender failed (${st.signal ?? `exit ${st.code}`}): ${c.stderr().trim().split('\n').slice(-3).join(' | ')}` };
  }
  return {
    pps: arrived / elapsed,
    frames: arrived,
    seconds: elapsed,
    ...(r.drops !== undefined ? { drops: r.drops } : {}),
    cpu_ns_per_frame: r.frames > 0 ? (r.cpuMs * 1e6) / r.frames : 0,
    extra: { sent: r.frames, ...(r.extra ?? {}) },
  };
}

async function txTrafgen(seconds: number): Promise<Measure> {
  const got0 = ifCounter(NS_RX, IF_RX, 'rx');
  const t0 = Date.now();
  await exited(trafgen(NS_TX, IF_TX, seconds));
  const elapsed = (Date.now() - t0) / 1000;
  const arrived = ifCounter(NS_RX, IF_RX, 'rx') - got0;
  return { pps: arrived / elapsed, frames: arrived, seconds: elapsed };
}

/** The run with the median rate (runs without a rate count as lowest); crashes are kept visible. */
function median(ms: Measure[]): Measure {
  const sorted = [...ms].sort((a, b) => (a.pps ?? -1) - (b.pps ?? -1));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** A receiver with its link taken down and up: does the process survive, and receive after? */
async function linkDownCheck(kind: 'pask' | 'cap'): Promise<string> {
  const c = nodeChild(NS_RX, ['rx', kind, IF_RX]);
  try {
    await c.ready;
  } catch (e) {
    return `did not start: ${(e as Error).message}`;
  }
  sh('ip', ['-n', NS_RX, 'link', 'set', IF_RX, 'down']);
  await sleep(500);
  sh('ip', ['-n', NS_RX, 'link', 'set', IF_RX, 'up']);
  await sleep(500);
  const before = c.last();
  const alive = c.proc.exitCode === null && c.proc.signalCode === null;
  if (alive) {
    await exited(trafgen(NS_TX, IF_TX, 1));
    await sleep(300);
  }
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) {
    const tail = c.stderr().trim().split('\n').slice(-1)[0] ?? '';
    return `process died (${c.proc.signalCode ?? `exit ${c.proc.exitCode}`}): ${tail}`;
  }
  c.proc.stdin!.write('stop\n');
  const r = await Promise.race([c.result, sleep(5000).then(() => null)]);
  if (r === null) c.proc.kill('SIGKILL');
  const after = r?.frames ?? c.last();
  return after > before ? 'survived, receives again after the link came back' : 'survived, but received nothing after the link came back';
}

/** Installs cap@0.2.1 into the bench cache if it is not there; returns an error or null. */
function ensureCap(): string | null {
  if (existsSync(join(CAP_DIR, 'node_modules', 'cap', 'build', 'Release', 'cap.node'))) return null;
  log(`installing cap@${CAP_VERSION} into ${CAP_DIR} (needs libpcap-dev)`);
  mkdirSync(CAP_DIR, { recursive: true });
  const r = spawnSync('npm', ['install', '--prefix', CAP_DIR, `cap@${CAP_VERSION}`, '--no-save', '--no-audit', '--no-fund', '--loglevel=error'], { encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(join(CAP_DIR, 'node_modules', 'cap', 'build', 'Release', 'cap.node')))
    return `cap@${CAP_VERSION} did not install/build: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`;
  return null;
}

const ratio = (a: number | null, b: number | null): number | null => (a !== null && b !== null && b > 0 ? Math.round((a / b) * 1000) / 1000 : null);
const round = (m: Measure): Measure => ({
  ...m,
  pps: m.pps === null ? null : Math.round(m.pps),
  seconds: Math.round(m.seconds * 100) / 100,
  ...(m.offered_pps !== undefined ? { offered_pps: Math.round(m.offered_pps) } : {}),
  ...(m.cpu_ns_per_frame !== undefined ? { cpu_ns_per_frame: Math.round(m.cpu_ns_per_frame) } : {}),
});

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    const [, mode, kind, ifname, secs] = argv;
    if (mode === 'rx') return childRx(kind as 'pask' | 'cap', ifname!);
    return childTx(kind as 'pask' | 'cap', ifname!, Number(secs));
  }
  const oi = argv.indexOf('--only');
  const only = oi >= 0 ? new Set(argv[oi + 1]!.split(',')) : null;
  const want = (k: string): boolean => only === null || only.has(k);
  const si = argv.indexOf('--seconds');
  const seconds = si >= 0 ? Number(argv[si + 1]) : 3;
  const ri = argv.indexOf('--repeat');
  const repeat = ri >= 0 ? Math.max(1, Number(argv[ri + 1]) | 0) : 3;
  if (process.getuid?.() !== 0) throw new Error('needs root (network namespaces, packet sockets)');
  for (const t of ['ip', 'trafgen', 'tcpdump', 'timeout'])
    if (spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0) throw new Error(`${t} is not installed (apt-get install netsniff-ng tcpdump iproute2)`);
  const capError = ensureCap();
  if (capError) log(capError);

  const onSignal = (): void => {
    teardown();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  setup();
  try {
    const skipped: Measure = { pps: null, frames: 0, seconds: 0, error: 'not measured (--only)' };
    const capFailed: Measure = { pps: null, frames: 0, seconds: 0, error: capError ?? '' };
    const runs: Record<string, Measure[]> = {};
    const step = async (key: string, f: () => Promise<Measure>, needsCap = false): Promise<void> => {
      const r = !want(key) ? skipped : needsCap && capError ? capFailed : round(await f());
      (runs[key] ??= []).push(r);
      log(`  ${key.padEnd(10)} ${JSON.stringify(r)}`);
    };
    log(`rx: ${seconds} s trafgen flood each; tx: ${seconds} s each; ${repeat} round(s), medians reported`);
    for (let i = 0; i < repeat; i++) {
      if (repeat > 1) log(`round ${i + 1}/${repeat}`);
      await step('rx-tcpdump', () => rxTcpdump(seconds));
      await step('rx-pask', () => rxNode('pask', seconds));
      await step('rx-cap', () => rxNode('cap', seconds), true);
      await step('tx-trafgen', () => txTrafgen(seconds));
      await step('tx-pask', () => txNode('pask', seconds));
      await step('tx-cap', () => txNode('cap', seconds), true);
    }
    const linkDown: Record<string, string> = {};
    for (const kind of ['pask', 'cap'] as const) {
      if (!want(`linkdown-${kind}`) || (kind === 'cap' && capError)) continue;
      linkDown[kind] = await linkDownCheck(kind);
      log(`  link down/up under ${kind}: ${linkDown[kind]}`);
    }
    const m = (k: string): Measure => median(runs[k] ?? [skipped]);
    const rx = { tcpdump: m('rx-tcpdump'), pask: m('rx-pask'), cap: m('rx-cap') };
    const tx = { trafgen: m('tx-trafgen'), pask: m('tx-pask'), cap: m('tx-cap') };
    const crashes = (k: string): string => `${(runs[k] ?? []).filter((r) => r.crashed).length}/${(runs[k] ?? []).length}`;
    process.stdout.write(
      JSON.stringify({
        rx_pask_pps: rx.pask.pps,
        rx_cap_pps: rx.cap.pps,
        rx_tcpdump_pps: rx.tcpdump.pps,
        tx_pask_pps: tx.pask.pps,
        tx_cap_pps: tx.cap.pps,
        tx_trafgen_pps: tx.trafgen.pps,
        rx_cpu_ns_per_frame: { pask: rx.pask.cpu_ns_per_frame ?? null, cap: rx.cap.cpu_ns_per_frame ?? null, tcpdump: rx.tcpdump.cpu_ns_per_frame ?? null },
        ratios: {
          rx_pask_vs_tcpdump: ratio(rx.pask.pps, rx.tcpdump.pps),
          rx_pask_vs_cap: ratio(rx.pask.pps, rx.cap.pps),
          rx_cpu_per_frame_pask_vs_tcpdump: ratio(rx.pask.cpu_ns_per_frame ?? null, rx.tcpdump.cpu_ns_per_frame ?? null),
          rx_cpu_per_frame_cap_vs_pask: ratio(rx.cap.cpu_ns_per_frame ?? null, rx.pask.cpu_ns_per_frame ?? null),
          tx_pask_vs_trafgen: ratio(tx.pask.pps, tx.trafgen.pps),
          tx_pask_vs_cap: ratio(tx.pask.pps, tx.cap.pps),
        },
        crashes: { rx_cap: crashes('rx-cap'), tx_cap: crashes('tx-cap'), rx_pask: crashes('rx-pask'), tx_pask: crashes('tx-pask') },
        link_down: linkDown,
        rx,
        tx,
        seconds,
        repeat,
        frame_bytes: 60,
        node: process.version,
      }) + '\n',
    );
  } finally {
    teardown();
  }
}

main().catch((e: unknown) => {
  if (process.argv[2] !== '--child') teardown();
  process.stderr.write(`bench/ports: ${(e as Error).message}\n`);
  process.exit(1);
});
