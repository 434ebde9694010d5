// The version of pask: package.json's, found from the compiled tree (dist/src/cli) and from
// the sources (src/cli, as the tests run them) alike.

import { readFileSync } from 'node:fs';

let cached: string | null = null;

export function paskVersion(): string {
  if (cached !== null) return cached;
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const p = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (p.name === 'pask' && typeof p.version === 'string') return (cached = p.version);
    } catch { /* not there */ }
  }
  return (cached = 'unknown');
}
