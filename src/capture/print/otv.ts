// OTV (UDP 8472, draft-hasmit-otv-04): tcpdump's name for what arrives on Linux's default VXLAN
// port. The header has VXLAN's layout read as flags, a 24-bit overlay and a 24-bit instance (the
// VNI); then the inner Ethernet frame on a new line.

import { Ctx, hex2 } from './context.js';
import { etherPrint } from './ether.js';

const OTV_HDR_LEN = 8;

export function otvPrint(c: Ctx, bp: number, len: number): void {
  c.protocol = 'otv';
  c.p('OTV, ');
  if (len < OTV_HDR_LEN) {
    c.p(`[length ${len} < ${OTV_HDR_LEN}]`);
    c.invalid();
    c.check(bp, len);
    return;
  }
  const flags = c.u8(bp);
  c.p(`flags [${flags & 0x08 ? 'I' : '.'}] (0x${hex2(flags)}), `);
  c.p(`overlay ${c.be24(bp + 1)}, `);
  c.p(`instance ${c.be24(bp + 4)}\n`);
  c.check(bp + 7, 1);
  const inner = bp + OTV_HDR_LEN;
  etherPrint(c, inner, len - OTV_HDR_LEN, c.avail(inner));
}
