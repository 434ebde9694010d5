// `ping` and `traceroute` from the appliance itself, in Cisco IOS's output format, on its own
// host stack (src/stack/ping.ts, src/stack/traceroute.ts). Both wait on the world's clock:
// the lab's virtual time (instant in a batch) or real time on real ports.

import type { World } from '../src/appliance.js';
import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import { formatIpv4, type Ipv4 } from '../src/net/addr.js';
import {
  ICMP_FRAG_NEEDED, ICMP_HOST_UNREACH, ICMP_NET_UNREACH, ICMP_PORT_UNREACH, ICMP_PROTO_UNREACH, ICMP_SOURCE_QUENCH,
} from '../src/packet/icmp.js';
import type { HostStack } from '../src/stack/host-stack.js';
import { PING_DEFAULT_SIZE, PingSession, type PingOpenError, type PingOutcome } from '../src/stack/ping.js';
import {
  endsTrace, reachedDestination, TRACE_DEFAULT_MAX_TTL, TRACE_DEFAULT_TIMEOUT_MS, TRACE_PROBES_PER_HOP, TraceSession,
  type TraceOpenError, type TraceOutcome,
} from '../src/stack/traceroute.js';

export const PING_DEFAULT_COUNT = 5;
export const PING_DEFAULT_TIMEOUT_S = 2;
/** IOS wraps the line of result characters at this width. */
export const PING_LINE_WIDTH = 70;
/** Communication administratively prohibited (RFC 1812): by network, by host, by filter. */
const ADMIN_PROHIBITED_CODES: readonly number[] = [9, 10, 13];

const ESCAPE_LINE = 'Type escape sequence to abort.';

// ---- ping output

export interface PingHeader {
  readonly count: number;
  readonly size: number;
  readonly dst: Ipv4;
  readonly timeoutS: number;
  /** Printed only when the operator chose the source. */
  readonly src: Ipv4 | null;
  readonly df: boolean;
}

/** The lines before the result characters (IOS's, trailing space after the source address included). */
export function pingHeaderLines(h: PingHeader): string[] {
  const lines = [ESCAPE_LINE, `Sending ${h.count}, ${h.size}-byte ICMP Echos to ${formatIpv4(h.dst)}, timeout is ${h.timeoutS} seconds:`];
  if (h.src !== null) lines.push(`Packet sent with a source address of ${formatIpv4(h.src)} `);
  if (h.df) lines.push('Packet sent with the DF bit set');
  return lines;
}

/** IOS's character for one echo request: `!` reply, `.` timeout, `U` unreachable, `M` could not fragment, `&` TTL exceeded, `Q` source quench, `?` anything else. */
export function pingChar(o: PingOutcome): string {
  switch (o.kind) {
    case 'reply': return '!';
    case 'unreachable': return o.code === ICMP_FRAG_NEEDED ? 'M' : 'U';
    case 'ttl-exceeded': return '&';
    case 'source-quench': return 'Q';
    case 'error': return '?';
    case 'timeout':
    case 'not-sent': return '.';
  }
}

/** What to write for the `i`-th result (0-based): its character, on a new line every PING_LINE_WIDTH. */
export function pingCharAt(i: number, o: PingOutcome): string {
  return (i > 0 && i % PING_LINE_WIDTH === 0 ? '\n' : '') + pingChar(o);
}

/** `Success rate is 100 percent (5/5), round-trip min/avg/max = 1/1/4 ms`; without the times when nothing answered. */
export function pingSummary(sent: number, rttsMs: readonly number[]): string {
  const ok = rttsMs.length;
  const pct = sent === 0 ? 0 : Math.floor((100 * ok) / sent);
  const head = `Success rate is ${pct} percent (${ok}/${sent})`;
  if (ok === 0) return head;
  const ms = rttsMs.map((r) => Math.round(r));
  const sum = ms.reduce((a, b) => a + b, 0);
  return `${head}, round-trip min/avg/max = ${Math.min(...ms)}/${Math.floor(sum / ok)}/${Math.max(...ms)} ms`;
}

// ---- traceroute output

export function traceHeaderLines(dst: Ipv4): string[] {
  return [ESCAPE_LINE, `Tracing the route to ${formatIpv4(dst)}`, 'VRF info: (vrf in name/id, vrf out name/id)'];
}

