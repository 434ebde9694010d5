// Applications on lab hosts: an HTTP server that names its host, a UDP echo service, and an
// HTTP client (what `lab request` runs).

import { formatIpv4, type Ipv4 } from '../../net/addr.js';
import type { Timer } from '../../util/clock.js';
import type { Host } from './host.js';
import type { TcpConnection, TcpEndReason } from './tcp.js';

export type ServiceProto = 'tcp' | 'udp';
export type ServiceKind = 'http' | 'echo';

/** A service a host runs on a port; stopped, its port is closed (TCP RST, ICMP port unreachable). */
export abstract class Service {
  up = false;
  /** Connections accepted / datagrams answered. */
  served = 0;

  constructor(readonly host: Host, readonly proto: ServiceProto, readonly port: number, readonly kind: ServiceKind) {}

  start(): void {
    if (this.up) return;
    this.open();
    this.up = true;
  }

  stop(): void {
    if (!this.up) return;
    this.shut();
    this.up = false;
  }

  protected abstract open(): void;
  protected abstract shut(): void;
}

const CRLF2 = '\r\n\r\n';

/**
 * HTTP/1.1 on a TCP port: answers each request with `200 OK` and a body naming the server
 * (`server1\n`, also in an `X-Served-By` header), with Content-Length and `Connection: close`,
 * then closes. Unknown paths get 404 (as nginx), other methods 405, garbage 400; `forcedStatus`
 * makes every GET answer that status.
 */
const REASONS: Readonly<Record<number, string>> = {
  200: 'OK', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found', 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 431: 'Request Header Fields Too Large', 500: 'Internal Server Error', 502: 'Bad Gateway',
  503: 'Service Unavailable', 504: 'Gateway Timeout',
};

export class HttpService extends Service {
  private unlisten: (() => void) | null = null;
  /** Paths that exist (like nginx's default site); others answer 404. */
  readonly paths = new Set(['/', '/index.html', '/health']);
  /** Set to answer every GET with this status (a server in trouble), null for normal answers. */
  forcedStatus: number | null = null;

  constructor(host: Host, port: number, public serverName: string = host.name) {
    super(host, 'tcp', port, 'http');
  }

  protected open(): void {
    this.unlisten = this.host.tcp.listen(this.port, (c) => this.accept(c));
  }

  protected shut(): void {
    this.unlisten?.();
    this.unlisten = null;
  }

  private accept(c: TcpConnection): void {
    this.served++;
    let req = '';
    let answered = false;
    c.onData = (data) => {
      if (answered) return;
      req += Buffer.from(data).toString('latin1');
      const end = req.indexOf(CRLF2);
      if (end < 0) {
        if (req.length > 16384) {
          answered = true;
          c.write(this.response(431, 'Request Header Fields Too Large', 'GET'));
          c.close();
        }
        return;
      }
      answered = true;
      const [method = '', path = '', version = ''] = (req.slice(0, req.indexOf('\r\n')).split(' '));
      const status = this.statusFor(method, path.split('?')[0]!, version);
      const reason = REASONS[status] ?? 'Unknown';
      c.write(this.response(status, reason, method));
      c.close();
    };
    c.onPeerClose = () => {
      if (!answered) c.close();
    };
  }

  private statusFor(method: string, path: string, version: string): number {
    if (!/^HTTP\/1\.[01]$/.test(version)) return 400;
    if (method !== 'GET' && method !== 'HEAD') return 405;
    if (this.forcedStatus !== null) return this.forcedStatus;
    return this.paths.has(path) ? 200 : 404;
  }

  private response(status: number, reason: string, method: string): string {
    const body = status === 200 ? `${this.serverName}\n` : `${status} ${reason}\n`;
    const date = new Date(this.host.clock.wallNow()).toUTCString();
    return `HTTP/1.1 ${status} ${reason}\r\n` +
      'Server: pask-lab\r\n' +
      `X-Served-By: ${this.serverName}\r\n` +
      `Date: ${date}\r\n` +
      'Content-Type: text/plain\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n' +
      '\r\n' + (method === 'HEAD' ? '' : body);
  }
}

/** A UDP service that sends every datagram back to its sender, from the address it was sent to. */
export class UdpEchoService extends Service {
  private unbind: (() => void) | null = null;

  constructor(host: Host, port: number) {
    super(host, 'udp', port, 'echo');
  }

  protected open(): void {
    this.unbind = this.host.udp.bind(this.port, {
      onMessage: (d) => {
        this.served++;
        this.host.udp.send(d.dst, d.dport, d.src, d.sport, d.payload);
      },
    });
  }

