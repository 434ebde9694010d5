// The lines (operator sessions) of one appliance: the local console, SSH shells and exec
// requests, control-socket consoles and batches. `show users` lists them, `clear line N` ends
// one, and the idle timeout (`exec-timeout`) ends consoles nobody has typed into for a while.
// Idle time is real time, even when the lab runs on a virtual clock.

import type { CliSession } from '../cli/session.js';

export type LineKind = 'console' | 'ssh' | 'socket';

export interface LineSpec {
  readonly kind: LineKind;
  /** The user name ('' when the line has none: the local console, the control socket). */
  readonly user: string;
  /** Where from: `console`, `socket`, or the SSH client's address and port. */
  readonly from: string;
  readonly session: CliSession;
  /** Batches and exec requests are not ended for being idle. */
  readonly interactive: boolean;
  /** True while a command runs (a running command is not idle). */
  busy(): boolean;
  /** Ends the session, telling its operator why (the front-end closes its connection). */
  close(reason: string): void;
}

export interface Line extends LineSpec {
  readonly id: number;
  readonly since: number;
  lastActive: number;
}

/** Default idle timeout of consoles, in milliseconds (10 minutes). */
export const DEFAULT_EXEC_TIMEOUT_MS = 10 * 60_000;

export class SessionRegistry {
  private readonly lines = new Map<number, Line>();
  private timer: NodeJS.Timeout | null = null;
  /** Idle timeout of SSH and control-socket consoles; 0: none. */
  private timeoutMs = DEFAULT_EXEC_TIMEOUT_MS;

  constructor(private readonly now: () => number = Date.now) {}

  get execTimeoutMs(): number {
    return this.timeoutMs;
  }
  set execTimeoutMs(ms: number) {
    this.timeoutMs = ms;
    this.arm();
  }

  /** Registers a line: the local console is line 0, every other one the lowest free number from 1. */
  open(spec: LineSpec): Line {
    let id = spec.kind === 'console' ? 0 : 1;
    while (this.lines.has(id)) id++;
    const t = this.now();
    const line: Line = { ...spec, busy: () => spec.busy(), close: (r) => spec.close(r), id, since: t, lastActive: t };
    this.lines.set(id, line);
    this.arm();
    return line;
  }

  remove(line: Line): void {
    if (this.lines.get(line.id) === line) this.lines.delete(line.id);
    this.arm();
  }

  /** The operator typed something (or a command finished): not idle. */
  touch(line: Line): void {
    line.lastActive = this.now();
  }

  list(): Line[] {
    return [...this.lines.values()].sort((a, b) => a.id - b.id);
  }

  get(id: number): Line | undefined {
    return this.lines.get(id);
  }

  /** The line a CLI session runs on. */
  lineOf(session: CliSession): Line | undefined {
    for (const l of this.lines.values()) if (l.session === session) return l;
    return undefined;
  }

  idleMs(line: Line): number {
    return line.busy() ? 0 : Math.max(0, this.now() - line.lastActive);
  }

  /** Ends every line (the appliance is shutting down). */
  closeAll(reason: string): void {
    for (const l of this.list()) l.close(reason);
  }

  /** Ends the consoles idle for longer than the timeout. Called by a timer; public for tests. */
  sweep(): void {
    if (this.timeoutMs <= 0) return;
    for (const l of this.list()) {
      if (!l.interactive || l.kind === 'console') continue;
      if (l.busy()) { l.lastActive = this.now(); continue; }
      if (this.now() - l.lastActive >= this.timeoutMs) {
        l.close(`% Idle timeout: no input for ${formatDuration(this.timeoutMs)} (exec-timeout); session closed`);
        this.remove(l);
      }
    }
  }

  /** Runs the sweep while there is something to time out; the timer never keeps the process alive. */
  private arm(): void {
    const needed = this.timeoutMs > 0 && [...this.lines.values()].some((l) => l.interactive && l.kind !== 'console');
    if (needed && !this.timer) {
      this.timer = setInterval(() => this.sweep(), 250);
      this.timer.unref();
    } else if (!needed && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}

/** `HH:MM:SS`, as `show users` prints idle times. */
export function formatIdle(ms: number): string {
  const s = Math.floor(ms / 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(Math.floor(s / 3600))}:${p(Math.floor((s % 3600) / 60))}:${p(s % 60)}`;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const m = Math.floor(s / 60);
  const parts: string[] = [];
  if (m) parts.push(`${m} minute${m === 1 ? '' : 's'}`);
  if (s % 60 || !m) parts.push(`${s % 60} second${s % 60 === 1 ? '' : 's'}`);
  return parts.join(' ');
}
