// The appliance's GENEVE target role (`geneve-appliance`), started with the dataplane and
// following the running config. The gateway role lives in the engine (src/engine/geneve-gateway.ts).

import type { Appliance } from '../appliance.js';
import type { RunningConfig } from '../config/model.js';
import type { HostStack } from '../stack/host-stack.js';
import { GeneveAppliance } from './appliance.js';

export { GeneveAppliance } from './appliance.js';

/** Starts the role on the appliance's host stack; returns the function that stops it. */
export function startGeneveAppliance(app: Appliance, stack: HostStack): () => void {
  const role = new GeneveAppliance(stack);
  let prev: RunningConfig | null = null;
  const apply = (cfg: RunningConfig) => {
    role.configure(cfg, prev);
    prev = cfg;
  };
  apply(app.config);
  const unsubscribe = app.store.subscribe(apply);
  app.geneveAppliance = role;
  return () => {
    unsubscribe();
    role.close();
    if (app.geneveAppliance === role) app.geneveAppliance = null;
  };
}
