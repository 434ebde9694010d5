// When each real of each service last changed administratively: put in or out of service
// (`status enable|disable` of the real or the service), or added to the service. Its
// State-Time in `show info slb` counts from then when that is later than its last health change.

import type { Clock } from '../util/clock.js';
import type { RunningConfig } from './model.js';
import type { ConfigStore } from './store.js';

function inService(cfg: RunningConfig, slb: string, real: number): boolean | null {
  const s = cfg.slbs.find((x) => x.name === slb);
  const r = cfg.reals.find((x) => x.id === real);
  if (!s || !r || !s.reals.some((m) => m.id === real)) return null;
  return s.status === 'enable' && r.status === 'enable';
}

export class AdminStateTimes {
  private readonly since = new Map<string, number>();

  constructor(store: ConfigStore, private readonly clock: Clock) {
    store.subscribe((next, prev) => this.update(next, prev));
  }

  /** Clock time (ms) of the real's last administrative change in the service; 0 if none. */
  realSince(slb: string, real: number): number {
    return this.since.get(`${slb}\u0000${real}`) ?? 0;
  }

  private update(next: RunningConfig, prev: RunningConfig): void {
    const now = this.clock.now();
    for (const s of next.slbs) {
      for (const m of s.reals) {
        if (inService(prev, s.name, m.id) !== inService(next, s.name, m.id)) this.since.set(`${s.name}\u0000${m.id}`, now);
      }
    }
  }
}
