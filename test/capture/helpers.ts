import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { readPcapFile } from '../../src/capture/pcap.js';
import { TcpdumpPrinter } from '../../src/capture/print/printer.js';
import { parseTcpdumpArgs } from '../../src/capture/args.js';

const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = join(here, '..', 'fixtures', 'tcpdump');
export const CORPUS = join(FIXTURES, 'corpus.pcap');
export const SAMPLES_DIR = join(here, '..', 'fixtures', 'tcpdump-reference');

export const tcpdumpInstalled: boolean = (() => {
  const r = spawnSync('tcpdump', ['--version'], { encoding: 'utf8' });
  return r.status === 0 && /tcpdump version 4\.99/.test(r.stdout + r.stderr);
})();

/** Runs the installed tcpdump on a file; returns its standard output. */
export function runTcpdump(args: string[], file: string, tz = 'UTC'): string {
  const r = spawnSync('tcpdump', [...args, '-r', file], { encoding: 'utf8', env: { ...process.env, TZ: tz } });
  if (r.status !== 0) throw new Error(`tcpdump ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** What pask's printer prints for a pcap file with tcpdump-style flags ("-nnevv"). */
export function printFile(flags: string[], file: string): string {
  const args = parseTcpdumpArgs([...flags, '-r', file]);
  if (!args.ok) throw new Error(args.error);
  const printer = new TcpdumpPrinter(args.opts);
  const pcap = readPcapFile(file);
  return pcap.records.map((r) => printer.format(r) + '\n').join('');
}

/** Sets the process time zone for the duration of fn. */
export function withTz<T>(tz: string, fn: () => T): T {
  const saved = process.env.TZ;
  process.env.TZ = tz;
  try {
    return fn();
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
}

export function fixtureText(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

/** Compares line by line so a failure names the first differing line. */
export function firstDifference(actual: string, expected: string): string | null {
  const a = actual.split('\n');
  const e = expected.split('\n');
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    if (a[i] !== e[i]) return `line ${i + 1}:\n  got:      ${JSON.stringify(a[i])}\n  expected: ${JSON.stringify(e[i])}`;
  }
  return null;
}

/** The fixture flag sets (as make-corpus.py writes them): file suffix -> tcpdump flags. */
export const FLAG_SETS: ReadonlyArray<{ file: string; flags: string[] }> = [
  '-nn', '-nne', '-nnv', '-nnevv', '-n', '-nnX', '-nnx', '-nnXX', '-nnq', '-nnS', '-nnvvv', '-nnt', '-nntt',
  '-nnttt', '-nntttt', '-nnttttt', '-nnA', '-nnxx', '-nnSvv', '', '-e',
].map((f) => ({ file: `corpus${f === '' ? '-default' : f}.txt`, flags: f === '' ? [] : [f] }));
