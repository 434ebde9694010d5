// Matches a tokenized line against every command of a mode at once, left to right, the way
// network CLIs do: at each token the best kind of match wins (exact keyword > typed argument >
// keyword prefix > free word > rest of line), and two different keywords matched by the same prefix are
// ambiguous. The same walk yields `?` help and Tab completion.

import type { ArgValue } from './types.js';
import type { Leaf, SyntaxNode } from './syntax.js';
import type { Token } from './tokenize.js';

type GNode =
  | { k: 'leaf'; leaf: Leaf; next: GNode; cmd: number }
  | { k: 'split'; next: GNode[] }
  | { k: 'mark'; group: number; alt: number; next: GNode }
  | { k: 'accept'; cmd: number };

/** One compiled command: its graph entry. */
export interface CompiledEntry {
  readonly entry: GNode;
}

let groupSeq = 0;

export function compileCommand(node: SyntaxNode, cmd: number): CompiledEntry {
  return { entry: build(node, { k: 'accept', cmd }, cmd) };
}

function build(node: SyntaxNode, next: GNode, cmd: number): GNode {
  switch (node.t) {
    case 'kw':
    case 'arg':
      return { k: 'leaf', leaf: node, next, cmd };
    case 'seq': {
      let n = next;
      for (let i = node.items.length - 1; i >= 0; i--) n = build(node.items[i]!, n, cmd);
      return n;
    }
    case 'opt':
      return { k: 'split', next: [build(node.body, next, cmd), next] };
    case 'alt':
      return { k: 'split', next: node.alts.map((a) => build(a, next, cmd)) };
    case 'any': {
      const group = groupSeq++;
      const loop: { k: 'split'; next: GNode[] } = { k: 'split', next: [next] };
      node.alts.forEach((a, alt) => loop.next.push({ k: 'mark', group, alt, next: build(a, loop, cmd) }));
      return loop;
    }
  }
}

export const enum Level {
  None = 0,
  /** Rest-of-line text: only when nothing else fits the token. */
  Rest = 1,
  Loose = 2,
  Partial = 3,
  Typed = 4,
  Exact = 5,
}

interface State {
  readonly node: GNode;
  readonly binds: ReadonlyMap<string, ArgValue>;
  readonly words: readonly string[];
  readonly used: ReadonlySet<string>;
  /** A rest-of-line argument took every remaining token. */
  readonly done: boolean;
}

export interface Parse {
  readonly cmd: number;
  readonly binds: ReadonlyMap<string, ArgValue>;
  /** Every keyword matched, in full. */
  readonly words: readonly string[];
}

export type MatchResult =
  | { readonly kind: 'ok'; readonly parse: Parse }
  | { readonly kind: 'invalid'; readonly at: number; readonly message: string | null }
  | { readonly kind: 'ambiguous'; readonly at: number; readonly words: readonly string[] }
  | { readonly kind: 'incomplete'; readonly at: number };

export interface Candidate {
  readonly leaf: Leaf | null; // null = <cr>
  /** The command the leaf belongs to (for its help text). */
  readonly cmd: number;
}

function closure(states: State[]): State[] {
  const out: State[] = [];
  const seen = new Set<string>();
  const stack = [...states];
  while (stack.length) {
    const s = stack.pop()!;
    const n = s.node;
    if (n.k === 'split') {
      for (let i = n.next.length - 1; i >= 0; i--) stack.push({ ...s, node: n.next[i]! });
    } else if (n.k === 'mark') {
      const key = `${n.group}:${n.alt}`;
      if (s.used.has(key)) continue;
      const used = new Set(s.used);
      used.add(key);
      stack.push({ ...s, node: n.next, used });
    } else {
      // Distinct bindings must survive as distinct states; identical ones need not.
      const id = stateId(s);
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(s);
    }
  }
  return out;
}

const nodeIds = new WeakMap<GNode, number>();
let nodeSeq = 0;
function stateId(s: State): string {
  let id = nodeIds.get(s.node);
  if (id === undefined) nodeIds.set(s.node, (id = nodeSeq++));
  return `${id}|${[...s.used].sort().join(',')}|${s.words.join(' ')}|${[...s.binds].map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}|${s.done}`;
}

function matchLeaf(leaf: Leaf, text: string): { level: Level; value: ArgValue | null } {
  if (leaf.t === 'kw') {
    const t = text.toLowerCase(); // keywords are case-insensitive, as on other network CLIs
    if (leaf.word === t) return { level: Level.Exact, value: leaf.word };
    if (t.length > 0 && leaf.word.startsWith(t)) return { level: Level.Partial, value: leaf.word };
    return { level: Level.None, value: null };
  }
  const v = leaf.type.parse(text);
  if (v === null) return { level: Level.None, value: null };
  return { level: leaf.type.rest ? Level.Rest : leaf.type.loose ? Level.Loose : Level.Typed, value: v };
}

