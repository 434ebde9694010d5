// All command definitions, compiled into one command set per mode and privilege.

import { compileDef, type CommandDef } from './grammar/command.js';
import { CommandSet } from './grammar/command-set.js';
import type { Ctx } from './context.js';
import type { ModeName } from './modes.js';
import type { RunningConfig } from '../config/model.js';

export type CliCommandSet = CommandSet<Ctx>;

/** The leading keywords of a syntax string: `show info slb` of `show info slb [NAME]`. */
export function commandTitle(syntax: string): string {
  return syntax.replace(/\s+(?:[[<{(]|[A-Z]).*$/, '');
}

export class CommandRegistry {
  private readonly sets = new Map<string, CliCommandSet>();

  constructor(
    readonly defs: readonly CommandDef<Ctx>[],
    private readonly dictionary: Readonly<Record<string, string>>,
    private readonly valueWords: Readonly<Record<string, string>> = {},
    /** `show running-config`'s text of a config (the audit trail records its differences). */
    readonly renderConfig: (cfg: RunningConfig) => string = () => '',
  ) {}

  /** The commands `| json` works after, as typed (for the error that lists them). */
  jsonCommands(): string[] {
    return this.defs.filter((d) => d.json).map((d) => commandTitle(d.syntax));
  }

  /** The commands of `mode`; `exec` also holds the `global` ones. */
  set(mode: ModeName, privileged: boolean): CliCommandSet {
    const key = `${mode}/${privileged}`;
    let s = this.sets.get(key);
    if (!s) {
      const wanted = (d: CommandDef<Ctx>) =>
        (d.modes.includes(mode) || (mode === 'exec' && d.modes.includes('global'))) && (privileged || d.privilege === 1);
      s = new CommandSet<Ctx>(this.defs.filter(wanted).map(compileDef), this.dictionary, this.valueWords);
      this.sets.set(key, s);
    }
    return s;
  }
}
