// What the health checker tells the dataplane: the combined health of each real in each SLB,
// and of each route bound to a check.

import type { RealId } from '../config/model.js';
import type { Ipv4, Prefix } from '../net/addr.js';

export interface HealthSink {
  /**
   * A real's health in an SLB changed: its checks combined under the SLB's H/C condition.
   * `graceful`: a real going down keeps its existing sessions (it only stops taking new ones);
   * otherwise its sessions are removed.
   */
  setRealHealth(slb: string, real: RealId, up: boolean, cause: string, graceful: boolean): void;
  /** A route bound to a health check is installed (up) or withdrawn (down). */
  setRouteHealth(dest: Prefix, gateway: Ipv4, up: boolean): void;
}
