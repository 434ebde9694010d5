// The up/down state of one (check, target): `retry` failures in a row take an up target down,
// `recover` successes in a row bring a down target back (0 counts as 1: the first success).
// A target starts down and unprobed; its first success brings it up at once.

export type HcPhase = 'init' | 'up' | 'down';

export class HcStateMachine {
  phase: HcPhase = 'init';
  /** Consecutive successes / failures, the current run only. */
  okRun = 0;
  failRun = 0;

  constructor(public retry: number, public recover: number) {}

  /** null before the first result. */
  get up(): boolean | null {
    return this.phase === 'init' ? null : this.phase === 'up';
  }

  /** Records one probe result; returns true when the target went up or down. */
  record(ok: boolean): boolean {
    if (ok) {
      this.failRun = 0;
      this.okRun++;
      if (this.phase === 'init' || (this.phase === 'down' && this.okRun >= Math.max(1, this.recover))) {
        this.phase = 'up';
        return true;
      }
      return false;
    }
    this.okRun = 0;
    this.failRun++;
    if (this.phase === 'init') {
      // Already counted as down: the first failure only makes it known.
      this.phase = 'down';
      return false;
    }
    if (this.phase === 'up' && this.failRun >= Math.max(1, this.retry)) {
      this.phase = 'down';
      return true;
    }
    return false;
  }

  reset(): void {
    this.phase = 'init';
    this.okRun = 0;
    this.failRun = 0;
  }
}
