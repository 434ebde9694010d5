// Pulls the show blocks out of the seed lab notes (file 000), as the operator saw them.
import { readFileSync } from 'node:fs';

const SEED = readFileSync(new URL('../fixtures/seeds/000.txt', import.meta.url), 'utf8')
  .split('\n').map((l) => l.replace(/^\t/, ''));

/** The output printed after the first prompt line ending in `command`, up to the closing fence or next prompt. */
export function seedOutput(command: string): string {
  const i = SEED.findIndex((l) => /^[\w-]+(\(config\))?# /.test(l) && l.endsWith(`# ${command}`));
  if (i < 0) throw new Error(`seed has no "${command}"`);
  const out: string[] = [];
  for (let j = i + 1; j < SEED.length; j++) {
    const l = SEED[j]!;
    if (l.startsWith('```') || /^[\w-]+(\(config\))?# /.test(l)) break;
    out.push(l);
  }
  return out.join('\n');
}

/** The block framed by `=` rules that holds `title`. */
export function seedBlock(title: string): string {
  const i = SEED.findIndex((l) => l === title);
  if (i < 0) throw new Error(`seed has no "${title}"`);
  let a = i;
  while (!SEED[a]!.startsWith('====')) a--;
  let b = i;
  while (!SEED[b]!.startsWith('====')) b++;
  return SEED.slice(a, b + 1).join('\n');
}

/** Trailing blank lines and trailing white space are not part of the contract. */
export function trimEnd(text: string): string {
  return text.split('\n').map((l) => l.trimEnd()).join('\n').replace(/\n+$/, '');
}
