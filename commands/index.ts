// Every command family of the shell.

import type { CommandDef } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CommandRegistry } from '../src/cli/registry.js';
import { arpCommands, arpShellCommands } from './arp.js';
import { entryCommands } from './entry.js';
import { healthCheckCommands } from './health-check.js';
import { HELP_WORDS, VALUE_WORDS } from './help-words.js';
import { interfaceCommands, interfaceShellCommands } from './interface.js';
import { labCommands } from './lab.js';
import { portBoundaryCommands } from './port-boundary.js';
import { portCommands } from './port.js';
import { offloadCommands } from './offload.js';
import { realCommands } from './real.js';
import { renderRunningConfig } from './running-config.js';
import { routeCommands } from './route.js';
import { ipRouteCommands } from './ip-route.js';
import { ttcpCommands } from './ttcp.js';
import { sessionCommands } from './session.js';
import { slbCommands } from './slb.js';
import { systemCommands } from './system.js';
import { tcpdumpCommands } from './tcpdump.js';
import { userCommands } from './user.js';
import { vlanCommands } from './vlan.js';
import { loggingCommands } from './logging.js';
import { metricsCommands } from './metrics.js';
import { pingCommands } from './ping.js';
import { vxlanCommands } from './vxlan.js';
import { geneveCommands } from './geneve.js';
import { ipsecCommands } from './ipsec.js';
import { ipsecEdgeosCommands } from './ipsec-edgeos.js';
import { bgpConfigCommands, bgpShowCommands } from './bgp.js';
import { bgpEdgeosCommands } from './bgp-edgeos.js';
import { edgeosCommands } from './edgeos.js';

export const ALL_COMMANDS: readonly CommandDef<Ctx>[] = [
  ...systemCommands,
  ...vlanCommands,
  ...interfaceCommands,
  ...interfaceShellCommands,
  ...routeCommands,
  ...ipRouteCommands,
  ...ttcpCommands,
  ...healthCheckCommands,
  ...realCommands,
  ...portBoundaryCommands,
  ...portCommands,
  ...offloadCommands,
  ...slbCommands,
  ...entryCommands,
  ...arpCommands,
  ...arpShellCommands,
  ...userCommands,
  ...tcpdumpCommands,
  ...labCommands,
  ...sessionCommands,
  ...loggingCommands,
  ...metricsCommands,
  ...pingCommands,
  ...vxlanCommands,
  ...geneveCommands,
  ...ipsecCommands,
  ...ipsecEdgeosCommands,
  ...bgpConfigCommands,
  ...bgpShowCommands,
  ...edgeosCommands,
  ...bgpEdgeosCommands,
];

let registry: CommandRegistry | null = null;

export function commandRegistry(): CommandRegistry {
  return (registry ??= new CommandRegistry(ALL_COMMANDS, HELP_WORDS, VALUE_WORDS, renderRunningConfig));
}
