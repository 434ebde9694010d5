// A console or a batch for a remote operator (an SSH channel, a control-socket client): the same
// CliSession and Console as the local terminal, registered as a line of the appliance (so
// `show users` lists it, `clear line` and the idle timeout can end it).

import { StringDecoder } from 'node:string_decoder';
import type { Appliance } from '../appliance.js';
import { commandRegistry } from '../../commands/index.js';
import { batchSink, formatError, type BatchLine } from '../cli/batch.js';
import { CliSession, type ErrorReport } from '../cli/session.js';
import { verifySecret } from '../config/secrets.js';
import { Console } from '../console/console.js';
import { greeting } from '../console/greeting.js';
import type { Line, LineKind } from './sessions.js';

export interface RemoteOrigin {
  readonly kind: LineKind;
  /** '' when the transport has no user names. */
  readonly user: string;
  /** Shown by `show users`: `ssh 127.0.0.1:40222`, `socket`... */
  readonly from: string;
  readonly privilege: 1 | 15;
}

/** What a console writes to and how it hangs up. */
export interface RemoteTerminal {
  write(text: string): void;
  /** Ends the connection; `code` is 0 for a logout, 1 when the session was ended for it. */
  end(code: number): void;
}

export interface RemoteConsoleOptions extends RemoteOrigin {
  readonly cols: number;
  readonly rows: number;
  readonly color: boolean;
  readonly banner?: string;
}

function who(o: RemoteOrigin): string {
  return `${o.user ? `user ${o.user}` : 'a session'} from ${o.from}`;
}

/** An interactive console: keystrokes in, screen out. */
export class RemoteConsole {
  readonly session: CliSession;
  readonly line: Line;
  private readonly con: Console;
  private readonly decoder = new StringDecoder('utf8');
  private autoCols: number;
  private autoRows: number;
  private ended = false;
  private forced: string | null = null;
  readonly closed: Promise<void>;

  constructor(private readonly app: Appliance, private readonly term: RemoteTerminal, private readonly opts: RemoteConsoleOptions) {
    let con: Console | null = null;
    this.session = new CliSession(app, commandRegistry(), {
      privilege: opts.privilege,
      user: opts.user || undefined,
      interactive: true,
      askSecret: (p) => con!.askSecret(p),
      ask: (p) => con!.ask(p),
      verifySecret,
      from: opts.from,
    });
    this.autoCols = clampCols(opts.cols);
    this.autoRows = clampRows(opts.rows);
    this.session.terminalWidth = this.autoCols;
    this.session.terminalLength = this.autoRows;
    con = this.con = new Console(this.session, {
      write: (t) => { if (!this.ended) term.write(t); },
      // `terminal width` overrides the window (Netmiko sets 511 so long lines never scroll).
      width: () => this.session.terminalWidth,
      color: opts.color,
    });
    this.line = app.sessions.open({
      kind: opts.kind, user: opts.user, from: opts.from, session: this.session, interactive: true,
      busy: () => this.con.busy,
      close: (reason) => this.kill(reason),
    });
    app.log.add('session', `${who(opts)} opened console line ${this.line.id}`);
    this.closed = this.con.closed.then(() => this.finish());
    con.start(opts.banner ?? greeting(app));
  }

  /** Keystrokes from the operator. */
  feed(data: Buffer | string): void {
    this.app.sessions.touch(this.line);
    this.con.feed(typeof data === 'string' ? data : this.decoder.write(data));
  }

  /** The window changed: follows it unless `terminal width`/`length` set something else. */
  resize(cols: number, rows: number): void {
    const c = clampCols(cols), r = clampRows(rows);
    if (this.session.terminalWidth === this.autoCols) this.session.terminalWidth = c;
    if (this.session.terminalLength === this.autoRows) this.session.terminalLength = r;
    this.autoCols = c;
    this.autoRows = r;
  }

