// An operator console over any terminal-like stream (the local TTY, an SSH channel): line
// editing, history, `?` help, Tab completion, paging, Ctrl-C and Ctrl-Z. Type-ahead (a pasted
// configuration) is kept and run line by line.

import { Chalk, type ChalkInstance } from 'chalk';
import type { CliSession, ErrorReport } from '../cli/session.js';
import { KeyDecoder, type Key } from './keys.js';
import { LineEditor } from './line-editor.js';
import { Pager } from './pager.js';

export interface TerminalIO {
  write(text: string): void;
  /** Columns of the terminal. */
  width(): number;
  readonly color: boolean;
}

export class Console {
  private readonly editor = new LineEditor();
  private readonly decoder = new KeyDecoder();
  private readonly pager: Pager;
  private readonly chalk: ChalkInstance;
  private keys: Key[] = [];
  private state: 'edit' | 'running' | 'secret' | 'closed' = 'edit';
  private abort: AbortController | null = null;
  private secret: { text: string; echo: boolean; done: (s: string | null) => void } | null = null;
  private closedResolve!: () => void;
  readonly closed: Promise<void>;
  /** The plain text on the cursor's row, the cursor at its end ('' at the start of a fresh row);
   * null when unknown. Lets typing at the end of the line echo just the new characters, as
   * network CLIs do, so scripts and tools driving the console (Netmiko) see a plain echo. */
  private row: string | null = '';
  /** Output of the current tick, written as one chunk (one SSH packet, one terminal update). */
  private pendingOut = '';

  constructor(private readonly session: CliSession, private readonly io: TerminalIO) {
    this.chalk = new Chalk({ level: io.color ? 1 : 0 });
    this.pager = new Pager((t) => this.out(t), () => session.terminalLength, () => this.abort?.abort());
    this.closed = new Promise((res) => (this.closedResolve = res));
  }

  start(banner?: string): void {
    if (banner) this.out(banner);
    this.showPrompt();
  }

  /** Asks for a secret without echo (used by `enable`). */
  askSecret(prompt: string): Promise<string | null> {
    return this.question(prompt, false);
  }

  /** Asks a question, echoing the answer (`Save? [yes/no]:`); null on Ctrl-C. */
  ask(prompt: string): Promise<string | null> {
    return this.question(prompt, true);
  }

  private question(prompt: string, echo: boolean): Promise<string | null> {
    return new Promise((done) => {
      this.out(prompt);
      this.secret = { text: '', echo, done };
      const before = this.state;
      this.state = 'secret';
      const finish = done;
      this.secret.done = (s) => {
        this.state = before;
        this.secret = null;
        this.out('\n');
        finish(s);
      };
      this.pump();
    });
  }

  /** True while a command runs (the session is not idle); waiting at `--More--` is idle. */
  get busy(): boolean {
    return this.state === 'running' && !this.pager.waiting;
  }

  /** Input from the terminal. */
  feed(chunk: string): void {
    if (this.state === 'closed') return;
    for (const k of this.decoder.feed(chunk)) {
      if (this.state === 'running' && k.k === 'ctrl-c' && !this.pager.waiting) {
        this.abort?.abort();
        this.out('^C\n');
        continue;
      }
      this.keys.push(k);
    }
    this.pump();
  }

  /** The connection went away. */
  hangup(): void {
    this.abort?.abort();
    this.finish();
  }

  private pump(): void {
    while (this.keys.length && this.state !== 'closed') {
      if (this.pager.waiting) {
        const k = this.keys.shift()!;
        this.pager.key(k.k === 'enter' ? 'enter' : k.k === 'ctrl-c' || (k.k === 'text' && k.text.startsWith('q')) ? 'quit' : 'space');
        continue;
      }
      if (this.state === 'secret') { this.secretKey(this.keys.shift()!); continue; }
      if (this.state !== 'edit') return;
      this.editKey(this.keys.shift()!);
    }
  }

  private secretKey(k: Key): void {
    const s = this.secret!;
    if (k.k === 'text') {
      s.text += k.text;
      if (s.echo) this.emit(k.text);
    } else if (k.k === 'backspace') {
      if (s.echo && s.text) this.emit('\b \b');
      s.text = s.text.slice(0, -1);
    } else if (k.k === 'enter') s.done(s.text);
    else if (k.k === 'ctrl-c') { if (s.echo) this.emit('^C'); s.done(null); }
  }

