// `icmp` and `ip-tunnel-icmp`: one echo request (56 bytes of data, like ping) with a fresh
// identifier; the matching echo reply from the probed address means up. For the tunnel check
// the request goes to the Inner TIP inside IP-in-IP and the reply comes back directly from it.

import { ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, ICMP_HEADER_LEN, writeIcmpEcho } from '../../packet/icmp.js';
import { IPPROTO_ICMP, IPV4_HEADER_LEN, writeIpv4Header } from '../../packet/ipv4.js';
import type { IpMeta } from '../../packet/meta.js';
import { verifyChecksum } from '../../packet/checksum.js';
import { l3Of } from '../probe.js';
import type { LocalPacket } from '../probe-io.js';
import { BaseProbe } from './base.js';

const DATA_LEN = 56;
let echoSeq = 0;

export class IcmpProbe extends BaseProbe {
  private id = -1;
  private seq = 0;
  private unlisten: (() => void) | null = null;
  private cleaned = false;

  start(): void {
    if (!this.prepare()) return;
    const id = this.env.echoIds.take();
    if (id < 0) {
      this.fail('no-free-id', 0);
      this.cleanup();
      return;
    }
    this.id = id;
    this.seq = echoSeq = (echoSeq + 1) & 0xffff;
    this.unlisten = this.env.io.listen({ proto: IPPROTO_ICMP, icmpId: id }, (p) => this.onPacket(p));
    this.env.onEchoErrors(id, this);
    const total = IPV4_HEADER_LEN + ICMP_HEADER_LEN + DATA_LEN;
    const buf = new Uint8Array(total);
    writeIpv4Header(buf, 0, this.src, this.spec.dst, IPPROTO_ICMP, total, 64, this.ipId(), 0);
    const data = IPV4_HEADER_LEN + ICMP_HEADER_LEN;
    for (let i = 0; i < DATA_LEN; i++) buf[data + i] = (0x10 + i) & 0xff;
    writeIcmpEcho(buf, IPV4_HEADER_LEN, ICMP_ECHO_REQUEST, id, this.seq, DATA_LEN);
    if (!this.sendIp(buf, total) && !this.finished) {
      this.fail('no-route', 0);
      this.cleanup();
    }
  }

  expire(): void {
    this.fail('timeout');
    this.cleanup();
  }

  abort(): void {
    this.finished = true;
    this.cleanup();
  }

  protected matchesL4Quote(q: IpMeta): boolean {
    return q.proto === IPPROTO_ICMP && q.icmpType === ICMP_ECHO_REQUEST && q.icmpId === this.id &&
      q.ipDst === this.spec.dst;
  }

  protected onError(cause: string): void {
    if (this.cleaned) return;
    this.fail(cause);
    this.cleanup();
  }

  private onPacket(p: LocalPacket): void {
    if (this.cleaned) return;
    const m = l3Of(p);
    if (m.proto !== IPPROTO_ICMP || m.icmpType !== ICMP_ECHO_REPLY || m.icmpId !== this.id || m.icmpSeq !== this.seq ||
      m.ipSrc !== this.spec.dst || m.isFragment) return;
    if (!verifyChecksum(p.frame, m.l4Off, m.l3End - m.l4Off)) return;
    this.env.learn(this.spec, m.ipSrc, p.meta.srcMac, p.port);
    this.ok();
    this.cleanup();
  }

  private cleanup(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    if (this.unlisten) {
      this.unlisten();
      this.unlisten = null;
    }
    if (this.id >= 0) {
      this.env.onEchoErrors(this.id, null);
      this.env.echoIds.release(this.id);
      this.id = -1;
    }
    this.releaseBase();
  }
}
