// ARP / RARP (tcpdump's print-arp.c output for Ethernet-style ARP).

import { Ctx, tok2str } from './context.js';
import { ETHERTYPE, ETHERTYPE_NAMES } from './tables.js';
import { defaultPrint } from './hexdump.js';

const ARP_OPS = new Map<number, string>([
  [1, 'Request'], [2, 'Reply'], [3, 'Reverse Request'], [4, 'Reverse Reply'],
  [8, 'Inverse Request'], [9, 'Inverse Reply'], [10, 'NACK Reply'],
]);

const ARP_HARDWARE = new Map<number, string>([
  [1, 'Ethernet'], [6, 'TokenRing'], [7, 'ArcNet'], [15, 'FrameRelay'], [23, 'Strip'],
  [24, 'IEEE 1394'], [19, 'ATM'], [32, 'InfiniBand'],
]);

export function arpPrint(c: Ctx, bp: number, length: number, caplen: number): void {
  c.protocol = 'arp';
  c.check(bp, 8);
  const hrd = c.be16(bp);
  const pro = c.be16(bp + 2);
  const hln = c.u8(bp + 4);
  const pln = c.u8(bp + 5);
  const op = c.be16(bp + 6);
  const sha = bp + 8;
  const spa = sha + hln;
  const tha = spa + pln;
  const tpa = tha + hln;
  c.check(tpa, pln);

  if (!c.o.e) c.p('ARP, ');
  const ipProto = pro === ETHERTYPE.IP || pro === ETHERTYPE.TRAIL;
  if (!ipProto || pln !== 4 || hln === 0 || c.o.v > 0) {
    c.p(`${tok2str(ARP_HARDWARE, 'Unknown Hardware (%u)', hrd)} (len ${hln}), ` +
      `${tok2str(ETHERTYPE_NAMES, 'Unknown Protocol (0x%04x)', pro)} (len ${pln})`);
    if (c.o.v === 0) {
      c.p(`, length ${length}`);
      return;
    }
  }
  c.p(`${c.o.v > 0 ? ', ' : ''}${tok2str(ARP_OPS, 'Unknown (%u)', op)} `);

  const protoAddr = (off: number): string => {
    if (!ipProto) return '<wrong proto type>';
    if (pln !== 4) return '<wrong len>';
    return c.ipaddr(off);
  };

  switch (op) {
    case 1: {
      c.p('who-has ');
      c.p(protoAddr(tpa));
      let nonzero = false;
      for (let i = 0; i < hln && !nonzero; i++) if (c.u8(tha + i) !== 0) nonzero = true;
      if (nonzero) c.p(` (${c.linkaddr(tha, hln)})`);
      c.p(' tell ');
      c.p(protoAddr(spa));
      break;
    }
    case 2:
      c.p(protoAddr(spa));
      c.p(` is-at ${c.linkaddr(sha, hln)}`);
      break;
    case 3:
    case 8:
      c.p(`who-is ${c.linkaddr(tha, hln)}`);
      c.p(` tell ${c.linkaddr(sha, hln)}`);
      break;
    case 4:
      c.p(`${c.linkaddr(tha, hln)} at `);
      c.p(protoAddr(tpa));
      break;
    case 9:
      c.p(`${c.linkaddr(sha, hln)} at `);
      c.p(protoAddr(spa));
      break;
    default:
      defaultPrint(c, bp, caplen);
      return;
  }
  c.p(`, length ${length}`);
}
