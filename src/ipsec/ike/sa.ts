// The state of IKE SAs and CHILD SAs (RFC 7296 §1, §2.3, §2.8), and what a peer is configured
// to do. The exchanges that move them live in daemon.ts; this file holds data
// and the small rules about it (lifetimes, message-id windows, timers).

import type { Ipv4 } from '../../net/addr.js';
import type { Timer } from '../../util/clock.js';
import type { DhKeyPair } from '../crypto/dh.js';
import type { EspSuite, IkeSuite } from '../crypto/algorithms.js';
import { EspSa } from '../esp/esp-sa.js';
import type { IkeKeys } from './keys.js';
import type { Payload, TrafficSelector } from './message.js';

export type DpdAction = 'restart' | 'clear' | 'hold';

/** What one configured peer asks of the daemon (compiled from the running config). */
export interface PeerSettings {
  /** The connection's name in logs and shows: `peer-192.0.2.1-tunnel-vti`. */
  readonly name: string;
  readonly remote: Ipv4;
  /** The local address (null: the source the routing table gives toward the peer). */
  readonly local: Ipv4 | null;
  /** The pre-shared secret (null: it could not be read: the peer cannot authenticate). */
  readonly secret: Uint8Array | null;
  readonly ikeSuites: readonly IkeSuite[];
  /** ESP suites; each carries the PFS group (or null without PFS). */
  readonly espSuites: readonly EspSuite[];
  readonly ikeLifetimeS: number;
  readonly childLifetimeS: number;
  /** connection-type initiate: bring the tunnel up and keep it up; respond: wait for the peer. */
  readonly initiate: boolean;
  readonly dpd: { readonly intervalS: number; readonly timeoutS: number; readonly action: DpdAction } | null;
  /** Send ESP in UDP 4500 even without a NAT. */
  readonly forceEncap: boolean;
  /** Traffic selectors of the child SA (0.0.0.0/0 both for a VTI). */
  readonly localTs: readonly TrafficSelector[];
  readonly remoteTs: readonly TrafficSelector[];
}

export const ANY_TS: TrafficSelector = { proto: 0, startPort: 0, endPort: 65535, start: 0, end: 0xffffffff };

export type IkeState = 'CONNECTING' | 'AUTHENTICATING' | 'ESTABLISHED' | 'REKEYING' | 'REKEYED' | 'DELETING' | 'DESTROYED';
export type ChildState = 'INSTALLED' | 'REKEYING' | 'REKEYED' | 'DELETING' | 'DELETED';

/** A request of ours waiting for its response (the window is one message, RFC 7296 §2.3). */
export interface OutRequest {
  readonly exchange: number;
  /** Builds the message once its message id is known. */
  readonly build: (msgId: number) => Uint8Array;
  readonly onResponse: (payloads: readonly Payload[]) => void;
  /** No answer after every retransmission. */
  readonly onTimeout: () => void;
  /** What the log calls it. */
  readonly what: string;
  msgId?: number;
  bytes?: Uint8Array;
  tries?: number;
  timer?: Timer | null;
}

export class ChildSa {
  state: ChildState = 'INSTALLED';
  readonly inbound: EspSa;
  readonly outbound: EspSa;
  /** Whether our outbound SA may carry traffic (a rekey responder waits for the old SA's delete). */
  outboundActive: boolean;
  /** The child this one replaces (during a rekey). */
  replaces: ChildSa | null = null;
  /** The child that replaced this one. */
  rekeyedBy: ChildSa | null = null;
  rekeyAt: number;
  expireAt: number;

  constructor(
    readonly id: number,
    public ike: IkeSa,
    readonly suite: EspSuite,
    readonly inSpi: number,
    readonly outSpi: number,
    keys: { inEk: Uint8Array; inAk: Uint8Array | null; outEk: Uint8Array; outAk: Uint8Array | null },
    readonly localTs: readonly TrafficSelector[],
    readonly remoteTs: readonly TrafficSelector[],
    readonly installedAt: number,
    lifetimeMs: number,
    jitter: number,
    outboundActive: boolean,
  ) {
    this.inbound = new EspSa(inSpi, suite, keys.inEk, keys.inAk, 'in');
    this.outbound = new EspSa(outSpi, suite, keys.outEk, keys.outAk, 'out');
    const t = lifetimes(lifetimeMs, jitter);
    this.rekeyAt = installedAt + t.rekey;
    this.expireAt = installedAt + t.expire;
    this.outboundActive = outboundActive;
  }

