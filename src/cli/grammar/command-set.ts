// All commands of one mode: parsing a line, `?` help and Tab completion.

import { Args } from './args.js';
import type { Command } from './command.js';
import { compileCommand, Matcher, type Candidate, type MatchResult } from './match.js';
import type { Leaf } from './syntax.js';
import { tokenize, type Token } from './tokenize.js';

export type LineResult<Ctx> =
  | { readonly kind: 'empty' }
  | { readonly kind: 'ok'; readonly command: Command<Ctx>; readonly args: Args; readonly pipes: readonly string[] }
  | { readonly kind: 'error'; readonly message: string; readonly caretCol: number | null; readonly at: number };

export interface HelpLine {
  readonly word: string;
  readonly help: string;
}

export class CommandSet<Ctx> {
  private readonly matcher: Matcher;

  constructor(
    readonly commands: readonly Command<Ctx>[],
    private readonly dictionary: Readonly<Record<string, string>>,
  ) {
    this.matcher = new Matcher(commands.map((c, i) => compileCommand(c.tree, i)));
  }

  parse(line: string): LineResult<Ctx> {
    const t = tokenize(line);
    if (t.error) return { kind: 'error', message: t.error.message, caretCol: t.error.col, at: 0 };
    if (t.tokens.length === 0) {
      return t.pipes.length ? { kind: 'error', message: "% Invalid input detected at '^' marker.", caretCol: line.indexOf('|'), at: 0 } : { kind: 'empty' };
    }
    const r = this.matcher.match(t.tokens, restFrom(line, t.tokens));
    if (r.kind === 'ok') {
      const command = this.commands[r.parse.cmd]!;
      return { kind: 'ok', command, args: new Args(r.parse.binds, r.parse.words), pipes: t.pipes };
    }
    return describeFailure(r, t.tokens, line);
  }

  /** `?` after `line`: the help lines, or the error that stops before the end. */
  help(line: string): HelpLine[] | { error: string } {
    const c = this.candidatesFor(line);
    if ('error' in c) return c;
    const out: HelpLine[] = c.list.map(({ leaf, cmd }) => ({ word: leafWord(leaf), help: leaf ? this.helpFor(leaf, this.commands[cmd]!) : '' }));
    return out.sort((a, b) => (a.word === '<cr>' ? 1 : b.word === '<cr>' ? -1 : 0));
  }

  /** Tab: the completed line, and the choices when more than one fits. */
  complete(line: string): { line: string; choices: string[] } {
    const c = this.candidatesFor(line);
    if ('error' in c || c.partial === null) return { line, choices: [] };
    const words = c.list.filter((x) => x.leaf && x.leaf.t === 'kw').map((x) => (x.leaf as { word: string }).word);
    if (words.length === 0) return { line, choices: [] };
    const base = line.slice(0, line.length - c.partial.length);
    if (words.length === 1) return { line: `${base}${words[0]} `, choices: [] };
    const common = commonPrefix(words);
    return { line: base + (common.length > c.partial.length ? common : c.partial), choices: words };
  }

  private candidatesFor(line: string): { list: Candidate[]; partial: string | null } | { error: string } {
    const t = tokenize(line);
    if (t.error) return { error: t.error.message };
    const endsOpen = !t.trailingSpace && t.tokens.length > 0 && line.length > 0;
    const complete = endsOpen ? t.tokens.slice(0, -1) : t.tokens;
    const partial = endsOpen ? t.tokens[t.tokens.length - 1]!.text : null;
    const r = this.matcher.candidates(complete, partial, restFrom(line, complete));
    if (!Array.isArray(r)) {
      const f = describeFailure(r as MatchResult, t.tokens, line);
      return { error: f.kind === 'error' ? f.message : '% Unrecognized command' };
    }
    if (r.length === 0) return { error: '% Unrecognized command' };
    return { list: r, partial };
  }

  /** The command's own help for the token, else the shared dictionary, else the command's doc. */
  private helpFor(leaf: Leaf, cmd: Command<Ctx>): string {
    if (leaf.t === 'kw') {
      const first = cmd.syntax.split(' ')[0] === leaf.word;
      return cmd.help?.[leaf.word] ?? this.dictionary[leaf.word] ?? (first ? cmd.doc : '');
    }
    return cmd.help?.[leaf.bind] ?? cmd.help?.[leaf.type.name] ?? leaf.type.help;
  }
}

function leafWord(leaf: Leaf | null): string {
  if (!leaf) return '<cr>';
  return leaf.t === 'kw' ? leaf.word : leaf.type.name;
}

function commonPrefix(words: string[]): string {
  let p = words[0]!;
  for (const w of words) while (!w.startsWith(p)) p = p.slice(0, -1);
  return p;
}

function restFrom(line: string, tokens: readonly Token[]): (i: number) => string {
  return (i) => {
    const tok = tokens[i]!;
    if (tok.quoted && i === tokens.length - 1) return tok.text;
    const raw = line.slice(tok.col);
    const bar = raw.search(/\s\|/);
    return (bar >= 0 ? raw.slice(0, bar) : raw).trim();
  };
}

function describeFailure<Ctx>(r: MatchResult, tokens: readonly Token[], _line: string): LineResult<Ctx> {
  switch (r.kind) {
    case 'invalid':
      return {
        kind: 'error',
        message: r.message ?? "% Invalid input detected at '^' marker.",
        caretCol: r.message ? null : tokens[r.at]!.col,
        at: r.at,
      };
    case 'ambiguous':
      return { kind: 'error', message: `% Ambiguous command: "${tokens.slice(0, r.at + 1).map((t) => t.text).join(' ')}"`, caretCol: null, at: r.at };
    case 'incomplete':
      return { kind: 'error', message: '% Incomplete command.', caretCol: null, at: r.at };
    case 'ok':
      throw new Error('unreachable');
  }
}
