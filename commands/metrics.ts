// The Prometheus endpoint (`metrics listen`) and its text (`show metrics`).

import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import { paskVersion } from '../src/cli/version.js';
import type { RunningConfig } from '../src/config/model.js';
import { renderMetrics } from '../src/observe/metrics.js';
import { parseListen } from '../src/server/listen.js';

export const metricsCommands = defineCommands<Ctx>([
  {
    syntax: 'metrics listen WORD$address', modes: ['config'],
    doc: 'Serve Prometheus metrics over HTTP at [ADDR:]PORT/metrics (engine, ports, services, reals, health checks)',
    help: { metrics: 'Prometheus metrics endpoint', listen: 'Where to listen', address: '[ADDR:]PORT, e.g. 9100 (every address) or 127.0.0.1:9100' },
    run: async (ctx, a) => {
      const text = a.str('address');
      const l = parseListen(text);
      if (!l || l.port === 0) throw new CliError(`% Invalid address "${text}": use [ADDR:]PORT with a port from 1 to 65535`);
      const before = ctx.cfg;
      ctx.commit({ ...before, metricsListen: { host: l.host, port: l.port } });
      const ep = ctx.appliance.metrics;
      if (!ep) return;
      await ep.settled();
      if (ep.lastError !== null) {
        const why = ep.lastError;
        ctx.commit(before);
        throw new CliError(`% Cannot serve metrics on ${text}: ${why}`);
      }
    },
  },
  {
    syntax: 'no metrics listen', modes: ['config'], doc: 'Stop serving Prometheus metrics',
    help: { metrics: 'Prometheus metrics endpoint', listen: 'Where it listens' },
    run: (ctx) => ctx.commit({ ...ctx.cfg, metricsListen: null }),
  },
  {
    syntax: 'show metrics', modes: ['global'], privilege: 1, doc: 'The Prometheus metrics, as the endpoint serves them',
    help: { metrics: 'Prometheus metrics' },
    run: (ctx) => {
      const app = ctx.appliance;
      ctx.write(renderMetrics({
        config: ctx.cfg, runtime: app.runtime, identity: app.identity, version: paskVersion(),
        now: app.clock.now(), bootedAt: app.bootedAt, wallNow: app.clock.wallNow(),
      }));
    },
  },
]);

export function metricsRunning(cfg: RunningConfig): string[] {
  const l = cfg.metricsListen;
  if (l === null) return [];
  const host = l.host === '' ? '' : l.host.includes(':') ? `[${l.host}]:` : `${l.host}:`;
  return [`metrics listen ${host}${l.port}`];
}
