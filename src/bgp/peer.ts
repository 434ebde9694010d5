// One neighbour's session: the RFC 4271 finite state machine over up to two TCP connections
// (the one this speaker opens and the one the peer opens) until collision detection (6.8)
// keeps one, the OPEN exchange and capability negotiation (RFC 5492, 6793, 2918), and the
// hold, keepalive and connect-retry timers on the injected clock. Routes are the speaker's
// business: the peer hands it decoded UPDATEs and tells it when the session comes and goes.

import type { BgpNeighborConfig } from '../config/bgp.js';
import { formatIpv4 } from '../net/addr.js';
import type { Clock, Timer } from '../util/clock.js';
import type { PathSource } from './best-path.js';
import type { BgpNet, BgpTransport } from './transport.js';
import {
  AFI_IPV4, BGP_PORT, CEASE_ADMIN_RESET, CEASE_ADMIN_SHUTDOWN, CEASE_COLLISION, CEASE_CONNECTION_REJECTED,
  CEASE_PEER_DECONFIGURED, ERR_CEASE, ERR_FSM, ERR_HOLD_TIMER, ERR_OPEN, FSM_UNEXPECTED_IN_ESTABLISHED,
  FSM_UNEXPECTED_IN_OPENCONFIRM, FSM_UNEXPECTED_IN_OPENSENT, MSG_KEEPALIVE, MSG_NOTIFICATION, MSG_OPEN,
  MSG_ROUTE_REFRESH, MSG_UPDATE, OPEN_BAD_IDENTIFIER, OPEN_BAD_PEER_AS, SAFI_UNICAST, notificationText,
} from './wire/constants.js';
import { Framer } from './wire/framer.js';
import {
  afiSafi, decodeNotification, decodeOpen, decodeRouteRefresh, doesIpv4Unicast, encodeKeepalive, encodeNotification,
  encodeOpen, encodeRouteRefresh, openAs, type BgpError, type OpenMessage,
} from './wire/messages.js';
import { decodeUpdate, type DecodedUpdate } from './wire/update.js';

export type PeerState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

/** The hold time while waiting for the peer's OPEN (RFC 4271 8: a large value, 4 minutes suggested). */
const OPEN_HOLD_MS = 240_000;
/** Idle before starting again after a session ended. */
export const IDLE_HOLD_MS = 1000;

export interface PeerSettings {
  readonly localAs: number;
  readonly routerId: number;
  readonly holdTime: number;
  readonly keepalive: number;
  readonly connectRetry: number;
  /** Address families announced in the OPEN besides IPv4 unicast (afiSafi()). */
  readonly extraFamilies?: readonly number[];
  /** Announce the graceful-restart capability (as a helper). */
  readonly gracefulRestart?: boolean;
  /** Also announce Cisco's pre-standard route-refresh code 128 (default true, as FRR). */
  readonly routeRefreshOld?: boolean;
}

/** What a peer needs of its speaker. */
export interface PeerHost {
  readonly clock: Clock;
  readonly net: BgpNet;
  log(peer: Peer, text: string, severity: 'info' | 'notice' | 'warning'): void;
  /** The session reached Established: send the table. */
  established(peer: Peer): void;
  /** The session left Established: forget the peer's routes. */
  down(peer: Peer): void;
  update(peer: Peer, u: DecodedUpdate): void;
  /** The peer asked for the table again (ROUTE-REFRESH). */
  refreshRequested(peer: Peer): void;
  /** Messages may be written again after the connection's buffer drained. */
  writable?(peer: Peer): void;
}

type ConnState = 'Connect' | 'OpenSent' | 'OpenConfirm' | 'Established';

class Conn {
  state: ConnState = 'Connect';
  readonly framer = new Framer();
  remote: OpenMessage | null = null;
  holdMs = 0;
  keepaliveMs = 0;
  holdTimer: Timer | null = null;
  /** When the hold timer last started again, and for how long. */
  heard = 0;
  holdFor = 0;
  /** When the running hold timer fires. */
  holdAt = 0;
  kaTimer: Timer | null = null;
  reading = false;
  closed = false;
  constructor(readonly t: BgpTransport, readonly outgoing: boolean) {}
}

