// The GENEVE codec (RFC 8926 with AWS GWLB's options): writer and total parser, bad input
// refused with a reason, and file 002's tcpdump lines printed from packets the codec builds,
// by pask's printer and by the installed tcpdump 4.99.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTcpdumpArgs } from '../../src/capture/args.js';
import { encodePcap } from '../../src/capture/pcap.js';
import { TcpdumpPrinter } from '../../src/capture/print/printer.js';
import { ipv4 } from '../../src/net/addr.js';
import { buildIcmpEchoFrame } from '../../src/packet/build.js';
import { ETH_HEADER_LEN, ETHERTYPE_IPV4, writeEthernet } from '../../src/packet/ethernet.js';
import {
  AWS_GWLB_CLASS, AWS_OPTIONS_LEN, GENEVE_GWLB_OVERHEAD, GENEVE_HEADER_LEN, GENEVE_PROTO_IPV4, GeneveError, GeneveMeta,
  gwlbCheck, parseGeneve, writeAwsOptions, writeGeneveHeader, writeGeneveOption, writeGenevePacket, type GeneveOuter,
} from '../../src/packet/geneve.js';
import { GeneveGwlbStep, idHalves } from '../../src/engine/encap-geneve.js';
import { setIpv4Checksum, verifyIpv4Checksum } from '../../src/packet/ipv4.js';
import { writeU16 } from '../../src/packet/bytes.js';
import { verifyUdpChecksum } from '../../src/packet/udp.js';
import { firstDifference, runTcpdump, tcpdumpInstalled, withTz } from '../capture/helpers.js';
import { Prng } from '../../src/util/prng.js';

const GWLB = ipv4('10.254.11.60');
const APPLIANCE = ipv4('10.254.11.101');
const OUTER: GeneveOuter = {
  outerSrc: GWLB, outerDst: APPLIANCE, sport: 60001, dport: 6081, ttl: 255, id: 0, df: false, tos: 0, protocol: GENEVE_PROTO_IPV4, vni: 0,
};

/** file 002's inner packets: echo request (ttl 254, IP id 27551, DF) and reply (ttl 241, IP id 28778), ICMP id 1591 seq 370. */
function echo(reply: boolean): Uint8Array {
  const f = buildIcmpEchoFrame({
    src: ipv4(reply ? '54.230.62.60' : '10.1.21.101'), dst: ipv4(reply ? '10.1.21.101' : '54.230.62.60'),
    ttl: reply ? 241 : 254, df: !reply, reply, id: 1591, seq: 370, payload: new Uint8Array(56),
  });
  const ip = Uint8Array.from(f.subarray(ETH_HEADER_LEN));
  writeU16(ip, 4, reply ? 28778 : 27551); // the spec's id is the ICMP identifier; the IP id differs in the file
  setIpv4Checksum(ip, 0);
  return ip;
}

/** An IPv4 packet (no link header) wrapped as file 002's GWLB does, in an Ethernet frame. */
function gwlbFrame(inner: Uint8Array, o: Partial<GeneveOuter> = {}, cookie = 0x98ef1b00): Uint8Array {
  const opts = new Uint8Array(AWS_OPTIONS_LEN);
  writeAwsOptions(opts, 0, 0x2356de92, 0xd389839c, 0, 0, cookie);
  const frame = new Uint8Array(ETH_HEADER_LEN + GENEVE_GWLB_OVERHEAD + inner.length);
  writeEthernet(frame, 0, 0x0200000000aa, 0x0200000000bb, ETHERTYPE_IPV4);
  const n = writeGenevePacket(frame, ETH_HEADER_LEN, inner, 0, inner.length, opts, 0, AWS_OPTIONS_LEN, { ...OUTER, ...o });
  expect(n).toBe(GENEVE_GWLB_OVERHEAD + inner.length);
  return frame;
}

