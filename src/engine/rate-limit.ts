// A token bucket: how the appliance bounds the answers it generates itself (ICMP errors, RSTs),
// so that a spoofed flood is not reflected one for one. Linux's default for ICMP errors is the
// same shape: 1000 a second with bursts of 50.

export class TokenBucket {
  private tokens: number;
  private last = Number.NaN;

  constructor(private readonly perSecond: number, private readonly burst: number) {
    this.tokens = burst;
  }

  /** Takes one token at clock time `nowMs`; false when the rate is exceeded. */
  take(nowMs: number): boolean {
    if (!Number.isNaN(this.last)) this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.last) * this.perSecond) / 1000);
    this.last = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
