// The appliance's IPsec: the service on pask's engine and host stack, following every committed
// configuration, logging SA changes to the appliance's log (facility `ipsec`) and everything,
// message by message, to its own ring (`show vpn log`). Commands find it with `ipsecOf(app)`.

import type { Appliance } from '../appliance.js';
import type { Engine } from '../engine/engine.js';
import type { HostStack } from '../stack/host-stack.js';
import type { IkeSeverity } from './ike/daemon.js';
import { secretBoxOf } from './secret-box.js';
import { IpsecService, type IpsecPlatform } from './service.js';

export interface IpsecRuntime {
  readonly service: IpsecService;
  /** The IPsec log (`show vpn log`), oldest first. */
  readonly lines: readonly { readonly wallMs: number; readonly severity: IkeSeverity; readonly text: string }[];
}

const runtimes = new WeakMap<Appliance, IpsecRuntime>();

/** The appliance's IPsec (null: no dataplane). */
export function ipsecOf(app: Appliance): IpsecRuntime | null {
  return runtimes.get(app) ?? null;
}

/** pask's engine and host stack as an IpsecPlatform. */
export function enginePlatform(engine: Engine, stack: HostStack): IpsecPlatform {
  return {
    clock: engine.clock,
    sourceFor: (dst) => engine.sourceFor(dst),
    udp(port, on) {
      const s = stack.udp(port, (d, sport) => on(d.src, d.dst, sport, d.payload));
      if (s === null) return null;
      return { send: (src, dst, dport, data) => s.send(dst, dport, data, { src }), close: () => s.close() };
    },
    raw(proto, on) {
      const s = stack.raw(proto, (r) => on(r.src, r.dst, r.payload));
      return { close: () => s.close() };
    },
    sendIpv4: (packet, len) => engine.sendIpv4(packet, len),
    nextIpId: () => stack.nextIpId(),
    addTunnel: (name, endpoint, opts) => engine.addTunnel(name, endpoint, opts).idx,
    updateTunnel: (name, change) => engine.updateTunnel(name, change),
    removeTunnel: (name) => engine.removeTunnel(name),
    inject: (ifIdx, buf, off, len) => engine.inject(ifIdx, buf, off, len),
  };
}

const LOG_KEEP = 2000;

export function startIpsec(app: Appliance, engine: Engine, stack: HostStack): IpsecService {
  const lines: { wallMs: number; severity: IkeSeverity; text: string }[] = [];
  const log = (severity: IkeSeverity, text: string) => {
    lines.push({ wallMs: app.clock.wallNow(), severity, text });
    if (lines.length > LOG_KEEP) lines.splice(0, lines.length - LOG_KEEP);
    if (severity !== 'debug') app.log.add('ipsec', text, severity);
  };
  const service = new IpsecService(enginePlatform(engine, stack), log, (sealed) => secretBoxOf(app).open(sealed));
  runtimes.set(app, { service, lines });
  service.configure(app.config);
  const unsubscribe = app.store.subscribe((cfg) => service.configure(cfg));
  app.onClose(() => {
    unsubscribe();
    service.close();
  });
  return service;
}
