// Where a command's output goes: a sink, optionally behind `| include/exclude/begin/section/count`.

import { CliError } from './errors.js';

export interface OutputSink {
  write(text: string): void;
  /** Diagnostics beside the output (tcpdump's header and statistics): standard error in a
   * batch, the screen on a console. Pipes do not filter them. Absent: written to `write`. */
  diag?(text: string): void;
  /** A `% ` warning about the line being run, which is not an error (a sub-mode's changes
   * discarded): a batch prints it on standard error as `WHERE: % ...`. Absent: `write`. */
  warn?(message: string): void;
}

export interface PipedOutput {
  readonly sink: OutputSink;
  end(): void;
}

/** Builds the pipe stages in front of `sink`; throws CliError on a bad pipe. */
export function withPipes(pipes: readonly string[], sink: OutputSink): PipedOutput {
  let target: PipedOutput = { sink, end: () => {} };
  for (let i = pipes.length - 1; i >= 0; i--) target = stage(pipes[i]!, target);
  const outer = target.sink;
  return { sink: { write: (t) => outer.write(t), diag: (t) => (sink.diag ?? sink.write)(t), warn: (m) => (sink.warn ? sink.warn(m) : sink.write(`${m}\n`)) }, end: target.end };
}

/** Whether the pipe stage `spec` is `| json` (or a prefix of it). */
export function isJsonPipe(spec: string): boolean {
  const verb = /^(\S+)/.exec(spec)?.[1]?.toLowerCase() ?? '';
  return verb.length > 0 && 'json'.startsWith(verb) && spec.trim() === verb;
}

const VERBS = ['include', 'exclude', 'begin', 'section', 'count'] as const;

function stage(spec: string, next: PipedOutput): PipedOutput {
  const m = /^(\S+)\s*(.*)$/.exec(spec);
  const typed = (m?.[1] ?? '').toLowerCase();
  const arg = m?.[2] ?? '';
  const matches = VERBS.filter((v) => typed.length > 0 && v.startsWith(typed));
  if (matches.length !== 1) {
    if ('json'.startsWith(typed) && typed) throw new CliError('% "| json" must come first after the command');
    throw new CliError(typed
      ? `% Unknown output modifier "${typed}": use include, exclude, begin, section, count or json`
      : '% An output modifier is missing after "|": use include, exclude, begin, section, count or json');
  }
  const verb = matches[0]!;
  let partial = '';
  const lines = (text: string, each: (line: string) => void) => {
    partial += text;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const l of parts) each(l);
  };
  const finish = (each: (line: string) => void) => {
    if (partial) each(partial);
    partial = '';
  };
  const out = (l: string) => next.sink.write(l + '\n');
  if (verb === 'count') {
    if (arg) throw new CliError('% "| count" takes no argument');
    let n = 0;
    const count = () => n++;
    return { sink: { write: (t) => lines(t, count) }, end: () => { finish(count); next.sink.write(`Count: ${n} line${n === 1 ? '' : 's'}\n`); next.end(); } };
  }
  const re = regex(arg, verb);
  if (verb === 'include' || verb === 'exclude') {
    const keep = verb === 'include';
    const each = (l: string) => { if (re.test(l) === keep) out(l); };
    return { sink: { write: (t) => lines(t, each) }, end: () => { finish(each); next.end(); } };
  }
  if (verb === 'begin') {
    let on = false;
    const each = (l: string) => { if (on || (on = re.test(l))) out(l); };
    return { sink: { write: (t) => lines(t, each) }, end: () => { finish(each); next.end(); } };
  }
  // section: a line that starts without indentation and the indented lines under it, printed
  // whole when any of its lines matches.
  let section: string[] = [];
  let hit = false;
  const flush = () => {
    if (hit) for (const l of section) out(l);
    section = [];
    hit = false;
  };
  const each = (l: string) => {
    if (!/^\s/.test(l)) flush();
    section.push(l);
    if (re.test(l)) hit = true;
  };
  return { sink: { write: (t) => lines(t, each) }, end: () => { finish(each); flush(); next.end(); } };
}

function regex(arg: string, verb: string): RegExp {
  let text = arg.trim();
  if (!text) throw new CliError(`% "| ${verb}" needs a regular expression`);
  const q = /^"((?:[^"\\]|\\.)*)"$/.exec(text);
  if (q) text = q[1]!.replace(/\\"/g, '"');
  try {
    return new RegExp(text);
  } catch {
    throw new CliError(`% Invalid regular expression "${text}"`);
  }
}
