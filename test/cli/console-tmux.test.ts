// The console in a real terminal (tmux): typing, `?`, Tab, history, Ctrl-C, paging, Ctrl-Z,
// the greeting, completion of configured objects, pipes with `|` in the regex, and leaving
// with unsaved changes.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASK, tempHome } from '../helpers/pask.js';
import { REFERENCE_SCENARIO } from '../helpers/cli.js';

const hasTmux = (() => { try { execFileSync('tmux', ['-V']); return true; } catch { return false; } })();
const S = `pask-test-${process.pid}`;
const tmux = (...a: string[]) => execFileSync('tmux', a, { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-t', S, '-p');
const keys = (...k: string[]) => tmux('send-keys', '-t', S, ...k);

async function waitFor(pred: (s: string) => boolean, what: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const s = screen();
    if (pred(s)) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`screen never showed ${what}:\n${screen()}`);
}
const lastLine = (s: string) => (s.trimEnd().split('\n').pop() ?? '').trim();
const clear = () => { tmux('clear-history', '-t', S); keys('C-l'); };

describe.skipIf(!hasTmux)('console under tmux', () => {
  const home = tempHome();
  beforeAll(async () => {
    // A start-up configuration of bare configuration lines: no `configure terminal` needed.
    const bare = REFERENCE_SCENARIO.split('\n').filter((l) => l !== 'configure terminal' && l !== 'end').join('\n');
    writeFileSync(join(home, 'startup-config'), `${bare}\nbanner motd "Lab appliance: ask before changing"\n`);
    tmux('new-session', '-d', '-s', S, '-x', '110', '-y', '40', `env PASK_HOME=${home} ${process.execPath} ${PASK}`);
    await waitFor((s) => s.includes('PAS-K#'), 'the prompt');
  });
  afterAll(() => { try { tmux('kill-session', '-t', S); } catch { /* already gone */ } });

  it('greets with the banner, what runs, and how to get help', () => {
    const s = screen();
    expect(s).toContain('Lab appliance: ask before changing');
    expect(s).toMatch(/pask \S+: PAS-K3200X on the embedded lab/);
    expect(s).toContain('Type ? for help and Tab to complete a word');
  });

  it('types commands, changes modes and shows the prompt of each', async () => {
    keys('conf t', 'Enter');
    await waitFor((s) => lastLine(s) === 'PAS-K(config)#', 'config mode');
    keys('hostname T1', 'Enter');
    await waitFor((s) => lastLine(s) === 'T1(config)#', 'the new hostname');
  });

  it('? lists what may come next without running anything', async () => {
    keys('sh', '?');
    const s = await waitFor((x) => x.includes('  show  Show running system information'), 'help');
    expect(lastLine(s)).toBe('T1(config)#sh');
    keys('C-u');
  });

  it('Tab completes a keyword and lists the choices, sorted', async () => {
    keys('show r', 'Tab');
    await waitFor((s) => /real\s+route\s+running-config/.test(s), 'choices');
    keys('e', 'Tab');
    await waitFor((s) => lastLine(s) === 'T1(config)#show real', 'completion');
    keys('Enter');
    await waitFor((s) => s.includes('REAL Configuration') && lastLine(s) === 'T1(config)#', 'show real output');
  });

  it('Tab completes a configured object: show info slb t<Tab>', async () => {
    clear();
    keys('show info slb t', 'Tab');
    await waitFor((s) => lastLine(s) === 'T1(config)#show info slb test', 'the SLB name completed');
    keys('C-u');
  });

  it('a pipe regex may hold |: sh sys | i Product|Serial prints both lines', async () => {
    clear();
    keys('sh sys | i Product|Serial', 'Enter');
    const s = await waitFor((x) => x.includes('Serial Number') && lastLine(x) === 'T1(config)#', 'both lines');
    expect(s).toMatch(/Product Name +: PAS-K3200X/);
    expect(s).toMatch(/Serial Number +: R211K30000A03201/);
    expect(s).not.toContain('OS version');
  });

  it('Up recalls history; Ctrl-C abandons the line and leaves configuration mode, as IOS does', async () => {
    keys('Up');
    await waitFor((s) => lastLine(s) === 'T1(config)#sh sys | i Product|Serial', 'history');
    keys('C-c');
    await waitFor((s) => s.includes('T1(config)#sh sys | i Product|Serial^C') && lastLine(s) === 'T1#', 'Ctrl-C to exec mode');
  });

  it('pages long output with --More-- and stops on q', async () => {
    keys('terminal length 6', 'Enter');
    keys('show vlan', 'Enter');
    await waitFor((s) => lastLine(s) === '--More--', '--More--');
    keys('q');
    await waitFor((s) => lastLine(s) === 'T1#', 'the prompt after q');
    keys('terminal length 0', 'Enter');
  });

  it('Ctrl-Z returns to privileged mode; errors point at the bad word', async () => {
    keys('conf t', 'Enter');
    await waitFor((s) => lastLine(s) === 'T1(config)#', 'config mode');
    keys('C-z');
    await waitFor((s) => lastLine(s) === 'T1#', 'exec mode');
    keys('sh bogus', 'Enter');
    const s = await waitFor((x) => x.includes("% Invalid input detected at '^' marker."), 'the error');
    const lines = s.split('\n');
    const i = lines.findIndex((l) => l === 'T1#sh bogus');
    expect(lines[i + 1]).toBe('      ^');
  });

  it('exit with unsaved changes asks to save them; cancel keeps the console, yes saves and leaves', async () => {
    keys('exit', 'Enter');
    await waitFor((s) => lastLine(s).endsWith('Save them? [yes/no]:'), 'the question');
    keys('maybe', 'Enter');
    await waitFor((s) => s.includes('% Cancelled') && lastLine(s) === 'T1#', 'still there');
    keys('exit', 'Enter');
    await waitFor((s) => lastLine(s).endsWith('Save them? [yes/no]: maybe') === false && lastLine(s).endsWith('Save them? [yes/no]:'), 'the question again');
    keys('yes', 'Enter');
    for (let i = 0; i < 200; i++) {
      try { tmux('has-session', '-t', S); } catch {
        expect(readFileSync(join(home, 'startup-config'), 'utf8')).toContain('hostname T1');
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the console did not exit');
  });
});
