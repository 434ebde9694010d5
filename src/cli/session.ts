// One operator's shell session: its mode, privilege and staged edit. Parses each line
// against the commands of the current mode (with the fallbacks network CLIs have) and runs it.

import type { Appliance } from '../appliance.js';
import type { RunningConfig } from '../config/model.js';
import type { ObjectKind } from '../config/objects.js';
import type { Actor } from '../observe/audit.js';
import { sortHelp, type HelpLine, type LineResult } from './grammar/command-set.js';
import { CliError } from './errors.js';
import type { Ctx } from './context.js';
import { promptFor, type Edit, type Frame, type SubMode } from './modes.js';
import type { EdgeosEdit } from './edgeos/candidate.js';
import { isJsonPipe, withPipes, type OutputSink } from './output.js';
import { commandTitle, type CommandRegistry, type CliCommandSet } from './registry.js';
import { configuredValues } from './values.js';

export interface SessionOptions {
  /** Highest privilege this session may reach without `enable`. */
  readonly privilege: 1 | 15;
  readonly user?: string;
  /** Batches and the terminal: whether errors show the line with a caret under it. */
  readonly interactive: boolean;
  /** Asks the operator for a secret (no echo); absent in batches. */
  readonly askSecret?: (prompt: string) => Promise<string | null>;
  /** Checks an enable secret against the configured hash. */
  readonly verifySecret?: (secret: string, hash: string) => boolean;
  /** Asks the operator a question (echoed); absent in batches. */
  readonly ask?: (prompt: string) => Promise<string | null>;
  /** Where the session comes from, for the audit trail: `console`, `batch FILE`, `ssh ADDR:PORT`... */
  readonly from?: string;
  /** Record committed changes in the log (not while the start-up configuration loads). Default true. */
  readonly audit?: boolean;
  /** The local console: leaving it ends the appliance, so it asks before dropping unsaved changes. */
  readonly local?: boolean;
}

export interface ErrorReport {
  readonly message: string;
  /** Column of the `^` under the offending token, in the line as typed. */
  readonly caretCol: number | null;
}

export class CliSession {
  privileged: boolean;
  private frames: Frame[] = [{ mode: 'exec' }];
  terminalLength = 24;
  terminalWidth = 80;
  readonly user: string | undefined;
  readonly interactive: boolean;
  /** The local console (see SessionOptions.local). */
  readonly local: boolean;
  private readonly maxPrivilege: 1 | 15;
  closed = false;

  constructor(readonly appliance: Appliance, readonly registry: CommandRegistry, opts: SessionOptions) {
    this.privileged = opts.privilege === 15;
    this.maxPrivilege = opts.privilege;
    this.user = opts.user;
    this.interactive = opts.interactive;
    this.local = opts.local === true;
    this.opts = opts;
  }
  private readonly opts: SessionOptions;

  /** Who this session is, for the log. */
  actor(): Actor {
    const line = this.appliance.sessions.lineOf(this);
    return { user: this.user ?? '', from: this.opts.from ?? (this.interactive ? 'console' : 'batch'), ...(line ? { line: line.id } : {}) };
  }

  /** `enable`: privileged mode, directly for a privilege-15 user, else with the enable secret. */
  async enable(_ctx: Ctx): Promise<void> {
    if (this.privileged) return;
    if (this.maxPrivilege === 15) { this.privileged = true; return; }
    const hash = this.appliance.config.enableSecretHash;
    if (hash === null) {
      this.appliance.audit.privilegeRefused(this.actor(), 'no enable secret is set');
      throw new CliError('% No enable secret is set (configure one with "enable secret" as a privileged user)');
    }
    if (!this.opts.askSecret || !this.opts.verifySecret) throw new CliError('% enable needs an interactive session');
    const given = await this.opts.askSecret('Password: ');
    if (given === null || !this.opts.verifySecret(given, hash)) {
      this.appliance.audit.privilegeRefused(this.actor(), given === null ? 'no password given' : 'wrong password');
      throw new CliError('% Access denied');
    }
    this.privileged = true;
  }

  /** Asks the operator a question (echoed); null when the session cannot ask (a batch) or it was abandoned. */
  async ask(prompt: string): Promise<string | null> {
    return this.opts.ask ? this.opts.ask(prompt) : null;
  }

  /** `exit` in exec mode: the front-end ends the session. */
  close(): void {
    this.closed = true;
  }

  get frame(): Frame {
    return this.frames[this.frames.length - 1]!;
  }

