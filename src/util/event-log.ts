// The operator-readable log (`show log`): a bounded ring of timestamped lines, each with a
// facility and a severity (the syslog forwarder sends every new one on).

import type { Clock } from './clock.js';

/** RFC 5424 severities, most severe first. */
export const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface LogEntry {
  readonly wallMs: number;
  readonly facility: string;
  readonly severity: Severity;
  readonly text: string;
}

/** The severity of an entry logged without one. */
function defaultSeverity(facility: string, text: string): Severity {
  if (facility === 'health') return /-> down/.test(text) ? 'warning' : 'notice';
  if (facility === 'auth') return /failed|refused|locked out/.test(text) ? 'warning' : 'notice';
  return 'info';
}

export type LogListener = (e: LogEntry) => void;

export class EventLog {
  private readonly entries: LogEntry[] = [];
  private readonly listeners: LogListener[] = [];
  constructor(private readonly clock: Clock, private readonly capacity = 2000) {}

  add(facility: string, text: string, severity: Severity = defaultSeverity(facility, text)): void {
    const e: LogEntry = { wallMs: this.clock.wallNow(), facility, severity, text };
    this.entries.push(e);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    for (const l of this.listeners) l(e);
  }
  list(): readonly LogEntry[] {
    return this.entries;
  }
  clear(): void {
    this.entries.length = 0;
  }
  /** Calls `l` with every entry added from now on; returns the unsubscription. */
  subscribe(l: LogListener): () => void {
    this.listeners.push(l);
    return () => {
      const i = this.listeners.indexOf(l);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }
}
