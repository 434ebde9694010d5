// Parser and code generator for pcap-filter expressions (the subset operators
// use on the appliance), following libpcap's grammar: `and` and `or` have the
// same precedence and associate to the left, `not` binds to one term, and a
// bare address after `and`/`or` reuses the previous qualifiers
// ("host a or b"). After `vlan`, later primitives look inside the tag.

import { FilterSyntaxError, tokenize, type Token } from './lexer.js';
import {
  ETH_ARP, ETH_IP, ETH_IPV6, ETH_RARP, TRUE, and, andGuards, anyOf, arpHost, constant, etherHost, ethertype,
  ip6Proto, ipFirstFragment, ipHeaderLen, ipHost, ipProto, layout, ld16, ld32, ld8, load, or, portMatch,
  leaf, and3, or3, not3, type Arith, type Dir, type Env, type Layout, type Pred, type Term,
} from './primitives.js';
import { TCP_SERVICES, UDP_SERVICES, IP_PROTOCOL_NAMES } from '../print/services.js';

type ProtoQual = 'default' | 'link' | 'ip' | 'ip6' | 'arp' | 'rarp' | 'tcp' | 'udp' | 'icmp' | 'icmp6' | 'sctp' | 'igmp';
type AddrQual = 'default' | 'host' | 'net' | 'port' | 'portrange' | 'proto';

interface Qual {
  proto: ProtoQual;
  dir: Dir;
  addr: AddrQual;
}

/** Qualifiers of a term that a bare address can't continue ("tcp or 80"). */
const NO_QUAL: Qual | null = null;

const PNAMES = new Set(['ether', 'link', 'ip', 'ip6', 'arp', 'rarp', 'tcp', 'udp', 'icmp', 'icmp6', 'sctp', 'igmp']);
const IP_PROTO_NUM: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, icmp6: 58, sctp: 132, igmp: 2 };

export class FilterError extends Error {
  override name = 'FilterError';
}

interface Result {
  pred: Term;
  q: Qual | null;
}

const RELOPS = new Set(['>', '>=', '=', '<=', '<', '!=']);
const ARITH_OPS = new Set(['+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>']);
const BINARY_PRECEDENCE: Record<string, number> = {
  '|': 1, '^': 1, '&': 2, '<<': 3, '>>': 3, '+': 4, '-': 4, '*': 5, '/': 5, '%': 5,
};

function describe(t: Token): string {
  return t.kind === 'end' ? 'end of expression' : `'${t.text}'`;
}

class Parser {
  private i = 0;
  /** Bytes of VLAN tags the primitives parsed so far look past. */
  private vlanShift = 0;

  constructor(private readonly toks: Token[], private readonly netmask: number | null) {}

