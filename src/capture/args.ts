// Command-line parsing for pask's tcpdump: the tcpdump options operators use,
// combined as tcpdump accepts them (-nnevv, -c5, -c 5, options after the
// filter expression), and the filter expression itself.

import { DEFAULT_PRINT_OPTIONS, type PrintOptions } from './print/context.js';
import { compileFilter, type FilterFn } from './filter/compile.js';
import { PCAP_DEFAULT_SNAPLEN } from './pcap.js';

export interface TcpdumpArgs {
  ok: true;
  opts: PrintOptions;
  /** -i: the port or interface to capture on; null when not given. */
  iface: string | null;
  /** -c: stop after this many packets; null for no limit. */
  count: number | null;
  /** -w: write raw packets to this file instead of printing them. */
  writeFile: string | null;
  /** -r: read packets from this file instead of capturing. */
  readFile: string | null;
  /** -s: bytes of each packet to keep. */
  snaplen: number;
  /** The filter expression ("" for all packets). */
  expr: string;
  /** The compiled expression. */
  filter: FilterFn;
}

export type TcpdumpArgsResult = TcpdumpArgs | { ok: false; error: string };

/** Flags without an argument, and the PrintOptions counter each one bumps. */
const COUNTED: Record<string, keyof PrintOptions> = { n: 'n', v: 'v', q: 'q', x: 'x', X: 'X', A: 'A', t: 't' };
/** Accepted and ignored: -l (line buffered), -p (no promiscuous mode), -U (packet-buffered). */
const IGNORED = new Set(['l', 'p', 'U']);
const WITH_ARG = new Set(['c', 'i', 'r', 'w', 's']);

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error: `% tcpdump: ${error}` };
}

export function parseTcpdumpArgs(argv: readonly string[]): TcpdumpArgsResult {
  const opts: PrintOptions = { ...DEFAULT_PRINT_OPTIONS };
  let iface: string | null = null;
  let count: number | null = null;
  let writeFile: string | null = null;
  let readFile: string | null = null;
  let snaplen = PCAP_DEFAULT_SNAPLEN;
  const exprWords: string[] = [];

  let i = 0;
  let optionsDone = false;
  while (i < argv.length) {
    const arg = argv[i++]!;
    if (optionsDone || arg === '-' || !arg.startsWith('-')) {
      exprWords.push(arg);
      continue;
    }
    if (arg === '--') {
      optionsDone = true;
      continue;
    }
    if (arg.startsWith('--')) return fail(`unrecognized option '${arg}'`);
    for (let j = 1; j < arg.length; j++) {
      const f = arg[j]!;
      if (WITH_ARG.has(f)) {
        let value: string;
        if (j + 1 < arg.length) {
          value = arg.slice(j + 1);
        } else if (i < argv.length) {
          value = argv[i++]!;
        } else {
          return fail(`option requires an argument -- '${f}'`);
        }
        switch (f) {
          case 'c': {
            const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
            if (!(n > 0)) return fail(`invalid packet count ${value}`);
            count = n;
            break;
          }
          case 's': {
            const n = /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value) ? Number(value) : NaN;
            if (!(n >= 0 && n <= PCAP_DEFAULT_SNAPLEN)) return fail(`invalid snaplen ${value} (must be >= 0 and <= ${PCAP_DEFAULT_SNAPLEN})`);
            snaplen = n === 0 ? PCAP_DEFAULT_SNAPLEN : n;
            break;
          }
          case 'i': iface = value; break;
          case 'r': readFile = value; break;
          case 'w': writeFile = value; break;
        }
        break;
      }
      if (f === 'e') opts.e = true;
      else if (f === 'S') opts.S = true;
      else if (COUNTED[f] !== undefined) {
        const key = COUNTED[f]!;
        (opts[key] as number)++;
      } else if (!IGNORED.has(f)) {
        return fail(`invalid option -- '${f}'`);
      }
    }
  }
  if (opts.t > 5) opts.t = 5;
  if (readFile !== null && iface !== null) return fail('-i and -r are mutually exclusive');
  const expr = exprWords.join(' ');
  const compiled = compileFilter(expr);
  if (!compiled.ok) return { ok: false, error: compiled.error };
  return { ok: true, opts, iface, count, writeFile, readFile, snaplen, expr, filter: compiled.match };
}
