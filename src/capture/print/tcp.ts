// TCP (tcpdump's print-tcp.c output), with relative sequence numbers kept
// per conversation in the printer's state, as tcpdump does.

import { Ctx, TRUNCATED, bittok2str, cksumShouldBe, fnChar, hex2, hex4, tok2str } from './context.js';
import { nextProto4Cksum } from './ip.js';
import { httpPrint, txtprotoPrint } from './txtproto.js';
import { sshPrint } from './ssh.js';

const TH_FIN = 0x01;
const TH_SYN = 0x02;
const TH_RST = 0x04;
const TH_PUSH = 0x08;
const TH_ACK = 0x10;
const TH_URG = 0x20;
const TH_ECE = 0x40;
const TH_CWR = 0x80;

const TCP_FLAGS: ReadonlyArray<readonly [number, string]> = [
  [TH_FIN, 'F'], [TH_SYN, 'S'], [TH_RST, 'R'], [TH_PUSH, 'P'], [TH_ACK, '.'], [TH_URG, 'U'], [TH_ECE, 'E'], [TH_CWR, 'W'],
];

const OPT = {
  EOL: 0, NOP: 1, MAXSEG: 2, WSCALE: 3, SACKOK: 4, SACK: 5, ECHO: 6, ECHOREPLY: 7, TIMESTAMP: 8,
  CC: 11, CCNEW: 12, CCECHO: 13, SIGNATURE: 19, SCPS: 20, UTO: 28, TCPAO: 29, MPTCP: 30,
  FASTOPEN: 34, EXPERIMENT2: 254,
} as const;

const OPTION_NAMES = new Map<number, string>([
  [0, 'eol'], [1, 'nop'], [2, 'mss'], [3, 'wscale'], [4, 'sackOK'], [5, 'sack'], [6, 'echo'],
  [7, 'echoreply'], [8, 'TS'], [11, 'cc'], [12, 'ccnew'], [13, ''], [19, 'md5'], [20, 'scps'],
  [28, 'uto'], [29, 'tcp-ao'], [30, 'mptcp'], [34, 'tfo'], [254, 'exp'],
]);

const TCP_SIGLEN = 16;
const MAX_RST_DATA_LEN = 30;

/** Signals a malformed option ("[bad opt]"). */
const BAD_OPT: { readonly badOpt: true } = Object.freeze({ badOpt: true as const });
/** Signals options cut by the capture (" [|tcp]" then ">"). */
const OPT_TRUNC: { readonly optTrunc: true } = Object.freeze({ optTrunc: true as const });

function isPort(sport: number, dport: number, p: number): boolean {
  return sport === p || dport === p;
}

