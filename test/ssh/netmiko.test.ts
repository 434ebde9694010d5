// Netmiko (Debian python3-netmiko, cisco_ios driver) against `pask serve --ssh`: it finds the
// prompt, sends terminal length 0 / terminal width 511, runs show commands, pushes a config set
// with send_config_set (configure terminal ... end), enables a privilege-1 user, and is refused
// a wrong password.
import { execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pask } from '../helpers/pask.js';
import { serve, type Served } from '../server/serve-helper.js';

// The system python (Debian's packages), not a pyenv one that may be first on PATH.
const PYTHON = '/usr/bin/python3';
const DRIVER = new URL('./netmiko_driver.py', import.meta.url).pathname;
const why = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import netmiko'], { stdio: 'ignore' });
    return '';
  } catch {
    return `${PYTHON} cannot import netmiko (Debian python3-netmiko)`;
  }
})();
if (why) console.warn(`skipping Netmiko tests: ${why}`);

describe.skipIf(!!why)('Netmiko cisco_ios against pask serve --ssh', () => {
  let s: Served;
  let seen: Record<string, string>;

  beforeAll(async () => {
    s = await serve([], { ssh: true });
    const r = await pask(['--connect', s.sock, '-c', 'configure terminal', '-c', 'username admin password s3cret privilege 15',
      '-c', 'username viewer password v1ew privilege 1', '-c', 'enable secret en4ble', '-c', 'end']);
    expect(r.stderr).toBe('');
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(PYTHON, [DRIVER, String(s.sshPort)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '', stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    if (out.code !== 0) throw new Error(`the Netmiko driver failed (${out.code}):\n${out.stderr}\n${out.stdout}`);
    seen = JSON.parse(out.stdout) as Record<string, string>;
  }, 120000);
  afterAll(async () => { await s?.stop(); });

  it('finds the privileged prompt and runs show commands', () => {
    expect(seen.admin_prompt).toBe('switch#');
    expect(seen.show_real_before).toContain('REAL Configuration');
    expect(seen.admin_prompt_after).toBe('switch#');
  });

  it('pushes a config set (configure terminal, sub-mode, apply, end) and sees it in the running config', async () => {
    expect(seen.config_set).toContain('switch(config-real[42])#apply');
    expect(seen.config_set).not.toContain('%');
    expect(seen.running).toMatch(/^real 42\n name netmiko42\n rip 10\.42\.0\.42\n rport 8080\n apply$/m);
    const r = await pask(['--connect', s.sock, '-c', 'show real 42']);
    expect(r.stdout).toContain('10.42.0.42');
  });

  it('a privilege-1 user lands in HOST>, reads, and enable with the secret gives HOST#', () => {
    expect(seen.viewer_prompt).toBe('switch>');
    expect(seen.viewer_show_real).toContain('netmiko42');
    expect(seen.viewer_running).toContain('% Invalid input');
    expect(seen.viewer_enabled_prompt).toBe('switch#');
    expect(seen.viewer_running_enabled).toBe(' name netmiko42');
  });

  it('refuses a wrong password', () => {
    expect(seen.wrong_password).toBe('refused');
  });
});
