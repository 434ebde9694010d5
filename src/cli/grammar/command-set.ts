// All commands of one mode: parsing a line, `?` help and Tab completion.

import { Args } from './args.js';
import type { Command } from './command.js';
import { compileCommand, Matcher, type Candidate, type MatchResult } from './match.js';
import { firstLeaves, leavesOf, type Leaf, type SyntaxNode } from './syntax.js';
import { tokenize, type Token } from './tokenize.js';

export type LineResult<Ctx> =
  | { readonly kind: 'empty' }
  | { readonly kind: 'ok'; readonly command: Command<Ctx>; readonly args: Args; readonly pipes: readonly string[] }
  | { readonly kind: 'error'; readonly message: string; readonly caretCol: number | null; readonly at: number };

export interface HelpLine {
  readonly word: string;
  readonly help: string;
  /** A configured object offered for the placeholder `of` (an SLB's name after `NAME`). */
  readonly of?: string;
}

/** The configured objects an argument may name, by its binding name (`slb`, `real`...). */
export type ValueSource = (bind: string) => readonly { readonly word: string; readonly help: string }[];

const NO_VALUES: ValueSource = () => [];

export class CommandSet<Ctx> {
  private readonly matcher: Matcher;

  constructor(
    readonly commands: readonly Command<Ctx>[],
    private readonly dictionary: Readonly<Record<string, string>>,
    /** Help for keywords that are values of a choice (`enable` in `status <enable|disable>`). */
    private readonly valueWords: Readonly<Record<string, string>> = {},
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

  /** `?` after `line`: the help lines (sorted), or the error that stops before the end. */
  help(line: string, values: ValueSource = NO_VALUES): HelpLine[] | { error: string } {
    const c = this.candidatesFor(line);
    if ('error' in c) return c;
    const out: HelpLine[] = [];
    for (const { leaf, cmd } of c.list) {
      if (!leaf) { out.push({ word: '<cr>', help: '' }); continue; }
      const word = leafWord(leaf);
      out.push({ word, help: this.tokenHelp(this.commands[cmd]!, leaf) });
      if (leaf.t === 'arg') {
        for (const v of valuesFor(leaf, values, c.partial)) out.push({ word: v.word, help: v.help, of: word });
      }
    }
    return sortHelp(out);
  }

  /** Tab: the completed line, and the choices when more than one fits. */
  complete(line: string, values: ValueSource = NO_VALUES): { line: string; choices: string[] } {
    const c = this.candidatesFor(line);
    if ('error' in c || c.partial === null) return { line, choices: [] };
    const words: string[] = [];
    for (const { leaf } of c.list) {
      if (!leaf) continue;
      if (leaf.t === 'kw') words.push(leaf.word);
      else words.push(...valuesFor(leaf, values, c.partial).map((v) => v.word));
    }
    const unique = [...new Set(words)].sort(compareWords);
    if (unique.length === 0) return { line, choices: [] };
    const base = line.slice(0, line.length - c.partial.length);
    if (unique.length === 1) return { line: `${base}${unique[0]} `, choices: [] };
    const common = commonPrefix(unique);
    return { line: base + (common.length > c.partial.length ? common : c.partial), choices: unique };
  }

  /**
   * Help for one token of a command: its own help, else (for a command word) the shared
   * dictionary or, first in the line, the command's doc; a choice's value word uses the value
   * dictionary instead; an argument its placeholder's help.
   */
  tokenHelp(cmd: Command<Ctx>, leaf: Leaf): string {
    if (leaf.t === 'kw') {
      const own = cmd.help?.[leaf.word];
      if (own !== undefined) return own;
      const first = firstLeaves(cmd.tree).includes(leaf);
      if (leaf.bind !== null && !first) return this.valueWords[leaf.word] ?? '';
      return this.dictionary[leaf.word] ?? (first ? cmd.doc : this.siblingHelp(leaf.word));
    }
    const byBind = keywordsOf(cmd).has(leaf.bind) ? undefined : cmd.help?.[leaf.bind];
    return cmd.help?.[leaf.type.name] ?? byBind ?? leaf.type.help;
  }

  /** A command word's help elsewhere in the mode (`nat-mode` in `no nat-mode` is the `nat-mode` command's). */
  private siblingHelp(word: string): string {
    for (const c of this.commands) {
      const own = c.help?.[word];
      if (own !== undefined) return own;
    }
    for (const c of this.commands) {
      if (firstLeaves(c.tree).some((l) => l.t === 'kw' && l.word === word && l.bind === null)) return c.doc;
    }
    return '';
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

}

const compareWords = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' }) || (a < b ? -1 : a > b ? 1 : 0);

/** Keywords and placeholders in alphabetical order, each followed by the configured objects
 * offered for it, and `<cr>` last; duplicates (the same word from several commands) once. */
export function sortHelp(rows: readonly HelpLine[]): HelpLine[] {
  const seen = new Set<string>();
  const unique = rows.filter((r) => {
    const k = `${r.of ?? ''}\u0000${r.word}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const out: HelpLine[] = [];
  for (const m of unique.filter((r) => r.of === undefined && r.word !== '<cr>').sort((a, b) => compareWords(a.word, b.word))) {
    out.push(m, ...unique.filter((r) => r.of === m.word).sort((a, b) => compareWords(a.word, b.word)));
  }
  const cr = unique.find((r) => r.word === '<cr>' && r.of === undefined);
  if (cr) out.push(cr);
  return out;
}

function valuesFor(leaf: Leaf & { t: 'arg' }, values: ValueSource, partial: string | null) {
  return values(leaf.bind).filter((v) => leaf.type.parse(v.word) !== null && (partial === null || v.word.startsWith(partial)));
}

const keywordCache = new WeakMap<object, Set<string>>();
function keywordsOf(cmd: { tree: SyntaxNode }): Set<string> {
  let k = keywordCache.get(cmd.tree);
  if (!k) keywordCache.set(cmd.tree, (k = new Set(leavesOf(cmd.tree).flatMap((l) => (l.t === 'kw' ? [l.word] : [])))));
  return k;
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