/** IOS's marker of an unreachable or other error (`!H`, `!N`, `!P`, `!A` ...), or `?`. */
export function traceMarker(o: TraceOutcome): string {
  if (o.kind === 'unreachable') {
    switch (o.code) {
      case ICMP_NET_UNREACH: return '!N';
      case ICMP_HOST_UNREACH: return '!H';
      case ICMP_PROTO_UNREACH: return '!P';
      case ICMP_PORT_UNREACH: return '!U';
      case ICMP_FRAG_NEEDED: return '!F';
      default: return ADMIN_PROHIBITED_CODES.includes(o.code) ? '!A' : '?';
    }
  }
  if (o.kind === 'error' && o.type === ICMP_SOURCE_QUENCH) return '!Q';
  return o.kind === 'timeout' || o.kind === 'not-sent' ? '*' : '?';
}

/**
 * One hop's line as IOS prints it, built probe by probe (so that a console sees each answer as
 * it comes): `  2 10.1.1.1 1 msec *  1 msec`. A responder is named before its first answer;
 * another responder on the same hop starts a continuation line indented under the first.
 */
export class HopLine {
  private from: Ipv4 | null = null;
  private used = false;

  constructor(readonly ttl: number, private readonly dst: Ipv4) {}

  /** The hop number, right-aligned in three columns. */
  start(): string {
    return `${String(this.ttl).padStart(3)} `;
  }

  /** The text one probe's result adds to the line. */
  add(o: TraceOutcome): string {
    if (o.kind === 'timeout' || o.kind === 'not-sent') {
      this.used = true;
      return ' * ';
    }
    let text = '';
    if (o.from !== this.from) {
      text = `${this.used ? '\n    ' : ''}${formatIpv4(o.from)}`;
      this.from = o.from;
    }
    this.used = true;
    const timed = o.kind === 'time-exceeded' || reachedDestination(o, this.dst);
    return text + (timed ? ` ${Math.round(o.rttMs)} msec` : ` ${traceMarker(o)} `);
  }
}

/** A whole hop line (tests, and what the progressive writes add up to). */
export function formatHop(ttl: number, dst: Ipv4, results: readonly TraceOutcome[]): string {
  const h = new HopLine(ttl, dst);
  return h.start() + results.map((r) => h.add(r)).join('');
}

// ---- the commands

const OPEN_ERRORS: Readonly<Record<PingOpenError | TraceOpenError, string>> = {
  'no-route': '% No valid source address for destination',
  'bad-source': '% Invalid source address- IP address not on any of our up interfaces',
  'no-identifier': '% No free ICMP identifier, try again later',
  'no-port': '% No free UDP port, try again later',
};

const PING_HELP: Readonly<Record<string, string>> = {
  ping: 'Send echo messages',
  dest: 'Ping destination address',
  source: 'Specify source address',
  from: 'Source address: one of the appliance\'s own addresses',
  count: 'Specify repeat count',
  repeat: 'Specify repeat count (as count)',
  '<1-2147483647>': 'Repeat count',
  size: 'Specify datagram size',
  '<36-18024>': 'Datagram size (IP header, ICMP header and data)',
  timeout: 'Specify timeout interval',
  '<0-3600>': 'Timeout in seconds',
  'df-bit': 'Enable do not fragment bit in IP header',
};

const TRACE_HELP: Readonly<Record<string, string>> = {
  traceroute: 'Trace route to destination',
  dest: 'Trace route to destination address',
  source: 'Specify source address',
  from: 'Source address: one of the appliance\'s own addresses',
  ttl: 'Specify the maximum time to live',
  '<1-255>': 'Maximum time to live (hops)',
  timeout: 'Specify time out',
  '<0-3600>': 'Timeout in seconds for each probe',
};

