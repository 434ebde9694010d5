// `pask serve --ssh` against the OpenSSH client (Debian openssh-client, sshpass, ssh-keygen):
// exec requests, exit statuses, refusals, public keys, the console in a terminal, saved
// secrets, and a host key that survives a restart.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASK, pask } from '../helpers/pask.js';
import { serve, type Served } from '../server/serve-helper.js';

const onPath = (cmd: string) => { try { execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }); return true; } catch { return false; } };
const hasSsh = onPath('ssh') && onPath('ssh-keygen');
const hasSshpass = onPath('sshpass');
const hasTmux = onPath('tmux');
const why = !hasSsh ? 'OpenSSH client missing (Debian openssh-client)' : !hasSshpass ? 'sshpass missing (Debian sshpass)' : '';
if (why) console.warn(`skipping OpenSSH tests: ${why}`);

interface Out { code: number | null; stdout: string; stderr: string }
function run(cmd: string, args: string[], input = ''): Promise<Out> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(input);
  });
}

describe.skipIf(!!why)('OpenSSH client against pask serve --ssh', () => {
  let s: Served;
  let knownHosts: string;
  let key: string;
  const sshArgs = (port: number, strict = 'accept-new') => [
    '-p', String(port), '-o', `StrictHostKeyChecking=${strict}`, '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'HostKeyAlias=pask-under-test', '-o', 'ConnectTimeout=10', '-F', '/dev/null',
  ];
  const withPassword = (pw: string, user: string, cmd: string[], port = s.sshPort!) =>
    run('sshpass', ['-p', pw, 'ssh', ...sshArgs(port), '-o', 'PubkeyAuthentication=no', `${user}@127.0.0.1`, ...cmd]);

  beforeAll(async () => {
    s = await serve([], { ssh: true });
    knownHosts = join(s.home, 'known_hosts');
    key = join(s.home, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test@pask', '-f', key]);
  });
  afterAll(async () => { await s?.stop(); });

  it('with no user configured, refuses the login and says how to add one', async () => {
    const r = await run('ssh', [...sshArgs(s.sshPort!), '-o', 'BatchMode=yes', 'admin@127.0.0.1', 'show real']);
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('no user account is configured');
    expect(r.stderr).toContain('username NAME password SECRET privilege 15');
    expect(r.stderr).toContain('Permission denied');
  });

  it('runs an exec request as a batch: output and exit 0; a failing command exits 1', async () => {
    const pub = readFileSync(`${key}.pub`, 'utf8').trim();
    const setup = await pask(['--connect', s.sock,
      '-c', 'configure terminal', '-c', 'username admin password s3cret privilege 15', '-c', 'username viewer password v1ew privilege 1',
      '-c', `username keyed public-key "${pub}"`, '-c', 'real 3', '-c', ' name web3', '-c', ' rip 10.3.3.3', '-c', ' apply', '-c', 'end']);
    expect(setup.stderr).toBe('');
    const ok = await withPassword('s3cret', 'admin', ['show real']);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain('10.3.3.3');
    expect(ok.code).toBe(0);
    const bad = await withPassword('s3cret', 'admin', ['show bogus']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.split('\n')[0]).toBe("-c 1: % Invalid input detected at '^' marker.");
    // OpenSSH joins the words of the command with spaces.
    const words = await withPassword('s3cret', 'admin', ['show', 'real', '3']);
    expect(words.stdout).toContain('web3');
  });

  it('a privilege-1 user can read but not configure', async () => {
    expect((await withPassword('v1ew', 'viewer', ['show real'])).code).toBe(0);
    const no = await withPassword('v1ew', 'viewer', ['show running-config']);
    expect(no.code).toBe(1);
    expect(no.stderr).toContain('% Invalid input');
  });

  it('refuses a wrong password (and logs it)', async () => {
    const r = await withPassword('wrong', 'admin', ['show real']);
    expect(r.code).toBe(5); // sshpass: the password was refused
    expect(r.stdout).toBe('');
    const log = await pask(['--connect', s.sock, '-c', 'show log | include login failed for admin']);
    expect(log.stdout).toMatch(/auth: login failed for admin from 127\.0\.0\.1:\d+: wrong password/);
  });

  it('logs in with a public key from ssh-keygen', async () => {
    const r = await run('ssh', [...sshArgs(s.sshPort!), '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-i', key, 'keyed@127.0.0.1', 'show users']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\* +\d+ +keyed +ssh exec 127\.0\.0\.1:\d+ +user /m);
  });

  it.skipIf(!hasTmux)('gives a console in a terminal (ssh under tmux)', async () => {
    const S = `pask-ssh-${process.pid}`;
    const tmux = (...a: string[]) => execFileSync('tmux', ['-L', S, ...a], { encoding: 'utf8' });
    const screen = () => tmux('capture-pane', '-t', S, '-p');
    const waitFor = async (pred: (x: string) => boolean, what: string) => {
      for (let i = 0; i < 200; i++) { const x = screen(); if (pred(x)) return x; await new Promise((r) => setTimeout(r, 50)); }
      throw new Error(`no ${what}:\n${screen()}`);
    };
    const cmd = ['sshpass', '-p', 's3cret', 'ssh', ...sshArgs(s.sshPort!), '-o', 'PubkeyAuthentication=no', 'admin@127.0.0.1'].join(' ');
    tmux('new-session', '-d', '-s', S, '-x', '100', '-y', '30', cmd);
    try {
      await waitFor((x) => x.trimEnd().endsWith('switch#'), 'the prompt');
      tmux('send-keys', '-t', S, 'conf t', 'Enter', 'real 77', 'Enter');
      await waitFor((x) => x.trimEnd().endsWith('switch(config-real[77])#'), 'the sub-mode prompt');
      tmux('send-keys', '-t', S, 'show us', 'Tab');
      await waitFor((x) => x.trimEnd().endsWith('switch(config-real[77])#show users'), 'completion');
      tmux('send-keys', '-t', S, 'Enter');
      const x = await waitFor((y) => /^\* +\d+ +admin +ssh 127\.0\.0\.1:\d+ +config-real\[77\]/m.test(y), 'show users');
      expect(x).toContain('Idle');
      tmux('send-keys', '-t', S, '-l', 'end'); // (a bare "end" is tmux's End key)
      tmux('send-keys', '-t', S, 'Enter');
      await waitFor((y) => y.trimEnd().endsWith('switch#'), 'exec mode');
      tmux('send-keys', '-t', S, 'exit', 'Enter');
      for (let i = 0; i < 100; i++) {
        try { tmux('has-session', '-t', S); } catch { return; }
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`the session did not end:\n${screen()}`);
    } finally {
      try { tmux('kill-session', '-t', S); } catch { /* ended */ }
    }
  });

  it.skipIf(!hasTmux)('serves SSH beside the local console (pask --ssh): show users lists both', async () => {
    const S = `pask-local-${process.pid}`;
    const tmux = (...a: string[]) => execFileSync('tmux', ['-L', S, ...a], { encoding: 'utf8' });
    const screen = () => tmux('capture-pane', '-t', S, '-p');
    const waitFor = async (pred: (x: string) => boolean, what: string) => {
      for (let i = 0; i < 200; i++) { const x = screen(); if (pred(x)) return x; await new Promise((r) => setTimeout(r, 50)); }
      throw new Error(`no ${what}:\n${screen()}`);
    };
    // A home of its own, with the users of the served appliance in its start-up config.
    const home = join(s.home, 'local');
    execFileSync('mkdir', ['-p', home]);
    const users = await pask(['--connect', s.sock, '-c', 'show running-config | include ^username']);
    writeFileSync(join(home, 'startup-config'), `configure terminal\n${users.stdout}end\n`);
    tmux('new-session', '-d', '-s', S, '-x', '120', '-y', '30', `env PASK_HOME=${home} NO_COLOR=1 ${process.execPath} ${PASK} --ssh 127.0.0.1:0`);
    try {
      const first = await waitFor((x) => x.trimEnd().endsWith('switch#'), 'the local prompt');
      const port = Number(/ssh listening on 127\.0\.0\.1:(\d+)/.exec(first)![1]);
      // Another appliance, another host key: its own known_hosts.
      const other = ['-p', String(port), '-o', 'StrictHostKeyChecking=no', '-o', `UserKnownHostsFile=${join(home, 'known_hosts')}`, '-o', 'LogLevel=ERROR', '-F', '/dev/null'];
      const r = await run('sshpass', ['-p', 's3cret', 'ssh', ...other, '-o', 'PubkeyAuthentication=no', 'admin@127.0.0.1', 'show users']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^ +0 +- +console +privileged /m);
      expect(r.stdout).toMatch(/^\* +1 +admin +ssh exec 127\.0\.0\.1:\d+ +privileged /m);
      tmux('send-keys', '-t', S, 'exit', 'Enter');
      for (let i = 0; i < 100; i++) {
        try { tmux('has-session', '-t', S); } catch { break; }
        await new Promise((res) => setTimeout(res, 50));
      }
      // The SSH server went with the console.
      const gone = await run('ssh', [...other, '-o', 'BatchMode=yes', 'admin@127.0.0.1', 'show users']);
      expect(gone.code).toBe(255);
      expect(gone.stderr).toMatch(/refused|closed|reset/i);
    } finally {
      try { tmux('kill-server'); } catch { /* ended */ }
    }
  });

  it('never saves or shows a clear-text password', async () => {
    const w = await withPassword('s3cret', 'admin', ['write memory']);
    expect(w.stdout).toBe('[OK]\n');
    const saved = readFileSync(join(s.home, 'startup-config'), 'utf8');
    const shown = (await withPassword('s3cret', 'admin', ['show running-config'])).stdout;
    for (const text of [saved, shown]) {
      expect(text).toMatch(/^username admin password hashed scrypt\$\S+ privilege 15$/m);
      expect(text).not.toContain('s3cret');
      expect(text).not.toContain('v1ew');
    }
  });

  it('keeps its host key (mode 0600) across a restart: same fingerprint, known_hosts still matches', async () => {
    const keyFile = join(s.home, 'ssh_host_ed25519_key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const printed = execFileSync('ssh-keygen', ['-lf', keyFile], { encoding: 'utf8' }).split(' ')[1];
    expect(printed).toBe(s.fingerprint);
    const before = s.fingerprint;
    expect(await s.stop()).toBe(0);
    s = await serve([], { ssh: true, home: s.home });
    expect(s.fingerprint).toBe(before);
    expect(s.stderr()).not.toContain('new SSH host key');
    // Strict checking against the known_hosts of the first run; the users come from the saved config.
    const r = await run('sshpass', ['-p', 's3cret', 'ssh', ...sshArgs(s.sshPort!, 'yes'), '-o', 'PubkeyAuthentication=no', 'admin@127.0.0.1', 'show users']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
