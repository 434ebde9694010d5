// TCP for a lab host: the shared stack (src/net/tcp/) over the host's IP layer. Segments leave
// in IPv4 packets from host.ip (its TTL, DF, and the IP id counter unless the stack names one);
// segments to a broadcast address of the receiving interface are dropped here, the rest goes
// to the stack. ISNs, ephemeral ports and timestamp offsets come from the host's seeded PRNG.

import type { Ipv4 } from '../../net/addr.js';
import { TcpStack, type TcpProfile } from '../../net/tcp/index.js';
import { IPPROTO_TCP, IPV4_HEADER_LEN } from '../../packet/ipv4.js';
import type { IpMeta } from '../../packet/meta.js';
import type { Host } from './host.js';
import type { Nic } from './nic.js';

export {
  LINUX_TCP, TcpConnection, WINDOWS_TCP, type ConnectOptions, type KeepAliveOptions, type ListenOptions,
  type TcpConnectionOptions, type TcpEndReason, type TcpProfile, type TcpState,
} from '../../net/tcp/index.js';

export class TcpLayer extends TcpStack {
  constructor(readonly host: Host, profile: TcpProfile) {
    super({
      clock: host.clock,
      rng: host.rng,
      profile,
      output: (src, dst, segment, len, o) => {
        const pkt = host.ip.packet(src, dst, IPPROTO_TCP, len, { df: o.df, ttl: o.ttl, tos: o.tos, id: o.id });
        pkt.set(segment.subarray(0, len), IPV4_HEADER_LEN);
        return host.ip.send(pkt);
      },
      localAddressFor: (dst) => (host.ip.isLocal(dst) ? dst : host.ip.route(dst)?.src ?? null),
    });
  }

  /** A TCP segment delivered to this host on `nic`. */
  receive(nic: Nic, buf: Uint8Array, m: IpMeta): void {
    if (nic.isBroadcast(m.ipDst)) return;
    this.input(m.ipSrc as Ipv4, m.ipDst as Ipv4, buf, m);
  }
}
