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

/** Without stickiness, one real: what the bench measures (the same server as the kernel path). */
export const ONE_REAL_NO_STICKY = 'configure terminal\nslb test\n sticky time 0\n apply\nend\n';

/**
 * The reals on the appliance's own L2 (VLAN test on ports 1 and 2, or port 1 only for one-arm),
 * a plain tcp health check, and slb test in `mode` (nat: the reals' rport is `rport`, their
 * gateway is the appliance; dsr: the VIP on their lo, their gateway the router).
 */
export function lanScenario(mode: 'nat' | 'dsr', opts: { ports?: string; rport?: number; reals?: 1 | 2 } = {}): string {
  const ports = opts.ports ?? '1,2';
  const rport = opts.rport ?? 80;
  const reals = LAN_RIPS.slice(0, opts.reals ?? 2);
  return [
    'configure terminal',
    'hostname PAS-K',
    'vlan test',
    ' vid 193',
    ` port ${ports} untagged`,
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
    ...reals.flatMap((rip, i) => [`real ${i + 1}`, ` name server${i + 1}`, ` rip ${rip}`, ` rport ${rport}`, ' apply']),
    'port-boundary 1',
    ' type include',
    ` port ${ports}`,
    ' apply',
    'slb test',
    ` vip ${VIP} protocol tcp vport 80`,
    ` nat-mode ${mode}`,
    ' lb-method rr',
    ' health-check 3',
    ...reals.map((_, i) => ` real ${i + 1}`),
    ` filter 1 type include protocol tcp dip ${VIP}/32`,
    ' sticky time 0',
    ' apply',
    'end',
    '',
  ].join('\n');
}

/**
 * l3dsr-dscp on file 000's routed topology: the appliance on port 1 as in the reference scenario,
 * both reals behind the router (192.168.211.150/.151), slb test in `nat-mode l3dsr-dscp` with
 * `dscp`, rr without stickiness, and a plain tcp health check to RIP:80 (the probe carries no
 * DSCP, so the real answers it on its RIP: no VIP needed).
 */
export function l3dsrDscpScenario(dscp = 10): string {
  return [
    'configure terminal',
    'hostname PAS-K',
    'vlan test',
    ' vid 193',
    ' port 1 untagged',
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
    ...ROUTED_RIPS.flatMap((rip, i) => [`real ${i + 1}`, ` name server${i + 1}`, ` rip ${rip}`, ' rport 80', ' apply']),
    'port-boundary 1',
    ' type include',
    ' port 1',
    ' apply',
    'slb test',
    ` vip ${VIP} protocol tcp vport 80`,
    ' nat-mode l3dsr-dscp',
    ` dscp ${dscp}`,
    ' lb-method rr',
    ' health-check 3',
    ...ROUTED_RIPS.map((_, i) => ` real ${i + 1}`),
    ` filter 1 type include protocol tcp dip ${VIP}/32`,
    ' sticky time 0',
    ' apply',
    'end',
    '',
  ].join('\n');
}