  prompt(): string {
    return promptFor(this.appliance.config.hostname, this.frame, this.privileged);
  }

  /**
   * Runs one line. Output goes to `sink`; a failure is returned (and nothing was changed).
   */
  async execute(line: string, sink: OutputSink, signal: AbortSignal = new AbortController().signal): Promise<ErrorReport | null> {
    const text = line.trim();
    if (text === '' || text.startsWith('!') || text.startsWith('#')) return null;
    const r = this.resolve(line);
    if (r.kind === 'empty') return null;
    if (r.kind === 'error') return { message: r.message, caretCol: r.caretCol };
    try {
      if (r.leave) this.leaveSubmode(sink);
      await this.runParsed(r, sink, signal);
      return null;
    } catch (e) {
      if (e instanceof CliError) return { message: e.message, caretCol: null };
      throw e;
    }
  }

  /** `do LINE`: an exec command from a configuration mode, without leaving it. */
  async runExec(line: string, sink: OutputSink, signal: AbortSignal): Promise<void> {
    const r = this.registry.set('exec', true).parse(line);
    if (r.kind === 'empty') return;
    if (r.kind === 'error') throw new CliError(r.message);
    await this.runParsed(r, sink, signal);
  }

  /** Runs a parsed command behind its pipes (`| json` first: its structured output instead of the text). */
  private async runParsed(r: Extract<LineResult<Ctx>, { kind: 'ok' }>, sink: OutputSink, signal: AbortSignal): Promise<void> {
    const json = r.pipes.length > 0 && isJsonPipe(r.pipes[0]!);
    const pipe = withPipes(json ? r.pipes.slice(1) : r.pipes, sink);
    const ctx = this.context(pipe.sink, signal);
    if (json) {
      if (!r.command.json) throw new CliError(`% "${commandTitle(r.command.syntax)}" has no JSON output: "| json" works after ${this.registry.jsonCommands().join(', ')}`);
      pipe.sink.write(`${JSON.stringify(await r.command.json.of(ctx, r.args), null, 2)}\n`);
    } else {
      await r.command.run(ctx, r.args);
    }
    pipe.end();
  }

  help(line: string): string {
    const rows: HelpLine[] = [];
    let firstError: string | null = null;
    let any = false;
    const values = configuredValues(this.appliance.config);
    for (const { set } of this.candidateSets()) {
      const h = set.help(line, values);
      if (Array.isArray(h)) { rows.push(...h); any = true; } else firstError ??= h.error;
    }
    if (!any) return `${firstError ?? '% Unrecognized command'}\n`;
    const sorted = sortHelp(rows);
    const w = Math.max(...sorted.map((r) => r.word.length));
    return sorted.map((r) => `  ${r.word.padEnd(w)}  ${r.help}`.trimEnd()).join('\n') + '\n';
  }

  complete(line: string): { line: string; choices: string[] } {
    const choices = new Set<string>();
    let completed: string | null = null;
    const values = configuredValues(this.appliance.config);
    for (const { set } of this.candidateSets()) {
      const c = set.complete(line, values);
      if (c.line !== line && c.choices.length === 0 && completed === null) completed = c.line;
      for (const x of c.choices) choices.add(x);
    }
    if (completed !== null && choices.size === 0) return { line: completed, choices: [] };
    return { line, choices: [...choices] };
  }

  /** Leaves the current mode (`exit`). */
  exit(sink: OutputSink): 'closed' | 'ok' {
    const f = this.frame;
    if (f.mode === 'exec') return 'closed';
    if (f.mode !== 'config') this.leaveSubmode(sink);
    else this.frames.pop();
    return 'ok';
  }

  /** Back to privileged exec mode (`end`, Ctrl-Z). */
  end(sink: OutputSink): void {
    if (this.frame.mode !== 'config' && this.frame.mode !== 'exec') this.leaveSubmode(sink);
    this.frames = [{ mode: 'exec' }];
  }

  enterConfig(): void {
    this.frames = [{ mode: 'exec' }, { mode: 'config' }];
  }

  /** EdgeOS-style configuration mode (`configure`): `set` lines edit `edit`'s candidate. */
  enterEdgeos(edit: EdgeosEdit): void {
    this.frames = [{ mode: 'exec' }, { mode: 'edgeos', edgeos: edit }];
  }

