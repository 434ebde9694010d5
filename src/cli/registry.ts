// All command definitions, compiled into one command set per mode and privilege.

import { compileDef, type CommandDef } from './grammar/command.js';
import { CommandSet } from './grammar/command-set.js';
import type { Ctx } from './context.js';
import type { ModeName } from './modes.js';

export type CliCommandSet = CommandSet<Ctx>;

export class CommandRegistry {
  private readonly sets = new Map<string, CliCommandSet>();

  constructor(readonly defs: readonly CommandDef<Ctx>[], private readonly dictionary: Readonly<Record<string, string>>) {}

  /** The commands of `mode`; `exec` also holds the `global` ones. */
  set(mode: ModeName, privileged: boolean): CliCommandSet {
    const key = `${mode}/${privileged}`;
    let s = this.sets.get(key);
    if (!s) {
      const wanted = (d: CommandDef<Ctx>) =>
        (d.modes.includes(mode) || (mode === 'exec' && d.modes.includes('global'))) && (privileged || d.privilege === 1);
      s = new CommandSet<Ctx>(this.defs.filter(wanted).map(compileDef), this.dictionary);
      this.sets.set(key, s);
    }
    return s;
  }
}
