// Builds a service's scheduler from its member list: one picker for the primaries and one
// for the backups; the backups are used only while no primary is usable.

import type { LbMethod } from '../../config/model.js';
import {
  LeastConnPicker, MemberGroup, RoundRobinPicker, SmoothWrrPicker, SourceHashPicker, type GroupPicker,
} from './group.js';
import { MaglevTable } from './maglev.js';
import type { LbMember, Scheduler, SchedulerOptions } from './types.js';

class MaglevPicker implements GroupPicker {
  readonly table: MaglevTable;
  constructor(private readonly g: MemberGroup, opts: SchedulerOptions) {
    this.table = new MaglevTable(g, { size: opts.maglevSize, seed: opts.maglevSeed, maxDepth: opts.maglevDepth });
  }
  refresh(): void {
    this.table.refresh();
  }
  pick(flowHash: number): number {
    const m = this.table.lookup(flowHash);
    return m < 0 ? -1 : this.g.real[m]!;
  }
}

function makePicker(method: LbMethod, g: MemberGroup, opts: SchedulerOptions): GroupPicker {
  switch (method) {
    case 'rr': return new RoundRobinPicker(g);
    case 'wrr': return new SmoothWrrPicker(g);
    case 'lc': return new LeastConnPicker(g);
    case 'hash': return new SourceHashPicker(g);
    case 'maglev': return new MaglevPicker(g, opts);
    default: throw new RangeError(`unknown LB method: ${String(method)}`);
  }
}

class ServiceScheduler implements Scheduler {
  private readonly primary: MemberGroup;
  private readonly backup: MemberGroup;
  private readonly pPick: GroupPicker;
  private bPick: GroupPicker | null = null;
  private backupStale = true;
  /** realIndex -> (group 0/1, position). */
  private readonly where = new Map<number, { group: 0 | 1; pos: number }>();

  constructor(readonly method: LbMethod, members: readonly LbMember[], private readonly opts: SchedulerOptions) {
    const prim: LbMember[] = [], back: LbMember[] = [];
    for (const m of members) {
      if (this.where.has(m.realIndex)) throw new RangeError(`real ${m.realIndex} listed twice`);
      const list = m.backup ? back : prim;
      this.where.set(m.realIndex, { group: m.backup ? 1 : 0, pos: list.length });
      list.push(m);
    }
    this.primary = new MemberGroup(prim);
    this.backup = new MemberGroup(back);
    this.pPick = makePicker(method, this.primary, opts);
    this.syncBackup();
  }

  /** The backup picker is built and refreshed only while it is in use. */
  private syncBackup(): void {
    if (this.primary.usableCount > 0 || this.backup.usableCount === 0) return;
    if (this.bPick === null) {
      this.bPick = makePicker(this.method, this.backup, this.opts);
      this.backupStale = false;
    } else if (this.backupStale) {
      this.bPick.refresh();
      this.backupStale = false;
    }
  }

  pick(flowHash: number, srcHash: number, counts?: ArrayLike<number> | null): number {
    if (this.primary.usableCount > 0) return this.pPick.pick(flowHash, srcHash, counts);
    if (this.bPick !== null && this.backup.usableCount > 0) return this.bPick.pick(flowHash, srcHash, counts);
    return -1;
  }

  setHealthy(realIndex: number, healthy: boolean): boolean {
    const w = this.where.get(realIndex);
    if (!w) return false;
    const g = w.group === 0 ? this.primary : this.backup;
    const v = healthy ? 1 : 0;
    if (g.healthy[w.pos] === v) return false;
    g.healthy[w.pos] = v;
    g.recount();
    if (w.group === 0) this.pPick.refresh();
    else this.backupStale = true;
    this.syncBackup();
    return true;
  }

  isHealthy(realIndex: number): boolean {
    const w = this.where.get(realIndex);
    if (!w) return false;
    return (w.group === 0 ? this.primary : this.backup).healthy[w.pos] === 1;
  }

  activeGroup(): 'primary' | 'backup' | 'none' {
    if (this.primary.usableCount > 0) return 'primary';
    return this.backup.usableCount > 0 ? 'backup' : 'none';
  }

  members(): LbMember[] {
    const out: LbMember[] = [];
    for (const [realIndex, w] of this.where) {
      const g = w.group === 0 ? this.primary : this.backup;
      out.push({ realIndex, weight: g.weight[w.pos]!, healthy: g.healthy[w.pos] === 1, backup: w.group === 1 });
    }
    return out;
  }

  /** @internal for tests and diagnostics: the maglev table of the active group. */
  maglevTable(): MaglevTable | null {
    const p = this.primary.usableCount > 0 ? this.pPick : this.bPick;
    return p instanceof MaglevPicker ? p.table : null;
  }
}

/** A scheduler for one service. Members keep their order (rr/wrr/lc ties, hash shares). */
export function createScheduler(method: LbMethod, members: readonly LbMember[], opts: SchedulerOptions = {}): Scheduler {
  return new ServiceScheduler(method, members, opts);
}

/** The maglev table behind a scheduler built with method 'maglev' (null otherwise). */
export function maglevTableOf(s: Scheduler): MaglevTable | null {
  return s instanceof ServiceScheduler ? s.maglevTable() : null;
}
