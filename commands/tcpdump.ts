// tcpdump on the appliance's ports (foreground), background captures for batches, and -r/-w.

import { PcapWriter, readPcapFile } from '../src/capture/pcap.js';
import { parseTcpdumpArgs, type TcpdumpArgs } from '../src/capture/args.js';
import type { FrameSelector, NamedCapture } from '../src/capture/live.js';
import { TcpdumpPrinter, type PacketRecord } from '../src/capture/print/printer.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import { defineCommands } from '../src/cli/grammar/command.js';
import { tokenize } from '../src/cli/grammar/tokenize.js';
import { table } from '../src/cli/render.js';
import { vlanMembership } from '../src/config/derived.js';
import type { RunningConfig } from '../src/config/model.js';

/** Virtual or real time a foreground capture may run in a batch before it gives up. */
const BATCH_LIMIT_MS = 3_600_000;
const BACKGROUND_KEEP = 100_000;

function namedCaptures(ctx: Ctx): Map<string, NamedCapture> {
  const hub = ctx.appliance.captures;
  if (!hub) throw new CliError('% capture: this appliance has no dataplane to capture on');
  return hub.named;
}

function argv(text: string | null): string[] {
  if (!text) return [];
  const t = tokenize(text);
  if (t.error) throw new CliError(t.error.message);
  return t.tokens.map((x) => x.text);
}

function parse(text: string | null): TcpdumpArgs {
  const p = parseTcpdumpArgs(argv(text));
  if (!p.ok) throw new CliError(p.error);
  return p;
}

/** `-i`: `any` (every port), a port number, or an interface (its VLAN's frames, shown untagged). */
export function selectorFor(cfg: RunningConfig, iface: string | null): FrameSelector {
  const copy = (f: Uint8Array, len: number) => f.slice(0, len);
  if (iface === null || iface === 'any') return (_p, _d, f, len) => copy(f, len);
  if (/^\d+$/.test(iface)) {
    const port = Number(iface);
    if (port < 1 || port > 16) throw new CliError(`% tcpdump: ${iface}: No such device exists`);
    return (p, _d, f, len) => (p === port ? copy(f, len) : null);
  }
  const m = vlanMembership(cfg).find((x) => x.vlan.name === iface);
  if (!m) throw new CliError(`% tcpdump: ${iface}: No such device exists`);
  const vid = m.vlan.vid;
  const untagged = new Set<number>(m.untagged);
  const tagged = new Set<number>(m.tagged);
  return (p, _d, f, len) => {
    if (len < 14) return untagged.has(p) ? copy(f, len) : null;
    const isTagged = f[12] === 0x81 && f[13] === 0x00 && len >= 18;
    if (!isTagged) return untagged.has(p) ? copy(f, len) : null;
    if (!tagged.has(p) || (((f[14]! << 8) | f[15]!) & 0x0fff) !== vid) return null;
    const out = new Uint8Array(len - 4);
    out.set(f.subarray(0, 12), 0);
    out.set(f.subarray(16, len), 12);
    return out;
  };
}

async function letTimePass(ctx: Ctx, done: () => boolean, limitMs: number): Promise<void> {
  const world = ctx.appliance.world;
  const step = 50;
  for (let t = 0; !done() && !ctx.signal.aborted && t < limitMs; t += step) {
    if (world) await world.wait(step, ctx.signal);
    else await new Promise((r) => setTimeout(r, step));
  }
}

function header(p: TcpdumpArgs, iface: string): string[] {
  const out: string[] = [];
  if (p.opts.v === 0 && p.writeFile === null) out.push('tcpdump: verbose output suppressed, use -v or -vv for full protocol decode');
  out.push(`listening on ${iface}, link-type EN10MB (Ethernet), capture size ${Math.min(p.snaplen, 65535)} bytes`);
  return out;
}

async function readFile(ctx: Ctx, p: TcpdumpArgs): Promise<void> {
  let file;
  try {
    file = readPcapFile(p.readFile!);
  } catch (e) {
    throw new CliError(`% tcpdump: ${p.readFile}: ${(e as Error).message}`);
  }
  const printer = new TcpdumpPrinter(p.opts, file.nanosecond);
  let n = 0;
  for (const rec of file.records) {
    if (p.count !== null && n >= p.count) break;
    if (!p.filter(rec.data, rec.caplen, rec.origLen)) continue;
    n++;
    ctx.print(printer.format(rec));
  }
  if (file.truncated) ctx.print(`tcpdump: pcap_loop: ${file.truncated.message}`);
}

