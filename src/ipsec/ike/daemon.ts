// The IKEv2 daemon (RFC 7296): every IKE SA of the appliance, the peers they belong to, and the
// exchanges that make, rekey, check and delete them. It is independent of the engine: datagrams
// come in through `receive` and go out through an IkeIo; the CHILD SAs it negotiates are
// looked up by the ESP layer (`childBySpi`, `outbound`).
//
//   IKE_SA_INIT   proposals, KE (INVALID_KE_PAYLOAD retry), nonces, NAT detection, COOKIE
//                 (required once `cookieThreshold` SAs are half-open; none beyond `maxHalfOpen`)
//   IKE_AUTH      PSK authentication both ways, the first CHILD SA
//   CREATE_CHILD_SA  rekeying of CHILD SAs and of the IKE SA (either side), new CHILD SAs
//   INFORMATIONAL dead peer detection, deletes, notifies
//
// Windows: one outstanding request each way; a request is retransmitted on the schedule
// `retransmitMs` (strongSwan's: 4 s x 1.8^n, five times) and its answer must carry its id; a
// retransmitted request of the peer gets our cached response again. Anything malformed,
// unauthenticated or out of window is counted and dropped; `receive` never throws.

import { createHash, randomBytes, randomInt } from 'node:crypto';
import { formatIpv4, type Ipv4 } from '../../net/addr.js';
import type { Clock, Timer } from '../../util/clock.js';
import { espSuiteName, ikeSuiteName, type IkeSuite } from '../crypto/algorithms.js';
import { newDhKeyPair } from '../crypto/dh.js';
import { concat, equalBytes } from '../crypto/prf.js';
import {
  AUTH_SHARED_KEY, EXCHANGE, FLAG_INITIATOR, FLAG_RESPONSE, ID_IPV4_ADDR, ID_FQDN, ID_KEY_ID, ID_RFC822_ADDR,
  IKE_HEADER_LEN, isErrorNotify, NATT_PORT, NOTIFY, NOTIFY_NAMES, PROTO_ESP, PROTO_IKE,
} from './constants.js';
import { deriveChildKeys, deriveIkeKeys, initialSkeyseed, pskAuth, rekeySkeyseed, skKeys } from './keys.js';
import {
  decodeChain, decodeHeader, describe, encodeBody, encodePlain, findNotify, findPayload, hex, type HeaderFields, type IkeHeader,
  type OutPayload, type Payload, type Proposal, type TrafficSelector,
} from './message.js';
import { chooseEsp, chooseIke, espProposal, espSuiteOf, ikeProposal, ikeSuiteOf, spiBytes, spiNumber } from './proposals.js';
import { ChildSa, IkeSa, lifetimes, type OutRequest, type PeerSettings } from './sa.js';
import { formatSelectors, narrow } from './selectors.js';
import { decryptMessage, encryptMessage } from './sk.js';

export interface IkeIo {
  /** Sends an IKE message from local:lport to remote:rport (the non-ESP marker on 4500 is the transport's). */
  sendIke(local: Ipv4, remote: Ipv4, lport: number, rport: number, data: Uint8Array): boolean;
  /** The local address toward `remote`, for a peer without a configured one. */
  sourceFor(remote: Ipv4): Ipv4 | null;
}

export type IkeSeverity = 'err' | 'warning' | 'notice' | 'info' | 'debug';
export type IkeLog = (severity: IkeSeverity, text: string) => void;

export interface IkeDaemonOptions {
  /** Waits before each retransmission; the request fails after the last (default 4, 7.2, 13, 23.3, 42 s). */
  readonly retransmitMs?: readonly number[];
  /** A half-open IKE SA (IKE_AUTH not done) is dropped after this long (default 30 s). */
  readonly halfOpenTimeoutMs?: number;
  /** Half-open SAs from which a new IKE_SA_INIT must carry a COOKIE (default 10). */
  readonly cookieThreshold?: number;
  /** Half-open SAs beyond which IKE_SA_INIT is refused outright (default 1000). */
  readonly maxHalfOpen?: number;
  /** Waits before re-initiating a failed connection-type initiate peer (default 5 s, doubling up to maxRetryMs). */
  readonly retryMs?: number;
  /** The longest wait between attempts (default 5 min). */
  readonly maxRetryMs?: number;
  /** Jitter source for the rekey times, 0 <= x < 1 (default crypto-random). */
  readonly jitter?: () => number;
}

export class IkeCounters {
  received = 0;
  sent = 0;
  /** Datagrams that did not decode (header, payloads, lengths). */
  malformed = 0;
  /** Messages for an IKE SA we do not have. */
  unknownSpi = 0;
  /** Requests or responses outside the message-id window. */
  badMessageId = 0;
  /** Encrypted payloads whose ICV did not check (or did not decrypt). */
  integrityFailures = 0;
  /** Peers whose AUTH did not verify, and peers that refused ours. */
  authFailures = 0;
  cookiesSent = 0;
  /** IKE_SA_INIT refused because too many SAs were half-open. */
  halfOpenRefused = 0;
  retransmits = 0;
  /** Requests that got no answer after every retransmission. */
  timeouts = 0;
  /** Proposals we could not accept (ours or the peer's). */
  noProposal = 0;
  invalidKe = 0;
  /** Exceptions caught (should stay 0). */
  internalErrors = 0;
  ikeSasEstablished = 0;
  childSasInstalled = 0;
  ikeRekeys = 0;
  childRekeys = 0;
  dpdSent = 0;
}

const DEFAULT_RETRANSMIT = [4000, 7200, 12960, 23328, 41990];
const COOKIE_SECRET_MS = 120_000;
/** How long a rekey responder waits for the old CHILD SA's delete before sending on the new one. */
const REKEY_ACTIVATE_MS = 5000;
/** How long an IKE SA replaced by a rekey waits for its delete. */
const REKEYED_LINGER_MS = 30_000;

interface PeerState {
  settings: PeerSettings;
  /** When a connection-type initiate peer may try again, and the next wait. */
  retryAt: number;
  retryWait: number;
}

export class IkeDaemon {
  readonly counters = new IkeCounters();
  private readonly sas = new Map<string, IkeSa>();
  /** Half-open responder SAs by `remote spiI` (a retransmitted IKE_SA_INIT). */
  private readonly initIndex = new Map<string, IkeSa>();
  private readonly children = new Map<number, ChildSa>();
  private readonly peers = new Map<number, PeerState>();
  private nextIkeId = 1;
  private nextChildId = 1;
  private cookieSecret = randomBytes(16);
  private prevCookieSecret = randomBytes(16);
  private cookieVersion = 1;
  private cookieRotatedAt: number;
  private ticker: Timer | null = null;
  private readonly retransmitMs: readonly number[];
  private readonly halfOpenTimeoutMs: number;
  private readonly cookieThreshold: number;
  private readonly maxHalfOpen: number;
  private readonly retryMs: number;
  private readonly maxRetryMs: number;
  private readonly jitter: () => number;
  private logBudget = 20;
  private logBudgetAt = 0;
  /** Called whenever a CHILD SA is installed, activated or removed (the VTIs look again). */
  onChildChange: (child: ChildSa, what: 'up' | 'down') => void = () => {};

  constructor(private readonly io: IkeIo, private readonly clock: Clock, private readonly log: IkeLog, opts: IkeDaemonOptions = {}) {
    this.retransmitMs = opts.retransmitMs ?? DEFAULT_RETRANSMIT;
    this.halfOpenTimeoutMs = opts.halfOpenTimeoutMs ?? 30_000;
    this.cookieThreshold = opts.cookieThreshold ?? 10;
    this.maxHalfOpen = opts.maxHalfOpen ?? 1000;
    this.retryMs = opts.retryMs ?? 5000;
    this.maxRetryMs = opts.maxRetryMs ?? 300_000;
    this.jitter = opts.jitter ?? (() => randomInt(0, 1_000_000) / 1_000_000);
    this.cookieRotatedAt = clock.now();
  }

  // =============================================================================== API

  /** Brings the peers in line with the configuration: removed or changed peers lose their SAs. */
  setPeers(list: readonly PeerSettings[]): void {
    const want = new Map(list.map((p) => [p.remote >>> 0, p]));
    for (const [addr, st] of [...this.peers]) {
      const w = want.get(addr);
      if (w === undefined || JSON.stringify(settingsKey(w)) !== JSON.stringify(settingsKey(st.settings))) {
        for (const sa of this.sasOf(addr as Ipv4)) this.deleteIkeSa(sa, w === undefined ? 'peer removed from the configuration' : 'peer configuration changed');
        this.peers.delete(addr);
      }
    }
    for (const [addr, p] of want) {
      const st = this.peers.get(addr);
      if (st) {
        st.settings = p;
        for (const sa of this.sasOf(addr as Ipv4)) sa.peer = p;
      }
      else this.peers.set(addr, { settings: p, retryAt: this.clock.now(), retryWait: this.retryMs });
    }
    this.arm();
    this.tick();
  }

  /** The IKE SAs (any state), in creation order. */
  list(): IkeSa[] {
    return [...this.sas.values()].sort((a, b) => a.id - b.id);
  }

  peerSettings(remote: Ipv4): PeerSettings | undefined {
    return this.peers.get(remote >>> 0)?.settings;
  }

  /** The CHILD SA whose inbound SPI is `spi`. */
  childBySpi(spi: number): ChildSa | undefined {
    return this.children.get(spi >>> 0);
  }

  /** The CHILD SA that carries traffic to `remote` now (the newest usable one), or null. */
  outbound(remote: Ipv4): ChildSa | null {
    let best: ChildSa | null = null;
    for (const sa of this.sas.values()) {
      if (sa.remote !== remote >>> 0 || !(sa.established || sa.state === 'REKEYED')) continue;
      for (const c of sa.children) {
        if (!c.outboundActive || (c.state !== 'INSTALLED' && c.state !== 'REKEYING')) continue;
        if (best === null || c.installedAt >= best.installedAt) best = c;
      }
    }
    return best;
  }

