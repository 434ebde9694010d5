// What a BGP speaker needs of TCP: listen on 179, connect from a chosen source with a chosen
// TTL, a byte stream each way. `tcpNet` provides it over the project's TCP (src/net/tcp),
// the same for the appliance's host stack and for a lab host.

import type { Ipv4 } from '../net/addr.js';
import type { TcpConnection, TcpEndReason } from '../net/tcp/index.js';

export interface BgpTransport {
  readonly localAddr: number;
  readonly localPort: number;
  readonly remoteAddr: number;
  readonly remotePort: number;
  /** Queues bytes; false when the connection can take no more for now (they were queued all the same). */
  write(data: Uint8Array): boolean;
  /** Closes after what was queued (FIN). */
  close(): void;
  /** Drops the connection at once (RST). */
  abort(): void;
  setTtl(ttl: number): void;
  onOpen: (() => void) | null;
  onData: ((data: Uint8Array) => void) | null;
  /** The connection is over (never opened, closed by the peer, reset, timed out). */
  onClose: ((why: string) => void) | null;
}

export interface ConnectOptions {
  /** Source address (null: the egress interface's). */
  readonly src: number | null;
  readonly ttl: number;
}

export interface BgpNet {
  /** Accepts connections on `port`; returns the function that stops listening (null: the port is taken). */
  listen(port: number, onAccept: (t: BgpTransport) => void): (() => void) | null;
  connect(dst: Ipv4, port: number, opts: ConnectOptions): BgpTransport;
}

/** What tcpNet needs: the two calls of a TCP stack (the appliance's wraps them to reserve ports). */
export interface TcpEndpoint {
  listen(port: number, onAccept: (c: TcpConnection) => void): (() => void) | null;
  connect(dst: Ipv4, port: number, opts: { src?: Ipv4; ttl?: number }): TcpConnection;
}

const END_TEXT: Readonly<Record<TcpEndReason, string>> = {
  closed: 'connection closed', reset: 'connection reset', timeout: 'connection timed out',
  unreachable: 'destination unreachable', aborted: 'connection aborted',
};

class TcpTransport implements BgpTransport {
  onOpen: (() => void) | null = null;
  onData: ((data: Uint8Array) => void) | null = null;
  onClose: ((why: string) => void) | null = null;
  private ended = false;

  constructor(private readonly c: TcpConnection) {
    c.onEstablished = () => this.onOpen?.();
    c.onData = (d) => this.onData?.(d);
    c.onPeerClose = () => {
      // BGP has nothing to say after the peer's FIN: close our side too.
      c.close();
      this.end('closed by the peer');
    };
    c.onEnd = (why) => this.end(END_TEXT[why]);
  }

  private end(why: string): void {
    if (this.ended) return;
    this.ended = true;
    this.onClose?.(why);
  }

  get localAddr(): number { return this.c.local >>> 0; }
  get localPort(): number { return this.c.lport; }
  get remoteAddr(): number { return this.c.remote >>> 0; }
  get remotePort(): number { return this.c.rport; }

  write(data: Uint8Array): boolean {
    return this.c.write(data);
  }
  close(): void {
    this.ended = true;
    this.c.close();
  }
  abort(): void {
    this.ended = true;
    this.c.abort(true);
  }
  setTtl(ttl: number): void {
    this.c.applyOptions({ ttl });
  }
}

export function tcpNet(tcp: TcpEndpoint): BgpNet {
  return {
    listen: (port, onAccept) => tcp.listen(port, (c) => onAccept(new TcpTransport(c))),
    connect: (dst, port, o) => new TcpTransport(tcp.connect(dst, port, { ...(o.src !== null ? { src: o.src as Ipv4 } : {}), ttl: o.ttl })),
  };
}
