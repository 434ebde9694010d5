// The health port of a GENEVE appliance: a TCP port the appliance answers itself (the host
// stack's TCP), so that a gateway's TCP check (a handshake) and HTTP check (GET -> 200) pass
// while the appliance takes GENEVE traffic.

import type { TcpConnection } from '../net/tcp/index.js';
import type { HostStack } from '../stack/host-stack.js';

const RESPONSE = 'HTTP/1.1 200 OK\r\nServer: pask\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n';
const REQUEST_END = '\r\n\r\n';

export class HealthPort {
  /** Connections accepted. */
  accepted = 0;
  private readonly stop: () => void;

  private constructor(readonly port: number, stop: () => void) {
    this.stop = stop;
  }

  /** Listens on `port`; null when the port is taken. */
  static open(stack: HostStack, port: number): HealthPort | null {
    let hp: HealthPort | null = null;
    const stop = stack.tcpListen(port, (c) => hp?.accept(c));
    if (stop === null) return null;
    hp = new HealthPort(port, stop);
    return hp;
  }

  private accept(c: TcpConnection): void {
    this.accepted++;
    let req = '';
    let answered = false;
    c.onData = (data) => {
      if (answered) return;
      req += Buffer.from(data).toString('latin1');
      if (req.includes(REQUEST_END) || req.length > 8192) {
        answered = true;
        c.write(RESPONSE);
        c.close();
      }
    };
    c.onPeerClose = () => {
      if (!answered) c.close();
    };
  }

  close(): void {
    this.stop();
  }
}
