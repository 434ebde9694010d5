// Every token of every command has help (`?` never shows a bare word), and the help that was
// wrong says the right thing now.
import { describe, expect, it } from 'vitest';
import { ALL_COMMANDS, commandRegistry } from '../../commands/index.js';
import { CONFIG_MODES, SUBMODES } from '../../src/cli/modes.js';
import { leavesOf } from '../../src/cli/grammar/syntax.js';
import { batch, newAppliance } from '../helpers/cli.js';
import { CliSession } from '../../src/cli/session.js';

describe('help texts', () => {
  it('every keyword and argument of every command has help', () => {
    const missing: string[] = [];
    for (const mode of ['exec', ...CONFIG_MODES, 'edgeos'] as const) {
      const set = commandRegistry().set(mode, true);
      for (const cmd of set.commands) {
        for (const leaf of leavesOf(cmd.tree)) {
          if (set.tokenHelp(cmd, leaf).trim() === '') missing.push(`${mode}: "${cmd.syntax}": ${leaf.t === 'kw' ? leaf.word : leaf.type.name}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('every command of every mode is reachable (the modes the docs list)', () => {
    for (const d of ALL_COMMANDS) for (const m of d.modes) expect(['global', 'exec', 'config', ...SUBMODES, 'edgeos']).toContain(m);
  });

  const help = async (setup: string, line: string) => {
    const app = newAppliance();
    const s = new CliSession(app, commandRegistry(), { privilege: 15, interactive: false });
    for (const l of setup.split('\n').filter((x) => x)) expect(await s.execute(l, { write: () => {} })).toBeNull();
    return s.help(line);
  };

  it('says what a value means, not what the same word means as a command', async () => {
    expect(await help('configure terminal\nslb test', 'status ')).toMatch(/^ {2}disable +Out of service\n {2}enable +In service\n$/);
    expect(await help('', 'show health-check ')).toMatch(/ {2}status +What each check sees/);
    expect(await help('', 'wa')).toMatch(/ {2}wait +Let time pass/);
    expect(await help('', 'wait ')).toMatch(/<0-86400> +Seconds/);
    expect(await help('configure terminal\nslb test', 'fail-skip ')).toMatch(/ {2}real +The real in every service that uses it/);
    expect(await help('configure terminal\nslb test', 'keep-backup ')).toMatch(/ {2}real +For backup reals/);
    expect(await help('', 'lo')).toMatch(/logout +Close the session/);
  });

  it('lists ? in alphabetical order, <cr> last', async () => {
    const words = (t: string) => t.trimEnd().split('\n').map((l) => l.trim().split(/\s+/)[0]!);
    const list = words(await help('', 'show '));
    expect(list).toEqual([...list].sort((a, b) => a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' })));
    const slb = words(await help('configure terminal\nslb test', ''));
    expect(slb).toEqual([...slb].sort((a, b) => a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' })));
    expect(words(await help('', 'show real '))).toEqual(['<1-65535>', '<cr>']);
  });

  it('offers configured objects after ? and on Tab', async () => {
    const app = newAppliance();
    const r = await batch(app, 'configure terminal\nreal 1\n name web\n rip 10.0.0.1\n apply\nreal 12\n rip 10.0.0.12\n apply\n'
      + 'vlan test\n vid 193\n apply\nslb test\n vip 1.1.1.1 protocol tcp vport 80\n real 1\n apply\nslb tango\n vip 1.1.1.2 protocol tcp vport 80\n apply\nend\n');
    expect(r.err).toBe('');
    const s = new CliSession(app, commandRegistry(), { privilege: 15, interactive: false });
    expect(s.help('show info slb ')).toBe('  NAME   Service name\n  tango  SLB service, 1.1.1.2:80/tcp\n  test   SLB service, 1.1.1.1:80/tcp\n  <cr>\n');
    expect(s.complete('show info slb te')).toEqual({ line: 'show info slb test ', choices: [] });
    expect(s.complete('show info slb t')).toEqual({ line: 'show info slb t', choices: ['tango', 'test'] });
    expect(s.complete('show real 1')).toEqual({ line: 'show real 1', choices: ['1', '12'] });
    expect(s.help('show real ')).toContain('  1          Real server, web, 10.0.0.1\n');
    expect(s.complete('show vlan t')).toEqual({ line: 'show vlan test ', choices: [] });
    expect(s.complete('show interface m')).toEqual({ line: 'show interface mgmt ', choices: [] });
  });
});
