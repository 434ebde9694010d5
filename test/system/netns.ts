// The namespace mechanics the newer topologies share (VXLAN, IPsec, GENEVE): a set of network
// namespaces named `pst<pid>x<n>-<role>` (so sweepStale() removes what a dead run left), a
// temporary directory, commands inside a role's namespace, veth pairs, children that end with
// it, and a teardown that runs once, also at process exit.

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteNamespace, must, nextPrefix, run, sweepStale, type Result } from './topology.js';

type ExecOptions = { input?: string; timeoutMs?: number };

export class NamespaceSet<R extends string> {
  readonly prefix = nextPrefix();
  readonly dir: string;
  private readonly namespaces: string[] = [];
  private readonly children = new Set<ChildProcess>();
  private destroyed = false;

  protected constructor() {
    sweepStale();
    this.dir = mkdtempSync(join(tmpdir(), `${this.prefix}-`));
    process.once('exit', () => this.destroyNow());
  }

  ns(role: R): string {
    return `${this.prefix}-${role}`;
  }

  /** Runs argv inside the role's namespace; throws unless it exits 0. */
  x(role: R, argv: string[], opts: ExecOptions = {}): string {
    return must('ip', ['netns', 'exec', this.ns(role), ...argv], opts);
  }

  tryX(role: R, argv: string[], opts: ExecOptions = {}): Result {
    return run('ip', ['netns', 'exec', this.ns(role), ...argv], opts);
  }

  /** `ip -n NS ARGS...` */
  ip(role: R, ...args: string[]): string {
    return must('ip', ['-n', this.ns(role), ...args]);
  }

  /** Starts argv inside the role's namespace as a child that the teardown ends (any role name: PaskServe asks for `pask`). */
  spawn(role: string, argv: string[], opts: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.ns(role as R), ...argv], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    this.children.add(child);
    const gone = (): void => {
      this.children.delete(child);
    };
    child.on('exit', gone);
    child.on('error', gone);
    return child;
  }

  protected addNs(role: R): void {
    must('ip', ['netns', 'add', this.ns(role)]);
    this.namespaces.push(this.ns(role));
    this.ip(role, 'link', 'set', 'lo', 'up');
    // No IPv6: nothing but the test's own traffic (no router solicitations, no DAD).
    this.x(role, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  }

  /** A veth pair `a`@ra — `b`@rb, both up, with the given MTU (default the kernel's 1500). */
  protected veth(ra: R, a: string, rb: R, b: string, mtu?: number): void {
    const m = mtu === undefined ? [] : ['mtu', String(mtu)];
    this.ip(ra, 'link', 'add', a, ...m, 'type', 'veth', 'peer', 'name', b, ...m, 'netns', this.ns(rb));
    this.ip(ra, 'link', 'set', a, 'up');
    this.ip(rb, 'link', 'set', b, 'up');
  }

  /** Ends every child and every process in the namespaces, deletes them and the directory. Idempotent. */
  destroyNow(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const c of this.children) {
      try {
        c.kill('SIGKILL');
      } catch {
        // gone
      }
    }
    for (const ns of [...this.namespaces].reverse()) deleteNamespace(ns);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
