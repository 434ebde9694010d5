// The typed arguments a syntax string may name. Each type knows how to recognise a token,
// how to describe itself in `?` help, and what value it binds.

import { parseIpv4, parseMac, parsePrefix, type Ipv4, type Prefix } from '../../net/addr.js';

export type ArgValue = string | number | Ipv4 | Prefix | number[] | { from: number; to: number };

export interface ArgType {
  /** Placeholder shown in help and docs, e.g. `A.B.C.D`. */
  readonly name: string;
  readonly help: string;
  /** The bound value, or null when the token is not of this type. */
  parse(text: string): ArgValue | null;
  /** Why a token is not of this type, for `% ` errors that name the bad value. */
  explain?(text: string): string | null;
  /** Rest-of-line: consumes every remaining token. */
  readonly rest?: boolean;
  /** Accepts any token: ranks below keywords when both match. */
  readonly loose?: boolean;
}

const ipv4Type: ArgType = {
  name: 'A.B.C.D',
  help: 'IPv4 address',
  parse: (t) => parseIpv4(t),
};

const prefixType: ArgType = {
  name: 'A.B.C.D/M',
  help: 'IPv4 prefix',
  parse: (t) => parsePrefix(t),
};

const macType: ArgType = {
  name: 'XX:XX:XX:XX:XX:XX',
  help: 'MAC address',
  parse: (t) => parseMac(t),
};

const wordType: ArgType = {
  name: 'WORD',
  help: 'A word',
  parse: (t) => (t.length > 0 ? t : null),
  loose: true,
};

const nameType: ArgType = {
  name: 'NAME',
  help: 'A name (letters, digits, - and _; up to 31 characters)',
  parse: (t) => (/^[A-Za-z][A-Za-z0-9_.-]{0,30}$/.test(t) ? t : null),
  explain: (t) => `% Invalid name "${t}": use up to 31 letters, digits, '-', '_' or '.', starting with a letter`,
  loose: true,
};

const lineType: ArgType = {
  name: 'LINE',
  help: 'Text to the end of the line',
  parse: (t) => t,
  rest: true,
  loose: true,
};

/** Switch ports: `1`, `1,2`, `1-4,9`. */
const portListType: ArgType = {
  name: 'PORTS',
  help: 'Port list, e.g. 1,2,5-8 (ports 1-16)',
  parse: (t) => parseNumberList(t, 1, 16),
  explain: (t) => `% Invalid port list "${t}": use port numbers 1-16 separated by ',' or '-'`,
};

/** `80` or `1000-2000`. */
const l4RangeType: ArgType = {
  name: 'PORT[-PORT]',
  help: 'A TCP/UDP port or range, e.g. 80 or 1000-2000',
  parse: (t) => {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(t);
    if (!m) return null;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    return from <= to && to <= 65535 ? { from, to } : null;
  },
};

const idListType: ArgType = {
  name: 'IDS',
  help: 'ID list, e.g. 1,2,5-8',
  parse: (t) => parseNumberList(t, 1, 65535),
};

function parseNumberList(t: string, min: number, max: number): number[] | null {
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(t)) return null;
  const out = new Set<number>();
  for (const part of t.split(',')) {
    const [a, b] = part.split('-').map(Number) as [number, number | undefined];
    const to = b ?? a;
    if (a < min || to > max || a > to) return null;
    for (let p = a; p <= to; p++) out.add(p);
  }
  return [...out].sort((x, y) => x - y);
}

export function rangeType(min: number, max: number): ArgType {
  return {
    name: `<${min}-${max}>`,
    help: `A number from ${min} to ${max}`,
    parse: (t) => {
      if (!/^\d{1,10}$/.test(t)) return null;
      const v = Number(t);
      return v >= min && v <= max ? v : null;
    },
    explain: (t) => (/^\d+$/.test(t) ? `% Value ${t} is out of range (${min}-${max})` : null),
  };
}

export const ARG_TYPES: Readonly<Record<string, ArgType>> = {
  'A.B.C.D': ipv4Type,
  'A.B.C.D/M': prefixType,
  'XX:XX:XX:XX:XX:XX': macType,
  WORD: wordType,
  NAME: nameType,
  LINE: lineType,
  PORTS: portListType,
  PORTRANGE: l4RangeType,
  IDS: idListType,
};