  private peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }

  private is(t: Token, kind: Token['kind'], text?: string): boolean {
    return t.kind === kind && (text === undefined || t.text === text);
  }

  private isAnd(t: Token): boolean {
    return (t.kind === 'kw' && t.text === 'and') || (t.kind === 'op' && t.text === '&&');
  }

  private isOr(t: Token): boolean {
    return (t.kind === 'kw' && t.text === 'or') || (t.kind === 'op' && t.text === '||');
  }

  private isNot(t: Token): boolean {
    return (t.kind === 'kw' && t.text === 'not') || (t.kind === 'op' && t.text === '!');
  }

  syntax(t: Token = this.peek()): never {
    throw new FilterSyntaxError(`syntax error in filter expression: unexpected ${describe(t)}${t.kind === 'end' ? '' : ` at position ${t.pos + 1}`}`);
  }

  private expectOp(text: string): void {
    const t = this.next();
    if (!this.is(t, 'op', text)) this.syntax(t);
  }

  private get l(): Layout {
    return layout(this.vlanShift);
  }

  parseProgram(): Term {
    if (this.peek().kind === 'end') return leaf(TRUE);
    const r = this.parseExpr();
    if (this.peek().kind !== 'end') this.syntax();
    return r.pred;
  }

  private parseExpr(): Result {
    let { pred, q } = this.parseTerm();
    for (;;) {
      const t = this.peek();
      const isAnd = this.isAnd(t);
      if (!isAnd && !this.isOr(t)) break;
      this.next();
      let rhs: Term;
      if (this.isIdStart(this.i)) {
        if (q === null) this.syntax();
        rhs = this.parseId(q);
      } else {
        const r = this.parseTerm();
        rhs = r.pred;
        q = r.q;
      }
      pred = isAnd ? and3(pred, rhs) : or3(pred, rhs);
    }
    return { pred, q };
  }

  /** Whether the tokens at j start a bare address (an `id`) rather than a term. */
  private isIdStart(j: number): boolean {
    const t = this.toks[j]!;
    if (t.kind === 'hid' || t.kind === 'eid' || t.kind === 'id') return true;
    if (t.kind === 'num') {
      const n = this.toks[j + 1]!;
      return n.kind === 'end' || this.isAnd(n) || this.isOr(n) || this.is(n, 'op', ')');
    }
    if (this.isNot(t)) return this.isIdStart(j + 1);
    if (this.is(t, 'op', '(')) return this.isIdStart(j + 1);
    return false;
  }

  private parseTerm(): Result {
    if (this.isNot(this.peek())) {
      this.next();
      const r = this.parseTerm();
      return { pred: not3(r.pred), q: r.q };
    }
    return this.parseRterm();
  }

  private parseRterm(): Result {
    const t = this.peek();
    if (this.is(t, 'op', '(')) {
      const save = this.i;
      const saveShift = this.vlanShift;
      try {
        return { pred: leaf(this.parseRelation()), q: NO_QUAL };
      } catch (e) {
        if (!(e instanceof FilterSyntaxError)) throw e;
        this.i = save;
        this.vlanShift = saveShift;
      }
      this.next();
      const r = this.parseExpr();
      this.expectOp(')');
      return { pred: r.pred, q: NO_QUAL };
    }
    if (t.kind === 'num' || this.is(t, 'kw', 'len') || this.is(t, 'op', '-')) {
      return { pred: leaf(this.parseRelation()), q: NO_QUAL };
    }
    if (t.kind === 'kw' && PNAMES.has(t.text)) {
      const n = this.peek(1);
      if (this.is(n, 'op', '[')) return { pred: leaf(this.parseRelation()), q: NO_QUAL };
      if (n.kind === 'kw' && ['src', 'dst', 'host', 'net', 'port', 'portrange', 'proto', 'gateway'].includes(n.text)) {
        return this.parseHeadAndId();
      }
      if (this.is(n, 'kw', 'broadcast') || this.is(n, 'kw', 'multicast')) {
        this.next();
        return { pred: leaf(this.castPrimitive(t.text, this.next().text)), q: NO_QUAL };
      }
      this.next();
      return { pred: leaf(this.protoAbbrev(t.text)), q: NO_QUAL };
    }
    if (t.kind === 'kw') {
      switch (t.text) {
        case 'src':
        case 'dst':
        case 'host':
        case 'net':
        case 'port':
        case 'portrange':
        case 'proto':
        case 'gateway':
          return this.parseHeadAndId();
        case 'vlan':
          this.next();
          return { pred: leaf(this.vlan()), q: NO_QUAL };
        case 'less':
        case 'greater': {
          this.next();
          const n = this.next();
          if (n.kind !== 'num') this.syntax(n);
          const v = n.value >>> 0;
          const pred: Pred = t.text === 'less' ? (e) => e.wirelen <= v : (e) => e.wirelen >= v;
          return { pred: leaf(pred), q: NO_QUAL };
        }
        case 'broadcast':
        case 'multicast':
          this.next();
          return { pred: leaf(this.castPrimitive('default', t.text)), q: NO_QUAL };
      }
    }
    this.syntax(t);
  }

  private parseHeadAndId(): Result {
    let proto: ProtoQual = 'default';
    const t = this.peek();
    if (t.kind === 'kw' && PNAMES.has(t.text)) {
      proto = t.text === 'ether' ? 'link' : (t.text as ProtoQual);
      this.next();
    }
    let dir: Dir = 'default';
    let addr: AddrQual = 'default';
    const d = this.peek();
    if (this.is(d, 'kw', 'src') || this.is(d, 'kw', 'dst')) {
      this.next();
      dir = d.text as Dir;
      const c = this.peek();
      const other = d.text === 'src' ? 'dst' : 'src';
      if ((this.isOr(c) || this.isAnd(c)) && this.is(this.peek(1), 'kw', other)) {
        this.next();
        this.next();
        dir = this.isOr(c) ? 'or' : 'and';
      }
    }
    const a = this.peek();
    if (a.kind === 'kw' && ['host', 'net', 'port', 'portrange', 'proto'].includes(a.text)) {
      this.next();
      addr = a.text as AddrQual;
    } else if (this.is(a, 'kw', 'gateway')) {
      throw new FilterError("'gateway' needs host name resolution, which this appliance does not do");
    } else if (dir === 'default') {
      this.syntax(a);
    }
    const q: Qual = { proto, dir, addr };
    return { pred: this.parseId(q), q };
  }

  /** An address or list of addresses under the qualifiers q. */
  private parseId(q: Qual): Term {
    const t = this.peek();
    if (this.isNot(t)) {
      this.next();
      return not3(this.parseId(q));
    }
    if (this.is(t, 'op', '(')) {
      this.next();
      let p = this.parseId(q);
      for (;;) {
        const c = this.peek();
        if (this.isAnd(c)) {
          this.next();
          p = and3(p, this.parseId(q));
        } else if (this.isOr(c)) {
          this.next();
          p = or3(p, this.parseId(q));
        } else break;
      }
      this.expectOp(')');
      return p;
    }
    this.next();
    switch (t.kind) {
      case 'hid': {
        const n = this.peek();
        if (this.is(n, 'op', '/')) {
          this.next();
          const len = this.next();
          if (len.kind !== 'num') this.syntax(len);
          return leaf(this.maskedNet(t.text, q, len.value, `${t.text}/${len.text}`));
        }
        if (this.is(n, 'kw', 'mask')) {
          this.next();
          const m = this.next();
          if (m.kind !== 'hid') this.syntax(m);
          const mask = parseDotted(m.text);
          if (mask === null || mask.parts !== 4) throw new FilterError(`invalid IPv4 netmask '${m.text}'`);
          return leaf(this.maskedNet(t.text, q, mask.value, `${t.text} mask ${m.text}`, true));
        }
        return leaf(this.numericAddr(t.text, q));
      }
      case 'num':
        return leaf(this.number(t.value, q));
      case 'eid':
        return leaf(this.ether(t.text, q));
      case 'id':
        return leaf(this.name(t.text, q));
      default:
        this.syntax(t);
    }
  }

  private maskedNet(text: string, q: Qual, lenOrMask: number, shown: string, isMask = false): Pred {
    if (q.addr !== 'net' && q.addr !== 'default') throw new FilterError('Mask syntax for networks only');
    if (q.proto === 'link') throw new FilterError('illegal link layer address');
    const a = parseDotted(text);
    if (a === null) throw new FilterError(`invalid IPv4 address '${text}'`);
    let mask: number;
    if (isMask) {
      mask = lenOrMask >>> 0;
    } else {
      if (lenOrMask > 32) throw new FilterError(`mask length must be <= 32`);
      mask = lenOrMask === 0 ? 0 : (0xffffffff << (32 - lenOrMask)) >>> 0;
    }
    const addr = (a.value << (32 - a.parts * 8)) >>> 0;
    if (((addr & ~mask) >>> 0) !== 0) throw new FilterError(`non-network bits set in "${shown}"`);
    return this.hostOrNet(addr, mask, q);
  }

  private numericAddr(text: string, q: Qual): Pred {
    const a = parseDotted(text);
    if (a === null) throw new FilterError(`invalid IPv4 address '${text}'`);
    switch (q.addr) {
      case 'port':
      case 'portrange':
      case 'proto':
        throw new FilterError(`'${q.addr}' modifier applied to ip host`);
    }
    if (q.proto === 'link') throw new FilterError('illegal link layer address');
    const shift = 32 - a.parts * 8;
    const addr = (a.value * 2 ** shift) >>> 0;
    const mask = shift >= 32 ? 0 : (0xffffffff << shift) >>> 0;
    return this.hostOrNet(addr, mask, q);
  }

  private number(v: number, q: Qual): Pred {
    switch (q.addr) {
      case 'port':
      case 'portrange': {
        if (v > 65535) throw new FilterError(`illegal port number ${v} > 65535`);
        return this.port(q, v, v);
      }
      case 'proto':
        return this.protoNumber(q, v);
      default: {
        if (q.proto === 'link') throw new FilterError('illegal link layer address');
        let addr = v >>> 0;
        let mask = 0xffffffff;
        if (q.addr === 'net') {
          while (addr && (addr & 0xff000000) === 0) {
            addr = (addr << 8) >>> 0;
            mask = (mask << 8) >>> 0;
          }
        }
        return this.hostOrNet(addr, mask, q);
      }
    }
  }

  private hostOrNet(addr: number, mask: number, q: Qual): Pred {
    const l = this.l;
    switch (q.proto) {
      case 'default':
        return anyOf([
          ipHost(l, addr, mask, q.dir),
          arpHost(l, ETH_ARP, addr, mask, q.dir),
          arpHost(l, ETH_RARP, addr, mask, q.dir),
        ]);
      case 'ip':
        return ipHost(l, addr, mask, q.dir);
      case 'arp':
        return arpHost(l, ETH_ARP, addr, mask, q.dir);
      case 'rarp':
        return arpHost(l, ETH_RARP, addr, mask, q.dir);
      default:
        throw new FilterError(`'${q.proto}' modifier applied to ${q.addr === 'net' ? 'net' : 'host'}`);
    }
  }

  private ether(text: string, q: Qual): Pred {
    if ((q.addr !== 'default' && q.addr !== 'host') || (q.proto !== 'default' && q.proto !== 'link')) {
      throw new FilterError('ethernet address used in non-ether expression');
    }
    const mac = new Uint8Array(text.split(':').map((h) => Number.parseInt(h, 16)));
    return etherHost(mac, q.dir);
  }

  private name(text: string, q: Qual): Pred {
    switch (q.addr) {
      case 'port': {
        const p = serviceByName(text, q.proto);
        if (p === null) throw new FilterError(`unknown port '${text}'`);
        return this.port(q, p, p);
      }
      case 'portrange': {
        // Numeric ranges are read like sscanf("%d-%d"): trailing text is ignored.
        const numeric = /^([0-9]+)-([0-9]+)/.exec(text);
        const m = numeric ?? /^([^-]+)-([^-]+)$/.exec(text);
        if (!m) throw new FilterError(`illegal port range '${text}'`);
        const a = portValue(m[1]!, q.proto);
        const b = portValue(m[2]!, q.proto);
        if (a === null || b === null) throw new FilterError(`illegal port range '${text}'`);
        if (a > 65535 || b > 65535) throw new FilterError(`illegal port number ${Math.max(a, b)} > 65535`);
        return this.port(q, Math.min(a, b), Math.max(a, b));
      }
      case 'proto': {
        if (q.proto === 'link') {
          const et = ETHER_PROTO_NAMES[text];
          if (et === undefined) throw new FilterError(`unknown ether proto '${text}'`);
          return ethertype(this.l, et);
        }
        const p = protocolByName(text);
        if (p === null) throw new FilterError(`unknown ip proto '${text}'`);
        return this.protoNumber(q, p);
      }
      case 'net':
        throw new FilterError(`unknown network '${text}'`);
      default:
        throw new FilterError(`unknown host '${text}'`);
    }
  }

  private port(q: Qual, lo: number, hi: number): Pred {
    let proto: number;
    switch (q.proto) {
      case 'tcp': proto = 6; break;
      case 'udp': proto = 17; break;
      case 'sctp': proto = 132; break;
      case 'default': proto = -1; break;
      default: throw new FilterError(`illegal qualifier of '${q.addr}'`);
    }
    return portMatch(this.l, proto, lo, hi, q.dir);
  }

  private protoNumber(q: Qual, v: number): Pred {
    const l = this.l;
    switch (q.proto) {
      case 'default':
        if (v > 255) throw new FilterError(`protocol number ${v} > 255`);
        return or(ipProto(l, v), ip6Proto(l, v));
      case 'ip':
        if (v > 255) throw new FilterError(`protocol number ${v} > 255`);
        return ipProto(l, v);
      case 'ip6':
        if (v > 255) throw new FilterError(`protocol number ${v} > 255`);
        return ip6Proto(l, v);
      case 'link':
        if (v > 65535) throw new FilterError(`ether proto ${v} > 65535`);
        return ethertype(l, v);
      default:
        throw new FilterError(`'${q.proto} proto' is not supported`);
    }
  }

  private protoAbbrev(name: string): Pred {
    const l = this.l;
    switch (name) {
      case 'ip': return ethertype(l, ETH_IP);
      case 'ip6': return ethertype(l, ETH_IPV6);
      case 'arp': return ethertype(l, ETH_ARP);
      case 'rarp': return ethertype(l, ETH_RARP);
      case 'tcp':
      case 'udp':
      case 'sctp':
        return or(ipProto(l, IP_PROTO_NUM[name]!), ip6Proto(l, IP_PROTO_NUM[name]!));
      case 'icmp':
      case 'igmp':
        return ipProto(l, IP_PROTO_NUM[name]!);
      case 'icmp6':
        return ip6Proto(l, 58);
      case 'ether':
      case 'link':
        this.syntax(this.peek());
    }
    this.syntax();
  }

  private castPrimitive(proto: string, kind: string): Pred {
    if (proto === 'default' || proto === 'ether' || proto === 'link') {
      if (kind === 'broadcast') return (e) => ld32(e, 2) === 0xffffffff && ld16(e, 0) === 0xffff;
      return (e) => (ld8(e, 0) & 1) === 1;
    }
    if (proto === 'ip' && kind === 'multicast') {
      const ip = ethertype(this.l, ETH_IP);
      const off = this.l.linkpl + 16;
      return (e) => ip(e) && ld8(e, off) >= 224;
    }
    if (proto === 'ip') {
      // Destination host part all zeros or all ones, for the capture's netmask.
      if (this.netmask === null) throw new FilterError("netmask not known, so 'ip broadcast' not supported");
      const ip = ethertype(this.l, ETH_IP);
      const off = this.l.linkpl + 16;
      const hostmask = ~this.netmask >>> 0;
      return (e) => {
        if (!ip(e)) return false;
        const host = (ld32(e, off) & hostmask) >>> 0;
        return host === 0 || host === hostmask;
      };
    }
    throw new FilterError(`only link-layer/IP ${kind} filters supported`);
  }

  private vlan(): Pred {
    const l = this.l;
    const tpid = l.linktype;
    let pred: Pred = (e) => {
      const t = ld16(e, tpid);
      return t === 0x8100 || t === 0x88a8 || t === 0x9100;
    };
    const n = this.peek();
    if (n.kind === 'num' && !this.isRelationAhead()) {
      this.next();
      if (n.value > 4095) throw new FilterError(`VLAN tag ${n.value} greater than maximum 4095`);
      const id = n.value;
      const tci = l.linkpl;
      const tag = pred;
      pred = (e) => tag(e) && (ld16(e, tci) & 0xfff) === id;
    }
    this.vlanShift += 4;
    return pred;
  }

  private isRelationAhead(): boolean {
    const n = this.peek(1);
    return n.kind === 'op' && (RELOPS.has(n.text) || ARITH_OPS.has(n.text));
  }

  // --- arithmetic -------------------------------------------------------------------

  private parseRelation(): Pred {
    const a = this.parseArith(0);
    const opTok = this.next();
    if (opTok.kind !== 'op' || !RELOPS.has(opTok.text)) this.syntax(opTok);
    const b = this.parseArith(0);
    const fa = a.fn;
    const fb = b.fn;
    let cmp: Pred;
    switch (opTok.text) {
      case '>': cmp = (e) => fa(e) > fb(e); break;
      case '>=': cmp = (e) => fa(e) >= fb(e); break;
      case '=': cmp = (e) => fa(e) === fb(e); break;
      case '<=': cmp = (e) => fa(e) <= fb(e); break;
      case '<': cmp = (e) => fa(e) < fb(e); break;
      default: cmp = (e) => fa(e) !== fb(e); break;
    }
    const guard = andGuards(a.guard, b.guard);
    return guard === null ? cmp : and(guard, cmp);
  }

  private parseArith(minPrec: number): Arith {
    let left = this.parseUnary();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op' || !ARITH_OPS.has(t.text)) break;
      const prec = BINARY_PRECEDENCE[t.text]!;
      if (prec <= minPrec) break;
      this.next();
      const right = this.parseArith(prec);
      left = binary(t.text, left, right);
    }
    return left;
  }

  private parseUnary(): Arith {
    const t = this.peek();
    if (this.is(t, 'op', '-')) {
      this.next();
      const a = this.parseUnary();
      const f = a.fn;
      return { fn: (e) => (-f(e)) >>> 0, guard: a.guard };
    }
    if (this.is(t, 'op', '(')) {
      this.next();
      const a = this.parseArith(0);
      this.expectOp(')');
      return a;
    }
    if (t.kind === 'num') {
      this.next();
      return constant(t.value);
    }
    if (this.is(t, 'kw', 'len')) {
      this.next();
      return { fn: (e) => e.wirelen >>> 0, guard: null };
    }
    if (t.kind === 'kw' && PNAMES.has(t.text) && this.is(this.peek(1), 'op', '[')) {
      this.next();
      this.next();
      const idx = this.parseArith(0);
      let size = 1;
      if (this.is(this.peek(), 'op', ':')) {
        this.next();
        const s = this.next();
        if (s.kind !== 'num') this.syntax(s);
        size = s.value;
        if (size !== 1 && size !== 2 && size !== 4) throw new FilterError('data size must be 1, 2, or 4');
      }
      this.expectOp(']');
      return this.loadFrom(t.text, idx, size);
    }
    this.syntax(t);
  }

  private loadFrom(proto: string, idx: Arith, size: number): Arith {
    const l = this.l;
    const fi = idx.fn;
    switch (proto) {
      case 'ether':
      case 'link':
        return { fn: (e) => load(e, fi(e), size), guard: idx.guard };
      case 'ip':
      case 'arp':
      case 'rarp':
      case 'ip6': {
        const type = proto === 'ip' ? ETH_IP : proto === 'arp' ? ETH_ARP : proto === 'rarp' ? ETH_RARP : ETH_IPV6;
        const base = l.linkpl;
        return { fn: (e) => load(e, base + fi(e), size), guard: andGuards(ethertype(l, type), idx.guard) };
      }
      case 'tcp':
      case 'udp':
      case 'icmp':
      case 'sctp':
      case 'igmp': {
        const p = ipProto(l, IP_PROTO_NUM[proto]!);
        const first = ipFirstFragment(l);
        const guard: Pred = (e) => p(e) && first(e);
        const base = l.linkpl;
        return { fn: (e) => load(e, base + ipHeaderLen(e, l) + fi(e), size), guard: andGuards(guard, idx.guard) };
      }
      default:
        throw new FilterError(`'${proto}[...]' is not supported`);
    }
  }
}

