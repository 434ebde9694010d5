// Splits a command line into tokens, keeping each token's column for the `^` marker.
// Double quotes group words ("a b"); a backslash escapes a quote inside them.

export interface Token {
  readonly text: string;
  readonly col: number;
  readonly quoted: boolean;
}

export interface TokenizedLine {
  readonly tokens: readonly Token[];
  /** Output pipes after the command: `| include RE` and the like, raw. */
  readonly pipes: readonly string[];
  /** The line ended in white space (the next token has not started). */
  readonly trailingSpace: boolean;
  readonly error: { col: number; message: string } | null;
}

export function tokenize(line: string): TokenizedLine {
  const tokens: Token[] = [];
  const pipes: string[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && isSpace(line[i]!)) i++;
    if (i >= n) break;
    if (line[i] === '|') {
      const rest = line.slice(i + 1);
      for (const p of splitPipes(rest)) pipes.push(p);
      return { tokens, pipes, trailingSpace: false, error: null };
    }
    const col = i;
    if (line[i] === '"') {
      let text = '';
      i++;
      let closed = false;
      while (i < n) {
        const c = line[i]!;
        if (c === '\\' && i + 1 < n) { text += line[i + 1]; i += 2; continue; }
        if (c === '"') { closed = true; i++; break; }
        text += c;
        i++;
      }
      if (!closed) return { tokens, pipes, trailingSpace: false, error: { col, message: '% Unterminated quoted string' } };
      tokens.push({ text, col, quoted: true });
    } else {
      let j = i;
      while (j < n && !isSpace(line[j]!)) j++;
      tokens.push({ text: line.slice(i, j), col, quoted: false });
      i = j;
    }
  }
  const trailingSpace = n > 0 && isSpace(line[n - 1]!);
  return { tokens, pipes, trailingSpace, error: null };
}

/** The output modifiers a `|` may introduce (any prefix of one, as with keywords). */
export const PIPE_VERBS = ['begin', 'count', 'exclude', 'include', 'json', 'section'] as const;

/**
 * Splits `include A|B | count` into its stages. A `|` inside a regular expression belongs to it:
 * a new stage starts only at a `|` with white space before it, outside double quotes, followed
 * by a modifier's name (or a prefix of one), as `show ... | include a|b | count` reads.
 */
function splitPipes(rest: string): string[] {
  const stages: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i]!;
    if (c === '\\' && quoted) { i++; continue; }
    if (c === '"') { quoted = !quoted; continue; }
    if (c !== '|' || quoted || i === 0 || !isSpace(rest[i - 1]!)) continue;
    const word = /^\s*(\S+)/.exec(rest.slice(i + 1))?.[1]?.toLowerCase() ?? '';
    if (word === '' || PIPE_VERBS.some((v) => v.startsWith(word))) {
      stages.push(rest.slice(start, i).trim());
      start = i + 1;
    }
  }
  stages.push(rest.slice(start).trim());
  return stages;
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t';
}
