// Prints docs/cli.md: `npm run docs` writes it; a test checks it is current.
import { readFileSync } from 'node:fs';
import { ALL_COMMANDS } from '../commands/index.js';
import { renderCliDocs } from '../src/cli/docs.js';

const intro = readFileSync(new URL('../../docs/cli-intro.md', import.meta.url), 'utf8');
process.stdout.write(renderCliDocs(ALL_COMMANDS, intro));
