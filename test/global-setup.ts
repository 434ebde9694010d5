// Tests that run the `pask` executable need the compiled tree to match the sources. Type errors
// do not stop the build here (tsc still emits); test/typecheck.test.ts reports them.
import { spawnSync } from 'node:child_process';

export default function setup(): void {
  spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'ignore' });
}
