// NewReno congestion control (RFC 5681 slow start and congestion avoidance, RFC 6582 fast
// retransmit and fast recovery with partial ACKs). Sizes in bytes, sequence space in the
// connection's send positions.

export const DUP_THRESH = 3;

/** What the connection must do after an ACK. */
export const AckAction = {
  NONE: 0,
  /** Retransmit the first unacknowledged segment (fast retransmit, or a partial ACK). */
  RETRANSMIT: 1,
  /** As RETRANSMIT, and restart the retransmission timer (the first partial ACK). */
  RETRANSMIT_RESTART: 2,
} as const;
export type AckAction = (typeof AckAction)[keyof typeof AckAction];

export class NewReno {
  cwnd: number;
  ssthresh = Number.MAX_SAFE_INTEGER;
  inRecovery = false;
  /** Send position past the highest byte sent when recovery (or the last timeout) began. */
  recover = 0;
  dupAcks = 0;
  private partialSeen = false;
  /** Bytes acknowledged toward the next congestion-avoidance increase. */
  private caBytes = 0;

  constructor(private mss: number, private readonly initialSegments: number) {
    this.cwnd = this.initialWindow();
  }

  /** RFC 6928's initial window (also the restart window after idle). */
  initialWindow(): number {
    return this.initialSegments * this.mss;
  }

  setMss(mss: number): void {
    this.mss = Math.max(1, mss);
    if (this.cwnd < this.mss) this.cwnd = this.mss;
  }

  /**
   * New data acknowledged: `acked` bytes, the ACK now at `una`, `flightBefore` bytes were
   * outstanding before it and `flightAfter` remain.
   */
  onNewAck(acked: number, una: number, flightBefore: number, flightAfter: number): AckAction {
    if (this.inRecovery) {
      if (una >= this.recover) {
        // Full ACK: leave recovery with cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS).
        this.inRecovery = false;
        this.dupAcks = 0;
        this.cwnd = Math.min(this.ssthresh, Math.max(flightAfter, this.mss) + this.mss);
        this.caBytes = 0;
        return AckAction.NONE;
      }
      // Partial ACK: deflate by what it acknowledged, add back one SMSS, resend the next hole.
      this.cwnd = Math.max(this.mss, this.cwnd - acked + (acked >= this.mss ? this.mss : 0));
      const first = !this.partialSeen;
      this.partialSeen = true;
      return first ? AckAction.RETRANSMIT_RESTART : AckAction.RETRANSMIT;
    }
    this.dupAcks = 0;
    // Grow only while the window is actually used (an application-limited sender keeps its cwnd).
    if (2 * flightBefore < this.cwnd) return AckAction.NONE;
    if (this.cwnd < this.ssthresh) {
      this.cwnd += Math.min(acked, this.mss);
    } else {
      this.caBytes += acked;
      if (this.caBytes >= this.cwnd) {
        this.caBytes -= this.cwnd;
        this.cwnd += this.mss;
      }
    }
    return AckAction.NONE;
  }

  /** A duplicate ACK with `una`/`sndMax` and `flight` bytes outstanding. */
  onDupAck(una: number, sndMax: number, flight: number): AckAction {
    this.dupAcks++;
    if (this.inRecovery) {
      this.cwnd += this.mss; // each dup ACK: a segment has left the network
      return AckAction.NONE;
    }
    if (this.dupAcks !== DUP_THRESH || una < this.recover) return AckAction.NONE;
    this.ssthresh = Math.max(Math.floor(flight / 2), 2 * this.mss);
    this.recover = sndMax;
    this.inRecovery = true;
    this.partialSeen = false;
    this.cwnd = this.ssthresh + DUP_THRESH * this.mss;
    return AckAction.RETRANSMIT;
  }

  /** The retransmission timer expired (`first`: not already backing off for the same data). */
  onTimeout(flight: number, sndMax: number, first: boolean): void {
    if (first) this.ssthresh = Math.max(Math.floor(flight / 2), 2 * this.mss);
    this.cwnd = this.mss;
    this.inRecovery = false;
    this.dupAcks = 0;
    this.recover = sndMax;
    this.caBytes = 0;
  }

  /** RFC 5681 4.1: after an idle period longer than the RTO, restart from the initial window. */
  onIdleRestart(): void {
    this.cwnd = Math.min(this.cwnd, this.initialWindow());
  }
}
