// Compiles a syntax string into a tree. Notation (after FRRouting's DEFUN strings):
//   keyword            a literal word; any unambiguous prefix is accepted
//   A.B.C.D  <1-255>   a typed argument (see types.ts); `$name` after a token names its binding
//   [ x y ]  [a|b]     optional (an optional choice)
//   <a|b c|d>          one of the alternatives
//   { a X | b Y }      any of the alternatives, in any order, each at most once
// A typed argument binds under the keyword just before it (`gateway A.B.C.D` binds `gateway`),
// and a choice of single keywords binds the chosen word the same way (`protocol <tcp|udp>`).

import { ARG_TYPES, rangeType, type ArgType } from './types.js';

export type Leaf =
  | { readonly t: 'kw'; readonly word: string; readonly bind: string | null }
  | { readonly t: 'arg'; readonly type: ArgType; readonly bind: string };

export type SyntaxNode =
  | Leaf
  | { readonly t: 'seq'; readonly items: readonly SyntaxNode[] }
  | { readonly t: 'opt'; readonly body: SyntaxNode }
  | { readonly t: 'alt'; readonly alts: readonly SyntaxNode[] }
  | { readonly t: 'any'; readonly alts: readonly SyntaxNode[] };

export class SyntaxError extends Error {}

export function parseSyntax(syntax: string): SyntaxNode {
  const toks = lex(syntax);
  let pos = 0;

  const peek = () => toks[pos];

  // `outer` is the keyword just before a group, so that `gateway [A.B.C.D]` binds `gateway` too.
  function seq(closers: string[], outer: string | null = null): SyntaxNode {
    const items: SyntaxNode[] = [];
    while (pos < toks.length && !closers.includes(toks[pos]!)) items.push(item(items, outer));
    return items.length === 1 ? items[0]! : { t: 'seq', items };
  }

  function alternatives(close: string, outer: string | null): SyntaxNode[] {
    const alts: SyntaxNode[] = [];
    for (;;) {
      alts.push(seq(['|', close], outer));
      const c = toks[pos++];
      if (c === close) return alts;
      if (c !== '|') throw new SyntaxError(`unclosed group in "${syntax}"`);
    }
  }

  function item(before: SyntaxNode[], outer: string | null): SyntaxNode {
    const tok = toks[pos++]!;
    const prevKw = before.length ? keywordBefore(before) : outer;
    if (tok === '[') {
      // `[x y]` optional; `[a|b]` an optional choice (single keywords bind as in `<a|b>`).
      const alts = alternatives(']', prevKw);
      if (alts.length === 1) return { t: 'opt', body: alts[0]! };
      const name = explicitName() ?? prevKw;
      return { t: 'opt', body: { t: 'alt', alts: alts.map((a) => (a.t === 'kw' ? { ...a, bind: name } : a)) } };
    }
    if (tok === '{') return { t: 'any', alts: alternatives('}', null) };
    if (tok === '<') {
      const alts = alternatives('>', prevKw);
      const name = explicitName() ?? prevKw;
      return { t: 'alt', alts: alts.map((a) => (a.t === 'kw' ? { ...a, bind: name } : a)) };
    }
    const [text, explicit] = splitName(tok);
    const range = /^\((\d+)-(\d+)\)$/.exec(text);
    if (range) return { t: 'arg', type: rangeType(Number(range[1]), Number(range[2])), bind: explicit ?? prevKw ?? 'value' };
    const type = ARG_TYPES[text];
    if (type) return { t: 'arg', type, bind: explicit ?? prevKw ?? text.toLowerCase() };
    if (!/^[a-z0-9][a-z0-9_.-]*$/.test(text)) throw new SyntaxError(`bad token "${text}" in "${syntax}"`);
    return { t: 'kw', word: text, bind: explicit };
  }

  function explicitName(): string | null {
    const t = peek();
    if (t && t.startsWith('$')) {
      pos++;
      return t.slice(1);
    }
    return null;
  }

  const root = seq([]);
  if (pos !== toks.length) throw new SyntaxError(`unexpected "${toks[pos]}" in "${syntax}"`);
  return root;
}

function keywordBefore(items: SyntaxNode[]): string | null {
  const last = items[items.length - 1];
  return last && last.t === 'kw' ? last.word : null;
}

function splitName(tok: string): [string, string | null] {
  const i = tok.indexOf('$');
  return i > 0 ? [tok.slice(0, i), tok.slice(i + 1)] : [tok, null];
}

/** Ranges are written `(1-255)` in syntax strings so that `<...>` stays the choice group. */
function lex(s: string): string[] {
  const out: string[] = [];
  const re = /\s*(\(\d+-\d+\)(?:\$[a-z_][a-z0-9_]*)?|[[\]{}<>|]|\$[a-z_][a-z0-9_]*|[^\s[\]{}<>|]+)/giy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(s)) !== null) {
    out.push(m[1]!);
    end = re.lastIndex;
  }
  if (s.slice(end).trim() !== '') throw new SyntaxError(`cannot read "${s}"`);
  return out;
}

/** Leaves in order of appearance (for docs and help dictionaries). */
export function leavesOf(node: SyntaxNode): Leaf[] {
  switch (node.t) {
    case 'kw':
    case 'arg':
      return [node];
    case 'seq':
      return node.items.flatMap(leavesOf);
    case 'opt':
      return leavesOf(node.body);
    case 'alt':
    case 'any':
      return node.alts.flatMap(leavesOf);
  }
}

/** The leaves a line of this syntax may begin with (its command words). */
export function firstLeaves(node: SyntaxNode): Leaf[] {
  switch (node.t) {
    case 'kw':
    case 'arg':
      return [node];
    case 'seq': {
      const out: Leaf[] = [];
      for (const item of node.items) {
        out.push(...firstLeaves(item));
        if (item.t !== 'opt' && item.t !== 'any') break;
      }
      return out;
    }
    case 'opt':
      return firstLeaves(node.body);
    case 'alt':
    case 'any':
      return node.alts.flatMap(firstLeaves);
  }
}

/** Renders a syntax tree back to text (docs). Ranges are shown as `<1-255>`. */
export function renderSyntax(node: SyntaxNode): string {
  switch (node.t) {
    case 'kw':
      return node.word;
    case 'arg':
      return node.type.name;
    case 'seq':
      return node.items.map(renderSyntax).join(' ');
    case 'opt':
      return `[${renderSyntax(node.body)}]`;
    case 'alt':
      return `<${node.alts.map(renderSyntax).join('|')}>`;
    case 'any':
      return `{${node.alts.map(renderSyntax).join('|')}}`;
  }
}
