// Operator consoles over SSH (ssh2). Users come from the running config: passwords
// (`username NAME password SECRET [privilege 1|15]`, checked against the scrypt hash) and public
// keys (`username NAME public-key "ssh-ed25519 ..."`). There is no built-in user: with none
// configured every login is refused with a banner that says how to add one.
//
// Per channel:
//   shell with a pty      the operator console (prompts, ?, Tab, history, paging, window size)
//   exec "CMD"            a batch of the command's lines (like `pask -c`): output on stdout,
//                         errors on stderr as `-c N: % ...`, exit status 0, or 1 if any failed
//   shell without a pty   a batch of the lines sent (`... | ssh host`), errors as `-:N: % ...`
// A privilege-15 user starts in `HOST#`; privilege 1 in `HOST>` (read-only `show` commands;
// `enable` asks for the enable secret).
//
// Failed logins are answered after a growing delay and logged (`show log`, facility auth); an
// address with too many recent failures is refused for a while.

import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import type {
  AuthContext, Connection, PseudoTtyInfo, ServerChannel, ServerConfig, Session,
} from 'ssh2';
import type { Appliance } from '../appliance.js';
import type { UserConfig } from '../config/model.js';
import { hashSecret, verifySecret } from '../config/secrets.js';
import { RemoteBatch, RemoteConsole, type RemoteOrigin } from '../server/remote-console.js';
import type { HostKey } from './host-key.js';
import { parseListen as parseListenAddress } from '../server/listen.js';
import { DEFAULT_THROTTLE, LoginThrottle, type ThrottleOptions } from './throttle.js';

export interface SshListen {
  readonly host: string;
  readonly port: number;
}

export interface SshServerOptions {
  readonly listen: SshListen;
  readonly hostKey: HostKey;
  readonly throttle?: ThrottleOptions;
  /** Time allowed to log in after connecting. */
  readonly loginGraceMs?: number;
}

const METHODS = ['publickey', 'password', 'keyboard-interactive'] as const;

export const NO_USERS_BANNER = [
  '% SSH logins are refused: no user account is configured on this appliance.',
  '% Add one from the local console, a batch or the control socket, for example:',
  '%   configure terminal',
  '%   username NAME password SECRET privilege 15',
  '',
].join('\r\n');

export class SshServer {
  private readonly net: NetServer;
  private readonly ssh: ssh2.Server;
  private readonly cfg: ServerConfig;
  private readonly throttle: LoginThrottle;
  private readonly clients = new Set<Connection>();
  private dummyHash: string | null = null;
  private closing = false;

  private constructor(private readonly app: Appliance, private readonly opts: SshServerOptions) {
    this.throttle = new LoginThrottle(opts.throttle ?? DEFAULT_THROTTLE);
    this.cfg = { hostKeys: [opts.hostKey.privateKey], ident: 'pask' };
    this.ssh = new ssh2.Server(this.cfg, (client, info) => this.onClient(client, info.ip, info.port));
    this.net = createServer((sock) => this.onSocket(sock));
  }

  static async start(app: Appliance, opts: SshServerOptions): Promise<SshServer> {
    const s = new SshServer(app, opts);
    await new Promise<void>((resolve, reject) => {
      s.net.once('error', reject);
      s.net.listen(opts.listen.port, opts.listen.host || undefined, () => {
        s.net.off('error', reject);
        resolve();
      });
    });
    s.net.on('error', (e) => app.log.add('ssh', `listener error: ${e.message}`));
    app.log.add('ssh', `listening on ${s.addressText()} (host key ${opts.hostKey.fingerprint})`);
    return s;
  }

  address(): AddressInfo {
    return this.net.address() as AddressInfo;
  }

  addressText(): string {
    const a = this.address();
    return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  }

