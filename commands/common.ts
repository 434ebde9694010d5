// Commands every configurable object has.

import type { Ctx } from '../src/cli/context.js';
import type { CommandDef } from '../src/cli/grammar/command.js';
import type { SubMode } from '../src/cli/modes.js';
import type { ObjectKind } from '../src/config/objects.js';
import { CliError } from '../src/cli/errors.js';
import { MAX_DESCRIPTION } from '../src/config/validate.js';

/** `description LINE` and `no description` for an object with a `description` field. */
export function descriptionCommands<T extends { readonly description: string }>(kind: ObjectKind<T>, what: string): CommandDef<Ctx>[] {
  const mode = kind.id as SubMode;
  return [
    {
      syntax: 'description LINE', modes: [mode], doc: `Describe the ${what}`,
      help: { LINE: `Free text (up to ${MAX_DESCRIPTION} characters)` },
      run: (ctx, a) => ctx.stage(kind, 'description', (o) => ({ ...o, description: checkDescription(a.str('description')) })),
    },
    {
      syntax: 'no description', modes: [mode], doc: 'Remove the description',
      run: (ctx) => ctx.stage(kind, 'description', (o) => ({ ...o, description: '' })),
    },
  ];
}

export { MAX_DESCRIPTION };

export function checkDescription(text: string): string {
  if (text.length > MAX_DESCRIPTION) throw new CliError(`% The description is too long (${text.length} characters): at most ${MAX_DESCRIPTION}`);
  return text;
}

/**
 * `no SETTING` in an object's sub-mode: the setting back to its factory value (what a new
 * object of the kind has), as `show running-config` then omits it.
 */
export function noSetting<T>(kind: ObjectKind<T>, setting: string, doc: string, reset: (obj: T, factory: T) => T, help?: Readonly<Record<string, string>>): CommandDef<Ctx> {
  const words = setting.split(' ');
  return {
    syntax: `no ${setting}`, modes: [kind.id as SubMode], doc, ...(help ? { help } : {}),
    run: (ctx) => ctx.stage(kind, words[0]!, (o) => reset(o, kind.create(kind.keyOf(o) as never))),
  };
}
