// Evidence for docs/decisions.md: vorpal (named by the design card) drives one global UI bound to
// process.stdin/stdout, so it cannot serve several SSH consoles at once; pask has its own console.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { commandRegistry } from '../../commands/index.js';
import { CliSession } from '../../src/cli/session.js';
import { Console } from '../../src/console/console.js';
import { newAppliance } from '../helpers/cli.js';

const require = createRequire(import.meta.url);

describe('console front-end choice', () => {
  it('vorpal: two instances share one UI singleton stored on the process', () => {
    const Vorpal = require('vorpal');
    const a = new Vorpal();
    const b = new Vorpal();
    expect(a.ui).toBe(b.ui);
    expect((globalThis as { __vorpal?: { ui: { exists: boolean } } }).__vorpal?.ui.exists).toBe(true);
    // Its UI listens for keypresses on process.stdin itself; there is no stream parameter.
    const src = require('node:fs').readFileSync(require.resolve('vorpal/dist/ui.js'), 'utf8') as string;
    expect(src).toContain("process.stdin.on('keypress'");
  });

  it('pask: two consoles on two streams keep their own modes and lines', async () => {
    const app = newAppliance();
    const outs = ['', ''];
    const consoles = [0, 1].map((i) => {
      const session = new CliSession(app, commandRegistry(), { privilege: 15, interactive: true });
      const c = new Console(session, { write: (t) => void (outs[i] += t), width: () => 80, color: false });
      c.start();
      return { c, session };
    });
    consoles[0]!.c.feed('conf');
    consoles[1]!.c.feed('show ver');
    consoles[0]!.c.feed('igure terminal\r');
    consoles[1]!.c.feed('\x15show vlan\r');
    await new Promise((r) => setTimeout(r, 20));
    expect(consoles[0]!.session.prompt()).toBe('switch(config)#');
    expect(consoles[1]!.session.prompt()).toBe('switch#');
    expect(outs[1]).toContain('VLAN Configuration');
    expect(outs[0]).not.toContain('VLAN Configuration');
  });
});