export interface PeerCounters {
  msgsIn: number;
  msgsOut: number;
  opensIn: number;
  opensOut: number;
  updatesIn: number;
  updatesOut: number;
  keepalivesIn: number;
  keepalivesOut: number;
  notificationsIn: number;
  notificationsOut: number;
  refreshIn: number;
  refreshOut: number;
  /** Sessions that reached Established, and of those, that ended. */
  established: number;
  dropped: number;
}

function zeroCounters(): PeerCounters {
  return {
    msgsIn: 0, msgsOut: 0, opensIn: 0, opensOut: 0, updatesIn: 0, updatesOut: 0, keepalivesIn: 0, keepalivesOut: 0,
    notificationsIn: 0, notificationsOut: 0, refreshIn: 0, refreshOut: 0, established: 0, dropped: 0,
  };
}

export class Peer implements PathSource {
  state: PeerState = 'Idle';
  readonly counters = zeroCounters();
  /** Clock time of Established, or of the end of the last session (`Up/Down`). */
  stateSince: number;
  lastRead = 0;
  /** The OPEN of the established session. */
  remoteOpen: OpenMessage | null = null;
  /** What the last session ended with, for `show ip bgp neighbors`. */
  lastReset = '';
  private conns: Conn[] = [];
  private session: Conn | null = null;
  private retryTimer: Timer | null = null;
  private idleTimer: Timer | null = null;
  private running = false;
  private lastWrite = 0;

  constructor(readonly host: PeerHost, public cfg: BgpNeighborConfig, public settings: PeerSettings) {
    this.stateSince = host.clock.now();
  }

  get addr(): number {
    return this.cfg.addr >>> 0;
  }
  get remoteAs(): number {
    return this.cfg.remoteAs ?? 0;
  }
  get external(): boolean {
    return this.remoteAs !== this.settings.localAs;
  }
  get routerId(): number {
    return this.remoteOpen?.bgpId ?? 0;
  }
  get name(): string {
    return formatIpv4(this.addr);
  }
  /** The TTL of the session's packets. */
  get ttl(): number {
    return this.external ? this.cfg.ebgpMultihop ?? 1 : 255;
  }
  /** Both sides do 4-octet AS numbers. */
  get fourOctet(): boolean {
    return this.remoteOpen?.caps.fourOctetAs !== null && this.remoteOpen !== null;
  }
  get peerRouteRefresh(): boolean {
    const c = this.remoteOpen?.caps;
    return c !== undefined && (c.routeRefresh || c.routeRefreshOld);
  }
  get holdTimeMs(): number {
    return this.session?.holdMs ?? 0;
  }
  get keepaliveMs(): number {
    return this.session?.keepaliveMs ?? 0;
  }
  /** The established connection's transport (addresses and ports), or null. */
  get transport(): BgpTransport | null {
    return this.session?.t ?? null;
  }

  // ------------------------------------------------------------------ starting and stopping

  /** ManualStart: begins connecting (or waits for the peer, when passive). */
  start(): void {
    if (this.running || this.cfg.shutdown) return;
    this.running = true;
    this.connectOrWait();
  }

  /** ManualStop: NOTIFICATION Cease (with `subcode`) on any connection, then Idle. */
  stop(subcode = CEASE_ADMIN_SHUTDOWN, why = 'administratively shut down'): void {
    this.running = false;
    this.clearTimers();
    this.dropAll({ code: ERR_CEASE, subcode, data: new Uint8Array(0) }, why);
  }

  /** `clear ip bgp A`: ends the session (Cease/Administrative Reset) and starts again. */
  reset(): void {
    if (!this.running) return;
    this.dropAll({ code: ERR_CEASE, subcode: CEASE_ADMIN_RESET, data: new Uint8Array(0) }, 'cleared by the operator');
  }

  deconfigure(): void {
    this.stop(CEASE_PEER_DECONFIGURED, 'de-configured');
  }

  private connectOrWait(): void {
    if (!this.running) return;
    this.retryTimer?.cancel();
    this.retryTimer = this.host.clock.setTimeout(() => this.onRetryTimer(), this.settings.connectRetry * 1000);
    if (this.cfg.passive) {
      this.setState('Active');
      return;
    }
    this.openOutgoing();
  }

