// A TCP stack's habits: what its SYNs look like, its windows, timers and limits. The lab's
// hosts copy Linux 5.x (servers, the appliance) and Windows 10 (the seed's client).

export interface TcpProfile {
  readonly name: string;
  /** TTL of its IP packets. */
  readonly ttl: number;
  /** MSS it announces (and its own largest segment, i.e. interface MTU - 40). */
  readonly mss: number;
  /** Window scale shift it offers. */
  readonly wscale: number;
  readonly timestamps: boolean;
  readonly sack: boolean;
  /** Window of a SYN it sends. */
  readonly synWindow: number;
  /**
   * Receive buffer after the handshake (and window of a SYN-ACK), without / with timestamps:
   * a connection's default receive buffer, advertised whole while the application keeps up.
   */
  readonly rcvWindow: number;
  readonly rcvWindowTs: number;
  /** Option layout of its SYN. */
  readonly synLayout: 'linux' | 'windows';
  /** Ephemeral port range, inclusive. */
  readonly ephemeral: readonly [number, number];
  readonly synRetries: number;
  readonly synAckRetries: number;
  /** Retransmissions of data (or unanswered window probes) before the connection times out. */
  readonly dataRetries: number;
  readonly initialRtoMs: number;
  readonly minRtoMs: number;
  readonly maxRtoMs: number;
  /** 2 MSL. */
  readonly timeWaitMs: number;
  /** How long a connection closed with close() waits in FIN_WAIT_2 for the peer's FIN. */
  readonly finWait2Ms: number;
  /** Initial congestion window, in segments (RFC 6928). */
  readonly initialCwnd: number;
  /** Delayed ACK timeout; 0 acknowledges every segment at once. */
  readonly delayedAckMs: number;
  /** Default send buffer high-water mark: write() returns false above it. */
  readonly sendBuffer: number;
  /** Keepalive defaults (keepalive itself is off until a connection turns it on). */
  readonly keepAliveIdleMs: number;
  readonly keepAliveIntervalMs: number;
  readonly keepAliveProbes: number;
  /** Half-open connections a listener holds before it ignores new SYNs. */
  readonly synBacklog: number;
}

/** Linux 5.x defaults (the lab's servers and the appliance's own stack). */
export const LINUX_TCP: TcpProfile = {
  name: 'linux', ttl: 64, mss: 1460, wscale: 7, timestamps: true, sack: true,
  synWindow: 64240, rcvWindow: 64240, rcvWindowTs: 65160, synLayout: 'linux', ephemeral: [32768, 60999],
  synRetries: 6, synAckRetries: 5, dataRetries: 15, initialRtoMs: 1000, minRtoMs: 200, maxRtoMs: 120_000,
  timeWaitMs: 60_000, finWait2Ms: 60_000, initialCwnd: 10, delayedAckMs: 0, sendBuffer: 262_144,
  keepAliveIdleMs: 7_200_000, keepAliveIntervalMs: 75_000, keepAliveProbes: 9, synBacklog: 1024,
};

/** The seed's client: `win 65535, options [mss 1460,nop,wscale 8,nop,nop,sackOK]`, then win 255. */
export const WINDOWS_TCP: TcpProfile = {
  name: 'windows', ttl: 128, mss: 1460, wscale: 8, timestamps: false, sack: true,
  synWindow: 65535, rcvWindow: 65280, rcvWindowTs: 65280, synLayout: 'windows', ephemeral: [49152, 65535],
  synRetries: 4, synAckRetries: 2, dataRetries: 5, initialRtoMs: 1000, minRtoMs: 300, maxRtoMs: 120_000,
  timeWaitMs: 120_000, finWait2Ms: 120_000, initialCwnd: 10, delayedAckMs: 0, sendBuffer: 262_144,
  keepAliveIdleMs: 7_200_000, keepAliveIntervalMs: 1000, keepAliveProbes: 10, synBacklog: 1024,
};