export function tcpPrint(c: Ctx, bp: number, length: number, iph: number, fragmented: boolean): void {
  c.protocol = 'tcp';
  if (!c.ttest(bp + 2, 2)) {
    c.p(`${c.ipaddr(iph + 12)} > ${c.ipaddr(iph + 16)}:`);
    c.trunc();
    return;
  }
  const sport = c.be16(bp);
  const dport = c.be16(bp + 2);
  if (c.u8(iph + 9) === 6) {
    c.p(`${c.ipaddr(iph + 12)}.${c.tcpport(sport)} > ${c.ipaddr(iph + 16)}.${c.tcpport(dport)}: `);
  } else {
    c.p(`${c.tcpport(sport)} > ${c.tcpport(dport)}: `);
  }
  if (!c.ttest(bp, 20)) {
    c.trunc();
    return;
  }
  let hlen = (c.u8(bp + 12) >> 4) * 4;
  if (hlen < 20) {
    c.p(` tcp ${(length - hlen) >>> 0} [bad hdr length ${hlen} - too short, < 20]`);
    return;
  }
  let seq = c.be32(bp + 4);
  let ack = c.be32(bp + 8);
  const win = c.be16(bp + 14);
  const urp = c.be16(bp + 18);
  if (c.o.q > 0) {
    c.p(`tcp ${(length - hlen) >>> 0}`);
    if (hlen > length) c.p(` [bad hdr length ${hlen} - too long, > ${length}]`);
    return;
  }
  const flags = c.u8(bp + 13);
  c.p(`Flags [${bittok2str(TCP_FLAGS, 'none', flags, '')}]`);

  let thseq = 0;
  let thack = 0;
  let rev = false;
  if (!c.o.S && (flags & TH_ACK)) {
    const src = c.be32(iph + 12);
    const dst = c.be32(iph + 16);
    if (sport > dport) rev = true;
    else if (sport === dport && src > dst) rev = true;
    const key = rev ? `${dst},${src},${dport},${sport}` : `${src},${dst},${sport},${dport}`;
    let th = c.tcpSeq.get(key);
    if (th === undefined || (flags & TH_SYN)) {
      if (th === undefined) {
        th = { seq: 0, ack: 0 };
        c.tcpSeq.set(key, th);
      }
      if (rev) {
        th.ack = seq;
        th.seq = (ack - 1) >>> 0;
      } else {
        th.seq = seq;
        th.ack = (ack - 1) >>> 0;
      }
    } else if (rev) {
      seq = (seq - th.ack) >>> 0;
      ack = (ack - th.seq) >>> 0;
    } else {
      seq = (seq - th.seq) >>> 0;
      ack = (ack - th.ack) >>> 0;
    }
    thseq = th.seq;
    thack = th.ack;
  }
  if (hlen > length) {
    c.p(` [bad hdr length ${hlen} - too long, > ${length}]`);
    return;
  }

  if (c.o.v > 0 && !fragmented && (c.u8(iph) >> 4) === 4) {
    if (c.ttest(bp, length)) {
      const sum = nextProto4Cksum(c, iph, bp, length, 6);
      const field = c.be16(bp + 16);
      c.p(`, cksum 0x${hex4(field)}`);
      c.p(sum !== 0 ? ` (incorrect -> 0x${hex4(cksumShouldBe(field, sum))})` : ' (correct)');
    }
  }

  length -= hlen;
  if (c.o.v > 1 || length > 0 || (flags & (TH_SYN | TH_FIN | TH_RST))) {
    c.p(`, seq ${seq}`);
    if (length > 0) c.p(`:${(seq + length) >>> 0}`);
  }
  if (flags & TH_ACK) c.p(`, ack ${ack}`);
  c.p(`, win ${win}`);
  if (flags & TH_URG) c.p(`, urg ${urp}`);

  if (hlen > 20) {
    c.p(', options [');
    const state = { ch: '' };
    try {
      printOptions(c, bp + 20, hlen - 20, rev, thseq, thack, state, bp + hlen, length);
    } catch (e) {
      if (e === BAD_OPT) {
        c.p('[bad opt]');
        if (state.ch !== '') c.p(']');
        return;
      }
      if (e === OPT_TRUNC) {
        c.trunc();
        if (state.ch !== '') c.p('>');
        return;
      }
      throw e;
    }
    c.p(']');
  }

  c.p(`, length ${length}`);
  if (length === 0) return;

  const headerLen = (c.u8(bp + 12) >> 4) * 4;
  if (!c.ttest(bp, headerLen)) {
    c.p(` [remaining caplen(${c.avail(bp)}) < header length(${headerLen})]`);
    throw TRUNCATED;
  }
  const data = bp + headerLen;
  if ((flags & TH_RST) && c.o.v > 0) {
    printRstData(c, data, length);
    return;
  }
  // tcpdump's dispatch order; ports of printers this module lacks print nothing more.
  if (isPort(sport, dport, 23)) {
    return;
  } else if (isPort(sport, dport, 25)) {
    c.p(': ');
    c.protocol = 'smtp';
    txtprotoPrint(c, data, length, null, false);
  } else if (isPort(sport, dport, 43)) {
    c.p(': ');
    c.protocol = 'whois';
    txtprotoPrint(c, data, length, null, false);
  } else if ([179, 1723, 6379].some((p) => isPort(sport, dport, p))) {
    return;
  } else if (isPort(sport, dport, 22)) {
    sshPrint(c, data, length);
  } else if ([139, 445, 10288, 6633, 6653].some((p) => isPort(sport, dport, p))) {
    return;
  } else if (isPort(sport, dport, 21)) {
    c.p(': ');
    c.protocol = 'ftp';
    txtprotoPrint(c, data, length, null, false);
  } else if (isPort(sport, dport, 80) || isPort(sport, dport, 8080)) {
    c.p(': ');
    httpPrint(c, data, length);
  } else if (isPort(sport, dport, 554) || isPort(sport, dport, 8554)) {
    c.p(': ');
    c.protocol = 'rtsp';
    txtprotoPrint(c, data, length, RTSP_COMMANDS, true);
  }
}

const RTSP_COMMANDS = [
  'DESCRIBE', 'ANNOUNCE', 'GET_PARAMETER', 'OPTIONS', 'PAUSE', 'PLAY', 'RECORD', 'REDIRECT', 'SETUP',
  'SET_PARAMETER', 'TEARDOWN',
];

