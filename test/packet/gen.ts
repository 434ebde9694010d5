// Random valid frames for the fuzz and round-trip tests.

import {
  buildArpFrame, buildIcmpEchoFrame, buildIcmpErrorFrame, buildIpipFrame, buildTcpFrame, buildUdpFrame, ETHERTYPE_VLAN,
  ICMP_DEST_UNREACH, ICMP_TIME_EXCEEDED, readU16, setIpv4Checksum, writeU16, type Ipv4Spec, type TcpFrameSpec,
  type TcpOptionSpec,
} from '../../src/packet/index.js';
import type { Prng } from './helpers.js';

export function randomIpSpec(rng: Prng): Ipv4Spec {
  const s: Ipv4Spec = {
    src: rng.u32(), dst: rng.u32(), ttl: rng.range(1, 255), id: rng.int(65536), tos: rng.int(256), df: rng.bool(),
    dstMac: rng.u32() * 0x10000 + rng.int(0x10000), srcMac: rng.u32() * 0x10000 + rng.int(0x10000),
  };
  if (rng.int(4) === 0) {
    s.vlanId = rng.int(4096);
    s.pcp = rng.int(8);
  }
  if (rng.int(3) === 0) s.padTo = 60;
  return s;
}

export function randomTcpOptions(rng: Prng): TcpOptionSpec[] {
  const all: TcpOptionSpec[] = [
    { kind: 'mss', value: rng.int(65536) }, { kind: 'sackOK' }, { kind: 'ts', val: rng.u32(), ecr: rng.u32() },
    { kind: 'nop' }, { kind: 'wscale', value: rng.int(15) },
  ];
  const out: TcpOptionSpec[] = [];
  for (const o of all) if (rng.bool()) out.splice(rng.int(out.length + 1), 0, o);
  return out;
}

export function randomTcpSpec(rng: Prng): TcpFrameSpec {
  return {
    ...randomIpSpec(rng), sport: rng.int(65536), dport: rng.int(65536), seq: rng.u32(), ack: rng.u32(),
    flags: rng.int(256), window: rng.int(65536), urgentPtr: rng.int(65536), options: randomTcpOptions(rng),
    payload: rng.bytes(rng.int(4) === 0 ? rng.range(0, 1400) : rng.range(0, 40)),
  };
}

/** Inserts `n` 4-byte words of well-formed IPv4 options (NOP/EOL/TLV) after the header at l3. */
export function withIpOptions(frame: Uint8Array, l3: number, words: number, rng: Prng): Buffer {
  const opt = Buffer.alloc(words * 4);
  let i = 0;
  while (i < opt.length) {
    const left = opt.length - i;
    if (left >= 2 && rng.bool()) {
      const l = rng.range(2, Math.min(left, 12));
      opt[i] = 0x80 | rng.int(32);
      opt[i + 1] = l;
      i += l;
    } else {
      opt[i++] = 1;
    }
  }
  const out = Buffer.concat([frame.subarray(0, l3 + 20), opt, frame.subarray(l3 + 20)]);
  out[l3] = 0x40 | (5 + words);
  writeU16(out, l3 + 2, readU16(out, l3 + 2) + opt.length);
  setIpv4Checksum(out, l3);
  return out;
}

function l3Of(frame: Uint8Array): number {
  return readU16(frame, 12) === ETHERTYPE_VLAN ? 18 : 14;
}

/** A random frame that decodeFrame must accept with all checksum checks on. */
export function randomValidFrame(rng: Prng, depth = 0): Buffer {
  const kind = rng.int(depth > 0 ? 4 : 9);
  switch (kind) {
    case 0:
      return buildTcpFrame(randomTcpSpec(rng));
    case 1:
      return buildUdpFrame({
        ...randomIpSpec(rng), sport: rng.int(65536), dport: rng.int(65536), payload: rng.bytes(rng.range(0, 300)),
        checksum: rng.int(4) !== 0,
      });
    case 2:
      return buildIcmpEchoFrame({
        ...randomIpSpec(rng), reply: rng.bool(), id: rng.int(65536), seq: rng.int(65536), payload: rng.bytes(rng.range(0, 100)),
      });
    case 3:
      return buildArpFrame({
        op: rng.bool() ? 'request' : 'reply', sha: rng.u32() * 0x100 + rng.int(256), spa: rng.u32(),
        tha: rng.u32() * 0x100 + rng.int(256), tpa: rng.u32(), vlanId: rng.bool() ? rng.int(4096) : undefined,
      });
    case 4:
    case 5: {
      // IP-in-IP, sometimes nested twice.
      const inner = randomValidFrame(rng, depth + 1);
      if (readU16(inner, l3Of(inner) - 2) !== 0x0800) return inner;
      const frame = buildIpipFrame(inner, {
        outerSrc: rng.u32(), outerDst: rng.u32(), df: rng.bool(), id: rng.int(65536),
        vlanId: rng.bool() ? rng.int(4096) : undefined,
      });
      return kind === 5 && depth === 0 ? buildIpipFrame(frame, { outerSrc: rng.u32(), outerDst: rng.u32() }) : frame;
    }
    case 6:
      return buildIcmpErrorFrame({
        ...randomIpSpec(rng), type: rng.bool() ? ICMP_DEST_UNREACH : ICMP_TIME_EXCEEDED, code: rng.int(16),
        rest: rng.u32(), original: randomValidFrame(rng, depth + 1), quoteLen: rng.bool() ? -1 : rng.range(0, 100),
      });
    case 7: {
      // A fragment: first (MF, offset 0) or later (offset > 0); its L4 checksum covers only this piece.
      const first = rng.bool();
      const s = { ...randomIpSpec(rng), mf: first || rng.bool(), fragOffset: first ? 0 : 8 * rng.range(1, 7000) };
      return rng.bool()
        ? buildTcpFrame({ ...randomTcpSpec(rng), ...s })
        : buildUdpFrame({ ...s, sport: 1, dport: 2, payload: rng.bytes(rng.range(0, 200)) });
    }
    default: {
      const f = buildTcpFrame(randomTcpSpec(rng));
      return withIpOptions(f, l3Of(f), rng.range(1, 10), rng);
    }
  }
}