  /** Traffic for `remote` found no CHILD SA: a connection-type initiate peer starts one. */
  acquire(remote: Ipv4): void {
    const st = this.peers.get(remote >>> 0);
    if (!st || !st.settings.initiate) return;
    if (this.sasOf(remote).some((s) => s.state !== 'DELETING' && s.state !== 'DESTROYED')) return;
    if (this.clock.now() < st.retryAt) return;
    this.initiate(st.settings);
  }

  /** An authenticated ESP packet came from the SA's peer (dead peer detection counts it). */
  heard(child: ChildSa): void {
    child.ike.lastHeard = this.clock.now();
  }

  /** `clear vpn ipsec sa`: deletes the SAs (of one peer or all) with the peer told; initiate peers come back. */
  clear(remote?: Ipv4): number {
    let n = 0;
    for (const sa of this.list()) {
      if (remote !== undefined && sa.remote !== remote >>> 0) continue;
      this.deleteIkeSa(sa, 'cleared by the operator');
      n++;
    }
    for (const st of this.peers.values()) st.retryAt = this.clock.now();
    this.tick();
    return n;
  }

  close(): void {
    this.ticker?.cancel();
    this.ticker = null;
    for (const sa of this.list()) this.destroy(sa, 'shutting down', false);
    this.peers.clear();
  }

  /** The number of half-open IKE SAs (IKE_AUTH not finished). */
  halfOpen(): number {
    let n = 0;
    for (const sa of this.sas.values()) if (sa.state === 'CONNECTING' || sa.state === 'AUTHENTICATING') n++;
    return n;
  }

  // =============================================================================== receive

  /** An IKE datagram (on 4500 without its non-ESP marker) from remote:rport to local:lport. */
  receive(local: Ipv4, remote: Ipv4, lport: number, rport: number, data: Uint8Array): void {
    this.counters.received++;
    try {
      this.dispatch(local >>> 0 as Ipv4, remote >>> 0 as Ipv4, lport, rport, data);
    } catch (e) {
      this.counters.internalErrors++;
      this.log('err', `internal error on a message from ${formatIpv4(remote)}: ${(e as Error)?.stack ?? String(e)}`);
    }
  }

  private dispatch(local: Ipv4, remote: Ipv4, lport: number, rport: number, data: Uint8Array): void {
    const hr = decodeHeader(data, data.length);
    if (!hr.ok) return this.malformed(remote, hr.reason);
    const h = hr.value;
    if ((h.version >>> 4) !== 2) return this.malformed(remote, `IKE version ${h.version >>> 4}`);
    const response = (h.flags & FLAG_RESPONSE) !== 0;
    const fromInitiator = (h.flags & FLAG_INITIATOR) !== 0;
    if (h.exchange === EXCHANGE.IKE_SA_INIT) {
      if (!response && fromInitiator && isZero(h.spiR)) return this.initRequest(local, remote, lport, rport, data, h);
      if (response && !fromInitiator) {
        const sa = this.sas.get(hex(h.spiI));
        if (!sa || !sa.initiator || sa.state !== 'CONNECTING' || sa.remote !== remote) return this.unknown(remote, h);
        return this.initResponse(sa, data, h, rport);
      }
      return this.malformed(remote, 'IKE_SA_INIT with unexpected flags or SPIs');
    }
    const mySpi = fromInitiator ? h.spiR : h.spiI;
    const sa = this.sas.get(hex(mySpi));
    if (!sa || sa.remote !== remote || !sa.keys || sa.state === 'DESTROYED') return this.unknown(remote, h);
    if (sa.initiator === fromInitiator || !equalBytes(sa.spiI, 0, h.spiI, 0, 8) || !equalBytes(sa.spiR, 0, h.spiR, 0, 8)) {
      return this.unknown(remote, h);
    }
    if (response) {
      const out = sa.outstanding;
      if (out === null || out.msgId !== h.msgId || out.exchange !== h.exchange) {
        this.counters.badMessageId++;
        return this.noisy('debug', `${this.saName(sa)}: response ${h.msgId} out of window, dropped`);
      }
      const payloads = this.open(sa, data, h);
      if (payloads === null) return;
      this.floatPorts(sa, lport, rport);
      sa.lastHeard = this.clock.now();
      this.cancelRetransmit(out);
      sa.outstanding = null;
      this.log('debug', `${this.saName(sa)}: parsed ${describe(h.exchange, h.flags, h.msgId, payloads)}`);
      out.onResponse(payloads);
      this.pump(sa);
      return;
    }
    if (h.msgId === sa.expectRequestId - 1 && sa.lastResponse !== null && sa.lastResponse.msgId === h.msgId) {
      if (this.open(sa, data, h) === null) return;
      this.counters.retransmits++;
      this.log('debug', `${this.saName(sa)}: request ${h.msgId} retransmitted by the peer, sending our response again`);
      this.send(sa, sa.lastResponse.bytes);
      return;
    }
    if (h.msgId !== sa.expectRequestId) {
      this.counters.badMessageId++;
      return this.noisy('debug', `${this.saName(sa)}: request ${h.msgId} out of window (expected ${sa.expectRequestId}), dropped`);
    }
    const payloads = this.open(sa, data, h);
    if (payloads === null) return;
    this.floatPorts(sa, lport, rport);
    sa.lastHeard = this.clock.now();
    sa.expectRequestId++;
    this.log('debug', `${this.saName(sa)}: parsed ${describe(h.exchange, h.flags, h.msgId, payloads)}`);
    const critical = payloads.find((p) => p.type === -1 && p.critical);
    if (critical && critical.type === -1) {
      this.respond(sa, h, [notify(NOTIFY.UNSUPPORTED_CRITICAL_PAYLOAD, Uint8Array.of(critical.payloadType))]);
      return;
    }
    switch (h.exchange) {
      case EXCHANGE.IKE_AUTH:
        return this.authRequest(sa, h, payloads);
      case EXCHANGE.CREATE_CHILD_SA:
        return this.createChildRequest(sa, h, payloads);
      case EXCHANGE.INFORMATIONAL:
        return this.informationalRequest(sa, h, payloads);
      default:
        this.respond(sa, h, [notify(NOTIFY.INVALID_SYNTAX)]);
    }
  }

  /** Checks and decrypts an encrypted message; null (counted, logged) when it is not one of ours. */
  private open(sa: IkeSa, data: Uint8Array, h: IkeHeader): Payload[] | null {
    const chain = decodeChain(data, IKE_HEADER_LEN, data.length, h.nextPayload);
    if (!chain.ok) {
      this.malformed(sa.remote, chain.reason);
      return null;
    }
    const sk = chain.value[chain.value.length - 1];
    if (sk === undefined || sk.type !== 46) {
      this.malformed(sa.remote, `${describe(h.exchange, h.flags, h.msgId, chain.value)} without an encrypted payload`);
      return null;
    }
    const fromInitiator = (h.flags & FLAG_INITIATOR) !== 0;
    const r = decryptMessage(data, data.length, sk.offset, sk.firstInner, skKeys(sa.keys!, fromInitiator));
    if (!r.ok) {
      if (/integrity/.test(r.reason)) this.counters.integrityFailures++;
      else this.counters.malformed++;
      this.noisy('warning', `${this.saName(sa)}: message ${h.msgId} from ${formatIpv4(sa.remote)} dropped: ${r.reason}`);
      return null;
    }
    return r.value;
  }

  private floatPorts(sa: IkeSa, lport: number, rport: number): void {
    if (lport === NATT_PORT && sa.lport !== NATT_PORT) sa.lport = NATT_PORT;
    if (sa.lport === NATT_PORT) sa.rport = rport;
  }

  private malformed(remote: Ipv4, reason: string): void {
    this.counters.malformed++;
    this.noisy('warning', `malformed IKE message from ${formatIpv4(remote)} dropped: ${reason}`);
  }

  private unknown(remote: Ipv4, h: IkeHeader): void {
    this.counters.unknownSpi++;
    this.noisy('info', `${describe(h.exchange, h.flags, h.msgId, [])} from ${formatIpv4(remote)} for unknown IKE SA ${hex(h.spiI)}_i ${hex(h.spiR)}_r dropped`);
  }

  /** Logs at most 20 such lines a second (a flood must not flush the log), then says how many it skipped. */
  private noisy(sev: IkeSeverity, text: string): void {
    const now = this.clock.now();
    if (now - this.logBudgetAt >= 1000) {
      if (this.logBudget < 0) this.log('warning', `${-this.logBudget} more bad IKE messages not logged`);
      this.logBudget = 20;
      this.logBudgetAt = now;
    }
    if (this.logBudget-- > 0) this.log(sev, text);
  }

  // =============================================================================== sending

  private send(sa: IkeSa, bytes: Uint8Array): void {
    this.counters.sent++;
    this.io.sendIke(sa.local, sa.remote, sa.lport, sa.rport, bytes);
  }

  private header(sa: IkeSa, exchange: number, msgId: number, response: boolean): HeaderFields {
    return { spiI: sa.spiI, spiR: sa.spiR, exchange, msgId, flags: (sa.initiator ? FLAG_INITIATOR : 0) | (response ? FLAG_RESPONSE : 0) };
  }

  private respond(sa: IkeSa, h: IkeHeader, payloads: OutPayload[]): void {
    const hf = this.header(sa, h.exchange, h.msgId, true);
    this.log('debug', `${this.saName(sa)}: generating ${describe(h.exchange, hf.flags, h.msgId, payloads)}`);
    const bytes = encryptMessage(hf, payloads, skKeys(sa.keys!, sa.initiator));
    sa.lastResponse = { msgId: h.msgId, bytes };
    this.send(sa, bytes);
  }

  /** Queues a request on the SA (sent when the window is free). */
  private request(sa: IkeSa, exchange: number, what: string, payloads: () => OutPayload[], onResponse: (p: readonly Payload[]) => void,
    onTimeout: () => void, opts: { deadlineMs?: number } = {}): void {
    const req: OutRequest & { deadlineMs?: number } = {
      exchange, what, onResponse, onTimeout,
      build: (msgId) => {
        const p = payloads();
        const hf = this.header(sa, exchange, msgId, false);
        this.log('debug', `${this.saName(sa)}: generating ${describe(exchange, hf.flags, msgId, p)}`);
        return encryptMessage(hf, p, skKeys(sa.keys!, sa.initiator));
      },
      ...(opts.deadlineMs !== undefined ? { deadlineMs: opts.deadlineMs } : {}),
    };
    sa.queue.push(req);
    this.pump(sa);
  }

