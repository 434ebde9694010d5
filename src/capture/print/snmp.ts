// SNMP (UDP 161/162). tcpdump decodes the BER-encoded PDU; this printer
// decodes only the empty datagram (" [nothing to parse]", the health-check
// probe) and a cut one (" [|snmp]"). A PDU is summarised by its outer tag
// and length instead of tcpdump's full decode.

import { Ctx } from './context.js';

export function snmpPrint(c: Ctx, p: number, length: number): void {
  c.protocol = 'snmp';
  c.p(' ');
  if (length < 1) {
    c.p('[nothing to parse]');
    return;
  }
  const tag = c.u8(p);
  c.p(`[snmp pdu tag 0x${tag.toString(16).padStart(2, '0')}, length ${length}]`);
}