async function live(ctx: Ctx, p: TcpdumpArgs): Promise<void> {
  const hub = ctx.appliance.captures;
  if (!hub) throw new CliError('% tcpdump: this appliance has no dataplane to capture on');
  if (p.count === null && !ctx.session.interactive) {
    throw new CliError('% tcpdump: in a batch, give a packet count (-c N), or use "capture start" and "show capture"');
  }
  const iface = p.iface ?? 'any';
  const select = selectorFor(ctx.cfg, p.iface);
  const printer = new TcpdumpPrinter({ ...p.opts, applianceStyle: true });
  const writer = p.writeFile !== null ? PcapWriter.open(p.writeFile, p.snaplen) : null;
  // As tcpdump: the header and the statistics on standard error (the screen on a console).
  ctx.diag(header(p, iface).map((l) => `${l}\n`).join(''));
  let n = 0;
  const cap = hub.start({
    select, filter: p.filter, snaplen: p.snaplen, keep: 0,
    onPacket: (rec: PacketRecord) => {
      if (p.count !== null && n >= p.count) return;
      n++;
      if (writer) writer.write(rec);
      else ctx.print(printer.format(rec));
    },
  });
  try {
    await letTimePass(ctx, () => p.count !== null && n >= p.count, ctx.session.interactive ? Infinity : BATCH_LIMIT_MS);
  } finally {
    cap.stop();
    writer?.close();
  }
  ctx.diag([`${n} packet${n === 1 ? '' : 's'} captured`, `${cap.matched} packet${cap.matched === 1 ? '' : 's'} received by filter`, '0 packets dropped by kernel']
    .map((l) => `${l}\n`).join(''));
}

export const tcpdumpCommands = defineCommands<Ctx>([
  {
    syntax: 'tcpdump [LINE]', modes: ['global'], doc: 'Capture and print packets as tcpdump does (-n -nn -e -v -vv -x -X -c N -i IF -w FILE -r FILE -s LEN, filter expression)',
    help: { LINE: 'tcpdump options and a filter expression' },
    run: async (ctx, a) => {
      const p = parse(a.optStr('tcpdump'));
      if (p.readFile !== null) await readFile(ctx, p);
      else await live(ctx, p);
    },
  },
  {
    syntax: 'capture start NAME [LINE]', modes: ['global'], doc: 'Start a background capture (-i IF, -s LEN, filter expression), kept until deleted',
    help: { start: 'Start a background capture', NAME: 'Capture name', LINE: 'tcpdump options (-i IF, -s LEN) and a filter expression' },
    run: (ctx, a) => {
      const hub = ctx.appliance.captures;
      if (!hub) throw new CliError('% capture: this appliance has no dataplane to capture on');
      const name = a.str('start');
      const named = namedCaptures(ctx);
      if (named.get(name)?.capture.running) throw new CliError(`% capture ${name} is already running`);
      const p = parse(a.optStr('line'));
      const capture = hub.start({ select: selectorFor(ctx.cfg, p.iface), filter: p.filter, snaplen: p.snaplen, keep: BACKGROUND_KEEP });
      named.set(name, { capture, iface: p.iface ?? 'any', expr: p.expr });
    },
  },
  {
    syntax: 'capture stop NAME', modes: ['global'], doc: 'Stop a background capture (its packets are kept)',
    help: { stop: 'Stop a background capture', NAME: 'Capture name' },
    run: (ctx, a) => findCapture(ctx, a.str('stop')).capture.stop(),
  },
  {
    syntax: 'capture write NAME WORD$file', modes: ['global'], doc: 'Save a background capture as a pcap file',
    help: { write: 'Save a background capture as a pcap file', NAME: 'Capture name', WORD: 'pcap file to write' },
    run: (ctx, a) => {
      const c = findCapture(ctx, a.str('write'));
      const w = PcapWriter.open(a.str('file'));
      for (const rec of c.capture.packets) w.write(rec);
      w.close();
      ctx.print(`${c.capture.packets.length} packets written to ${a.str('file')}`);
    },
  },
  {
    syntax: 'no capture NAME', modes: ['global'], doc: 'Stop and delete a background capture',
    help: { NAME: 'Capture name' },
    run: (ctx, a) => {
      const c = findCapture(ctx, a.str('capture'));
      c.capture.stop();
      namedCaptures(ctx).delete(a.str('capture'));
    },
  },
  {
    syntax: 'show capture [NAME] [LINE]', modes: ['global'], doc: 'List background captures, or print one\'s packets (tcpdump print options, e.g. -nne)',
    help: { NAME: 'Capture name', LINE: 'tcpdump print options, e.g. -nne' },
    run: (ctx, a) => {
      const name = a.optStr('capture');
      if (name === null) {
        const rows = [...namedCaptures(ctx)].map(([n, c]) => [n, c.iface, c.capture.running ? 'running' : 'stopped', c.capture.packets.length, c.expr]);
        ctx.print(...table(['Name', 'Interface', 'State', 'Packets', 'Filter'], rows, { indent: 0 }));
        return;
      }
      const c = findCapture(ctx, name);
      const p = parse(a.optStr('line'));
      if (p.expr !== '' || p.readFile !== null || p.writeFile !== null) throw new CliError('% show capture takes print options only (-n, -e, -v, -x ...)');
      const printer = new TcpdumpPrinter({ ...p.opts, applianceStyle: true });
      const list = p.count === null ? c.capture.packets : c.capture.packets.slice(0, p.count);
      for (const rec of list) ctx.print(printer.format(rec));
    },
  },
]);

function findCapture(ctx: Ctx, name: string): NamedCapture {
  const c = namedCaptures(ctx).get(name);
  if (!c) throw new CliError(`% There is no capture ${name}`);
  return c;
}
