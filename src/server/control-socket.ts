// The control socket of `pask serve`: a Unix socket (mode 0600: whoever may open it is the
// appliance's administrator) serving consoles and batches to `pask --connect` (protocol in
// ./protocol.ts). A stale socket file left by a dead server is replaced; a live one is not.

import { chmod, lstat, stat, unlink } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { Appliance } from '../appliance.js';
import { encodeFrame, FrameDecoder, PROTOCOL_VERSION, type ClientFrame, type ServerFrame } from './protocol.js';
import { RemoteBatch, RemoteConsole } from './remote-console.js';

/** Whether a server answers on the socket at `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code !== 'ECONNREFUSED' && e.code !== 'ENOENT'));
  });
}

export class ControlServer {
  private readonly conns = new Set<Socket>();
  private ino = -1;

  private constructor(private readonly app: Appliance, readonly path: string, private readonly server: Server) {}

  static async listen(app: Appliance, path: string): Promise<ControlServer> {
    const st = await lstat(path).catch(() => null);
    if (st) {
      if (!st.isSocket()) throw new Error(`% ${path} exists and is not a socket: not replacing it`);
      if (await answers(path)) throw new Error(`% ${path}: another appliance is serving on this control socket`);
      await unlink(path);
    }
    let cs: ControlServer | null = null;
    const server = createServer((sock) => cs!.onConnection(sock));
    cs = new ControlServer(app, path, server);
    // Created with no access for group and others, so nobody else can connect even briefly.
    let oldMask: number | null = null;
    try { oldMask = process.umask(0o177); } catch { /* not allowed in workers: chmod below */ }
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => { server.off('error', reject); resolve(); });
      });
    } finally {
      if (oldMask !== null) process.umask(oldMask);
    }
    await chmod(path, 0o600);
    cs.ino = (await stat(path)).ino;
    app.log.add('socket', `control socket ${path}`);
    return cs;
  }

  /** Stops listening, drops the connections and removes the socket file (if it is still ours). */
  async close(): Promise<void> {
    const closed = new Promise<void>((res) => this.server.close(() => res()));
    for (const c of this.conns) c.end();
    setTimeout(() => { for (const c of this.conns) c.destroy(); }, 1000).unref();
    await Promise.race([closed, new Promise((r) => setTimeout(r, 2000).unref())]);
    const st = await stat(this.path).catch(() => null);
    if (st && st.ino === this.ino) await unlink(this.path).catch(() => {});
  }

  private onConnection(sock: Socket): void {
    this.conns.add(sock);
    const decoder = new FrameDecoder<ClientFrame>();
    let open = true;
    const send = (f: ServerFrame) => { if (open && sock.writable) sock.write(encodeFrame(f)); };
    const finish = (code: number) => {
      send({ t: 'exit', code });
      open = false;
      sock.end();
    };
    let con: RemoteConsole | null = null;
    let batch: RemoteBatch | null = null;
    const origin = (user: string | undefined, what: string) => ({ kind: 'socket' as const, user: user ?? '', from: what, privilege: 15 as const });

    const onFrame = (f: ClientFrame) => {
      if (!con && !batch) {
        if (f.t !== 'hello' || f.v !== PROTOCOL_VERSION) {
          send({ t: 'err', d: `% Control socket protocol: expected hello version ${PROTOCOL_VERSION}\n` });
          finish(2);
          return;
        }
        if (f.mode === 'console') {
          con = new RemoteConsole(this.app, { write: (d) => send({ t: 'out', d }), end: (code) => finish(code) }, {
            ...origin(f.user, 'socket'), cols: f.cols ?? 80, rows: f.rows ?? 24, color: f.color === true,
          });
        } else {
          const b = batch = new RemoteBatch(this.app, { out: (d) => send({ t: 'out', d }), err: (d) => send({ t: 'err', d }) }, origin(f.user, 'socket batch'));
          void b.done.then((ok) => finish(ok ? 0 : 1));
        }
        return;
      }
      if (con) {
        if (f.t === 'in') con.feed(f.d);
        else if (f.t === 'resize') con.resize(f.cols, f.rows);
      } else if (batch) {
        if (f.t === 'line') batch.push({ text: String(f.text), where: String(f.where) });
        else if (f.t === 'eof') batch.end();
      }
    };

    sock.on('data', (chunk) => {
      let frames: ClientFrame[];
      try {
        frames = decoder.feed(chunk);
      } catch (e) {
        send({ t: 'err', d: `% Control socket protocol: ${(e as Error).message}\n` });
        finish(2);
        return;
      }
      for (const f of frames) onFrame(f);
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      open = false;
      this.conns.delete(sock);
      (con as RemoteConsole | null)?.hangup();
      (batch as RemoteBatch | null)?.kill();
    });
  }
}
