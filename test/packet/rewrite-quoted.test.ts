// rewriteQuotedAddrPort: NAT of the datagram an ICMP error quotes. Rewriting the quote of a packet
// must give exactly the error that quotes the packet built with the new address and port (every
// checksum included: quoted IP header, quoted TCP/UDP when quoted, ICMP), whatever the quote length.

import { describe, expect, it } from 'vitest';
import {
  buildIcmpErrorFrame, buildTcpFrame, buildUdpFrame, decodeFrame, DECODE_VERIFY_IP_CHECKSUM, DECODE_VERIFY_L4_CHECKSUM,
  ICMP_DEST_UNREACH, InnerKind, IPPROTO_TCP, PacketMeta, rewriteQuotedAddrPort,
} from '../../src/packet/index.js';
import { Prng } from './helpers.js';
import { randomIpSpec, randomTcpSpec } from './gen.js';

const VERIFY = DECODE_VERIFY_IP_CHECKSUM | DECODE_VERIFY_L4_CHECKSUM;

describe('rewriteQuotedAddrPort', () => {
  it('equals quoting the rewritten packet, for TCP and UDP, source or destination, any quote length', () => {
    const rng = new Prng(0x1c3f);
    for (let i = 0; i < 500; i++) {
      const tcp = rng.bool();
      const base = tcp ? randomTcpSpec(rng) : {
        ...randomIpSpec(rng), sport: rng.int(65536), dport: rng.int(65536), payload: rng.bytes(rng.range(0, 300)),
        checksum: rng.int(4) !== 0,
      };
      const build = (over: object): Buffer => (tcp ? buildTcpFrame({ ...base, ...over } as never) : buildUdpFrame({ ...base, ...over } as never));
      const dst = rng.bool();
      const addr = rng.u32(), port = rng.int(65536);
      const orig = build({});
      const want = build(dst ? { dst: addr, dport: port } : { src: addr, sport: port });
      const quoteLen = rng.bool() ? -1 : rng.range(24, 120);
      const outer = { src: rng.u32(), dst: rng.u32(), type: ICMP_DEST_UNREACH, code: rng.int(16), rest: rng.u32(), quoteLen };
      const err = buildIcmpErrorFrame({ ...outer, original: orig });
      const m = new PacketMeta();
      expect(decodeFrame(err, err.length, m, VERIFY)).toBe(0);
      expect(m.innerKind).toBe(InnerKind.ICMP_QUOTE);
      rewriteQuotedAddrPort(err, m, m.inner, dst, addr, port);
      const expected = buildIcmpErrorFrame({ ...outer, original: want });
      expect(err.equals(expected), `case ${i} (${tcp ? 'tcp' : 'udp'}, ${dst ? 'dst' : 'src'}, quote ${quoteLen})`).toBe(true);
      // The meta follows the bytes.
      const check = new PacketMeta();
      expect(decodeFrame(err, err.length, check, VERIFY)).toBe(0);
      expect([m.inner.ipSrc, m.inner.ipDst, m.inner.sport, m.inner.dport, m.inner.ipChecksum, m.l4Checksum])
        .toEqual([check.inner.ipSrc, check.inner.ipDst, check.inner.sport, check.inner.dport, check.inner.ipChecksum, check.l4Checksum]);
      expect(m.inner.proto === IPPROTO_TCP || m.inner.l4Checksum === check.inner.l4Checksum).toBe(true);
    }
  });
});
