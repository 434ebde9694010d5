// A command, declared once: the syntax string drives parsing, `?` help, Tab completion and
// docs/cli.md; the handler does the work.

import type { Args } from './args.js';
import { parseSyntax, type SyntaxNode } from './syntax.js';

export interface CommandDef<Ctx> {
  readonly syntax: string;
  /** The modes it is available in (see src/cli/modes.ts). */
  readonly modes: readonly string[];
  /** One line for `?` on its first keyword when no other help is known, and for the docs. */
  readonly doc: string;
  /** Help for tokens of this command (keywords, or placeholders like `A.B.C.D`, or binding names). */
  readonly help?: Readonly<Record<string, string>>;
  /** Lowest privilege that may run it (1 = user mode, 15 = privileged). Default 15. */
  readonly privilege?: 1 | 15;
  run(ctx: Ctx, args: Args): void | Promise<void>;
  /** Structured output for `| json` (automation): the value printed instead of the text. */
  readonly json?: JsonOutput<Ctx>;
}

export interface JsonOutput<Ctx> {
  /** The value's shape, for docs/cli.md (TypeScript notation). */
  readonly schema: string;
  of(ctx: Ctx, args: Args): unknown;
}

export interface Command<Ctx> extends CommandDef<Ctx> {
  readonly tree: SyntaxNode;
  readonly index: number;
}

export function defineCommands<Ctx>(defs: readonly CommandDef<Ctx>[]): readonly CommandDef<Ctx>[] {
  return defs;
}

export function compileDef<Ctx>(def: CommandDef<Ctx>, index: number): Command<Ctx> {
  return { ...def, tree: parseSyntax(def.syntax), index };
}
