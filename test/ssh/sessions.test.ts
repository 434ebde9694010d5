// The SSH server in process (ssh2 client): users and privileges, exec requests, the console,
// show users / clear line / exec-timeout, window changes, public keys, failed-login throttling.
import ssh2 from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { generateHostKeyPair } from '../../src/ssh/host-key.js';
import { LoginThrottle } from '../../src/ssh/throttle.js';
import { connect, exec, rig, Shell, tryLogin, type Rig } from './ssh-helpers.js';

const USERS = [
  'configure terminal',
  'username admin password s3cret privilege 15',
  'username viewer password v1ew privilege 1',
  'enable secret en4ble',
  'real 1',
  ' name web1',
  ' rip 10.0.0.1',
  ' apply',
  'end',
].join('\n');

let r: Rig | null = null;
const clients: ssh2.Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.end();
  await r?.close();
  r = null;
});
async function login(user: string, password: string): Promise<ssh2.Client> {
  const c = await connect(r!.port, { username: user, password });
  clients.push(c);
  return c;
}

describe('logins', () => {
  it('with no user configured, refuses everyone and says how to add one', async () => {
    r = await rig('');
    const t = await tryLogin(r.port, { username: 'admin', password: 'admin' });
    expect(t.ok).toBe(false);
    expect(t.banner).toContain('no user account is configured');
    expect(t.banner).toContain('username NAME password SECRET privilege 15');
    expect(r.app.log.list().some((e) => e.facility === 'auth' && /refused for admin.*no user account/.test(e.text))).toBe(true);
  });

  it('a wrong password is refused after a delay and logged; the right one works', async () => {
    r = await rig(USERS, { throttle: { delayMs: 300, maxDelayMs: 1000, lockoutAfter: 10, windowMs: 60000, lockoutMs: 60000 } });
    const t0 = Date.now();
    const bad = await tryLogin(r.port, { username: 'admin', password: 'nope' });
    expect(bad.ok).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    const unknown = await tryLogin(r.port, { username: 'mallory', password: 's3cret' });
    expect(unknown.ok).toBe(false);
    const failures = r.app.log.list().filter((e) => e.facility === 'auth' && e.text.includes('login failed'));
    expect(failures.map((e) => e.text)).toEqual([
      expect.stringMatching(/^login failed for admin from 127\.0\.0\.1:\d+: wrong password \(1 recent failure\)$/),
      expect.stringMatching(/^login failed for mallory from 127\.0\.0\.1:\d+: unknown user \(2 recent failures\)$/),
    ]);
    expect((await tryLogin(r.port, { username: 'admin', password: 's3cret' })).ok).toBe(true);
  });

  it('the delay grows, and too many failures lock the address out, even with the right password', async () => {
    r = await rig(USERS, { throttle: { delayMs: 200, maxDelayMs: 5000, lockoutAfter: 3, windowMs: 60000, lockoutMs: 60000 } });
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      expect((await tryLogin(r.port, { username: 'admin', password: `bad${i}` })).ok).toBe(false);
      times.push(Date.now() - t0);
    }
    // 200, 400 and 800 ms of delay, plus the work of each login.
    expect(times[0]!).toBeGreaterThanOrEqual(190);
    expect(times[1]!).toBeGreaterThanOrEqual(390);
    expect(times[2]!).toBeGreaterThanOrEqual(790);
    const locked = await tryLogin(r.port, { username: 'admin', password: 's3cret' });
    expect(locked.ok).toBe(false);
    expect(locked.banner).toMatch(/Too many failed logins from 127\.0\.0\.1: try again in \d+ seconds/);
    expect(r.app.log.list().some((e) => /address 127\.0\.0\.1 locked out/.test(e.text))).toBe(true);
  });

  it('public keys: a configured key logs in, another key does not', async () => {
    const mine = generateHostKeyPair();
    const other = generateHostKeyPair();
    r = await rig(`configure terminal\nusername keyed public-key "${mine.public}"\nend\n`);
    expect((await tryLogin(r.port, { username: 'keyed', privateKey: mine.private })).ok).toBe(true);
    expect((await tryLogin(r.port, { username: 'keyed', privateKey: other.private })).ok).toBe(false);
    expect((await tryLogin(r.port, { username: 'admin', privateKey: mine.private })).ok).toBe(false);
  });
});

