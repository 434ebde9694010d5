// Virtual Ethernet links: two endpoints, frames copied on send and delivered to the other end
// after a fixed virtual delay (in order). The appliance's side of a link is a LinkPort, which
// implements PortBackend.

import type { FrameHandler, PortBackend } from '../ports/backend.js';
import type { Clock } from '../util/clock.js';

/** The default one-way delay of a link: 50 µs. */
export const DEFAULT_LINK_DELAY_MS = 0.05;

/** Sees every frame a link carries, at the time it is sent (`frame` is the tap's to keep). */
export type LinkTap = (frame: Uint8Array, from: LinkEnd, to: LinkEnd, timeMs: number) => void;

/** Something a link can be plugged into: a host NIC, a switch port, an appliance port. */
export interface LinkAttachable {
  /** e.g. `client.eth0`, `sw2.3`, `appliance.1`. */
  readonly label: string;
  plug(end: LinkEnd): void;
}

export class LinkEnd {
  /** Receives the frames sent from the other end. */
  rx: FrameHandler | null = null;
  /** What this end is plugged into (its label). */
  label = '';

  constructor(readonly link: Link, readonly side: 0 | 1) {}

  get peer(): LinkEnd {
    return this.side === 0 ? this.link.b : this.link.a;
  }

  /** Sends frame[0, len) to the other end; the frame is copied, the caller may reuse it. */
  send(frame: Uint8Array, len: number = frame.length): void {
    this.link.carry(this, frame, len);
  }
}

export class Link {
  readonly a: LinkEnd;
  readonly b: LinkEnd;
  /** A link that is down drops everything (the cable is pulled). */
  up = true;
  private readonly taps = new Set<LinkTap>();
  /** Loss injection: a frame for which this returns true is dropped (after the taps saw it). */
  drop: ((frame: Uint8Array, from: LinkEnd) => boolean) | null = null;
  /** Reordering injection: extra delay (ms) for a frame, so frames sent after it can overtake it. */
  jitter: ((frame: Uint8Array, from: LinkEnd) => number) | null = null;
  /** Frames dropped by `drop` or while down. */
  dropped = 0;
  /** Frames carried, both directions. */
  frames = 0;

  /** `shared`: taps of the whole lab, called for this link's frames too. */
  constructor(
    private readonly clock: Clock,
    readonly delayMs: number = DEFAULT_LINK_DELAY_MS,
    private readonly shared: ReadonlySet<LinkTap> | null = null,
  ) {
    this.a = new LinkEnd(this, 0);
    this.b = new LinkEnd(this, 1);
  }

  /** `a.label <-> b.label`. */
  get label(): string {
    return `${this.a.label} <-> ${this.b.label}`;
  }

  /** Observes the frames; returns the function that stops observing. */
  tap(fn: LinkTap): () => void {
    this.taps.add(fn);
    return () => void this.taps.delete(fn);
  }

  /** Plugs the two ends into `x` and `y`. */
  join(x: LinkAttachable, y: LinkAttachable): this {
    this.a.label = x.label;
    this.b.label = y.label;
    x.plug(this.a);
    y.plug(this.b);
    return this;
  }

  carry(from: LinkEnd, frame: Uint8Array, len: number): void {
    if (!this.up) {
      this.dropped++;
      return;
    }
    const n = Math.max(0, Math.min(len, frame.length));
    const copy = frame.slice(0, n);
    const to = from.peer;
    this.frames++;
    const tapped = this.taps.size > 0 || (this.shared !== null && this.shared.size > 0);
    if (tapped) {
      const now = this.clock.now();
      for (const t of this.taps) t(copy, from, to, now);
      if (this.shared) for (const t of this.shared) t(copy, from, to, now);
    }
    if (this.drop?.(copy, from)) {
      this.dropped++;
      return;
    }
    // The receiver may rewrite its frame in place (the engine does): taps keep their own copy.
    const delivered = tapped ? copy.slice() : copy;
    this.clock.setTimeout(() => {
      if (this.up) to.rx?.(delivered, delivered.length);
      else this.dropped++;
    }, this.delayMs + (this.jitter?.(copy, from) ?? 0));
  }
}

/** The appliance's side of a link: a PortBackend for one appliance port. */
export class LinkPort implements PortBackend, LinkAttachable {
  private end: LinkEnd | null = null;
  private rxHandler: FrameHandler | null = null;
  /** Frames the appliance sent while nothing was plugged in. */
  dropped = 0;

  constructor(readonly port: number, readonly name: string = `lab port ${port}`) {}

  get label(): string {
    return `appliance.${this.port}`;
  }

  /** The label of what the other end of the link is plugged into, or null. */
  get peerLabel(): string | null {
    return this.end ? this.end.peer.label : null;
  }

  plug(end: LinkEnd): void {
    this.end = end;
    end.rx = this.rxHandler;
  }

  transmit(frame: Uint8Array, len: number): void {
    if (this.end) this.end.send(frame, len);
    else this.dropped++;
  }

  attach(rx: FrameHandler): void {
    this.rxHandler = rx;
    if (this.end) this.end.rx = rx;
  }

  detach(): void {
    this.rxHandler = null;
    if (this.end) this.end.rx = null;
  }
}
