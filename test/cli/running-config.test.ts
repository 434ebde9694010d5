// show running-config, run as a batch on a fresh appliance, rebuilds the same running config.
import { describe, expect, it } from 'vitest';
import { renderRunningConfig } from '../../commands/running-config.js';
import { validate } from '../../src/config/validate.js';
import { batch, newAppliance, REFERENCE_SCENARIO } from '../helpers/cli.js';
import { generateConfig } from '../helpers/gen-config.js';
import { rng } from '../helpers/rng.js';

describe('running config round trip', () => {
  it('holds for the reference scenario', async () => {
    const a = newAppliance();
    expect((await batch(a, REFERENCE_SCENARIO)).ok).toBe(true);
    const text = (await batch(a, 'show running-config')).out;
    const b = newAppliance();
    const r = await batch(b, text, 'running');
    expect(r.err).toBe('');
    expect(b.config).toEqual(a.config);
  });

  it('holds for 150 generated configurations', async () => {
    const r = rng(20261121);
    for (let i = 0; i < 150; i++) {
      const cfg = generateConfig(r, i % 10 === 0);
      expect(validate(cfg), `generated config ${i} is valid`).toEqual([]);
      const a = newAppliance();
      expect(a.store.commit(cfg)).toEqual([]);
      const text = renderRunningConfig(a.config);
      const b = newAppliance();
      const res = await batch(b, text, `gen${i}`);
      expect(res.err, text).toBe('');
      expect(b.config, text).toEqual(a.config);
      expect(renderRunningConfig(b.config)).toBe(text);
    }
  });
});