  private pump(sa: IkeSa): void {
    if (sa.outstanding !== null || sa.queue.length === 0 || sa.state === 'DESTROYED' || !sa.keys) return;
    const req = sa.queue.shift()! as OutRequest & { deadlineMs?: number };
    req.msgId = sa.nextRequestId++;
    req.bytes = req.build(req.msgId);
    req.tries = 0;
    sa.outstanding = req;
    this.send(sa, req.bytes);
    this.armRetransmit(sa, req, req.deadlineMs !== undefined ? this.clock.now() + req.deadlineMs : Infinity);
  }

  private armRetransmit(sa: IkeSa, req: OutRequest, deadline: number): void {
    const wait = this.retransmitMs[req.tries!];
    const now = this.clock.now();
    if (wait === undefined || now >= deadline) {
      req.timer = null;
      sa.outstanding = null;
      this.counters.timeouts++;
      this.log('notice', `${this.saName(sa)}: giving up on ${req.what} after ${req.tries} retransmits`);
      req.onTimeout();
      return;
    }
    req.timer = this.clock.setTimeout(() => {
      if (sa.outstanding !== req || sa.state === 'DESTROYED') return;
      if (req.tries! + 1 <= this.retransmitMs.length - 1 && this.clock.now() < deadline) {
        req.tries!++;
        this.counters.retransmits++;
        this.log('info', `${this.saName(sa)}: retransmit ${req.tries} of ${req.what} request ${req.msgId}`);
        this.send(sa, req.bytes!);
      } else {
        req.tries = this.retransmitMs.length;
      }
      this.armRetransmit(sa, req, deadline);
    }, Math.min(wait, deadline - now));
  }

  private cancelRetransmit(req: OutRequest): void {
    req.timer?.cancel();
    req.timer = null;
  }

  // =============================================================================== IKE_SA_INIT

  /** Starts an IKE SA with the peer (we are the initiator). */
  initiate(p: PeerSettings): IkeSa | null {
    const local = p.local ?? this.io.sourceFor(p.remote);
    if (local === null) {
      this.log('warning', `${p.name}: no route to ${formatIpv4(p.remote)}, cannot initiate`);
      this.backoff(p.remote);
      return null;
    }
    if (p.secret === null) {
      this.log('err', `${p.name}: the pre-shared secret cannot be read (missing or wrong key file), not initiating`);
      this.backoff(p.remote);
      return null;
    }
    const sa = new IkeSa(this.nextIkeId++, p, true, this.freshIkeSpi(), new Uint8Array(8), local, p.remote, this.clock.now());
    this.sas.set(hex(sa.spiI), sa);
    sa.ni = randomBytes(32);
    this.log('notice', `initiating IKE_SA ${this.saName(sa)} to ${formatIpv4(p.remote)}`);
    this.sendInit(sa, p.ikeSuites[0]!.dh.group);
    this.arm();
    return sa;
  }

  private sendInit(sa: IkeSa, group: number): void {
    const p = sa.peer;
    const dhAlg = p.ikeSuites.find((s) => s.dh.group === group)!.dh;
    sa.dh = newDhKeyPair(dhAlg);
    // Proposals with the KE's group first, so that a responder preferring ours picks it.
    const suites = [...p.ikeSuites.filter((s) => s.dh.group === group), ...p.ikeSuites.filter((s) => s.dh.group !== group)];
    const payloads: OutPayload[] = [
      ...(sa.cookie ? [notify(NOTIFY.COOKIE, sa.cookie)] : []),
      { type: 33, proposals: suites.map((s, i) => ikeProposal(i + 1, s)) },
      { type: 34, group, data: sa.dh.publicValue },
      { type: 40, data: sa.ni },
      ...this.natNotifies(sa),
    ];
    const hf = this.header(sa, EXCHANGE.IKE_SA_INIT, 0, false);
    this.log('debug', `${this.saName(sa)}: generating ${describe(EXCHANGE.IKE_SA_INIT, hf.flags, 0, payloads)}`);
    sa.initRequest = encodePlain(hf, payloads);
    const req: OutRequest = {
      exchange: EXCHANGE.IKE_SA_INIT, what: 'IKE_SA_INIT', build: () => sa.initRequest, onResponse: () => {},
      onTimeout: () => this.failed(sa, `no answer to IKE_SA_INIT from ${formatIpv4(sa.remote)}`),
      msgId: 0, bytes: sa.initRequest, tries: 0,
    };
    if (sa.outstanding) this.cancelRetransmit(sa.outstanding);
    sa.outstanding = req;
    sa.nextRequestId = 1;
    this.send(sa, sa.initRequest);
    this.armRetransmit(sa, req, Infinity);
  }

  /** NAT_DETECTION_SOURCE_IP / DESTINATION_IP (§2.23); a forced encapsulation fakes the source one. */
  private natNotifies(sa: IkeSa): OutPayload[] {
    const src = sa.peer.forceEncap ? randomBytes(20) : natHash(sa.spiI, sa.spiR, sa.local, sa.lport);
    return [notify(NOTIFY.NAT_DETECTION_SOURCE_IP, src), notify(NOTIFY.NAT_DETECTION_DESTINATION_IP, natHash(sa.spiI, sa.spiR, sa.remote, sa.rport))];
  }

  /** NAT detection from the peer's notifies: whether the peer (source) or we (destination) are behind a NAT. */
  private detectNat(sa: IkeSa, payloads: readonly Payload[], rport: number): void {
    const srcs = payloads.filter((p): p is Extract<Payload, { type: 41 }> => p.type === 41 && p.notify === NOTIFY.NAT_DETECTION_SOURCE_IP);
    const dst = findNotify(payloads as Payload[], NOTIFY.NAT_DETECTION_DESTINATION_IP);
    if (srcs.length === 0 || dst === undefined) return;
    const theirs = natHash(sa.spiI, sa.spiR, sa.remote, rport);
    sa.natRemote = !srcs.some((s) => s.data.length === 20 && equalBytes(s.data, 0, theirs, 0, 20));
    const ours = natHash(sa.spiI, sa.spiR, sa.local, sa.lport);
    sa.natLocal = sa.peer.forceEncap || !(dst.data.length === 20 && equalBytes(dst.data, 0, ours, 0, 20));
    if (sa.natRemote) this.log('info', `${this.saName(sa)}: remote host is behind NAT`);
    if (sa.natLocal) this.log('info', `${this.saName(sa)}: local host is behind NAT${sa.peer.forceEncap ? ' (faked: forced encapsulation)' : ''}`);
  }

  private initResponse(sa: IkeSa, data: Uint8Array, h: IkeHeader, rport: number): void {
    const chain = decodeChain(data, IKE_HEADER_LEN, data.length, h.nextPayload);
    if (!chain.ok) return this.malformed(sa.remote, chain.reason);
    const payloads = chain.value;
    this.log('debug', `${this.saName(sa)}: parsed ${describe(h.exchange, h.flags, h.msgId, payloads)}`);
    if (h.msgId !== 0) {
      this.counters.badMessageId++;
      return;
    }
    const cookie = findNotify(payloads, NOTIFY.COOKIE);
    if (cookie) {
      if (sa.cookieTries++ >= 3 || cookie.data.length < 1 || cookie.data.length > 64) return this.failed(sa, 'the peer keeps asking for a COOKIE');
      this.log('info', `${this.saName(sa)}: received COOKIE, restarting IKE_SA_INIT with it`);
      sa.cookie = cookie.data.slice();
      return this.sendInit(sa, sa.dh!.group);
    }
    const invalidKe = findNotify(payloads, NOTIFY.INVALID_KE_PAYLOAD);
    if (invalidKe) {
      this.counters.invalidKe++;
      const group = invalidKe.data.length === 2 ? (invalidKe.data[0]! << 8) | invalidKe.data[1]! : -1;
      if (sa.keTries++ >= 2 || !sa.peer.ikeSuites.some((s) => s.dh.group === group)) {
        return this.failed(sa, `the peer wants DH group ${group}, which is not proposed`);
      }
      this.log('info', `${this.saName(sa)}: peer didn't accept DH group ${sa.dh!.group}, it requested ${group}`);
      return this.sendInit(sa, group);
    }
    const err = payloads.find((p) => p.type === 41 && isErrorNotify(p.notify));
    if (err && err.type === 41) {
      if (err.notify === NOTIFY.NO_PROPOSAL_CHOSEN) this.counters.noProposal++;
      return this.failed(sa, `the peer refused IKE_SA_INIT: ${NOTIFY_NAMES[err.notify] ?? err.notify}`);
    }
    const saP = findPayload(payloads, 33), ke = findPayload(payloads, 34), nr = findPayload(payloads, 40);
    if (!saP || !ke || !nr || saP.proposals.length !== 1) return this.malformed(sa.remote, 'IKE_SA_INIT response without SA, KE or nonce');
    const suite = ikeSuiteOf(saP.proposals[0]!);
    if (!suite || !sa.peer.ikeSuites.some((s) => sameIkeSuite(s, suite))) {
      this.counters.noProposal++;
      return this.failed(sa, 'the peer chose a proposal we did not offer');
    }
    if (ke.group !== sa.dh!.group || suite.dh.group !== ke.group) return this.failed(sa, `the peer's KE is of group ${ke.group}, not ${sa.dh!.group}`);
    const gir = sa.dh!.shared(ke.data);
    if (gir === null) return this.failed(sa, 'the peer\'s KE public value is unusable');
    if (h.spiR.length !== 8 || isZero(h.spiR)) return this.malformed(sa.remote, 'IKE_SA_INIT response without a responder SPI');
    this.cancelRetransmit(sa.outstanding!);
    sa.outstanding = null;
    sa.spiR = h.spiR.slice();
    sa.nr = nr.data.slice();
    sa.initResponse = data.slice();
    sa.suite = suite;
    sa.keys = deriveIkeKeys(suite, initialSkeyseed(suite, sa.ni, sa.nr, gir), sa.ni, sa.nr, sa.spiI, sa.spiR);
    sa.dh = null;
    sa.lastHeard = this.clock.now();
    this.detectNat(sa, payloads, rport);
    if (sa.natLocal || sa.natRemote) {
      sa.lport = NATT_PORT;
      sa.rport = NATT_PORT;
    }
    sa.state = 'AUTHENTICATING';
    this.sendAuth(sa);
  }

