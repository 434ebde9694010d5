// What the TCP and UDP probes share: while one runs it owns a local port, listens on it and
// receives the ICMP errors about it; cleaning up (once) gives all of that back.

import type { LocalPacket } from '../probe-io.js';
import { BaseProbe } from './base.js';

export abstract class PortProbe extends BaseProbe {
  protected lport = -1;
  protected cleaned = false;
  private unlisten: (() => void) | null = null;

  protected abstract readonly proto: 6 | 17;

  /** Takes a free local port and listens on it; false (the probe has failed) when none is free. */
  protected claimPort(onPacket: (p: LocalPacket) => void): boolean {
    const port = this.env.ports.take();
    if (port < 0) {
      this.fail('no-free-port', 0);
      this.cleanup();
      return false;
    }
    this.lport = port;
    this.unlisten = this.env.io.listen({ proto: this.proto, localPort: port }, onPacket);
    this.env.onPortErrors(this.proto, port, this);
    return true;
  }

  /** What a subclass releases besides the port (timers, state). */
  protected release(): void {}

  protected cleanup(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    this.release();
    if (this.unlisten) {
      this.unlisten();
      this.unlisten = null;
    }
    if (this.lport >= 0) {
      this.env.onPortErrors(this.proto, this.lport, null);
      this.env.ports.release(this.lport);
      this.lport = -1;
    }
    this.releaseBase();
  }
}
