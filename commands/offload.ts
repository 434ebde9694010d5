// Established-flow offload into the kernel (src/offload/): `offload enable|disable`, `show offload`.

import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import { kv, optionRule, RULE, SUBRULE, table } from '../src/cli/render.js';
import { formatIpv4 } from '../src/net/addr.js';
import type { FlowOffload, OffloadFlowRow, OffloadStatus } from '../src/offload/flow-offload.js';

function offloadOf(ctx: Ctx): FlowOffload {
  const o = ctx.appliance.offload;
  if (o === null) throw new CliError('% This appliance has no dataplane');
  return o;
}

export const offloadCommands = defineCommands<Ctx>([
  {
    syntax: 'offload <enable|disable>', modes: ['global'],
    help: {
      offload: 'Forward established flows in the kernel (XDP on the Linux ports)', enable: 'Start offloading established flows',
      disable: 'Stop: every kernel entry removed, the program detached',
    },
    doc: 'Established-flow offload: sessions of dsr, l3dsr-iptunnel, l3dsr-dscp and nat, once established, are forwarded by an XDP program on the Linux ports; the engine installs, removes and reads back their counters (no offload on a port while a capture runs on it)',
    run: (ctx, a) => {
      const o = offloadOf(ctx);
      if (a.has('disable')) {
        o.disable();
        ctx.print('Offload disabled');
        return;
      }
      const err = o.enable();
      if (err !== null) throw new CliError(`% Cannot enable offload: ${err}`);
      ctx.print('Offload enabled');
    },
  },
  {
    syntax: 'show offload [flows]', modes: ['global'], privilege: 1,
    help: { offload: 'Established-flow offload into the kernel', flows: 'The flows in the kernel, with their sessions\' counters' },
    doc: 'Established-flow offload: state, flows in the kernel, what it forwarded (with flows: each flow)',
    run: (ctx, a) => {
      const o = offloadOf(ctx);
      o.refresh();
      ctx.write(a.has('flows') ? showFlows(o.flows()) : showOffload(o.status()));
    },
    json: {
      schema: '{ enabled: boolean; mode: "generic" | "native" | null; error: string | null; flows: number; flowsToReal: number; flowsToClient: number; installed: number; removed: number; removedBy: { state: number; ended: number; topology: number; capture: number; gone: number; disable: number }; installFailures: number; packets: number; bytes: number; ports: { port: number; ifindex: number; captured: boolean }[] }  (with flows: { dir: "to-real" | "to-client"; proto: number; src: string; sport: number; dst: string; dport: number; inPort: number; outPort: number; packets: number; bytes: number; kernelPackets: number }[])',
      of: (ctx, a) => {
        const o = offloadOf(ctx);
        o.refresh();
        if (a.has('flows')) return o.flows().map((f) => ({ ...f, src: formatIpv4(f.src), dst: formatIpv4(f.dst) }));
        return o.status();
      },
    },
  },
]);

const row = (k: string, v: string | number) => kv(4, 23, k, v);

export function showOffload(s: OffloadStatus): string {
  const state = s.enabled ? `enabled (XDP ${s.mode})` : 'disabled';
  const ports = s.ports.length === 0 ? ['    No port'] : s.ports.map((p) => row(`Port ${p.port}`, `ifindex ${p.ifindex}${p.captured ? ', capture running: not offloaded' : ''}`));
  const lines = [
    RULE,
    '  Flow Offload',
    SUBRULE,
    row('State', state),
    ...(s.error !== null ? [row('Last error', s.error)] : []),
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