  private initRequest(local: Ipv4, remote: Ipv4, lport: number, rport: number, data: Uint8Array, h: IkeHeader): void {
    const key = `${remote} ${hex(h.spiI)}`;
    const known = this.initIndex.get(key);
    if (known) {
      // A retransmission of an IKE_SA_INIT we answered: the same answer again.
      if (known.state !== 'DESTROYED' && known.initResponse.length > 0 && equalBytes(known.initRequest, 0, data, 0, Math.min(data.length, known.initRequest.length)) && known.initRequest.length === data.length) {
        this.counters.retransmits++;
        this.send(known, known.initResponse);
      }
      return;
    }
    const chain = decodeChain(data, IKE_HEADER_LEN, data.length, h.nextPayload);
    if (!chain.ok) return this.malformed(remote, chain.reason);
    const payloads = chain.value;
    if (h.msgId !== 0) return this.malformed(remote, `IKE_SA_INIT request with message id ${h.msgId}`);
    const hf: HeaderFields = { spiI: h.spiI, spiR: new Uint8Array(8), exchange: EXCHANGE.IKE_SA_INIT, msgId: 0, flags: FLAG_RESPONSE };
    const refuse = (n: OutPayload[], why: string, sev: IkeSeverity = 'notice') => {
      this.noisy(sev, `IKE_SA_INIT from ${formatIpv4(remote)}: ${why}`);
      this.counters.sent++;
      this.io.sendIke(local, remote, lport, rport, encodePlain(hf, n));
    };
    const ni = findPayload(payloads, 40);
    const half = this.halfOpen();
    if (half >= this.maxHalfOpen) {
      this.counters.halfOpenRefused++;
      return this.noisy('warning', `IKE_SA_INIT from ${formatIpv4(remote)} refused: ${half} IKE SAs half-open`);
    }
    if (half >= this.cookieThreshold) {
      const c = findNotify(payloads, NOTIFY.COOKIE);
      if (!ni) return this.malformed(remote, 'IKE_SA_INIT without a nonce');
      if (!c || !this.cookieValid(c.data, ni.data, remote, h.spiI)) {
        this.counters.cookiesSent++;
        this.noisy('info', `IKE_SA_INIT from ${formatIpv4(remote)}: ${half} IKE SAs half-open, asking for a COOKIE`);
        this.counters.sent++;
        this.io.sendIke(local, remote, lport, rport, encodePlain(hf, [notify(NOTIFY.COOKIE, this.makeCookie(ni.data, remote, h.spiI))]));
        return;
      }
    }
    const st = this.peers.get(remote);
    this.log('info', `${formatIpv4(remote)} is initiating an IKE_SA`);
    if (!st) {
      this.counters.noProposal++;
      return refuse([notify(NOTIFY.NO_PROPOSAL_CHOSEN)], `no IKE config found for ${formatIpv4(local)}...${formatIpv4(remote)}, sending NO_PROPOSAL_CHOSEN`);
    }
    const p = st.settings;
    const saP = findPayload(payloads, 33), ke = findPayload(payloads, 34);
    if (!saP || !ke || !ni) return refuse([notify(NOTIFY.INVALID_SYNTAX)], 'missing SA, KE or nonce, sending INVALID_SYNTAX', 'warning');
    const spiR = this.freshIkeSpi();
    const choice = chooseIke(saP.proposals, p.ikeSuites);
    if (!choice) {
      this.counters.noProposal++;
      return refuse([notify(NOTIFY.NO_PROPOSAL_CHOSEN)], `no acceptable proposal (we want ${p.ikeSuites.map(ikeSuiteName).join(', ')}), sending NO_PROPOSAL_CHOSEN`, 'warning');
    }
    if (ke.group !== choice.suite.dh.group) {
      this.counters.invalidKe++;
      return refuse([notify(NOTIFY.INVALID_KE_PAYLOAD, Uint8Array.of(choice.suite.dh.group >> 8, choice.suite.dh.group & 0xff))],
        `DH group ${ke.group} is not the selected ${choice.suite.dh.group}, sending INVALID_KE_PAYLOAD`, 'info');
    }
    const dh = newDhKeyPair(choice.suite.dh);
    const gir = dh.shared(ke.data);
    if (gir === null) return refuse([notify(NOTIFY.INVALID_SYNTAX)], 'unusable KE public value', 'warning');
    const myLocal = p.local ?? local;
    const sa = new IkeSa(this.nextIkeId++, p, false, h.spiI.slice(), spiR, myLocal, remote, this.clock.now());
    sa.lport = lport;
    sa.rport = rport;
    sa.suite = choice.suite;
    sa.ni = ni.data.slice();
    sa.nr = randomBytes(32);
    sa.initRequest = data.slice();
    sa.keys = deriveIkeKeys(choice.suite, initialSkeyseed(choice.suite, sa.ni, sa.nr, gir), sa.ni, sa.nr, sa.spiI, sa.spiR);
    this.detectNat(sa, payloads, rport);
    const out: OutPayload[] = [
      { type: 33, proposals: [choice.proposal] },
      { type: 34, group: choice.suite.dh.group, data: dh.publicValue },
      { type: 40, data: sa.nr },
      ...this.natNotifies(sa),
    ];
    const rh = this.header(sa, EXCHANGE.IKE_SA_INIT, 0, true);
    this.log('debug', `${this.saName(sa)}: generating ${describe(EXCHANGE.IKE_SA_INIT, rh.flags, 0, out)}`);
    sa.initResponse = encodePlain(rh, out);
    sa.expectRequestId = 1;
    this.sas.set(hex(spiR), sa);
    this.initIndex.set(key, sa);
    this.send(sa, sa.initResponse);
    this.arm();
  }

  private makeCookie(ni: Uint8Array, remote: Ipv4, spiI: Uint8Array, secret = this.cookieSecret, version = this.cookieVersion): Uint8Array {
    const h = createHash('sha1').update(ni).update(spiBytes(remote)).update(spiI).update(secret).digest();
    return concat(spiBytes(version), h);
  }

  private cookieValid(cookie: Uint8Array, ni: Uint8Array, remote: Ipv4, spiI: Uint8Array): boolean {
    if (cookie.length !== 24) return false;
    const v = spiNumber(cookie.subarray(0, 4));
    const secret = v === this.cookieVersion ? this.cookieSecret : v === this.cookieVersion - 1 ? this.prevCookieSecret : null;
    if (secret === null) return false;
    const want = this.makeCookie(ni, remote, spiI, secret, v);
    return equalBytes(want, 0, cookie, 0, 24);
  }

  // =============================================================================== IKE_AUTH

  private idPayload(sa: IkeSa, type: 35 | 36): OutPayload {
    return { type, idType: ID_IPV4_ADDR, data: spiBytes(sa.local) };
  }

  private sendAuth(sa: IkeSa): void {
    const p = sa.peer;
    const idi = this.idPayload(sa, 35);
    const auth = pskAuth(sa.suite!, p.secret!, sa.initRequest, sa.nr, sa.keys!.skPi, encodeBody(idi));
    const inSpi = this.freshChildSpi();
    const initialContact = !this.list().some((o) => o !== sa && o.remote === sa.remote && o.established);
    this.request(sa, EXCHANGE.IKE_AUTH, 'IKE_AUTH', () => [
      idi,
      ...(initialContact ? [notify(NOTIFY.INITIAL_CONTACT)] : []),
      { type: 39, method: AUTH_SHARED_KEY, data: auth },
      { type: 33, proposals: p.espSuites.map((s, i) => espProposal(i + 1, s, spiBytes(inSpi), false)) },
      { type: 44, selectors: p.localTs },
      { type: 45, selectors: p.remoteTs },
    ], (r) => this.authResponse(sa, r, inSpi), () => this.failed(sa, 'no answer to IKE_AUTH'));
  }

  private authResponse(sa: IkeSa, payloads: readonly Payload[], inSpi: number): void {
    const authFailed = findNotify(payloads, NOTIFY.AUTHENTICATION_FAILED);
    if (authFailed) {
      this.counters.authFailures++;
      this.log('err', `${this.saName(sa)}: ${formatIpv4(sa.remote)} refused our authentication (AUTHENTICATION_FAILED): the pre-shared secrets differ`);
      return this.destroy(sa, 'authentication failed', true);
    }
    const idr = findPayload(payloads, 36), auth = findPayload(payloads, 39);
    if (!idr || !auth) {
      const err = payloads.find((p) => p.type === 41 && isErrorNotify(p.notify));
      return this.failed(sa, `IKE_AUTH refused${err && err.type === 41 ? `: ${NOTIFY_NAMES[err.notify] ?? err.notify}` : ' (no IDr or AUTH)'}`);
    }
    const want = pskAuth(sa.suite!, sa.peer.secret!, sa.initResponse, sa.ni, sa.keys!.skPr, encodeBody({ type: 36, idType: idr.idType, data: idr.data }));
    sa.remoteId = formatId(idr.idType, idr.data);
    if (auth.method !== AUTH_SHARED_KEY || auth.data.length !== want.length || !equalBytes(want, 0, auth.data, 0, want.length)) {
      this.counters.authFailures++;
      this.log('err', `${this.saName(sa)}: authentication of '${sa.remoteId}' with pre-shared key failed: its AUTH does not match our pre-shared secret`);
      this.request(sa, EXCHANGE.INFORMATIONAL, 'INFORMATIONAL', () => [notify(NOTIFY.AUTHENTICATION_FAILED)], () => {}, () => {});
      return this.destroy(sa, 'authentication failed', true);
    }
    this.log('info', `${this.saName(sa)}: authentication of '${sa.remoteId}' with pre-shared key successful`);
    this.established(sa);
    const childSa = findPayload(payloads, 33), tsi = findPayload(payloads, 44), tsr = findPayload(payloads, 45);
    if (!childSa || !tsi || !tsr || childSa.proposals.length !== 1) {
      const err = payloads.find((p) => p.type === 41 && isErrorNotify(p.notify));
      if (err && err.type === 41 && err.notify === NOTIFY.NO_PROPOSAL_CHOSEN) this.counters.noProposal++;
      this.log('warning', `${this.saName(sa)}: no CHILD_SA built${err && err.type === 41 ? `: the peer answered ${NOTIFY_NAMES[err.notify] ?? err.notify}` : ''}`);
      return;
    }
    const suite = espSuiteOf(childSa.proposals[0]!);
    if (!suite || !sa.peer.espSuites.some((s) => s.encr === suite.encr && s.integ === suite.integ)) {
      this.counters.noProposal++;
      this.log('warning', `${this.saName(sa)}: the peer chose an ESP proposal we did not offer, no CHILD_SA`);
      return;
    }
    const keys = deriveChildKeys(sa.suite!, sa.keys!.skD, suite, null, sa.ni, sa.nr);
    this.install(sa, suite, inSpi, spiNumber(childSa.proposals[0]!.spi), { inEk: keys.rEk, inAk: keys.rAk, outEk: keys.iEk, outAk: keys.iAk },
      tsi.selectors, tsr.selectors, true, null);
  }

