// Established-flow offload into the kernel (src/offload/): the `offload` setting of the running
// config (`offload enable|disable`, `no offload`, EdgeOS's `set system offload ipv4 forwarding`),
// its running-config line, and `show offload`. The setting is kept where the offloader cannot run.

import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import { editCandidate } from '../src/cli/edgeos/candidate.js';
import { kv, optionRule, RULE, SUBRULE, table } from '../src/cli/render.js';
import type { RunningConfig } from '../src/config/model.js';
import { formatIpv4 } from '../src/net/addr.js';
import type { FlowOffload, OffloadFlowRow, OffloadStatus } from '../src/offload/flow-offload.js';

function offloadOf(ctx: Ctx): FlowOffload {
  const o = ctx.appliance.offload;
  if (o === null) throw new CliError('% This appliance has no dataplane');
  return o;
}

/**
 * Commits the `offload` setting. Turned on where the appliance has Linux ports but the offloader
 * cannot start (no root, no BPF), the setting stays and a warning says why; on the lab (no Linux
 * port) it stays quietly, and `show offload` tells. Given again while not active, it tries again.
 */
function setOffload(ctx: Ctx, on: boolean): void {
  const was = ctx.cfg.offload;
  ctx.commit({ ...ctx.cfg, offload: on });
  const o = ctx.appliance.offload;
  if (!on || o === null) return;
  const why = was && !o.enabled ? o.configure(true) : o.status().error;
  if (!o.enabled && why !== null && o.hasLinuxPort()) ctx.warn(`% Offload is configured but not active: ${why}`);
}

const EDGEOS_HELP = {
  set: 'Set a configuration value in the candidate', delete: 'Delete a configuration value from the candidate', system: 'System',
  offload: 'Hardware offload', ipv4: 'IPv4', forwarding: 'IPv4 forwarding: established flows in the kernel (pask: offload enable)',
  enable: 'Offload established flows', disable: 'Do not offload (the default)',
};

export const offloadCommands = defineCommands<Ctx>([
  {
    syntax: 'offload <enable|disable>', modes: ['config'],
    help: {
      offload: 'Forward established flows in the kernel (XDP on the Linux ports)', enable: 'Offload established flows (kept in the configuration where it cannot run)',
      disable: 'Stop: every kernel entry removed, the program detached (the default)',
    },
    doc: 'Established-flow offload: sessions of dsr, l3dsr-iptunnel, l3dsr-dscp and nat, once established, are forwarded by an XDP program on the Linux ports; the engine installs, removes and reads back their counters (no offload on a port while a capture runs on it). Without Linux ports, root or BPF the setting is kept and show offload says why it is not active',
    run: (ctx, a) => setOffload(ctx, a.has('enable')),
  },
  {
    syntax: 'no offload', modes: ['config'], doc: 'Stop offloading established flows (same as offload disable)',
    help: { offload: 'Established-flow offload into the kernel' },
    run: (ctx) => setOffload(ctx, false),
  },
  {
    syntax: 'set system offload ipv4 forwarding <enable|disable>$value', modes: ['edgeos'],
    doc: 'EdgeOS\'s name for established-flow offload (offload enable|disable)', help: EDGEOS_HELP,
    run: (ctx, a) => editCandidate(ctx, (cfg) => ({ ...cfg, offload: a.str('value') === 'enable' })),
  },
  {
    syntax: 'delete system offload ipv4 forwarding', modes: ['edgeos'], doc: 'Delete: established-flow offload back to its default (disabled)', help: EDGEOS_HELP,
    run: (ctx) => editCandidate(ctx, (cfg) => ({ ...cfg, offload: false })),
  },
  {
    syntax: 'show offload [flows]', modes: ['global'], privilege: 1,
    help: { offload: 'Established-flow offload into the kernel', flows: 'The flows in the kernel, with their sessions\' counters' },
    doc: 'Established-flow offload: state, flows in the kernel, what it forwarded, and the engine\'s own user-space flow cache in front of it (with flows: each kernel flow)',
    run: (ctx, a) => {
      const o = offloadOf(ctx);
      o.refresh();
      ctx.write(a.has('flows') ? showFlows(o.flows()) : showOffload(o.status()));
    },
    json: {
      schema: '{ configured: boolean; enabled: boolean; mode: "generic" | "native" | null; error: string | null; flows: number; flowsToReal: number; flowsToClient: number; installed: number; removed: number; removedBy: { state: number; ended: number; topology: number; capture: number; gone: number; disable: number }; installFailures: number; packets: number; bytes: number; ports: { port: number; ifindex: number; captured: boolean }[]; cache: { slots: number; entries: number; hits: number; installs: number; evictions: number } | null }  (with flows: { dir: "to-real" | "to-client"; proto: number; src: string; sport: number; dst: string; dport: number; inPort: number; outPort: number; packets: number; bytes: number; kernelPackets: number }[])',
      of: (ctx, a) => {
        const o = offloadOf(ctx);
        o.refresh();
        if (a.has('flows')) return o.flows().map((f) => ({ ...f, src: formatIpv4(f.src), dst: formatIpv4(f.dst) }));
        return o.status();
      },
    },
  },
]);

