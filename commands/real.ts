// Real servers (`show real`).

import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import { RULE, SUBRULE, table } from '../src/cli/render.js';
import type { RealConfig, RealId, RunningConfig, Toggle } from '../src/config/model.js';
import { REAL } from '../src/config/objects.js';
import { formatIpv4 } from '../src/net/addr.js';
import { descriptionCommands, noSetting } from './common.js';
import { quote } from './quote.js';

export const realCommands = defineCommands<Ctx>([
  {
    syntax: 'real (1-65535)', modes: ['config'], doc: 'Create or edit a real server', help: { real: 'Real server', '<1-65535>': 'Real server ID' },
    run: (ctx, a) => ctx.session.enterSubmode(REAL, a.num('real') as RealId, ctx),
  },
  {
    syntax: 'no real (1-65535)', modes: ['config'], doc: 'Remove a real server', help: { '<1-65535>': 'Real server ID' },
    run: (ctx, a) => {
      const id = a.num('real') as RealId;
      if (!REAL.find(ctx.cfg, id)) throw new CliError(`% There is no real ${id}`);
      const users = ctx.cfg.slbs.filter((s) => s.reals.some((m) => m.id === id)).map((s) => s.name);
      if (users.length) throw new CliError(`% real ${id} is used by slb ${users.join(', ')}: remove it there first`);
      ctx.commit(REAL.remove(ctx.cfg, id));
    },
  },
  {
    syntax: 'name NAME', modes: ['real'], doc: 'Name the real server', help: { NAME: 'The name shown in show real and show info slb' },
    run: (ctx, a) => ctx.stage(REAL, 'name', (r) => ({ ...r, name: a.str('name') })),
  },
  {
    syntax: 'rip A.B.C.D', modes: ['real'], doc: 'The real server\'s address', help: { rip: 'Real IP address' },
    run: (ctx, a) => ctx.stage(REAL, 'rip', (r) => ({ ...r, rip: a.ip('rip') })),
  },
  {
    syntax: 'rport (0-65535)', modes: ['real'], doc: 'The real server\'s port (0: the VIP\'s port)', help: { '<0-65535>': 'Port (0: the VIP\'s port)' },
    run: (ctx, a) => ctx.stage(REAL, 'rport', (r) => ({ ...r, rport: a.num('rport') })),
  },
  {
    syntax: 'ssl-rport (1-65535)', modes: ['real'], doc: 'The real server\'s TLS port', help: { '<1-65535>': 'Port' },
    run: (ctx, a) => ctx.stage(REAL, 'ssl-rport', (r) => ({ ...r, sslRport: a.num('ssl-rport') })),
  },
  {
    syntax: 'no ssl-rport', modes: ['real'], doc: 'Remove the TLS port',
    run: (ctx) => ctx.stage(REAL, 'ssl-rport', (r) => ({ ...r, sslRport: null })),
  },
  {
    syntax: 'weight (1-100)', modes: ['real'], doc: 'Weight for weighted methods (wrr, lc, maglev)', help: { '<1-100>': 'Weight (default 1)' },
    run: (ctx, a) => ctx.stage(REAL, 'weight', (r) => ({ ...r, weight: a.num('weight') })),
  },
  {
    syntax: 'max-conns (0-10000000)', modes: ['real'], doc: 'Concurrent session limit (0: none)', help: { '<0-10000000>': 'Sessions (0: no limit)' },
    run: (ctx, a) => ctx.stage(REAL, 'max-conns', (r) => ({ ...r, maxConns: a.num('max-conns') })),
  },
  {
    syntax: 'svc-ip A.B.C.D', modes: ['real'], doc: 'Service address on the real server', help: { 'A.B.C.D': 'The service address' },
    run: (ctx, a) => ctx.stage(REAL, 'svc-ip', (r) => ({ ...r, svcIp: a.ip('svc-ip') })),
  },
  {
    syntax: 'no svc-ip', modes: ['real'], doc: 'Remove the service address',
    run: (ctx) => ctx.stage(REAL, 'svc-ip', (r) => ({ ...r, svcIp: null })),
  },
  {
    syntax: 'status <enable|disable>', modes: ['real'], doc: 'Take the real server in or out of service',
    help: { enable: 'In service', disable: 'Out of service: no new sessions' },
    run: (ctx, a) => ctx.stage(REAL, 'status', (r) => ({ ...r, status: a.str('status') as Toggle })),
  },
  noSetting(REAL, 'name', 'Remove the name', (r, d) => ({ ...r, name: d.name })),
  noSetting(REAL, 'rport', 'Back to the VIP\'s port (rport 0)', (r, d) => ({ ...r, rport: d.rport })),
  noSetting(REAL, 'weight', 'Back to the default weight (1)', (r, d) => ({ ...r, weight: d.weight })),
  noSetting(REAL, 'max-conns', 'No session limit', (r, d) => ({ ...r, maxConns: d.maxConns })),
  noSetting(REAL, 'status', 'Back in service (status enable)', (r, d) => ({ ...r, status: d.status })),
  ...descriptionCommands(REAL, 'real server'),
  {
    syntax: 'show real [(1-65535)]', modes: ['global'], privilege: 1, doc: 'Real servers', help: { '<1-65535>': 'Real server ID' },
    run: (ctx, a) => {
      const id = a.optNum('real');
      if (id !== null && !REAL.find(ctx.cfg, id as RealId)) throw new CliError(`% There is no real ${id}`);
      ctx.write(showReal(ctx.cfg, id === null ? null : (id as RealId)));
    },
    json: {
      schema: '{ id: number; name: string; rip: string | null; rport: number; sslRport: number | null; weight: number; maxConns: number; svcIp: string | null; status: "enable" | "disable"; description: string }[]',
      of: (ctx, a) => {
        const id = a.optNum('real');
        if (id !== null && !REAL.find(ctx.cfg, id as RealId)) throw new CliError(`% There is no real ${id}`);
        return ctx.cfg.reals.filter((r) => id === null || r.id === id).map((r) => ({
          id: r.id, name: r.name, rip: r.rip === null ? null : formatIpv4(r.rip), rport: r.rport, sslRport: r.sslRport, weight: r.weight,
          maxConns: r.maxConns, svcIp: r.svcIp === null ? null : formatIpv4(r.svcIp), status: r.status, description: r.description,
        }));
      },
    },
  },
]);

