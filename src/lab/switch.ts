// A plain learning Ethernet switch (no VLANs: tagged frames pass as they are), for lab
// topologies with several hosts on one appliance port.

import { isMulticastMac, readMac } from '../net/addr.js';
import type { Clock } from '../util/clock.js';
import type { LinkAttachable, LinkEnd } from './link.js';

const AGEING_MS = 300_000;

export class SwitchPort implements LinkAttachable {
  end: LinkEnd | null = null;

  constructor(readonly sw: L2Switch, readonly index: number) {}

  get label(): string {
    return `${this.sw.name}.${this.index}`;
  }

  plug(end: LinkEnd): void {
    this.end = end;
    end.rx = (frame, len) => this.sw.forward(this, frame, len);
  }
}

export class L2Switch {
  readonly ports: SwitchPort[] = [];
  private readonly fdb = new Map<number, { port: SwitchPort; at: number }>();

  constructor(readonly name: string, portCount: number, private readonly clock: Clock) {
    for (let i = 1; i <= portCount; i++) this.ports.push(new SwitchPort(this, i));
  }

  /** Port `n`, counted from 1. */
  port(n: number): SwitchPort {
    const p = this.ports[n - 1];
    if (!p) throw new RangeError(`${this.name} has no port ${n}`);
    return p;
  }

  /** A port with nothing plugged in yet. */
  freePort(): SwitchPort {
    const p = this.ports.find((x) => x.end === null);
    if (!p) throw new RangeError(`${this.name} has no free port`);
    return p;
  }

  forward(from: SwitchPort, frame: Uint8Array, len: number): void {
    if (len < 14) return;
    const now = this.clock.now();
    const src = readMac(frame, 6);
    if (!isMulticastMac(src)) this.fdb.set(src, { port: from, at: now });
    const dst = readMac(frame, 0);
    if (!isMulticastMac(dst)) {
      const e = this.fdb.get(dst);
      if (e && now - e.at < AGEING_MS) {
        if (e.port !== from) e.port.end?.send(frame, len);
        return;
      }
    }
    for (const p of this.ports) if (p !== from) p.end?.send(frame, len);
  }
}
