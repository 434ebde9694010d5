// The common shape of the load-balancing methods.

import type { LbMethod } from '../../config/model.js';

/** One real of a service as the scheduler sees it. */
export interface LbMember {
  /** The real's index (the engine's real table index / RealId). Unique within a service. */
  readonly realIndex: number;
  /** Relative weight; 0 takes no new flows (drain). */
  readonly weight: number;
  readonly healthy: boolean;
  /** Backup reals take flows only while no primary is usable. */
  readonly backup: boolean;
}

/** `pick` found no usable real. */
export const NO_REAL = -1;

export interface Scheduler {
  readonly method: LbMethod;
  /**
   * Chooses the real for a new flow. `flowHash` is the 5-tuple hash (flowHash()), used by
   * maglev; `srcHash` the client-address hash (srcHash()), used by hash; `counts` the
   * current sessions per real index (e.g. SessionTable.realCounts), used by lc. Returns a
   * real index or NO_REAL. Allocation-free.
   */
  pick(flowHash: number, srcHash: number, counts?: ArrayLike<number> | null): number;
  /** Marks a member up or down (in place, no rebuild of anything else). Returns whether it changed. */
  setHealthy(realIndex: number, healthy: boolean): boolean;
  isHealthy(realIndex: number): boolean;
  /** Which member group new flows go to. */
  activeGroup(): 'primary' | 'backup' | 'none';
  /** The members with their current health (a copy). */
  members(): LbMember[];
}

/** Options that some methods use. */
export interface SchedulerOptions {
  /** Maglev lookup-table size, a prime (default 65537). */
  maglevSize?: number;
  /** Seed of the maglev permutations (default 0). */
  maglevSeed?: number;
  /** Fallback layers kept for maglev (default 8); see MaglevTable. */
  maglevDepth?: number;
}