  /** The connection went away. */
  hangup(): void {
    this.ended = true;
    this.con.hangup();
  }

  /** Ends the session from outside (clear line, idle timeout, shutdown), telling the operator why. */
  kill(reason: string): void {
    if (this.ended || this.forced !== null) return;
    this.forced = reason;
    // After what the console already queued for this tick.
    queueMicrotask(() => {
      if (this.ended) return;
      this.term.write(`\r\n${reason}\r\n`);
      this.con.hangup();
    });
  }

  private finish(): void {
    this.app.sessions.remove(this.line);
    this.app.log.add('session', `${who(this.opts)} closed console line ${this.line.id}${this.forced ? `: ${this.forced.replace(/^% /, '')}` : ''}`);
    if (!this.ended) {
      this.ended = true;
      this.term.end(this.forced ? 1 : 0);
    }
  }
}

export interface BatchIO {
  out(text: string): void;
  err(text: string): void;
}

/**
 * A batch fed line by line as lines arrive (exec requests, piped SSH input, control-socket
 * batches): the lines run in order, each error goes to `err` as `WHERE: % ...`, and `done`
 * resolves with true when every line succeeded.
 */
export class RemoteBatch {
  readonly session: CliSession;
  readonly line: Line;
  private readonly queue: BatchLine[] = [];
  private eof = false;
  private running = false;
  private ok = true;
  private readonly abort = new AbortController();
  private resolveDone!: (ok: boolean) => void;
  readonly done: Promise<boolean>;
  private finished = false;

  constructor(private readonly app: Appliance, private readonly io: BatchIO, opts: RemoteOrigin) {
    this.session = new CliSession(app, commandRegistry(), { privilege: opts.privilege, user: opts.user || undefined, interactive: false, from: opts.from });
    this.done = new Promise((res) => (this.resolveDone = res));
    this.line = app.sessions.open({
      kind: opts.kind, user: opts.user, from: opts.from, session: this.session, interactive: false,
      busy: () => this.running,
      close: (reason) => this.kill(reason),
    });
  }

  push(line: BatchLine): void {
    if (this.eof) return;
    this.queue.push(line);
    void this.pump();
  }

  /** No more lines. */
  end(): void {
    this.eof = true;
    void this.pump();
  }

  /** Ends the batch now (the connection went away, clear line, shutdown): the running command
   * is aborted and whatever it still prints is dropped. */
  kill(reason?: string): void {
    if (this.finished) return;
    if (reason) this.io.err(`${reason}\n`);
    this.ok = false;
    this.abort.abort();
    this.queue.length = 0;
    this.eof = true;
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.app.sessions.remove(this.line);
    this.resolveDone(this.ok);
  }

  private async pump(): Promise<void> {
    if (this.running || this.finished) return;
    this.running = true;
    const io = { out: (t: string) => { if (!this.finished) this.io.out(t); }, err: (t: string) => { if (!this.finished) this.io.err(t); } };
    while (this.queue.length && !this.session.closed && !this.abort.signal.aborted) {
      const l = this.queue.shift()!;
      const sink = batchSink(io, l);
      this.app.sessions.touch(this.line);
      let e: ErrorReport | null;
      try {
        e = await this.session.execute(l.text, sink, this.abort.signal);
      } catch (err) {
        e = { message: `% Internal error: ${(err as Error).message}`, caretCol: null };
      }
      if (e && !this.finished) {
        this.ok = false;
        this.io.err(formatError(l.where, l.text, e));
      }
    }
    this.running = false;
    if (this.eof || this.session.closed || this.abort.signal.aborted) this.finish();
  }
}

function clampCols(n: number): number {
  return Number.isFinite(n) && n >= 10 ? Math.min(Math.floor(n), 1000) : 80;
}
function clampRows(n: number): number {
  return Number.isFinite(n) && n >= 0 ? Math.min(Math.floor(n), 512) : 24;
}
