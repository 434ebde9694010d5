// Traffic and drop counters of the switch ports and the engine (`show port`, `show statistics`,
// `clear statistics`).

import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { kv, optionRule, RULE, SUBRULE, table } from '../src/cli/render.js';
import type { EngineCounters, PortCounters, RuntimeView, TrafficCounters } from '../src/engine/runtime.js';
import type { BackendCounter } from '../src/ports/backend.js';
import { PORT_COUNT } from '../src/net/addr.js';

export const portCommands = defineCommands<Ctx>([
  {
    syntax: 'show port [(1-16)]', modes: ['global'], privilege: 1,
    doc: 'Traffic and drop counters of the switch ports (one port: drops by reason and its backend\'s own counters)',
    help: { port: 'Switch port counters', '<1-16>': 'Port number' },
    run: (ctx, a) => {
      const rt = ctx.appliance.runtime;
      const n = a.optNum('port');
      ctx.write(n === null ? showPorts(rt) : showPort(n, rt.portCounters(n), rt.backendCounters(n)));
    },
    json: {
      schema: 'Port[]  (show port N: one Port, with backend: { [counter: string]: number })  where Port = { port: number; attached: string | null; rxPackets: number; rxBytes: number; txPackets: number; txBytes: number; drops: number; dropsByReason: { [reason: string]: number } }',
      of: (ctx, a) => {
        const rt = ctx.appliance.runtime;
        const n = a.optNum('port');
        const port = (p: number) => ({ port: p, ...trafficJson(rt.portCounters(p)), attached: rt.portCounters(p).attached });
        if (n !== null) return { ...port(n), backend: Object.fromEntries(rt.backendCounters(n)) };
        return Array.from({ length: PORT_COUNT }, (_, i) => port(i + 1));
      },
    },
  },
  {
    syntax: 'show statistics', modes: ['global'], privilege: 1, doc: 'Engine-wide traffic, SLB and drop counters',
    run: (ctx) => ctx.write(showStatistics(ctx.appliance.runtime.engineCounters())),
    json: {
      schema: '{ rxPackets: number; rxBytes: number; txPackets: number; txBytes: number; slbPackets: number; sessionsCreated: number; currentSessions: number; flooded: number; internalErrors: number; drops: number; dropsByReason: { [reason: string]: number } }',
      of: (ctx) => {
        const c = ctx.appliance.runtime.engineCounters();
        return {
          ...trafficJson(c), slbPackets: c.slbPackets, sessionsCreated: c.sessionsCreated, currentSessions: c.currentSessions,
          flooded: c.flooded, internalErrors: c.internalErrors,
        };
      },
    },
  },
  {
    syntax: 'clear statistics', modes: ['global'], help: { statistics: 'The engine\'s traffic and drop counters' },
    doc: 'Zero the engine\'s traffic and drop counters, global and per port (not the SLB session statistics of show info slb, the internal-error count, nor a port backend\'s own kernel counters)',
    run: (ctx) => {
      ctx.appliance.runtime.clearCounters();
      ctx.print('Statistics cleared');
    },
  },
]);

const row = (k: string, v: string | number) => kv(4, 23, k, v);

function trafficJson(c: TrafficCounters) {
  return { rxPackets: c.rxPackets, rxBytes: c.rxBytes, txPackets: c.txPackets, txBytes: c.txBytes, drops: c.dropTotal, dropsByReason: { ...c.drops } };
}

function trafficLines(c: TrafficCounters): string[] {
  return [row('RX packets', c.rxPackets), row('RX bytes', c.rxBytes), row('TX packets', c.txPackets), row('TX bytes', c.txBytes)];
}

function dropLines(c: TrafficCounters): string[] {
  const reasons = Object.entries(c.drops);
  return [
    row('Drops', c.dropTotal),
    '',
    optionRule(4, 'Drops by reason'),
    ...(reasons.length === 0 ? ['    No drops'] : reasons.map(([k, v]) => row(k, v))),
  ];
}

export function showPorts(rt: RuntimeView): string {
  const rows = Array.from({ length: PORT_COUNT }, (_, i) => {
    const c = rt.portCounters(i + 1);
    return [i + 1, c.attached ?? '-', c.rxPackets, c.rxBytes, c.txPackets, c.txBytes, c.dropTotal];
  });
  const t = table(['Port', 'Attached', 'RX packets', 'RX bytes', 'TX packets', 'TX bytes', 'Drops'], rows, { indent: 2 });
  return `\n${[RULE, '  Port Statistics', SUBRULE, ...t, RULE].join('\n')}\n\n`;
}

export function showPort(port: number, c: PortCounters, backend: readonly BackendCounter[]): string {
  const lines = [
    RULE,
    `  Port ${port}`,
    SUBRULE,
    row('Attached', c.attached ?? '-'),
    ...trafficLines(c),
    ...dropLines(c),
    ...(backend.length === 0 ? [] : ['', optionRule(4, `Backend ${c.attached ?? ''}`.trimEnd()), ...backend.map(([k, v]) => row(k, v))]),
    RULE,
  ];
  return `\n${lines.join('\n')}\n\n`;
}

export function showStatistics(c: EngineCounters): string {
  const lines = [
    RULE,
    '  Engine Statistics',
    SUBRULE,
    ...trafficLines(c),
    row('SLB packets', c.slbPackets),
    row('Sessions created', c.sessionsCreated),
    row('Current sessions', c.currentSessions),
    row('Flooded frames', c.flooded),
    row('Internal errors', c.internalErrors),
    ...dropLines(c),
    RULE,
  ];
  return `\n${lines.join('\n')}\n\n`;
}
