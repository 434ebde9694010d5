// The appliance configurations of the system tests and the real-interface bench, as batches.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAN_RIPS, repoRoot, ROUTED_RIPS, VIP } from './topology.js';

/** test/fixtures/reference-scenario.txt: file 000's appliance configuration, as written. */
export function referenceScenario(): string {
  return readFileSync(join(repoRoot(), 'test', 'fixtures', 'reference-scenario.txt'), 'utf8');
}

/** Real 2 = the second server (192.168.211.151), in slb test, and `sticky time 0` (rr alternates). */
export const SECOND_REAL = [
  'configure terminal',
  'real 2',
  ' name server2',
  ' rip 192.168.211.151',
  ' rport 80',
  ' apply',
  'slb test',
  ' real 2',
  ' sticky time 0',
  ' apply',
  'end',
  '',
].join('\n');

/** Established-flow offload on (a global configuration setting). */
export const OFFLOAD_ENABLE = 'configure terminal\noffload enable\nend\n';

/** Without stickiness, one real: what the bench measures (the same server as the kernel path). */
export const ONE_REAL_NO_STICKY = 'configure terminal\nslb test\n sticky time 0\n apply\nend\n';

/**
 * The reals on the appliance's own L2 (VLAN test on ports 1 and 2, or port 1 only for one-arm),
 * a plain tcp health check, and slb test in `mode` (nat: the reals' rport is `rport`, their
 * gateway is the appliance; dsr: the VIP on their lo, their gateway the router).
 */
export function lanScenario(mode: 'nat' | 'dsr', opts: { ports?: string; rport?: number; reals?: 1 | 2 } = {}): string {
  return tcpCheckedScenario({ mode, ports: opts.ports ?? '1,2', rport: opts.rport ?? 80, rips: LAN_RIPS.slice(0, opts.reals ?? 2) });
}

/**
 * l3dsr-dscp on file 000's routed topology: the appliance on port 1 as in the reference scenario,
 * both reals behind the router (192.168.211.150/.151), slb test in `nat-mode l3dsr-dscp` with
 * `dscp`, rr without stickiness, and a plain tcp health check to RIP:80 (the probe carries no
 * DSCP, so the real answers it on its RIP: no VIP needed).
 */
export function l3dsrDscpScenario(dscp = 10): string {
  return tcpCheckedScenario({ mode: 'l3dsr-dscp', ports: '1', rport: 80, rips: ROUTED_RIPS, dscp });
}

/** VLAN test on `ports`, the appliance at .181, reals checked by a plain tcp health check, slb test in rr without stickiness. */
function tcpCheckedScenario(o: { mode: string; ports: string; rport: number; rips: readonly string[]; dscp?: number }): string {
  return [
    'configure terminal',
    'hostname PAS-K',
    'vlan test',
    ' vid 193',
    ` port ${o.ports} untagged`,
    ' apply',
    'interface test',
    ' ip address 192.168.193.181/24',
    ' apply',
    'route default-gateway 192.168.193.1',
    'route network 192.168.212.0/24 gateway 192.168.193.1',
    'health-check 3',
    ' type tcp',
    ' timeout 3',
    ' interval 5',
    ' retry 3',
    ' port 0',
    ' apply',
    ...o.rips.flatMap((rip, i) => [`real ${i + 1}`, ` name server${i + 1}`, ` rip ${rip}`, ` rport ${o.rport}`, ' apply']),
    'port-boundary 1',
    ' type include',
    ` port ${o.ports}`,
    ' apply',
    'slb test',
    ` vip ${VIP} protocol tcp vport 80`,
    ` nat-mode ${o.mode}`,
    ...(o.dscp === undefined ? [] : [` dscp ${o.dscp}`]),
    ' lb-method rr',
    ' health-check 3',
    ...o.rips.map((_, i) => ` real ${i + 1}`),
    ` filter 1 type include protocol tcp dip ${VIP}/32`,
    ' sticky time 0',
    ' apply',
    'end',
    '',
  ].join('\n');
}
