// IP interfaces on VLANs and the management port (`show interface`).

import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import { RULE, SUBRULE, table } from '../src/cli/render.js';
import { DEFAULT_VLAN, MGMT_IF } from '../src/config/defaults.js';
import { interfacesInOrder } from '../src/config/derived.js';
import type { InterfaceConfig, RunningConfig } from '../src/config/model.js';
import { INTERFACE } from '../src/config/objects.js';
import { broadcastOf, formatIpv4, formatMac, formatPrefix } from '../src/net/addr.js';
import type { ApplianceIdentity } from '../src/appliance.js';
import { descriptionCommands } from './common.js';
import { quote } from './quote.js';

export const interfaceCommands = defineCommands<Ctx>([
  {
    syntax: 'interface NAME', modes: ['config'], doc: 'Create or edit the IP interface of a VLAN (or mgmt)',
    help: { NAME: 'The VLAN name, or mgmt' },
    run: (ctx, a) => ctx.session.enterSubmode(INTERFACE, a.str('interface'), ctx),
  },
  {
    syntax: 'no interface NAME', modes: ['config'], doc: 'Remove an IP interface',
    run: (ctx, a) => {
      const name = a.str('interface');
      if (name === MGMT_IF || name === DEFAULT_VLAN) throw new CliError(`% Interface ${name} cannot be removed`);
      if (!INTERFACE.find(ctx.cfg, name)) throw new CliError(`% There is no interface ${name}`);
      ctx.commit(INTERFACE.remove(ctx.cfg, name));
    },
  },
  {
    syntax: 'ip address A.B.C.D/M', modes: ['interface'], doc: 'Set the IPv4 address and prefix length',
    run: (ctx, a) => ctx.stage(INTERFACE, 'ip address', (i) => ({ ...i, address: a.prefix('address') })),
  },
  {
    syntax: 'no ip address', modes: ['interface'], doc: 'Remove the IPv4 address',
    run: (ctx) => ctx.stage(INTERFACE, 'ip address', (i) => ({ ...i, address: null })),
  },
  {
    syntax: 'shutdown', modes: ['interface'], doc: 'Take the interface down',
    run: (ctx) => ctx.stage(INTERFACE, 'shutdown', (i) => ({ ...i, shutdown: true })),
  },
  {
    syntax: 'no shutdown', modes: ['interface'], doc: 'Bring the interface up',
    run: (ctx) => ctx.stage(INTERFACE, 'shutdown', (i) => ({ ...i, shutdown: false })),
  },
  {
    syntax: 'rpf <default|strict|loose|disable>', modes: ['interface'], doc: 'Reverse-path filtering',
    run: (ctx, a) => ctx.stage(INTERFACE, 'rpf', (i) => ({ ...i, rpf: a.str('rpf') as InterfaceConfig['rpf'] })),
  },
  ...descriptionCommands(INTERFACE, 'interface'),
  {
    syntax: 'show interface', modes: ['global'], privilege: 1, doc: 'IP interfaces',
    run: (ctx) => ctx.write(showInterface(ctx.cfg, ctx.appliance.identity)),
  },
]);

export function showInterface(cfg: RunningConfig, id: ApplianceIdentity): string {
  const rows = interfacesInOrder(cfg).map((i) => [
    i.name,
    i.shutdown ? 'down' : 'up',
    formatMac(i.name === MGMT_IF ? id.mgmtMac : id.baseMac),
    i.address ? formatPrefix(i.address) : '',
    i.address ? formatIpv4(broadcastOf(i.address)) : '',
    i.rpf,
    i.description,
  ]);
  const t = table(['Name', 'Status', 'MAC Address', 'IPv4 Address', 'Broadcast', 'RPF', 'Description'], rows, { indent: 2 });
  return `\n${[RULE, 'INTERFACE Configuration', SUBRULE, ...t, RULE].join('\n')}\n\n`;
}

export function interfaceRunning(i: InterfaceConfig, factory: InterfaceConfig | undefined): string[] {
  const lines: string[] = [];
  const base = factory ?? INTERFACE.create(i.name);
  if (i.address && (!base.address || formatPrefix(i.address) !== formatPrefix(base.address))) lines.push(`ip address ${formatPrefix(i.address)}`);
  if (!i.address && base.address) lines.push('no ip address');
  if (i.shutdown !== base.shutdown) lines.push(i.shutdown ? 'shutdown' : 'no shutdown');
  if (i.rpf !== base.rpf) lines.push(`rpf ${i.rpf}`);
  if (i.description) lines.push(`description ${quote(i.description)}`);
  return lines;
}
