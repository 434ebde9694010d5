// VLANs: port membership per VLAN (`show vlan`).

import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import { DASHES, RULE } from '../src/cli/render.js';
import { DEFAULT_VLAN } from '../src/config/defaults.js';
import { vlanMembership } from '../src/config/derived.js';
import type { RunningConfig, VlanConfig } from '../src/config/model.js';
import { VLAN } from '../src/config/objects.js';
import { PORT_COUNT, type PortNo, type VlanId } from '../src/net/addr.js';
import { descriptionCommands, noSetting } from './common.js';
import { quote } from './quote.js';
import { vlanVxlanRunning } from './vxlan.js';

const sortPorts = (ps: Iterable<number>) => [...new Set(ps)].sort((a, b) => a - b) as PortNo[];

export const vlanCommands = defineCommands<Ctx>([
  {
    syntax: 'vlan NAME', modes: ['config'], doc: 'Create or edit a VLAN', help: { NAME: 'VLAN name' },
    run: (ctx, a) => ctx.session.enterSubmode(VLAN, a.str('vlan'), ctx),
  },
  {
    syntax: 'no vlan NAME', modes: ['config'], doc: 'Remove a VLAN', help: { NAME: 'VLAN name' },
    run: (ctx, a) => {
      const name = a.str('vlan');
      if (name === DEFAULT_VLAN) throw new CliError('% The default VLAN cannot be removed');
      if (!VLAN.find(ctx.cfg, name)) throw new CliError(`% There is no vlan ${name}`);
      if (ctx.cfg.interfaces.some((i) => i.name === name)) throw new CliError(`% vlan ${name} has an interface: remove "interface ${name}" first`);
      ctx.commit(VLAN.remove(ctx.cfg, name));
    },
  },
  {
    syntax: 'vid (1-4094)', modes: ['vlan'], doc: 'The VLAN id', help: { '<1-4094>': 'VLAN id' },
    run: (ctx, a) => {
      if (ctx.draft(VLAN).name === DEFAULT_VLAN && a.num('vid') !== 1) throw new CliError('% The default VLAN keeps VLAN id 1');
      ctx.stage(VLAN, 'vid', (v) => ({ ...v, vid: a.num('vid') as VlanId }));
    },
  },
  {
    syntax: 'port PORTS <untagged|tagged>$how', modes: ['vlan'], doc: 'Add ports to the VLAN',
    help: { port: 'Member ports', untagged: 'Frames leave without a tag', tagged: 'Frames leave with an 802.1Q tag' },
    run: (ctx, a) => {
      const ports = a.list('port');
      const tagged = a.str('how') === 'tagged';
      ctx.stage(VLAN, 'port', (v) => ({
        ...v,
        untagged: tagged ? v.untagged.filter((p) => !ports.includes(p)) : sortPorts([...v.untagged, ...ports]),
        tagged: tagged ? sortPorts([...v.tagged, ...ports]) : v.tagged.filter((p) => !ports.includes(p)),
      }));
    },
  },
  {
    syntax: 'no port PORTS', modes: ['vlan'], doc: 'Remove ports from the VLAN', help: { port: 'Member ports' },
    run: (ctx, a) => {
      const ports = a.list('port');
      ctx.stage(VLAN, 'port', (v) => ({ ...v, untagged: v.untagged.filter((p) => !ports.includes(p)), tagged: v.tagged.filter((p) => !ports.includes(p)) }));
    },
  },
  {
    syntax: 'tbm <enable|disable>', modes: ['vlan'], doc: 'Transparent bridge mode',
    help: { enable: 'Bridge transparently', disable: 'No transparent bridging (the default)' },
    run: (ctx, a) => ctx.stage(VLAN, 'tbm', (v) => ({ ...v, tbm: a.str('tbm') === 'enable' })),
  },
  noSetting(VLAN, 'tbm', 'No transparent bridge mode (tbm disable)', (v, d) => ({ ...v, tbm: d.tbm })),
  ...descriptionCommands(VLAN, 'VLAN'),
  {
    syntax: 'show vlan [NAME]', modes: ['global'], privilege: 1, doc: 'VLANs and their ports (all, or one)',
    help: { NAME: 'VLAN name' },
    run: (ctx, a) => {
      const name = a.optStr('vlan');
      if (name !== null && !VLAN.find(ctx.cfg, name)) throw new CliError(`% There is no vlan ${name}`);
      ctx.write(showVlan(ctx.cfg, name));
    },
  },
]);

export function showVlan(cfg: RunningConfig, only: string | null = null): string {
  const rows = vlanMembership(cfg).filter((r) => only === null || r.vlan.name === only);
  const nameW = Math.max(9, ...rows.map((r) => r.vlan.name.length));
  const idW = 7;
  const ports = (f: (p: number) => string) => Array.from({ length: PORT_COUNT }, (_, i) => f(i + 1)).join(' ');
  const line = (name: string, id: string, p: string, tbm: string, desc: string) =>
    `${name.padEnd(nameW)} | ${id.padEnd(idW)} | ${p} | ${tbm.padEnd(8)} | ${desc}`.trimEnd();
  const out = [
    RULE,
    'VLAN Configuration',
    DASHES,
    line('', '', ' '.repeat(PORT_COUNT * 2 - 1), '', ''),
    line('', '', ports((p) => (p >= 10 ? String(Math.floor(p / 10)) : ' ')), '', ''),
    line('VLAN Name', 'VLAN ID', ports((p) => String(p % 10)), 'TBM', 'Description'),
    DASHES,
    ...rows.map((r) => line(r.vlan.name, String(r.vlan.vid), ports((p) => (r.untagged.includes(p as PortNo) ? 'u' : r.tagged.includes(p as PortNo) ? 't' : '.')),
      r.vlan.tbm ? 'enable' : 'disable', r.vlan.description)),
    RULE,
  ];
  return `\n${out.join('\n')}\n\n`;
}

export function vlanRunning(v: VlanConfig): string[] {
  const lines: string[] = [];
  if (v.name !== DEFAULT_VLAN || v.vid !== 1) lines.push(`vid ${v.vid}`);
  if (v.untagged.length) lines.push(`port ${v.untagged.join(',')} untagged`);
  if (v.tagged.length) lines.push(`port ${v.tagged.join(',')} tagged`);
  if (v.tbm) lines.push('tbm enable');
  if (v.description) lines.push(`description ${quote(v.description)}`);
  lines.push(...vlanVxlanRunning(v.vni));
  return lines;
}
