// The console in a real terminal (tmux): typing, `?`, Tab, history, Ctrl-C, paging, Ctrl-Z.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASK, tempHome } from '../helpers/pask.js';

const hasTmux = (() => { try { execFileSync('tmux', ['-V']); return true; } catch { return false; } })();
const S = `pask-test-${process.pid}`;
const tmux = (...a: string[]) => execFileSync('tmux', a, { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-t', S, '-p');
const keys = (...k: string[]) => tmux('send-keys', '-t', S, ...k);

async function waitFor(pred: (s: string) => boolean, what: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const s = screen();
    if (pred(s)) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`screen never showed ${what}:\n${screen()}`);
}
const lastLine = (s: string) => (s.trimEnd().split('\n').pop() ?? '').trim();

describe.skipIf(!hasTmux)('console under tmux', () => {
  beforeAll(async () => {
    tmux('new-session', '-d', '-s', S, '-x', '100', '-y', '30', `env PASK_HOME=${tempHome()} ${process.execPath} ${PASK}`);
    await waitFor((s) => s.includes('switch#'), 'the prompt');
  });
  afterAll(() => { try { tmux('kill-session', '-t', S); } catch { /* already gone */ } });

  it('types commands, changes modes and shows the prompt of each', async () => {
    keys('conf t', 'Enter');
    await waitFor((s) => lastLine(s) === 'switch(config)#', 'config mode');
    keys('hostname T1', 'Enter');
    await waitFor((s) => lastLine(s) === 'T1(config)#', 'the new hostname');
  });

  it('? lists what may come next without running anything', async () => {
    keys('sh', '?');
    const s = await waitFor((x) => x.includes('  show  Show running system information'), 'help');
    expect(lastLine(s)).toBe('T1(config)#sh');
    keys('C-u');
  });

  it('Tab completes a keyword and lists the choices', async () => {
    keys('show r', 'Tab');
    await waitFor((s) => /running-config\s+route\s+real/.test(s), 'choices');
    keys('e', 'Tab');
    await waitFor((s) => lastLine(s) === 'T1(config)#show real', 'completion');
    keys('Enter');
    await waitFor((s) => s.includes('REAL Configuration') && lastLine(s) === 'T1(config)#', 'show real output');
  });

  it('Up recalls history; Ctrl-C abandons the line', async () => {
    keys('Up');
    await waitFor((s) => lastLine(s) === 'T1(config)#show real', 'history');
    keys('C-c');
    await waitFor((s) => s.includes('T1(config)#show real ^C') && lastLine(s) === 'T1(config)#', 'Ctrl-C');
  });

  it('pages long output with --More-- and stops on q', async () => {
    keys('terminal length 6', 'Enter');
    keys('show vlan', 'Enter');
    await waitFor((s) => lastLine(s) === '--More--', '--More--');
    keys('q');
    await waitFor((s) => lastLine(s) === 'T1(config)#', 'the prompt after q');
  });

  it('Ctrl-Z returns to privileged mode; errors point at the bad word', async () => {
    keys('C-z');
    await waitFor((s) => lastLine(s) === 'T1#', 'exec mode');
    keys('sh bogus', 'Enter');
    const s = await waitFor((x) => x.includes("% Invalid input detected at '^' marker."), 'the error');
    const lines = s.split('\n');
    const i = lines.findIndex((l) => l === 'T1#sh bogus');
    expect(lines[i + 1]).toBe('      ^');
  });

  it('exit closes the console', async () => {
    keys('exit', 'Enter');
    for (let i = 0; i < 100; i++) {
      try { tmux('has-session', '-t', S); } catch { return; }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the console did not exit');
  });
});
