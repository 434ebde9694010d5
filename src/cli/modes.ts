// The modes of the shell and their prompts.

import type { ObjectKind } from '../config/objects.js';
import type { EdgeosEdit } from './edgeos/candidate.js';

export const SUBMODES = ['vlan', 'interface', 'slb', 'real', 'health-check', 'port-boundary', 'vxlan', 'geneve-appliance', 'router-bgp'] as const;
export type SubMode = (typeof SUBMODES)[number];

/** Mode names used in command definitions. `global`: exec commands that also work, unchanged,
 * in every configuration mode (show, tcpdump, wait...). */
export type ModeName = 'exec' | 'config' | 'global' | SubMode | 'edgeos';
export const CONFIG_MODES: readonly ModeName[] = ['config', ...SUBMODES];

export interface Edit<T = unknown> {
  readonly kind: ObjectKind<T>;
  readonly key: string | number;
  /** The object as it was in the running config when editing began (undefined: new). */
  base: T | undefined;
  draft: T;
  /** What was changed since the last apply, for the discard report. */
  changes: string[];
}

export type Frame = { readonly mode: 'exec' } | { readonly mode: 'config' } | { readonly mode: SubMode; readonly edit: Edit }
  /** EdgeOS-style `configure`: `set` lines edit a candidate that `commit` applies (src/cli/edgeos/). */
  | { readonly mode: 'edgeos'; readonly edgeos: EdgeosEdit };

export function promptFor(host: string, frame: Frame, privileged: boolean): string {
  switch (frame.mode) {
    case 'exec':
      return `${host}${privileged ? '#' : '>'}`;
    case 'config':
      return `${host}(config)#`;
    case 'edgeos':
      return `${host}[edit]#`;
    default:
      // A mode of the one object of its kind (vxlan) has no key.
      return frame.edit.key === '' ? `${host}(config-${frame.mode})#` : `${host}(config-${frame.mode}[${frame.edit.key}])#`;
  }
}
