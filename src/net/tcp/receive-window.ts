// The receive side toward the application: the buffer that holds in-order data while the reader
// is paused, and the window offered from its free space. The right edge of an offered window
// never moves left; small openings are not offered (receiver-side silly window avoidance, RFC
// 9293 3.8.6.2.2); scaled windows round up, as Linux's do (65160 >> 7 is offered as 510).
// Positions are the connection's receive positions.

export class ReceiveWindow {
  /** Buffer size in bytes (0 until the handshake picks the profile's default). */
  size = 0;
  /** Right edge of the window offered so far. */
  advRight = 0;
  paused = false;
  /** Bytes held for the paused reader. */
  heldBytes = 0;
  private held: Uint8Array[] = [];

  /** @param mss the segment size the peer sends (the silly-window threshold). */
  constructor(private readonly mss: number) {}

  setSize(bytes: number): void {
    this.size = Math.max(1, Math.min(Math.floor(bytes), 0xffff * 2 ** 14));
  }

  /** Bytes of window worth offering now. */
  room(): number {
    const free = Math.max(0, this.size - this.heldBytes);
    return free < Math.min(this.size >> 1, this.mss) ? 0 : free;
  }

  /** What is left of the window offered, seen from `next`. */
  offered(next: number): number {
    return Math.max(0, this.advRight - next);
  }

  /** The window field of a segment sent now with RCV.NXT `next` and our window shift; moves the edge. */
  field(next: number, shift: number): number {
    const win = Math.max(this.room(), this.offered(next));
    const field = Math.min(0xffff, Math.ceil(win / 2 ** shift));
    const right = next + field * 2 ** shift;
    if (right > this.advRight) this.advRight = right;
    return field;
  }

  /** After the reader took data: is the window now enough bigger to tell the peer? */
  worthUpdate(roomBefore: number, next: number): boolean {
    const room = this.room();
    return room > roomBefore && room - this.offered(next) >= Math.min(this.size >> 1, 2 * this.mss);
  }

  /** Whether data must be held (paused reader, or older data still held). */
  get holding(): boolean {
    return this.paused || this.held.length > 0;
  }

  hold(d: Uint8Array): void {
    this.held.push(d);
    this.heldBytes += d.length;
  }

  /** Hands held data to `deliver` until none is left or the reader pauses again; true when empty. */
  release(deliver: ((d: Uint8Array) => void) | null): boolean {
    while (this.held.length > 0 && !this.paused) {
      const d = this.held.shift()!;
      this.heldBytes -= d.length;
      deliver?.(d);
    }
    return this.held.length === 0;
  }
}
