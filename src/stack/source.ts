// The source address of what the appliance's own tools send (ping, traceroute): the one the
// operator asked for, which must be one of the appliance's addresses, else the egress
// interface's toward the destination.

import type { Ipv4 } from '../net/addr.js';
import type { HostStack } from './host-stack.js';

/** Why a tool cannot start: no route to the destination, or a source that is not the appliance's. */
export type SourceError = 'no-route' | 'bad-source';

export function pickSource(stack: HostStack, dst: Ipv4, src: Ipv4 | null): Ipv4 | SourceError {
  if (src !== null && !stack.engine.isOwnAddress(src)) return 'bad-source';
  const egress = stack.sourceFor(dst);
  if (egress === null) return 'no-route';
  return src ?? egress;
}

export function isSourceError(v: Ipv4 | SourceError): v is SourceError {
  return typeof v === 'string';
}