  /** Stops listening and disconnects every client (their lines are ended first by the caller). */
  async close(): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((res) => this.net.close(() => res()));
    for (const c of this.clients) c.end();
    await Promise.race([closed, new Promise((r) => setTimeout(r, 2000).unref())]);
  }

  /** A TCP connection: the banner depends on the state of the moment (no users, a locked-out address). */
  private onSocket(sock: Socket): void {
    if (this.closing) { sock.destroy(); return; }
    sock.on('error', () => {});
    const addr = sock.remoteAddress ?? '?';
    const locked = this.throttle.lockedFor(addr);
    // ssh2 reads `banner` from its config when it takes the connection (synchronously, here).
    this.cfg.banner = locked > 0
      ? `% Too many failed logins from ${addr}: try again in ${Math.ceil(locked / 1000)} seconds\r\n`
      : this.usableUsers().length === 0 ? NO_USERS_BANNER : undefined;
    try {
      this.ssh.injectSocket(sock);
    } finally {
      this.cfg.banner = undefined;
    }
  }

  private usableUsers(): UserConfig[] {
    return this.app.config.users.filter((u) => u.passwordHash !== null || u.publicKeys.length > 0);
  }

  private onClient(client: Connection, ip: string, port: number): void {
    this.clients.add(client);
    const from = `${ip}:${port}`;
    let user: UserConfig | null = null;
    const refused = { logged: false };
    const grace = setTimeout(() => { if (!user) client.end(); }, this.opts.loginGraceMs ?? 60_000);
    grace.unref();
    client.on('error', () => {});
    client.on('close', () => {
      clearTimeout(grace);
      this.clients.delete(client);
    });
    client.on('authentication', (ctx) => {
      void this.authenticate(ctx, ip, from, refused, (u) => { user = u; }).catch(() => {});
    });
    client.on('ready', () => {
      clearTimeout(grace);
      const u = user!;
      this.app.log.add('auth', `user ${u.name} logged in over SSH from ${from}`);
      client.on('session', (accept) => this.onSession(accept(), u, from));
    });
  }

  /** Decides one authentication request; `onUser` learns the user before the login completes. */
  private async authenticate(ctx: AuthContext, ip: string, from: string, refused: { logged: boolean }, onUser: (u: UserConfig) => void): Promise<void> {
    const locked = this.throttle.lockedFor(ip);
    const why = locked > 0 ? `address locked out for ${Math.ceil(locked / 1000)} s more`
      : this.usableUsers().length === 0 ? 'no user account is configured' : null;
    if (why !== null) {
      if (!refused.logged) this.app.log.add('auth', `login refused for ${ctx.username} from ${from}: ${why}`);
      refused.logged = true;
      ctx.reject([]);
      return;
    }
    const user = this.app.config.users.find((u) => u.name === ctx.username) ?? null;
    switch (ctx.method) {
      case 'none':
        ctx.reject([...METHODS]);
        return;
      case 'password':
        return this.checkPassword(ctx, user, ctx.password, ip, from, onUser);
      case 'keyboard-interactive':
        return new Promise((resolve) => {
          ctx.prompt([{ prompt: 'Password: ', echo: false }], (answers) => {
            if (!Array.isArray(answers)) { resolve(); return; }
            resolve(this.checkPassword(ctx, user, answers[0] ?? '', ip, from, onUser));
          });
        });
      case 'publickey': {
        const key = user ? matchingKey(user, ctx.key.data) : null;
        if (!key) {
          // An offered key nobody has: not a failure (clients offer each of their keys in turn).
          ctx.reject([...METHODS]);
          return;
        }
        if (!ctx.signature || !ctx.blob) { ctx.accept(); return; } // "would you take this key?"
        if (key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) { this.succeed(ctx, user!, ip, onUser); return; }
        await this.fail(ctx, ip, from, 'bad public key signature');
        return;
      }
      default:
        ctx.reject([...METHODS]);
    }
  }

  private async checkPassword(ctx: AuthContext, user: UserConfig | null, password: string, ip: string, from: string, onUser: (u: UserConfig) => void): Promise<void> {
    // Unknown users cost the same scrypt as known ones.
    const hash = user?.passwordHash ?? (this.dummyHash ??= hashSecret(randomBytes(16).toString('hex')));
    const ok = verifySecret(password, hash) && user !== null && user.passwordHash !== null;
    if (ok) { this.succeed(ctx, user!, ip, onUser); return; }
    await this.fail(ctx, ip, from, user ? 'wrong password' : 'unknown user');
  }

  private succeed(ctx: AuthContext, user: UserConfig, ip: string, onUser: (u: UserConfig) => void): void {
    this.throttle.succeed(ip);
    onUser(user);
    ctx.accept();
  }

  private async fail(ctx: AuthContext, ip: string, from: string, why: string): Promise<void> {
    const f = this.throttle.fail(ip);
    this.app.log.add('auth', `login failed for ${ctx.username} from ${from}: ${why} (${f.failures} recent failure${f.failures === 1 ? '' : 's'})`);
    if (f.lockedOut) {
      this.app.log.add('auth', `address ${ip} locked out for ${Math.round(this.throttle.opts.lockoutMs / 1000)} s after ${f.failures} failed logins`);
    }
    await new Promise((r) => setTimeout(r, f.delayMs));
    try {
      ctx.reject(f.lockedOut ? [] : [...METHODS]);
    } catch { /* the client went away meanwhile */ }
  }

  private onSession(session: Session, user: UserConfig, from: string): void {
    let pty: PseudoTtyInfo | null = null;
    let con: RemoteConsole | null = null;
    let started = false;
    const origin = (what: string): RemoteOrigin => ({ kind: 'ssh', user: user.name, from: `${what} ${from}`, privilege: user.privilege });
    session.on('pty', (accept, _reject, info) => { pty = info; accept?.(); });
    session.on('window-change', (accept, _reject, info) => { con?.resize(info.cols, info.rows); accept?.(); });
    session.on('env', (accept) => accept?.());
    session.on('shell', (accept, reject) => {
      if (started) { reject?.(); return; }
      started = true;
      const ch = accept();
      if (pty) {
        con = new RemoteConsole(this.app, channelTerminal(ch), {
          ...origin('ssh'), cols: pty.cols, rows: pty.rows, color: false,
        });
        ch.on('data', (d: Buffer) => con!.feed(d));
        ch.on('close', () => con!.hangup());
      } else {
        this.batch(ch, origin('ssh batch'), null);
      }
    });
    session.on('exec', (accept, reject, info) => {
      if (started) { reject?.(); return; }
      started = true;
      this.batch(accept(), origin('ssh exec'), info.command);
    });
    session.on('subsystem', (_accept, reject) => reject?.());
    session.on('sftp', (_accept, reject) => reject?.());
  }

  /** A batch: the lines of an exec request's command, or else the lines the client sends. */
  private batch(ch: ServerChannel, origin: RemoteOrigin, command: string | null): void {
    const b = new RemoteBatch(this.app, {
      out: (t) => { if (ch.writable) ch.write(t); },
      err: (t) => { if (ch.writable) ch.stderr.write(t); },
    }, origin);
    ch.on('close', () => b.kill());
    if (command !== null) {
      const lines = command.split(/\r?\n/);
      if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
      lines.forEach((text, i) => b.push({ text, where: `-c ${i + 1}` }));
      b.end();
      ch.resume(); // what the client sends is not read
    } else {
      let n = 0;
      let rest = '';
      const dec = new TextDecoder();
      ch.on('data', (d: Buffer) => {
        rest += dec.decode(d, { stream: true });
        const parts = rest.split(/\r?\n/);
        rest = parts.pop()!;
        for (const text of parts) b.push({ text, where: `-:${++n}` });
      });
      ch.on('end', () => {
        if (rest !== '') b.push({ text: rest, where: `-:${++n}` });
        b.end();
      });
    }
    void b.done.then((ok) => {
      if (!ch.writable) return;
      ch.exit(ok ? 0 : 1);
      ch.end();
    });
  }
}

function channelTerminal(ch: ServerChannel) {
  return {
    write: (t: string) => { if (ch.writable) ch.write(t); },
    end: (code: number) => {
      if (!ch.writable) return;
      ch.exit(code);
      ch.end();
    },
  };
}

function matchingKey(user: UserConfig, blob: Buffer): ssh2.ParsedKey | null {
  for (const line of user.publicKeys) {
    const parsed = ssh2.utils.parseKey(line);
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (!key || key instanceof Error) continue;
    if (key.getPublicSSH().equals(blob)) return key;
  }
  return null;
}

/** `[ADDR:]PORT` (`2222`, `127.0.0.1:2222`, `[::1]:2222`); no address: every address. */
export function parseListen(spec: string): SshListen | null {
  return parseListenAddress(spec);
}
