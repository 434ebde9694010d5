// IPv4 (tcpdump's print-ip.c / print-ip-demux.c output).

import { Ctx, TRUNCATED, bittok2str, tok2str, inCksum, cksumShouldBe, pseudoHeaderSum } from './context.js';
import { IPPROTO, IPPROTO_NAMES } from './tables.js';
import { tcpPrint } from './tcp.js';
import { udpPrint } from './udp.js';
import { icmpPrint } from './icmp.js';

const IP_MF = 0x2000;
const IP_DF = 0x4000;
const IP_RES = 0x8000;
const IP_OFFMASK = 0x1fff;

const IP_FRAG_FLAGS: ReadonlyArray<readonly [number, string]> = [[IP_MF, '+'], [IP_DF, 'DF'], [IP_RES, 'rsvd']];

const IPOPT = { EOL: 0, NOP: 1, RR: 7, TS: 68, SECURITY: 130, LSRR: 131, SSRR: 137, RA: 148 } as const;

const IP_OPTION_NAMES = new Map<number, string>([
  [0, 'EOL'], [1, 'NOP'], [68, 'timestamp'], [130, 'security'], [7, 'RR'], [137, 'SSRR'],
  [131, 'LSRR'], [148, 'RA'], [82, 'traceroute'],
]);

/** Result of an option printer: false when it stopped at the end of the captured data. */
type OptResult = boolean;

function printRoute(c: Ctx, cp: number, length: number): OptResult {
  if (length < 3) {
    c.p(` [bad length ${length}]`);
    return true;
  }
  if ((length + 1) & 3) c.p(` [bad length ${length}]`);
  const ptr = (c.u8(cp + 2) - 1) >>> 0;
  if (ptr < 3 || ((ptr + 1) & 3) || ptr > length + 1) c.p(` [bad ptr ${c.u8(cp + 2)}]`);
  for (let len = 3; len < length; len += 4) {
    if (!c.ttest(cp + len, 4)) return false;
    c.p(` ${c.ipaddr(cp + len)}`);
    if (ptr > len) c.p(',');
  }
  return true;
}

function printTimestamps(c: Ctx, cp: number, length: number): OptResult {
  if (length < 4) {
    c.p(`[bad length ${length}]`);
    return true;
  }
  c.p(' TS{');
  const hoplen = (c.u8(cp + 3) & 0xf) !== 0 ? 8 : 4;
  if ((length - 4) & (hoplen - 1)) c.p(`[bad length ${length}]`);
  const ptr = (c.u8(cp + 2) - 1) >>> 0;
  let len = 0;
  if (ptr < 4 || ((ptr - 4) & (hoplen - 1)) || ptr > length + 1) c.p(`[bad ptr ${c.u8(cp + 2)}]`);
  let bad = false;
  switch (c.u8(cp + 3) & 0xf) {
    case 0: c.p('TSONLY'); break;
    case 1: c.p('TS+ADDR'); break;
    case 3: c.p('PRESPEC'); break;
    default:
      c.p(`[bad ts type ${c.u8(cp + 3) & 0xf}]`);
      bad = true;
  }
  if (!bad) {
    let type = ' ';
    for (len = 4; len < length; len += hoplen) {
      if (ptr === len) type = ' ^ ';
      if (!c.ttest(cp + len, hoplen)) return false;
      c.p(`${type}${c.be32(cp + len + hoplen - 4)}@${hoplen !== 8 ? '' : c.ipaddr(cp + len)}`);
      type = ' ';
    }
  }
  c.p(ptr === len ? ' ^ ' : '');
  const notRecorded = c.u8(cp + 3) >> 4;
  c.p(notRecorded ? ` [${notRecorded} hops not recorded]} ` : '}');
  return true;
}

