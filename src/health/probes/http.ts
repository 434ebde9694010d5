// `http`: the TCP handshake of tcp.ts, then `GET <path> HTTP/1.1` with a Host header (the
// configured host, or the target address), the status line of the answer compared with the
// expected status, and an orderly close. The response time runs to the status line.

import { formatIpv4 } from '../../net/addr.js';
import { TcpProbe } from './tcp.js';

/** Bytes of the response kept while looking for the end of the status line. */
const MAX_STATUS_LINE = 1024;
const STATUS_RE = /^HTTP\/\d+(?:\.\d+)? (\d{3})(?: |\r|$)/;

export function httpRequest(method: string, path: string, host: string): Uint8Array {
  return Buffer.from(
    `${method} ${path || '/'} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: pask-health-check\r\nAccept: */*\r\nConnection: close\r\n\r\n`,
    'latin1');
}

export class HttpProbe extends TcpProbe {
  private head = '';

  protected override onEstablished(): void {
    const h = this.spec.http;
    this.sendData(httpRequest(h.method, h.path, h.host || formatIpv4(this.spec.dst)));
  }

  protected override onData(buf: Uint8Array, off: number, len: number): void {
    if (this.finished) return;
    const room = MAX_STATUS_LINE - this.head.length;
    this.head += Buffer.from(buf.buffer, buf.byteOffset + off, Math.min(len, room)).toString('latin1');
    const nl = this.head.indexOf('\n');
    if (nl >= 0) this.decide(this.head.slice(0, nl));
    else if (this.head.length >= MAX_STATUS_LINE) this.decide(this.head);
  }

  protected override onPeerFin(): void {
    if (!this.finished) {
      if (this.head.length > 0) this.decide(this.head);
      else this.fail('http-closed');
    }
  }

  protected override onReset(): void {
    this.fail('rst');
  }

  private decide(line: string): void {
    const m = STATUS_RE.exec(line);
    if (!m) this.fail('http-bad-response');
    else if (Number(m[1]) === this.spec.http.expectStatus) this.ok();
    else this.fail(`http-status-${m[1]}`);
    this.close();
  }
}
