// What reports the appliance to the tools operations teams run: the syslog forwarder and the
// Prometheus endpoint, both following the running config. Started by boot for every appliance.

import type { Appliance } from '../appliance.js';
import { MetricsEndpoint } from './metrics-endpoint.js';
import { SyslogForwarder } from './syslog.js';

export function startObservers(app: Appliance): void {
  const syslog = new SyslogForwarder(app.log, app.store);
  const metrics = new MetricsEndpoint(app);
  app.metrics = metrics;
  app.onClose(async () => {
    await metrics.close();
    await syslog.close();
  });
}
