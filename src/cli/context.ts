// What a command handler works with.

import type { Appliance } from '../appliance.js';
import type { RunningConfig } from '../config/model.js';
import type { ObjectKind } from '../config/objects.js';
import type { CliSession } from './session.js';

export interface Ctx {
  readonly appliance: Appliance;
  readonly session: CliSession;
  /** The running config at the time the command started. */
  readonly cfg: RunningConfig;
  /** Aborted by Ctrl-C (console) or by the end of the connection. */
  readonly signal: AbortSignal;
  /** Writes text as is. */
  write(text: string): void;
  /** Writes lines, each followed by a newline. */
  print(...lines: string[]): void;
  /** Diagnostics beside the output: standard error in a batch, the screen on a console. */
  diag(text: string): void;
  /** A `% ` warning that is not an error (a batch: `WHERE: % ...` on standard error). */
  warn(message: string): void;
  /** The object being edited in the current sub-mode. */
  draft<T>(kind: ObjectKind<T>): T;
  /** Stages a change to the object being edited; `what` names it for the discard report. */
  stage<T>(kind: ObjectKind<T>, what: string, change: (draft: T) => T): void;
  /** Validates and installs a new running config, or throws the `% ` errors. */
  commit(next: RunningConfig): void;
}
