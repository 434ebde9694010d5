// The Prometheus endpoint of `metrics listen [ADDR:]PORT`: an HTTP server answering
// `GET /metrics` (and `/`) with renderMetrics. It follows the running config: started,
// moved or stopped as `metrics listen` changes. A failure to listen is logged and kept for
// the command to report.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Appliance } from '../appliance.js';
import type { MetricsListen, RunningConfig } from '../config/model.js';
import { paskVersion } from '../cli/version.js';
import { renderMetrics } from './metrics.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const same = (a: MetricsListen | null, b: MetricsListen | null) => a === b || (a !== null && b !== null && a.host === b.host && a.port === b.port);

export class MetricsEndpoint {
  private server: Server | null = null;
  private current: MetricsListen | null = null;
  private pending: Promise<void> = Promise.resolve();
  /** Why the last attempt to listen failed (null: listening, or not asked to). */
  lastError: string | null = null;
  private readonly unsubscribe: () => void;

  constructor(private readonly app: Appliance) {
    this.configure(app.config);
    this.unsubscribe = app.store.subscribe((next) => this.configure(next));
  }

  /** Resolves once the last configuration change has taken effect. */
  settled(): Promise<void> {
    return this.pending;
  }

  /** `ADDR:PORT` it listens on, or null. */
  address(): string | null {
    const a = this.server?.address() as AddressInfo | null | undefined;
    if (!a) return null;
    return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  }

  async close(): Promise<void> {
    this.unsubscribe();
    this.current = null;
    await this.pending;
    await this.stop();
  }

  private configure(cfg: RunningConfig): void {
    const want = cfg.metricsListen;
    if (same(want, this.current)) return;
    this.current = want;
    this.pending = this.pending.then(async () => {
      await this.stop();
      if (want !== null) await this.start(want);
    });
  }

  private async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    await new Promise<void>((res) => s.close(() => res()));
    s.closeAllConnections?.();
  }

  private start(l: MetricsListen): Promise<void> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405, { Allow: 'GET, HEAD' }).end(); return; }
      if (path !== '/metrics' && path !== '/') { res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found: the metrics are at /metrics\n'); return; }
      const app = this.app;
      const body = renderMetrics({
        config: app.config, runtime: app.runtime, identity: app.identity, version: paskVersion(),
        now: app.clock.now(), bootedAt: app.bootedAt, wallNow: app.clock.wallNow(),
      });
      res.writeHead(200, { 'Content-Type': METRICS_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
    return new Promise<void>((resolve) => {
      server.once('error', (e) => {
        this.lastError = e.message;
        this.app.log.add('metrics', `cannot listen on ${l.host || '*'}:${l.port}: ${e.message}`, 'err');
        resolve();
      });
      server.listen(l.port, l.host || undefined, () => {
        server.removeAllListeners('error');
        server.on('error', () => {});
        server.unref();
        this.server = server;
        this.lastError = null;
        this.app.log.add('metrics', `Prometheus metrics on http://${this.address()}/metrics`);
        resolve();
      });
    });
  }
}
