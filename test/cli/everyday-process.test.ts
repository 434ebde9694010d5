// The everyday shell through the `pask` executable and `npm start`'s set-up: --version,
// tcpdump's header and statistics on stderr, the lab clock at the real time, and a build that
// compiles only when something changed.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pask, tempHome } from '../helpers/pask.js';
import { REFERENCE_SCENARIO } from '../helpers/cli.js';

describe('pask executable', () => {
  it('--version prints the version', async () => {
    const r = await pask(['--version']);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(r).toMatchObject({ code: 0, stdout: `pask ${pkg.version}\n`, stderr: '' });
  });

  it('in a batch, tcpdump -c N prints its header and statistics on stderr, without a blank line', async () => {
    const r = await pask([], { input: `${REFERENCE_SCENARIO}wait 10\ntcpdump -nei test -c 2 host 192.168.193.181 and not arp\n` });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^${[
      'tcpdump: verbose output suppressed, use -v or -vv for full protocol decode',
      'listening on test, link-type EN10MB \\(Ethernet\\), capture size 65535 bytes',
      '2 packets captured',
      '\\d+ packets received by filter',
      '0 packets dropped by kernel',
      '',
    ].join('\n')}$`));
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(/^\d\d:\d\d:\d\d\.\d{6} /);
  });

  it('the lab clock starts at the real time (PASK_LAB_TIME pins it)', async () => {
    const before = Date.now();
    const r = await pask(['-c', 'show clock', '-c', 'configure terminal', '-c', 'hostname T', '-c', 'end', '-c', 'show log']);
    const clock = Date.parse(r.stdout.split('\n')[0]!.replace(/^(\S+) UTC \w+ (\w+) (\d+) (\d+)$/, '$2 $3 $4 $1 UTC'));
    expect(clock).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
    expect(clock).toBeLessThanOrEqual(Date.now() + 1000);
    expect(r.stdout).toMatch(/ config: user \S+ \(batch\) changed the running config: -hostname switch; \+hostname T\n/);
    const pinned = await pask(['-c', 'wait 61', '-c', 'show clock'], { env: { PASK_LAB_TIME: '2025-05-16T03:00:00Z' } });
    expect(pinned.stdout).toBe('03:01:01.000 UTC Fri May 16 2025\n');
  });
});

describe('npm start\'s set-up (scripts/setup.sh)', () => {
  /** A copy of the set-up script in a tree of its own, with a stand-in for tsc that counts its runs. */
  function fakeTree(): { dir: string; run(): { out: string; builds: string[] } } {
    const dir = tempHome();
    mkdirSync(join(dir, 'scripts'));
    copyFileSync(new URL('../../scripts/setup.sh', import.meta.url).pathname, join(dir, 'scripts/setup.sh'));
    for (const d of ['src', 'commands', 'node_modules/typescript/bin']) mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(join(dir, 'src/a.ts'), 'export const a = 1;\n');
    writeFileSync(join(dir, 'tsconfig.json'), '{}\n');
    writeFileSync(join(dir, 'package.json'), '{}\n');
    writeFileSync(join(dir, 'package-lock.json'), '{}\n');
    writeFileSync(join(dir, 'node_modules/.package-lock.json'), '{}\n');
    const past = new Date(Date.now() - 3600_000);
    utimesSync(join(dir, 'package-lock.json'), past, past);
    const tsc = join(dir, 'node_modules/typescript/bin/tsc');
    writeFileSync(tsc, `const fs = require('fs'); fs.appendFileSync(${JSON.stringify(join(dir, 'builds.log'))}, process.argv.slice(2).join(' ') + '\\n');\n`);
    chmodSync(tsc, 0o755);
    return {
      dir,
      run: () => {
        const r = spawnSync('sh', [join(dir, 'scripts/setup.sh'), '--quiet'], { encoding: 'utf8' });
        expect(r.status).toBe(0);
        let builds: string[] = [];
        try { builds = readFileSync(join(dir, 'builds.log'), 'utf8').trim().split('\n'); } catch { /* none yet */ }
        return { out: r.stdout + r.stderr, builds };
      },
    };
  }

  it('says what it does on the first, slow build, then compiles nothing until a source changes, and then incrementally', () => {
    const t = fakeTree();
    const first = t.run();
    expect(first.out).toContain('setup: compiling pask (the first time');
    expect(first.builds).toEqual(['-p tsconfig.json --incremental --tsBuildInfoFile dist/.tsbuildinfo']);
    const second = t.run();
    expect(second.builds).toHaveLength(1);
    expect(second.out).toBe('');
    const later = new Date(Date.now() + 2000);
    writeFileSync(join(t.dir, 'src/a.ts'), 'export const a = 2;\n');
    utimesSync(join(t.dir, 'src/a.ts'), later, later);
    writeFileSync(join(t.dir, 'dist/.tsbuildinfo'), '{}');
    const third = t.run();
    expect(third.builds).toHaveLength(2);
    expect(third.out).not.toContain('first time');
  });
});
