// docs/cli.md is generated from the command definitions and must be current.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALL_COMMANDS } from '../../commands/index.js';
import { renderCliDocs } from '../../src/cli/docs.js';

describe('docs/cli.md', () => {
  it('matches the command definitions (run npm run docs after changing a command)', () => {
    const intro = readFileSync(new URL('../../docs/cli-intro.md', import.meta.url), 'utf8');
    const doc = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
    expect(doc).toBe(renderCliDocs(ALL_COMMANDS, intro));
  });
  it('documents every command', () => {
    const doc = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
    for (const d of ALL_COMMANDS) expect(doc).toContain(d.doc.replace(/\|/g, '\\|'));
  });
});
