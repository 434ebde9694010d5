// ICMP (tcpdump's print-icmp.c output); with -v the packet quoted in an
// error message is printed on its own indented lines.

import { Ctx, tok2str, inCksum, cksumShouldBe } from './context.js';
import { ipPrint } from './ip.js';

const ICMP = {
  ECHOREPLY: 0, UNREACH: 3, SOURCEQUENCH: 4, REDIRECT: 5, ECHO: 8, ROUTERADVERT: 9, ROUTERSOLICIT: 10,
  TIMXCEED: 11, PARAMPROB: 12, TSTAMP: 13, TSTAMPREPLY: 14, IREQ: 15, IREQREPLY: 16, MASKREQ: 17, MASKREPLY: 18,
} as const;

const ICMP_NAMES = new Map<number, string>([
  [0, 'echo reply'], [4, 'source quench'], [8, 'echo request'], [10, 'router solicitation'],
  [13, 'time stamp request'], [14, 'time stamp reply'], [15, 'information request'],
  [16, 'information reply'], [17, 'address mask request'],
]);

/** Thrown by checks that end only the ICMP printer (tcpdump's local "goto trunc"). */
const ICMP_TRUNC: { readonly icmpTrunc: true } = Object.freeze({ icmpTrunc: true as const });

function tcheck(c: Ctx, off: number, len: number): void {
  if (!c.ttest(off, len)) throw ICMP_TRUNC;
}

/** Offset of the quoted IP header in an error message. */
const QUOTED_IP = 8;
const ICMP_EXTD_MINLEN = 156 - 20;

function isErrorType(t: number): boolean {
  return t === ICMP.UNREACH || t === ICMP.SOURCEQUENCH || t === ICMP.REDIRECT || t === ICMP.TIMXCEED || t === ICMP.PARAMPROB;
}

function isMultipartType(t: number): boolean {
  return t === ICMP.UNREACH || t === ICMP.TIMXCEED || t === ICMP.PARAMPROB;
}

function tstamp(ms: number): string {
  const msec = ms % 1000;
  let sec = Math.floor(ms / 1000);
  let min = Math.floor(sec / 60);
  sec -= min * 60;
  const hrs = Math.floor(min / 60);
  min -= hrs * 60;
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${p2(hrs)}:${p2(min)}:${p2(sec)}.${String(msec).padStart(3, '0')}`;
}

function unreachText(c: Ctx, dp: number, code: number): string {
  const qdst = (): string => c.ipaddr(dp + QUOTED_IP + 16);
  switch (code) {
    case 0: return `net ${qdst()} unreachable`;
    case 1: return `host ${qdst()} unreachable`;
    case 2: return `${qdst()} protocol ${c.u8(dp + QUOTED_IP + 9)} unreachable`;
    case 3: {
      tcheck(c, dp + QUOTED_IP + 9, 1);
      const oip = dp + QUOTED_IP;
      const hlen = (c.u8(oip) & 0xf) * 4;
      const dport = c.be16(oip + hlen + 2);
      const proto = c.u8(oip + 9);
      if (proto === 6) return `${c.ipaddr(oip + 16)} tcp port ${c.tcpport(dport)} unreachable`;
      if (proto === 17) return `${c.ipaddr(oip + 16)} udp port ${c.udpport(dport)} unreachable`;
      return `${c.ipaddr(oip + 16)} protocol ${proto} port ${dport} unreachable`;
    }
    case 4: {
      const mtu = c.be16(dp + 6);
      return mtu ? `${qdst()} unreachable - need to frag (mtu ${mtu})` : `${qdst()} unreachable - need to frag`;
    }
    case 5: return `${qdst()} unreachable - source route failed`;
    case 6: return `net ${qdst()} unreachable - unknown`;
    case 7: return `host ${qdst()} unreachable - unknown`;
    case 8: return `${qdst()} unreachable - source host isolated`;
    case 9: return `net ${qdst()} unreachable - admin prohibited`;
    case 10: return `host ${qdst()} unreachable - admin prohibited`;
    case 11: return `net ${qdst()} unreachable - tos prohibited`;
    case 12: return `host ${qdst()} unreachable - tos prohibited`;
    case 13: return `host ${qdst()} unreachable - admin prohibited filter`;
    case 14: return `host ${qdst()} unreachable - host precedence violation`;
    case 15: return `host ${qdst()} unreachable - precedence cutoff`;
    default: return `${qdst()} unreachable - #${code}`;
  }
}

