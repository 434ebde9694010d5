// `ttcp`: a TCP test between the appliance's own TCP and a peer (IOS has a `ttcp` command for
// the same job). Both ends send `bytes` of a known pattern (byte i = i mod 251), half-close, and
// check what they receive; the line printed says what arrived and whether it was intact.

import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import { formatIpv4 } from '../src/net/addr.js';
import type { TcpConnection } from '../src/net/tcp/index.js';
import type { HostStack } from '../src/stack/host-stack.js';
import { formatTtcp, runTtcp, TTCP_DEFAULT_PORT } from '../src/stack/ttcp.js';
import { settleOn } from './ping.js';

const DEFAULT_BYTES = 1 << 20;
const DEFAULT_TIMEOUT_S = 600;

const HELP = {
  ttcp: 'Test TCP with a peer: send and verify a byte pattern each way (byte i = i mod 251)',
  connect: 'Open the connection to a peer listening on the port',
  listen: 'Accept one connection on the port',
  'A.B.C.D': 'The peer\'s address',
  port: 'TCP port (default 5001)',
  bytes: 'Bytes to send; the peer\'s are checked until it closes (default 1048576)',
  source: 'Source address (one of the appliance\'s)',
  timeout: 'Seconds to wait for the whole exchange (default 600)',
};

function stackOf(ctx: Ctx): HostStack {
  const s = ctx.appliance.stack;
  if (s === null) throw new CliError('% The packet engine is not running');
  return s;
}

async function exchange(ctx: Ctx, c: TcpConnection, bytes: number, timeoutS: number): Promise<void> {
  const stack = stackOf(ctx);
  const r = await settleOn(ctx.appliance.world, runTtcp(c, bytes, stack.clock), timeoutS * 1000, ctx.signal);
  if (r === null) {
    c.abort();
    throw new CliError(ctx.signal.aborted ? '% ttcp aborted' : `% ttcp timed out after ${timeoutS} s`);
  }
  ctx.print(`ttcp: ${formatIpv4(c.local)}:${c.lport} <-> ${formatIpv4(c.remote)}:${c.rport}`);
  ctx.print(formatTtcp(r, bytes));
  if (r.end !== 'closed' || r.firstBad >= 0) throw new CliError('% ttcp failed');
}

export const ttcpCommands = defineCommands<Ctx>([
  {
    syntax: 'ttcp connect A.B.C.D [port (1-65535)] [bytes (0-1073741824)] [source A.B.C.D] [timeout (1-3600)]',
    modes: ['global'], doc: 'TCP test from the appliance to a listening peer: send and verify a pattern each way',
    help: HELP,
    run: async (ctx, a) => {
      const stack = stackOf(ctx);
      const dst = a.ip('connect');
      const src = a.optIp('source');
      if (src !== null && !stack.engine.isOwnAddress(src)) throw new CliError('% Invalid source address- IP address not on any of our up interfaces');
      if (stack.sourceFor(dst) === null) throw new CliError(`% No route to ${formatIpv4(dst)}`);
      const c = stack.tcpConnect(dst, a.optNum('port') ?? TTCP_DEFAULT_PORT, src !== null ? { src } : {});
      await exchange(ctx, c, a.optNum('bytes') ?? DEFAULT_BYTES, a.optNum('timeout') ?? DEFAULT_TIMEOUT_S);
    },
  },
  {
    syntax: 'ttcp listen [port (1-65535)] [bytes (0-1073741824)] [timeout (1-3600)]',
    modes: ['global'], doc: 'TCP test: accept one connection on a port, send and verify a pattern each way',
    help: HELP,
    run: async (ctx, a) => {
      const stack = stackOf(ctx);
      const port = a.optNum('port') ?? TTCP_DEFAULT_PORT;
      const timeoutS = a.optNum('timeout') ?? DEFAULT_TIMEOUT_S;
      let accepted: ((c: TcpConnection) => void) | null = null;
      const first = new Promise<TcpConnection>((resolve) => (accepted = resolve));
      const stop = stack.tcpListen(port, (c) => accepted?.(c));
      if (stop === null) throw new CliError(`% TCP port ${port} is in use`);
      ctx.print(`ttcp: listening on TCP port ${port}`);
      try {
        const c = await settleOn(ctx.appliance.world, first, timeoutS * 1000, ctx.signal);
        if (c === null) throw new CliError(ctx.signal.aborted ? '% ttcp aborted' : `% No connection within ${timeoutS} s`);
        stop();
        await exchange(ctx, c, a.optNum('bytes') ?? DEFAULT_BYTES, timeoutS);
      } finally {
        stop();
      }
    },
  },
]);
