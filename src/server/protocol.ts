// The control-socket protocol between `pask --connect` and `pask serve`.
//
// A Unix stream socket carrying frames: one JSON object per line (UTF-8, terminated by "\n";
// JSON escapes every newline inside strings, so a frame never spans lines). Frames longer than
// MAX_FRAME bytes are a protocol error. The client speaks first:
//
//   client → server
//     {"t":"hello","v":1,"mode":"console","cols":80,"rows":24,"color":false,"user":"alice"}
//         an interactive console: the server runs the same Console as SSH and the terminal
//     {"t":"hello","v":1,"mode":"batch","user":"alice"}
//         a batch: then "line" frames, then "eof"
//     {"t":"line","text":"show real","where":"-c 1"}
//         one batch line and the prefix of its error messages (`FILE:LINE`, `-c N`, `-:N`)
//     {"t":"eof"}                         no more batch lines
//     {"t":"in","d":"sh\u0009"}           console keystrokes, as the terminal sent them
//     {"t":"resize","cols":120,"rows":40} the console's window changed
//
//   server → client
//     {"t":"out","d":"..."}   text for standard output (the console's screen)
//     {"t":"err","d":"..."}   text for standard error (batch errors, `FILE:LINE: % ...`)
//     {"t":"exit","code":0}   the end: the batch's exit status (1 if any line failed), or 0 when a
//                             console logs out; the server closes the connection after it
//
// Batch lines run one after the other as they arrive, in a privileged session of their own
// (the socket is protected by its file mode, 0600). A console starts in privileged mode too.

export const PROTOCOL_VERSION = 1;
export const MAX_FRAME = 4 * 1024 * 1024;

export type ClientFrame =
  | { t: 'hello'; v: number; mode: 'console' | 'batch'; cols?: number; rows?: number; color?: boolean; user?: string }
  | { t: 'line'; text: string; where: string }
  | { t: 'eof' }
  | { t: 'in'; d: string }
  | { t: 'resize'; cols: number; rows: number };

export type ServerFrame =
  | { t: 'out'; d: string }
  | { t: 'err'; d: string }
  | { t: 'exit'; code: number };

export function encodeFrame(f: ClientFrame | ServerFrame): string {
  return JSON.stringify(f) + '\n';
}

/** Splits a byte stream into frames; a chunk may hold several frames or part of one. */
export class FrameDecoder<F> {
  private buf = '';
  private readonly dec = new TextDecoder('utf-8');

  /** The complete frames in `chunk` (with what came before); throws on a malformed frame. */
  feed(chunk: Buffer | string): F[] {
    this.buf += typeof chunk === 'string' ? chunk : this.dec.decode(chunk, { stream: true });
    const frames: F[] = [];
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const text = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      if (text.trim() === '') continue;
      const f = JSON.parse(text) as unknown;
      if (typeof f !== 'object' || f === null || typeof (f as { t?: unknown }).t !== 'string') throw new Error('frame without a type');
      frames.push(f as F);
    }
    if (this.buf.length > MAX_FRAME) throw new Error('frame too long');
    return frames;
  }
}
