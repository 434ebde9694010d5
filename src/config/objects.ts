// The configurable objects that have a sub-mode: how to find, create, store and remove each
// in a RunningConfig. Sub-mode commands and `apply` work through these.

import { newHealthCheck, newInterface, newPortBoundary, newReal, newSlb, newVlan } from './defaults.js';
import type {
  HcId, HealthCheckConfig, InterfaceConfig, PbId, PortBoundaryConfig, RealConfig, RealId, RunningConfig,
  SlbConfig, VlanConfig,
} from './model.js';

export interface ObjectKind<T, K extends string | number = string | number> {
  readonly id: 'vlan' | 'interface' | 'slb' | 'real' | 'health-check' | 'port-boundary' | 'vxlan' | 'geneve-appliance' | 'router-bgp';
  keyOf(obj: T): K;
  find(cfg: RunningConfig, key: K): T | undefined;
  create(key: K): T;
  put(cfg: RunningConfig, obj: T): RunningConfig;
  remove(cfg: RunningConfig, key: K): RunningConfig;
}

function listKind<T, K extends string | number>(
  id: ObjectKind<T, K>['id'],
  field: 'vlans' | 'interfaces' | 'slbs' | 'reals' | 'healthChecks' | 'portBoundaries',
  keyOf: (o: T) => K,
  create: (k: K) => T,
  sorted: boolean,
): ObjectKind<T, K> {
  const list = (cfg: RunningConfig) => cfg[field] as unknown as readonly T[];
  return {
    id,
    keyOf,
    create,
    find: (cfg, key) => list(cfg).find((o) => keyOf(o) === key),
    put(cfg, obj) {
      const cur = list(cfg);
      const i = cur.findIndex((o) => keyOf(o) === keyOf(obj));
      let next = i >= 0 ? cur.map((o, j) => (j === i ? obj : o)) : [...cur, obj];
      if (sorted) next = [...next].sort((a, b) => (keyOf(a) as number) - (keyOf(b) as number));
      return { ...cfg, [field]: next };
    },
    remove: (cfg, key) => ({ ...cfg, [field]: list(cfg).filter((o) => keyOf(o) !== key) }),
  };
}

export const VLAN = listKind<VlanConfig, string>('vlan', 'vlans', (o) => o.name, newVlan, false);
export const INTERFACE = listKind<InterfaceConfig, string>('interface', 'interfaces', (o) => o.name, newInterface, false);
export const SLB = listKind<SlbConfig, string>('slb', 'slbs', (o) => o.name, newSlb, false);
export const REAL = listKind<RealConfig, RealId>('real', 'reals', (o) => o.id, newReal, true);
export const HEALTH_CHECK = listKind<HealthCheckConfig, HcId>('health-check', 'healthChecks', (o) => o.id, newHealthCheck, true);
export const PORT_BOUNDARY = listKind<PortBoundaryConfig, PbId>('port-boundary', 'portBoundaries', (o) => o.id, newPortBoundary, true);
