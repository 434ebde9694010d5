// UDP (tcpdump's print-udp.c output) and the UDP encapsulations the
// appliance carries (VXLAN, GENEVE; VXLAN on Linux's port 8472 is tcpdump's OTV); SNMP only
// as far as an empty payload.

import { Ctx, cksumShouldBe, hex4 } from './context.js';
import { nextProto4Cksum } from './ip.js';
import { vxlanPrint } from './vxlan.js';
import { otvPrint } from './otv.js';
import { genevePrint } from './geneve.js';
import { snmpPrint } from './snmp.js';

const PORT = { SNMP: 161, SNMPTRAP: 162, VXLAN: 4789, GENEVE: 6081, OTV: 8472 } as const;

function addrs(c: Ctx, iph: number, sport: number, dport: number): void {
  if (c.u8(iph + 9) === 17) {
    if (sport < 0) c.p(`${c.ipaddr(iph + 12)} > ${c.ipaddr(iph + 16)}: `);
    else c.p(`${c.ipaddr(iph + 12)}.${c.udpport(sport)} > ${c.ipaddr(iph + 16)}.${c.udpport(dport)}: `);
  } else if (sport >= 0) {
    c.p(`${c.udpport(sport)} > ${c.udpport(dport)}: `);
  }
}

/**
 * Ports tcpdump hands to printers this module doesn't have, checked before
 * VXLAN and GENEVE in its dispatch order; such datagrams get the plain
 * "UDP, length N" line instead of a misleading decode.
 */
const OTHER_PRINTER_PORTS = new Set([
  53, 5353, 525, 69, 67, 68, 520, 654, 500, 4500, 7500, 8500, 123, 88, 750, 1701, 137, 138, 2103, 2104,
  521, 546, 547, 5359, 6696, 6697, 8231, 496, 1645, 1812, 1646, 1813, 1700, 3799, 921, 646, 698, 3503,
  701, 1589, 6343, 12222, 5060, 514,
]);
const OTHER_PRINTER_DPORTS = new Set([3456, 4567, 1985, 3784, 4784, 6784, 3785, 12223]);

function decodedByOtherPrinter(sport: number, dport: number): boolean {
  if (isPort(sport, dport, PORT.SNMP) || isPort(sport, dport, PORT.SNMPTRAP)) {
    // SNMP comes after the name service, DHCP, ISAKMP... ports in tcpdump's order.
    return [53, 5353, 525, 69, 67, 68, 520, 654, 500, 4500, 7500, 8500].some((p) => isPort(sport, dport, p));
  }
  if (OTHER_PRINTER_PORTS.has(sport) || OTHER_PRINTER_PORTS.has(dport)) return true;
  if (OTHER_PRINTER_DPORTS.has(dport) || sport === 49152 || sport === 12223) return true;
  return (sport >= 7000 && sport <= 7009) || (dport >= 7000 && dport <= 7009);
}

function isPort(sport: number, dport: number, p: number): boolean {
  return sport === p || dport === p;
}

export function udpPrint(c: Ctx, bp: number, length: number, iph: number, fragmented: boolean): void {
  c.protocol = 'udp';
  if (!c.ttest(bp + 2, 2)) {
    addrs(c, iph, -1, -1);
    c.trunc();
    return;
  }
  const sport = c.be16(bp);
  const dport = c.be16(bp + 2);
  if (length < 8) {
    addrs(c, iph, sport, dport);
    c.p(`truncated-udp ${length}`);
    return;
  }
  if (!c.ttest(bp + 4, 2)) {
    addrs(c, iph, sport, dport);
    c.trunc();
    return;
  }
  let ulen = c.be16(bp + 4);
  if (ulen === 0 && length > 65535) ulen = length;
  if (ulen < 8) {
    addrs(c, iph, sport, dport);
    c.p(`truncated-udplength ${ulen}`);
    return;
  }
  ulen -= 8;
  length -= 8;
  if (ulen < length) length = ulen;
  const cp = bp + 8;
  if (cp > c.snapend) {
    addrs(c, iph, sport, dport);
    c.trunc();
    return;
  }
  addrs(c, iph, sport, dport);

  if (c.o.v > 0 && !fragmented && (c.u8(iph) >> 4) === 4 && c.o.v > 1) {
    const field = c.be16(bp + 6);
    if (field === 0) {
      c.p('[no cksum] ');
    } else if (c.ttest(cp, length)) {
      const sum = nextProto4Cksum(c, iph, bp, length + 8, 17);
      c.p(sum !== 0 ? `[bad udp cksum 0x${hex4(field)} -> 0x${hex4(cksumShouldBe(field, sum))}!] ` : '[udp sum ok] ');
    }
  }

  if (c.o.q === 0 && !decodedByOtherPrinter(sport, dport)) {
    if (isPort(sport, dport, PORT.SNMP) || isPort(sport, dport, PORT.SNMPTRAP)) {
      snmpPrint(c, cp, length);
      return;
    }
    if (isPort(sport, dport, PORT.OTV)) {
      otvPrint(c, cp, length);
      return;
    }
    if (isPort(sport, dport, PORT.VXLAN)) {
      vxlanPrint(c, cp, length);
      return;
    }
    if (isPort(sport, dport, PORT.GENEVE)) {
      genevePrint(c, cp, length);
      return;
    }
  }
  if (ulen > length && !fragmented) c.p(`UDP, bad length ${ulen} > ${length}`);
  else c.p(`UDP, length ${ulen}`);
}