  private authRequest(sa: IkeSa, h: IkeHeader, payloads: readonly Payload[]): void {
    if (sa.state !== 'AUTHENTICATING' || sa.initiator) {
      this.respond(sa, h, [notify(NOTIFY.INVALID_SYNTAX)]);
      return;
    }
    const idi = findPayload(payloads, 35), auth = findPayload(payloads, 39);
    if (!idi || !auth) {
      this.malformed(sa.remote, 'IKE_AUTH without IDi or AUTH');
      this.respond(sa, h, [notify(NOTIFY.INVALID_SYNTAX)]);
      return this.destroy(sa, 'bad IKE_AUTH', false);
    }
    sa.remoteId = formatId(idi.idType, idi.data);
    const p = sa.peer;
    if (p.secret === null) {
      this.counters.authFailures++;
      this.log('err', `${this.saName(sa)}: the pre-shared secret of ${formatIpv4(sa.remote)} cannot be read (missing or wrong key file): authentication of '${sa.remoteId}' refused`);
      this.respond(sa, h, [notify(NOTIFY.AUTHENTICATION_FAILED)]);
      return this.destroy(sa, 'authentication failed', false);
    }
    const want = pskAuth(sa.suite!, p.secret, sa.initRequest, sa.nr, sa.keys!.skPi, encodeBody({ type: 35, idType: idi.idType, data: idi.data }));
    if (auth.method !== AUTH_SHARED_KEY || auth.data.length !== want.length || !equalBytes(want, 0, auth.data, 0, want.length)) {
      this.counters.authFailures++;
      this.log('err', `${this.saName(sa)}: authentication of '${sa.remoteId}' with pre-shared key failed: its AUTH does not match our pre-shared secret`);
      this.respond(sa, h, [notify(NOTIFY.AUTHENTICATION_FAILED)]);
      return this.destroy(sa, 'authentication failed', false);
    }
    this.log('info', `${this.saName(sa)}: authentication of '${sa.remoteId}' with pre-shared key successful`);
    if (findNotify(payloads, NOTIFY.INITIAL_CONTACT)) {
      for (const o of this.sasOf(sa.remote)) {
        if (o !== sa) this.destroy(o, `the peer sent INITIAL_CONTACT (restarted): replaced by IKE_SA ${this.saName(sa)}`, false);
      }
    }
    const idr = this.idPayload(sa, 36);
    const myAuth = pskAuth(sa.suite!, p.secret, sa.initResponse, sa.ni, sa.keys!.skPr, encodeBody(idr));
    this.established(sa);
    const out: OutPayload[] = [idr, { type: 39, method: AUTH_SHARED_KEY, data: myAuth }];
    const childSa = findPayload(payloads, 33), tsi = findPayload(payloads, 44), tsr = findPayload(payloads, 45);
    if (childSa && tsi && tsr) out.push(...this.respondChild(sa, childSa.proposals, tsi.selectors, tsr.selectors, null, null, false));
    this.respond(sa, h, out);
  }

  /**
   * Our part of a new CHILD SA the peer asked for (IKE_AUTH, CREATE_CHILD_SA): the payloads of
   * the answer (SA, [Nr, KEr,] TSi, TSr, or an error notify). `nonces`/`ke` only in CREATE_CHILD_SA.
   */
  private respondChild(sa: IkeSa, proposals: readonly Proposal[], tsi: readonly TrafficSelector[], tsr: readonly TrafficSelector[],
    exchange: { ni: Uint8Array; ke: Extract<Payload, { type: 34 }> | undefined } | null, replaces: ChildSa | null, rekey: boolean): OutPayload[] {
    const p = sa.peer;
    const inSpi = this.freshChildSpi();
    const withDh = exchange !== null && exchange.ke !== undefined;
    const choice = chooseEsp(proposals, p.espSuites, withDh, spiBytes(inSpi));
    if (!choice) {
      this.counters.noProposal++;
      this.log('warning', `${this.saName(sa)}: no acceptable ESP proposal (we want ${p.espSuites.map(espSuiteName).join(', ')}), sending NO_PROPOSAL_CHOSEN`);
      return [notify(NOTIFY.NO_PROPOSAL_CHOSEN)];
    }
    if (exchange !== null && !withDh && p.espSuites.some((s) => s.dh !== null)) {
      this.counters.noProposal++;
      this.log('warning', `${this.saName(sa)}: the peer rekeys without PFS, which is configured: NO_PROPOSAL_CHOSEN`);
      return [notify(NOTIFY.NO_PROPOSAL_CHOSEN)];
    }
    const iTs = narrow(tsi, p.remoteTs), rTs = narrow(tsr, p.localTs);
    if (iTs.length === 0 || rTs.length === 0) {
      this.log('warning', `${this.saName(sa)}: traffic selectors ${formatSelectors(tsi)} === ${formatSelectors(tsr)} unacceptable, sending TS_UNACCEPTABLE`);
      return [notify(NOTIFY.TS_UNACCEPTABLE)];
    }
    let nr: Uint8Array | null = null, gir: Uint8Array | null = null, ker: OutPayload | null = null;
    if (exchange !== null) {
      nr = randomBytes(32);
      if (withDh) {
        const dhAlg = choice.suite.dh!;
        if (exchange.ke!.group !== dhAlg.group) {
          this.counters.invalidKe++;
          return [notify(NOTIFY.INVALID_KE_PAYLOAD, Uint8Array.of(dhAlg.group >> 8, dhAlg.group & 0xff))];
        }
        const dh = newDhKeyPair(dhAlg);
        gir = dh.shared(exchange.ke!.data);
        if (gir === null) return [notify(NOTIFY.INVALID_SYNTAX)];
        ker = { type: 34, group: dhAlg.group, data: dh.publicValue };
      }
    }
    const ni = exchange?.ni ?? sa.ni, nrUsed = nr ?? sa.nr;
    const keys = deriveChildKeys(sa.suite!, sa.keys!.skD, choice.suite, gir, ni, nrUsed);
    // The peer initiated this exchange: what it sends (i -> r) is our inbound.
    const child = this.install(sa, choice.suite, inSpi, choice.peerSpi, { inEk: keys.iEk, inAk: keys.iAk, outEk: keys.rEk, outAk: keys.rAk },
      rTs, iTs, !rekey, replaces);
    if (rekey && replaces) {
      if (replaces.state !== 'REKEYING') replaces.state = 'REKEYED';
      replaces.rekeyedBy = child;
      this.rekeyNonces.set(child, [ni, nrUsed]);
    }
    return [
      { type: 33, proposals: [choice.proposal] },
      ...(nr ? [{ type: 40 as const, data: nr }] : []),
      ...(ker ? [ker] : []),
      { type: 44, selectors: iTs },
      { type: 45, selectors: rTs },
    ];
  }

  private established(sa: IkeSa): void {
    const now = this.clock.now();
    sa.state = 'ESTABLISHED';
    sa.establishedAt = now;
    const t = lifetimes(sa.peer.ikeLifetimeS * 1000, this.jitter());
    sa.rekeyAt = now + t.rekey;
    sa.expireAt = now + t.expire;
    this.initIndex.delete(`${sa.remote} ${hex(sa.spiI)}`);
    this.counters.ikeSasEstablished++;
    const st = this.peers.get(sa.remote);
    if (st) st.retryWait = this.retryMs;
    this.log('notice', `IKE_SA ${this.saName(sa)} established between ${formatIpv4(sa.local)}[${formatIpv4(sa.local)}]...${formatIpv4(sa.remote)}[${sa.remoteId}]`);
    this.log('info', `${this.saName(sa)}: IKE proposal ${ikeSuiteName(sa.suite!)}, SPIs ${hex(sa.spiI)}_i ${hex(sa.spiR)}_r, scheduling rekeying in ${Math.round(t.rekey / 1000)}s, maximum lifetime ${Math.round(t.expire / 1000)}s`);
  }

  private install(sa: IkeSa, suite: ChildSa['suite'], inSpi: number, outSpi: number, keys: ConstructorParameters<typeof ChildSa>[5],
    localTs: readonly TrafficSelector[], remoteTs: readonly TrafficSelector[], active: boolean, replaces: ChildSa | null): ChildSa {
    const now = this.clock.now();
    const c = new ChildSa(this.nextChildId++, sa, suite, inSpi, outSpi, keys, localTs, remoteTs, now, sa.peer.childLifetimeS * 1000, this.jitter(), active);
    c.replaces = replaces;
    sa.children.push(c);
    this.children.set(inSpi, c);
    this.counters.childSasInstalled++;
    this.log('notice', `CHILD_SA ${c.name}{${c.id}} established with SPIs ${hex8(inSpi)}_i ${hex8(outSpi)}_o and TS ${formatSelectors(localTs)} === ${formatSelectors(remoteTs)}`);
    this.log('info', `${c.name}{${c.id}}: ESP ${espSuiteName(suite)}${sa.encap ? ' in UDP 4500' : ''}, rekeying in ${Math.round((c.rekeyAt - now) / 1000)}s, expires in ${Math.round((c.expireAt - now) / 1000)}s`);
    this.onChildChange(c, 'up');
    return c;
  }

