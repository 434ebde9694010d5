// Ethernet II and 802.1Q/802.1ad tags (tcpdump's print-ether.c output).

import { Ctx, tok2str } from './context.js';
import { ETHERTYPE, ETHERTYPE_NAMES } from './tables.js';
import { defaultPrint } from './hexdump.js';
import { ipPrint } from './ip.js';
import { arpPrint } from './arp.js';

const ETHER_HDRLEN = 14;
const MAX_ETHERNET_LENGTH_VAL = 1500;

function isVlanTpid(t: number): boolean {
  return t === ETHERTYPE.VLAN || t === ETHERTYPE.VLAN9100 || t === ETHERTYPE.VLAN9200 || t === ETHERTYPE.QINQ;
}

function etherTypeText(c: Ctx, type: number): string {
  if (c.o.q === 0) return `ethertype ${tok2str(ETHERTYPE_NAMES, 'Unknown', type)} (0x${type.toString(16).padStart(4, '0')})`;
  return tok2str(ETHERTYPE_NAMES, 'Unknown Ethertype (0x%04x)', type);
}

function tciText(tci: number): string {
  return `vlan ${tci & 0xfff}, p ${tci >> 13}${tci & 0x1000 ? ', DEI' : ''}`;
}

/**
 * Prints an Ethernet frame at `p` whose wire length is `length` and of which
 * `caplen` bytes were captured; returns the link-level header length.
 */
export function etherPrint(c: Ctx, p: number, length: number, caplen: number): number {
  c.protocol = 'ether';
  if (length < caplen) {
    c.p(`[length ${length} < caplen ${caplen}]`);
    c.invalid();
    return length;
  }
  if (caplen < ETHER_HDRLEN) {
    c.trunc();
    return caplen;
  }
  const origLength = length;
  const src = p + 6;
  const dst = p;
  length -= 12;
  caplen -= 12;
  p += 12;
  let hdrlen = 12;
  if (c.o.e) c.p(`${c.macaddr(src)} > ${c.macaddr(dst)}, `);

  let lengthType = c.be16(p);
  length -= 2;
  caplen -= 2;
  p += 2;
  hdrlen += 2;

  let printedLength = false;
  while (isVlanTpid(lengthType)) {
    if (caplen < 4) {
      c.protocol = 'vlan';
      c.trunc();
      return hdrlen + caplen;
    }
    if (length < 4) {
      c.protocol = 'vlan';
      c.trunc();
      return hdrlen + length;
    }
    if (c.o.e) {
      const tag = c.be16(p);
      c.p(etherTypeText(c, lengthType));
      if (!printedLength) {
        c.p(`, length ${origLength}: `);
        printedLength = true;
      } else {
        c.p(', ');
      }
      c.p(`${tciText(tag)}, `);
    }
    lengthType = c.be16(p + 2);
    p += 4;
    length -= 4;
    caplen -= 4;
    hdrlen += 4;
  }

  if (lengthType <= MAX_ETHERNET_LENGTH_VAL) {
    // 802.3 length field followed by an LLC header.
    if (lengthType < length) {
      length = lengthType;
      if (caplen > length) caplen = length;
    }
    const saved = c.snapend;
    if (p + length < c.snapend) c.snapend = p + length;
    if (c.o.e) {
      c.p('802.3');
      if (!printedLength) c.p(`, length ${length}: `);
    }
    // LLC: only the too-short cases are decoded; an LLC header is dumped raw.
    c.protocol = 'llc';
    // An I or S frame (control field low bits not 11) has a 2-byte control field.
    const need = caplen >= 3 && (c.u8(p + 2) & 3) !== 3 ? 4 : 3;
    if (caplen < need || length < need) {
      c.trunc();
      defaultPrint(c, p, caplen);
      hdrlen += caplen < need ? caplen : length;
    } else {
      defaultPrint(c, p, caplen);
    }
    c.snapend = saved;
    return hdrlen;
  }

  if (c.o.e) {
    c.p(etherTypeText(c, lengthType));
    c.p(printedLength ? ', ' : `, length ${origLength}: `);
  }
  if (!ethertypePrint(c, lengthType, p, length, caplen)) {
    if (!c.o.e) {
      c.p(`${c.macaddr(src)} > ${c.macaddr(dst)}, `);
      c.p(etherTypeText(c, lengthType));
      c.p(`, length ${origLength}: `);
    }
    defaultPrint(c, p, caplen);
  }
  return hdrlen;
}

/** Dispatches on an Ethernet type; false when the type has no printer. */
export function ethertypePrint(c: Ctx, type: number, p: number, length: number, caplen: number): boolean {
  switch (type) {
    case ETHERTYPE.IP:
      ipPrint(c, p, length);
      return true;
    case ETHERTYPE.ARP:
    case ETHERTYPE.REVARP:
      arpPrint(c, p, length, caplen);
      return true;
    default:
      return false;
  }
}
