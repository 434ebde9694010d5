// Runs the real `pask` executable.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PASK = new URL('../../bin/pask', import.meta.url).pathname;

export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'pask-test-'));
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function pask(args: string[], opts: { input?: string; home?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PASK, ...args], {
      env: { ...process.env, PASK_HOME: opts.home ?? tempHome(), NO_COLOR: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}