  protected shut(): void {
    this.unbind?.();
    this.unbind = null;
  }
}

// ---- the client ----

export interface HttpTarget {
  readonly addr: Ipv4;
  readonly port: number;
  readonly path: string;
  /** The Host header; default the address. */
  readonly hostHeader?: string;
}

export type HttpFailure = 'reset' | 'timeout' | 'unreachable';

export interface HttpResult {
  readonly outcome: 'ok' | HttpFailure;
  /** Status code and reason phrase (ok only). */
  readonly status: number;
  readonly reason: string;
  /** The answering server's name: its X-Served-By header, else the first line of the body. */
  readonly server: string;
  readonly body: string;
  readonly headers: ReadonlyMap<string, string>;
  /** From the SYN to the complete response (or to the failure). */
  readonly ms: number;
  readonly localPort: number;
}

export interface HttpGetOptions {
  /** Give up after this long (default 10 s): `timeout`. */
  readonly timeoutMs?: number;
  /** Wait for the connection's close handshake before resolving (default true). */
  readonly waitClose?: boolean;
}

/** The request the seed's client (curl 7.55.1) sent: 78 bytes for `GET /` to 192.168.193.50. */
export function httpRequestText(path: string, hostHeader: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${hostHeader}\r\nUser-Agent: curl/7.55.1\r\nAccept: */*\r\n\r\n`;
}

interface Parsed {
  status: number;
  reason: string;
  headers: Map<string, string>;
  bodyStart: number;
  length: number | null;
}

function parseHead(text: string): Parsed | null {
  const end = text.indexOf(CRLF2);
  if (end < 0) return null;
  const lines = text.slice(0, end).split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0] ?? '');
  const headers = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
  }
  const cl = headers.get('content-length');
  return {
    status: m ? Number(m[1]) : 0,
    reason: m ? (m[2] ?? '') : 'bad response',
    headers,
    bodyStart: end + 4,
    length: cl !== undefined && /^\d+$/.test(cl) ? Number(cl) : null,
  };
}

/** One HTTP GET from `host`. Never rejects: failures are outcomes. */
export function httpGet(host: Host, target: HttpTarget, opts: HttpGetOptions = {}): Promise<HttpResult> {
  const clock = host.clock;
  const start = clock.now();
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const waitClose = opts.waitClose ?? true;
  return new Promise((resolve) => {
    const c = host.tcp.connect(target.addr, target.port);
    let text = '';
    let head: Parsed | null = null;
    let result: HttpResult | null = null;
    let resolved = false;
    let timer: Timer | null = null;
    let grace: Timer | null = null;
    const settle = () => {
      if (resolved || result === null) return;
      resolved = true;
      timer?.cancel();
      grace?.cancel();
      resolve(result);
    };
    const fail = (why: HttpFailure) => {
      if (result !== null) return;
      result = { outcome: why, status: 0, reason: '', server: '', body: '', headers: new Map(), ms: clock.now() - start, localPort: c.lport };
      settle();
    };
    const complete = () => {
      if (result !== null || head === null) return;
      const body = text.slice(head.bodyStart);
      result = {
        outcome: 'ok', status: head.status, reason: head.reason,
        server: (head.headers.get('x-served-by') ?? body.split('\n')[0] ?? '').trim().slice(0, 40),
        body, headers: head.headers, ms: clock.now() - start, localPort: c.lport,
      };
      // Like curl, close once the body is in; a FIN already on its way is taken first.
      clock.setTimeout(() => c.close(), 0);
      if (!waitClose) settle();
      else grace = clock.setTimeout(settle, 1000);
    };
    timer = clock.setTimeout(() => {
      if (result === null) {
        fail('timeout');
        c.abort(c.state !== 'SYN_SENT');
      } else {
        settle();
      }
    }, timeoutMs);
    c.onEstablished = () => c.write(httpRequestText(target.path, target.hostHeader ?? formatIpv4(target.addr)));
    c.onData = (data) => {
      text += Buffer.from(data).toString('latin1');
      head ??= parseHead(text);
      if (head && head.length !== null && text.length - head.bodyStart >= head.length) complete();
    };
    c.onPeerClose = () => {
      if (head) {
        complete();
        c.close();
      } else if (result === null) {
        c.close();
        fail('reset');
      }
    };
    c.onEnd = (why: TcpEndReason) => {
      if (result !== null) {
        settle();
        return;
      }
      if (why === 'reset' || why === 'aborted') fail('reset');
      else if (why === 'unreachable') fail('unreachable');
      else if (why === 'timeout') fail('timeout');
      else if (head) complete();
      else fail('reset');
    };
  });
}
