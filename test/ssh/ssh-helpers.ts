// An in-process SSH server on an in-process appliance, and an ssh2 client to drive it.
import ssh2 from 'ssh2';
import type { ClientChannel, ConnectConfig } from 'ssh2';
import type { Appliance } from '../../src/appliance.js';
import { ephemeralHostKey } from '../../src/ssh/host-key.js';
import { SshServer, type SshServerOptions } from '../../src/ssh/server.js';
import { batch, newAppliance } from '../helpers/cli.js';

export interface Rig {
  app: Appliance;
  server: SshServer;
  port: number;
  close(): Promise<void>;
}

/** An appliance with the given users (batch lines run first) and an SSH server on 127.0.0.1. */
export async function rig(setup: string, opts: Partial<SshServerOptions> = {}): Promise<Rig> {
  const app = newAppliance();
  if (setup) {
    const r = await batch(app, setup);
    if (!r.ok) throw new Error(r.err);
  }
  const server = await SshServer.start(app, { listen: { host: '127.0.0.1', port: 0 }, hostKey: ephemeralHostKey(), ...opts });
  return {
    app, server, port: server.address().port,
    close: async () => {
      app.sessions.closeAll('% test over');
      await server.close();
    },
  };
}

export function connect(port: number, cfg: Omit<ConnectConfig, 'host' | 'port'>): Promise<ssh2.Client> {
  return new Promise((resolve, reject) => {
    const c = new ssh2.Client();
    c.on('ready', () => resolve(c));
    c.on('error', reject);
    c.connect({ host: '127.0.0.1', port, readyTimeout: 10000, tryKeyboard: false, ...cfg });
  });
}

/** The banner the server sent, and whether the login worked. */
export function tryLogin(port: number, cfg: Omit<ConnectConfig, 'host' | 'port'>): Promise<{ ok: boolean; banner: string; error: string }> {
  return new Promise((resolve) => {
    const c = new ssh2.Client();
    let banner = '';
    c.on('banner', (m: string) => (banner += m));
    c.on('ready', () => { c.end(); resolve({ ok: true, banner, error: '' }); });
    c.on('error', (e) => resolve({ ok: false, banner, error: e.message }));
    c.connect({ host: '127.0.0.1', port, readyTimeout: 20000, ...cfg });
  });
}

export function exec(c: ssh2.Client, command: string): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    c.exec(command, (err, ch) => {
      if (err) { reject(err); return; }
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      ch.on('data', (d: Buffer) => (stdout += d));
      ch.stderr.on('data', (d: Buffer) => (stderr += d));
      ch.on('exit', (c: number) => (code = c));
      ch.on('close', () => resolve({ stdout, stderr, code }));
    });
  });
}

/** A prompt at the end of the output (redrawn prompts start with \r and end with "erase line"). */
const PROMPT = /(?:^|\r\n|\r)([A-Za-z0-9._-]+(?:\([^)\r\n]*\))?[#>])(?:\x1b\[K)?$/;

/** An interactive shell (with a pty) driven line by line. */
export class Shell {
  buf = '';
  closed = false;
  exitCode: number | null = null;
  private waiters: (() => void)[] = [];

  private constructor(readonly ch: ClientChannel) {
    ch.on('data', (d: Buffer) => { this.buf += d.toString('utf8'); this.wake(); });
    ch.on('exit', (c: number) => (this.exitCode = c));
    ch.on('close', () => { this.closed = true; this.wake(); });
  }

  static open(c: ssh2.Client, win: { cols?: number; rows?: number } = {}): Promise<Shell> {
    return new Promise((resolve, reject) => {
      c.shell({ term: 'vt100', cols: win.cols ?? 80, rows: win.rows ?? 24 }, async (err, ch) => {
        if (err) { reject(err); return; }
        const s = new Shell(ch);
        await s.waitFor(PROMPT, 'the first prompt');
        resolve(s);
      });
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits until the output since `from` matches. */
  async waitFor(re: RegExp, what: string, from = 0, ms = 10000): Promise<RegExpExecArray> {
    const until = Date.now() + ms;
    for (;;) {
      const m = re.exec(this.buf.slice(from));
      if (m) return m;
      if (this.closed) throw new Error(`shell closed before ${what}:\n${JSON.stringify(this.buf.slice(from))}`);
      const left = until - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${ms} ms:\n${JSON.stringify(this.buf.slice(from))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => { clearTimeout(t); r(); });
      });
    }
  }

  get prompt(): string {
    return PROMPT.exec(this.buf)?.[1] ?? '';
  }

  /** Types a line, waits for the next prompt, returns the output between (without the echo). */
  async run(line: string): Promise<string> {
    const from = this.buf.length;
    this.ch.write(line + '\r');
    const m = await this.waitFor(PROMPT, `the prompt after "${line}"`, from);
    const text = this.buf.slice(from, from + m.index + (m[0].startsWith('\r\n') ? 2 : 0));
    const nl = text.indexOf('\r\n');
    return (nl >= 0 ? text.slice(nl + 2) : '').replace(/\r\n/g, '\n');
  }

  write(keys: string): void {
    this.ch.write(keys);
  }

  end(): void {
    this.ch.end();
  }
}
