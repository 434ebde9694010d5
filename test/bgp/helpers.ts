// A little in-memory network of BGP speakers on a virtual clock: byte streams between addresses
// (1 ms one way), listeners by address, connections that can be cut. For the FSM and speaker
// tests; the lab and system tests use real TCP.

import { newBgp, withNeighbor, type BgpConfig, type BgpNeighborConfig, type PrefixListConfig } from '../../src/config/bgp.js';
import { ipv4, type Ipv4 } from '../../src/net/addr.js';
import { BgpSpeaker, type BgpRoutingTable, type ServiceHealth } from '../../src/bgp/speaker.js';
import type { BgpNet, BgpTransport } from '../../src/bgp/transport.js';
import { VirtualClock } from '../../src/util/clock.js';

export class PipeTransport implements BgpTransport {
  onOpen: (() => void) | null = null;
  onData: ((data: Uint8Array) => void) | null = null;
  onClose: ((why: string) => void) | null = null;
  other: PipeTransport | null = null;
  open = false;
  ended = false;
  ttl = 64;
  /** Bytes written (tests inspect what was sent). */
  readonly sent: Uint8Array[] = [];

  constructor(readonly net: PipeNet, readonly localAddr: number, readonly localPort: number, readonly remoteAddr: number, readonly remotePort: number) {}

  write(data: Uint8Array): boolean {
    if (this.ended || !this.open) return false;
    this.sent.push(data.slice());
    const o = this.other;
    if (o === null) return true; // the far end is gone without a word
    const copy = data.slice();
    this.net.clock.setTimeout(() => {
      if (!o.ended) o.onData?.(copy);
    }, this.net.delayMs);
    return true;
  }

  close(): void {
    this.end('closed by the peer');
  }

  abort(): void {
    this.end('connection reset');
  }

  setTtl(ttl: number): void {
    this.ttl = ttl;
  }

  private end(why: string): void {
    if (this.ended) return;
    this.ended = true;
    const o = this.other;
    if (o && !o.ended && o.other === this) {
      this.net.clock.setTimeout(() => {
        if (o.ended) return;
        o.ended = true;
        o.onClose?.(why);
      }, this.net.delayMs);
    }
  }

  /** The network cuts the connection without either side knowing (a peer that died). */
  silence(): void {
    this.ended = true;
    if (this.other) this.other.other = null;
  }
}

export class PipeNet {
  readonly clock: VirtualClock;
  delayMs = 1;
  private readonly listeners = new Map<string, (t: BgpTransport) => void>();
  private nextPort = 40000;
  readonly transports: PipeTransport[] = [];
  /** Addresses that do not answer at all (a connect to them never completes). */
  readonly dead = new Set<number>();

  constructor(clock = new VirtualClock()) {
    this.clock = clock;
  }

  /** The BgpNet of the host at `addr`. */
  netFor(addr: Ipv4): BgpNet {
    return {
      listen: (port, onAccept) => {
        const k = `${addr}:${port}`;
        if (this.listeners.has(k)) return null;
        this.listeners.set(k, onAccept);
        return () => this.listeners.delete(k);
      },
      connect: (dst, port, opts) => {
        const src = opts.src ?? addr;
        const sport = this.nextPort++;
        const t = new PipeTransport(this, src, sport, dst, port);
        t.ttl = opts.ttl;
        this.transports.push(t);
        this.clock.setTimeout(() => {
          if (t.ended) return;
          const l = this.listeners.get(`${dst}:${port}`);
          if (this.dead.has(dst >>> 0)) return;
          if (!l) {
            t.ended = true;
            t.onClose?.('connection refused');
            return;
          }
          const r = new PipeTransport(this, dst, port, src, sport);
          this.transports.push(r);
          r.other = t;
          t.other = r;
          t.open = r.open = true;
          // The opener learns of the handshake before the acceptor's first bytes reach it.
          this.clock.setTimeout(() => t.onOpen?.(), this.delayMs);
          l(r);
          r.onOpen?.();
        }, this.delayMs);
        return t;
      },
    };
  }
}

/** A routing table that knows every next hop as directly connected on interface 1 and records installs. */
export class FakeTable implements BgpRoutingTable {
  readonly installed = new Map<string, { nexthops: { gw: number; ifIdx: number }[]; distance: number; metric: number }>();
  readonly present = new Set<string>();
  readonly connected = new Set<string>();
  private listener: ((addr: number, len: number) => void) | null = null;
  subscribe(onChange: (addr: number, len: number) => void): () => void {
    this.listener = onChange;
    return () => { this.listener = null; };
  }
  routes(source: 'connected' | 'static'): { addr: number; len: number }[] {
    if (source !== 'connected') return [];
    return [...this.connected].map((s) => { const [a, l] = s.split('/'); return { addr: ipv4(a!), len: Number(l) }; });
  }
  has(addr: number, len: number, source: 'connected' | 'static' | null): boolean {
    const k = `${formatIp(addr)}/${len}`;
    return source === 'connected' ? this.connected.has(k) : source === null ? this.present.has(k) || this.connected.has(k) : false;
  }
  resolve(_addr: number): { gw: number; ifIdx: number }[] | null {
    return [{ gw: 0, ifIdx: 1 }];
  }
  install(addr: number, len: number, nexthops: readonly { gw: number; ifIdx: number }[], distance: number, metric: number): void {
    this.installed.set(`${formatIp(addr)}/${len}`, { nexthops: [...nexthops], distance, metric });
  }
  withdraw(addr: number, len: number): void {
    this.installed.delete(`${formatIp(addr)}/${len}`);
  }
  /** A route of another source appears (or goes). */
  setPresent(prefix: string, on: boolean): void {
    if (on) this.present.add(prefix);
    else this.present.delete(prefix);
    const [a, l] = prefix.split('/');
    this.listener?.(ipv4(a!), Number(l));
  }
}

function formatIp(a: number): string {
  return [a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff].join('.');
}

export interface TestSpeaker {
  readonly speaker: BgpSpeaker;
  readonly table: FakeTable;
  readonly logs: string[];
  readonly addr: Ipv4;
  cfg: BgpConfig;
  lists: readonly PrefixListConfig[];
  apply(change?: (b: BgpConfig) => BgpConfig): void;
}

/** A speaker at `addr` in AS `asn` on `net`. */
export function testSpeaker(net: PipeNet, addr: string, asn: number, routerId = addr,
  opts: { subscribeServiceHealth?: (l: (e: ServiceHealth) => void) => () => void } = {}): TestSpeaker {
  const table = new FakeTable();
  const logs: string[] = [];
  const speaker = new BgpSpeaker({
    clock: net.clock, net: net.netFor(ipv4(addr)), table,
    log: (t) => logs.push(`${net.clock.now()} ${t}`),
    ...opts,
  });
  const ts: TestSpeaker = {
    speaker, table, logs, addr: ipv4(addr), cfg: { ...newBgp(asn), routerId: ipv4(routerId) }, lists: [],
    apply(change) {
      if (change) ts.cfg = change(ts.cfg);
      speaker.configure(ts.cfg, ts.lists, ipv4(routerId));
    },
  };
  return ts;
}

export function neighbor(b: BgpConfig, addr: string, remoteAs: number, more: Partial<BgpNeighborConfig> = {}): BgpConfig {
  return withNeighbor(b, ipv4(addr), (n) => ({ ...n, remoteAs, ...more }));
}