describe('the failed-login throttle', () => {
  it('doubles the delay up to a ceiling, locks out after too many failures, forgets after the window', () => {
    let now = 0;
    const t = new LoginThrottle({ delayMs: 1000, maxDelayMs: 8000, lockoutAfter: 5, windowMs: 600_000, lockoutMs: 300_000 }, () => now);
    const delays = [1, 2, 3, 4, 5].map(() => t.fail('10.0.0.1'));
    expect(delays.map((d) => d.delayMs)).toEqual([1000, 2000, 4000, 8000, 8000]);
    expect(delays.map((d) => d.lockedOut)).toEqual([false, false, false, false, true]);
    expect(t.lockedFor('10.0.0.1')).toBe(300_000);
    expect(t.lockedFor('10.0.0.2')).toBe(0);
    t.succeed('10.0.0.1'); // a success does not lift a lockout
    now += 299_000;
    expect(t.lockedFor('10.0.0.1')).toBe(1000);
    now += 1000;
    expect(t.lockedFor('10.0.0.1')).toBe(0);
    now += 600_001;
    expect(t.fail('10.0.0.1').delayMs).toBe(1000); // a new window
    t.succeed('10.0.0.1');
    expect(t.fail('10.0.0.1').failures).toBe(1);
  });
});

describe('privileges', () => {
  it('privilege 15 lands in HOST#, privilege 1 in HOST> and only reads', async () => {
    r = await rig(USERS);
    const admin = await Shell.open(await login('admin', 's3cret'));
    expect(admin.prompt).toBe('switch#');
    const viewer = await Shell.open(await login('viewer', 'v1ew'));
    expect(viewer.prompt).toBe('switch>');
    expect(await viewer.run('show real')).toContain('web1');
    expect(await viewer.run('configure terminal')).toContain('% Invalid input');
    expect(await viewer.run('show running-config')).toContain('% Invalid input');
    expect(viewer.prompt).toBe('switch>');
  });

  it('enable asks for the enable secret', async () => {
    r = await rig(USERS);
    const sh = await Shell.open(await login('viewer', 'v1ew'));
    let from = sh.buf.length;
    sh.write('enable\r');
    await sh.waitFor(/Password: $/, 'the password prompt', from);
    from = sh.buf.length;
    sh.write('wrong\r');
    await sh.waitFor(/% Access denied\r\nswitch>$/, 'refusal', from);
    expect(sh.buf.slice(from)).not.toContain('wrong');
    from = sh.buf.length;
    sh.write('enable\r');
    await sh.waitFor(/Password: $/, 'the password prompt', from);
    sh.write('en4ble\r');
    await sh.waitFor(/switch#$/, 'the privileged prompt', from);
    expect(await sh.run('configure terminal')).toBe('');
    expect(sh.prompt).toBe('switch(config)#');
  });

  it('exec requests run as a batch with the user\'s privilege: output, stderr, exit status', async () => {
    r = await rig(USERS);
    const admin = await login('admin', 's3cret');
    const ok = await exec(admin, 'show real');
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain('10.0.0.1');
    const bad = await exec(admin, 'show bogus');
    expect(bad.code).toBe(1);
    expect(bad.stderr.split('\n')[0]).toBe("-c 1: % Invalid input detected at '^' marker.");
    const multi = await exec(admin, 'configure terminal\nhostname EXEC1\nend\nshow running-config | include hostname');
    expect(multi).toEqual({ stdout: 'hostname EXEC1\n', stderr: '', code: 0 });
    const viewer = await login('viewer', 'v1ew');
    const denied = await exec(viewer, 'configure terminal');
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('% Invalid input');
  });

  it('a shell without a pty is a batch of the lines sent', async () => {
    r = await rig(USERS);
    const c = await login('admin', 's3cret');
    const res = await new Promise<{ out: string; err: string; code: number | null }>((resolve, reject) => {
      c.shell(false, (e, ch) => {
        if (e) { reject(e); return; }
        let out = '', err = '', code: number | null = null;
        ch.on('data', (d: Buffer) => (out += d));
        ch.stderr.on('data', (d: Buffer) => (err += d));
        ch.on('exit', (x: number) => (code = x));
        ch.on('close', () => resolve({ out, err, code }));
        ch.end('show real 1\nshow nothing\n');
      });
    });
    expect(res.out).toContain('web1');
    expect(res.err.split('\n')[0]).toBe("-:2: % Invalid input detected at '^' marker.");
    expect(res.code).toBe(1);
  });
});

describe('lines', () => {
  it('show users lists every session, marks your own with *, and shows each one\'s mode', async () => {
    r = await rig(USERS);
    const a = await Shell.open(await login('admin', 's3cret'));
    const b = await Shell.open(await login('viewer', 'v1ew'));
    await a.run('configure terminal');
    await a.run('real 5');
    const seen = await b.run('show users');
    const rows = seen.split('\n').filter((l) => /^\*? +\d+ /.test(l));
    expect(rows).toEqual([
      expect.stringMatching(/^ +1 +admin +ssh 127\.0\.0\.1:\d+ +config-real\[5\] +00:00:0\d$/),
      expect.stringMatching(/^\* +2 +viewer +ssh 127\.0\.0\.1:\d+ +user +00:00:0\d$/),
    ]);
    expect(seen).toContain('(exec-timeout): 10 minutes');
  });

  it('clear line ends another session and tells it why; your own line cannot be cleared', async () => {
    r = await rig(USERS);
    const a = await Shell.open(await login('admin', 's3cret'));
    const b = await Shell.open(await login('admin', 's3cret'));
    expect(await a.run('clear line 1')).toContain('% Line 1 is your own session');
    expect(await a.run('clear line 9')).toContain('% Line 9 is not in use');
    expect(await a.run('clear line 2')).toBe('[OK]\n');
    await b.waitFor(/Session closed: line 2 was cleared by user admin on line 1/, 'the notice');
    await new Promise((res) => setTimeout(res, 100));
    expect(b.closed).toBe(true);
    expect(b.exitCode).toBe(1);
    expect(r.app.sessions.list().map((l) => l.id)).toEqual([1]);
    expect(r.app.log.list().some((e) => e.text.startsWith('line 2 (admin, ssh 127.0.0.1:'))).toBe(true);
  });

  it('exec-timeout ends idle consoles, not busy or typing ones; 0 means never', async () => {
    r = await rig(USERS);
    const admin = await Shell.open(await login('admin', 's3cret'));
    const idle = await Shell.open(await login('viewer', 'v1ew'));
    const typing = await Shell.open(await login('viewer', 'v1ew'));
    await admin.run('configure terminal');
    await admin.run('exec-timeout 0 1');
    const busy = await Shell.open(await login('admin', 's3cret'));
    const busyFrom = busy.buf.length;
    busy.write('wait 2\r');
    const t0 = Date.now();
    let i = 0;
    const keepTyping = setInterval(() => { for (const s of [typing, admin]) s.write(i % 2 ? '\x7f' : 'x'); i++; }, 200);
    await idle.waitFor(/Idle timeout: no input for 1 second/, 'the idle notice');
    expect(Date.now() - t0).toBeLessThan(2500);
    expect(typing.closed).toBe(false);
    await busy.waitFor(/wait 2\r\nswitch#$/, 'the end of the wait', busyFrom);
    expect(busy.closed).toBe(false);
    clearInterval(keepTyping);
    if (i % 2) admin.write('\x7f');
    await admin.run('exec-timeout 0');
    await new Promise((res) => setTimeout(res, 1500));
    expect(typing.closed).toBe(false);
    expect(admin.closed).toBe(false);
  });

  it('window changes set the terminal width and length, unless terminal width/length set them', async () => {
    r = await rig(USERS);
    const sh = await Shell.open(await login('admin', 's3cret'), { cols: 100, rows: 30 });
    const line = r.app.sessions.list()[0]!;
    expect([line.session.terminalWidth, line.session.terminalLength]).toEqual([100, 30]);
    sh.ch.setWindow(40, 132, 0, 0);
    await new Promise((res) => setTimeout(res, 200));
    expect([line.session.terminalWidth, line.session.terminalLength]).toEqual([132, 40]);
    await sh.run('terminal width 511');
    await sh.run('terminal length 0');
    sh.ch.setWindow(50, 90, 0, 0);
    await new Promise((res) => setTimeout(res, 200));
    expect([line.session.terminalWidth, line.session.terminalLength]).toEqual([511, 0]);
  });

  it('the console over SSH has help, completion and paging', async () => {
    r = await rig(USERS);
    const sh = await Shell.open(await login('admin', 's3cret'), { cols: 80, rows: 5 });
    let from = sh.buf.length;
    sh.write('sh?');
    await sh.waitFor(/\?\r\n {2}show {2}\S[^\r]*\r\n(?:[^\r]*\r\n)*switch#sh$/, 'help', from);
    from = sh.buf.length;
    sh.write('ow us\t');
    await sh.waitFor(/users $/, 'completion', from);
    sh.write('\x15');
    from = sh.buf.length;
    sh.write('show vlan\r');
    await sh.waitFor(/--More-- $/, 'the pager', from);
    from = sh.buf.length;
    sh.write('q');
    await sh.waitFor(/\rswitch#(\x1b\[K)?$/, 'the prompt after q', from);
    expect(sh.buf.slice(from)).not.toContain('Default');
  });
});