function binary(op: string, a: Arith, b: Arith): Arith {
  const fa = a.fn;
  const fb = b.fn;
  const guard = andGuards(a.guard, b.guard);
  if ((op === '/' || op === '%') && b.constant === 0) throw new FilterError(op === '/' ? 'division by zero' : 'modulus by zero');
  if ((op === '<<' || op === '>>') && b.constant !== undefined && b.constant > 31) throw new FilterError('shift by more than 31 bits');
  let fn: (e: Env) => number;
  switch (op) {
    case '+': fn = (e) => (fa(e) + fb(e)) >>> 0; break;
    case '-': fn = (e) => (fa(e) - fb(e)) >>> 0; break;
    case '*': fn = (e) => Math.imul(fa(e), fb(e)) >>> 0; break;
    case '/': fn = (e) => {
      const x = fa(e);
      const y = fb(e);
      if (y === 0) {
        e.abort = true;
        return 0;
      }
      return Math.floor(x / y) >>> 0;
    }; break;
    case '%': fn = (e) => {
      const x = fa(e);
      const y = fb(e);
      if (y === 0) {
        e.abort = true;
        return 0;
      }
      return (x % y) >>> 0;
    }; break;
    case '&': fn = (e) => (fa(e) & fb(e)) >>> 0; break;
    case '|': fn = (e) => (fa(e) | fb(e)) >>> 0; break;
    case '^': fn = (e) => (fa(e) ^ fb(e)) >>> 0; break;
    case '<<': fn = (e) => {
      const s = fb(e);
      return s > 31 ? 0 : (fa(e) << s) >>> 0;
    }; break;
    default: fn = (e) => {
      const s = fb(e);
      return s > 31 ? 0 : fa(e) >>> s;
    }; break;
  }
  if (a.constant !== undefined && b.constant !== undefined) {
    const v = fn({ d: new Uint8Array(0), caplen: 0, wirelen: 0, abort: false });
    return constant(v);
  }
  return { fn, guard };
}

