// Health checks on the embedded lab, as batches with `wait` on virtual time.
import { describe, expect, it } from 'vitest';
import type { Appliance } from '../../src/appliance.js';
import { batch, labAppliance, realStates as reals, REFERENCE_SCENARIO, runClean as run } from '../helpers/cli.js';

const TWO_REALS = 'configure terminal\nreal 2\n name server2\n rip 192.168.211.151\n rport 80\n apply\nslb test\n real 2\n sticky time 0\n apply\nend\n';

async function lab(extra = ''): Promise<Appliance> {
  const app = await labAppliance();
  const r = await batch(app, REFERENCE_SCENARIO + TWO_REALS + extra + 'wait 10\n');
  expect(r.err).toBe('');
  return app;
}

const servers = async (app: Appliance, n: number) =>
  (await run(app, `lab request client http://192.168.193.50/ count ${n}`)).split('\n').filter((l) => /^\d+ /.test(l)).map((l) => l.split(' ')[3]);

describe('health checks on the lab', () => {
  it('the reference scenario goes ACT', async () => {
    const app = await lab();
    expect(await reals(app)).toEqual({ 1: 'ACT', 2: 'ACT' });
    expect(await run(app, 'show info slb test')).toContain('    Service Health       : ACT');
  });

  it('a stopped port takes real 1 down within timeout + interval x retry; traffic moves; recover brings it back', async () => {
    const app = await lab();
    await run(app, 'lab service 192.168.211.150 tcp 80 down');
    // timeout 3 + interval 5 x retry 3 = 18 s at most.
    await run(app, 'wait 18');
    expect(await reals(app)).toEqual({ 1: 'DEACT rst', 2: 'ACT' });
    expect(await run(app, 'show health-check status 1')).toMatch(/\n  1 +192\.168\.193\.50 80 +192\.168\.211\.150 down +rst .*slb test real 1\n/);
    expect(new Set(await servers(app, 4))).toEqual(new Set(['server2']));
    await run(app, 'lab service 192.168.211.150 tcp 80 up\nwait 6');
    expect(await reals(app)).toEqual({ 1: 'ACT', 2: 'ACT' });
    expect(new Set(await servers(app, 4))).toEqual(new Set(['server1', 'server2']));
    const log = await run(app, 'show log');
    expect(log).toMatch(/health: .*real 1 .*up -> down \(rst\)/);
    expect(log).toMatch(/health: .*real 1 .*down -> up/);
  });

  it('it does not go down before retry failures in a row', async () => {
    const app = await lab();
    await run(app, 'lab service 192.168.211.150 tcp 80 down\nwait 9');
    expect((await reals(app))[1]).toBe('ACT');
  });

  it('lab ipip off fails the tunnel check through ICMP protocol 4 unreachable', async () => {
    const app = await lab();
    await run(app, 'lab ipip 192.168.211.150 off\nwait 18');
    expect((await reals(app))[1]).toBe('DEACT ipip-unreachable');
    const dump = await run(app, 'capture start u -i test icmp\nwait 5\ncapture stop u\nshow capture u -nn');
    expect(dump).toMatch(/IP 192\.168\.211\.150 > 192\.168\.193\.181: ICMP 192\.168\.211\.150 protocol 4 unreachable, length \d+/);
    await run(app, 'lab ipip 192.168.211.150 on\nwait 6');
    expect((await reals(app))[1]).toBe('ACT');
  });

  it('an ip-tunnel-udp check on 161 goes down when the UDP service stops', async () => {
    const app = await lab('configure terminal\nslb test\n health-check 2\n apply\nend\n');
    expect(await reals(app)).toEqual({ 1: 'ACT', 2: 'ACT' });
    await run(app, 'lab service 192.168.211.151 udp 161 down\nwait 18');
    expect(await reals(app)).toEqual({ 1: 'ACT', 2: 'DEACT port-unreachable' });
    // The probes on the wire, as the seed's `tcpdump -nei test proto 4` shows them, one interval apart.
    const r = await batch(app, 'tcpdump -nei test -c 2 proto 4 and ip[29] = 17 and host 192.168.211.150');
    const dump = r.out;
    const lines = dump.split('\n').filter((l) => /^\d\d:/.test(l));
    // Header and statistics go where tcpdump writes them: standard error.
    expect(r.diag.split('\n').slice(0, 2)).toEqual(['tcpdump: verbose output suppressed, use -v or -vv for full protocol decode',
      'listening on test, link-type EN10MB (Ethernet), capture size 65535 bytes']);
    expect(lines).toHaveLength(2);
    for (const l of lines) {
      expect(l).toMatch(/^\d\d:\d\d:\d\d\.\d{6} 00:06:c4:90:03:93 > 00:00:5e:00:01:c1, ethertype IPv4 \(0x0800\), length 62: 192\.168\.193\.181 > 192\.168\.211\.150: 192\.168\.193\.181\.\d+ > 192\.168\.193\.50\.161:  \[nothing to parse\] \(ipip-proto-4\)$/);
    }
    const secs = lines.map((l) => { const [h, m, s] = l.slice(0, 15).split(':').map(Number); return h! * 3600 + m! * 60 + s!; });
    expect(Math.round(secs[1]! - secs[0]!)).toBe(5);
  });

  it('an http check follows the status code', async () => {
    const app = await lab('configure terminal\nhealth-check 3\n type http\n port 80\n http path /health expect 200\n apply\nslb test\n no health-check 1\n health-check 3\n apply\nend\n');
    expect(await reals(app)).toEqual({ 1: 'ACT', 2: 'ACT' });
    await run(app, 'lab http server2 status 503\nwait 18');
    expect(await reals(app)).toEqual({ 1: 'ACT', 2: 'DEACT http-status-503' });
    await run(app, 'lab http server2 status normal\nwait 6');
    expect(await reals(app)).toEqual({ 1: 'ACT', 2: 'ACT' });
  });

  it('graceful shutdown keeps a going-down real out of new sessions only', async () => {
    const app = await lab('configure terminal\nhealth-check 1\n graceful-shutdown enable\n apply\nend\n');
    await run(app, 'lab service 192.168.211.150 tcp 80 down\nwait 18');
    expect(await run(app, 'show info slb test')).toMatch(/ 1 +server +192\.168\.211\.150 80 +enable enable +DEACT +rst /);
    expect(new Set(await servers(app, 4))).toEqual(new Set(['server2']));
  });
});
