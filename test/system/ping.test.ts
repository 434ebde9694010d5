// `ping` and `traceroute` from the appliance on real interfaces: pask owns p1 in its namespace,
// a Linux router (ip_forward=1) answers on 192.168.193.1, and the client namespace sits one
// routed hop behind it. Real kernels answer the echo requests, send time exceeded for the
// first hop and port unreachable from the destination. No web servers are needed.

import { describe, expect, it } from 'vitest';
import { useRoutedPask } from './routed-pask.js';
import { CLIENT_IP, PASK_IP, ROUTER_L4_IP, whyNoSystem } from './topology.js';

const why = whyNoSystem();
const esc = (s: string) => s.replace(/\./g, '\\.');

describe.skipIf(!!why)(`ping and traceroute on real interfaces${why ? ` (skipped: ${why})` : ''}`, () => {
  const env = useRoutedPask();

  it('pings the Linux router and the host behind it: 5/5 each', async () => {
    const out = await env().pask.cli('ping 192.168.193.1', `ping ${CLIENT_IP} source ${PASK_IP}`);
    const success = /Success rate is 100 percent \(5\/5\), round-trip min\/avg\/max = \d+\/\d+\/\d+ ms/g;
    expect(out).toMatch(new RegExp(`Sending 5, 100-byte ICMP Echos to ${esc(ROUTER_L4_IP)}, timeout is 2 seconds:\\n!!!!!\\n`));
    expect(out).toMatch(new RegExp(`Sending 5, 100-byte ICMP Echos to ${esc(CLIENT_IP)}, timeout is 2 seconds:\\n` +
      `Packet sent with a source address of ${esc(PASK_IP)} \\n!!!!!\\n`));
    expect(out.match(success)).toHaveLength(2);
  }, 60_000);

  it('traceroute shows the router as hop 1 and the host as hop 2', async () => {
    const out = await env().pask.cli(`traceroute ${CLIENT_IP}`);
    const hops = out.split('\n').filter((l) => /^ +\d+ /.test(l));
    expect(hops, out).toEqual([
      expect.stringMatching(new RegExp(`^ {2}1 ${esc(ROUTER_L4_IP)} \\d+ msec \\d+ msec \\d+ msec$`)),
      expect.stringMatching(new RegExp(`^ {2}2 ${esc(CLIENT_IP)} \\d+ msec \\d+ msec \\d+ msec$`)),
    ]);
  }, 60_000);
});
