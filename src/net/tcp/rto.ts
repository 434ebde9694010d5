// The retransmission timeout of RFC 6298: SRTT/RTTVAR from RTT samples, exponential backoff,
// clamped to the profile's bounds.

/** Clock granularity G of RFC 6298 (the clock counts milliseconds). */
const GRANULARITY_MS = 1;
/** RFC 6298 5.7: the RTO once data flows when the handshake gave no RTT sample. */
export const FALLBACK_RTO_MS = 3000;

export class RtoEstimator {
  /** Smoothed RTT and its variation, ms; srtt < 0 until the first sample. */
  srtt = -1;
  rttvar = 0;
  private base: number;
  /** Doublings since the last sample or new ACK. */
  backoff = 0;

  constructor(initialMs: number, private readonly minMs: number, private readonly maxMs: number) {
    this.base = initialMs;
  }

  /** The current timeout, backoff included. */
  get rto(): number {
    return Math.min(this.maxMs, this.base * 2 ** this.backoff);
  }

  get hasSample(): boolean {
    return this.srtt >= 0;
  }

  sample(rttMs: number): void {
    const r = Math.max(0, rttMs);
    if (this.srtt < 0) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.base = this.clamp(this.srtt + Math.max(GRANULARITY_MS, 4 * this.rttvar));
    this.backoff = 0;
  }

  /** Sets the base timeout without a sample (the handshake's fallback). */
  reset(ms: number): void {
    this.base = this.clamp(ms);
    this.backoff = 0;
  }

  backOff(): void {
    if (this.base * 2 ** this.backoff < this.maxMs) this.backoff++;
  }

  /** A new ACK after a backoff: recompute from the estimate (RFC 6298 5.7's note). */
  clearBackoff(): void {
    this.backoff = 0;
  }

  private clamp(ms: number): number {
    return Math.min(this.maxMs, Math.max(this.minMs, ms));
  }
}
