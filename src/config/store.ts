// The one running configuration of an appliance, shared by every console. A commit replaces
// it whole after validation; listeners (the engine) see each committed version.

import type { RunningConfig } from './model.js';
import { validate } from './validate.js';

export type ConfigListener = (next: RunningConfig, prev: RunningConfig) => void;

export class ConfigStore {
  private cfg: RunningConfig;
  private readonly listeners: ConfigListener[] = [];
  private rev = 0;

  constructor(initial: RunningConfig) {
    this.cfg = initial;
  }

  get current(): RunningConfig {
    return this.cfg;
  }
  get revision(): number {
    return this.rev;
  }

  /** Validates and installs `next`; returns the `% ` errors instead when it is not valid. */
  commit(next: RunningConfig): string[] {
    const errs = validate(next);
    if (errs.length) return errs;
    const prev = this.cfg;
    this.cfg = next;
    this.rev++;
    for (const l of this.listeners) l(next, prev);
    return [];
  }

  subscribe(l: ConfigListener): () => void {
    this.listeners.push(l);
    return () => {
      const i = this.listeners.indexOf(l);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }
}
