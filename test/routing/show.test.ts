import { describe, expect, it } from 'vitest';
import { ipv4 } from '../../src/net/addr.js';
import { Rib } from '../../src/routing/rib.js';
import { formatRouteSummary, formatRouteTable } from '../../src/routing/show.js';

describe('show ip route', () => {
  const rib = new Rib();
  rib.add({ prefix: { addr: ipv4('192.168.193.0'), len: 24 }, source: 'connected', nexthops: [{ gw: 0, ifIdx: 0 }] });
  rib.add({ prefix: { addr: 0, len: 0 }, source: 'static', nexthops: [{ gw: ipv4('192.168.193.1'), ifIdx: 0 }] });
  rib.add({ prefix: { addr: ipv4('10.0.0.0'), len: 8 }, source: 'bgp', owner: 'a', nexthops: [{ gw: ipv4('192.168.193.2'), ifIdx: 0 }] });
  rib.add({ prefix: { addr: ipv4('10.0.0.0'), len: 8 }, source: 'bgp', owner: 'b', nexthops: [{ gw: ipv4('192.168.211.2'), ifIdx: 1 }] });
  rib.add({ prefix: { addr: ipv4('10.0.0.0'), len: 8 }, source: 'static', distance: 250, nexthops: [{ gw: ipv4('192.168.193.9'), ifIdx: 0 }] });
  const names = ['test', 'server'];

  it('lists selected paths (ECMP on continuation lines) and the other candidates, FRR style', () => {
    expect(formatRouteTable(rib, (i) => names[i] ?? `if${i}`)).toEqual([
      'Codes: K - kernel route, C - connected, S - static, O - OSPF, B - BGP,',
      '       > - selected route, * - FIB route',
      '',
      'S>* 0.0.0.0/0 [1/0] via 192.168.193.1, test',
      'B>* 10.0.0.0/8 [20/0] via 192.168.193.2, test',
      '  *                   via 192.168.211.2, server',
      'S   10.0.0.0/8 [250/0] via 192.168.193.9, test',
      'C>* 192.168.193.0/24 is directly connected, test',
    ]);
  });

  it('summarises routes per source', () => {
    expect(formatRouteSummary(rib)).toEqual([
      'Route Source         Routes               FIB',
      'connected            1                    1',
      'static               2                    1',
      'bgp                  2                    2',
      '------',
      'Totals               5                    4',
    ]);
  });
});
