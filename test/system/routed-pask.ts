// The routed namespace topology with only pask on it (no web servers, no decapsulation), the
// appliance's `test` interface configured with the Linux router as default gateway: for tests of
// the appliance's own traffic (ping, traceroute, its TCP). Registers the suite's beforeAll/afterAll.

import { afterAll, beforeAll } from 'vitest';
import { PaskServe } from './appliance.js';
import { acquireSystemLock, PASK_IP, ROUTER_L4_IP, Topology } from './topology.js';

const CONFIG = [
  'configure terminal',
  'vlan test', ' vid 193', ' port 1 untagged', ' apply',
  'interface test', ` ip address ${PASK_IP}/24`, ' apply',
  `route default-gateway ${ROUTER_L4_IP}`,
  'end',
  '',
].join('\n');

export interface RoutedPask {
  readonly topo: Topology;
  readonly pask: PaskServe;
}

/** Call inside a describe: the topology and appliance are up for its tests and torn down after. */
export function useRoutedPask(): () => RoutedPask {
  let release: (() => void) | null = null;
  let topo: Topology | null = null;
  let pask: PaskServe | null = null;
  beforeAll(async () => {
    release = await acquireSystemLock();
    topo = await Topology.create({ variant: 'routed', nginx: false, decap: false });
    pask = await PaskServe.start(topo);
    await pask.batch(CONFIG);
  }, 300_000);
  afterAll(async () => {
    try {
      if (pask) await pask.stop();
    } finally {
      topo?.destroy();
      release?.();
    }
  }, 60_000);
  return () => ({ topo: topo!, pask: pask! });
}
