// `pask serve`: the appliance as a service, without a console, until SIGTERM (or SIGINT).
// Opens the control socket and, with --ssh, the SSH server; on the signal it ends every
// session, closes the listeners and the world, removes the socket file and exits 0.
// Progress lines go to standard error (`pask serve: ready` once everything listens).

import { resolve } from 'node:path';
import type { Appliance } from '../appliance.js';
import type { BatchStreams } from '../cli/batch.js';
import type { PaskOptions } from '../cli/options.js';
import { bootAppliance } from '../boot.js';
import { ephemeralHostKey, hostKeyPath, loadOrCreateHostKey } from '../ssh/host-key.js';
import { parseListen, SshServer } from '../ssh/server.js';
import { ControlServer } from './control-socket.js';

export const DEFAULT_SOCKET = './pask.sock';

/** Starts the SSH server of `--ssh [ADDR:]PORT`, with the host key kept beside the start-up config. */
export async function startSsh(app: Appliance, spec: string, say: (t: string) => void): Promise<SshServer> {
  const listen = parseListen(spec);
  if (!listen) throw new Error(`% --ssh takes [ADDR:]PORT, not "${spec}"`);
  let key;
  if (app.startupConfigPath) {
    key = await loadOrCreateHostKey(hostKeyPath(app.startupConfigPath));
    if (key.created) say(`new SSH host key ${key.path}\n`);
  } else {
    key = ephemeralHostKey();
  }
  const server = await SshServer.start(app, { listen, hostKey: key });
  say(`ssh listening on ${server.addressText()}, host key ${key.fingerprint}\n`);
  return server;
}

export async function runServe(opts: PaskOptions, stdio: BatchStreams): Promise<number> {
  const say = (t: string) => stdio.err(`pask serve: ${t}`);
  let app: Appliance;
  try {
    app = await bootAppliance(opts, stdio, 'serve');
  } catch (e) {
    stdio.err(`${(e as Error).message}\n`);
    return 1;
  }
  // Signals that arrive while starting up still shut down cleanly.
  let stop!: () => void;
  const stopped = new Promise<void>((res) => (stop = res));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  let control: ControlServer | null = null;
  let ssh: SshServer | null = null;
  let code = 0;
  try {
    const path = resolve(opts.socket ?? DEFAULT_SOCKET);
    control = await ControlServer.listen(app, path);
    say(`control socket ${path}\n`);
    if (opts.ssh !== null) ssh = await startSsh(app, opts.ssh, say);
    say('ready\n');
    await stopped;
    say('shutting down\n');
  } catch (e) {
    stdio.err(`${(e as Error).message}\n`);
    code = 1;
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    app.sessions.closeAll('% The appliance is shutting down');
    await settle(app);
    await ssh?.close();
    await control?.close();
    await app.close();
  }
  return code;
}

/** Lets ended sessions say goodbye (exit status, last words) before the connections drop. */
export async function settle(app: Appliance, ms = 1000): Promise<void> {
  const until = Date.now() + ms;
  do await new Promise((r) => setTimeout(r, 10));
  while (app.sessions.list().some((l) => l.kind !== 'console') && Date.now() < until);
}
