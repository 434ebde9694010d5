// The ARP table (`show arp`).

import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
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
