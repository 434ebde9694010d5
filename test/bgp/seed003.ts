// The BGP show blocks of file 003, as the EdgeRouter printed them (test/fixtures/seeds/003-bgp.txt).
import { readFileSync } from 'node:fs';

const LINES = readFileSync(new URL('../fixtures/seeds/003-bgp.txt', import.meta.url), 'utf8')
  .replace(/\u00a0/g, ' ').split('\n');

/** The lines printed after `command`, up to the next command; trailing blanks and white space dropped. */
export function seed003(command: string): string[] {
  const i = LINES.indexOf(command);
  if (i < 0) throw new Error(`file 003 has no "${command}"`);
  const out: string[] = [];
  for (let j = i + 1; j < LINES.length && !LINES[j]!.startsWith('show '); j++) out.push(LINES[j]!.trimEnd());
  while (out.length && out[out.length - 1] === '') out.pop();
  return out;
}
