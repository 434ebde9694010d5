// IP interfaces on VLANs and the management port (`show interface`).

import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import { RULE, SUBRULE, table } from '../src/cli/render.js';
import { DEFAULT_VLAN, MGMT_IF } from '../src/config/defaults.js';
import { interfaceUsers, interfacesInOrder } from '../src/config/derived.js';
import type { InterfaceConfig, RunningConfig } from '../src/config/model.js';
import { INTERFACE } from '../src/config/objects.js';
import { broadcastOf, formatIpv4, formatMac, formatPrefix, lenOfMask } from '../src/net/addr.js';
import type { ApplianceIdentity } from '../src/appliance.js';
import { descriptionCommands, noSetting } from './common.js';
import { quote } from './quote.js';

export const interfaceCommands = defineCommands<Ctx>([
  {
    syntax: 'interface NAME', modes: ['config'], doc: 'Create or edit the IP interface of a VLAN (or mgmt)',
    help: { NAME: 'The VLAN name, or mgmt' },
    run: (ctx, a) => ctx.session.enterSubmode(INTERFACE, a.str('interface'), ctx),
  },
  {
    syntax: 'interface loopback (0-1023)', modes: ['config'], doc: 'Create or edit a loopback interface (always up, addresses of the appliance itself)',
    help: { loopback: 'A loopback interface', '(0-1023)': 'Loopback number' },
    run: (ctx, a) => ctx.session.enterSubmode(INTERFACE, `loopback${a.num('loopback')}`, ctx),
  },
  {
    syntax: 'no interface loopback (0-1023)', modes: ['config'], doc: 'Remove a loopback interface',
    run: (ctx, a) => {
      const name = `loopback${a.num('loopback')}`;
      if (!INTERFACE.find(ctx.cfg, name)) throw new CliError(`% There is no interface ${name}`);
      const users = interfaceUsers(ctx.cfg, name);
      if (users.length) throw new CliError(`% interface ${name} is used by ${users.join(', ')}: remove ${users.length === 1 ? 'it' : 'them'} first`);
      ctx.commit(INTERFACE.remove(ctx.cfg, name));
    },
  },
  {
    syntax: 'no interface NAME', modes: ['config'], doc: 'Remove an IP interface',
    run: (ctx, a) => {
      const name = a.str('interface');
      if (name === MGMT_IF || name === DEFAULT_VLAN) throw new CliError(`% Interface ${name} cannot be removed`);
      if (!INTERFACE.find(ctx.cfg, name)) throw new CliError(`% There is no interface ${name}`);
      const users = interfaceUsers(ctx.cfg, name);
      if (users.length) throw new CliError(`% interface ${name} is used by ${users.join(', ')}: remove ${users.length === 1 ? 'it' : 'them'} first`);
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
    help: { default: 'The appliance\'s default', strict: 'Drop a packet unless it arrived where its source is routed', loose: 'Drop a packet whose source has no route', disable: 'No reverse-path filtering' },
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

// Additions of the operator's-shell work (issue 12): one interface, an IOS-style dotted mask,
// `no rpf`. Self-contained, registered in commands/index.ts.
export const interfaceShellCommands = defineCommands<Ctx>([
  {
    syntax: 'show interface NAME', modes: ['global'], privilege: 1, doc: 'One IP interface',
    help: { NAME: 'Interface name' },
    run: (ctx, a) => {
      const name = a.str('interface');
      if (!INTERFACE.find(ctx.cfg, name)) throw new CliError(`% There is no interface ${name}`);
      ctx.write(showInterface({ ...ctx.cfg, interfaces: ctx.cfg.interfaces.filter((i) => i.name === name) }, ctx.appliance.identity));
    },
  },
  {
    syntax: 'ip address A.B.C.D A.B.C.D$mask', modes: ['interface'], doc: 'Set the IPv4 address with a dotted mask (as ip address A.B.C.D/M)',
    help: { ip: 'IPv4 settings', address: 'The interface\'s IPv4 address', 'A.B.C.D': 'Address, then mask (e.g. 192.168.193.181 255.255.255.0)' },
    run: (ctx, a) => {
      const len = lenOfMask(a.ip('mask'));
      if (len === null) throw new CliError(`% ${formatIpv4(a.ip('mask'))} is not a valid network mask`);
      ctx.stage(INTERFACE, 'ip address', (i) => ({ ...i, address: { addr: a.ip('address'), len } }));
    },
  },
  noSetting(INTERFACE, 'rpf', 'Back to the default reverse-path filtering', (i, d) => ({ ...i, rpf: d.rpf })),
]);
