// A writer that streams a buffer through a connection as fast as its send buffer allows, and a
// reader that checks every byte it receives against the expected data.
import type { TcpConnection, TcpEndReason } from '../../../src/net/tcp/index.js';

export interface Writer {
  written: number;
  /** write() returned false (the send buffer was above its high-water mark). */
  blocked: number;
  drains: number;
  maxBuffered: number;
}

/** Writes `data` in `chunk`-byte writes, waiting for onDrain when write() says so; then shutdown(). */
export function pump(c: TcpConnection, data: Uint8Array, chunk = 65_536): Writer {
  const w: Writer = { written: 0, blocked: 0, drains: 0, maxBuffered: 0 };
  const more = () => {
    while (w.written < data.length) {
      const n = Math.min(chunk, data.length - w.written);
      const ok = c.write(data.subarray(w.written, w.written + n));
      w.written += n;
      w.maxBuffered = Math.max(w.maxBuffered, c.bufferedOut);
      if (!ok) {
        w.blocked++;
        return;
      }
    }
    c.shutdown();
  };
  c.onDrain = () => {
    w.drains++;
    more();
  };
  more();
  return w;
}

export interface Reader {
  received: number;
  /** Bytes that differed from the expected data. */
  mismatches: number;
  peerClosed: boolean;
  end: TcpEndReason | null;
  pauses: number;
}

/** Checks what `c` delivers against `expected`; `slow` pauses reading for `pauseMs` every `every` bytes. */
export function sink(
  c: TcpConnection, expected: Uint8Array, slow: { every: number; pauseMs: number; setTimeout: (fn: () => void, ms: number) => void } | null = null,
): Reader {
  const r: Reader = { received: 0, mismatches: 0, peerClosed: false, end: null, pauses: 0 };
  let nextPause = slow?.every ?? Infinity;
  c.onData = (d) => {
    for (let i = 0; i < d.length; i++) if (d[i] !== expected[r.received + i]) r.mismatches++;
    r.received += d.length;
    if (slow && r.received >= nextPause && !c.readPaused) {
      nextPause += slow.every;
      r.pauses++;
      c.pause();
      slow.setTimeout(() => c.resume(), slow.pauseMs);
    }
  };
  c.onPeerClose = () => {
    r.peerClosed = true;
  };
  const prev = c.onEnd;
  c.onEnd = (why) => {
    r.end = why;
    prev?.(why);
  };
  return r;
}