  private editKey(k: Key): void {
    const e = this.editor;
    switch (k.k) {
      case 'text': e.insert(k.text); break;
      case 'backspace': e.backspace(); break;
      case 'delete': e.deleteForward(); break;
      case 'left': e.left(); break;
      case 'right': e.right(); break;
      case 'home': e.home(); break;
      case 'end': e.end(); break;
      case 'up': e.up(); break;
      case 'down': e.down(); break;
      case 'kill-end': e.killEnd(); break;
      case 'kill-line': e.killLine(); break;
      case 'kill-word': e.killWord(); break;
      case 'redraw': this.out('\n'); break;
      case 'ignore': return;
      case 'help': {
        this.out(`${e.render(this.session.prompt(), this.io.width())}?\n`);
        this.out(this.session.help(e.buffer.slice(0, e.cursor)));
        break;
      }
      case 'tab': {
        const before = e.buffer.slice(0, e.cursor);
        const c = this.session.complete(before);
        if (c.choices.length) {
          this.out('\n' + columns(c.choices, this.io.width()));
        }
        if (c.line !== before) {
          e.set(c.line + e.buffer.slice(e.cursor));
          e.cursor = c.line.length;
        }
        break;
      }
      case 'ctrl-c':
        // As on IOS: the line is abandoned, and a configuration mode is left for exec mode.
        this.out(`${e.render(this.session.prompt(), this.io.width())}^C\n`);
        e.killLine();
        if (this.session.frame.mode !== 'exec') this.session.end(this.screenSink());
        break;
      case 'ctrl-z':
        this.out('^Z\n');
        e.killLine();
        this.session.end(this.screenSink());
        break;
      case 'ctrl-d':
        // On an empty exec line: as typing exit (which asks about unsaved changes on the local console).
        if (e.buffer === '' && this.session.frame.mode === 'exec') {
          const prompt = this.session.prompt();
          this.out(`${e.render(prompt, this.io.width())}exit\n`);
          void this.run('exit', prompt);
          return;
        }
        e.deleteForward();
        break;
      case 'enter': {
        const prompt = this.session.prompt();
        this.out(this.row === prompt + e.buffer ? '\n' : `${e.render(prompt, this.io.width())}\n`);
        void this.run(e.take(), prompt);
        return;
      }
    }
    this.redraw();
  }

  private async run(line: string, prompt: string): Promise<void> {
    this.state = 'running';
    this.abort = new AbortController();
    this.pager.reset();
    let err: ErrorReport | null = null;
    try {
      err = await this.session.execute(line, {
        write: (t) => this.pager.write(t),
        diag: (t) => this.pager.write(t),
        warn: (m) => this.pager.write(`${this.chalk.yellow(m)}\n`),
      }, this.abort.signal);
    } catch (e) {
      err = { message: `% Internal error: ${(e as Error).message}`, caretCol: null };
    }
    await this.pager.drained();
    if (err) {
      if (err.caretCol !== null) this.out(`${' '.repeat(prompt.length + err.caretCol)}^\n`);
      this.out(`${this.chalk.red(err.message)}\n`);
    }
    this.abort = null;
    if (this.session.closed) { this.finish(); return; }
    this.state = 'edit';
    this.showPrompt();
    this.pump();
  }

  /** Straight to the screen (notices outside a command's output). */
  private screenSink() {
    return { write: (t: string) => this.out(t), warn: (m: string) => this.out(`${this.chalk.yellow(m)}\n`) };
  }

  private showPrompt(): void {
    this.redraw();
  }

  private redraw(): void {
    const e = this.editor;
    const prompt = this.session.prompt();
    const plain = prompt + e.buffer;
    const fits = e.buffer.length <= Math.max(10, this.io.width() - prompt.length - 1);
    const atEnd = e.cursor === e.buffer.length;
    if (fits && atEnd && this.row !== null && plain.startsWith(this.row) && (this.row === '' || this.row.length >= prompt.length)) {
      // Only characters added at the end of the line: echo them.
      this.emit(this.row === '' ? this.chalk.bold(prompt) + e.buffer : plain.slice(this.row.length));
      this.row = plain;
      return;
    }
    this.emit(e.render(this.chalk.bold(prompt), this.io.width() + (this.chalk.level ? 8 : 0)));
    this.row = fits && atEnd ? plain : null;
  }

  private out(text: string): void {
    if (text === '') return;
    this.emit(text.replace(/\r?\n/g, '\r\n'));
    this.row = text.endsWith('\n') ? '' : null;
  }

  private emit(text: string): void {
    if (this.pendingOut === '') {
      queueMicrotask(() => {
        const t = this.pendingOut;
        this.pendingOut = '';
        if (t) this.io.write(t);
      });
    }
    this.pendingOut += text;
  }

  private finish(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closedResolve();
  }
}

function columns(words: string[], width: number): string {
  const w = Math.max(...words.map((x) => x.length)) + 2;
  const per = Math.max(1, Math.floor(width / w));
  const rows: string[] = [];
  for (let i = 0; i < words.length; i += per) rows.push(words.slice(i, i + per).map((x) => x.padEnd(w)).join('').trimEnd());
  return rows.join('\n') + '\n';
}
