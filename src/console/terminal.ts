// The console on the local terminal (process.stdin/stdout in raw mode).

import type { Appliance } from '../appliance.js';
import { commandRegistry } from '../../commands/index.js';
import { CliSession } from '../cli/session.js';
import { verifySecret } from '../config/secrets.js';
import { Console } from './console.js';
import { greeting } from './greeting.js';
import { localUser } from '../server/client.js';

export async function runTerminalConsole(app: Appliance, banner?: string): Promise<number> {
  const stdin = process.stdin;
  const stdout = process.stdout;
  const color = stdout.isTTY === true && !process.env.NO_COLOR;
  let con: Console | null = null;
  const session = new CliSession(app, commandRegistry(), {
    privilege: 15,
    interactive: true,
    askSecret: (p) => con!.askSecret(p),
    ask: (p) => con!.ask(p),
    verifySecret,
    from: 'console',
    local: true,
    user: localUser() || undefined,
  });
  con = new Console(session, { write: (t) => void stdout.write(t), width: () => stdout.columns || 80, color });
  session.terminalLength = stdout.rows || 24;
  session.terminalWidth = stdout.columns || 80;
  stdin.setRawMode?.(true);
  stdin.setEncoding('utf8');
  // Line 0 of `show users`; the idle timeout does not apply to the local console.
  const line = app.sessions.open({
    kind: 'console', user: '', from: 'console', session, interactive: true,
    busy: () => con!.busy,
    close: (reason) => { stdout.write(`\r\n${reason}\r\n`); con!.hangup(); },
  });
  const onData = (d: string) => { app.sessions.touch(line); con!.feed(d); };
  // Window changes: the page length and width follow, unless `terminal length/width` changed them.
  let auto = { rows: session.terminalLength, cols: session.terminalWidth };
  const onResize = () => {
    const now = { rows: stdout.rows || 24, cols: stdout.columns || 80 };
    if (session.terminalLength === auto.rows) session.terminalLength = now.rows;
    if (session.terminalWidth === auto.cols) session.terminalWidth = now.cols;
    auto = now;
  };
  stdout.on('resize', onResize);
  stdin.on('data', onData);
  stdin.on('end', () => con!.hangup());
  stdin.resume();
  con.start(greeting(app) + (banner ?? ''));
  await con.closed;
  app.sessions.remove(line);
  stdin.off('data', onData);
  stdout.off('resize', onResize);
  stdin.setRawMode?.(false);
  stdin.pause();
  return 0;
}
