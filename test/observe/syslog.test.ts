// Syslog: `logging host` sends RFC 5424 messages; Debian's rsyslog, receiving on loopback,
// writes those of a health change and of a configuration change to its file, over UDP and TCP.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Appliance } from '../../src/appliance.js';
import { formatSyslog } from '../../src/observe/syslog.js';
import { labAppliance, REFERENCE_SCENARIO, runClean } from '../helpers/cli.js';
import { exists, startRsyslog, waitUntil, whyNot } from './tools.js';

describe('RFC 5424 messages', () => {
  it('carry the priority (local7), an ISO time, the hostname, app, pid and facility as MSGID', () => {
    const e = { wallMs: Date.UTC(2025, 4, 16, 3, 0, 1, 250), facility: 'health', severity: 'warning' as const, text: 'slb test real 1: up -> down (rst)' };
    expect(formatSyslog(e, 'PAS-K', 4242)).toBe('<188>1 2025-05-16T03:00:01.250Z PAS-K pask 4242 health - slb test real 1: up -> down (rst)');
    expect(formatSyslog({ ...e, severity: 'notice', facility: 'config' }, 'a b', 1)).toMatch(/^<189>1 \S+ ab pask 1 config - /);
  });

  it('logging host is in the running config and show logging', async () => {
    const app = await labAppliance();
    try {
      const out = await runClean(app, 'configure terminal\nlogging host 10.1.1.1\nlogging host 10.1.1.2 port 1514 tcp\nend\nshow running-config logging\nshow logging');
      expect(out).toContain('logging host 10.1.1.1\nlogging host 10.1.1.2 port 1514 tcp\n!\n');
      expect(out).toMatch(/10\.1\.1\.2 +1514 +tcp/);
      await runClean(app, 'configure terminal\nno logging host 10.1.1.1\nend');
      expect(app.config.loggingHosts.map((h) => h.port)).toEqual([1514]);
    } finally {
      await app.close();
    }
  });
});

const why = whyNot('rsyslogd', 'rsyslog');

describe.skipIf(why !== null)(`rsyslog receives pask's log${why ? ` (skipped: ${why})` : ''}`, () => {
  let rs: Awaited<ReturnType<typeof startRsyslog>>;
  let app: Appliance;
  beforeAll(async () => {
    rs = await startRsyslog();
    app = await labAppliance();
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await rs?.stop();
  });
  const lines = () => (exists(rs.log) ? readFileSync(rs.log, 'utf8').split('\n').filter((l) => l) : []);
  const seen = (re: RegExp, what: string) => waitUntil(`${what} in ${rs.log}:\n${lines().join('\n')}\n${rs.output()}`, () => lines().find((l) => re.test(l)) ?? null);

  it('over UDP: the configuration change and the health change', async () => {
    await runClean(app, `configure terminal\nlogging host 127.0.0.1 port ${rs.udpPort} udp\nend\n${REFERENCE_SCENARIO}wait 10\n`);
    const cfg = await seen(/ config local7\.notice operator \(batch\) changed the running config: .*\+slb test: vip 192\.168\.193\.50 protocol tcp vport 80/, 'the slb change');
    expect(cfg).toMatch(/^1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d) PAS-K pask \d+ config local7\.notice /);
    await seen(/ health local7\.notice slb test real 1 \(192\.168\.211\.150\) health-check 1 ip-tunnel-tcp: down -> up$/, 'the health change');
  });

  it('over TCP (octet counting): a real going down', async () => {
    await runClean(app, `configure terminal\nlogging host 127.0.0.1 port ${rs.tcpPort} tcp\nend\nlab service 192.168.211.150 tcp 80 down\nwait 20\n`);
    await seen(new RegExp(`config local7\\.notice operator \\(batch\\) changed the running config: -logging host 127\\.0\\.0\\.1 port ${rs.udpPort}; \\+logging host 127\\.0\\.0\\.1 port ${rs.tcpPort} tcp$`), 'the change of collector');
    await seen(/ health local7\.warning slb test real 1 \(192\.168\.211\.150\) health-check 1 ip-tunnel-tcp: up -> down \(rst\)$/, 'the health change');
  });
});