  // =============================================================================== CREATE_CHILD_SA

  private createChildRequest(sa: IkeSa, h: IkeHeader, payloads: readonly Payload[]): void {
    if (!sa.established) {
      this.respond(sa, h, [notify(NOTIFY.TEMPORARY_FAILURE)]);
      return;
    }
    const saP = findPayload(payloads, 33), ni = findPayload(payloads, 40), ke = findPayload(payloads, 34);
    if (!saP || !ni) {
      this.malformed(sa.remote, 'CREATE_CHILD_SA without SA or nonce');
      this.respond(sa, h, [notify(NOTIFY.INVALID_SYNTAX)]);
      return;
    }
    if (saP.proposals.some((p) => p.protocol === PROTO_IKE)) return this.ikeRekeyRequest(sa, h, saP.proposals, ni.data, ke);
    const tsi = findPayload(payloads, 44), tsr = findPayload(payloads, 45);
    if (!tsi || !tsr) {
      this.respond(sa, h, [notify(NOTIFY.INVALID_SYNTAX)]);
      return;
    }
    if (sa.state === 'REKEYING') {
      // Our own IKE rekey is under way: the children move soon, the peer retries later.
      this.respond(sa, h, [notify(NOTIFY.TEMPORARY_FAILURE)]);
      return;
    }
    const rekey = findNotify(payloads, NOTIFY.REKEY_SA);
    let old: ChildSa | null = null;
    if (rekey) {
      const spi = spiNumber(rekey.spi);
      old = sa.children.find((c) => c.outSpi === spi && c.state !== 'DELETED') ?? null;
      if (!old) {
        this.log('info', `${this.saName(sa)}: the peer rekeys CHILD_SA with SPI ${hex8(spi)}, which we do not have: CHILD_SA_NOT_FOUND`);
        this.respond(sa, h, [notify(NOTIFY.CHILD_SA_NOT_FOUND, new Uint8Array(0), PROTO_ESP, rekey.spi)]);
        return;
      }
      this.log('info', `${old.name}{${old.id}}: the peer rekeys the CHILD_SA`);
    }
    const out = this.respondChild(sa, saP.proposals, tsi.selectors, tsr.selectors, { ni: ni.data.slice(), ke }, old, old !== null);
    this.respond(sa, h, out);
    if (old && out[0]?.type === 33) this.counters.childRekeys++;
  }

  private startChildRekey(sa: IkeSa, c: ChildSa): void {
    c.state = 'REKEYING';
    const p = sa.peer;
    const inSpi = this.freshChildSpi();
    const ni = randomBytes(32);
    const pfs = p.espSuites[0]?.dh ?? null;
    const dh = pfs ? newDhKeyPair(pfs) : null;
    this.log('info', `${c.name}{${c.id}}: rekeying CHILD_SA (SPIs ${hex8(c.inSpi)}_i ${hex8(c.outSpi)}_o)`);
    this.request(sa, EXCHANGE.CREATE_CHILD_SA, 'CREATE_CHILD_SA (rekey)', () => [
      notify(NOTIFY.REKEY_SA, new Uint8Array(0), PROTO_ESP, spiBytes(c.inSpi)),
      { type: 33, proposals: p.espSuites.map((s, i) => espProposal(i + 1, s, spiBytes(inSpi), true)) },
      { type: 40, data: ni },
      ...(dh ? [{ type: 34 as const, group: dh.group, data: dh.publicValue }] : []),
      { type: 44, selectors: c.localTs },
      { type: 45, selectors: c.remoteTs },
    ], (r) => {
      const saR = findPayload(r, 33), nr = findPayload(r, 40), ker = findPayload(r, 34), tsi = findPayload(r, 44), tsr = findPayload(r, 45);
      if (c.state === 'DELETED' || c.state === 'DELETING') return;
      if (!saR || !nr || !tsi || !tsr || saR.proposals.length !== 1) {
        const err = r.find((x) => x.type === 41 && isErrorNotify(x.notify));
        const why = err && err.type === 41 ? NOTIFY_NAMES[err.notify] ?? String(err.notify) : 'no SA';
        this.log('warning', `${c.name}{${c.id}}: CHILD_SA rekey refused (${why}), retrying in 10s`);
        c.state = c.rekeyedBy ? 'REKEYED' : 'INSTALLED';
        c.rekeyAt = Math.min(this.clock.now() + 10_000, c.expireAt - 1);
        return;
      }
      const suite = espSuiteOf(saR.proposals[0]!);
      if (!suite || !p.espSuites.some((s) => s.encr === suite.encr && s.integ === suite.integ)) {
        this.log('warning', `${c.name}{${c.id}}: the peer chose an ESP proposal we did not offer in the rekey`);
        c.state = c.rekeyedBy ? 'REKEYED' : 'INSTALLED';
        c.rekeyAt = Math.min(this.clock.now() + 10_000, c.expireAt - 1);
        return;
      }
      let gir: Uint8Array | null = null;
      if (dh) {
        gir = ker && ker.group === dh.group ? dh.shared(ker.data) : null;
        if (gir === null) {
          this.log('warning', `${c.name}{${c.id}}: rekey answer without a usable KE`);
          c.state = c.rekeyedBy ? 'REKEYED' : 'INSTALLED';
          c.rekeyAt = Math.min(this.clock.now() + 10_000, c.expireAt - 1);
          return;
        }
      }
      const keys = deriveChildKeys(sa.suite!, sa.keys!.skD, suite, gir, ni, nr.data);
      const fresh = this.install(c.ike, suite, inSpi, spiNumber(saR.proposals[0]!.spi),
        { inEk: keys.rEk, inAk: keys.rAk, outEk: keys.iEk, outAk: keys.iAk }, tsi.selectors, tsr.selectors, true, c);
      this.counters.childRekeys++;
      // A collision (the peer rekeyed this child too): the exchange holding the lowest of the
      // four nonces made the redundant SA, which its initiator deletes (RFC 7296 §2.8.1).
      const theirs = c.rekeyedBy;
      if (theirs !== null && theirs !== fresh) {
        const theirNonces = this.rekeyNonces.get(theirs);
        if (theirNonces !== undefined && compareBytes(minBytes(ni, nr.data), minBytes(...theirNonces)) < 0) {
          this.log('info', `${c.name}{${c.id}}: CHILD_SA rekey collision: ours holds the lowest nonce, deleting the redundant ${fresh.name}{${fresh.id}}`);
          theirs.outboundActive = true;
          this.deleteChild(fresh, 'redundant after a rekey collision');
          return;
        }
        this.log('info', `${c.name}{${c.id}}: CHILD_SA rekey collision: the peer's exchange holds the lowest nonce, it deletes its redundant SA`);
      }
      c.state = 'REKEYED';
      c.rekeyedBy = fresh;
      this.deleteChild(c, 'rekeyed');
    }, () => this.failed(sa, 'no answer to CREATE_CHILD_SA'));
  }

  /** Nonces of the exchanges in which the peer rekeyed a child (collision handling). */
  private readonly rekeyNonces = new WeakMap<ChildSa, [Uint8Array, Uint8Array]>();

  private ikeRekeyRequest(sa: IkeSa, h: IkeHeader, proposals: readonly Proposal[], ni: Uint8Array, ke: Extract<Payload, { type: 34 }> | undefined): void {
    if (sa.state !== 'ESTABLISHED' && sa.state !== 'REKEYING') {
      this.respond(sa, h, [notify(NOTIFY.TEMPORARY_FAILURE)]);
      return;
    }
    const p = sa.peer;
    const peerProp = proposals.find((x) => x.protocol === PROTO_IKE && x.spi.length === 8);
    if (!peerProp || !ke) {
      this.respond(sa, h, [notify(NOTIFY.INVALID_SYNTAX)]);
      return;
    }
    const spiR = this.freshIkeSpi();
    const choice = chooseIke(proposals.filter((x) => x.spi.length === 8), p.ikeSuites, spiR);
    if (!choice) {
      this.counters.noProposal++;
      this.respond(sa, h, [notify(NOTIFY.NO_PROPOSAL_CHOSEN)]);
      return;
    }
    if (ke.group !== choice.suite.dh.group) {
      this.counters.invalidKe++;
      this.respond(sa, h, [notify(NOTIFY.INVALID_KE_PAYLOAD, Uint8Array.of(choice.suite.dh.group >> 8, choice.suite.dh.group & 0xff))]);
      return;
    }
    const dh = newDhKeyPair(choice.suite.dh);
    const gir = dh.shared(ke.data);
    if (gir === null) {
      this.respond(sa, h, [notify(NOTIFY.INVALID_SYNTAX)]);
      return;
    }
    const chosenPeerSpi = proposals.find((x) => x.num === choice.proposal.num && x.spi.length === 8)!.spi.slice();
    const nr = randomBytes(32);
    const fresh = new IkeSa(this.nextIkeId++, p, false, chosenPeerSpi, spiR, sa.local, sa.remote, this.clock.now());
    fresh.ni = ni;
    fresh.nr = nr;
    fresh.suite = choice.suite;
    fresh.keys = deriveIkeKeys(choice.suite, rekeySkeyseed(sa.suite!, sa.keys!.skD, gir, ni, nr), ni, nr, fresh.spiI, fresh.spiR);
    this.respond(sa, h, [
      { type: 33, proposals: [choice.proposal] },
      { type: 40, data: nr },
      { type: 34, group: choice.suite.dh.group, data: dh.publicValue },
    ]);
    this.counters.ikeRekeys++;
    if (sa.state === 'REKEYING' && sa.collision === null) {
      // Both sides rekey at once (RFC 7296 §2.8.2): settled when our own exchange completes.
      this.log('info', `${this.saName(sa)}: IKE_SA rekey collision, keeping the peer's new IKE_SA until ours completes`);
      this.inherit(sa, fresh);
      this.establishedAfterRekey(fresh);
      this.sas.set(hex(fresh.localSpi), fresh);
      sa.collision = { fresh, nonces: [ni, nr] };
      return;
    }
    this.takeOver(sa, fresh, `${formatIpv4(sa.remote)} rekeyed the IKE_SA`);
  }

