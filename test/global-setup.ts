// Tests that run the `pask` executable need the compiled tree to match the sources. Type errors
// do not stop the build here (tsc still emits); test/typecheck.test.ts reports them.
import { spawnSync } from 'node:child_process';

export default function setup(): void {
  // Incremental, as scripts/setup.sh builds: only what changed since the last build is compiled.
  spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--incremental', '--tsBuildInfoFile', 'dist/.tsbuildinfo'], { stdio: 'ignore' });
}
