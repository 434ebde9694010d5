// The VXLAN frames of test/fixtures/tcpdump/vxlan.pcap: what the appliance's VTEP sends and
// receives (file 004's addresses), and the malformed cases tcpdump prints in its own way.

import { ipv4, mac } from '../../src/net/addr.js';
import { buildArpFrame, buildIcmpEchoFrame, buildTcpFrame, buildUdpFrame, TCP_ACK, TCP_SYN } from '../../src/packet/index.js';
import { ETHERTYPE_IPV4, writeEthernet } from '../../src/packet/ethernet.js';
import { wrapVxlan } from '../../src/packet/vxlan.js';
import { vxlanSourcePort } from '../../src/engine/vxlan-encap.js';

const PASK = mac('00:06:c4:90:03:93'), FAR = mac('08:00:27:6a:1f:03');
const P2 = mac('02:42:c0:a8:00:02'), P3 = mac('02:42:c0:a8:00:03');
const V2 = ipv4('192.168.104.2'), V3 = ipv4('192.168.104.3');
const I2 = ipv4('12.12.12.2'), I3 = ipv4('12.12.12.3');

function outer(inner: Uint8Array, opts: { vni?: number; flags?: number; from?: 'pask' | 'far'; tag?: number; dport?: number } = {}): Uint8Array {
  const l2 = opts.tag !== undefined ? 18 : 14;
  const f = new Uint8Array(l2 + 36 + inner.length);
  const fromPask = opts.from !== 'far';
  const n = wrapVxlan(f, l2, inner, 0, inner.length, fromPask ? V2 : V3, fromPask ? V3 : V2, vxlanSourcePort(inner, 0, inner.length),
    opts.dport ?? 4789, opts.vni ?? 42, false, 1);
  if (opts.flags !== undefined) f[l2 + 28] = opts.flags;
  writeEthernet(f, 0, fromPask ? FAR : PASK, fromPask ? PASK : FAR, ETHERTYPE_IPV4, opts.tag ?? -1);
  return f.subarray(0, l2 + n);
}

/** [frame, captured length] pairs (a captured length below the frame's: a snapshot cut short). */
export function vxlanFrames(): [Uint8Array, number][] {
  const arp = buildArpFrame({ op: 'request', sha: P2, spa: I2, tpa: I3 });
  const arpReply = buildArpFrame({ op: 'reply', sha: P3, spa: I3, tha: P2, tpa: I2, dstMac: P2, srcMac: P3 });
  const echo = buildIcmpEchoFrame({ dstMac: P3, srcMac: P2, src: I2, dst: I3, id: 2815, seq: 3082, payload: 'x'.repeat(56) });
  const reply = buildIcmpEchoFrame({ dstMac: P2, srcMac: P3, src: I3, dst: I2, id: 2815, seq: 3082, payload: 'x'.repeat(56), reply: true });
  const syn = buildTcpFrame({ dstMac: P3, srcMac: P2, src: I2, dst: I3, sport: 41234, dport: 80, seq: 1000, flags: TCP_SYN,
    options: [{ kind: 'mss', value: 1410 }, { kind: 'sackOK' }, { kind: 'nop' }, { kind: 'wscale', value: 7 }] });
  const ack = buildTcpFrame({ dstMac: P2, srcMac: P3, src: I3, dst: I2, sport: 80, dport: 41234, seq: 5, ack: 1001, flags: TCP_ACK, payload: 'HTTP/1.1 200 OK\r\n\r\n' });
  const udp = buildUdpFrame({ dstMac: P3, srcMac: P2, src: I2, dst: I3, sport: 30001, dport: 30002, payload: 'abc' });
  const tagged = buildIcmpEchoFrame({ dstMac: P3, srcMac: P2, src: I2, dst: I3, id: 1, seq: 1, payload: 'hi', vlanId: 12 });
  const frames: [Uint8Array, number][] = [
    [outer(arp), 0], [outer(arpReply, { from: 'far' }), 0], [outer(echo), 0], [outer(reply, { from: 'far' }), 0],
    [outer(syn), 0], [outer(ack, { from: 'far' }), 0], [outer(udp, { vni: 16777215 }), 0], [outer(tagged), 0],
    [outer(echo, { tag: 104 }), 0], [outer(echo, { flags: 0x00 }), 0], [outer(echo, { flags: 0x0c }), 0], [outer(echo, { flags: 0x88 }), 0],
    [outer(echo, { dport: 8472 }), 0],
  ];
  const e = outer(echo);
  frames.push([e, 14 + 28 + 4], [e, 14 + 28 + 8], [e, 14 + 28 + 8 + 6], [e, 14 + 28 + 8 + 20]);
  // UDP datagrams too short for the header, on 4789 and on Linux's 8472 (tcpdump's OTV).
  for (const dport of [4789, 8472]) {
    frames.push([buildUdpFrame({ dstMac: FAR, srcMac: PASK, src: V2, dst: V3, sport: 40001, dport, payload: new Uint8Array(5), checksum: false }), 0]);
  }
  const otv = outer(echo, { dport: 8472 });
  frames.push([outer(echo, { dport: 8472, flags: 0 }), 0], [otv, 14 + 28 + 6], [otv, 14 + 28 + 8 + 3]);
  // Both ports at once: which printer wins is tcpdump's order.
  const both = outer(echo, { dport: 8472 });
  both[14 + 20] = 4789 >> 8;
  both[14 + 21] = 4789 & 0xff;
  frames.push([both, 0]);
  return frames.map(([f, cap]) => [f, cap === 0 ? f.length : cap]);
}
