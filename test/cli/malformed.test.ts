// Bad input always gets a clear `% ` error and changes nothing.
import { describe, expect, it } from 'vitest';
import { commandRegistry } from '../../commands/index.js';
import { renderRunningConfig } from '../../commands/running-config.js';
import { CliSession } from '../../src/cli/session.js';
import { batch, newAppliance, REFERENCE_SCENARIO } from '../helpers/cli.js';
import { rng, type Rng } from '../helpers/rng.js';

const JUNK = ['256.1.1.1', '1.2.3', '1.2.3.4.5', '-1', '0x10', '1e3', '99999999999', '%%', '@@', '™', '한글', '💥', '"', '""x', '\\',
  '1.1.1.1/33', '10.0.0.0/-1', 'AA:BB', '::1', '00:06:c4:90:03:9g', '1,,2', '0-', '17', '0', '=', '<cr>', '?x', '|', '| include ('];

/** Commands in which one slot is replaced by a value of the wrong kind. */
const TEMPLATES: [mode: string, template: string][] = [
  ['config', 'route network # gateway 192.168.193.1'],
  ['config', 'route network 10.0.0.0/8 gateway #'],
  ['config', 'route network 10.0.0.0/8 gateway 192.168.193.1 priority #'],
  ['config', 'route default-gateway #'],
  ['config', 'real #'],
  ['config', 'health-check #'],
  ['config', 'port-boundary #'],
  ['config', 'hostname #'],
  ['config', 'session-timeout udp #'],
  ['real', 'rip #'],
  ['real', 'rport #'],
  ['real', 'weight #'],
  ['health-check', 'type #'],
  ['health-check', 'timeout #'],
  ['health-check', 'inner-tip #'],
  ['health-check', 'http expect #'],
  ['port-boundary', 'port #'],
  ['port-boundary', 'src-ip #'],
  ['port-boundary', 'include-mac #'],
  ['slb', 'vip # protocol tcp vport 80'],
  ['slb', 'vip 192.168.193.60 protocol # vport 80'],
  ['slb', 'vip 192.168.193.60 protocol tcp vport #'],
  ['slb', 'nat-mode #'],
  ['slb', 'lb-method #'],
  ['slb', 'filter # type include'],
  ['slb', 'filter 2 dip #'],
  ['slb', 'sticky time #'],
  ['slb', 'sticky src-subnet #'],
  ['vlan', 'vid #'],
  ['vlan', 'port # untagged'],
  ['interface', 'ip address #'],
  ['exec', 'show real #'],
  ['exec', 'show health-check #'],
  ['exec', 'terminal length #'],
];

const ENTER: Record<string, string> = {
  exec: '', config: 'configure terminal', real: 'configure terminal\nreal 1', 'health-check': 'configure terminal\nhealth-check 1',
  'port-boundary': 'configure terminal\nport-boundary 1', slb: 'configure terminal\nslb test', vlan: 'configure terminal\nvlan test',
  interface: 'configure terminal\ninterface test',
};

function junkToken(r: Rng): string {
  if (r.chance(0.1)) return 'x'.repeat(r.int(300, 5000));
  if (r.chance(0.2)) return String.fromCodePoint(...Array.from({ length: r.int(1, 6) }, () => r.int(0x80, 0x2fff)));
  return r.pick(JUNK);
}

function malformedLine(r: Rng): { mode: string; line: string } {
  const kind = r.int(0, 4);
  if (kind <= 2) {
    const [mode, t] = r.pick(TEMPLATES);
    return { mode, line: t.replace('#', junkToken(r)) };
  }
  if (kind === 3) {
    // Junk first words: never a keyword prefix.
    const words = Array.from({ length: r.int(1, 5) }, () => junkToken(r));
    return { mode: r.pick(Object.keys(ENTER)), line: words.join(' ') };
  }
  // A valid command with a junk word added where nothing more may come.
  const [mode, line] = r.pick([['exec', 'show vlan'], ['config', 'route default-gateway 192.168.193.1'], ['slb', 'nat-mode nat'],
    ['real', 'rport 80'], ['exec', 'show entry'], ['vlan', 'vid 193']] as const);
  return { mode, line: `${line} ${junkToken(r)}` };
}

describe('malformed input', () => {
  it('600 malformed lines give % errors, no crash, and leave the running config as it was', async () => {
    const app = newAppliance();
    expect((await batch(app, REFERENCE_SCENARIO)).ok).toBe(true);
    const before = app.config;
    const beforeText = renderRunningConfig(before);
    const r = rng(600);
    let errors = 0;
    for (let i = 0; i < 600; i++) {
      const { mode, line } = malformedLine(r);
      const session = new CliSession(app, commandRegistry(), { privilege: 15, interactive: false });
      for (const l of ENTER[mode]!.split('\n')) expect(await session.execute(l, { write: () => {} })).toBeNull();
      const e = await session.execute(line, { write: () => {} });
      expect(e, `line accepted: ${JSON.stringify(line)} in ${mode}`).not.toBeNull();
      expect(e!.message.startsWith('% '), e!.message).toBe(true);
      expect(e!.message).not.toMatch(/Internal error|at .*\.ts:\d+/);
      expect(session.pendingEdit()?.changes ?? [], 'nothing was staged').toEqual([]);
      errors++;
    }
    expect(errors).toBe(600);
    expect(app.config).toBe(before);
    expect(renderRunningConfig(app.config)).toBe(beforeText);
  });

  it('a rejected apply changes nothing and keeps the staged edit', async () => {
    const app = newAppliance();
    await batch(app, REFERENCE_SCENARIO);
    const before = app.config;
    const r = await batch(app, 'configure terminal\nslb test\nreal 9\napply\nexit\nroute default-gateway 8.8.8.8\nno real 1');
    expect(r.ok).toBe(false);
    expect(r.err).toContain('batch:4: % slb test: real 9 does not exist');
    // The discard is a warning on stderr with its FILE:LINE (the exit), not output.
    expect(r.err).toContain('batch:5: % slb test: changes not applied, discarded (real)');
    expect(r.out).not.toContain('discarded');
    expect(r.err).toContain('batch:6: % default gateway 8.8.8.8 is not on a connected network');
    expect(r.err).toContain('batch:7: % real 1 is used by slb test');
    expect(app.config).toBe(before);
  });

  it('reports ambiguous and incomplete commands', async () => {
    const app = newAppliance();
    const r = await batch(app, 'sh r\nshow\nconfigure terminal\nroute network 10.0.0.0/8');
    expect(r.err).toBe([
      'batch:1: % Ambiguous command: "sh r"',
      'batch:2: % Incomplete command.',
      'batch:4: % Incomplete command.',
      '',
    ].join('\n'));
  });
});