  private onRetryTimer(): void {
    this.retryTimer = null;
    if (!this.running || this.session?.state === 'Established') return;
    // Connect/Active: drop a half-made outgoing attempt and try again.
    for (const c of [...this.conns]) if (c.outgoing && c.state === 'Connect') this.closeConn(c, null);
    this.connectOrWait();
  }

  private openOutgoing(): void {
    let t: BgpTransport;
    try {
      t = this.host.net.connect(this.cfg.addr, BGP_PORT, { src: this.cfg.updateSource, ttl: this.ttl });
    } catch {
      this.setState('Active');
      return;
    }
    const c = new Conn(t, true);
    this.conns.push(c);
    this.wire(c);
    if (this.state === 'Idle' || this.state === 'Active') this.setState('Connect');
  }

  /** A connection the peer opened to us (the speaker matched its address). */
  accept(t: BgpTransport): void {
    if (!this.running || this.conns.some((c) => !c.outgoing)) {
      t.abort();
      return;
    }
    if (this.session !== null) {
      // Already established: RFC 4271 6.8 keeps the established session.
      this.rejectTransport(t, CEASE_CONNECTION_REJECTED);
      return;
    }
    t.setTtl(this.ttl);
    const c = new Conn(t, false);
    this.conns.push(c);
    this.wire(c);
  }

  private rejectTransport(t: BgpTransport, subcode: number): void {
    t.onOpen = () => {
      t.write(encodeNotification(ERR_CEASE, subcode));
      t.close();
    };
  }

  private wire(c: Conn): void {
    c.t.onOpen = () => this.connOpen(c);
    c.t.onData = (d) => this.connData(c, d);
    c.t.onClose = (why) => this.connClosed(c, why);
  }

  // ------------------------------------------------------------------ connection events

  private connOpen(c: Conn): void {
    if (c.closed) return;
    this.send(c, encodeOpen({
      asn: this.settings.localAs, holdTime: this.configuredHold(), bgpId: this.settings.routerId, routeRefresh: true,
      fourOctetAs: true, multiprotocol: [afiSafi(AFI_IPV4, SAFI_UNICAST), ...(this.settings.extraFamilies ?? [])],
      gracefulRestart: this.settings.gracefulRestart ?? false,
      routeRefreshOld: this.settings.routeRefreshOld ?? true,
    }));
    this.counters.opensOut++;
    c.state = 'OpenSent';
    this.armHold(c, OPEN_HOLD_MS);
    this.refreshState();
  }

  private connClosed(c: Conn, why: string): void {
    if (c.closed) return;
    const wasSession = c === this.session;
    this.closeConn(c, null);
    if (wasSession) this.sessionEnded(why);
    else if (this.conns.length === 0 && this.running && this.session === null) {
      // An attempt failed (refused, unreachable): wait in Active for the retry timer or the peer.
      this.setState('Active');
    } else this.refreshState();
  }

  private connData(c: Conn, data: Uint8Array): void {
    if (c.closed) return;
    c.framer.push(data);
    if (c.reading) return;
    c.reading = true;
    try {
      for (;;) {
        if (c.closed) return;
        const f = c.framer.next();
        if (f === null) {
          if (c.framer.failed) this.fail(c, c.framer.failed, 'bad message header');
          return;
        }
        this.counters.msgsIn++;
        this.lastRead = this.host.clock.now();
        if (c.holdMs > 0 && c.state !== 'OpenSent') this.armHold(c, c.holdMs);
        this.message(c, f.type, f.buf, f.off, f.len);
      }
    } finally {
      c.reading = false;
    }
  }