export function showReal(cfg: RunningConfig, id: RealId | null): string {
  const reals = cfg.reals.filter((r) => id === null || r.id === id);
  const rows = reals.map((r) => [
    String(r.id), r.name, r.rip === null ? '' : formatIpv4(r.rip), String(r.rport), r.sslRport === null ? '' : String(r.sslRport),
    String(r.weight), '', r.svcIp === null ? '' : formatIpv4(r.svcIp), r.status, r.description,
  ]);
  const t = table(['ID', 'Name', 'RIP', 'Rport', 'SSL-Rport', 'Weight', 'Backup', 'SVC-IP', 'Status', 'Description'], rows, { indent: 2, minWidths: [5] });
  return `\n${[RULE, 'REAL Configuration', SUBRULE, ...t, RULE].join('\n')}\n\n`;
}

export function realRunning(r: RealConfig): string[] {
  const d = REAL.create(r.id);
  const lines: string[] = [];
  if (r.name) lines.push(`name ${r.name}`);
  if (r.rip !== null) lines.push(`rip ${formatIpv4(r.rip)}`);
  if (r.rport !== d.rport) lines.push(`rport ${r.rport}`);
  if (r.sslRport !== null) lines.push(`ssl-rport ${r.sslRport}`);
  if (r.weight !== d.weight) lines.push(`weight ${r.weight}`);
  if (r.maxConns !== d.maxConns) lines.push(`max-conns ${r.maxConns}`);
  if (r.svcIp !== null) lines.push(`svc-ip ${formatIpv4(r.svcIp)}`);
  if (r.status !== d.status) lines.push(`status ${r.status}`);
  if (r.description) lines.push(`description ${quote(r.description)}`);
  return lines;
}
