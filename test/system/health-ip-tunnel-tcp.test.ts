// The ip-tunnel-tcp health check of file 000 against real servers: nginx stopped on srv1 makes
// its kernel answer the tunnelled SYN with a RST, so real 1 goes DEACT within
// timeout + interval x retry (3 + 5 x 3 = 18 s); the service carries on through srv2; nginx
// started again brings real 1 back at the next probe (recover 0).

import { describe, expect, it } from 'vitest';
import { realTotals, waitHealth } from './appliance.js';
import { referenceScenario, SECOND_REAL } from './scenarios.js';
import { curlMany, systemRig, tally, whyNoSystem } from './suite.js';

const why = whyNoSystem();
const DEADLINE_S = 3 + 5 * 3;

describe.skipIf(!!why)(`ip-tunnel-tcp health checks against real servers${why ? ` (skipped: ${why})` : ''}`, () => {
  const rig = systemRig({ variant: 'routed' }, referenceScenario() + SECOND_REAL);

  it('nginx stopped on srv1: real 1 DEACT (rst) within timeout + interval x retry, curl keeps succeeding through srv2; nginx back: ACT again', async () => {
    const { topo, pask } = rig;
    expect(tally(curlMany(topo, 4))).toEqual({ srv1: 2, srv2: 2 });

    const stoppedAt = Date.now();
    await topo.stopNginx('srv1');
    // Port 80 of srv1 is closed now: its kernel answers RST (also to the tunnelled probe).
    expect(topo.tryX('srv1', ['curl', '-s', '-m', '2', 'http://192.168.211.150/']).status).toBe(7);
    const down = await waitHealth(pask, { 1: 'DEACT rst', 2: 'ACT' }, (DEADLINE_S + 4) * 1000, 'test');
    const tookS = (Date.now() - stoppedAt) / 1000;
    expect(down).toEqual({ 1: 'DEACT rst', 2: 'ACT' });
    expect(tookS).toBeLessThanOrEqual(DEADLINE_S + 1.5);
    // Not before retry failures in a row: at least two intervals after the stop.
    expect(tookS).toBeGreaterThanOrEqual(2 * 5 - 1);

    // The service goes on through srv2 alone.
    const before = realTotals(await pask.cli('show info slb test'));
    const bodies = curlMany(topo, 10);
    expect(bodies).toEqual(Array(10).fill('srv2'));
    const after = realTotals(await pask.cli('show info slb test'));
    expect(after['1']).toBe(before['1']);
    expect(after['2']).toBe(before['2']! + 10);

    // nginx back: the next probe (every 5 s) succeeds and recover 0 brings real 1 back at once.
    const startedAt = Date.now();
    await topo.startNginx('srv1');
    const up = await waitHealth(pask, { 1: 'ACT', 2: 'ACT' }, 12_000, 'test');
    expect(up).toEqual({ 1: 'ACT', 2: 'ACT' });
    expect((Date.now() - startedAt) / 1000).toBeLessThanOrEqual(5 + 3 + 1.5);
    expect(new Set(curlMany(topo, 6))).toEqual(new Set(['srv1', 'srv2']));

    const log = await pask.cli('show log');
    expect(log).toMatch(/health: .*real 1 .*up -> down \(rst\)/);
    expect(log).toMatch(/health: .*real 1 .*down -> up/);
    expect(log).not.toMatch(/real 2 .*up -> down/);
  }, 90_000);
});
