// Where a command's output goes: a sink, optionally behind `| include/exclude/begin/count`.

import { CliError } from './errors.js';

export interface OutputSink {
  write(text: string): void;
}

/** Builds the pipe stages in front of `sink`; throws CliError on a bad pipe. */
export function withPipes(pipes: readonly string[], sink: OutputSink): { sink: OutputSink; end(): void } {
  let target: { sink: OutputSink; end(): void } = { sink, end: () => {} };
  for (let i = pipes.length - 1; i >= 0; i--) target = stage(pipes[i]!, target);
  return target;
}

function stage(spec: string, next: { sink: OutputSink; end(): void }): { sink: OutputSink; end(): void } {
  const m = /^(\S+)\s*(.*)$/.exec(spec);
  const verb = m?.[1] ?? '';
  const arg = m?.[2] ?? '';
  const pick = (full: string) => full.startsWith(verb) && verb.length > 0;
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
  if (pick('count')) {
    let n = 0;
    const count = () => n++;
    return { sink: { write: (t) => lines(t, count) }, end: () => { finish(count); next.sink.write(`Count: ${n} lines\n`); next.end(); } };
  }
  const re = regex(arg, verb);
  if (pick('include') || pick('exclude')) {
    const keep = pick('include');
    const each = (l: string) => { if (re.test(l) === keep) next.sink.write(l + '\n'); };
    return { sink: { write: (t) => lines(t, each) }, end: () => { finish(each); next.end(); } };
  }
  if (pick('begin')) {
    let on = false;
    const each = (l: string) => { if (on || (on = re.test(l))) next.sink.write(l + '\n'); };
    return { sink: { write: (t) => lines(t, each) }, end: () => { finish(each); next.end(); } };
  }
  throw new CliError(`% Unknown output modifier "${verb}": use include, exclude, begin or count`);
}

function regex(arg: string, verb: string): RegExp {
  if (!arg) throw new CliError(`% "| ${verb}" needs a regular expression`);
  try {
    return new RegExp(arg);
  } catch {
    throw new CliError(`% Invalid regular expression "${arg}"`);
  }
}
