// The ARP table (`show arp`).

import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import { RULE, SUBRULE, table } from '../src/cli/render.js';
import type { ArpRow } from '../src/engine/runtime.js';
import { formatIpv4, formatMac } from '../src/net/addr.js';

export const arpCommands = defineCommands<Ctx>([
  {
    syntax: 'show arp', modes: ['global'], privilege: 1, doc: 'The ARP table',
    run: (ctx) => ctx.write(showArp(ctx.appliance.runtime.arp())),
  },
]);

export function showArp(rows: readonly ArpRow[]): string {
  const t = table(['IP Address', 'MAC Address', 'Interface', 'Port', 'Age(s)', 'State'],
    rows.map((r) => [formatIpv4(r.addr), r.mac === null ? '(incomplete)' : formatMac(r.mac), r.iface, r.port ?? '', r.ageSec, r.state]),
    { indent: 2 });
  return `\n${[RULE, '  ARP', SUBRULE, ...t, RULE].join('\n')}\n\n`;
}

// Addition of the operator's-shell work (issue 12), registered in commands/index.ts.
export const arpShellCommands = defineCommands<Ctx>([
  {
    syntax: 'clear arp', modes: ['global'], doc: 'Forget the resolved ARP entries (neighbours are asked again when next needed)',
    help: { arp: 'ARP table' },
    run: (ctx) => {
      const clear = ctx.appliance.runtime.clearArp;
      if (!clear) throw new CliError('% clear arp: this appliance has no dataplane');
      const n = clear();
      ctx.print(`${n} ARP entr${n === 1 ? 'y' : 'ies'} cleared`);
    },
  },
]);
