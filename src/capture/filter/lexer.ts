// Tokens of the pcap-filter language (the subset pask's tcpdump supports).

export type TokKind =
  | 'num' // decimal, 0x hex or 0-prefixed octal, or a named constant (tcp-syn, icmp-echo, ...)
  | 'hid' // dotted IPv4 address or prefix: 10, 10.1, 10.1.2.3 (two to four parts)
  | 'eid' // MAC address
  | 'id' // a name (\tcp is the name "tcp", not the keyword)
  | 'kw' // a keyword
  | 'op' // punctuation and operators
  | 'end';

export interface Token {
  kind: TokKind;
  text: string;
  /** Numeric value of num tokens. */
  value: number;
  pos: number;
}

export class FilterSyntaxError extends Error {
  override name = 'FilterSyntaxError';
}

export const KEYWORDS = new Set([
  'host', 'net', 'mask', 'port', 'portrange', 'src', 'dst', 'ether', 'link', 'ip', 'ip6', 'arp', 'rarp',
  'tcp', 'udp', 'icmp', 'icmp6', 'sctp', 'igmp', 'proto', 'len', 'length', 'less', 'greater', 'vlan',
  'and', 'or', 'not', 'broadcast', 'multicast', 'gateway',
]);

/** Named constants the scanner turns into numbers. */
export const CONSTANTS = new Map<string, number>([
  ['icmptype', 0], ['icmpcode', 1],
  ['icmp-echoreply', 0], ['icmp-unreach', 3], ['icmp-sourcequench', 4], ['icmp-redirect', 5],
  ['icmp-echo', 8], ['icmp-routeradvert', 9], ['icmp-routersolicit', 10], ['icmp-timxceed', 11],
  ['icmp-paramprob', 12], ['icmp-tstamp', 13], ['icmp-tstampreply', 14], ['icmp-ireq', 15],
  ['icmp-ireqreply', 16], ['icmp-maskreq', 17], ['icmp-maskreply', 18],
  ['tcpflags', 13], ['tcp-fin', 0x01], ['tcp-syn', 0x02], ['tcp-rst', 0x04], ['tcp-push', 0x08],
  ['tcp-ack', 0x10], ['tcp-urg', 0x20], ['tcp-ece', 0x40], ['tcp-cwr', 0x80],
]);

const OPS = ['&&', '||', '!=', '==', '<=', '>=', '<<', '>>', '(', ')', '[', ']', ':', '!', '=', '<', '>', '+', '-', '*', '/', '%', '&', '|', '^'];

const MAC_RE = /^[0-9A-Fa-f]{1,2}(?::[0-9A-Fa-f]{1,2}){5}(?![0-9A-Za-z:.])/;
const WORD_RE = /^[A-Za-z0-9](?:[-_.A-Za-z0-9]*[.A-Za-z0-9])?/;
const ESCAPED_RE = /^\\[^ \t\n!()[\]]+/;

function parseNumber(text: string): number | null {
  if (/^0[xX][0-9A-Fa-f]+$/.test(text)) return Number.parseInt(text.slice(2), 16);
  if (/^0[0-7]+$/.test(text)) return Number.parseInt(text.slice(1), 8);
  if (/^[0-9]+$/.test(text)) return Number(text);
  return null;
}

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i++;
      continue;
    }
    const rest = src.slice(i);
    let m = MAC_RE.exec(rest);
    if (m) {
      out.push({ kind: 'eid', text: m[0], value: 0, pos: i });
      i += m[0].length;
      continue;
    }
    m = ESCAPED_RE.exec(rest);
    if (m) {
      out.push({ kind: 'id', text: m[0].slice(1), value: 0, pos: i });
      i += m[0].length;
      continue;
    }
    m = WORD_RE.exec(rest);
    if (m) {
      const text = m[0];
      const lower = text.toLowerCase();
      const num = parseNumber(text);
      if (num !== null) out.push({ kind: 'num', text, value: num, pos: i });
      else if (/^[0-9]+(?:\.[0-9]+){1,3}$/.test(text)) out.push({ kind: 'hid', text, value: 0, pos: i });
      else if (CONSTANTS.has(lower)) out.push({ kind: 'num', text, value: CONSTANTS.get(lower)!, pos: i });
      else if (KEYWORDS.has(lower)) out.push({ kind: 'kw', text: lower === 'length' ? 'len' : lower, value: 0, pos: i });
      else out.push({ kind: 'id', text, value: 0, pos: i });
      i += text.length;
      continue;
    }
    const op = OPS.find((o) => rest.startsWith(o));
    if (op === undefined) throw new FilterSyntaxError(`syntax error in filter expression: illegal character '${ch}' at position ${i + 1}`);
    out.push({ kind: 'op', text: op === '==' ? '=' : op, value: 0, pos: i });
    i += op.length;
  }
  out.push({ kind: 'end', text: '', value: 0, pos: src.length });
  return out;
}
