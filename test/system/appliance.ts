// `pask serve --lab none --port N=IF` inside a topology's appliance namespace, driven through its
// control socket: `pask --connect SOCK -c/-f` (the real executable) and a direct protocol client
// (to time the appliance's own answer, without a Node start-up in the measurement).

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { repoRoot, sleep, until, type Topology } from './topology.js';

/** What pask serve needs of a topology (file 000's, or another test's own, e.g. the IPsec one). */
export type PaskHost = Pick<Topology, 'dir' | 'spawn' | 'paskPorts'>;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall-clock time of the whole `pask --connect` process. */
  ms: number;
}

export class PaskServe {
  readonly sock: string;
  readonly home: string;
  private err = '';
  private readonly exited: Promise<number | null>;

  private constructor(readonly topo: PaskHost, readonly proc: ChildProcess) {
    this.home = join(topo.dir, 'pask-home');
    this.sock = join(topo.dir, 'pask.sock');
    proc.stderr!.on('data', (d: Buffer) => (this.err += d.toString()));
    proc.stdout!.resume();
    this.exited = new Promise((r) => proc.on('exit', (code) => r(code)));
  }

  /** Starts pask serve in the topology's `pask` namespace on its ports; resolves once it is ready. */
  static async start(topo: PaskHost, opts: { ports?: Record<number, string>; env?: Record<string, string> } = {}): Promise<PaskServe> {
    const ports = opts.ports ?? topo.paskPorts;
    const home = join(topo.dir, 'pask-home');
    const sock = join(topo.dir, 'pask.sock');
    const args = ['serve', '--lab', 'none', '--socket', sock];
    for (const [n, ifname] of Object.entries(ports)) args.push('--port', `${n}=${ifname}`);
    const proc = topo.spawn('pask', [process.execPath, join(repoRoot(), 'bin', 'pask'), ...args], {
      env: { ...process.env, PASK_HOME: home, NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const p = new PaskServe(topo, proc);
    const ready = await until(() => p.err.includes('pask serve: ready') || p.proc.exitCode !== null, 30_000, 50);
    if (!ready || p.proc.exitCode !== null) throw new Error(`pask serve did not start (exit ${p.proc.exitCode}):\n${p.err}`);
    return p;
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  stderr(): string {
    return this.err;
  }

  /** Resident memory of the appliance process, KiB (0 once it is gone). */
  rssKiB(): number {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      return m ? Number(m[1]) : 0;
    } catch {
      return 0;
    }
  }

  /** `pask --connect SOCK ARGS...` from this (the root) namespace: the control socket is a file. */
  connect(args: string[], timeoutMs = 60_000): Promise<CliRun> {
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(repoRoot(), 'bin', 'pask'), '--connect', this.sock, ...args], {
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr, ms: performance.now() - t0 });
      });
    });
  }

  /** Runs exec commands (`-c` each); throws if any failed. */
  async cli(...commands: string[]): Promise<string> {
    const r = await this.connect(commands.flatMap((c) => ['-c', c]));
    if (r.code !== 0 || r.stderr !== '') throw new Error(`pask --connect -c ${commands.join(' -c ')}: exit ${r.code}\n${r.stderr}`);
    return r.stdout;
  }

  /** Runs a batch file (`-f`); throws if any line failed. */
  async batch(text: string): Promise<string> {
    const file = join(this.topo.dir, `batch-${Date.now()}.txt`);
    writeFileSync(file, text);
    const r = await this.connect(['-f', file]);
    if (r.code !== 0 || r.stderr !== '') throw new Error(`pask --connect -f: exit ${r.code}\n${r.stderr}`);
    return r.stdout;
  }

  /**
   * Batch lines (one, or several separated by newlines) over the control socket with the protocol
   * of src/server/protocol.ts, timed from connecting to the exit frame: how long the appliance
   * itself takes to answer.
   */
  socketCommand(line: string, timeoutMs = 10_000): Promise<{ out: string; ms: number }> {
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const s = connect(this.sock);
      let buf = '';
      let out = '';
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`no answer to "${line}" within ${timeoutMs} ms`));
      }, timeoutMs);
      s.on('connect', () => {
        s.write(JSON.stringify({ t: 'hello', v: 1, mode: 'batch' }) + '\n');
        line.split('\n').forEach((text, i) => s.write(JSON.stringify({ t: 'line', text, where: `-c ${i + 1}` }) + '\n'));
        s.write(JSON.stringify({ t: 'eof' }) + '\n');
      });
      s.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const f = JSON.parse(buf.slice(0, nl)) as { t: string; d?: string; code?: number };
          buf = buf.slice(nl + 1);
          if (f.t === 'out') out += f.d ?? '';
          if (f.t === 'exit') {
            clearTimeout(timer);
            s.end();
            resolve({ out, ms: performance.now() - t0 });
          }
        }
      });
      s.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  /** SIGTERM, then SIGKILL after 10 s; the exit code. */
  async stop(): Promise<number | null> {
    if (this.alive) this.proc.kill('SIGTERM');
    const code = await Promise.race([this.exited, sleep(10_000).then(() => 'timeout' as const)]);
    if (code === 'timeout') {
      this.proc.kill('SIGKILL');
      return this.exited;
    }
    return code;
  }
}