export function offloadRunning(cfg: RunningConfig): string[] {
  return cfg.offload ? ['offload enable'] : [];
}

const row = (k: string, v: string | number) => kv(4, 23, k, v);

export function showOffload(s: OffloadStatus): string {
  const state = s.enabled ? `enabled (XDP ${s.mode})` : s.configured ? 'configured, not active' : 'disabled';
  const error = s.error === null ? [] : [row(s.enabled ? 'Last error' : 'Not active because', s.error)];
  const ports = s.ports.length === 0 ? ['    No port'] : s.ports.map((p) => row(`Port ${p.port}`, `ifindex ${p.ifindex}${p.captured ? ', capture running: not offloaded' : ''}`));
  const lines = [
    RULE,
    '  Flow Offload',
    SUBRULE,
    row('State', state),
    ...error,
    row('Flows in the kernel', s.flows),
    row('  client to real', s.flowsToReal),
    row('  real to client', s.flowsToClient),
    row('Installed', s.installed),
    row('Removed', s.removed),
    ...Object.entries(s.removedBy).filter(([, n]) => n !== 0).map(([why, n]) => row(`  ${why}`, n)),
    row('Install failures', s.installFailures),
    row('Hits (packets)', s.packets),
    row('Hits (bytes)', s.bytes),
    '',
    optionRule(4, 'Ports'),
    ...ports,
    ...(s.cache === null ? [] : [
      '',
      optionRule(4, 'User-space flow cache'),
      row('Entries', `${s.cache.entries} of ${s.cache.slots}`),
      row('Hits (packets)', s.cache.hits),
      row('Installs', s.cache.installs),
      row('Evictions', s.cache.evictions),
    ]),
    RULE,
  ];
  return `\n${lines.join('\n')}\n\n`;
}

const PROTO: Record<number, string> = { 6: 'tcp', 17: 'udp' };

export function showFlows(rows: readonly OffloadFlowRow[]): string {
  const t = table(['Prot', 'Src:Sport', 'Dst:Dport', 'Dir', 'In', 'Out', 'Packets', 'Bytes', 'Kernel'], rows.map((f) => [
    PROTO[f.proto] ?? String(f.proto), `${formatIpv4(f.src)}:${f.sport}`, `${formatIpv4(f.dst)}:${f.dport}`, f.dir, f.inPort, f.outPort,
    f.packets, f.bytes, f.kernelPackets,
  ]), { indent: 2 });
  return `\n${[RULE, '  Offloaded Flows', SUBRULE, ...(rows.length === 0 ? ['  No flow'] : t), RULE].join('\n')}\n\n`;
}
