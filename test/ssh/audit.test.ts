// The audit trail in `show log`: every committed change with who made it, from where and what
// changed (secrets masked), and every refused `enable`, over SSH as an operator meets it.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { configDiff } from '../../src/observe/audit.js';
import { connect, exec, rig, Shell, type Rig } from './ssh-helpers.js';

const USERS = [
  'configure terminal',
  'username admin password s3cret privilege 15',
  'username viewer password v1ew privilege 1',
  'enable secret en4ble',
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
const logLines = (facility: string) => r!.app.log.list().filter((e) => e.facility === facility).map((e) => e.text);

describe('audit trail', () => {
  it('records who changed what, from where, in show log', async () => {
    r = await rig(USERS);
    const c = await login('admin', 's3cret');
    const res = await exec(c, 'configure terminal\nreal 5\n name web5\n rip 10.0.0.5\n apply\nend');
    expect(res.stderr).toBe('');
    const sh = await Shell.open(c);
    await sh.run('configure terminal');
    await sh.run('real 5');
    await sh.run('rip 10.0.0.6');
    await sh.run('apply');
    await sh.run('end');
    const log = await sh.run('show log | include config:');
    expect(log).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d config: user admin \(ssh exec 127\.0\.0\.1:\d+ line \d+\) changed the running config: \+real 5: name web5, rip 10\.0\.0\.5$/m);
    expect(log).toMatch(/config: user admin \(ssh 127\.0\.0\.1:\d+ line \d+\) changed the running config: real 5: -rip 10\.0\.0\.5, \+rip 10\.0\.0\.6$/m);
  });

  it('masks secrets, and records refused enable attempts', async () => {
    r = await rig(USERS);
    expect(logLines('config').join('\n')).toMatch(/\+username admin password hashed \*\*\*\*\* privilege 15/);
    expect(logLines('config').join('\n')).not.toMatch(/scrypt|s3cret/);
    const c = await login('viewer', 'v1ew');
    const sh = await Shell.open(c);
    sh.write('enable\r');
    await sh.waitFor(/Password: $/, 'the password prompt');
    const out = await sh.run('wrong');
    expect(out).toContain('% Access denied');
    expect(logLines('auth')).toContainEqual(expect.stringMatching(/^enable failed for user viewer \(ssh 127\.0\.0\.1:\d+ line \d+\): wrong password$/));
    expect(r.app.log.list().find((e) => e.text.startsWith('enable failed'))!.severity).toBe('warning');
  });

  it('reload over SSH asks to save unsaved changes, then for confirmation', async () => {
    r = await rig(USERS);
    r.app.startupConfigPath = join(mkdtempSync(join(tmpdir(), 'pask-reload-')), 'startup-config');
    const c = await login('admin', 's3cret');
    const sh = await Shell.open(c);
    await sh.run('configure terminal');
    await sh.run('hostname CHANGED');
    await sh.run('end');
    let from = sh.buf.length;
    sh.write('reload\r');
    await sh.waitFor(/System configuration has been modified\. Save\? \[yes\/no\]: $/, 'the save question', from);
    sh.write('no\r');
    await sh.waitFor(/Proceed with reload\? \[confirm\]$/, 'the confirmation', from);
    from = sh.buf.length;
    sh.write('n\r');
    await sh.waitFor(/% Reload aborted/, 'the abort', from);
    expect(r.app.config.hostname).toBe('CHANGED');
    sh.write('reload\r');
    await sh.waitFor(/Save\? \[yes\/no\]: $/, 'the save question', from);
    sh.write('yes\r');
    await sh.waitFor(/\[confirm\]$/, 'the confirmation', from);
    sh.write('\r');
    await sh.waitFor(/Reloaded with the start-up configuration/, 'the reload', from);
    expect(r.app.config.hostname).toBe('CHANGED');
    expect(readFileSync(r.app.startupConfigPath, 'utf8')).toContain('hostname CHANGED');
    expect(logLines('config').join('\n')).toMatch(/user admin \(ssh 127\.0\.0\.1:\d+ line \d+\) reloaded the appliance/);
  });

  it('describes a change as the lines of show running-config that went and came, object by object', () => {
    const before = '!\nconfigure terminal\nhostname A\n!\nreal 1\n rip 10.0.0.1\n rport 80\n apply\n!\nreal 2\n rip 10.0.0.2\n apply\n!\nend\n';
    const after = '!\nconfigure terminal\nhostname B\n!\nreal 1\n rip 10.0.0.1\n rport 8080\n apply\n!\nslb s\n vip 1.1.1.1 protocol tcp vport 80\n apply\n!\nend\n';
    expect(configDiff(before, after)).toBe('-hostname A; -real 2; +hostname B; real 1: -rport 80, +rport 8080; +slb s: vip 1.1.1.1 protocol tcp vport 80');
    expect(configDiff(before, before)).toBe('');
  });
});
