// UDP for a lab host: bound ports, datagrams to unbound ports answered with ICMP port
// unreachable (Linux), and a request/response helper for clients.

import type { Ipv4 } from '../../net/addr.js';
import { ICMP_DEST_UNREACH, ICMP_PORT_UNREACH } from '../../packet/icmp.js';
import { IPPROTO_UDP, IPV4_HEADER_LEN } from '../../packet/ipv4.js';
import type { IpMeta } from '../../packet/meta.js';
import { UDP_HEADER_LEN, setUdpChecksum, writeUdpHeader } from '../../packet/udp.js';
import type { Host } from './host.js';
import type { Nic } from './nic.js';

export interface UdpDatagram {
  readonly src: Ipv4;
  readonly sport: number;
  /** The local address it was sent to. */
  readonly dst: Ipv4;
  readonly dport: number;
  readonly payload: Uint8Array;
}

export interface UdpSocket {
  onMessage(d: UdpDatagram): void;
  /** An ICMP error quoting one of its datagrams. */
  onError?(type: number, code: number, from: Ipv4): void;
}

export type UdpResult =
  | { readonly outcome: 'reply'; readonly payload: Uint8Array; readonly from: Ipv4; readonly rttMs: number }
  | { readonly outcome: 'unreachable'; readonly from: Ipv4; readonly code: number; readonly rttMs: number }
  | { readonly outcome: 'timeout' };

export class UdpLayer {
  private readonly sockets = new Map<number, UdpSocket>();
  unreachablesSent = 0;

  constructor(private readonly host: Host) {}

  bind(port: number, s: UdpSocket): () => void {
    if (this.sockets.has(port)) throw new Error(`${this.host.name}: udp port ${port} is in use`);
    this.sockets.set(port, s);
    return () => {
      if (this.sockets.get(port) === s) this.sockets.delete(port);
    };
  }

  isBound(port: number): boolean {
    return this.sockets.has(port);
  }

  /** Sends a datagram; false when there is no route. */
  send(src: number | null, sport: number, dst: Ipv4, dport: number, payload: Uint8Array): boolean {
    const from = src ?? (this.host.ip.isLocal(dst) ? dst : this.host.ip.route(dst)?.src ?? null);
    if (from === null) return false;
    const udpLen = UDP_HEADER_LEN + payload.length;
    const pkt = this.host.ip.packet(from, dst, IPPROTO_UDP, udpLen, { df: true });
    writeUdpHeader(pkt, IPV4_HEADER_LEN, sport, dport, udpLen);
    pkt.set(payload, IPV4_HEADER_LEN + UDP_HEADER_LEN);
    setUdpChecksum(pkt, IPV4_HEADER_LEN, udpLen, from, dst);
    return this.host.ip.send(pkt);
  }

  receive(nic: Nic, buf: Uint8Array, m: IpMeta): void {
    const s = this.sockets.get(m.dport);
    if (s) {
      s.onMessage({
        src: m.ipSrc, sport: m.sport, dst: m.ipDst, dport: m.dport,
        payload: buf.slice(m.payloadOff, m.payloadOff + m.payloadLen),
      });
      return;
    }
    if (nic.isBroadcast(m.ipDst) || (m.ipDst >>> 28) === 0xe) return;
    this.unreachablesSent++;
    this.host.icmp.sendError(ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0, buf, m.l3Off, m.l3End, nic);
  }

  icmpError(q: IpMeta, type: number, code: number, from: Ipv4): void {
    this.sockets.get(q.sport)?.onError?.(type, code, from);
  }

  /** Sends one datagram from an ephemeral port and waits for the first answer. */
  request(dst: Ipv4, dport: number, payload: Uint8Array | string, timeoutMs = 1000): Promise<UdpResult> {
    const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    return new Promise((resolve) => {
      const [lo, hi] = this.host.tcp.profile.ephemeral;
      let sport = this.host.rng.int(lo, hi);
      while (this.sockets.has(sport)) sport = sport === hi ? lo : sport + 1;
      const start = this.host.clock.now();
      let unbind: () => void = () => {};
      const finish = (r: UdpResult) => {
        timer.cancel();
        unbind();
        resolve(r);
      };
      const timer = this.host.clock.setTimeout(() => finish({ outcome: 'timeout' }), timeoutMs);
      unbind = this.bind(sport, {
        onMessage: (d) => {
          if (d.src === dst && d.sport === dport) finish({ outcome: 'reply', payload: d.payload, from: d.src, rttMs: this.host.clock.now() - start });
        },
        onError: (type, code, from) => {
          if (type === ICMP_DEST_UNREACH) finish({ outcome: 'unreachable', from, code, rttMs: this.host.clock.now() - start });
        },
      });
      if (!this.send(null, sport, dst, dport, data)) finish({ outcome: 'unreachable', from: 0 as Ipv4, code: 0, rttMs: 0 });
    });
  }
}
