// ICMP for a lab host: echo replies, ping, and errors (sent like Linux: from the address the
// offending packet was sent to when it is ours, TOS 0xc0, quoting up to 548 bytes so the
// error fits in 576; received errors go to the socket named by the quote).

import type { Ipv4 } from '../../net/addr.js';
import { readU16 } from '../../packet/bytes.js';
import {
  ICMP_DEST_UNREACH, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, ICMP_FRAG_NEEDED, ICMP_HEADER_LEN, icmpQuoteLen, isIcmpError, parseIcmpQuote,
  writeIcmpEcho, writeIcmpError,
} from '../../packet/icmp.js';
import { IPPROTO_ICMP, IPV4_HEADER_LEN } from '../../packet/ipv4.js';
import { IpMeta } from '../../packet/meta.js';
import type { Timer } from '../../util/clock.js';
import type { Host } from './host.js';
import type { Nic } from './nic.js';

/** Linux quotes at most this much: 576 - 20 (IP) - 8 (ICMP). */
export const ICMP_MAX_QUOTE = 548;
const TOS_INTERNETCONTROL = 0xc0;

export type PingResult =
  | { readonly outcome: 'reply'; readonly from: Ipv4; readonly rttMs: number; readonly ttl: number }
  | { readonly outcome: 'unreachable'; readonly from: Ipv4; readonly code: number }
  | { readonly outcome: 'timeout' };

export interface PingOptions {
  readonly timeoutMs?: number;
  readonly payload?: Uint8Array;
  /** Source address; default the outgoing interface's. */
  readonly src?: Ipv4;
}

interface PingWait {
  readonly sentAt: number;
  readonly timer: Timer;
  readonly done: (r: PingResult) => void;
}

export class IcmpLayer {
  private readonly pings = new Map<number, PingWait>();
  private pingId: number;
  private pingSeq = 0;
  errorsSent = 0;
  echoReplies = 0;

  constructor(private readonly host: Host) {
    this.pingId = host.rng.int(1, 0xffff);
  }

  receive(_nic: Nic, buf: Uint8Array, m: IpMeta): void {
    const off = m.l4Off;
    if (m.icmpType === ICMP_ECHO_REQUEST) {
      if (!this.host.ip.isLocal(m.ipDst)) return; // broadcasts are ignored (icmp_echo_ignore_broadcasts)
      const dataLen = m.l3End - off - ICMP_HEADER_LEN;
      const pkt = this.host.ip.packet(m.ipDst, m.ipSrc, IPPROTO_ICMP, ICMP_HEADER_LEN + dataLen, { tos: m.tos });
      pkt.set(buf.subarray(off + ICMP_HEADER_LEN, m.l3End), IPV4_HEADER_LEN + ICMP_HEADER_LEN);
      writeIcmpEcho(pkt, IPV4_HEADER_LEN, ICMP_ECHO_REPLY, m.icmpId, m.icmpSeq, dataLen);
      this.echoReplies++;
      this.host.ip.send(pkt);
      return;
    }
    if (m.icmpType === ICMP_ECHO_REPLY) {
      const key = (m.icmpId << 16) | m.icmpSeq;
      const w = this.pings.get(key);
      if (!w) return;
      this.pings.delete(key);
      w.timer.cancel();
      w.done({ outcome: 'reply', from: m.ipSrc, rttMs: this.host.clock.now() - w.sentAt, ttl: m.ttl });
      return;
    }
    if (isIcmpError(m.icmpType) && m.icmpInnerOff >= 0) {
      const q = new IpMeta();
      // Fragmentation needed carries the next-hop MTU in bytes 6-7 of the ICMP header (RFC 1191).
      const mtu = m.icmpType === ICMP_DEST_UNREACH && m.icmpCode === ICMP_FRAG_NEEDED ? readU16(buf, off + 6) : 0;
      if (parseIcmpQuote(buf, m.icmpInnerOff, m.l3End, q)) this.host.icmpErrorArrived(q, m.icmpType, m.icmpCode, m.ipSrc, mtu);
    }
  }

  /** An error about one of our echo requests. */
  echoError(q: IpMeta, type: number, code: number, from: Ipv4): void {
    if (q.icmpType !== ICMP_ECHO_REQUEST || type !== ICMP_DEST_UNREACH) return;
    const key = (q.icmpId << 16) | q.icmpSeq;
    const w = this.pings.get(key);
    if (!w) return;
    this.pings.delete(key);
    w.timer.cancel();
    w.done({ outcome: 'unreachable', from, code });
  }

  /**
   * Sends an ICMP error about the IPv4 packet buf[l3Off, l3End), received on `ingress`
   * (null: originated here). Never about an ICMP error, a broadcast or a non-first fragment.
   */
  sendError(type: number, code: number, rest: number, buf: Uint8Array, l3Off: number, l3End: number, ingress: Nic | null): void {
    const q = new IpMeta();
    if (!parseIcmpQuote(buf, l3Off, l3End, q)) return;
    if (q.fragOffset !== 0) return;
    if (q.proto === IPPROTO_ICMP && isIcmpError(q.icmpType)) return;
    const dst = q.ipSrc;
    if (dst === 0 || dst >>> 0 === 0xffffffff || (dst >>> 28) === 0xe || (q.ipDst >>> 28) === 0xe) return;
    if (ingress && ingress.isBroadcast(q.ipDst)) return;
    let src: number | null = this.host.ip.isLocal(q.ipDst) ? q.ipDst : null;
    if (src === null) src = this.host.ip.route(dst)?.src ?? ingress?.primary() ?? null;
    if (src === null) return;
    const quote = icmpQuoteLen(buf, l3Off, l3End, ICMP_MAX_QUOTE);
    const pkt = this.host.ip.packet(src, dst, IPPROTO_ICMP, ICMP_HEADER_LEN + quote, { tos: TOS_INTERNETCONTROL });
    writeIcmpError(pkt, IPV4_HEADER_LEN, type, code, rest, buf, l3Off, l3End, ICMP_MAX_QUOTE);
    this.errorsSent++;
    this.host.ip.send(pkt);
  }

  /** Sends one echo request and waits for the reply (or an error, or the timeout). */
  ping(dst: Ipv4, opts: PingOptions = {}): Promise<PingResult> {
    return new Promise((resolve) => {
      const r = this.host.ip.route(dst);
      const src = opts.src ?? (this.host.ip.isLocal(dst) ? dst : r?.src ?? null);
      if (src === null) {
        resolve({ outcome: 'unreachable', from: 0 as Ipv4, code: 0 });
        return;
      }
      const payload = opts.payload ?? defaultPingPayload();
      const id = this.pingId;
      const seq = (this.pingSeq = (this.pingSeq + 1) & 0xffff);
      const pkt = this.host.ip.packet(src, dst, IPPROTO_ICMP, ICMP_HEADER_LEN + payload.length, { df: true });
      pkt.set(payload, IPV4_HEADER_LEN + ICMP_HEADER_LEN);
      writeIcmpEcho(pkt, IPV4_HEADER_LEN, ICMP_ECHO_REQUEST, id, seq, payload.length);
      const key = (id << 16) | seq;
      const timer = this.host.clock.setTimeout(() => {
        this.pings.delete(key);
        resolve({ outcome: 'timeout' });
      }, opts.timeoutMs ?? 1000);
      this.pings.set(key, { sentAt: this.host.clock.now(), timer, done: resolve });
      this.host.ip.send(pkt);
    });
  }
}

function defaultPingPayload(): Uint8Array {
  const p = new Uint8Array(56);
  for (let i = 0; i < p.length; i++) p[i] = (i + 0x08) & 0xff;
  return p;
}

