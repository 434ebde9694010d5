// `show port`, `show statistics`, `clear statistics`: argument errors, an appliance without a
// dataplane, and a backend's own counters.
import { describe, expect, it } from 'vitest';
import { showPort } from '../../commands/port.js';
import { Engine } from '../../src/engine/engine.js';
import { EngineRuntime } from '../../src/engine/runtime-view.js';
import { mac } from '../../src/net/addr.js';
import type { BackendCounter, PortBackend } from '../../src/ports/backend.js';
import { VirtualClock } from '../../src/util/clock.js';
import { batch, newAppliance } from '../helpers/cli.js';

describe('show port', () => {
  it('rejects ports outside 1-16 and words', async () => {
    const app = newAppliance();
    const r17 = await batch(app, 'show port 17');
    expect(r17.ok).toBe(false);
    expect(r17.err).toContain('% Value 17 is out of range (1-16)');
    const rx = await batch(app, 'show port x');
    expect(rx.ok).toBe(false);
    expect(rx.err).toMatch(/^batch:1: % /);
    expect((await batch(app, 'show port 0')).err).toMatch(/% /);
  });

  it('without a dataplane: nothing attached, every counter zero, clear is harmless', async () => {
    const app = newAppliance();
    const r = await batch(app, 'show port\nshow port 16\nclear statistics\nshow statistics');
    expect(r.err).toBe('');
    for (let p = 1; p <= 16; p++) expect(r.out).toMatch(new RegExp(`^  ${p} +- +0 +0 +0 +0 +0$`, 'm'));
    expect(r.out).toContain('  Port 16\n');
    expect(r.out).toMatch(/^ {4}Attached +: -$/m);
    expect(r.out).toContain('    No drops');
    expect(r.out).toContain('Statistics cleared');
    expect(r.out).toMatch(/^ {4}Sessions created +: 0$/m);
  });

  it('lists a backend\'s own counters after the engine\'s, and none for a backend without them', () => {
    const engine = new Engine(new VirtualClock(), { baseMac: mac('02:00:00:00:00:01') });
    const counters: BackendCounter[] = [['RX kernel drops', 3], ['Last TX error', 'none']];
    const plain: PortBackend = { name: 'fake', transmit: () => {}, attach: () => {}, detach: () => {} };
    engine.attach(2, { ...plain, name: 'linux:p2', counters: () => counters });
    engine.attach(3, plain);
    const rt = new EngineRuntime(engine);
    expect(rt.backendCounters(2)).toEqual(counters);
    expect(rt.backendCounters(3)).toEqual([]);
    expect(rt.backendCounters(4)).toEqual([]);
    expect(rt.portCounters(2).attached).toBe('linux:p2');
    expect(rt.portCounters(4).attached).toBeNull();
    const out = showPort(2, rt.portCounters(2), rt.backendCounters(2));
    expect(out).toMatch(/ {4}--- Backend linux:p2 -+\n {4}RX kernel drops +: 3\n {4}Last TX error +: none\n=+\n/);
    expect(showPort(3, rt.portCounters(3), rt.backendCounters(3))).not.toContain('Backend');
  });
});
