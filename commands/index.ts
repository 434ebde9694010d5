// Every command family of the shell.

import type { CommandDef } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CommandRegistry } from '../src/cli/registry.js';
import { arpCommands } from './arp.js';
import { entryCommands } from './entry.js';
import { healthCheckCommands } from './health-check.js';
import { HELP_WORDS } from './help-words.js';
import { interfaceCommands } from './interface.js';
import { labCommands } from './lab.js';
import { portBoundaryCommands } from './port-boundary.js';
import { portCommands } from './port.js';
import { realCommands } from './real.js';
import { routeCommands } from './route.js';
import { sessionCommands } from './session.js';
import { slbCommands } from './slb.js';
import { systemCommands } from './system.js';
import { tcpdumpCommands } from './tcpdump.js';
import { userCommands } from './user.js';
import { vlanCommands } from './vlan.js';

export const ALL_COMMANDS: readonly CommandDef<Ctx>[] = [
  ...systemCommands,
  ...vlanCommands,
  ...interfaceCommands,
  ...routeCommands,
  ...healthCheckCommands,
  ...realCommands,
  ...portBoundaryCommands,
  ...portCommands,
  ...slbCommands,
  ...entryCommands,
  ...arpCommands,
  ...userCommands,
  ...tcpdumpCommands,
  ...labCommands,
  ...sessionCommands,
];

let registry: CommandRegistry | null = null;

export function commandRegistry(): CommandRegistry {
  return (registry ??= new CommandRegistry(ALL_COMMANDS, HELP_WORDS));
}
