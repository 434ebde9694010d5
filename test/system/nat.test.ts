// nat on real interfaces: the reals on the appliance's own L2 (port 2, a bridge in the `lan`
// namespace), their default gateway the appliance's address 192.168.193.181, no VIP on their lo,
// nginx on 8080. pask rewrites VIP:80 to RIP:8080 on the way in and back on the way out.

import { describe, expect, it } from 'vitest';
import { lanScenario } from './scenarios.js';
import { expectTwentySessions, systemRig, tally, twentyThroughPask, whyNoSystem } from './suite.js';
import { CLIENT_IP, PASK_IP, PASK_MAC, VIP } from './topology.js';

const why = whyNoSystem();
const esc = (s: string) => s.replace(/\./g, '\\.');

describe.skipIf(!!why)(`nat on real interfaces${why ? ` (skipped: ${why})` : ''}`, () => {
  const rig = systemRig({ variant: 'lan', serverGateway: PASK_IP, vipOnLo: false, nginxPorts: [8080] }, lanScenario('nat', { rport: 8080 }));

  it('the client gets 20 answers out of 20 from both servers; both directions are translated; show entry and show info count the sessions', async () => {
    const { bodies, elapsed, entry, info, captures: [front, back] } = await twentyThroughPask(rig, [['pask', 'p1', 'tcp'], ['pask', 'p2', 'tcp']]);

    expect(bodies.filter((b) => b.startsWith('error')), bodies.join('\n')).toEqual([]);
    expect(tally(bodies)).toEqual({ srv1: 10, srv2: 10 });

    // Front (port 1, toward the router): the client only ever sees the VIP; the answers leave
    // the appliance with its MAC, translated back to VIP:80.
    expect(front.filter((l) => new RegExp(`${esc(PASK_MAC)} > .*${esc(VIP)}\\.80 > ${esc(CLIENT_IP)}\\.\\d+: Flags \\[S\\.\\]`).test(l)).length).toBeGreaterThanOrEqual(20);
    expect(front.filter((l) => /192\.168\.193\.15[01]\.8080/.test(l)), 'a RIP leaked to the client side').toEqual([]);
    // Back (port 2, toward the reals): to RIP:8080 from the client's address, and the answers to the appliance's MAC.
    expect(back.filter((l) => new RegExp(`${esc(PASK_MAC)} > .*${esc(CLIENT_IP)}\\.\\d+ > 192\\.168\\.193\\.15[01]\\.8080: Flags \\[S\\]`).test(l)).length).toBeGreaterThanOrEqual(20);
    expect(back.filter((l) => new RegExp(`> ${esc(PASK_MAC)}, .*192\\.168\\.193\\.15[01]\\.8080 > ${esc(CLIENT_IP)}\\.\\d+: Flags \\[S\\.\\]`).test(l)).length).toBeGreaterThanOrEqual(20);
    expect(back.filter((l) => l.includes(`${VIP}.80`)), 'the VIP reached the reals').toEqual([]);

    expectTwentySessions(entry, info, elapsed, 'nat', /^tcp  192\.168\.212\.225:(\d+) 192\.168\.193\.50:80 - 192\.168\.193\.15([01]):8080 192\.168\.212\.225:\1 slb\.test:[12]$/);
  }, 60_000);
});
