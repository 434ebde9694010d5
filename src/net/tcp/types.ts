// The vocabulary of a connection shared by the stack and its users: states, end reasons,
// per-connection settings, and what a connection needs from its stack.

import type { IpMeta } from '../../packet/meta.js';
import type { Clock } from '../../util/clock.js';
import type { Prng } from '../../util/prng.js';
import type { TcpConnection } from './connection.js';
import type { TcpProfile } from './profile.js';

export type TcpState =
  | 'SYN_SENT' | 'SYN_RCVD' | 'ESTABLISHED' | 'FIN_WAIT_1' | 'FIN_WAIT_2' | 'CLOSING' | 'TIME_WAIT'
  | 'CLOSE_WAIT' | 'LAST_ACK' | 'CLOSED';

/**
 * How a connection ended, as its application sees it: `closed` (both FINs, TIME_WAIT counts),
 * `reset` (the peer's RST), `timeout` (retransmissions, probes, keepalive or the user timeout
 * ran out), `unreachable` (ICMP errors, or no route), `aborted` (abort(), or close() before the
 * handshake completed).
 */
export type TcpEndReason = 'closed' | 'reset' | 'timeout' | 'unreachable' | 'aborted';

export interface KeepAliveOptions {
  /** Idle time before the first probe (default the profile's, 2 h on Linux). */
  readonly idleMs?: number;
  /** Between unanswered probes. */
  readonly intervalMs?: number;
  /** Unanswered probes before the connection ends with `timeout`. */
  readonly probes?: number;
}

/** Per-connection settings (connect options, listen options, or the setters). */
export interface TcpConnectionOptions {
  /** Receive buffer in bytes: the most data held for a paused reader (default the profile's window). */
  readonly receiveBuffer?: number;
  /** Send buffer high-water mark: write() returns false above it (default the profile's). */
  readonly sendBuffer?: number;
  /** SO_KEEPALIVE (off by default). */
  readonly keepAlive?: boolean | KeepAliveOptions;
  /** TCP_USER_TIMEOUT: give up when sent data stays unacknowledged this long (0: retries only). */
  readonly userTimeoutMs?: number;
  /** IP TOS of its segments (default 0). */
  readonly tos?: number;
  /** IP TTL of its segments (default the profile's). */
  readonly ttl?: number;
}

/** A snapshot of a connection's machinery (tests, show commands). */
export interface TcpConnectionInfo {
  readonly state: TcpState;
  readonly mss: number;
  readonly cwnd: number;
  readonly ssthresh: number;
  readonly inRecovery: boolean;
  /** Smoothed RTT (-1 before the first sample) and the current retransmission timeout. */
  readonly srttMs: number;
  readonly rtoMs: number;
  /** The peer's window and the one we offer, in bytes. */
  readonly sndWnd: number;
  readonly rcvWnd: number;
  readonly inFlight: number;
  readonly unsent: number;
  readonly outOfOrder: number;
  readonly unread: number;
}

/** What a connection needs from its stack. */
export interface TcpConnectionHost {
  readonly clock: Clock;
  readonly rng: Prng;
  readonly profile: TcpProfile;
  /** A buffer of at least `size` bytes to write one segment into (valid until the next call). */
  segmentBuffer(size: number): Uint8Array;
  /** Sends segmentBuffer()[0, len) (checksum done); false when it cannot leave (no route). */
  transmit(src: number, dst: number, len: number, ttl: number, tos: number): boolean;
  /** Answers a bad segment with a RST, as for a closed port (from `local`). */
  resetFor(local: number, remote: number, m: IpMeta): void;
  /** Hands an established passive connection to its listener; false when the listener is gone. */
  accept(c: TcpConnection): boolean;
  forget(c: TcpConnection): void;
  /** RFC 5961 challenge ACK rate limit: false when the budget of this second is spent. */
  challengeAckAllowed(): boolean;
}
