// TcpdumpPrinter: one line (or block, with -v/-X) per packet, exactly as
// tcpdump 4.99 prints a packet of an Ethernet capture.

import { Ctx, DEFAULT_PRINT_OPTIONS, TRUNCATED, type PrintOptions, type TcpSeqState } from './context.js';
import { etherPrint } from './ether.js';
import { asciiPrint, hexAndAsciiPrint, hexPrint } from './hexdump.js';
import { formatTimestamp, type TimeRef } from './timestamp.js';

export type { PrintOptions } from './context.js';

/** One captured packet, as read from a pcap file or a port. */
export interface PacketRecord {
  tsSec: number;
  /** Fraction of the second: microseconds (nanoseconds when the printer is in nanosecond mode). */
  tsUsec: number;
  caplen: number;
  origLen: number;
  data: Uint8Array;
}

/** tcpdump's MAXIMUM_SNAPLEN. */
export const MAXIMUM_SNAPLEN = 262144;

export class TcpdumpPrinter {
  readonly options: PrintOptions;
  private readonly tcpSeq = new Map<string, TcpSeqState>();
  private readonly ctx: Ctx;
  private readonly timeRef: TimeRef = { refUs: null };
  /** Packets whose printing hit an unexpected internal error (printed as cut); 0 unless there is a bug. */
  internalErrors = 0;

  /** `nanoTimestamps`: tsUsec holds nanoseconds and is printed with 9 digits. */
  constructor(opts: Partial<PrintOptions> = {}, readonly nanoTimestamps = false) {
    this.options = { ...DEFAULT_PRINT_OPTIONS, ...opts };
    this.ctx = new Ctx(this.options, this.tcpSeq);
  }

  /** Forgets TCP conversations and the -ttt/-ttttt reference time. */
  reset(): void {
    this.tcpSeq.clear();
    this.timeRef.refUs = null;
  }

  /** The text tcpdump prints for the packet, without the final newline. Never throws. */
  format(rec: PacketRecord): string {
    const caplen = rec.caplen;
    const len = rec.origLen;
    let invalid = '';
    if (caplen === 0) invalid = '[Invalid header: caplen==0';
    if (len === 0) invalid += invalid ? ', len==0' : '[Invalid header: len==0';
    else if (len < caplen) invalid += (invalid ? ',' : '[Invalid header:') + ` len(${len}) < caplen(${caplen})`;
    if (caplen > MAXIMUM_SNAPLEN) invalid += (invalid ? ',' : '[Invalid header:') + ` caplen(${caplen}) > ${MAXIMUM_SNAPLEN}`;
    if (len > MAXIMUM_SNAPLEN) invalid += (invalid ? ',' : '[Invalid header:') + ` len(${len}) > ${MAXIMUM_SNAPLEN}`;
    if (invalid) return invalid + ']';

    const ts = formatTimestamp(this.options.t, rec.tsSec, rec.tsUsec, this.timeRef, this.nanoTimestamps);
    const c = this.ctx;
    // A buffer shorter than its caplen: print only the bytes that are there.
    const cap = Math.min(caplen, rec.data.length);
    c.reset(rec.data, cap);
    try {
      c.llHdrLen = etherPrint(c, 0, len, cap);
    } catch (e) {
      if (e !== TRUNCATED) {
        // A printer bug must not take the capture down: show it as a cut packet.
        this.internalErrors++;
        c.p(' [|' + (c.protocol || 'ether') + ']');
      } else {
        c.trunc();
      }
      c.llHdrLen = 0;
    }
    c.snapend = cap;
    const o = this.options;
    try {
      if (o.X > 0) {
        if (o.X > 1) hexAndAsciiPrint(c, '\n\t', 0, cap);
        else if (cap > c.llHdrLen) hexAndAsciiPrint(c, '\n\t', c.llHdrLen, cap - c.llHdrLen);
      } else if (o.x > 0) {
        if (o.x > 1) hexPrint(c, '\n\t', 0, cap);
        else if (cap > c.llHdrLen) hexPrint(c, '\n\t', c.llHdrLen, cap - c.llHdrLen);
      } else if (o.A > 0) {
        if (o.A > 1) asciiPrint(c, 0, cap);
        else if (cap > c.llHdrLen) asciiPrint(c, c.llHdrLen, cap - c.llHdrLen);
      }
    } catch (e) {
      // A dump cut at caplen ends there, as in tcpdump; anything else is a printer bug.
      if (e !== TRUNCATED) this.internalErrors++;
    }
    return ts + c.out;
  }
}
