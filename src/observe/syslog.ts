// Syslog: every entry of the event log (health changes, configuration changes, logins,
// sessions) sent to the collectors of `logging host A.B.C.D [port N] [udp|tcp]` as RFC 5424
// messages: over UDP one per datagram (RFC 5426), over TCP with octet counting (RFC 6587).
// A TCP collector that is down is retried every few seconds; meanwhile messages wait in a
// bounded queue (the oldest are dropped first).

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createConnection, type Socket } from 'node:net';
import type { LoggingHost, RunningConfig } from '../config/model.js';
import type { ConfigStore } from '../config/store.js';
import { formatIpv4 } from '../net/addr.js';
import { SEVERITIES, type EventLog, type LogEntry } from '../util/event-log.js';

/** local7, where network devices log by convention. */
export const SYSLOG_FACILITY = 23;
export const DEFAULT_SYSLOG_PORT = 514;
const TCP_QUEUE = 1000;
const TCP_RETRY_MS = 2000;
/** RFC 5426: a sender should not exceed what a 1500-byte path carries over IPv4. */
const UDP_MAX = 1180;

/** RFC 5424 header fields may hold printable US-ASCII only, without spaces. */
function field(text: string, max: number): string {
  const t = text.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return t === '' ? '-' : t;
}

/** One RFC 5424 message: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG`. */
export function formatSyslog(e: LogEntry, hostname: string, procId: number): string {
  const pri = SYSLOG_FACILITY * 8 + SEVERITIES.indexOf(e.severity);
  const time = new Date(e.wallMs).toISOString();
  return `<${pri}>1 ${time} ${field(hostname, 255)} pask ${procId} ${field(e.facility, 32)} - ${e.text}`;
}

interface Sender {
  send(message: string): void;
  /** Stops, after what was already sent has left (or a moment at most). */
  close(): Promise<void>;
}

const CLOSE_WAIT_MS = 500;

class UdpSender implements Sender {
  private readonly sock: UdpSocket;
  private inFlight = 0;
  private drained: (() => void) | null = null;
  constructor(private readonly host: LoggingHost) {
    this.sock = createSocket('udp4');
    this.sock.on('error', () => {});
    this.sock.unref();
  }
  send(message: string): void {
    let buf = Buffer.from(message, 'utf8');
    if (buf.length > UDP_MAX) buf = buf.subarray(0, UDP_MAX);
    this.inFlight++;
    this.sock.send(buf, this.host.port, formatIpv4(this.host.addr), () => {
      if (--this.inFlight === 0) this.drained?.();
    });
  }
  async close(): Promise<void> {
    if (this.inFlight > 0) {
      await new Promise<void>((res) => {
        this.drained = res;
        setTimeout(res, CLOSE_WAIT_MS).unref();
      });
    }
    try { this.sock.close(); } catch { /* already closed */ }
  }
}

class TcpSender implements Sender {
  private sock: Socket | null = null;
  private connected = false;
  private readonly queue: Buffer[] = [];
  private retry: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly host: LoggingHost, private readonly onTrouble: (why: string) => void) {
    this.connect();
  }

  send(message: string): void {
    const body = Buffer.from(message, 'utf8');
    const frame = Buffer.concat([Buffer.from(`${body.length} `), body]);
    if (this.connected && this.sock) this.sock.write(frame);
    else {
      this.queue.push(frame);
      if (this.queue.length > TCP_QUEUE) this.queue.shift();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const s = this.sock;
    if (!s) return;
    await new Promise<void>((res) => {
      s.once('close', () => res());
      s.end();
      setTimeout(() => { s.destroy(); res(); }, CLOSE_WAIT_MS).unref();
    });
  }

  private connect(): void {
    if (this.closed) return;
    const s = createConnection({ host: formatIpv4(this.host.addr), port: this.host.port });
    this.sock = s;
    s.setNoDelay(true);
    s.on('connect', () => {
      this.connected = true;
      for (const f of this.queue.splice(0)) s.write(f);
    });
    s.on('error', (e) => this.onTrouble(e.message));
    s.on('close', () => {
      this.connected = false;
      if (this.sock === s) this.sock = null;
      if (!this.closed) {
        this.retry = setTimeout(() => this.connect(), TCP_RETRY_MS);
        this.retry.unref();
      }
    });
    s.unref();
  }
}

const keyOf = (h: LoggingHost) => `${formatIpv4(h.addr)}:${h.port}/${h.transport}`;

export class SyslogForwarder {
  private readonly senders = new Map<string, Sender>();
  private readonly unsubscribe: (() => void)[] = [];
  /** Troubles already reported, so a collector that stays down is logged once. */
  private readonly reported = new Set<string>();

  constructor(private readonly log: EventLog, private readonly store: ConfigStore, private readonly procId = process.pid) {
    this.configure(store.current);
    this.unsubscribe.push(store.subscribe((next) => this.configure(next)));
    this.unsubscribe.push(log.subscribe((e) => this.forward(e)));
  }

  /** The collectors in use (for tests and `show logging`). */
  hosts(): string[] {
    return [...this.senders.keys()];
  }

  async close(): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    const all = [...this.senders.values()];
    this.senders.clear();
    await Promise.all(all.map((s) => s.close()));
  }

  private configure(cfg: RunningConfig): void {
    const wanted = new Map(cfg.loggingHosts.map((h) => [keyOf(h), h]));
    for (const [k, s] of this.senders) {
      if (!wanted.has(k)) {
        void s.close();
        this.senders.delete(k);
      }
    }
    for (const [k, h] of wanted) {
      if (this.senders.has(k)) continue;
      this.reported.delete(k);
      this.senders.set(k, h.transport === 'udp' ? new UdpSender(h) : new TcpSender(h, (why) => this.trouble(k, why)));
    }
  }

  private forward(e: LogEntry): void {
    if (this.senders.size === 0) return;
    const msg = formatSyslog(e, this.store.current.hostname, this.procId);
    for (const s of this.senders.values()) s.send(msg);
  }

  private trouble(key: string, why: string): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    // Logged (and so queued for the collector itself, sent once it is back).
    this.log.add('logging', `syslog collector ${key} unreachable: ${why} (retrying)`, 'warning');
  }
}
