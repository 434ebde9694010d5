// VXLAN (UDP 4789): header line, then the inner Ethernet frame on a new line.

import { Ctx, bittok2str, hex2 } from './context.js';
import { etherPrint } from './ether.js';

const VXLAN_HDR_LEN = 8;
const VXLAN_FLAGS: ReadonlyArray<readonly [number, string]> = [[0x08, 'I']];

export function vxlanPrint(c: Ctx, bp: number, len: number): void {
  c.protocol = 'vxlan';
  c.p('VXLAN');
  if (len < VXLAN_HDR_LEN) {
    c.invalid();
    return;
  }
  const flags = c.u8(bp);
  c.p(`, flags [${bittok2str(VXLAN_FLAGS, 'invalid', flags, '')}] (0x${hex2(flags)}), `);
  const vni = c.be24(bp + 4);
  c.p(`vni ${vni}\n`);
  c.check(bp + 7, 1);
  const inner = bp + VXLAN_HDR_LEN;
  etherPrint(c, inner, len - VXLAN_HDR_LEN, c.avail(inner));
}