function printOptions(c: Ctx, cp: number, length: number): OptResult {
  let sep = '';
  for (let optLen = 0; length > 0; cp += optLen, length -= optLen) {
    c.p(sep);
    sep = ',';
    const code = c.u8(cp);
    c.p(tok2str(IP_OPTION_NAMES, 'unknown %u', code));
    if (code === IPOPT.NOP || code === IPOPT.EOL) {
      optLen = 1;
    } else {
      optLen = c.u8(cp + 1);
      if (optLen < 2) {
        c.p(` [bad length ${optLen}]`);
        return true;
      }
    }
    if (optLen > length) {
      c.p(` [bad length ${optLen}]`);
      return true;
    }
    if (!c.ttest(cp, optLen)) return false;
    switch (code) {
      case IPOPT.EOL:
        return true;
      case IPOPT.TS:
        if (!printTimestamps(c, cp, optLen)) return false;
        break;
      case IPOPT.RR:
      case IPOPT.SSRR:
      case IPOPT.LSRR:
        if (!printRoute(c, cp, optLen)) return false;
        break;
      case IPOPT.RA:
        if (optLen < 4) {
          c.p(` [bad length ${optLen}]`);
          break;
        }
        if (!c.ttest(cp + 3, 1)) return false;
        if (c.be16(cp + 2) !== 0) c.p(` value ${c.be16(cp + 2)}`);
        break;
      default:
        break;
    }
  }
  return true;
}

/** The final destination for the pseudo-header: the last hop of a source route option, else ip_dst. */
function finalDestination(c: Ctx, ip: number): number {
  let length = (c.u8(ip) & 0xf) * 4;
  if (length >= 20) {
    length -= 20;
    let cp = ip + 20;
    for (let len = 0; length !== 0; cp += len, length -= len) {
      const tt = c.u8(cp);
      if (tt === IPOPT.EOL) break;
      if (tt === IPOPT.NOP) {
        len = 1;
      } else {
        len = c.u8(cp + 1);
        if (len < 2) break;
      }
      if (length < len || !c.ttest(cp, len)) break;
      if ((tt === IPOPT.SSRR || tt === IPOPT.LSRR) && len >= 7) return c.be32(cp + len - 4);
    }
  }
  return c.be32(ip + 16);
}

/** Checksum of a TCP/UDP segment over the IPv4 pseudo-header; 0 when correct. */
export function nextProto4Cksum(c: Ctx, ip: number, data: number, len: number, proto: number): number {
  const src = c.be32(ip + 12);
  const dst = (c.u8(ip) & 0xf) === 5 ? c.be32(ip + 16) : finalDestination(c, ip);
  return inCksum(c.data, data, len, pseudoHeaderSum(src, dst, proto, len));
}

