// `pask --connect PATH`: a console (standard input a terminal, no -c/-f) or a batch against a
// running appliance, through its control socket (protocol in ./protocol.ts). A batch keeps the
// local contract: output on stdout, `WHERE: % ...` errors on stderr, exit 1 if any line failed.

import { readFile } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import { userInfo } from 'node:os';
import { linesOfCommands, linesOfFile, type BatchLine } from '../cli/batch.js';
import { encodeFrame, FrameDecoder, PROTOCOL_VERSION, type ClientFrame, type ServerFrame } from './protocol.js';

export interface ConnectOptions {
  readonly path: string;
  readonly commands: readonly string[];
  readonly file: string | null;
}

/** The Unix user running this process ('' when unknown). */
export function localUser(): string {
  try { return userInfo().username; } catch { return process.env.USER ?? ''; }
}

function connect(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection(path);
    s.once('connect', () => { s.off('error', reject); resolve(s); });
    s.once('error', reject);
  });
}

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((res) => stream.write(text, () => res()));
}

export async function runConnect(opts: ConnectOptions): Promise<number> {
  let lines: BatchLine[] | 'stdin' | null = null;
  if (opts.commands.length) lines = linesOfCommands(opts.commands);
  else if (opts.file !== null) {
    const text = await readFile(opts.file, 'utf8').catch(() => null);
    if (text === null) { process.stderr.write(`% Cannot read ${opts.file}\n`); return 1; }
    lines = linesOfFile(opts.file, text);
  } else if (!process.stdin.isTTY) lines = 'stdin';

  let sock: Socket;
  try {
    sock = await connect(opts.path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such socket (is "pask serve" running?)'
      : code === 'ECONNREFUSED' ? 'nobody is serving on it (is "pask serve" running?)'
        : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    process.stderr.write(`% Cannot connect to ${opts.path}: ${why}\n`);
    return 1;
  }
  const send = (f: ClientFrame) => { if (sock.writable) sock.write(encodeFrame(f)); };
  return lines === null ? consoleOver(sock, send) : batchOver(sock, send, lines);
}

/** Reads server frames until `exit`; resolves with its code (1 if the connection drops first). */
function serverFrames(sock: Socket, onOut: (d: string) => Promise<void> | void, onErr: (d: string) => Promise<void> | void): Promise<number> {
  return new Promise((resolve) => {
    const decoder = new FrameDecoder<ServerFrame>();
    let code: number | null = null;
    let chain = Promise.resolve();
    sock.on('data', (chunk) => {
      let frames: ServerFrame[];
      try {
        frames = decoder.feed(chunk);
      } catch (e) {
        chain = chain.then(() => onErr(`% Control socket protocol: ${(e as Error).message}\n`));
        sock.destroy();
        return;
      }
      for (const f of frames) {
        if (f.t === 'out') chain = chain.then(() => onOut(f.d));
        else if (f.t === 'err') chain = chain.then(() => onErr(f.d));
        else if (f.t === 'exit') code = f.code;
      }
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      void chain.then(async () => {
        if (code === null) await onErr('% The appliance closed the connection\n');
        resolve(code ?? 1);
      });
    });
  });
}

async function batchOver(sock: Socket, send: (f: ClientFrame) => void, lines: BatchLine[] | 'stdin'): Promise<number> {
  const done = serverFrames(sock, (d) => write(process.stdout, d), (d) => write(process.stderr, d));
  send({ t: 'hello', v: PROTOCOL_VERSION, mode: 'batch', user: localUser() });
  if (lines !== 'stdin') {
    for (const l of lines) send({ t: 'line', text: l.text, where: l.where });
    send({ t: 'eof' });
  } else {
    // Piped standard input, sent line by line as it comes.
    let n = 0;
    let rest = '';
    const dec = new TextDecoder();
    process.stdin.on('data', (d: Buffer) => {
      rest += dec.decode(d, { stream: true });
      const parts = rest.split(/\r?\n/);
      rest = parts.pop()!;
      for (const text of parts) send({ t: 'line', text, where: `-:${++n}` });
    });
    process.stdin.on('end', () => {
      if (rest !== '') send({ t: 'line', text: rest, where: `-:${++n}` });
      send({ t: 'eof' });
    });
    void done.then(() => process.stdin.pause());
  }
  return done;
}

async function consoleOver(sock: Socket, send: (f: ClientFrame) => void): Promise<number> {
  const stdin = process.stdin;
  const stdout = process.stdout;
  const done = serverFrames(sock, (d) => void stdout.write(d), (d) => void process.stderr.write(d));
  send({
    t: 'hello', v: PROTOCOL_VERSION, mode: 'console', user: localUser(),
    cols: stdout.columns || 80, rows: stdout.rows || 24, color: stdout.isTTY === true && !process.env.NO_COLOR,
  });
  const onData = (d: string) => send({ t: 'in', d });
  const onResize = () => send({ t: 'resize', cols: stdout.columns || 80, rows: stdout.rows || 24 });
  stdin.setRawMode?.(true);
  stdin.setEncoding('utf8');
  stdin.on('data', onData);
  stdout.on('resize', onResize);
  stdin.resume();
  const code = await done;
  stdin.off('data', onData);
  stdout.off('resize', onResize);
  stdin.setRawMode?.(false);
  stdin.pause();
  return code;
}
