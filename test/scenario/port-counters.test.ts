// Port and engine counters on the lab: `show port`, `show statistics`, `clear statistics`.
import { describe, expect, it } from 'vitest';
import { batch, labAppliance, REFERENCE_SCENARIO } from '../helpers/cli.js';

type App = Awaited<ReturnType<typeof labAppliance>>;

async function run(app: App, text: string): Promise<string> {
  const r = await batch(app, text);
  expect(r.err).toBe('');
  return r.out;
}

const value = (out: string, key: string) => {
  const m = new RegExp(`^ {4}${key} +: (.*)$`, 'm').exec(out);
  expect(m, key).not.toBeNull();
  return m![1]!;
};

describe('port counters on the lab', () => {
  it('count the lab traffic on the attached port, show drops by reason, and clear without touching show info slb', async () => {
    const app = await labAppliance();
    await run(app, REFERENCE_SCENARIO + 'wait 10\nlab request client http://192.168.193.50/ count 4');

    const table = await run(app, 'show port');
    expect(table).toMatch(/^ {2}1 +lab port 1 +[1-9]\d* +[1-9]\d* +[1-9]\d* +[1-9]\d* +0$/m);
    for (let p = 2; p <= 16; p++) expect(table).toMatch(new RegExp(`^  ${p} +- +0 +0 +0 +0 +0$`, 'm'));

    // A SYN to the VIP on a port no service listens on: the appliance answers it as a host.
    await run(app, 'lab request client http://192.168.193.50:81/ count 2');
    const port1 = await run(app, 'show port 1');
    expect(value(port1, 'Attached')).toBe('lab port 1');
    expect(Number(value(port1, 'RX packets'))).toBeGreaterThan(0);
    expect(Number(value(port1, 'TX bytes'))).toBeGreaterThan(0);
    expect(value(port1, 'Drops')).toBe('2');
    expect(value(port1, 'no-listener')).toBe('2');

    const stats = await run(app, 'show statistics');
    expect(Number(value(stats, 'RX packets'))).toBeGreaterThan(0);
    expect(value(stats, 'Sessions created')).toBe('4');
    expect(Number(value(stats, 'SLB packets'))).toBeGreaterThan(0);
    expect(value(stats, 'Internal errors')).toBe('0');
    expect(value(stats, 'no-listener')).toBe('2');

    const info = await run(app, 'show info slb test');
    expect(await run(app, 'clear statistics')).toBe('Statistics cleared\n');
    expect(await run(app, 'show info slb test')).toBe(info);
    const cleared = await run(app, 'show port 1');
    for (const k of ['RX packets', 'RX bytes', 'TX packets', 'TX bytes', 'Drops']) expect(value(cleared, k)).toBe('0');
    expect(cleared).toContain('    No drops');
    expect(await run(app, 'show port')).toMatch(/^ {2}1 +lab port 1 +0 +0 +0 +0 +0$/m);
    const zero = await run(app, 'show statistics');
    expect(value(zero, 'Sessions created')).toBe('0');
    expect(value(zero, 'Current sessions')).toBe('4');

    // Without a port boundary the VIP's traffic is dropped as no-boundary (and reset).
    await run(app, 'configure terminal\nno port-boundary 1\nend\nlab request client http://192.168.193.50/');
    expect(value(await run(app, 'show port 1'), 'no-boundary')).toBe('1');
    await app.close();
  });
});