function redirectText(c: Ctx, dp: number, code: number): string {
  const qdst = c.ipaddr(dp + QUOTED_IP + 16);
  const gw = c.ipaddr(dp + 4);
  switch (code) {
    case 0: return `redirect ${qdst} to net ${gw}`;
    case 1: return `redirect ${qdst} to host ${gw}`;
    case 2: return `redirect-tos ${qdst} to net ${gw}`;
    case 3: return `redirect-tos ${qdst} to host ${gw}`;
    default: return `redirect-#${code} ${qdst} to ${gw}`;
  }
}

function routerAdvertText(c: Ctx, dp: number): string {
  let s = 'router advertisement';
  tcheck(c, dp + 4, 4);
  s += ' lifetime ';
  const lifetime = c.be16(dp + 6);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  if (lifetime < 60) s += String(lifetime);
  else if (lifetime < 3600) s += `${Math.floor(lifetime / 60)}:${p2(lifetime % 60)}`;
  else s += `${Math.floor(lifetime / 3600)}:${p2(Math.floor((lifetime % 3600) / 60))}:${p2(lifetime % 60)}`;
  let num = c.u8(dp + 4);
  s += ` ${num}:`;
  const size = c.u8(dp + 5);
  if (size !== 2) return s + ` [size ${size}]`;
  let idp = dp + 8;
  while (num > 0) {
    tcheck(c, idp, 8);
    s += ` {${c.ipaddr(idp)} ${c.be32(idp + 4)}}`;
    idp += 8;
    num--;
  }
  return s;
}

export function icmpPrint(c: Ctx, bp: number, plen: number, _iph: number, fragmented: boolean): void {
  c.protocol = 'icmp';
  try {
    icmpBody(c, bp, plen, fragmented);
  } catch (e) {
    if (e !== ICMP_TRUNC) throw e;
    c.trunc();
  }
}

function icmpBody(c: Ctx, bp: number, plen: number, fragmented: boolean): void {
  const dp = bp;
  const type = c.u8(dp);
  const code = c.u8(dp + 1);
  let str: string;
  switch (type) {
    case ICMP.ECHO:
    case ICMP.ECHOREPLY:
      str = `echo ${type === ICMP.ECHO ? 'request' : 'reply'}, id ${c.be16(dp + 4)}, seq ${c.be16(dp + 6)}`;
      break;
    case ICMP.UNREACH:
      str = unreachText(c, dp, code);
      break;
    case ICMP.REDIRECT:
      str = redirectText(c, dp, code);
      break;
    case ICMP.ROUTERADVERT:
      str = routerAdvertText(c, dp);
      break;
    case ICMP.TIMXCEED:
      tcheck(c, dp + QUOTED_IP + 16, 4);
      str = code === 0 ? 'time exceeded in-transit' : code === 1 ? 'ip reassembly time exceeded' : `time exceeded-#${code}`;
      break;
    case ICMP.PARAMPROB:
      str = code ? `parameter problem - code ${code}` : `parameter problem - octet ${c.u8(dp + 4)}`;
      break;
    case ICMP.MASKREPLY:
      str = `address mask is 0x${c.be32(dp + 8).toString(16).padStart(8, '0')}`;
      break;
    case ICMP.TSTAMP:
      str = `time stamp query id ${c.be16(dp + 4)} seq ${c.be16(dp + 6)}`;
      break;
    case ICMP.TSTAMPREPLY:
      tcheck(c, dp + 16, 4);
      str = `time stamp reply id ${c.be16(dp + 4)} seq ${c.be16(dp + 6)}: org ${tstamp(c.be32(dp + 8))}` +
        `, recv ${tstamp(c.be32(dp + 12))}, xmit ${tstamp(c.be32(dp + 16))}`;
      break;
    default:
      str = tok2str(ICMP_NAMES, 'type-#%u', type);
  }
  c.p(`ICMP ${str}, length ${plen}`);
  if (c.o.v > 0 && !fragmented && c.ttest(bp, plen)) {
    const sum = inCksum(c.data, bp, plen);
    if (sum !== 0) {
      const field = c.be16(dp + 2);
      c.p(` (wrong icmp cksum ${field.toString(16)} (->${cksumShouldBe(field, sum).toString(16)})!)`);
    }
  }
  if (c.o.v > 0 && isErrorType(type)) {
    const ip = bp + QUOTED_IP;
    c.p('\n\t');
    const saved = c.snapend;
    const ipLen = c.be16(ip + 2);
    if (ip + ipLen < c.snapend) c.snapend = ip + ipLen;
    // The length is read again under the new end, as tcpdump does (a tiny ip_len cuts here).
    ipPrint(c, ip, c.be16(ip + 2));
    c.snapend = saved;
  }
  c.protocol = 'icmp';
  if (c.o.v > 0 && plen > ICMP_EXTD_MINLEN && isMultipartType(type)) {
    printExtensions(c, bp, plen);
  }
}