  private message(c: Conn, type: number, buf: Uint8Array, off: number, len: number): void {
    switch (type) {
      case MSG_OPEN: {
        this.counters.opensIn++;
        if (c.state !== 'OpenSent') {
          this.fail(c, { code: ERR_FSM, subcode: c.state === 'OpenConfirm' ? FSM_UNEXPECTED_IN_OPENCONFIRM : FSM_UNEXPECTED_IN_ESTABLISHED, data: new Uint8Array(0) }, 'unexpected OPEN');
          return;
        }
        const r = decodeOpen(buf, off, len);
        if (!r.ok) {
          this.fail(c, r.error, 'bad OPEN');
          return;
        }
        this.openReceived(c, r.value);
        return;
      }
      case MSG_KEEPALIVE:
        this.counters.keepalivesIn++;
        if (c.state === 'OpenSent') {
          this.fail(c, { code: ERR_FSM, subcode: FSM_UNEXPECTED_IN_OPENSENT, data: new Uint8Array(0) }, 'KEEPALIVE before OPEN');
        } else if (c.state === 'OpenConfirm') this.establish(c);
        return;
      case MSG_NOTIFICATION: {
        this.counters.notificationsIn++;
        const n = decodeNotification(buf, off, len);
        const text = `received NOTIFICATION ${notificationText(n.code, n.subcode)}`;
        const wasSession = c === this.session;
        this.closeConn(c, null);
        if (wasSession) this.sessionEnded(text);
        else {
          this.host.log(this, text, 'warning');
          this.lastReset = text;
          if (this.conns.length === 0 && this.session === null && this.running) this.scheduleRestart();
          else this.refreshState();
        }
        return;
      }
      case MSG_UPDATE: {
        this.counters.updatesIn++;
        if (c.state !== 'Established') {
          this.fail(c, { code: ERR_FSM, subcode: c.state === 'OpenSent' ? FSM_UNEXPECTED_IN_OPENSENT : FSM_UNEXPECTED_IN_OPENCONFIRM, data: new Uint8Array(0) }, 'UPDATE before Established');
          return;
        }
        const r = decodeUpdate(buf, off, len, { fourOctet: this.fourOctet, external: this.external });
        if (!r.ok) {
          this.fail(c, r.error, 'malformed UPDATE');
          return;
        }
        this.host.update(this, r.value);
        return;
      }
      case MSG_ROUTE_REFRESH: {
        this.counters.refreshIn++;
        if (c.state !== 'Established') {
          this.fail(c, { code: ERR_FSM, subcode: c.state === 'OpenSent' ? FSM_UNEXPECTED_IN_OPENSENT : FSM_UNEXPECTED_IN_OPENCONFIRM, data: new Uint8Array(0) }, 'ROUTE-REFRESH before Established');
          return;
        }
        const r = decodeRouteRefresh(buf, off, len);
        if (!r.ok) {
          this.fail(c, r.error, 'bad ROUTE-REFRESH');
          return;
        }
        if (r.value.afi === AFI_IPV4 && r.value.safi === SAFI_UNICAST && r.value.subtype === 0) this.host.refreshRequested(this);
        return;
      }
    }
  }

  private openReceived(c: Conn, o: OpenMessage): void {
    const as = openAs(o);
    if (as !== this.remoteAs) {
      const d = this.remoteAs > 0xffff ? new Uint8Array(0) : Uint8Array.of(this.remoteAs >>> 8, this.remoteAs & 0xff);
      this.fail(c, { code: ERR_OPEN, subcode: OPEN_BAD_PEER_AS, data: d }, `remote AS ${as}, configured ${this.remoteAs}`);
      return;
    }
    if (o.bgpId === this.settings.routerId >>> 0 && !this.external) {
      this.fail(c, { code: ERR_OPEN, subcode: OPEN_BAD_IDENTIFIER, data: new Uint8Array(0) }, 'the peer has our router id');
      return;
    }
    if (!doesIpv4Unicast(o.caps)) {
      this.host.log(this, 'the peer does not announce IPv4 unicast', 'warning');
    }
    c.remote = o;
    // Collision detection (RFC 4271 6.8) against the other connection once its OPEN is known too.
    for (const other of this.conns) {
      if (other === c || other.closed || !(other.state === 'OpenConfirm' || (other.state === 'OpenSent' && other.remote !== null))) continue;
      const keepLocal = (this.settings.routerId >>> 0) > (o.bgpId >>> 0);
      const loser = keepLocal === c.outgoing ? other : c;
      this.host.log(this, `connection collision: keeping the connection ${keepLocal ? 'we' : 'the peer'} opened`, 'info');
      this.fail(loser, { code: ERR_CEASE, subcode: CEASE_COLLISION, data: new Uint8Array(0) }, 'connection collision', loser !== c);
      if (loser === c) return;
    }
    const ours = this.configuredHold();
    const hold = Math.min(ours, o.holdTime);
    c.holdMs = hold * 1000;
    c.keepaliveMs = hold === 0 ? 0 : Math.min(this.configuredKeepalive(), Math.floor(hold / 3)) * 1000;
    this.send(c, encodeKeepalive());
    this.counters.keepalivesOut++;
    c.state = 'OpenConfirm';
    if (c.holdMs > 0) this.armHold(c, c.holdMs);
    else this.stopHold(c);
    this.armKeepalive(c);
    this.refreshState();
  }