describe('GENEVE codec', () => {
  it('writes a GWLB packet that parses back: header, the three options, checksums, the inner packet', () => {
    const inner = echo(false);
    const f = gwlbFrame(inner);
    const ip = ETH_HEADER_LEN, udp = ip + 20;
    expect(verifyIpv4Checksum(f, ip)).toBe(true);
    expect(verifyUdpChecksum(f, udp, f.length - udp, GWLB, APPLIANCE)).toBe(true);
    const g = new GeneveMeta();
    expect(parseGeneve(f, udp + 8, f.length, g)).toBe(GeneveError.OK);
    expect(gwlbCheck(g)).toBe(GeneveError.OK);
    expect(g).toMatchObject({
      optionsLen: 32, options: 3, protocol: 0x0800, vni: 0, oam: false, critical: false,
      endpointHi: 0x2356de92, endpointLo: 0xd389839c, attachmentHi: 0, attachmentLo: 0, flowCookie: 0x98ef1b00,
      payloadOff: udp + 8 + 8 + 32, payloadLen: inner.length,
    });
    expect(f.subarray(g.payloadOff)).toEqual(inner);
  });

  it('the encapsulation step writes what the gateway sends: 68 bytes more, the flow cookie of the moment', () => {
    const inner = echo(false);
    const step = new GeneveGwlbStep(...idHalves('2356de92d389839c'), 0, 0);
    expect(step.overhead).toBe(68);
    const out = new Uint8Array(200);
    step.setFlowCookie(0x98ef1b00);
    const n = step.wrap(out, 0, inner, 0, inner.length, GWLB, APPLIANCE, false, 0);
    expect(n).toBe(inner.length + 68);
    const ref = gwlbFrame(inner);
    expect(out.subarray(0, n)).toEqual(ref.subarray(ETH_HEADER_LEN));
    step.setFlowCookie(7);
    const g = new GeneveMeta();
    step.wrap(out, 0, inner, 0, inner.length, GWLB, APPLIANCE, false, 0);
    expect(parseGeneve(out, 28, n, g)).toBe(GeneveError.OK);
    expect(g.flowCookie).toBe(7);
    expect(idHalves('not hex')).toEqual([0, 0]);
  });

  it('wraps in place (out = src) and refuses what would not fit', () => {
    const inner = echo(true);
    const buf = new Uint8Array(400);
    buf.set(inner, 100);
    const step = new GeneveGwlbStep();
    const n = step.wrap(buf, 100 - 68, buf, 100, inner.length, GWLB, APPLIANCE, true, 9);
    expect(n).toBe(inner.length + 68);
    expect(buf.subarray(100, 100 + inner.length)).toEqual(inner);
    expect(buf[100 - 68 + 6]! & 0x40).toBe(0x40); // DF as asked
    expect(step.wrap(new Uint8Array(50), 0, inner, 0, inner.length, GWLB, APPLIANCE, false, 0)).toBe(-1);
    expect(writeGenevePacket(new Uint8Array(70000), 0, new Uint8Array(65500), 0, 65500, new Uint8Array(0), 0, 0, OUTER)).toBe(-1);
    expect(writeGenevePacket(new Uint8Array(200), 0, inner, 0, inner.length, new Uint8Array(3), 0, 3, OUTER)).toBe(-1);
  });

  describe('bad input is refused with its reason, never thrown', () => {
    const g = new GeneveMeta();
    const header = (optWords: number, protocol = 0x0800, extra: number[] = []) => {
      const b = new Uint8Array(8 + extra.length);
      writeGeneveHeader(b, 0, optWords * 4, 0, protocol, 0);
      b.set(extra, 8);
      return b;
    };
    it('truncated: less than the 8-byte header, or options past the end', () => {
      expect(parseGeneve(new Uint8Array(7), 0, 7, g)).toBe(GeneveError.TRUNCATED);
      expect(parseGeneve(header(2), 0, 8, g)).toBe(GeneveError.TRUNCATED);
      expect(parseGeneve(new Uint8Array(8), 4, 8, g)).toBe(GeneveError.TRUNCATED);
      expect(parseGeneve(new Uint8Array(8), 0, 9, g)).toBe(GeneveError.TRUNCATED);
    });
    it('an option whose length runs past the options area', () => {
      // 1 word of options holding an option that says it has 2 data words.
      expect(parseGeneve(header(1, 0x0800, [0x01, 0x08, 0x01, 0x02]), 0, 12, g)).toBe(GeneveError.BAD_OPTION_LENGTH);
      // 3 words of options, the second option cut in half.
      expect(parseGeneve(header(3, 0x0800, [0x01, 0x08, 0x03, 0x01, 0, 0, 0, 1, 0x01, 0x08, 0x01, 0x01]), 0, 20, g)).toBe(GeneveError.BAD_OPTION_LENGTH);
    });
    it('a critical option it does not understand (type bit 7), even of class 0x0108', () => {
      const b = new Uint8Array(8 + 4 + 32);
      writeGeneveHeader(b, 0, 36, 0x40, 0x0800, 0);
      writeGeneveOption(b, 8, 0x0101, 0x80, []);
      writeAwsOptions(b, 12, 1, 2, 3, 4, 5);
      expect(parseGeneve(b, 0, b.length, g)).toBe(GeneveError.UNKNOWN_CRITICAL);
      writeGeneveOption(b, 8, AWS_GWLB_CLASS, 0x81, []);
      expect(parseGeneve(b, 0, b.length, g)).toBe(GeneveError.UNKNOWN_CRITICAL);
      // The same option without the critical bit is skipped; the packet is fine.
      writeGeneveOption(b, 8, 0x0101, 0x00, []);
      expect(parseGeneve(b, 0, b.length, g)).toBe(GeneveError.OK);
      expect(gwlbCheck(g)).toBe(GeneveError.OK);
      expect(g.options).toBe(4);
    });
    it('version other than 0', () => {
      const b = header(0);
      b[0] = 0x40;
      expect(parseGeneve(b, 0, 8, g)).toBe(GeneveError.BAD_VERSION);
    });
    it('a protocol type other than IPv4/IPv6, a missing option, an option of the wrong length or twice', () => {
      const b = new Uint8Array(8 + 32);
      writeGeneveHeader(b, 0, 32, 0, 0x6558, 0);
      writeAwsOptions(b, 8, 1, 2, 3, 4, 5);
      expect(parseGeneve(b, 0, b.length, g)).toBe(GeneveError.OK);
      expect(gwlbCheck(g)).toBe(GeneveError.BAD_PROTOCOL);
      writeGeneveHeader(b, 0, 32, 0, 0x86dd, 0);
      parseGeneve(b, 0, b.length, g);
      expect(gwlbCheck(g)).toBe(GeneveError.OK);
      writeGeneveHeader(b, 0, 24, 0, 0x0800, 0); // the cookie left out
      parseGeneve(b, 0, b.length, g);
      expect(gwlbCheck(g)).toBe(GeneveError.MISSING_AWS_OPTION);
      const c = new Uint8Array(8 + 36);
      writeGeneveHeader(c, 0, 36, 0, 0x0800, 0);
      writeGeneveOption(c, 8, AWS_GWLB_CLASS, 1, [1]); // endpoint id of 4 bytes instead of 8
      writeGeneveOption(c, 16, AWS_GWLB_CLASS, 2, [1, 2]);
      writeGeneveOption(c, 28, AWS_GWLB_CLASS, 3, [1]);
      writeGeneveOption(c, 36, AWS_GWLB_CLASS, 3, [1]); // and the cookie twice
      parseGeneve(c, 0, c.length, g);
      expect(gwlbCheck(g)).toBe(GeneveError.BAD_AWS_OPTION);
    });
    it('random bytes: always a reason, never an exception', () => {
      const rng = new Prng(99);
      const b = new Uint8Array(300);
      let ok = 0;
      for (let i = 0; i < 20000; i++) {
        const n = rng.int(0, 300);
        for (let k = 0; k < n; k++) b[k] = rng.int(0, 255);
        if (i % 3 === 0) b[0]! &= 0x3f;
        const r = parseGeneve(b, 0, n, g);
        expect(r).toBeGreaterThanOrEqual(0);
        expect(r).toBeLessThanOrEqual(GeneveError.UNKNOWN_CRITICAL);
        if (r === GeneveError.OK) {
          ok++;
          expect(g.payloadOff).toBeLessThanOrEqual(n);
          expect(g.payloadOff).toBe(8 + g.optionsLen);
        }
      }
      expect(ok).toBeGreaterThan(100);
      expect(parseGeneve(b, -3, 10, g)).toBe(GeneveError.TRUNCATED);
      expect(parseGeneve(b, 0, 9999, g)).toBe(GeneveError.TRUNCATED);
      expect(parseGeneve(b, Number.NaN, 10, g)).toBe(GeneveError.TRUNCATED);
    });
  });
});