  private startIkeRekey(sa: IkeSa): void {
    sa.state = 'REKEYING';
    const p = sa.peer;
    const spiI = this.freshIkeSpi();
    const ni = randomBytes(32);
    const suite = sa.suite!;
    const dh = newDhKeyPair(suite.dh);
    this.log('info', `${this.saName(sa)}: rekeying IKE_SA`);
    const suites = [suite, ...p.ikeSuites.filter((s) => !sameIkeSuite(s, suite) && s.dh.group === suite.dh.group)];
    this.request(sa, EXCHANGE.CREATE_CHILD_SA, 'CREATE_CHILD_SA (IKE rekey)', () => [
      { type: 33, proposals: suites.map((s, i) => ikeProposal(i + 1, s, spiI)) },
      { type: 40, data: ni },
      { type: 34, group: dh.group, data: dh.publicValue },
    ], (r) => {
      if (sa.state === 'DESTROYED' || sa.state === 'REKEYED') return;
      const saR = findPayload(r, 33), nr = findPayload(r, 40), ker = findPayload(r, 34);
      const chosen = saR?.proposals.length === 1 ? saR.proposals[0]! : null;
      const s = chosen ? ikeSuiteOf(chosen) : null;
      const gir = chosen && nr && ker && s && chosen.spi.length === 8 && p.ikeSuites.some((x) => sameIkeSuite(x, s)) && ker.group === dh.group
        ? dh.shared(ker.data) : null;
      if (!chosen || !nr || !s || gir === null) {
        const err = r.find((x) => x.type === 41 && isErrorNotify(x.notify));
        const why = err && err.type === 41 ? NOTIFY_NAMES[err.notify] ?? String(err.notify) : 'bad answer';
        if (sa.collision !== null) return this.settleCollision(sa, null, why);
        this.log('warning', `${this.saName(sa)}: IKE_SA rekey refused (${why}), retrying in 10s`);
        sa.state = 'ESTABLISHED';
        sa.rekeyAt = Math.min(this.clock.now() + 10_000, sa.expireAt - 1);
        return;
      }
      const fresh = new IkeSa(this.nextIkeId++, p, true, spiI, chosen.spi.slice(), sa.local, sa.remote, this.clock.now());
      fresh.ni = ni;
      fresh.nr = nr.data.slice();
      fresh.suite = s;
      fresh.keys = deriveIkeKeys(s, rekeySkeyseed(sa.suite!, sa.keys!.skD, gir, ni, fresh.nr), ni, fresh.nr, fresh.spiI, fresh.spiR);
      this.counters.ikeRekeys++;
      if (sa.collision !== null) return this.settleCollision(sa, { fresh, nonces: [ni, fresh.nr] }, '');
      this.takeOver(sa, fresh, 'IKE_SA rekeyed');
      this.deleteRekeyed(sa);
    }, () => (sa.collision !== null ? this.settleCollision(sa, null, 'no answer') : this.failed(sa, 'no answer to the IKE_SA rekey')));
  }

  /** Tells the peer an IKE SA we rekeyed is gone (it goes when the peer answers). */
  private deleteRekeyed(sa: IkeSa): void {
    this.request(sa, EXCHANGE.INFORMATIONAL, 'INFORMATIONAL (delete)', () => [{ type: 42, protocol: PROTO_IKE, spis: [] }],
      () => this.destroy(sa, 'rekeyed', false), () => this.destroy(sa, 'rekeyed (its delete got no answer)', false));
  }

  /**
   * Both sides rekeyed `old` at once: the new IKE SA of the exchange holding the lowest of the four
   * nonces is redundant and is deleted by whoever initiated that exchange; the other one takes the
   * children, and its initiator deletes `old`. `ours` is null when our exchange failed.
   */
  private settleCollision(old: IkeSa, ours: { fresh: IkeSa; nonces: [Uint8Array, Uint8Array] } | null, why: string): void {
    const theirs = old.collision!;
    old.collision = null;
    if (ours === null) {
      this.log('info', `${this.saName(old)}: our IKE_SA rekey failed (${why}) in a collision: the peer's new IKE_SA takes over`);
      this.takeOver(old, theirs.fresh, `${formatIpv4(old.remote)} rekeyed the IKE_SA`);
      return;
    }
    this.inherit(old, ours.fresh);
    this.sas.set(hex(ours.fresh.localSpi), ours.fresh);
    if (compareBytes(minBytes(...ours.nonces), minBytes(...theirs.nonces)) < 0) {
      this.log('info', `${this.saName(old)}: IKE_SA rekey collision: ours holds the lowest nonce, deleting the redundant ${this.saName(ours.fresh)}`);
      this.takeOver(old, theirs.fresh, `${formatIpv4(old.remote)} rekeyed the IKE_SA`);
      this.establishedAfterRekey(ours.fresh);
      this.deleteIkeSa(ours.fresh, 'redundant after an IKE_SA rekey collision');
    } else {
      this.log('info', `${this.saName(old)}: IKE_SA rekey collision: the peer's exchange holds the lowest nonce, it deletes its redundant IKE_SA`);
      this.takeOver(old, ours.fresh, 'IKE_SA rekeyed');
      theirs.fresh.state = 'REKEYED';
      theirs.fresh.rekeyAt = this.clock.now();
      this.deleteRekeyed(old);
    }
  }

  /** What a new IKE SA of a rekey takes from the one it replaces (ports, NAT state, identity). */
  private inherit(old: IkeSa, fresh: IkeSa): void {
    fresh.lport = old.lport;
    fresh.rport = old.rport;
    fresh.natLocal = old.natLocal;
    fresh.natRemote = old.natRemote;
    fresh.remoteId = old.remoteId;
    fresh.lastHeard = this.clock.now();
  }

  /** `fresh` replaces `old` (an IKE rekey): children, ports and NAT state move over. */
  private takeOver(old: IkeSa, fresh: IkeSa, why: string): void {
    this.inherit(old, fresh);
    for (const c of old.children) {
      c.ike = fresh;
      fresh.children.push(c);
    }
    old.children.length = 0;
    old.state = 'REKEYED';
    old.rekeyedBy = fresh;
    old.rekeyAt = this.clock.now();
    this.sas.set(hex(fresh.localSpi), fresh);
    this.log('notice', `${this.saName(old)}: ${why}: IKE_SA ${this.saName(fresh)} now (SPIs ${hex(fresh.spiI)}_i ${hex(fresh.spiR)}_r)`);
    this.establishedAfterRekey(fresh);
  }

  private establishedAfterRekey(sa: IkeSa): void {
    const now = this.clock.now();
    sa.state = 'ESTABLISHED';
    sa.establishedAt = now;
    const t = lifetimes(sa.peer.ikeLifetimeS * 1000, this.jitter());
    sa.rekeyAt = now + t.rekey;
    sa.expireAt = now + t.expire;
  }

  // =============================================================================== INFORMATIONAL

  private informationalRequest(sa: IkeSa, h: IkeHeader, payloads: readonly Payload[]): void {
    const out: OutPayload[] = [];
    let destroyAfter = false;
    for (const p of payloads) {
      if (p.type === 42 && p.protocol === PROTO_IKE) {
        this.log('notice', `${this.saName(sa)}: received DELETE for IKE_SA`);
        if (sa.collision !== null) {
          // The peer settled a rekey collision before our answer came: its new IKE SA stays.
          const c = sa.collision.fresh;
          sa.collision = null;
          this.takeOver(sa, c, `${formatIpv4(sa.remote)} rekeyed the IKE_SA`);
        }
        destroyAfter = true;
      } else if (p.type === 42 && p.protocol === PROTO_ESP) {
        const mine: Uint8Array[] = [];
        for (const s of p.spis) {
          const spi = spiNumber(s);
          const c = sa.children.find((x) => x.outSpi === spi && x.state !== 'DELETED');
          if (!c) continue;
          this.log('info', `${c.name}{${c.id}}: received DELETE for ESP CHILD_SA with SPI ${hex8(spi)}`);
          if (c.state !== 'DELETING') mine.push(spiBytes(c.inSpi));
          this.removeChild(c, 'deleted by the peer');
        }
        if (mine.length) out.push({ type: 42, protocol: PROTO_ESP, spis: mine });
      } else if (p.type === 41) {
        if (p.notify === NOTIFY.AUTHENTICATION_FAILED) {
          this.counters.authFailures++;
          this.log('err', `${this.saName(sa)}: ${formatIpv4(sa.remote)} reports AUTHENTICATION_FAILED`);
          destroyAfter = true;
        } else {
          this.log(isErrorNotify(p.notify) ? 'warning' : 'info', `${this.saName(sa)}: received notify ${NOTIFY_NAMES[p.notify] ?? p.notify}`);
        }
      }
    }
    this.respond(sa, h, out);
    if (destroyAfter) this.destroy(sa, 'deleted by the peer', false);
  }

  // =============================================================================== deleting

  /** Deletes a CHILD SA with the peer told (INFORMATIONAL delete); it is gone when the peer answers. */
  private deleteChild(c: ChildSa, why: string): void {
    if (c.state === 'DELETING' || c.state === 'DELETED') return;
    const sa = c.ike;
    c.state = 'DELETING';
    this.log('info', `${c.name}{${c.id}}: deleting CHILD_SA with SPIs ${hex8(c.inSpi)}_i ${hex8(c.outSpi)}_o (${why})`);
    if (!sa.established) return this.removeChild(c, why);
    this.request(sa, EXCHANGE.INFORMATIONAL, 'INFORMATIONAL (delete)', () => [{ type: 42, protocol: PROTO_ESP, spis: [spiBytes(c.inSpi)] }],
      () => this.removeChild(c, why), () => this.removeChild(c, why));
  }