  private establish(c: Conn): void {
    c.state = 'Established';
    for (const other of [...this.conns]) {
      if (other !== c) this.fail(other, { code: ERR_CEASE, subcode: CEASE_COLLISION, data: new Uint8Array(0) }, 'connection collision');
    }
    this.session = c;
    this.remoteOpen = c.remote;
    this.retryTimer?.cancel();
    this.retryTimer = null;
    this.counters.established++;
    this.stateSince = this.host.clock.now();
    this.setState('Established');
    this.host.established(this);
  }

  // ------------------------------------------------------------------ errors and endings

  /** Sends the NOTIFICATION for `e` on `c` and drops it (`quiet`: the caller settles the state). */
  private fail(c: Conn, e: BgpError, why: string, quiet = false): void {
    if (c.closed) return;
    if (c.state !== 'Connect') {
      this.send(c, encodeNotification(e.code, e.subcode, e.data));
      this.counters.notificationsOut++;
    }
    const text = `sent NOTIFICATION ${notificationText(e.code, e.subcode)}: ${why}`;
    const wasSession = c === this.session;
    this.closeConn(c, 'close');
    if (wasSession) this.sessionEnded(text);
    else if (e.subcode !== CEASE_COLLISION || e.code !== ERR_CEASE) {
      this.host.log(this, text, 'warning');
      this.lastReset = text;
      if (this.conns.length === 0 && this.session === null && this.running) this.scheduleRestart();
      else this.refreshState();
    } else if (!quiet) this.refreshState();
  }

  private dropAll(e: BgpError, why: string): void {
    const wasUp = this.session !== null;
    for (const c of [...this.conns]) {
      if (c.state !== 'Connect' && !c.closed) {
        this.send(c, encodeNotification(e.code, e.subcode, e.data));
        this.counters.notificationsOut++;
      }
      this.closeConn(c, 'close');
    }
    if (wasUp) this.sessionEnded(`sent NOTIFICATION ${notificationText(e.code, e.subcode)}: ${why}`);
    else {
      this.lastReset = why;
      if (this.running) this.scheduleRestart();
      else this.setState('Idle');
    }
  }

  private sessionEnded(why: string): void {
    this.session = null;
    this.remoteOpen = null;
    this.counters.dropped++;
    this.stateSince = this.host.clock.now();
    this.lastReset = why;
    this.host.log(this, `session down: ${why}`, 'warning');
    this.host.down(this);
    for (const c of [...this.conns]) this.closeConn(c, 'abort');
    if (this.running) this.scheduleRestart();
    else this.setState('Idle');
  }

  private scheduleRestart(): void {
    this.setState('Idle');
    this.retryTimer?.cancel();
    this.retryTimer = null;
    this.idleTimer?.cancel();
    this.idleTimer = this.host.clock.setTimeout(() => {
      this.idleTimer = null;
      if (this.state === 'Idle' && this.conns.length === 0) this.connectOrWait();
      else if (this.running && this.session === null && !this.conns.some((c) => c.outgoing)) this.connectOrWait();
    }, IDLE_HOLD_MS);
  }

  private closeConn(c: Conn, how: 'close' | 'abort' | null): void {
    if (c.closed) return;
    c.closed = true;
    c.holdTimer?.cancel();
    c.kaTimer?.cancel();
    c.holdTimer = c.kaTimer = null;
    c.t.onData = null;
    c.t.onClose = null;
    c.t.onOpen = null;
    if (how === 'close') c.t.close();
    else if (how === 'abort' || c.state === 'Connect') c.t.abort();
    const i = this.conns.indexOf(c);
    if (i >= 0) this.conns.splice(i, 1);
  }