  enterSubmode<T>(kind: ObjectKind<T>, key: string | number, sink: OutputSink): void {
    if (this.frame.mode !== 'config' && this.frame.mode !== 'exec') this.leaveSubmode(sink);
    const base = kind.find(this.appliance.config, key as never);
    const edit: Edit<T> = { kind, key, base, draft: base ?? kind.create(key as never), changes: [] };
    this.frames = [{ mode: 'exec' }, { mode: 'config' }, { mode: kind.id as SubMode, edit: edit as Edit }];
  }

  /** Staged changes not yet applied, if in a sub-mode. */
  pendingEdit(): Edit | null {
    const f = this.frame;
    return f.mode !== 'exec' && f.mode !== 'config' && f.mode !== 'edgeos' ? f.edit : null;
  }

  /** Validates the staged object with the rest of the running config and installs it. */
  apply(): void {
    const edit = this.pendingEdit();
    if (!edit) throw new CliError('% Nothing to apply outside an object\'s mode');
    const cfg = this.appliance.config;
    const current = edit.kind.find(cfg, edit.key as never);
    if (current !== edit.base) {
      throw new CliError(`% ${edit.kind.id} ${edit.key} was changed by another session since you started editing it: exit and edit it again`);
    }
    const next = edit.kind.put(cfg, edit.draft);
    this.commitOrThrow(next);
    edit.base = edit.draft;
    edit.changes = [];
  }

  commitOrThrow(next: RunningConfig): void {
    const prev = this.appliance.config;
    const errs = this.appliance.store.commit(next);
    if (errs.length) throw new CliError(errs.join('\n'));
    if (this.opts.audit !== false) this.appliance.audit.configChanged(this.actor(), this.registry.renderConfig(prev), this.registry.renderConfig(next));
  }

  private leaveSubmode(sink: OutputSink): void {
    const edit = this.pendingEdit();
    if (edit && (edit.changes.length > 0 || edit.base === undefined)) {
      const staged = edit.changes.length ? ` (${[...new Set(edit.changes)].join(', ')})` : '';
      const message = edit.base === undefined
        ? `% ${edit.kind.id} ${edit.key} was never applied: discarded${staged}`
        : `% ${edit.kind.id} ${edit.key}: changes not applied, discarded${staged}`;
      if (sink.warn) sink.warn(message);
      else sink.write(`${message}\n`);
    }
    if (edit) this.frames.pop();
  }

  private candidateSets(): { set: CliCommandSet; leave: boolean }[] {
    const f = this.frame;
    if (f.mode === 'exec') return [{ set: this.registry.set('exec', this.privileged), leave: false }];
    const global = { set: this.registry.set('global', true), leave: false };
    if (f.mode === 'config') return [{ set: this.registry.set('config', true), leave: false }, global];
    if (f.mode === 'edgeos') return [{ set: this.registry.set('edgeos', true), leave: false }, global];
    return [{ set: this.registry.set(f.mode, true), leave: false }, global, { set: this.registry.set('config', true), leave: true }];
  }

  private resolve(line: string): LineResult<Ctx> & { leave?: boolean } | (Extract<LineResult<Ctx>, { kind: 'ok' }> & { leave: boolean }) {
    let worst: Extract<LineResult<Ctx>, { kind: 'error' }> | null = null;
    for (const { set, leave } of this.candidateSets()) {
      const r = set.parse(line);
      if (r.kind === 'ok') return { ...r, leave };
      if (r.kind === 'empty') return r;
      if (worst === null || r.at > worst.at) worst = r;
    }
    return worst!;
  }

  private context(sink: OutputSink, signal: AbortSignal): Ctx {
    const session = this;
    const cfg = this.appliance.config;
    const editOf = <T>(kind: ObjectKind<T>): Edit<T> => {
      const e = session.pendingEdit();
      if (!e || e.kind !== (kind as unknown)) throw new Error(`command definition bug: not in ${kind.id} mode`);
      return e as Edit<T>;
    };
    return {
      appliance: this.appliance,
      session: this,
      cfg,
      signal,
      write: (t) => sink.write(t),
      diag: (t) => (sink.diag ?? sink.write)(t),
      warn: (m) => (sink.warn ? sink.warn(m) : sink.write(`${m}\n`)),
      print: (...lines) => sink.write(lines.map((l) => l + '\n').join('')),
      draft: (kind) => editOf(kind).draft,
      stage: (kind, what, change) => {
        const e = editOf(kind);
        e.draft = change(e.draft);
        e.changes.push(what);
      },
      commit: (next) => session.commitOrThrow(next),
    };
  }
}
