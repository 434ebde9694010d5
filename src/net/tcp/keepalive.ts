// SO_KEEPALIVE (RFC 1122 4.2.3.6): after `idleMs` without hearing from the peer, probe it every
// `intervalMs`; after `probes` unanswered probes it is gone. Off until turned on.

import type { Clock, Timer } from '../../util/clock.js';
import type { KeepAliveOptions } from './types.js';

export interface KeepAliveHooks {
  /** Nothing to probe now: data in flight or queued has its own timers, or the state has no keepalive. */
  busy(): boolean;
  /** Sends one probe (an ACK the peer must answer). */
  probe(): void;
  /** The peer did not answer `probes` probes. */
  dead(): void;
}

export class KeepAlive {
  enabled = false;
  idleMs: number;
  intervalMs: number;
  probes: number;
  /** Probes sent since the peer was last heard, and in all. */
  unanswered = 0;
  sent = 0;
  private lastHeard: number;
  private timer: Timer | null = null;
  private readonly fire = (): void => this.onTimer();

  constructor(private readonly clock: Clock, defaults: Required<KeepAliveOptions>, private readonly hooks: KeepAliveHooks) {
    this.idleMs = defaults.idleMs;
    this.intervalMs = defaults.intervalMs;
    this.probes = defaults.probes;
    this.lastHeard = clock.now();
  }

  configure(on: boolean, o: KeepAliveOptions = {}): void {
    this.enabled = on;
    if (o.idleMs !== undefined) this.idleMs = Math.max(1, o.idleMs);
    if (o.intervalMs !== undefined) this.intervalMs = Math.max(1, o.intervalMs);
    if (o.probes !== undefined) this.probes = Math.max(1, Math.floor(o.probes));
    this.stop();
    if (on) this.schedule(this.idleMs);
  }

  /** The peer said something acceptable: it is alive. */
  heard(): void {
    this.lastHeard = this.clock.now();
    this.unanswered = 0;
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  private schedule(ms: number): void {
    this.timer?.cancel();
    this.timer = this.clock.setTimeout(this.fire, ms);
  }

  private onTimer(): void {
    this.timer = null;
    if (!this.enabled) return;
    if (this.hooks.busy()) {
      this.schedule(this.idleMs);
      return;
    }
    const idle = this.clock.now() - this.lastHeard;
    if (idle < this.idleMs) {
      this.schedule(this.idleMs - idle);
      return;
    }
    if (this.unanswered >= this.probes) {
      this.hooks.dead();
      return;
    }
    this.unanswered++;
    this.sent++;
    this.hooks.probe();
    this.schedule(this.intervalMs);
  }
}
