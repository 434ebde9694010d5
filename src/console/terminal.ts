// The console on the local terminal (process.stdin/stdout in raw mode).

import type { Appliance } from '../appliance.js';
import { commandRegistry } from '../../commands/index.js';
import { CliSession } from '../cli/session.js';
import { verifySecret } from '../config/secrets.js';
import { Console } from './console.js';

export async function runTerminalConsole(app: Appliance, banner?: string): Promise<number> {
  const stdin = process.stdin;
  const stdout = process.stdout;
  const color = stdout.isTTY === true && !process.env.NO_COLOR;
  let con: Console | null = null;
  const session = new CliSession(app, commandRegistry(), {
    privilege: 15,
    interactive: true,
    askSecret: (p) => con!.askSecret(p),
    verifySecret,
  });
  con = new Console(session, { write: (t) => void stdout.write(t), width: () => stdout.columns || 80, color });
  session.terminalLength = stdout.rows || 24;
  session.terminalWidth = stdout.columns || 80;
  stdin.setRawMode?.(true);
  stdin.setEncoding('utf8');
  const onData = (d: string) => con!.feed(d);
  stdin.on('data', onData);
  stdin.on('end', () => con!.hangup());
  stdin.resume();
  con.start(banner);
  await con.closed;
  stdin.off('data', onData);
  stdin.setRawMode?.(false);
  stdin.pause();
  return 0;
}
