// Debian's monitoring tools as the observe tests run them: rsyslogd and prometheus started
// directly (no systemd) on loopback, each with its own configuration and runtime directory.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Why the tests that run `tool` cannot run here, or null. */
export function whyNot(tool: string, debianPackage: string): string | null {
  if (process.getuid?.() !== 0) return 'needs root (scripts/setup.sh --system installs the Debian packages as root)';
  const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
  return found ? null : `${tool} is not installed (Debian package ${debianPackage}, in scripts/debian-packages.txt)`;
}

/** A TCP port that was free a moment ago, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

export async function waitUntil<T>(what: string, get: () => T | null | Promise<T | null>, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v !== null && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ host: '127.0.0.1', port });
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

export interface Daemon {
  readonly dir: string;
  readonly proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function daemon(cmd: string, args: string[], dir: string): Daemon {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    dir, proc,
    output: () => out,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}

/** rsyslogd receiving on 127.0.0.1 (UDP and TCP), writing every message to `dir/messages.log`. */
export async function startRsyslog(): Promise<Daemon & { udpPort: number; tcpPort: number; log: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'pask-rsyslog-'));
  const udpPort = await freePort();
  const tcpPort = await freePort();
  const log = join(dir, 'messages.log');
  const conf = join(dir, 'rsyslog.conf');
  writeFileSync(conf, [
    `global(workDirectory="${dir}")`,
    'module(load="imudp")',
    'module(load="imtcp")',
    `input(type="imudp" address="127.0.0.1" port="${udpPort}")`,
    `input(type="imtcp" address="127.0.0.1" port="${tcpPort}")`,
    // One line per message: RFC 5424's fields as rsyslog parsed them.
    'template(name="pask" type="string" string="%protocol-version% %timereported:::date-rfc3339% %hostname% %app-name% %procid% %msgid% %syslogfacility-text%.%syslogseverity-text% %msg%\\n")',
    `*.* action(type="omfile" file="${log}" template="pask")`,
    '',
  ].join('\n'));
  const d = daemon('rsyslogd', ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')], dir);
  await waitUntil(`rsyslogd on 127.0.0.1:${tcpPort}:\n${d.output()}`, () => tcpOpen(tcpPort));
  return { ...d, udpPort, tcpPort, log };
}

/** prometheus scraping `target` every second, its API on 127.0.0.1. */
export async function startPrometheus(target: string): Promise<Daemon & { port: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'pask-prometheus-'));
  const port = await freePort();
  const conf = join(dir, 'prometheus.yml');
  writeFileSync(conf, [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    'scrape_configs:',
    '  - job_name: pask',
    '    static_configs:',
    `      - targets: ['${target}']`,
    '',
  ].join('\n'));
  const d = daemon('prometheus', [`--config.file=${conf}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], dir);
  await waitUntil(`prometheus on 127.0.0.1:${port}:\n${d.output()}`, () => tcpOpen(port), 60_000);
  return { ...d, port };
}

export function exists(path: string): boolean {
  return existsSync(path);
}
