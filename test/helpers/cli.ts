// Runs command lines against an in-process appliance, as a batch does.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { Appliance } from '../../src/appliance.js';
import { commandRegistry } from '../../commands/index.js';
import { linesOfFile, runBatch } from '../../src/cli/batch.js';
import { CliSession } from '../../src/cli/session.js';
import { VirtualClock } from '../../src/util/clock.js';

export const REFERENCE_SCENARIO = readFileSync(new URL('../fixtures/reference-scenario.txt', import.meta.url), 'utf8');

export function newAppliance(): Appliance {
  return new Appliance(new VirtualClock());
}

export interface BatchResult {
  ok: boolean;
  out: string;
  err: string;
  /** Diagnostics (tcpdump's header and statistics), which `pask` writes to stderr with the errors. */
  diag: string;
}

export async function batch(app: Appliance, text: string, name = 'batch'): Promise<BatchResult> {
  const session = new CliSession(app, commandRegistry(), { privilege: 15, interactive: false });
  let out = '';
  let err = '';
  let diag = '';
  const ok = await runBatch(session, linesOfFile(name, text), { out: (t) => (out += t), err: (t) => (err += t), diag: (t) => (diag += t) });
  return { ok, out, err, diag };
}

/** Runs a batch that must not fail (nothing on its error stream); its output. */
export async function runClean(app: Appliance, text: string): Promise<string> {
  const r = await batch(app, text);
  expect(r.err).toBe('');
  return r.out;
}

/** Health and cause of each real in `show info slb NAME`, by real id. */
export async function realStates(app: Appliance, slb = 'test'): Promise<Record<string, string>> {
  const out = await runClean(app, `show info slb ${slb}`);
  const section = out.split('    Real\n')[1]!.split('\n\n')[0]!.split('\n').slice(1);
  return Object.fromEntries(section.map((l) => {
    const f = l.trim().split(/\s+/);
    return [f[0]!, `${f[6]} ${/^\d+$/.test(f[7]!) ? '' : f[7]}`.trim()];
  }));
}

/** The appliance's `test` VLAN (ports 1 and 2) and interface 192.168.193.181/24 with the lab router as default gateway. */
export const ROUTED_BASE = [
  'configure terminal',
  'vlan test', ' vid 193', ' port 1,2 untagged', ' apply',
  'interface test', ' ip address 192.168.193.181/24', ' apply',
  'route default-gateway 192.168.193.1',
  'end',
  '',
].join('\n');

/** An appliance on the default embedded lab (virtual time, instant pacing), as `pask` boots it for a batch. */
export async function labAppliance(lab = 'default'): Promise<Appliance> {
  const { bootAppliance } = await import('../../src/boot.js');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const home = mkdtempSync(join(tmpdir(), 'pask-lab-'));
  return bootAppliance({ lab, ports: [], config: null, startupPath: join(home, 'startup-config') },
    { out: () => {}, err: (t) => { throw new Error(t); } }, 'batch');
}
