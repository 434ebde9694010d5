// peekFlow is a shortcut, never a second opinion: a frame it accepts is one decodeFrame accepts,
// with the same fields, and it accepts the packets of established flows.

import { describe, expect, it } from 'vitest';
import { FlowPeek, peekFlow } from '../../src/packet/flow-peek.js';
import {
  DECODE_VERIFY_IP_CHECKSUM, DECODE_VERIFY_L4_CHECKSUM, DropReason, ETHERTYPE_IPV4, PacketMeta, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST,
  TCP_SYN, buildTcpFrame, buildUdpFrame, decodeFrame,
} from '../../src/packet/index.js';
import { Prng } from './helpers.js';
import { randomValidFrame } from './gen.js';

const IPC = DECODE_VERIFY_IP_CHECKSUM;

/** Whether decodeFrame agrees with everything peekFlow said of buf[0, len). */
function agrees(buf: Uint8Array, len: number, flags: number, p: FlowPeek, m: PacketMeta): string {
  const r = decodeFrame(buf, len, m, flags);
  if (r !== DropReason.OK) return `decodeFrame drops it: ${r}`;
  const want = {
    dstMac: m.dstMac, srcMac: m.srcMac, src: m.ipSrc | 0, dst: m.ipDst | 0, ports: (m.sport << 16) | m.dport, proto: m.proto,
    ipLen: m.l3End - m.l3Off, dontFragment: m.dontFragment, tcpFlags: m.proto === 6 ? m.tcpFlags : 0,
  };
  const got = { ...p };
  if (JSON.stringify(got) !== JSON.stringify(want)) return `fields differ: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`;
  if (m.vlanId >= 0 || m.etherType !== ETHERTYPE_IPV4 || m.isFragment || m.ihl !== 5 || m.l3Off !== 14) return 'not a simple packet';
  if (m.proto === 6 && (m.tcpFlags & (TCP_SYN | TCP_FIN | TCP_RST)) !== 0) return 'SYN, FIN or RST';
  return '';
}

describe('peekFlow', () => {
  it('takes established TCP segments and UDP datagrams, with or without DF, data or TCP options', () => {
    const p = new FlowPeek(), m = new PacketMeta();
    const frames = [
      buildTcpFrame({ dstMac: 1, srcMac: 2, src: 0x0a000001, dst: 0xc0a8c132, sport: 40000, dport: 80, flags: TCP_ACK }),
      buildTcpFrame({ dstMac: 1, srcMac: 2, src: 0x0a000001, dst: 0xc0a8c132, sport: 40000, dport: 80, flags: TCP_ACK | TCP_PSH, payload: 'GET / HTTP/1.1\r\n\r\n', df: true }),
      buildTcpFrame({ dstMac: 1, srcMac: 2, src: 0xfa000001, dst: 0xc0a8c132, sport: 65535, dport: 443, flags: TCP_ACK, options: [{ kind: 'ts', val: 1, ecr: 2 }, { kind: 'nop' }, { kind: 'nop' }] }),
      buildUdpFrame({ dstMac: 1, srcMac: 2, src: 0x0a000001, dst: 0xc0a8c132, sport: 5353, dport: 53, payload: 'query' }),
    ];
    for (const f of frames) {
      expect(peekFlow(f, f.length, IPC, p)).toBe(true);
      expect(agrees(f, f.length, IPC, p, m)).toBe('');
    }
  });

  it('leaves SYN, FIN, RST, fragments, options, tags, other protocols, bad checksums and L4 verification to decodeFrame', () => {
    const p = new FlowPeek();
    const base = { dstMac: 1, srcMac: 2, src: 0x0a000001, dst: 0xc0a8c132, sport: 40000, dport: 80 };
    for (const flags of [TCP_SYN, TCP_SYN | TCP_ACK, TCP_FIN | TCP_ACK, TCP_RST]) {
      const f = buildTcpFrame({ ...base, flags });
      expect(peekFlow(f, f.length, IPC, p)).toBe(false);
    }
    const ack = buildTcpFrame({ ...base, flags: TCP_ACK });
    const cases: [string, (b: Buffer) => void][] = [
      ['MF', (b) => { b[20] = 0x20; }],
      ['offset', (b) => { b[21] = 1; }],
      ['IHL 6', (b) => { b[14] = 0x46; }],
      ['tagged', (b) => { b[12] = 0x81; }],
      ['ICMP', (b) => { b[23] = 1; }],
      ['bad checksum', (b) => { b[24] = b[24]! ^ 0xff; }],
      ['total past the frame', (b) => { b[17] = b[17]! + 1; }],
      ['TCP data offset 4', (b) => { b[46] = 0x40; }],
    ];
    for (const [what, spoil] of cases) {
      const b = Buffer.from(ack);
      spoil(b);
      expect(peekFlow(b, b.length, IPC, p), what).toBe(false);
    }
    expect(peekFlow(ack, ack.length, IPC | DECODE_VERIFY_L4_CHECKSUM, p)).toBe(false);
    expect(peekFlow(ack, 33, IPC, p)).toBe(false);
  });

  it('never accepts what decodeFrame refuses or reads differently (random and mutated frames)', () => {
    const rng = new Prng(0x9ee4);
    const p = new FlowPeek(), m = new PacketMeta();
    let accepted = 0;
    for (let i = 0; i < 20000; i++) {
      const f = Buffer.from(randomValidFrame(rng));
      const n = rng.int(4);
      for (let k = 0; k < n; k++) f[rng.int(Math.min(f.length, 60))] = rng.int(256);
      const len = rng.int(8) === 0 ? rng.int(f.length + 1) : f.length;
      const flags = rng.int(2) === 0 ? IPC : 0;
      if (!peekFlow(f, len, flags, p)) continue;
      accepted++;
      const why = agrees(f, len, flags, p, m);
      if (why !== '') expect.fail(`frame ${i} (${f.subarray(0, len).toString('hex')}): ${why}`);
    }
    expect(accepted).toBeGreaterThan(1000);
  });
});
