// The configured objects Tab and `?` offer for an argument, found by the argument's binding
// name: `show info slb NAME` binds `slb`, so its NAME is offered the SLB services' names. Only
// words the argument's type accepts are offered (a VLAN's id after `vlan (1-4094)`, its name
// after `vlan NAME`).

import type { RunningConfig } from '../config/model.js';
import { formatIpv4, formatPrefix } from '../net/addr.js';
import type { ValueSource } from './grammar/command-set.js';

const join = (...parts: (string | null | undefined | false)[]) => parts.filter((p) => p).join(', ');

export function configuredValues(cfg: RunningConfig): ValueSource {
  return (bind) => {
    switch (bind) {
      case 'slb':
        return cfg.slbs.map((s) => ({
          word: s.name,
          help: join('SLB service', s.vips.map((v) => `${formatIpv4(v.addr)}:${v.vport}/${v.protocol}`).join(' '), s.description),
        }));
      case 'real':
        return cfg.reals.map((r) => ({ word: String(r.id), help: join('Real server', r.name, r.rip === null ? null : formatIpv4(r.rip), r.description) }));
      case 'health-check':
        return cfg.healthChecks.map((h) => ({ word: String(h.id), help: join('Health check', h.type, h.description) }));
      case 'port-boundary':
        return cfg.portBoundaries.map((p) => ({ word: String(p.id), help: join('Port boundary', p.type, p.ports.length ? `ports ${p.ports.join(',')}` : '') }));
      case 'vlan':
        return cfg.vlans.flatMap((v) => [
          { word: v.name, help: join(`VLAN ${v.vid}`, v.description) },
          { word: String(v.vid), help: join(`VLAN ${v.name}`, v.description) },
        ]);
      case 'interface':
        return cfg.interfaces.map((i) => ({ word: i.name, help: join('Interface', i.address ? formatPrefix(i.address) : 'no address', i.description) }));
      case 'username':
        return cfg.users.map((u) => ({ word: u.name, help: `User, privilege ${u.privilege}` }));
      default:
        return [];
    }
  };
}
