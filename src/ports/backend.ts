// What an appliance port is attached to: a virtual link of the embedded lab, or a Linux
// interface. The engine transmits through it and is handed the frames it receives.

/** Receives one frame; `frame` may be reused by the caller after the call returns. */
export type FrameHandler = (frame: Uint8Array, len: number) => void;

/** One of a backend's own counters, for display: a readable label and its value. */
export type BackendCounter = readonly [label: string, value: number | string];

export interface PortBackend {
  readonly name: string;
  /**
   * The largest IPv4 packet the attached link carries (the interface MTU, Ethernet header and
   * tag not counted), if the backend knows it; the engine assumes 1500 otherwise.
   */
  readonly mtu?: number;
  /** Sends one frame out. The caller may reuse `frame` after the call returns. */
  transmit(frame: Uint8Array, len: number): void;
  /** Starts delivering received frames to `rx` (one receiver at a time). */
  attach(rx: FrameHandler): void;
  detach(): void;
  /** The backend's own counters (rings, kernel drops, errors), if it keeps any; read on demand, not per frame. */
  counters?(): readonly BackendCounter[];
}

export type Direction = 'in' | 'out';

/**
 * A capture tap on a port. The engine checks one nullable field per frame, so a port without
 * a capture pays nothing else. `tsUs` is wall-clock microseconds from the engine's clock.
 */
export type CaptureTap = (port: number, dir: Direction, frame: Uint8Array, len: number, tsUs: number) => void;
