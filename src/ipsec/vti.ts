// A virtual tunnel interface (`vti0`): a tunnel interface of the engine bound to an IPsec peer.
// What the routing table sends into it (static interface routes, BGP routes resolved through
// it) is encrypted with the peer's current CHILD SA; what that peer's CHILD SAs decrypt comes
// out of it, re-injected into the engine as received on the interface. TCP SYNs crossing it in
// either direction have their MSS clamped when `mss-clamp` is set. Taps see the inner packets
// (`show interfaces vti vti0 capture`).

import type { TunnelEndpoint } from '../engine/interfaces.js';
import type { Ipv4 } from '../net/addr.js';
import type { ChildSa } from './ike/sa.js';
import { clampMss } from './mss-clamp.js';

/** EdgeOS's allowance for IPsec on a VTI (1500 - 64 = file 003's `mtu 1436`). */
export const VTI_OVERHEAD = 64;

export type VtiTap = (dir: 'in' | 'out', buf: Uint8Array, off: number, len: number) => void;

/** What a VTI needs from the IPsec service. */
export interface VtiHost {
  /** The CHILD SA that carries traffic to `peer` now, or null (no SA: the packet is dropped). */
  outbound(peer: Ipv4): ChildSa | null;
  /** Traffic found no SA: an initiating peer starts one. */
  acquire(peer: Ipv4): void;
  /** Encrypts and sends the inner packet over the CHILD SA; false when it could not. */
  sendEsp(child: ChildSa, buf: Uint8Array, off: number, len: number): boolean;
  /** Re-injects a decrypted packet as received on the interface. */
  inject(ifIdx: number, buf: Uint8Array, off: number, len: number): void;
  /** The MSS clamp (0: none). */
  readonly mssClamp: number;
}

/** The counters `show interfaces vti` prints (Linux's names). */
export class VtiCounters {
  rxBytes = 0;
  rxPackets = 0;
  rxErrors = 0;
  rxDropped = 0;
  txBytes = 0;
  txPackets = 0;
  txErrors = 0;
  txDropped = 0;
  /** SYNs whose MSS was lowered. */
  mssClamped = 0;
}

export class Vti implements TunnelEndpoint {
  readonly type = 'vti';
  readonly overhead = VTI_OVERHEAD;
  readonly counters = new VtiCounters();
  /** The bound peer (null: not bound, everything is dropped). */
  peer: Ipv4 | null = null;
  /** The engine's interface index (-1 before it is added). */
  ifIdx = -1;
  private readonly taps = new Set<VtiTap>();

  constructor(readonly name: string, private readonly host: VtiHost) {}

  transmit(buf: Uint8Array, off: number, len: number): boolean {
    const c = this.counters;
    const peer = this.peer;
    const child = peer === null ? null : this.host.outbound(peer);
    if (child === null) {
      c.txDropped++;
      if (peer !== null) this.host.acquire(peer);
      return false;
    }
    const mss = this.host.mssClamp;
    if (mss !== 0 && clampMss(buf, off, len, mss)) c.mssClamped++;
    if (this.taps.size !== 0) for (const t of this.taps) t('out', buf, off, len);
    if (!this.host.sendEsp(child, buf, off, len)) {
      c.txErrors++;
      return false;
    }
    c.txPackets++;
    c.txBytes += len;
    return true;
  }

  /** A packet the peer's CHILD SA decrypted (in a buffer the VTI may modify). */
  deliver(buf: Uint8Array, off: number, len: number): void {
    const c = this.counters;
    if (this.ifIdx < 0) {
      c.rxDropped++;
      return;
    }
    const mss = this.host.mssClamp;
    if (mss !== 0 && clampMss(buf, off, len, mss)) c.mssClamped++;
    c.rxPackets++;
    c.rxBytes += len;
    if (this.taps.size !== 0) for (const t of this.taps) t('in', buf, off, len);
    this.host.inject(this.ifIdx, buf, off, len);
  }

  addTap(t: VtiTap): () => void {
    this.taps.add(t);
    return () => this.taps.delete(t);
  }
}
