// The whole project type-checks (strict), tests included.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('typescript', () => {
  it('has no type errors', () => {
    const r = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.test.json', '--noEmit'], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
  }, 120_000);
});
