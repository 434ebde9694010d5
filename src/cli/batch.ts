// Batches: `-c`, `-f` and piped standard input. Privileged from the start; output to stdout,
// each error to stderr as `SOURCE:LINE: % ...`; the batch carries on after an error.

import type { OutputSink } from './output.js';
import type { CliSession, ErrorReport } from './session.js';

export interface BatchLine {
  readonly text: string;
  /** `FILE:LINE` or `-c N`, the prefix of its error messages. */
  readonly where: string;
}

export interface BatchStreams {
  out(text: string): void;
  err(text: string): void;
  /** Diagnostics beside the output (tcpdump's header and statistics); default `err`. */
  diag?(text: string): void;
}

export function linesOfFile(name: string, text: string): BatchLine[] {
  const lines = text.split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.map((t, i) => ({ text: t, where: `${name}:${i + 1}` }));
}

export function linesOfCommands(cmds: readonly string[]): BatchLine[] {
  return cmds.map((t, i) => ({ text: t, where: `-c ${i + 1}` }));
}

export function formatError(where: string, line: string, e: ErrorReport): string {
  const out = [`${where}: ${e.message.split('\n').join(`\n${where}: `)}`];
  if (e.caretCol !== null) out.push(`${where}:   ${line}`, `${where}:   ${' '.repeat(e.caretCol)}^`);
  return out.join('\n') + '\n';
}

/** Output of one batch line: text to stdout; diagnostics as they are and warnings as
 * `WHERE: % ...` to stderr. */
export function batchSink(io: BatchStreams, l: BatchLine): OutputSink {
  return {
    write: (t) => io.out(t),
    diag: (t) => (io.diag ?? io.err)(t),
    warn: (m) => io.err(formatError(l.where, l.text, { message: m, caretCol: null })),
  };
}

/** Runs the lines in order; true when every one succeeded. */
export async function runBatch(session: CliSession, lines: readonly BatchLine[], io: BatchStreams, signal?: AbortSignal): Promise<boolean> {
  let ok = true;
  for (const l of lines) {
    if (session.closed || signal?.aborted) break;
    const sink = batchSink(io, l);
    let e: ErrorReport | null;
    try {
      e = await session.execute(l.text, sink, signal);
    } catch (err) {
      if (process.env.PASK_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
      e = { message: `% Internal error: ${(err as Error).message}`, caretCol: null };
    }
    if (e) {
      ok = false;
      io.err(formatError(l.where, l.text, e));
    }
  }
  return ok;
}
