// Live captures on the appliance's ports: any number of captures (foreground tcpdump, background
// captures) share one tap on the engine, installed only while at least one runs, so the fast
// path pays one null check per frame when nobody captures.

import type { CaptureTap, Direction } from '../ports/backend.js';
import type { PacketRecord } from './print/printer.js';

/** Picks the bytes a capture records from a frame on a port, or null to skip it (copied: the engine reuses buffers). */
export type FrameSelector = (port: number, dir: Direction, frame: Uint8Array, len: number) => Uint8Array | null;

export interface CaptureSpec {
  readonly select: FrameSelector;
  readonly filter: ((data: Uint8Array, caplen: number, wirelen: number) => boolean) | null;
  readonly snaplen: number;
  /** Background captures keep at most this many packets (the oldest go first). */
  readonly keep: number;
  readonly onPacket?: (rec: PacketRecord) => void;
}

export class Capture {
  readonly packets: PacketRecord[] = [];
  seen = 0;
  /** Packets that passed the filter. */
  matched = 0;
  evicted = 0;
  running = true;

  constructor(readonly spec: CaptureSpec, private readonly onStop: (c: Capture) => void) {}

  offer(port: number, dir: Direction, frame: Uint8Array, len: number, tsUs: number): void {
    const bytes = this.spec.select(port, dir, frame, len);
    if (!bytes) return;
    this.seen++;
    if (this.spec.filter && !this.spec.filter(bytes, bytes.length, bytes.length)) return;
    this.matched++;
    const caplen = Math.min(bytes.length, this.spec.snaplen);
    const rec: PacketRecord = {
      tsSec: Math.floor(tsUs / 1e6), tsUsec: Math.floor(tsUs % 1e6), caplen, origLen: bytes.length,
      data: caplen === bytes.length ? bytes : bytes.slice(0, caplen),
    };
    if (this.spec.onPacket) this.spec.onPacket(rec);
    if (this.spec.keep > 0) {
      this.packets.push(rec);
      if (this.packets.length > this.spec.keep) {
        this.packets.shift();
        this.evicted++;
      }
    }
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.onStop(this);
  }
}

/** A background capture, kept by name until deleted (`capture start NAME`). */
export interface NamedCapture {
  readonly capture: Capture;
  readonly iface: string;
  readonly expr: string;
}

export class CaptureHub {
  private readonly captures = new Set<Capture>();
  /** Background captures by name. */
  readonly named = new Map<string, NamedCapture>();
  private readonly tap: CaptureTap = (port, dir, frame, len, tsUs) => {
    for (const c of this.captures) c.offer(port, dir, frame, len, tsUs);
  };

  constructor(private readonly setTap: (tap: CaptureTap | null) => void) {}

  start(spec: CaptureSpec): Capture {
    const c = new Capture(spec, (x) => {
      this.captures.delete(x);
      if (this.captures.size === 0) this.setTap(null);
    });
    this.captures.add(c);
    if (this.captures.size === 1) this.setTap(this.tap);
    return c;
  }

  get active(): number {
    return this.captures.size;
  }
}
