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

function splitPipes(rest: string): string[] {
  return rest.split('|').map((s) => s.trim());
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t';
}
