// dsr on real interfaces: the reals on the appliance's own L2 (port 2, a bridge in the `lan`
// namespace) with the VIP on lo (arp_ignore/arp_announce) and the router as their gateway. pask
// changes only the destination MAC of the client's packets; the answers go from the VIP to the
// router at L2 (bridged through the appliance's VLAN, never rewritten by it).

import { describe, expect, it } from 'vitest';
import { lanScenario } from './scenarios.js';
import { DSR_ENTRY_ROW, expectTwentySessions, systemRig, tally, twentyThroughPask, whyNoSystem } from './suite.js';
import { CLIENT_IP, PASK_MAC, VIP } from './topology.js';

const why = whyNoSystem();
const esc = (s: string) => s.replace(/\./g, '\\.');

describe.skipIf(!!why)(`dsr on real interfaces${why ? ` (skipped: ${why})` : ''}`, () => {
  const rig = systemRig({ variant: 'lan' }, lanScenario('dsr'));

  it('the client gets 20 answers out of 20 from both servers; only the MAC changes; the answers are not the appliance\'s; show entry and show info count the sessions', async () => {
    const srvMac = SERVERS_MACS(rig.topo);
    const { bodies, elapsed, entry, info, captures: [front, back] } = await twentyThroughPask(rig, [['pask', 'p1', 'tcp'], ['pask', 'p2', 'tcp']]);

    expect(bodies.filter((b) => b.startsWith('error')), bodies.join('\n')).toEqual([]);
    expect(tally(bodies)).toEqual({ srv1: 10, srv2: 10 });

    // Back: the client's SYN to the VIP, unchanged at L3, from the appliance's MAC to a real's MAC.
    for (const mac of srvMac) {
      expect(back.filter((l) => new RegExp(`^\\S+ ${esc(PASK_MAC)} > ${mac}, .*${esc(CLIENT_IP)}\\.\\d+ > ${esc(VIP)}\\.80: Flags \\[S\\]`).test(l)).length).toBe(10);
    }
    // The answers: from the VIP, with the real's own MAC as the source on both of the
    // appliance's ports (bridged to the router, not routed or rewritten by the appliance).
    const answers = front.filter((l) => l.includes(`${VIP}.80 > ${CLIENT_IP}.`));
    expect(answers.length).toBeGreaterThanOrEqual(20);
    for (const l of answers) expect(srvMac.some((m) => l.split(' ')[1] === m), l).toBe(true);
    expect(front.concat(back).filter((l) => l.split(' ')[1] === PASK_MAC && l.includes(`${VIP}.80 > ${CLIENT_IP}.`)), 'the appliance sent an answer').toEqual([]);

    expectTwentySessions(entry, info, elapsed, 'dsr', DSR_ENTRY_ROW);
  }, 60_000);
});

function SERVERS_MACS(topo: import('./topology.js').Topology): string[] {
  return (['srv1', 'srv2'] as const).map((s) => (JSON.parse(topo.ip(s, '-j', 'link', 'show', 'dev', 'eth0')) as { address: string }[])[0]!.address);
}
