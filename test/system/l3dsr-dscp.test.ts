// l3dsr-dscp on real interfaces, file 000's routed topology: the reals behind the router. pask
// rewrites the client's packet to the VIP into one to the chosen real's RIP (ports kept) with the
// service's DSCP (10: tos 0x28) and routes it through the router; on the real, a tc ingress BPF
// program (bpf/l3dsr_dscp.c) turns a packet to the RIP with that DSCP back into one to the VIP
// (on lo), so nginx answers the client from the VIP straight through the router.

import { describe, expect, it } from 'vitest';
import { l3dsrDscpScenario } from './scenarios.js';
import { DSR_ENTRY_ROW, expectTwentySessions, systemRig, tally, twentyThroughPask, whyNoSystem } from './suite.js';
import { CLIENT_IP, PASK_MAC, ROUTED_RIPS, SERVERS, VIP, type Server, type Topology } from './topology.js';

const why = whyNoSystem();
const esc = (s: string) => s.replace(/\./g, '\\.');
const DSCP = 10;
/** How tcpdump -v prints the TOS byte of a packet with DSCP 10 and ECN 0. */
const TOS = `tos 0x${(DSCP << 2).toString(16)}`;

/** The server's TcpInCsumErrors (its namespace's SNMP counter; nstat -a: absolute, -s: no history kept). */
function tcpInCsumErrors(topo: Topology, s: Server): number {
  const m = /^TcpInCsumErrors\s+(\d+)/m.exec(topo.x(s, ['nstat', '-asz', 'TcpInCsumErrors']));
  if (!m) throw new Error(`no TcpInCsumErrors in nstat's output on ${s}`);
  return Number(m[1]);
}

describe.skipIf(!!why)(`l3dsr-dscp on real interfaces${why ? ` (skipped: ${why})` : ''}`, () => {
  const rig = systemRig({ variant: 'routed', decap: false, dscpRestore: DSCP }, l3dsrDscpScenario(DSCP));

  it('the client gets 20 answers out of 20 from both servers; the SYNs leave the appliance to the RIPs with the DSCP; the answers come from the VIP and never cross the appliance; show entry and show info count the sessions', async () => {
    const { bodies, elapsed, entry, info, captures: [pk, s1] } = await twentyThroughPask(rig, [
      ['pask', 'p1', 'tcp', { verbose: true }],
      ['srv1', 'eth0', 'tcp', { verbose: true }],
    ]);

    // 20 out of 20, round robin over both reals.
    expect(bodies.filter((b) => b.startsWith('error')), bodies.join('\n')).toEqual([]);
    expect(tally(bodies)).toEqual({ srv1: 10, srv2: 10 });

    // The appliance's port: the client's SYNs to the VIP in (DSCP 0), and the same SYNs out from
    // the appliance's MAC to each RIP, the client's address and ports unchanged, DSCP 10, correct
    // checksums; nothing from the VIP to the client.
    const sample = `${pk.length} packets on p1:\n${pk.slice(0, 12).join('\n')}`;
    // (Counted by the client's source port: a retransmitted SYN is the same connection.)
    const ports = (ls: string[]) => [...new Set(ls.map((l) => new RegExp(`${esc(CLIENT_IP)}\\.(\\d+) > `).exec(l)![1]!))].sort();
    const synIn = pk.filter((l) => l.includes('(tos 0x0,') && new RegExp(`${esc(CLIENT_IP)}\\.\\d+ > ${esc(VIP)}\\.80: Flags \\[S\\]`).test(l));
    expect(ports(synIn), sample).toHaveLength(20);
    const synOut = ROUTED_RIPS.map((rip) => pk.filter((l) => l.split(' ')[1] === PASK_MAC &&
      l.includes(`(${TOS},`) && new RegExp(`${esc(CLIENT_IP)}\\.\\d+ > ${esc(rip)}\\.80: Flags \\[S\\], cksum 0x[0-9a-f]+ \\(correct\\)`).test(l)));
    expect(synOut.map((x) => ports(x).length), sample).toEqual([10, 10]);
    // The client's source ports are kept: the SYNs in are the SYNs out.
    expect(ports(synOut.flat()), sample).toEqual(ports(synIn));
    // Every packet of the client to a RIP carries the DSCP (the ACKs and the request too), none to the VIP goes out.
    // (The health checks go from the appliance's address to RIP:80 without it.)
    const toRip = pk.filter((l) => new RegExp(`${esc(CLIENT_IP)}\\.\\d+ > 192\\.168\\.211\\.15[01]\\.80: `).test(l));
    // (With PASK_SYSTEM_OFFLOAD=1 the request itself is forwarded by the XDP program, before a
    // packet socket on the port, tcpdump's, sees it: SYN, ACK, FIN and the last ACK remain.)
    expect(toRip.length, sample).toBeGreaterThanOrEqual(20 * (process.env['PASK_SYSTEM_OFFLOAD'] === '1' ? 4 : 5));
    expect(toRip.filter((l) => !l.includes(`(${TOS},`)), 'a packet to a RIP without the DSCP').toEqual([]);
    expect(pk.filter((l) => l.split(' ')[1] === PASK_MAC && l.includes(`> ${VIP}.80: `)), 'a packet left the appliance to the VIP').toEqual([]);
    expect(pk.filter((l) => l.includes(`${VIP}.80 > ${CLIENT_IP}.`)), 'a reply crossed the appliance').toEqual([]);

    // On srv1: packets to its RIP with the DSCP (before the tc program restores the VIP), and the
    // answers out from the VIP to the client through its gateway.
    const s1Sample = `${s1.length} packets on srv1 eth0:\n${s1.slice(0, 12).join('\n')}`;
    expect(ports(s1.filter((l) => l.includes(`(${TOS},`) && new RegExp(`${esc(CLIENT_IP)}\\.\\d+ > ${esc(ROUTED_RIPS[0])}\\.80: Flags \\[S\\]`).test(l))), s1Sample).toEqual(ports(synOut[0]!));
    expect(s1.filter((l) => l.includes(`${VIP}.80 > ${CLIENT_IP}.`) && l.includes('Flags [S.]')).length, s1Sample).toBeGreaterThanOrEqual(10);
    expect(s1.filter((l) => l.includes(`${VIP}.80 > ${CLIENT_IP}.`) && l.includes('Flags [P.]')).length, s1Sample).toBeGreaterThanOrEqual(10);
    // srv1 never answers the client from its RIP (the VIP was restored before the stack saw it).
    expect(s1.filter((l) => l.includes(`${ROUTED_RIPS[0]}.80 > ${CLIENT_IP}.`)), 'srv1 answered from its RIP').toEqual([]);
    // The restored packets' checksums are right: the reals' TCP verifies them (a wrong L4
    // checksum update in the BPF program shows here, and as timed-out curls).
    for (const s of SERVERS) expect(tcpInCsumErrors(rig.topo, s), s).toBe(0);

    expectTwentySessions(entry, info, elapsed, 'l3dsr-dscp', DSR_ENTRY_ROW);
    expect(info).toContain('    Service Health       : ACT');
  }, 60_000);
});
