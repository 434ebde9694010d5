// TCP connection tracking for SLB sessions: a small state machine driven by the flags of
// the packets seen in each direction, and the timeout class of each state.

/** TCP header flag bits, as in the header's flags byte. */
export const TcpFlag = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
} as const;

/** Session states. Non-TCP sessions stay in NONE. */
export const SessionState = {
  NONE: 0,
  /** Client SYN seen. */
  SYN_SENT: 1,
  /** Server SYN+ACK seen. */
  SYN_RECV: 2,
  ESTABLISHED: 3,
  /** FIN seen from the client only. */
  FIN_ORIG: 4,
  /** FIN seen from the server only. */
  FIN_REPLY: 5,
  /** FIN seen from both sides. */
  TIME_WAIT: 6,
  /** RST seen. */
  CLOSED: 7,
} as const;
export type SessionState = (typeof SessionState)[keyof typeof SessionState];

export const SESSION_STATE_NAMES: readonly string[] = [
  'NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'FIN_WAIT', 'TIME_WAIT', 'CLOSED',
];

/** Packet direction relative to the session: 0 = client to VIP (original), 1 = reply. */
export const Dir = { ORIG: 0, REPLY: 1 } as const;

/** Timeout classes. */
export const TimeoutClass = { SYN: 0, ESTABLISHED: 1, FIN: 2, UDP: 3, ICMP: 4 } as const;

/** The state a new TCP session starts in, from the flags of the packet that created it. */
export function tcpInitialState(flags: number): number {
  if (flags & TcpFlag.RST) return SessionState.CLOSED;
  if (flags & TcpFlag.SYN) return (flags & TcpFlag.ACK) ? SessionState.SYN_RECV : SessionState.SYN_SENT;
  if (flags & TcpFlag.FIN) return SessionState.FIN_ORIG;
  return SessionState.ESTABLISHED; // picked up mid-stream
}

/** Next state after a packet with `flags` travelling in direction `dir` (0 orig, 1 reply). */
export function tcpNextState(state: number, dir: number, flags: number): number {
  if (flags & TcpFlag.RST) return SessionState.CLOSED;
  const syn = (flags & TcpFlag.SYN) !== 0;
  const ack = (flags & TcpFlag.ACK) !== 0;
  const fin = (flags & TcpFlag.FIN) !== 0;
  switch (state) {
    case SessionState.NONE:
      return tcpInitialState(flags);
    case SessionState.SYN_SENT:
      if (fin) return dir === 0 ? SessionState.FIN_ORIG : SessionState.FIN_REPLY;
      if (dir === 1) return syn ? SessionState.SYN_RECV : (ack ? SessionState.ESTABLISHED : state);
      return state;
    case SessionState.SYN_RECV:
      if (fin) return dir === 0 ? SessionState.FIN_ORIG : SessionState.FIN_REPLY;
      if (dir === 0 && ack && !syn) return SessionState.ESTABLISHED;
      return state;
    case SessionState.ESTABLISHED:
      if (fin) return dir === 0 ? SessionState.FIN_ORIG : SessionState.FIN_REPLY;
      return state;
    case SessionState.FIN_ORIG:
      if (fin && dir === 1) return SessionState.TIME_WAIT;
      // The DSR modes never see the server's FIN: the client's own FIN is the last close they see,
      // and a fresh SYN from it on the same tuple (a reused port) starts the connection over.
      if (dir === 0 && syn && !ack) return SessionState.SYN_SENT;
      return state;
    case SessionState.FIN_REPLY:
      if (fin && dir === 0) return SessionState.TIME_WAIT;
      return state;
    case SessionState.TIME_WAIT:
    case SessionState.CLOSED:
      // A fresh SYN from the client reuses the tuple: the connection starts over.
      if (dir === 0 && syn && !ack) return SessionState.SYN_SENT;
      return state;
    default:
      return state;
  }
}

/** The timeout class of a session: by state for TCP (proto 6), by protocol otherwise. */
export function timeoutClassOf(proto: number, state: number): number {
  if (proto === 6) {
    if (state === SessionState.SYN_SENT || state === SessionState.SYN_RECV) return TimeoutClass.SYN;
    if (state === SessionState.ESTABLISHED || state === SessionState.NONE) return TimeoutClass.ESTABLISHED;
    return TimeoutClass.FIN;
  }
  if (proto === 1) return TimeoutClass.ICMP;
  return TimeoutClass.UDP;
}