function stackOf(ctx: Ctx): HostStack {
  const s = ctx.appliance.stack;
  if (s === null) throw new CliError('% This appliance has no dataplane to send from');
  return s;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Lets the world's time pass until `p` settles (at most `maxMs`): the lab's virtual clock runs
 * (at once in a batch), real ports wait in real time. Null when aborted or out of time.
 */
export async function settleOn<T>(world: World | null, p: Promise<T>, maxMs: number, signal: AbortSignal): Promise<T | null> {
  let done = false;
  let value: T | null = null;
  const stop = new AbortController();
  const abort = () => stop.abort();
  void p.then((v) => {
    done = true;
    value = v;
    stop.abort();
  });
  signal.addEventListener('abort', abort, { once: true });
  try {
    await Promise.resolve(); // a promise settled already (an answer through a loopback) needs no time
    if (!done && !signal.aborted) {
      if (world !== null) await world.wait(maxMs, stop.signal);
      else await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, maxMs);
        stop.signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
      });
      if (!done) await nextTurn();
    }
  } finally {
    signal.removeEventListener('abort', abort);
  }
  return done ? value : null;
}

/** Slack beyond a probe's own timeout (it always settles by then; this only bounds the wait). */
const SETTLE_SLACK_MS = 1000;

export const pingCommands = defineCommands<Ctx>([
  {
    syntax: 'ping A.B.C.D$dest {source A.B.C.D$from|count (1-2147483647)|repeat (1-2147483647)|size (36-18024)|timeout (0-3600)|df-bit}',
    modes: ['global'], privilege: 1,
    doc: 'Send ICMP echo requests from the appliance (IOS\'s ping: ! reply, . timeout, U unreachable, M could not fragment, & TTL exceeded)',
    help: PING_HELP,
    run: async (ctx, a) => {
      const stack = stackOf(ctx);
      const dst = a.ip('dest');
      const src = a.optIp('from');
      const count = a.optNum('count') ?? a.optNum('repeat') ?? PING_DEFAULT_COUNT;
      const size = a.optNum('size') ?? PING_DEFAULT_SIZE;
      const timeoutS = a.optNum('timeout') ?? PING_DEFAULT_TIMEOUT_S;
      const df = a.has('df-bit');
      const s = PingSession.open(stack, dst, { src, size, df, timeoutMs: timeoutS * 1000 });
      if (typeof s === 'string') throw new CliError(OPEN_ERRORS[s]);
      try {
        ctx.print(...pingHeaderLines({ count, size, dst, timeoutS, src, df }));
        const rtts: number[] = [];
        let sent = 0;
        while (sent < count && !ctx.signal.aborted) {
          const o = await settleOn(ctx.appliance.world, s.probe(), timeoutS * 1000 + SETTLE_SLACK_MS, ctx.signal);
          if (o === null) break;
          ctx.write(pingCharAt(sent, o));
          sent++;
          if (o.kind === 'reply') rtts.push(o.rttMs);
        }
        if (sent > 0) ctx.write('\n');
        ctx.print(pingSummary(sent, rtts));
      } finally {
        s.close();
      }
    },
  },
  {
    syntax: 'traceroute A.B.C.D$dest {source A.B.C.D$from|ttl (1-255)|timeout (0-3600)}',
    modes: ['global'], privilege: 1,
    doc: 'Trace the route to a destination with UDP probes from the appliance (IOS\'s traceroute: 3 probes per hop, * timeout, !H !N !P unreachable)',
    help: TRACE_HELP,
    run: async (ctx, a) => {
      const stack = stackOf(ctx);
      const dst = a.ip('dest');
      const maxTtl = a.optNum('ttl') ?? TRACE_DEFAULT_MAX_TTL;
      const timeoutMs = (a.optNum('timeout') ?? TRACE_DEFAULT_TIMEOUT_MS / 1000) * 1000;
      const s = TraceSession.open(stack, dst, { src: a.optIp('from'), timeoutMs });
      if (typeof s === 'string') throw new CliError(OPEN_ERRORS[s]);
      try {
        ctx.print(...traceHeaderLines(dst));
        hops: for (let ttl = 1; ttl <= maxTtl; ttl++) {
          const line = new HopLine(ttl, dst);
          ctx.write(line.start());
          let end = false;
          for (let i = 0; i < TRACE_PROBES_PER_HOP; i++) {
            const o = await settleOn(ctx.appliance.world, s.probe(ttl), timeoutMs + SETTLE_SLACK_MS, ctx.signal);
            if (o === null) {
              ctx.write('\n');
              break hops;
            }
            ctx.write(line.add(o));
            end ||= endsTrace(o);
          }
          ctx.write('\n');
          if (end) break;
        }
      } finally {
        s.close();
      }
    },
  },
]);
