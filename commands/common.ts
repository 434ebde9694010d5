// Commands every configurable object has.

import type { Ctx } from '../src/cli/context.js';
import type { CommandDef } from '../src/cli/grammar/command.js';
import type { SubMode } from '../src/cli/modes.js';
import type { ObjectKind } from '../src/config/objects.js';

/** `description LINE` and `no description` for an object with a `description` field. */
export function descriptionCommands<T extends { readonly description: string }>(kind: ObjectKind<T>, what: string): CommandDef<Ctx>[] {
  const mode = kind.id as SubMode;
  return [
    {
      syntax: 'description LINE', modes: [mode], doc: `Describe the ${what}`,
      run: (ctx, a) => ctx.stage(kind, 'description', (o) => ({ ...o, description: a.str('description') })),
    },
    {
      syntax: 'no description', modes: [mode], doc: 'Remove the description',
      run: (ctx) => ctx.stage(kind, 'description', (o) => ({ ...o, description: '' })),
    },
  ];
}