export class Matcher {
  constructor(private readonly entries: readonly CompiledEntry[]) {}

  private start(): State[] {
    return closure(this.entries.map((e) => ({ node: e.entry, binds: new Map(), words: [], used: new Set<string>(), done: false })));
  }

  /** Walks the tokens; returns the live states after them, or the failure. */
  private walk(tokens: readonly Token[], rawRest: (i: number) => string):
    { states: State[] } | { fail: MatchResult } {
    let states = this.start();
    for (let i = 0; i < tokens.length; i++) {
      const tok = tokens[i]!;
      const finished = states.filter((s) => s.done);
      const scored: { s: State; level: Level; value: ArgValue | null }[] = [];
      for (const s of states) {
        if (s.done || s.node.k !== 'leaf') continue;
        const m = matchLeaf(s.node.leaf, tok.text);
        if (m.level !== Level.None) scored.push({ s, ...m });
      }
      if (scored.length === 0) {
        if (finished.length) { states = finished; continue; }
        return { fail: { kind: 'invalid', at: i, message: this.explain(states, tok.text) } };
      }
      const best = Math.max(...scored.map((x) => x.level));
      let kept = scored.filter((x) => x.level === best);
      if (best === Level.Partial) {
        const kw = (x: { s: State }) => (x.s.node as { leaf: Leaf & { t: 'kw' } }).leaf.word;
        const words = [...new Set(kept.map(kw))];
        // A word that begins every other candidate wins its prefixes (`show int`: interface, not interfaces).
        const root = words.find((w) => words.every((o) => o.startsWith(w)));
        if (words.length > 1 && root !== undefined) kept = kept.filter((x) => kw(x) === root);
        else if (words.length > 1) return { fail: { kind: 'ambiguous', at: i, words } };
      }
      const next: State[] = [];
      for (const { s, value } of kept) {
        const node = s.node as Extract<GNode, { k: 'leaf' }>;
        const leaf = node.leaf;
        const binds = new Map(s.binds);
        let words = s.words;
        let done = false;
        if (leaf.t === 'kw') {
          words = [...words, leaf.word];
          if (leaf.bind) binds.set(leaf.bind, leaf.word);
        } else if (leaf.type.rest) {
          const restText = rawRest(i);
          binds.set(leaf.bind, restText);
          done = true;
        } else {
          binds.set(leaf.bind, value!);
        }
        next.push({ node: node.next, binds, words, used: s.used, done });
      }
      states = [...closure(next), ...finished];
    }
    return { states };
  }

  private explain(states: State[], text: string): string | null {
    for (const s of states) {
      if (s.node.k === 'leaf' && s.node.leaf.t === 'arg' && s.node.leaf.type.explain) {
        const msg = s.node.leaf.type.explain(text);
        if (msg) return msg;
      }
    }
    return null;
  }

  match(tokens: readonly Token[], rawRest: (i: number) => string): MatchResult {
    const w = this.walk(tokens, rawRest);
    if ('fail' in w) return w.fail;
    const accepted = w.states.filter((s) => s.node.k === 'accept' || s.done);
    const finals = closure(accepted.map((s) => (s.done ? { ...s, done: false } : s))).filter((s) => s.node.k === 'accept');
    // A rest-of-line state is complete only if the rest of its command can be empty.
    if (finals.length === 0) return { kind: 'incomplete', at: tokens.length };
    const s = finals[0]!;
    return { kind: 'ok', parse: { cmd: (s.node as { cmd: number }).cmd, binds: s.binds, words: s.words } };
  }

  /**
   * What may come next after the complete tokens; `partial` is a started last token
   * (filtering keywords by prefix), or null after white space.
   */
  candidates(tokens: readonly Token[], partial: string | null, rawRest: (i: number) => string): Candidate[] | MatchResult {
    const w = this.walk(tokens, rawRest);
    if ('fail' in w) return w.fail;
    const out: Candidate[] = [];
    const seen = new Set<string>();
    let cr = false;
    for (const s of w.states) {
      if (s.done) continue;
      if (s.node.k === 'accept') { cr = true; continue; }
      if (s.node.k !== 'leaf') continue;
      const leaf = s.node.leaf;
      if (partial !== null) {
        if (leaf.t === 'kw' ? !leaf.word.startsWith(partial) : leaf.type.parse(partial) === null) continue;
      }
      const key = leaf.t === 'kw' ? `kw:${leaf.word}` : `arg:${leaf.type.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ leaf, cmd: s.node.cmd });
    }
    if (cr && partial === null) out.push({ leaf: null, cmd: -1 });
    return out;
  }
}
