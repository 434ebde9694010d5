// `udp` and `ip-tunnel-udp`: one empty datagram (payload length 0) from a fresh source port.
// An ICMP port (or protocol) unreachable means down; any datagram back from the port means up;
// silence until the timeout means up, unless the check requires a reply.

import { IPPROTO_UDP, IPV4_HEADER_LEN, writeIpv4Header } from '../../packet/ipv4.js';
import type { IpMeta } from '../../packet/meta.js';
import { UDP_HEADER_LEN, setUdpChecksum, verifyUdpChecksum, writeUdpHeader } from '../../packet/udp.js';
import { l3Of } from '../probe.js';
import type { LocalPacket } from '../probe-io.js';
import { PortProbe } from './port-probe.js';

export class UdpProbe extends PortProbe {
  protected readonly proto = IPPROTO_UDP;

  start(): void {
    if (!this.prepare() || !this.claimPort((p) => this.onPacket(p))) return;
    const total = IPV4_HEADER_LEN + UDP_HEADER_LEN;
    const buf = new Uint8Array(total);
    writeIpv4Header(buf, 0, this.src, this.spec.dst, IPPROTO_UDP, total, 64, this.ipId(), 0);
    writeUdpHeader(buf, IPV4_HEADER_LEN, this.lport, this.spec.port, UDP_HEADER_LEN);
    setUdpChecksum(buf, IPV4_HEADER_LEN, UDP_HEADER_LEN, this.src, this.spec.dst);
    if (!this.sendIp(buf, total) && !this.finished) {
      this.fail('no-route', 0);
      this.cleanup();
    }
  }

  expire(): void {
    if (this.spec.udpReplyRequired) this.fail('timeout');
    else this.ok();
    this.cleanup();
  }

  abort(): void {
    this.finished = true;
    this.cleanup();
  }

  protected matchesL4Quote(q: IpMeta): boolean {
    return q.proto === IPPROTO_UDP && q.ipSrc === this.src && q.sport === this.lport &&
      q.ipDst === this.spec.dst && q.dport === this.spec.port;
  }

  protected onError(cause: string): void {
    if (this.cleaned) return;
    this.fail(cause);
    this.cleanup();
  }

  private onPacket(p: LocalPacket): void {
    if (this.cleaned) return;
    const m = l3Of(p);
    if (m.proto !== IPPROTO_UDP || m.ipSrc !== this.spec.dst || m.sport !== this.spec.port ||
      m.ipDst !== this.src || m.dport !== this.lport || m.isFragment) return;
    if (!verifyUdpChecksum(p.frame, m.l4Off, m.udpLen, m.ipSrc, m.ipDst)) return;
    this.env.learn(this.spec, m.ipSrc, p.meta.srcMac, p.port);
    this.ok();
    this.cleanup();
  }
}
