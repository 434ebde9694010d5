// Runs `pask serve` as a child process with a temporary PASK_HOME and control socket.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PASK, tempHome } from '../helpers/pask.js';

export interface Served {
  readonly proc: ChildProcess;
  readonly home: string;
  readonly sock: string;
  /** The SSH port when started with --ssh. */
  readonly sshPort: number | null;
  /** The host key fingerprint printed at start (with --ssh). */
  readonly fingerprint: string | null;
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

export async function serve(args: string[] = [], opts: { home?: string; sock?: string; ssh?: boolean } = {}): Promise<Served> {
  const home = opts.home ?? tempHome();
  const sock = opts.sock ?? join(home, 'pask.sock');
  const all = ['serve', '--socket', sock, ...(opts.ssh ? ['--ssh', '127.0.0.1:0'] : []), ...args];
  const proc = spawn(process.execPath, [PASK, ...all], {
    env: { ...process.env, PASK_HOME: home, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stdout!.on('data', () => {});
  const exited = new Promise<number | null>((res) => proc.on('exit', (code) => res(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pask serve did not start:\n${err}`)), 20000);
    proc.stderr!.on('data', (d) => {
      err += d;
      if (err.includes('pask serve: ready')) { clearTimeout(timer); resolve(); }
    });
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`pask serve exited with ${code}:\n${err}`)); });
  });
  const port = /ssh listening on 127\.0\.0\.1:(\d+)/.exec(err);
  const fp = /host key (SHA256:\S+)/.exec(err);
  return {
    proc, home, sock, exited,
    sshPort: port ? Number(port[1]) : null,
    fingerprint: fp ? fp[1]! : null,
    stderr: () => err,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
  };
}
