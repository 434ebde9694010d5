// The operator-readable log (`show log`): a bounded ring of timestamped lines.

import type { Clock } from './clock.js';

export interface LogEntry {
  readonly wallMs: number;
  readonly facility: string;
  readonly text: string;
}

export class EventLog {
  private readonly entries: LogEntry[] = [];
  constructor(private readonly clock: Clock, private readonly capacity = 2000) {}

  add(facility: string, text: string): void {
    this.entries.push({ wallMs: this.clock.wallNow(), facility, text });
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
  }
  list(): readonly LogEntry[] {
    return this.entries;
  }
  clear(): void {
    this.entries.length = 0;
  }
}
