// The part every probe shares: resolving the source address, reporting one outcome, sending
// (inside IP-in-IP for tunnel checks) and recognising ICMP errors that quote its packets.

import type { Ipv4 } from '../../net/addr.js';
import { readU16, readU32 } from '../../packet/bytes.js';
import { IPPROTO_IPIP } from '../../packet/ipv4.js';
import type { IpMeta } from '../../packet/meta.js';
import { icmpCause, rttSince, type ActiveProbe, type IcmpErrorSink, type ProbeDone, type ProbeEnv, type ProbeSpec } from '../probe.js';

export abstract class BaseProbe implements ActiveProbe, IcmpErrorSink {
  /** Set when the outcome has been reported. */
  protected finished = false;
  protected sentAt = 0;
  protected src = 0 as Ipv4;
  /** IPv4 identification registered for quoted IP-in-IP errors, -1 if none. */
  protected tunnelIpId = -1;

  constructor(protected readonly env: ProbeEnv, protected readonly spec: ProbeSpec, private readonly done: ProbeDone) {}

  abstract start(): void;
  abstract expire(): void;
  abstract abort(): void;
  /** Whether the quoted TCP/UDP/ICMP packet (not IP-in-IP) is one of ours. */
  protected abstract matchesL4Quote(q: IpMeta): boolean;
  /** An ICMP error about one of our packets arrived. */
  protected abstract onError(cause: string): void;

  protected ok(rttMs = rttSince(this.env, this.sentAt)): void {
    if (this.finished) return;
    this.finished = true;
    this.done({ ok: true, cause: '', rttMs });
  }

  protected fail(cause: string, rttMs = rttSince(this.env, this.sentAt)): void {
    if (this.finished) return;
    this.finished = true;
    this.done({ ok: false, cause, rttMs });
  }

  /**
   * Checks that the probe can run and picks the source address and, for tunnel checks, an
   * IPv4 identification. On false the failure has been reported (nothing to release).
   */
  protected prepare(): boolean {
    this.sentAt = this.env.now();
    if (this.spec.error !== null) {
      this.fail(this.spec.error, 0);
      return false;
    }
    const src = this.env.sourceFor(this.spec);
    if (src === null) {
      this.fail('no-route', 0);
      return false;
    }
    this.src = src;
    this.env.live.add(this);
    if (this.spec.tunnelTo !== null) this.tunnelIpId = this.env.takeTunnelIpId(this);
    return true;
  }

  protected ipId(): number {
    return this.tunnelIpId >= 0 ? this.tunnelIpId : this.env.nextIpId();
  }

  /** Sends the IPv4 packet buf[0, len) (wrapped in IP-in-IP for tunnel checks). */
  protected sendIp(buf: Uint8Array, len: number): boolean {
    const t = this.spec.tunnelTo;
    const ok = t === null ? this.env.io.sendIpv4(buf, len) : this.env.io.sendIpv4(buf, len, t);
    this.env.sent(ok);
    return ok;
  }

  protected releaseBase(): void {
    this.env.live.delete(this);
    if (this.tunnelIpId >= 0) {
      this.env.releaseTunnelIpId(this.tunnelIpId);
      this.tunnelIpId = -1;
    }
  }

  matchesQuote(q: IpMeta, frame: Uint8Array): boolean {
    if (q.proto !== IPPROTO_IPIP) return this.matchesL4Quote(q);
    // The quoted outer header of our IP-in-IP packet, then (at least) 8 bytes of the inner header.
    if (this.spec.tunnelTo === null || q.ipDst !== this.spec.tunnelTo) return false;
    const inner = q.l4Off;
    const have = q.l3End - inner;
    if (have < 8 || readU16(frame, inner + 4) !== this.tunnelIpId) return false;
    if (have >= 20 && (readU32(frame, inner + 12) !== this.src || readU32(frame, inner + 16) !== this.spec.dst)) return false;
    return true;
  }

  onIcmpError(type: number, code: number, quotedProto: number): void {
    this.onError(icmpCause(type, code, quotedProto));
  }
}
