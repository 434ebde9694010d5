// The `pask` executable: a console, a batch, a service (`pask serve`), or a client of one
// (`pask --connect`).

import { readFile } from 'node:fs/promises';
import { linesOfCommands, linesOfFile, type BatchStreams } from './batch.js';
import { parseArgs, USAGE } from './options.js';
import { paskVersion } from './version.js';
import { localUser, runConnect } from '../server/client.js';
import type { SshServer } from '../ssh/server.js';

// The appliance (engine, labs, every command family) is loaded only when one runs here: a
// `--connect` client or `--version` starts without it.

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
  if (opts.version) {
    process.stdout.write(`pask ${paskVersion()}\n`);
    return 0;
  }
  if (opts.connect !== null) return runConnect({ path: opts.connect, commands: opts.commands, file: opts.file });
  const { runServe, settle, startSsh } = await import('../server/serve.js');
  if (opts.mode === 'serve') {
    const code = await runServe(opts, stdio);
    await flush();
    // Shut down: a command still unwinding (an aborted wait) must not keep the service alive.
    process.exit(code);
  }
  if (opts.ssh !== null && !opts.commands.length && opts.file === null && !process.stdin.isTTY) {
    process.stderr.write('% --ssh goes with serve or the console, not with a batch\n');
    return 2;
  }
  const isBatch = opts.commands.length > 0 || opts.file !== null || !process.stdin.isTTY;
  const { bootAppliance } = await import('../boot.js');
  let app;
  try {
    app = await bootAppliance(opts, stdio, isBatch ? 'batch' : 'console');
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
      const [{ CliSession }, { commandRegistry }, { runBatch }] = await Promise.all([
        import('./session.js'), import('../../commands/index.js'), import('./batch.js'),
      ]);
      const session = new CliSession(app, commandRegistry(), {
        privilege: 15, interactive: false, from: opts.file !== null ? `batch ${opts.file}` : 'batch', user: localUser() || undefined,
      });
      const ok = await runBatch(session, batch, stdio);
      await flush();
      return ok ? 0 : 1;
    }
    let ssh: SshServer | null = null;
    let banner: string | undefined;
    if (opts.ssh !== null) {
      const said: string[] = [];
      ssh = await startSsh(app, opts.ssh, (t) => said.push(t));
      banner = said.join('');
    }
    const { runTerminalConsole } = await import('../console/terminal.js');
    try {
      return await runTerminalConsole(app, banner);
    } finally {
      if (ssh) {
        app.sessions.closeAll('% The appliance is shutting down');
        await settle(app);
        await ssh.close();
      }
    }
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 1;
  } finally {
    await app.close();
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