// ------------------------------------------------------------------------------ reading the shows

/** Health (and cause) of each real in `show info slb NAME`: { '1': 'ACT', '2': 'DEACT rst' }. */
export function realHealth(showInfo: string): Record<string, string> {
  const section = showInfo.split('\n    Real\n')[1]?.split('\n\n')[0]?.split('\n').slice(1) ?? [];
  return Object.fromEntries(section.map((l) => {
    const f = l.trim().split(/\s+/);
    // ID Name RIP Rport [Backup] Status G-SHDN Health [Cause] State-Time...
    const i = f.findIndex((w) => w === 'ACT' || w === 'DEACT' || w === 'N/A' || w === '-');
    const health = i >= 0 ? f[i]! : '?';
    const cause = i >= 0 && f[i + 1] !== undefined && !/^\d+$/.test(f[i + 1]!) ? ` ${f[i + 1]}` : '';
    return [f[0]!, `${health}${cause}`];
  }));
}

/** `Total sessions   : N` of `show info slb`. */
export function totalSessions(showInfo: string): number {
  const m = /^\s+Total sessions\s+:\s+(\d+)$/m.exec(showInfo);
  return m ? Number(m[1]) : -1;
}

/** Per-real total sessions of `show info slb` (Statistics / Real). */
export function realTotals(showInfo: string): Record<string, number> {
  const stats = showInfo.split('\n    Statistics\n')[1] ?? '';
  const rows = stats.split('\n').filter((l) => /^\s{11}\d+\s/.test(l));
  return Object.fromEntries(rows.map((l) => {
    const f = l.trim().split(/\s+/);
    return [f[0]!, Number(f[f.length - 1])];
  }));
}

/** The hit counter of filter `id` in `show info slb`. */
export function filterHits(showInfo: string, id = 1): number {
  const filters = showInfo.split('\n    Filter\n')[1]?.split('\n\n')[0] ?? '';
  const row = filters.split('\n').find((l) => l.trim().startsWith(`${id} `));
  if (row === undefined) return -1;
  const f = row.trim().split(/\s+/);
  return Number(f[6]);
}

/** The session rows of `show entry`. */
export function entryRows(showEntry: string): string[] {
  return showEntry.split('\n').filter((l) => /^(tcp|udp|icmp) /.test(l));
}

/** Waits until `show info slb NAME` gives every listed real the wanted health; returns the last reading. */
export async function waitHealth(pask: PaskServe, want: Record<string, string>, ms: number, slb = 'test'): Promise<Record<string, string>> {
  let last: Record<string, string> = {};
  await until(async () => {
    last = realHealth(await pask.cli(`show info slb ${slb}`));
    return Object.entries(want).every(([id, h]) => last[id] === h);
  }, ms, 250);
  return last;
}