/** RFC 4884 multi-part extensions (MPLS label stack objects are decoded). */
function printExtensions(c: Ctx, bp: number, plen: number): void {
  const lengthField = bp + 5;
  const verRes = bp + 8 + 128;
  tcheck(c, bp, 8 + 128 + 4 + 1);
  if (c.u8(lengthField) === 0 && c.ttest(verRes, plen - ICMP_EXTD_MINLEN)) {
    if (inCksum(c.data, verRes, plen - ICMP_EXTD_MINLEN) !== 0) return;
  }
  const version = c.data[verRes]! >> 4;
  c.p(`\n\tICMP Multi-Part extension v${version}`);
  if (version !== 2) {
    c.p(' packet not supported');
    return;
  }
  let hlen = plen - ICMP_EXTD_MINLEN;
  if (c.ttest(verRes, hlen)) {
    c.p(`, checksum 0x${c.be16(verRes + 2).toString(16).padStart(4, '0')} (${inCksum(c.data, verRes, hlen) ? 'in' : ''}correct), length ${hlen}`);
  }
  hlen -= 4;
  let obj = verRes + 4;
  while (hlen > 4) {
    tcheck(c, obj, 4);
    let objLen = c.be16(obj);
    const cls = c.u8(obj + 2);
    const ctype = c.u8(obj + 3);
    obj += 4;
    const clsName = cls === 1 ? 'MPLS Stack Entry' : cls === 2 ? 'Interface Identification' : 'unknown';
    c.p(`\n\t  ${clsName} Object (${cls}), Class-Type: ${ctype}, length ${objLen}`);
    hlen -= 4;
    if (cls === 0 || objLen < 4) return;
    objLen -= 4;
    if (cls === 1 && ctype === 1) {
      const raw = c.be32(obj);
      c.p(`\n\t    label ${raw >>> 12}, tc ${(raw >>> 9) & 7}`);
      if ((raw >>> 8) & 1) c.p(', [S]');
      c.p(`, ttl ${raw & 0xff}`);
    } else {
      const n = Math.min(objLen, c.avail(obj));
      for (let i = 0; i < n; i++) {
        if (i % 16 === 0) c.p(`\n\t    0x${i.toString(16).padStart(4, '0')}: `);
        c.p((i % 2 === 0 ? ' ' : '') + c.data[obj + i]!.toString(16).padStart(2, '0'));
      }
    }
    if (hlen < objLen) break;
    hlen -= objLen;
    obj += objLen;
  }
}
