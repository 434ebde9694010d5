// The `pask` executable: a console, a batch, or (later) a service.

import { readFile } from 'node:fs/promises';
import { commandRegistry } from '../../commands/index.js';
import { bootAppliance } from '../boot.js';
import { linesOfCommands, linesOfFile, runBatch, type BatchStreams } from './batch.js';
import { parseArgs, USAGE } from './options.js';
import { CliSession } from './session.js';
import { runTerminalConsole } from '../console/terminal.js';

const stdio: BatchStreams = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

export async function main(argv: readonly string[]): Promise<number> {
  const opts = parseArgs(argv);
  if ('error' in opts) {
    process.stderr.write(opts.error);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let app;
  try {
    app = await bootAppliance(opts, stdio);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 1;
  }
  try {
    const batch = opts.commands.length
      ? linesOfCommands(opts.commands)
      : opts.file !== null
        ? linesOfFile(opts.file, await readFile(opts.file, 'utf8').catch(() => { throw new Error(`% Cannot read ${opts.file}`); }))
        : !process.stdin.isTTY
          ? linesOfFile('-', await readStdin())
          : null;
    if (batch) {
      const session = new CliSession(app, commandRegistry(), { privilege: 15, interactive: false });
      const ok = await runBatch(session, batch, stdio);
      await flush();
      return ok ? 0 : 1;
    }
    return await runTerminalConsole(app);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 1;
  } finally {
    await app.world?.close();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function flush(): Promise<void> {
  return new Promise((res) => process.stdout.write('', () => res()));
}
