// `pask serve` and `pask --connect`: the batch contract through the control socket, one running
// config shared by every client, the socket file's life (mode, stale, in use, removed on SIGTERM).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASK, pask, tempHome } from '../helpers/pask.js';
import { serve, type Served } from './serve-helper.js';

describe('pask serve + --connect batches', () => {
  let s: Served;
  beforeAll(async () => { s = await serve(); });
  afterAll(async () => { await s?.stop(); });

  it('serves a control socket of mode 0600', () => {
    const st = statSync(s.sock);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
  });

  it('-c runs privileged on the running appliance; output on stdout, exit 0', async () => {
    const r = await pask(['--connect', s.sock, '-c', 'configure terminal', '-c', 'hostname SRV1', '-c', 'do show running-config | include hostname']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('hostname SRV1\n');
    expect(r.code).toBe(0);
  });

  it('keeps one running config between clients', async () => {
    const r = await pask(['--connect', s.sock, '-c', 'show running-config | include hostname']);
    expect(r.stdout).toBe('hostname SRV1\n');
  });

  it('reports errors as "-c N: % ..." on stderr, carries on, exits 1', async () => {
    const r = await pask(['--connect', s.sock, '-c', 'show bogus', '-c', 'show vlan | count']);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').slice(0, 3)).toEqual([
      "-c 1: % Invalid input detected at '^' marker.",
      '-c 1:   show bogus',
      '-c 1:        ^',
    ]);
    expect(r.stdout).toMatch(/^Count: \d+ lines\n$/);
  });

  it('-f FILE reports FILE:LINE; piped standard input reports -:LINE', async () => {
    const f = join(s.home, 'cmds.txt');
    writeFileSync(f, '! comment\nconfigure terminal\nreal 9\n rip 300.1.1.1\n rip 10.9.9.9\n apply\nend\nshow real 9\n');
    const r = await pask(['--connect', s.sock, '-f', f]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(`${f}:4: % Invalid input detected at '^' marker.`);
    expect(r.stdout).toContain('10.9.9.9');
    const p = await pask(['--connect', s.sock], { input: 'show real 9\nshow nothing\n' });
    expect(p.code).toBe(1);
    expect(p.stderr.split('\n')[0]).toBe("-:2: % Invalid input detected at '^' marker.");
    expect(p.stdout).toContain('10.9.9.9');
  });

  it('write memory saves the start-up config of the served appliance', async () => {
    const r = await pask(['--connect', s.sock, '-c', 'write memory']);
    expect(r.stdout).toBe('[OK]\n');
    expect(readFileSync(join(s.home, 'startup-config'), 'utf8')).toContain('hostname SRV1');
  });

  it('lists the batch itself in show users, marked with *', async () => {
    const r = await pask(['--connect', s.sock, '-c', 'show users']);
    expect(r.stdout).toMatch(/^\* +\d+ +\S+ +socket batch +privileged +00:00:0\d$/m);
  });

  it('refuses to start a second server on a live socket', async () => {
    const r = await pask(['serve', '--socket', s.sock], { home: s.home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('another appliance is serving on this control socket');
    const again = await pask(['--connect', s.sock, '-c', 'show running-config | include hostname']);
    expect(again.stdout).toBe('hostname SRV1\n');
  });
});

describe('the control socket file', () => {
  it('replaces a stale socket, refuses a file that is not a socket, and is removed on SIGTERM', async () => {
    const home = tempHome();
    const sock = join(home, 'stale.sock');
    // A socket nobody serves any more: its server was killed (nobody removed the file).
    try {
      execFileSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(sock)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    } catch { /* killed, as intended */ }
    expect(statSync(sock).isSocket()).toBe(true);
    const s = await serve([], { home, sock });
    const r = await pask(['--connect', sock, '-c', 'show users']);
    expect(r.code).toBe(0);
    expect(await s.stop()).toBe(0);
    expect(existsSync(sock)).toBe(false);
    expect(s.stderr()).toContain('pask serve: shutting down');

    const notSock = join(home, 'plain');
    writeFileSync(notSock, 'precious');
    const bad = await pask(['serve', '--socket', notSock], { home });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('exists and is not a socket');
    expect(readFileSync(notSock, 'utf8')).toBe('precious');
  });

  it('--connect to nothing fails with a message and exit 1', async () => {
    const r = await pask(['--connect', join(tempHome(), 'none.sock'), '-c', 'show users']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^% Cannot connect to .*none\.sock: no such socket/);
  });

  it('rejects options that belong to the server', async () => {
    const r = await pask(['--connect', 'x.sock', '--lab', 'none', '-c', 'show users']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--lab belongs to "pask serve"');
    const b = await pask(['serve', '-c', 'show users']);
    expect(b.code).toBe(2);
    const c = await pask(['--ssh', 'nonsense']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('--ssh takes [ADDR:]PORT');
  });

  it('SIGTERM ends connected sessions cleanly: they are told, and the server exits 0', async () => {
    const s = await serve(['--lab', 'none']);
    const { spawn } = await import('node:child_process');
    // A batch that would wait for a minute.
    const child = spawn(process.execPath, [PASK, '--connect', s.sock, '-c', 'wait 60'], { env: { ...process.env, NO_COLOR: '1' } });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
    // Wait until the server has the batch's line.
    for (let i = 0; i < 100; i++) {
      const u = await pask(['--connect', s.sock, '-c', 'show users']);
      if (u.stdout.split('\n').filter((l) => l.includes('socket batch')).length >= 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const t0 = Date.now();
    expect(await s.stop()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await code).toBe(1);
    expect(err).toContain('% The appliance is shutting down');
    expect(existsSync(s.sock)).toBe(false);
  });
});
