// What every system test file does around its tests: skip with the reason when the machine
// cannot run them, take the machine-wide lock (vitest runs files in parallel; these share CPUs
// and timing), build the topology, start pask serve, load a configuration, wait for health;
// and undo it all in afterAll, also when something failed half-way.

import { afterAll, beforeAll, expect } from 'vitest';
import { entryRows, filterHits, PaskServe, realTotals, totalSessions, waitHealth } from './appliance.js';
import { OFFLOAD_ENABLE } from './scenarios.js';
import { acquireSystemLock, Topology, whyNoSystem, type Role, type TopologyOptions } from './topology.js';

export { whyNoSystem };

export interface Rig {
  topo: Topology;
  pask: PaskServe;
}

/**
 * Registers beforeAll/afterAll that build `opts`, start pask on the appliance's ports, run
 * `config` through `pask --connect -f`, and wait until `healthy` (real ids) are ACT. The returned
 * object is filled in by beforeAll.
 */
export function systemRig(opts: TopologyOptions, config: string, healthy: string[] = ['1', '2']): Rig {
  const rig = {} as Rig;
  let release: (() => void) | null = null;
  beforeAll(async () => {
    release = await acquireSystemLock();
    rig.topo = await Topology.create(opts);
    rig.pask = await PaskServe.start(rig.topo);
    // PASK_SYSTEM_OFFLOAD=1: every system test with established flows forwarded in the kernel.
    await rig.pask.batch(process.env['PASK_SYSTEM_OFFLOAD'] === '1' ? `${config}${OFFLOAD_ENABLE}` : config);
    const want = Object.fromEntries(healthy.map((id) => [id, 'ACT']));
    // The first probes go out at once; ARP and the first answers take a moment.
    const got = await waitHealth(rig.pask, want, 20_000);
    if (!healthy.every((id) => got[id] === 'ACT')) {
      throw new Error(`the reals did not go ACT: ${JSON.stringify(got)}\n${await rig.pask.cli('show info slb test', 'show arp', 'show log')}\npask stderr:\n${rig.pask.stderr()}`);
    }
  }, 900_000);
  afterAll(async () => {
    try {
      if (rig.pask) await rig.pask.stop();
    } finally {
      rig.topo?.destroy();
      release?.();
    }
  }, 60_000);
  return rig;
}

/** `n` GETs of http://VIP/ from the client, one after the other: the bodies (or `error: ...`). */
export function curlMany(topo: Topology, n: number, url?: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(topo.curl(url));
  return out;
}

/** How many times each answer occurs. */
export function tally(xs: string[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const x of xs) t[x] = (t[x] ?? 0) + 1;
  return t;
}

export interface TwentyRun {
  readonly bodies: string[];
  /** Wall ms the 20 GETs took (on a loaded machine, sessions may expire before `show entry`). */
  readonly elapsed: number;
  readonly entry: string;
  readonly info: string;
  /** What each capture saw, in the order they were asked for. */
  readonly captures: string[][];
}

/**
 * 20 GETs of the VIP from the client while captures run, then `show entry` and `show info slb test`.
 * A capture's optional fourth element is passed to Topology.capture (`{ verbose: true }`: tcpdump -v).
 */
export async function twentyThroughPask(rig: Rig, captures: readonly [role: Role, ifname: string, filter: string, opts?: { verbose?: boolean }][]): Promise<TwentyRun> {
  const { topo, pask } = rig;
  const running = [];
  for (const [role, ifname, filter, opts] of captures) running.push(await topo.capture(role, ifname, filter, opts));
  const t0 = Date.now();
  const bodies = curlMany(topo, 20);
  const elapsed = Date.now() - t0;
  const entry = await pask.cli('show entry');
  const info = await pask.cli('show info slb test');
  const seen = [];
  for (const c of running) seen.push(await c.stop());
  return { bodies, elapsed, entry, info, captures: seen };
}

/** A `show entry` row of a DSR-style session: client -> VIP, the answer expected from the VIP. */
export const DSR_ENTRY_ROW = /^tcp  192\.168\.212\.225:(\d+) 192\.168\.193\.50:80 - 192\.168\.193\.50:80 192\.168\.212\.225:\1 slb\.test:[12]$/;

/** `show entry` and `show info slb test` after twenty requests, ten to each real. */
export function expectTwentySessions(entry: string, info: string, elapsedMs: number, natMode: string, row: RegExp): void {
  const rows = entryRows(entry);
  // Sessions outlive their FIN by the tcp-fin timeout (10 s): all twenty are listed after a quick run.
  if (elapsedMs < 8000) expect(rows).toHaveLength(20);
  for (const r of rows) expect(r).toMatch(row);
  expect(new Set(rows.map((r) => r.slice(-1)))).toEqual(new Set(['1', '2']));
  expect(filterHits(info)).toBe(20);
  expect(totalSessions(info)).toBe(20);
  expect(realTotals(info)).toEqual({ 1: 10, 2: 10 });
  expect(info).toContain(`    NAT Mode             : ${natMode}`);
}
