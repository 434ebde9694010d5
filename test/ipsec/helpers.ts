// Two IKE daemons on a virtual clock, wired back to back: what one sends the other receives a
// millisecond later. Addresses are file 003's (203.0.113.1 = pask, 192.0.2.1 = the peer).

import { ipv4, type Ipv4 } from '../../src/net/addr.js';
import { VirtualClock } from '../../src/util/clock.js';
import { dhByGroup, encrByName, integByName, prfByName, type EspSuite, type IkeSuite } from '../../src/ipsec/crypto/algorithms.js';
import { IkeDaemon, type IkeDaemonOptions } from '../../src/ipsec/ike/daemon.js';
import { ANY_TS, type PeerSettings } from '../../src/ipsec/ike/sa.js';

export const A = ipv4('203.0.113.1');
export const B = ipv4('192.0.2.1');

export const FILE003_IKE: IkeSuite = { encr: encrByName('aes256')!, integ: integByName('sha1')!, prf: prfByName('sha1')!, dh: dhByGroup(2)! };
export const FILE003_ESP: EspSuite = { encr: encrByName('aes256')!, integ: integByName('sha1')!, dh: null };
export const MODERN_IKE: IkeSuite = { encr: encrByName('aes256gcm128')!, integ: null, prf: prfByName('sha256')!, dh: dhByGroup(31)! };
export const MODERN_ESP: EspSuite = { encr: encrByName('aes256gcm128')!, integ: null, dh: null };

export function peer(remote: Ipv4, over: Partial<PeerSettings> = {}): PeerSettings {
  return {
    name: `peer-${remote === A ? '203.0.113.1' : '192.0.2.1'}-tunnel-vti`, remote, local: null,
    secret: new TextEncoder().encode('s3cret-of-file-003'),
    ikeSuites: [FILE003_IKE], espSuites: [FILE003_ESP], ikeLifetimeS: 28800, childLifetimeS: 27000,
    initiate: false, dpd: null, forceEncap: false, localTs: [ANY_TS], remoteTs: [ANY_TS],
    ...over,
  };
}

export interface Side {
  readonly addr: Ipv4;
  readonly d: IkeDaemon;
  readonly logs: string[];
  /** Datagrams it sent: [lport, rport, bytes]. */
  readonly sent: [number, number, Uint8Array][];
}

export class Pair {
  readonly clock = new VirtualClock();
  readonly a: Side;
  readonly b: Side;
  /** Drop everything sent (a dead link / a stopped peer). */
  cut = false;
  /** Datagrams in flight that are tampered with before delivery (fuzz). */
  mangle: ((data: Uint8Array) => Uint8Array | null) | null = null;

  constructor(optsA: IkeDaemonOptions = {}, optsB: IkeDaemonOptions = {}) {
    this.a = this.side(A, B, optsA);
    this.b = this.side(B, A, optsB);
  }

  private side(addr: Ipv4, other: Ipv4, opts: IkeDaemonOptions): Side {
    const logs: string[] = [];
    const sent: [number, number, Uint8Array][] = [];
    const self = this;
    const d = new IkeDaemon({
      sendIke(local, remote, lport, rport, data) {
        sent.push([lport, rport, data]);
        if (self.cut) return true;
        const copy = data.slice();
        self.clock.setTimeout(() => {
          const target = remote === A ? self.a : self.b;
          const m = self.mangle ? self.mangle(copy) : copy;
          if (m) target.d.receive(remote, local, rport, lport, m);
        }, 1);
        return true;
      },
      sourceFor: () => addr,
    }, this.clock, (sev, text) => logs.push(`${sev}: ${text}`), { jitter: () => 0.5, ...opts });
    void other;
    return { addr, d, logs, sent };
  }

  run(ms: number): void {
    this.clock.advance(ms);
  }

  /** Sends `n` bytes from x to y over x's outbound CHILD SA and decrypts them at y; the decrypted length or a negative drop. */
  esp(from: Side, to: Side, n = 100): number {
    const c = from.d.outbound(to.addr);
    if (!c) return -100;
    const buf = new Uint8Array(2000), out = new Uint8Array(2000);
    const inner = new Uint8Array(n).fill(7);
    const len = c.outbound.encrypt(buf, 0, inner, 0, n);
    const spi = (buf[0]! << 24 | buf[1]! << 16 | buf[2]! << 8 | buf[3]!) >>> 0;
    const rc = to.d.childBySpi(spi);
    if (!rc) return -101;
    return rc.inbound.decrypt(buf, 0, len, out, 0, this.clock.now());
  }
}

export function established(s: Side): number {
  return s.d.list().filter((x) => x.state === 'ESTABLISHED').length;
}
