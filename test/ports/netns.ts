// Test networks for the Linux port backend: a network namespace with one end of a veth pair
// (the "peer", with an address), the other end left in the test process's namespace for the
// backend. Everything is created per test file and removed afterwards, even on failure
// (afterAll, process exit, and a sweep of namespaces whose creating process is gone).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PY = '/usr/bin/python3';
const NS_PREFIX = 'pask-pt-';

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || r.stdout || '').trim() || `exit ${r.status}`}`);
  return r.stdout;
}

/** Why the namespace tests cannot run here, or null if they can. */
export function whyNoNetns(extraTools: string[] = []): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root (network namespaces and packet sockets need it)';
  for (const t of ['ip', 'tcpdump', ...extraTools]) if (!which(t)) return `${t} is not installed (scripts/debian-packages.txt; run scripts/setup.sh --system)`;
  if (!existsSync(PY)) return `${PY} is not installed`;
  const probe = `${NS_PREFIX}probe-${process.pid}`;
  const r = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (r.status !== 0) return `cannot create a network namespace: ${(r.stderr || '').trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes namespaces left by test processes that died. */
export function sweepStale(): void {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  for (const line of (r.stdout ?? '').split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = /^pask-pt-(\d+)-/.exec(name);
    if (m && !alive(Number(m[1]))) spawnSync('ip', ['netns', 'del', name]);
  }
}

const live = new Set<string>();
let exitHook = false;

export interface TestNet {
  ns: string;
  /** The backend's end, in the test process's namespace (no address, IPv6 off). */
  hostIf: string;
  /** The peer's end, inside `ns`, with address `peerIp`/24. */
  peerIf: string;
  peerIp: string;
  peerMac: string;
  hostIfindex: number;
  /** Runs a command inside the namespace. */
  exec(cmd: string, args: string[]): string;
  destroy(): void;
}

let seq = 0;

export function createTestNet(): TestNet {
  sweepStale();
  const id = `${process.pid}-${seq++}`;
  const ns = `${NS_PREFIX}${id}`;
  const short = `${(process.pid % 100000).toString(36)}${seq}`;
  const hostIf = `pkh${short}`.slice(0, 15);
  const peerIf = `pkp${short}`.slice(0, 15);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const n of live) spawnSync('ip', ['netns', 'del', n]);
    });
  }
  const destroy = (): void => {
    spawnSync('ip', ['link', 'del', hostIf], { stdio: 'ignore' });
    spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    live.delete(ns);
  };
  try {
    run('ip', ['netns', 'add', ns]);
    live.add(ns);
    run('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', peerIf, 'netns', ns]);
    spawnSync('sysctl', ['-qw', `net.ipv6.conf.${hostIf}.disable_ipv6=1`], { stdio: 'ignore' });
    run('ip', ['link', 'set', hostIf, 'up']);
    const nx = (args: string[]): string => run('ip', ['netns', 'exec', ns, ...args]);
    nx(['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
    nx(['sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
    run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    run('ip', ['-n', ns, 'addr', 'add', '192.0.2.2/24', 'dev', peerIf]);
    run('ip', ['-n', ns, 'link', 'set', peerIf, 'up']);
    const info = JSON.parse(run('ip', ['-n', ns, '-j', 'link', 'show', 'dev', peerIf])) as { address: string }[];
    const host = JSON.parse(run('ip', ['-j', 'link', 'show', 'dev', hostIf])) as { ifindex: number }[];
    return {
      ns,
      hostIf,
      peerIf,
      peerIp: '192.0.2.2',
      peerMac: info[0]!.address,
      hostIfindex: host[0]!.ifindex,
      exec: (cmd, args) => run('ip', ['netns', 'exec', ns, cmd, ...args]),
      destroy,
    };
  } catch (e) {
    destroy();
    throw e;
  }
}

// ------------------------------------------------------------------------------ frames

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** Sends raw frames from `ifname` inside `ns` through a Python packet socket (exact bytes). */
export function sendFromPeer(net: TestNet, frames: Uint8Array[], gapMs = 0): void {
  const script = [
    'import socket, sys, time',
    's = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)',
    `s.bind((${JSON.stringify(net.peerIf)}, 0))`,
    'for line in sys.stdin.read().split():',
    '    s.send(bytes.fromhex(line))',
    `    time.sleep(${gapMs / 1000})`,
  ].join('\n');
  const r = spawnSync('ip', ['netns', 'exec', net.ns, PY, '-c', script], { input: frames.map(hex).join('\n'), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sending from the peer failed: ${r.stderr}`);
}

export interface Capture {
  /** Resolves with the captured frames once `count` were seen or the time ran out. */
  done: Promise<Uint8Array[]>;
  stop(): void;
}

/** Starts tcpdump on the peer's interface; resolves once it listens. */
export async function capturePeer(net: TestNet, filter: string[], count: number, timeoutMs = 8000): Promise<Capture> {
  const dir = mkdtempSync(join(tmpdir(), 'pask-ports-'));
  const file = join(dir, 'cap.pcap');
  const child: ChildProcess = spawn('ip', ['netns', 'exec', net.ns, 'tcpdump', '-i', net.peerIf, '-U', '--immediate-mode', '-s', '0', '-c', String(count), '-w', file, ...filter], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`tcpdump did not start: ${err}`)), 5000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('listening on')) {
        clearTimeout(t);
        resolve();
      }
    });
    child.on('exit', () => {
      clearTimeout(t);
      reject(new Error(`tcpdump exited: ${err}`));
    });
  });
  const done = new Promise<Uint8Array[]>((resolve) => {
    const kill = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    child.removeAllListeners('exit');
    child.on('exit', () => {
      clearTimeout(kill);
      let frames: Uint8Array[] = [];
      try {
        frames = readPcap(readFileSync(file));
      } catch {
        frames = [];
      }
      rmSync(dir, { recursive: true, force: true });
      resolve(frames);
    });
  });
  return { done, stop: () => child.kill('SIGINT') };
}

/** The frames of a classic pcap file (either byte order, µs or ns). */
export function readPcap(buf: Buffer): Uint8Array[] {
  if (buf.length < 24) return [];
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && buf.readUInt32BE(0) !== 0xa1b2c3d4 && buf.readUInt32BE(0) !== 0xa1b23c4d) throw new Error('not a pcap file');
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const out: Uint8Array[] = [];
  let o = 24;
  while (o + 16 <= buf.length) {
    const incl = u32(o + 8);
    if (o + 16 + incl > buf.length) break;
    out.push(new Uint8Array(buf.subarray(o + 16, o + 16 + incl)));
    o += 16 + incl;
  }
  return out;
}

export function mac(s: string): number[] {
  return s.split(':').map((x) => parseInt(x, 16));
}

/** An Ethernet frame: dst, src, optional tags [tpid, tci][], ethertype, payload (padded to `minLen`). */
export function frame(dst: string, src: string, tags: [number, number][], etherType: number, payload: Uint8Array | number[], minLen = 60): Uint8Array {
  const body = payload instanceof Uint8Array ? payload : Uint8Array.from(payload);
  const len = Math.max(minLen, 14 + tags.length * 4 + body.length);
  const f = new Uint8Array(len);
  f.set(mac(dst), 0);
  f.set(mac(src), 6);
  let o = 12;
  for (const [tpid, tci] of tags) {
    f[o] = tpid >> 8;
    f[o + 1] = tpid & 0xff;
    f[o + 2] = tci >> 8;
    f[o + 3] = tci & 0xff;
    o += 4;
  }
  f[o] = etherType >> 8;
  f[o + 1] = etherType & 0xff;
  f.set(body, o + 2);
  return f;
}

/** The packet sockets bound to interface `ifindex` (from /proc/net/packet). */
export function packetSocketsOn(ifindex: number): number {
  const lines = readFileSync('/proc/net/packet', 'utf8').trim().split('\n').slice(1);
  return lines.filter((l) => Number(l.trim().split(/\s+/)[4]) === ifindex).length;
}

/** The interface's promiscuity count (`ip -d link`). */
export function promiscuity(ifname: string): number {
  const j = JSON.parse(run('ip', ['-d', '-j', 'link', 'show', 'dev', ifname])) as { promiscuity?: number }[];
  return j[0]?.promiscuity ?? -1;
}

/** The Internet checksum of b (0 when a block with its checksum in it is valid). */
export function inetSum(parts: Uint8Array[]): number {
  let sum = 0;
  for (const b of parts) {
    for (let i = 0; i + 1 < b.length; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
    if (b.length & 1) sum += b[b.length - 1]! << 8;
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `cond()` holds or `ms` pass; returns whether it held. */
export async function until(cond: () => boolean, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(10);
  }
  return cond();
}
