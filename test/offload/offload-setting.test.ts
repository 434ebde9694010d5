// `offload enable|disable` as a setting of the running config: shown by show running-config,
// saved and loaded with the start-up configuration, kept where the offloader cannot run (the lab:
// no Linux port; a Linux port without the kernel side: a warning), and EdgeOS's name for it.

import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Appliance } from '../../src/appliance.js';
import { startDataplane } from '../../src/dataplane.js';
import { bootAppliance } from '../../src/boot.js';
import type { PortBackend } from '../../src/ports/backend.js';
import { VirtualClock } from '../../src/util/clock.js';
import { batch, labAppliance, newAppliance, REFERENCE_SCENARIO, runClean } from '../helpers/cli.js';

const ON = 'configure terminal\noffload enable\nend\n';
const state = (show: string) => /State\s+: (.*)/.exec(show)?.[1];
const notActiveBecause = (show: string) => /Not active because\s+: (.*)/.exec(show)?.[1];

describe('offload as a configuration setting', () => {
  const open: Appliance[] = [];
  afterEach(async () => {
    for (const a of open.splice(0)) await a.close();
    vi.unstubAllEnvs();
  });
  const lab = async () => {
    const a = await labAppliance();
    open.push(a);
    return a;
  };

  it('is off by default and absent from show running-config', async () => {
    const app = await lab();
    expect(app.config.offload).toBe(false);
    expect(await runClean(app, 'show running-config')).not.toMatch(/offload/);
    expect(state(await runClean(app, 'show offload'))).toBe('disabled');
  });

  it('offload enable on the lab is accepted without a warning, shown by show running-config and write terminal, and not active with its reason', async () => {
    const app = await lab();
    const r = await batch(app, `${REFERENCE_SCENARIO}${ON}`);
    expect(r.err).toBe('');
    expect(app.config.offload).toBe(true);
    const running = await runClean(app, 'show running-config');
    expect(running.split('\n')).toContain('offload enable');
    expect(await runClean(app, 'write terminal')).toBe(running);
    // A section of the running config leaves it out, as it leaves out every other setting.
    expect(await runClean(app, 'show running-config slb')).not.toMatch(/offload/);
    const show = await runClean(app, 'show offload');
    expect(state(show)).toBe('configured, not active');
    expect(notActiveBecause(show)).toBe('no port is attached to a Linux interface');
    expect(JSON.parse(await runClean(app, 'show offload | json'))).toMatchObject({ configured: true, enabled: false, error: 'no port is attached to a Linux interface' });
    expect(app.log.list().some((e) => e.facility === 'offload' && /configured, not active: no port/.test(e.text))).toBe(true);
  });

  it('show offload also shows the engine\'s user-space flow cache, which takes established flows on the lab too', async () => {
    const app = await lab();
    expect(await batch(app, REFERENCE_SCENARIO)).toMatchObject({ ok: true });
    await runClean(app, 'wait 10\nlab request client http://192.168.193.50/ count 4');
    const show = await runClean(app, 'show offload');
    expect(show).toMatch(/User-space flow cache/);
    const hits = Number(/Hits \(packets\)\s+: (\d+)\n(?:.*\n)*?\s+Installs/.exec(show.slice(show.indexOf('User-space')))?.[1]);
    expect(hits).toBeGreaterThan(0);
    const j = JSON.parse(await runClean(app, 'show offload | json')) as { cache: { hits: number; installs: number; slots: number } };
    expect(j.cache.hits).toBe(hits);
    expect(j.cache.installs).toBeGreaterThanOrEqual(4);
    // The sessions count every packet, the cached ones included.
    expect(await runClean(app, 'show entry')).toMatch(/192\.168\.212\.225/);
  });

  it('no offload and offload disable remove it', async () => {
    for (const off of ['no offload', 'offload disable']) {
      const app = await lab();
      await runClean(app, ON);
      await runClean(app, `configure terminal\n${off}\nend\n`);
      expect(app.config.offload).toBe(false);
      expect(await runClean(app, 'show running-config')).not.toMatch(/offload/);
      const show = await runClean(app, 'show offload');
      expect(state(show)).toBe('disabled');
      expect(notActiveBecause(show)).toBeUndefined();
    }
  });

  it('survives write memory and a start-up from the saved file, and a reload', async () => {
    const app = await lab();
    await runClean(app, `${REFERENCE_SCENARIO}${ON}write memory\n`);
    const path = app.startupConfigPath!;
    const again = await bootAppliance({ lab: 'default', ports: [], config: path }, { out: () => {}, err: (t) => { throw new Error(t); } }, 'batch');
    open.push(again);
    expect(again.config).toEqual(app.config);
    expect(await runClean(again, 'show running-config')).toBe(await runClean(app, 'show running-config'));
    expect(state(await runClean(again, 'show offload'))).toBe('configured, not active');
    await runClean(app, 'reload\n');
    expect(app.config.offload).toBe(true);
    expect(state(await runClean(app, 'show offload'))).toBe('configured, not active');
  });

  it('refuses a bad value with a % error and changes nothing', async () => {
    const app = await lab();
    const before = app.config;
    const r = await batch(app, 'configure terminal\noffload foo\n');
    expect(r.ok).toBe(false);
    expect(r.err).toMatch(/^batch:2: % /);
    expect(app.config).toBe(before);
    expect(state(await runClean(app, 'show offload'))).toBe('disabled');
  });

  it('is a configuration command: refused in exec mode', async () => {
    const app = await lab();
    const r = await batch(app, 'offload enable\n');
    expect(r.err).toMatch(/% /);
    expect(app.config.offload).toBe(false);
  });

  it('on a Linux port where the offloader cannot start: a % warning with the reason, the setting kept, tried again when given again', async () => {
    // The kernel side cannot open (no addon at this path): what a machine without root or BPF says in its own words.
    vi.stubEnv('PASK_OFFLOAD_ADDON', join(import.meta.dirname, 'no-such-addon.node'));
    const app = new Appliance(new VirtualClock());
    const dp = startDataplane(app);
    const linuxPort: PortBackend & { ifindex: number } = { name: 'eth-fake', ifindex: 4242, transmit() {}, attach() {}, detach() {} };
    dp.engine.attach(1, linuxPort);
    try {
      const r = await batch(app, ON);
      expect(r.ok).toBe(true);
      const warning = /^batch:2: % Offload is configured but not active: (.+)$/m.exec(r.err);
      expect(warning, r.err).not.toBeNull();
      expect(app.config.offload).toBe(true);
      const show = await runClean(app, 'show offload');
      expect(state(show)).toBe('configured, not active');
      expect(notActiveBecause(show)).toBe(warning![1]);
      expect(app.log.list().find((e) => e.facility === 'offload')?.severity).toBe('warning');
      expect((await batch(app, ON)).err).toMatch(/% Offload is configured but not active/);
      expect((await batch(app, 'configure terminal\nno offload\nend\n')).err).toBe('');
      expect(state(await runClean(app, 'show offload'))).toBe('disabled');
    } finally {
      dp.close();
    }
  });

  it('EdgeOS: set system offload ipv4 forwarding enable|disable edits the same setting, delete puts it back', async () => {
    const app = newAppliance();
    const out = await runClean(app, 'configure\nset system offload ipv4 forwarding enable\ncompare\ncommit\nexit\n');
    expect(out).toContain('+ offload enable');
    expect(app.config.offload).toBe(true);
    await runClean(app, 'configure\ndelete system offload ipv4 forwarding\ncommit\nexit\n');
    expect(app.config.offload).toBe(false);
    await runClean(app, 'configure\nset system offload ipv4 forwarding enable\ncommit\nset system offload ipv4 forwarding disable\ncommit\nexit\n');
    expect(app.config.offload).toBe(false);
  });
});
