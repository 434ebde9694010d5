// `pask --connect PATH` as a console in a real terminal (tmux): the same console as everywhere,
// run by the server; the window size is forwarded; clear line and exit end it.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASK, pask } from '../helpers/pask.js';
import { serve, type Served } from './serve-helper.js';

const hasTmux = (() => { try { execFileSync('tmux', ['-V']); return true; } catch { return false; } })();
if (!hasTmux) console.warn('skipping the --connect console test: tmux missing (Debian tmux)');
const S = `pask-connect-${process.pid}`;
const tmux = (...a: string[]) => execFileSync('tmux', ['-L', S, ...a], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-t', S, '-p');
const keys = (...k: string[]) => tmux('send-keys', '-t', S, ...k);
const lastLine = (x: string) => (x.trimEnd().split('\n').pop() ?? '').trim();

async function waitFor(pred: (x: string) => boolean, what: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const x = screen();
    if (pred(x)) return x;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`screen never showed ${what}:\n${screen()}`);
}

describe.skipIf(!hasTmux)('pask --connect console under tmux', () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve();
    const cmd = `env NO_COLOR=1 ${process.execPath} ${PASK} --connect ${s.sock}; echo EXIT=$?; sleep 30`;
    tmux('new-session', '-d', '-s', S, '-x', '100', '-y', '10', cmd);
    await waitFor((x) => lastLine(x) === 'switch#', 'the prompt');
  });
  afterAll(async () => {
    try { tmux('kill-session', '-t', S); } catch { /* gone */ }
    await s?.stop();
  });

  it('runs commands on the served appliance, with the console\'s keys', async () => {
    keys('conf t', 'Enter', 'hostname VIA-SOCKET', 'Enter');
    await waitFor((x) => lastLine(x) === 'VIA-SOCKET(config)#', 'the new hostname');
    keys('show us', 'Tab');
    await waitFor((x) => lastLine(x) === 'VIA-SOCKET(config)#show users', 'completion');
    keys('Enter');
    const x = await waitFor((y) => /^\* +1 +\S+ +socket +config +00:00:0\d$/m.test(y), 'show users');
    expect(x).toContain('Line');
    const r = await pask(['--connect', s.sock, '-c', 'show running-config | include hostname']);
    expect(r.stdout).toBe('hostname VIA-SOCKET\n');
    keys('C-z');
    await waitFor((y) => lastLine(y) === 'VIA-SOCKET#', 'exec mode');
  });

  it('forwards the window size: the page length follows the terminal', async () => {
    keys('show vlan', 'Enter');
    await waitFor((y) => lastLine(y) === '--More--', 'paging at 10 rows');
    keys('q');
    await waitFor((y) => lastLine(y) === 'VIA-SOCKET#', 'the prompt');
    tmux('resize-window', '-t', S, '-x', '100', '-y', '40');
    await new Promise((r) => setTimeout(r, 300));
    keys('show vlan', 'Enter');
    const y = await waitFor((z) => lastLine(z) === 'VIA-SOCKET#' && z.includes('VLAN Configuration') && z.split('\n').filter((l) => l.includes('show vlan')).length >= 2, 'unpaged output');
    expect(y.split('\n').filter((l) => l.includes('--More--'))).toEqual([]);
  });

  it('is ended by clear line from another session (exit status 1)', async () => {
    const r = await pask(['--connect', s.sock, '-c', 'clear line 1']);
    expect(r.stdout).toBe('[OK]\n');
    const x = await waitFor((y) => y.includes('EXIT='), 'the end of the console');
    expect(x).toContain('% Session closed: line 1 was cleared by user');
    expect(x).toContain('EXIT=1');
  });

  it('exit ends it with status 0', async () => {
    // A second console in a second window of the same (private) tmux server.
    tmux('new-window', '-t', S, `${process.execPath} ${PASK} --connect ${s.sock}; echo EXIT=$?; sleep 30`);
    await waitFor((x) => lastLine(x) === 'VIA-SOCKET#', 'the prompt');
    keys('exit', 'Enter');
    const x = await waitFor((y) => y.includes('EXIT='), 'the end of the console');
    expect(x).toContain('EXIT=0');
    expect(x).not.toContain('cleared');
  });
});
