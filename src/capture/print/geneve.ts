// GENEVE (UDP 6081): header, options (listed with -v, data words with -vv), inner packet.

import { Ctx, bittok2str, tok2str } from './context.js';
import { ETHERTYPE, ETHERTYPE_NAMES } from './tables.js';
import { etherPrint, ethertypePrint } from './ether.js';

const GENEVE_FLAGS: ReadonlyArray<readonly [number, string]> = [
  [0x80, 'O'], [0x40, 'C'], [0x20, 'R1'], [0x10, 'R2'], [0x08, 'R3'], [0x04, 'R4'], [0x02, 'R5'], [0x01, 'R6'],
];

function optClass(cls: number): string {
  switch (cls) {
    case 0x0100: return 'Linux';
    case 0x0101: return 'Open vSwitch';
    case 0x0102: return 'Open Virtual Networking (OVN)';
    case 0x0103: return 'In-band Network Telemetry (INT)';
    case 0x0104: return 'VMware';
    default:
      if (cls <= 0x00ff) return 'Standard';
      if (cls >= 0xfff0) return 'Experimental';
      return 'Unknown';
  }
}

function printOptions(c: Ctx, bp: number, len: number): void {
  let sep = '';
  while (len > 0) {
    c.p(sep);
    sep = ', ';
    const cls = c.be16(bp);
    const type = c.u8(bp + 2);
    const optLen = 4 + (c.u8(bp + 3) & 0x1f) * 4;
    c.p(`class ${optClass(cls)} (0x${cls.toString(16)}) type 0x${type.toString(16)}${type & 0x80 ? '(C)' : ''} len ${optLen}`);
    if (optLen > len) {
      c.p(' [bad length]');
      return;
    }
    if (c.o.v > 1 && optLen > 4) {
      c.p(' data');
      for (let i = 4; i < optLen; i += 4) c.p(` ${c.be32(bp + i).toString(16).padStart(8, '0')}`);
    }
    bp += optLen;
    len -= optLen;
  }
}

export function genevePrint(c: Ctx, bp: number, len: number): void {
  c.protocol = 'geneve';
  c.p('Geneve');
  if (len < 8) {
    c.p(` [length ${len} < 8]`);
    c.invalid();
    return;
  }
  if (!c.ttest(bp, 8)) {
    c.trunc();
    return;
  }
  const verOpt = c.u8(bp);
  const version = verOpt >> 6;
  if (version !== 0) {
    c.p(` ERROR: unknown-version ${version}`);
    return;
  }
  const flags = c.u8(bp + 1);
  const prot = c.be16(bp + 2);
  const vni = c.be24(bp + 4);
  const reserved = c.u8(bp + 7);
  bp += 8;
  len -= 8;
  c.p(`, Flags [${bittok2str(GENEVE_FLAGS, 'none', flags, '')}]`);
  c.p(`, vni 0x${vni.toString(16)}`);
  if (reserved) c.p(`, rsvd 0x${reserved.toString(16)}`);
  if (c.o.e) c.p(`, proto ${tok2str(ETHERTYPE_NAMES, 'unknown', prot)} (0x${prot.toString(16).padStart(4, '0')})`);
  const optsLen = (verOpt & 0x3f) * 4;
  if (len < optsLen) {
    c.p(` truncated-geneve - ${optsLen - len} bytes missing`);
    return;
  }
  if (!c.ttest(bp, optsLen)) {
    c.trunc();
    return;
  }
  if (optsLen > 0) {
    c.p(', options [');
    if (c.o.v > 0) printOptions(c, bp, optsLen);
    else c.p(`${optsLen} bytes`);
    c.p(']');
  }
  bp += optsLen;
  len -= optsLen;
  c.p(c.o.v < 1 ? ': ' : '\n\t');
  if (!ethertypePrint(c, prot, bp, len, c.avail(bp))) {
    if (prot === ETHERTYPE.TEB) etherPrint(c, bp, len, c.avail(bp));
    else c.p(`geneve-proto-0x${prot.toString(16)}`);
  }
}