  private removeChild(c: ChildSa, why: string): void {
    if (c.state === 'DELETED') return;
    c.state = 'DELETED';
    const sa = c.ike;
    const i = sa.children.indexOf(c);
    if (i >= 0) sa.children.splice(i, 1);
    this.children.delete(c.inSpi);
    this.log('notice', `CHILD_SA ${c.name}{${c.id}} closed (SPIs ${hex8(c.inSpi)}_i ${hex8(c.outSpi)}_o): ${why}`);
    if (c.rekeyedBy !== null && !c.rekeyedBy.outboundActive) {
      c.rekeyedBy.outboundActive = true;
      this.onChildChange(c.rekeyedBy, 'up');
    }
    this.onChildChange(c, 'down');
  }

  /** Deletes an IKE SA and its children, telling the peer. */
  deleteIkeSa(sa: IkeSa, why: string): void {
    if (sa.state === 'DESTROYED' || sa.state === 'DELETING') return;
    if (!sa.established && sa.state !== 'REKEYED') return this.destroy(sa, why, false);
    sa.state = 'DELETING';
    this.log('notice', `deleting IKE_SA ${this.saName(sa)} between ${formatIpv4(sa.local)}...${formatIpv4(sa.remote)} (${why})`);
    sa.queue.length = 0;
    if (sa.outstanding) {
      this.cancelRetransmit(sa.outstanding);
      sa.outstanding = null;
    }
    this.request(sa, EXCHANGE.INFORMATIONAL, 'INFORMATIONAL (delete)', () => [{ type: 42, protocol: PROTO_IKE, spis: [] }],
      () => this.destroy(sa, why, false), () => this.destroy(sa, why, false), { deadlineMs: 10_000 });
  }

  /** A request failed or an exchange went wrong: the SA goes; an initiate peer (or DPD restart) tries again. */
  private failed(sa: IkeSa, why: string): void {
    this.log('warning', `${this.saName(sa)}: ${why}`);
    const dpdRestart = sa.peer.dpd?.action === 'restart' && sa.established;
    this.destroy(sa, why, sa.peer.initiate || dpdRestart);
  }

  /** Forgets an IKE SA and its children at once (no message). `retry`: an initiate peer connects again after a pause. */
  private destroy(sa: IkeSa, why: string, retry: boolean): void {
    if (sa.state === 'DESTROYED') return;
    const was = sa.state;
    sa.state = 'DESTROYED';
    if (sa.outstanding) this.cancelRetransmit(sa.outstanding);
    sa.outstanding = null;
    for (const q of sa.queue) this.cancelRetransmit(q);
    sa.queue.length = 0;
    for (const t of sa.timers) t.cancel();
    for (const c of [...sa.children]) this.removeChild(c, `IKE_SA ${this.saName(sa)} gone`);
    if (this.sas.get(hex(sa.localSpi)) === sa) this.sas.delete(hex(sa.localSpi));
    this.initIndex.delete(`${sa.remote} ${hex(sa.spiI)}`);
    if (was !== 'REKEYED' || why !== 'rekeyed') {
      this.log(was === 'ESTABLISHED' || was === 'DELETING' ? 'notice' : 'info', `IKE_SA ${this.saName(sa)} ${was === 'CONNECTING' || was === 'AUTHENTICATING' ? 'failed' : 'closed'}: ${why}`);
    } else {
      this.log('info', `IKE_SA ${this.saName(sa)} closed: ${why}`);
    }
    if (retry) this.backoff(sa.remote);
  }

  private backoff(remote: Ipv4): void {
    const st = this.peers.get(remote >>> 0);
    if (!st) return;
    st.retryAt = this.clock.now() + st.retryWait;
    st.retryWait = Math.min(st.retryWait * 2, this.maxRetryMs);
    this.arm();
  }

  // =============================================================================== timers

  private arm(): void {
    if (this.ticker !== null) return;
    this.ticker = this.clock.setInterval(() => this.tick(), 1000);
  }

  /** Once a second: half-open timeouts, lifetimes and rekeys, DPD, initiate peers, cookie secrets. */
  tick(): void {
    try {
      this.tickInner();
    } catch (e) {
      this.counters.internalErrors++;
      this.log('err', `internal error in the IKE timers: ${(e as Error)?.stack ?? String(e)}`);
    }
  }

  private tickInner(): void {
    const now = this.clock.now();
    if (now - this.cookieRotatedAt >= COOKIE_SECRET_MS) {
      this.prevCookieSecret = this.cookieSecret;
      this.cookieSecret = randomBytes(16);
      this.cookieVersion++;
      this.cookieRotatedAt = now;
    }
    for (const sa of this.list()) {
      if (sa.state === 'DESTROYED') continue;
      if (sa.state === 'CONNECTING' || sa.state === 'AUTHENTICATING') {
        if (now - sa.createdAt >= this.halfOpenTimeoutMs) {
          this.counters.timeouts++;
          this.failed(sa, `half-open IKE_SA timed out after ${Math.round((now - sa.createdAt) / 1000)}s`);
        }
        continue;
      }
      if (sa.state === 'REKEYED') {
        if (now - sa.rekeyAt >= REKEYED_LINGER_MS) this.destroy(sa, 'rekeyed', false);
        continue;
      }
      if (!sa.established) continue;
      if (now >= sa.expireAt) {
        this.log('notice', `${this.saName(sa)}: IKE_SA lifetime expired`);
        this.destroy(sa, 'lifetime expired', sa.peer.initiate);
        continue;
      }
      for (const c of [...sa.children]) {
        if (c.state === 'DELETED') continue;
        if (!c.outboundActive && now - c.installedAt >= REKEY_ACTIVATE_MS) {
          c.outboundActive = true;
          this.onChildChange(c, 'up');
        }
        if (now >= c.expireAt && c.state !== 'DELETING') this.deleteChild(c, 'lifetime expired');
        else if (now >= c.rekeyAt && c.state === 'INSTALLED' && sa.state === 'ESTABLISHED') this.startChildRekey(sa, c);
      }
      if (now >= sa.rekeyAt && sa.state === 'ESTABLISHED' && sa.outstanding === null && sa.queue.length === 0) {
        this.startIkeRekey(sa);
        continue;
      }
      const dpd = sa.peer.dpd;
      if (dpd !== null && sa.outstanding === null && sa.queue.length === 0 && now - sa.lastHeard >= dpd.intervalS * 1000) {
        this.counters.dpdSent++;
        this.request(sa, EXCHANGE.INFORMATIONAL, 'DPD', () => [], () => {}, () => this.deadPeer(sa), { deadlineMs: dpd.timeoutS * 1000 });
      }
    }
    for (const st of this.peers.values()) {
      const p = st.settings;
      if (!p.initiate || now < st.retryAt) continue;
      if (this.sasOf(p.remote).some((s) => s.state !== 'DESTROYED' && s.state !== 'DELETING')) continue;
      st.retryAt = now + st.retryWait;
      this.initiate(p);
    }
    if (this.sas.size === 0 && ![...this.peers.values()].some((s) => s.settings.initiate)) {
      this.ticker?.cancel();
      this.ticker = null;
    }
  }

  private deadPeer(sa: IkeSa): void {
    const action = sa.peer.dpd?.action ?? 'clear';
    this.log('warning', `${this.saName(sa)}: dead peer ${formatIpv4(sa.remote)} detected (no answer to DPD), action ${action}`);
    const st = this.peers.get(sa.remote);
    this.destroy(sa, 'dead peer', false);
    if (action === 'restart' && st) {
      st.retryAt = this.clock.now();
      st.retryWait = this.retryMs;
      this.initiate(st.settings);
    }
  }

  // =============================================================================== helpers

  private sasOf(remote: Ipv4): IkeSa[] {
    return this.list().filter((s) => s.remote === remote >>> 0);
  }

  saName(sa: IkeSa): string {
    return `${sa.peer.name}[${sa.id}]`;
  }

  private freshIkeSpi(): Uint8Array {
    for (;;) {
      const s = randomBytes(8);
      if (!isZero(s) && !this.sas.has(hex(s))) return s;
    }
  }

  private freshChildSpi(): number {
    for (;;) {
      const n = randomBytes(4).readUInt32BE(0);
      if (n >= 256 && !this.children.has(n)) return n;
    }
  }
}

// ================================================================================= functions

function notify(type: number, data: Uint8Array = new Uint8Array(0), protocol = 0, spi: Uint8Array = new Uint8Array(0)): OutPayload {
  return { type: 41, protocol, spi, notify: type, data };
}

function natHash(spiI: Uint8Array, spiR: Uint8Array, addr: number, port: number): Uint8Array {
  return createHash('sha1').update(spiI).update(spiR).update(spiBytes(addr)).update(Uint8Array.of(port >> 8, port & 0xff)).digest();
}

function isZero(b: Uint8Array): boolean {
  for (const x of b) if (x !== 0) return false;
  return true;
}

function sameIkeSuite(a: IkeSuite, b: IkeSuite): boolean {
  return a.encr === b.encr && a.integ === b.integ && a.prf === b.prf && a.dh === b.dh;
}

export function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

function formatId(type: number, data: Uint8Array): string {
  if (type === ID_IPV4_ADDR && data.length === 4) return formatIpv4(spiNumber(data));
  if (type === ID_FQDN || type === ID_RFC822_ADDR) return new TextDecoder().decode(data);
  if (type === ID_KEY_ID) return `keyid:${hex(data)}`;
  return `id-type-${type}:${hex(data)}`;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function minBytes(...xs: Uint8Array[]): Uint8Array {
  return xs.reduce((m, x) => (compareBytes(x, m) < 0 ? x : m));
}

/**
 * What makes a peer "the same" for its SAs: a change of these deletes them. Lifetimes, DPD and
 * the connection type apply to what comes next (new SAs, the next rekey), as strongSwan does.
 */
function settingsKey(p: PeerSettings): unknown {
  return {
    ...p,
    ikeLifetimeS: 0, childLifetimeS: 0, dpd: null, initiate: false,
    secret: p.secret === null ? null : hex(p.secret),
    ikeSuites: p.ikeSuites.map(ikeSuiteName),
    espSuites: p.espSuites.map(espSuiteName),
  };
}