export function ipPrint(c: Ctx, bp: number, length: number): void {
  c.protocol = 'ip';
  const vhl = c.u8(bp);
  const version = vhl >> 4;
  if (version !== 4) {
    c.p(version === 6 ? 'IP6, wrong link-layer encapsulation' : `IP${version}`);
    c.invalid();
    return;
  }
  if (!c.o.e) c.p('IP ');
  if (!c.ttest(bp, 20)) {
    c.trunc();
    return;
  }
  if (length < 20) {
    c.p(`truncated-ip ${length}`);
    return;
  }
  const hlen = (vhl & 0xf) * 4;
  if (hlen < 20) {
    c.p(`bad-hlen ${hlen}`);
    return;
  }
  let len = c.be16(bp + 2);
  if (length < len) c.p(`truncated-ip - ${len - length} bytes missing! `);
  if (len < hlen) {
    c.p(`bad-len ${len}`);
    return;
  }
  const savedSnapend = c.snapend;
  if (len <= c.snapend - bp) c.snapend = bp + len;
  len -= hlen;

  const off = c.be16(bp + 6);
  const proto = c.u8(bp + 9);
  if (c.o.v > 0) {
    const tos = c.u8(bp + 1);
    c.p(`(tos 0x${tos.toString(16)}`);
    switch (tos & 3) {
      case 1: c.p(',ECT(1)'); break;
      case 2: c.p(',ECT(0)'); break;
      case 3: c.p(',CE'); break;
    }
    const ttl = c.u8(bp + 8);
    if (ttl >= 1) c.p(`, ttl ${ttl}`);
    c.p(`, id ${c.be16(bp + 4)}, offset ${(off & IP_OFFMASK) * 8}, flags [${bittok2str(IP_FRAG_FLAGS, 'none', off & (IP_RES | IP_DF | IP_MF), ', ')}]` +
      `, proto ${tok2str(IPPROTO_NAMES, 'unknown', proto)} (${proto})`);
    c.p(`, length ${c.be16(bp + 2)}`);
    let truncated = false;
    if (hlen > 20) {
      c.p(', options (');
      if (!printOptions(c, bp + 20, hlen - 20)) {
        c.p(' [truncated-option]');
        truncated = true;
      }
      c.p(')');
    }
    if (bp + hlen <= c.snapend) {
      const sum = inCksum(c.data, bp, hlen);
      if (sum !== 0) {
        const field = c.be16(bp + 10);
        c.p(`, bad cksum ${field.toString(16)} (->${cksumShouldBe(field, sum).toString(16)})!`);
      }
    }
    c.p(')\n    ');
    if (truncated) {
      c.p(`${c.ipaddr(bp + 12)} > ${c.ipaddr(bp + 16)}: `);
      c.trunc();
      c.snapend = savedSnapend;
      return;
    }
  }

  if ((off & IP_OFFMASK) === 0) {
    if (proto !== IPPROTO.TCP && proto !== IPPROTO.UDP && proto !== IPPROTO.SCTP && proto !== IPPROTO.DCCP) {
      c.p(`${c.ipaddr(bp + 12)} > ${c.ipaddr(bp + 16)}: `);
    }
    if (!c.ttest(bp, hlen)) {
      c.p(` [remaining caplen(${c.avail(bp)}) < header length(${hlen})]`);
      throw TRUNCATED;
    }
    ipDemuxPrint(c, bp + hlen, len, (off & IP_MF) !== 0, c.u8(bp + 8), proto, bp);
  } else {
    if (c.o.q > 1) {
      c.snapend = savedSnapend;
      return;
    }
    c.p(`${c.ipaddr(bp + 12)} > ${c.ipaddr(bp + 16)}:`);
    const name = c.protoName(proto);
    c.p(name !== null ? ` ${name}` : ` ip-proto-${proto}`);
  }
  c.snapend = savedSnapend;
}

/** Hands the IPv4 payload at `bp` to the printer of protocol `nh`. */
export function ipDemuxPrint(c: Ctx, bp: number, length: number, fragmented: boolean, _ttl: number, nh: number, iph: number): void {
  switch (nh) {
    case IPPROTO.TCP:
      tcpPrint(c, bp, length, iph, fragmented);
      return;
    case IPPROTO.UDP:
      udpPrint(c, bp, length, iph, fragmented);
      return;
    case IPPROTO.ICMP:
      icmpPrint(c, bp, length, iph, fragmented);
      return;
    case IPPROTO.IPV4:
      ipPrint(c, bp, length);
      if (c.o.applianceStyle && c.o.v === 0) c.p(' (ipip-proto-4)');
      return;
    case IPPROTO.ICMPV6:
    case IPPROTO.ETHERNET:
      c.p(`[${tok2str(IPPROTO_NAMES, 'unknown', nh)} requires IPv6]`);
      c.invalid();
      return;
    case IPPROTO.ND:
      c.p(` nd ${length}`);
      return;
    case IPPROTO.NONE:
      c.p('no next header');
      return;
    default: {
      const name = c.protoName(nh);
      c.p(name !== null ? ` ${name}` : ` ip-proto-${nh}`);
      c.p(` ${length}`);
    }
  }
}