function printOptions(
  c: Ctx, cp: number, hlen: number, rev: boolean, thseq: number, thack: number, state: { ch: string },
  payload: number, payloadLen: number,
): void {
  while (hlen > 0) {
    if (state.ch !== '') c.p(state.ch);
    const opt = c.u8(cp);
    cp++;
    let len: number;
    if (opt === OPT.EOL || opt === OPT.NOP) {
      len = 1;
    } else {
      len = c.u8(cp);
      cp++;
      if (len < 2 || len > hlen) throw BAD_OPT;
      --hlen;
    }
    --hlen;
    let datalen = 0;
    const lencheck = (l: number): void => {
      if (l > hlen) throw BAD_OPT;
      if (!c.ttest(cp, l)) throw OPT_TRUNC;
    };
    c.p(tok2str(OPTION_NAMES, 'unknown-%u', opt));
    switch (opt) {
      case OPT.MAXSEG:
        datalen = 2;
        lencheck(datalen);
        c.p(` ${c.be16(cp)}`);
        break;
      case OPT.WSCALE:
        datalen = 1;
        lencheck(datalen);
        c.p(` ${c.u8(cp)}`);
        break;
      case OPT.SACK:
        datalen = len - 2;
        if (datalen % 8 !== 0) {
          c.p(' invalid sack');
        } else {
          c.p(` ${datalen / 8} `);
          for (let i = 0; i < datalen; i += 8) {
            lencheck(i + 4);
            let s = c.be32(cp + i);
            lencheck(i + 8);
            let e = c.be32(cp + i + 4);
            if (rev) {
              s = (s - thseq) >>> 0;
              e = (e - thseq) >>> 0;
            } else {
              s = (s - thack) >>> 0;
              e = (e - thack) >>> 0;
            }
            c.p(`{${s}:${e}}`);
          }
        }
        break;
      case OPT.CC:
      case OPT.CCNEW:
      case OPT.CCECHO:
      case OPT.ECHO:
      case OPT.ECHOREPLY:
        datalen = 4;
        lencheck(datalen);
        c.p(` ${c.be32(cp)}`);
        break;
      case OPT.TIMESTAMP:
        datalen = 8;
        lencheck(datalen);
        c.p(` val ${c.be32(cp)} ecr ${c.be32(cp + 4)}`);
        break;
      case OPT.SIGNATURE:
        datalen = TCP_SIGLEN;
        lencheck(datalen);
        c.p(' ');
        // There is no shared secret (tcpdump's -M), so the signature can't be checked.
        c.p(payload + payloadLen > c.snapend ? 'snaplen too short, ' : 'shared secret not supplied with -M, ');
        c.p('can\'t check - ');
        for (let i = 0; i < TCP_SIGLEN; i++) c.p(hex2(c.u8(cp + i)));
        break;
      case OPT.SCPS:
        datalen = 2;
        lencheck(datalen);
        c.p(` cap ${hex2(c.u8(cp))} id ${c.u8(cp + 1)}`);
        break;
      case OPT.TCPAO:
        datalen = len - 2;
        if (datalen < 2) {
          c.invalid();
        } else {
          lencheck(1);
          c.p(` keyid ${c.u8(cp)}`);
          lencheck(2);
          c.p(` rnextkeyid ${c.u8(cp + 1)}`);
          if (datalen > 2) {
            c.p(' mac 0x');
            for (let i = 2; i < datalen; i++) {
              lencheck(i + 1);
              c.p(hex2(c.u8(cp + i)));
            }
          }
        }
        break;
      case OPT.EOL:
      case OPT.NOP:
      case OPT.SACKOK:
        break;
      case OPT.UTO: {
        datalen = 2;
        lencheck(datalen);
        let uto = c.be16(cp);
        c.p(` 0x${uto.toString(16)}`);
        uto = uto & 1 ? (uto >> 1) * 60 : uto >> 1;
        c.p(` ${uto}`);
        break;
      }
      case OPT.FASTOPEN:
        datalen = len - 2;
        lencheck(datalen);
        c.p(' ');
        fastOpen(c, cp, datalen, false);
        break;
      case OPT.EXPERIMENT2: {
        datalen = len - 2;
        lencheck(datalen);
        if (datalen < 2) throw BAD_OPT;
        const magic = c.be16(cp);
        c.p('-');
        if (magic === 0xf989) fastOpen(c, cp + 2, datalen - 2, true);
        else c.p(hex4(magic));
        break;
      }
      default:
        // Includes MPTCP, whose sub-options are not decoded here.
        datalen = len - 2;
        if (datalen) c.p(' 0x');
        for (let i = 0; i < datalen; i++) {
          lencheck(i + 1);
          c.p(hex2(c.u8(cp + i)));
        }
        break;
    }
    cp += datalen;
    hlen -= datalen;
    datalen++;
    if (opt !== OPT.EOL && opt !== OPT.NOP) datalen++;
    if (datalen !== len) c.p(`[len ${len}]`);
    state.ch = ',';
    if (opt === OPT.EOL) break;
  }
}

function fastOpen(c: Ctx, cp: number, datalen: number, exp: boolean): void {
  if (exp) c.p('tfo');
  if (datalen === 0) {
    c.p(' cookiereq');
  } else if (datalen % 2 !== 0 || datalen < 4 || datalen > 16) {
    c.invalid();
  } else {
    c.p(' cookie ');
    for (let i = 0; i < datalen; i++) c.p(hex2(c.u8(cp + i)));
  }
}

function printRstData(c: Ctx, sp: number, length: number): void {
  c.p(c.ttest(sp, length) ? ' [RST' : ' [!RST');
  if (length > MAX_RST_DATA_LEN) {
    length = MAX_RST_DATA_LEN;
    c.p('+');
  }
  c.p(' ');
  while (length > 0 && sp < c.snapend) {
    c.p(fnChar(c.u8(sp)));
    sp++;
    length--;
  }
  c.p(']');
}