describe('file 002: tcpdump -nvv of the GENEVE packets', () => {
  const expected = readFileSync(new URL('../fixtures/seeds/002-tcpdump.txt', import.meta.url), 'utf8')
    .split('\n').filter((l) => !l.startsWith('#')).map((l) => l.replace(/^ {8}/, '\t')).join('\n');
  const base = Date.UTC(2023, 0, 16, 15, 58, 4) / 1000;
  // The gateway's request, the appliance's return (addresses swapped, ports kept, TTL 254), the reply, its return.
  const records = [
    { usec: 744658, frame: gwlbFrame(echo(false)) },
    { usec: 744689, frame: gwlbFrame(echo(false), { outerSrc: APPLIANCE, outerDst: GWLB, ttl: 254 }) },
    { usec: 746459, frame: gwlbFrame(echo(true)) },
    { usec: 746476, frame: gwlbFrame(echo(true), { outerSrc: APPLIANCE, outerDst: GWLB, ttl: 254 }) },
  ];

  it('pask prints the file\'s sixteen lines', () => {
    const args = parseTcpdumpArgs(['-nvv']);
    if (!args.ok) throw new Error(args.error);
    const printer = new TcpdumpPrinter(args.opts);
    const text = withTz('UTC', () => records.map((r) => printer.format({ tsSec: base, tsUsec: r.usec, caplen: r.frame.length, origLen: r.frame.length, data: r.frame }) + '\n').join(''));
    expect(firstDifference(text, expected)).toBeNull();
  });

  it.skipIf(!tcpdumpInstalled)('the installed tcpdump 4.99 prints the same lines for the same packets', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pask-geneve-'));
    const file = join(dir, 'file002.pcap');
    writeFileSync(file, encodePcap(records.map((r) => ({ tsSec: base, tsUsec: r.usec, data: r.frame }))));
    expect(firstDifference(runTcpdump(['-nvv'], file), expected)).toBeNull();
  });

  it('the header and options are those of the file: 8 + 32 bytes, class 0x0108 types 1, 2, 3', () => {
    expect(GENEVE_HEADER_LEN + AWS_OPTIONS_LEN).toBe(40);
    const f = records[0]!.frame;
    const g = new GeneveMeta();
    expect(parseGeneve(f, ETH_HEADER_LEN + 28, f.length, g)).toBe(GeneveError.OK);
    expect([g.endpointHi, g.endpointLo, g.flowCookie]).toEqual([0x2356de92, 0xd389839c, 0x98ef1b00]);
  });
});
