// What the VXLAN show commands print: the FDB in `bridge fdb show`'s line format (the device
// named vxlan<VNI>, as the CLI contract gives it), the neighbour table in `ip neigh show`'s, and
// the VTEP's settings and counters in the appliance's own layout.

import type { NeighborRow } from '../engine/runtime.js';
import { formatIpv4, formatMac } from '../net/addr.js';
import { kv, RULE, SUBRULE, table } from '../cli/render.js';
import type { FdbEntry } from './fdb.js';
import { VTEP_DROP_NAMES, type Vtep } from './vtep.js';

/** `02:42:c0:a8:00:03 dev vxlan42 dst 192.168.104.3 vni 42 port 4789 self permanent` (learned: no `permanent`). */
export function fdbLine(e: FdbEntry): string {
  return `${formatMac(e.mac)} dev vxlan${e.vni} dst ${formatIpv4(e.remote)} vni ${e.vni} port ${e.port} self${e.isStatic ? ' permanent' : ''}`;
}

/** `12.12.12.3 dev overlay lladdr 02:42:c0:a8:00:03 PERMANENT`; without a MAC: `12.12.12.9 dev overlay INCOMPLETE`. NOARP entries are not listed (as ip neigh show). */
export function neighborLines(rows: readonly NeighborRow[]): string[] {
  return rows.filter((r) => r.state !== 'NOARP')
    .map((r) => `${formatIpv4(r.addr)} dev ${r.iface}${r.mac === null ? '' : ` lladdr ${formatMac(r.mac)}`} ${r.state}`);
}

export function showVxlan(v: Vtep): string {
  const x = v.settings;
  const st = v.status();
  const segs = v.list();
  const onOff = (b: boolean) => (b ? 'enable' : 'disable');
  const rows = segs.map((s) => {
    const c = s.stats;
    const drops = c.drops.reduce((a, b) => a + b, 0);
    return [s.vni, s.vlan, s.port, c.rxFrames, c.txPackets, c.flooded, c.arpProxied, drops];
  });
  const f = v.fdb;
  const lines = [
    RULE,
    '  VXLAN',
    SUBRULE,
    kv(4, 21, 'Status', st.up ? 'up' : `down (${st.why})`),
    kv(4, 21, 'Source Address', x.sourceAddress === null ? '' : formatIpv4(x.sourceAddress)),
    kv(4, 21, 'UDP Port', x.udpPort),
    kv(4, 21, 'Learning', onOff(x.learning)),
    kv(4, 21, 'ARP Proxy', onOff(x.arpProxy)),
    kv(4, 21, 'Ageing', x.ageing === 0 ? 'never' : `${x.ageing} s`),
    kv(4, 21, 'Max Entries', x.maxEntries),
    kv(4, 21, 'MTU', x.mtu),
    '',
    '    Segments',
    ...(rows.length ? table(['VNI', 'VLAN', 'Port', 'Decap', 'Encap', 'Flooded', 'ARP-Proxied', 'Drops'], rows, { indent: 7 }) : ['       none']),
    ...st.refused.map((r) => `       ${r}`),
    '',
    '    FDB',
    ...table(['Entries', 'Learned', 'New', 'Moved', 'Aged', 'Refused'],
      [[f.size, f.learnedSize, f.counters.learned, f.counters.moved, f.counters.aged, f.counters.refused]], { indent: 7 }),
    '',
    '    Drops',
    ...dropLines(v),
    RULE,
  ];
  return `\n${lines.join('\n')}\n\n`;
}

function dropLines(v: Vtep): string[] {
  const rows: (string | number)[][] = [];
  const global = v.status().drops;
  for (const [name, n] of Object.entries(global)) rows.push([name, n]);
  if (rows.length === 0) return ['       none'];
  rows.sort((a, b) => VTEP_DROP_NAMES.indexOf(String(a[0])) - VTEP_DROP_NAMES.indexOf(String(b[0])));
  return table(['Reason', 'Count'], rows, { indent: 7 });
}
