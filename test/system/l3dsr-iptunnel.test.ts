// File 000 on real interfaces: pask serve owns a veth in its namespace (--port 1=p1), the reals
// are Linux network namespaces running nginx with the VIP on lo and IP-in-IP decapsulated by a
// tc BPF program; the client's curl goes client -> router -> pask -> (IP-in-IP) -> router -> real,
// and the answer straight real -> router -> client.

import { describe, expect, it } from 'vitest';
import { referenceScenario, SECOND_REAL } from './scenarios.js';
import { curlMany, DSR_ENTRY_ROW, expectTwentySessions, systemRig, tally, twentyThroughPask, whyNoSystem } from './suite.js';
import { CLIENT_IP, PASK_IP, PASK_MAC, ROUTED_RIPS, VIP, which, type Topology } from './topology.js';

const why = whyNoSystem();

/** Median latency (ms) of HTTP requests over one keep-alive connection for 3 s (wrk -c1). */
function medianLatencyMs(topo: Topology, url: string): number {
  const out = topo.x('client', ['wrk', '-t1', '-c1', '-d3s', '--latency', url], { timeoutMs: 30_000 });
  const m = /^\s+50%\s+([\d.]+)(us|ms|s)$/m.exec(out);
  if (!m) throw new Error(`no latency in wrk's output:\n${out}`);
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
}

describe.skipIf(!!why)(`l3dsr-iptunnel on real interfaces${why ? ` (skipped: ${why})` : ''}`, () => {
  const rig = systemRig({ variant: 'routed' }, referenceScenario() + SECOND_REAL);

  it('the client gets 20 answers out of 20 from both servers; the answers never cross the appliance; show entry and show info count the sessions', async () => {
    const { bodies, elapsed, entry, info, captures: [pk, s1] } = await twentyThroughPask(rig, [['pask', 'p1', 'ip'], ['srv1', 'eth0', 'ip']]);

    // 20 out of 20, round robin over both reals.
    expect(bodies.filter((b) => b.startsWith('error')), bodies.join('\n')).toEqual([]);
    expect(tally(bodies)).toEqual({ srv1: 10, srv2: 10 });

    // The appliance's port: the client's packets in, the same packets out inside IP-in-IP from
    // the appliance's address to a RIP, and nothing from the VIP to the client.
    const synIn = pk.filter((l) => l.includes(`${CLIENT_IP}.`) && l.includes(`> ${VIP}.80: Flags [S]`) && !l.includes('ipip-proto-4'));
    const synTunnelled = pk.filter((l) => l.includes(`${PASK_MAC} >`) && new RegExp(`${PASK_IP.replace(/\./g, '\\.')} > 192\\.168\\.211\\.15[01]: ${CLIENT_IP.replace(/\./g, '\\.')}\\.\\d+ > ${VIP.replace(/\./g, '\\.')}\\.80: Flags \\[S\\]`).test(l));
    const sample = `${pk.length} packets on p1:\n${pk.slice(0, 12).join('\n')}`;
    expect(synIn.length, sample).toBeGreaterThanOrEqual(20);
    expect(synTunnelled.length, sample).toBeGreaterThanOrEqual(20);
    expect(pk.filter((l) => l.includes(`${VIP}.80 > ${CLIENT_IP}.`)), 'a reply crossed the appliance').toEqual([]);

    // On the real: IP-in-IP in, the answer out from the VIP to the client through its gateway.
    expect(s1.some((l) => /192\.168\.193\.181 > 192\.168\.211\.150: 192\.168\.212\.225\.\d+ > 192\.168\.193\.50\.80: Flags \[S\]/.test(l))).toBe(true);
    expect(s1.some((l) => l.includes(`${VIP}.80 > ${CLIENT_IP}.`) && l.includes('Flags [S.]'))).toBe(true);
    expect(s1.filter((l) => l.includes(`${VIP}.80 > ${CLIENT_IP}.`) && l.includes('Flags [P.]')).length).toBeGreaterThanOrEqual(1);

    expectTwentySessions(entry, info, elapsed, 'l3dsr-iptunnel', DSR_ENTRY_ROW);
    expect(info).toContain('    Service Health       : ACT');
  }, 60_000);

  it('the appliance answers ARP for its address and the VIP on the router; the real servers do not answer for the VIP', async () => {
    const { topo } = rig;
    const neigh = topo.ip('router', 'neigh', 'show', 'dev', 'p0');
    const macOf = (ip: string) => new RegExp(`^${ip.replace(/\./g, '\\.')} lladdr (\\S+)`, 'm').exec(neigh)?.[1];
    expect(macOf(VIP)).toBe(PASK_MAC);
    expect(macOf(PASK_IP)).toBe(PASK_MAC);
  });

  // Regression test: the receive ring used to be TPACKET_V3, whose reader is woken only when a
  // block is retired (full, or after >= 1 ms), so at low load every frame waited ~1 ms (one
  // connection got ~1000 requests/s). It is TPACKET_V2 now, woken per frame at low load.
  it.skipIf(!which('wrk'))('a request through the appliance costs less than 0.5 ms more than the kernel path (one keep-alive connection)', async () => {
    const { topo } = rig;
    const kernel = medianLatencyMs(topo, `http://${ROUTED_RIPS[0]}/`);
    const viaPask = medianLatencyMs(topo, `http://${VIP}/`);
    expect(viaPask, `median latency: kernel path ${kernel} ms, through pask ${viaPask} ms`).toBeLessThan(kernel + 0.5);
  }, 30_000);
});