  get name(): string {
    return this.ike.peer.name;
  }
}

/**
 * Rekeying as EdgeOS configures strongSwan: rekey at lifetime - margin - random(margin)
 * (rekeyfuzz 100%), hard expiry at the lifetime; the margin is EdgeOS's 540 s (at most a tenth
 * of a short lifetime).
 */
export function lifetimes(lifetimeMs: number, jitter: number): { rekey: number; expire: number } {
  const margin = Math.min(540_000, Math.floor(lifetimeMs / 10));
  return { rekey: Math.max(1000, lifetimeMs - margin - Math.floor(jitter * margin)), expire: lifetimeMs };
}

export class IkeSa {
  state: IkeState;
  suite: IkeSuite | null = null;
  keys: IkeKeys | null = null;
  /** Our nonce and the peer's; initiator's/responder's by `initiator`. */
  ni: Uint8Array = new Uint8Array(0);
  nr: Uint8Array = new Uint8Array(0);
  dh: DhKeyPair | null = null;
  /** The IKE_SA_INIT request and response as sent (signed by AUTH). */
  initRequest: Uint8Array = new Uint8Array(0);
  initResponse: Uint8Array = new Uint8Array(0);
  /** A cookie the responder asked for, sent back first in IKE_SA_INIT. */
  cookie: Uint8Array | null = null;
  cookieTries = 0;
  keTries = 0;
  lport = 500;
  rport = 500;
  /** NAT between the peers (either side), or encapsulation forced: ESP goes in UDP 4500. */
  natLocal = false;
  natRemote = false;
  /** The peer's identity as it sent it. */
  remoteId = '';
  readonly children: ChildSa[] = [];

  // Message ids (window of one each way).
  nextRequestId = 0;
  outstanding: OutRequest | null = null;
  readonly queue: OutRequest[] = [];
  /** The next request id expected from the peer, and our last response (for retransmissions). */
  expectRequestId = 0;
  lastResponse: { msgId: number; bytes: Uint8Array } | null = null;

  createdAt: number;
  establishedAt = -1;
  rekeyAt = Infinity;
  expireAt = Infinity;
  /** Last time anything authenticated arrived from the peer (IKE or ESP): DPD. */
  lastHeard: number;
  /** The IKE SA that replaced this one (IKE rekey). */
  rekeyedBy: IkeSa | null = null;
  /** A rekey collision under way: the peer's new IKE SA and the nonces of its exchange. */
  collision: { fresh: IkeSa; nonces: [Uint8Array, Uint8Array] } | null = null;
  /** Timers owned by this SA (cancelled when it goes). */
  readonly timers: Timer[] = [];

  constructor(
    readonly id: number,
    /** The peer's settings (replaced when the configuration changes what applies to new SAs). */
    public peer: PeerSettings,
    /** The original initiator of this IKE SA is us. */
    readonly initiator: boolean,
    readonly spiI: Uint8Array,
    public spiR: Uint8Array,
    readonly local: Ipv4,
    readonly remote: Ipv4,
    now: number,
  ) {
    this.state = initiator ? 'CONNECTING' : 'AUTHENTICATING';
    this.createdAt = now;
    this.lastHeard = now;
  }

  /** Our SPI (what the peer puts in its messages for us to find this SA). */
  get localSpi(): Uint8Array {
    return this.initiator ? this.spiI : this.spiR;
  }

  get encap(): boolean {
    return this.natLocal || this.natRemote;
  }

  get established(): boolean {
    return this.state === 'ESTABLISHED' || this.state === 'REKEYING';
  }

  /** Children that carry traffic or may still receive it. */
  liveChildren(): ChildSa[] {
    return this.children.filter((c) => c.state !== 'DELETED');
  }
}
