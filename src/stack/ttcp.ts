// ttcp: the appliance's TCP put to work end to end (IOS keeps a `ttcp` command for the same
// job). One connection carries `bytes` of a known pattern each way: each side sends its bytes,
// half-closes, and checks what it receives until the peer's FIN. The pattern is byte i = i mod
// 251: a prime period, so a lost, duplicated or misplaced segment of any usual size breaks it.

import type { TcpConnection, TcpEndReason } from '../net/tcp/index.js';
import type { Clock } from '../util/clock.js';

export const TTCP_PERIOD = 251;
export const TTCP_DEFAULT_PORT = 5001;

export function ttcpByte(i: number): number {
  return i % TTCP_PERIOD;
}

export interface TtcpResult {
  readonly sent: number;
  readonly received: number;
  /** Offset of the first received byte that breaks the pattern, -1 when all match. */
  readonly firstBad: number;
  readonly ms: number;
  /** How the connection ended (closed when both sides finished cleanly). */
  readonly end: TcpEndReason;
}

const CHUNK = 65536;

/** Runs ttcp on an established (or establishing) connection; resolves when it ends. */
export function runTtcp(c: TcpConnection, bytes: number, clock: Clock): Promise<TtcpResult> {
  return new Promise((resolve) => {
    const t0 = clock.now();
    let sent = 0, received = 0, firstBad = -1, started = false;
    const block = new Uint8Array(CHUNK + TTCP_PERIOD);
    for (let i = 0; i < block.length; i++) block[i] = ttcpByte(i);
    const push = () => {
      while (sent < bytes) {
        const n = Math.min(CHUNK, bytes - sent);
        const off = sent % TTCP_PERIOD;
        sent += n;
        if (!c.write(block.slice(off, off + n))) return; // queued: on at onDrain
      }
      c.shutdown();
    };
    const start = () => {
      if (started) return;
      started = true;
      push();
    };
    c.onDrain = push;
    c.onEstablished = start;
    c.onData = (d) => {
      if (firstBad < 0) {
        for (let i = 0; i < d.length; i++) {
          if (d[i] !== ttcpByte(received + i)) {
            firstBad = received + i;
            break;
          }
        }
      }
      received += d.length;
    };
    c.onEnd = (end) => resolve({ sent, received, firstBad, ms: clock.now() - t0, end });
    if (c.state === 'ESTABLISHED' || c.state === 'CLOSE_WAIT') start();
  });
}

/** `ttcp: sent 10485760 bytes, received 10485760 bytes in 1234 ms (68.0 Mbit/s each way): data verified`. */
export function formatTtcp(r: TtcpResult, expected: number): string {
  const mbit = r.ms > 0 ? (Math.max(r.sent, r.received) * 8) / (r.ms * 1000) : 0;
  const verdict = r.end !== 'closed' ? `connection ${r.end}` :
    r.firstBad >= 0 ? `data differs from byte ${r.firstBad}` :
    r.received !== expected ? `expected ${expected} bytes` : 'data verified';
  return `ttcp: sent ${r.sent} bytes, received ${r.received} bytes in ${Math.round(r.ms)} ms (${mbit.toFixed(1)} Mbit/s each way): ${verdict}`;
}
