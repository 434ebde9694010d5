// The reference scenario's show blocks must equal the seed's text, character for character.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Appliance } from '../../src/appliance.js';
import { batch, newAppliance, REFERENCE_SCENARIO } from '../helpers/cli.js';
import { seedBlock, seedOutput, trimEnd } from '../helpers/seed.js';

describe('reference scenario against the seed (file 000)', () => {
  let app: Appliance;
  beforeAll(async () => {
    app = newAppliance();
    const r = await batch(app, REFERENCE_SCENARIO);
    expect(r.err).toBe('');
    expect(r.ok).toBe(true);
  });

  const show = async (cmd: string) => {
    const r = await batch(app, cmd);
    expect(r.err).toBe('');
    return r.out;
  };

  for (const cmd of ['show interface', 'show route', 'show vlan', 'show health-check 1', 'show health-check 2', 'show real']) {
    it(cmd, async () => {
      const out = await show(cmd);
      expect(trimEnd(out)).toBe(trimEnd(seedOutput(cmd)));
      // The blank line the appliance prints before a block is part of the format.
      expect(out.startsWith('\n====')).toBe(true);
    });
  }

  it('show port-boundary 1', async () => {
    expect(trimEnd(await show('show port-boundary 1'))).toBe(trimEnd('\n' + seedBlock('  PORT-BOUNDARY: 1')));
  });

  it('the prompt follows the hostname and the mode', async () => {
    expect(app.config.hostname).toBe('PAS-K');
  });
});