  private clearTimers(): void {
    this.retryTimer?.cancel();
    this.idleTimer?.cancel();
    this.retryTimer = this.idleTimer = null;
  }

  // ------------------------------------------------------------------ timers

  /**
   * (Re)starts the hold timer. Messages only move `heard` forward: the timer, when it fires,
   * waits again for what is left instead of being re-armed per message (a full table is tens of
   * thousands of messages).
   */
  private armHold(c: Conn, ms: number): void {
    const now = this.host.clock.now();
    c.heard = now;
    c.holdFor = ms;
    // A running timer due no later than the new deadline just waits again when it fires.
    if (c.holdTimer !== null && c.holdAt <= now + ms) return;
    c.holdTimer?.cancel();
    const fire = (): void => {
      c.holdTimer = null;
      if (c.closed) return;
      const t = this.host.clock.now();
      const left = c.heard + c.holdFor - t;
      if (left > 0) {
        c.holdAt = t + left;
        c.holdTimer = this.host.clock.setTimeout(fire, left);
        return;
      }
      this.fail(c, { code: ERR_HOLD_TIMER, subcode: 0, data: new Uint8Array(0) }, `no message from the peer for ${c.holdFor / 1000} s`);
    };
    c.holdAt = now + ms;
    c.holdTimer = this.host.clock.setTimeout(fire, ms);
  }

  private stopHold(c: Conn): void {
    c.holdTimer?.cancel();
    c.holdTimer = null;
  }

  private armKeepalive(c: Conn): void {
    c.kaTimer?.cancel();
    c.kaTimer = null;
    if (c.keepaliveMs <= 0) return;
    c.kaTimer = this.host.clock.setInterval(() => {
      if (c.closed) return;
      // An UPDATE sent since the last tick already told the peer we are alive.
      if (this.host.clock.now() - this.lastWrite < c.keepaliveMs && c.state === 'Established' && this.lastWriteWasUpdate) return;
      this.send(c, encodeKeepalive());
      this.counters.keepalivesOut++;
      this.lastWriteWasUpdate = false;
    }, c.keepaliveMs);
  }
  private lastWriteWasUpdate = false;

  private configuredHold(): number {
    return this.cfg.holdTime ?? this.settings.holdTime;
  }
  private configuredKeepalive(): number {
    return this.cfg.keepalive ?? this.settings.keepalive;
  }

  // ------------------------------------------------------------------ output

  private send(c: Conn, msg: Uint8Array): boolean {
    this.counters.msgsOut++;
    this.lastWrite = this.host.clock.now();
    return c.t.write(msg);
  }

  /** Sends UPDATE messages on the established session; false when none is up or the buffer is full. */
  sendUpdates(msgs: readonly Uint8Array[]): boolean {
    const c = this.session;
    if (c === null) return false;
    let ok = true;
    for (const m of msgs) {
      ok = this.send(c, m) && ok;
      this.counters.updatesOut++;
    }
    this.lastWriteWasUpdate = msgs.length > 0 || this.lastWriteWasUpdate;
    return ok;
  }

  /** Asks the peer to send its table again (RFC 2918); false when it cannot. */
  requestRefresh(): boolean {
    const c = this.session;
    if (c === null || !this.peerRouteRefresh) return false;
    this.send(c, encodeRouteRefresh(AFI_IPV4, SAFI_UNICAST));
    this.counters.refreshOut++;
    return true;
  }

  // ------------------------------------------------------------------ state

  /** The most advanced connection decides what `show` calls the state. */
  private refreshState(): void {
    if (this.session !== null) return;
    const order: ConnState[] = ['OpenConfirm', 'OpenSent', 'Connect'];
    for (const s of order) {
      if (this.conns.some((c) => c.state === s && !c.closed)) {
        this.setState(s);
        return;
      }
    }
    if (this.running) this.setState(this.idleTimer !== null ? 'Idle' : 'Active');
  }

  private setState(s: PeerState): void {
    if (s === this.state) return;
    const from = this.state;
    this.state = s;
    const sev = s === 'Established' ? 'notice' : 'info';
    this.host.log(this, `${from} -> ${s}`, sev);
  }
}