interface Dotted {
  value: number;
  parts: number;
}

/** "10", "10.1", "10.1.2" or "10.1.2.3": the value of the parts given and their count. */
function parseDotted(text: string): Dotted | null {
  const parts = text.split('.');
  if (parts.length < 1 || parts.length > 4) return null;
  let v = 0;
  for (const p of parts) {
    if (!/^[0-9]+$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return { value: v, parts: parts.length };
}

const ETHER_PROTO_NAMES: Record<string, number> = { ip: ETH_IP, ip6: ETH_IPV6, arp: ETH_ARP, rarp: ETH_RARP };

function serviceByName(name: string, proto: ProtoQual): number | null {
  const find = (m: Map<number, string>): number | null => {
    for (const [port, n] of m) if (n === name) return port;
    return null;
  };
  if (proto === 'udp') return find(UDP_SERVICES);
  if (proto === 'tcp' || proto === 'sctp') return find(TCP_SERVICES);
  return find(TCP_SERVICES) ?? find(UDP_SERVICES);
}

function portValue(text: string, proto: ProtoQual): number | null {
  if (/^[0-9]+$/.test(text)) return Number(text);
  return serviceByName(text, proto);
}

function protocolByName(name: string): number | null {
  const lower = name.toLowerCase();
  if (lower === 'ip') return 0;
  for (const [n, s] of IP_PROTOCOL_NAMES) if (s === lower) return n;
  return null;
}

/** A compiled filter: whether a packet with `caplen` captured bytes (wire length `wirelen`) matches. */
export type FilterFn = (data: Uint8Array, caplen?: number, wirelen?: number) => boolean;

/** Evaluations of a compiled filter that hit an unexpected internal error (counted as no match); 0 unless there is a bug. */
export interface FilterStats {
  internalErrors: number;
}

export type CompileResult = { ok: true; match: FilterFn; stats: FilterStats } | { ok: false; error: string };

export interface CompileOptions {
  /**
   * Netmask of the capture's network, for `ip broadcast`: tcpdump uses the
   * interface's netmask live and 0 for files (the default here); null makes
   * `ip broadcast` an error.
   */
  netmask?: number | null;
}

/**
 * Compiles a pcap-filter expression. Errors come back as text starting with
 * "% tcpdump: "; nothing is thrown. An empty expression matches everything.
 */
export function compileFilter(expr: string, options: CompileOptions = {}): CompileResult {
  let root: Term;
  try {
    const netmask = options.netmask === undefined ? 0 : options.netmask;
    root = new Parser(tokenize(expr), netmask === null ? null : netmask >>> 0).parseProgram();
  } catch (e) {
    if (e instanceof FilterSyntaxError || e instanceof FilterError) return { ok: false, error: `% tcpdump: ${e.message}` };
    return { ok: false, error: `% tcpdump: can't compile filter expression: ${e instanceof Error ? e.message : String(e)}` };
  }
  const env: Env = { d: new Uint8Array(0), caplen: 0, wirelen: 0, abort: false };
  const stats: FilterStats = { internalErrors: 0 };
  const match: FilterFn = (data, caplen = data.length, wirelen = caplen) => {
    env.d = data;
    env.caplen = Math.min(caplen, data.length);
    env.wirelen = wirelen;
    env.abort = false;
    try {
      return root(env) === 1;
    } catch {
      // A filter bug must not take the capture down.
      stats.internalErrors++;
      return false;
    }
  };
  return { ok: true, match, stats };
}
