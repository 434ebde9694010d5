// VXLAN (file 004): a VLAN bridged to a VNI (`vxlan vni N` in the VLAN), the VTEP's settings
// (`vxlan` sub-mode), static FDB entries (`vxlan fdb`), static neighbours (`arp`), and what
// Linux's tools print: `show vxlan fdb` as `bridge fdb show`, `show ip neighbors` as
// `ip neigh show`.

import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import type { RunningConfig, StaticArpConfig, VxlanConfig, VxlanFdbConfig } from '../src/config/model.js';
import { VLAN } from '../src/config/objects.js';
import { defaultVxlan, VXLAN, VXLAN_DEFAULT_AGEING, VXLAN_DEFAULT_MAX_ENTRIES, VXLAN_DEFAULT_MTU, VXLAN_DEFAULT_PORT } from '../src/config/vxlan.js';
import { formatIpv4, formatMac, type Ipv4, type Mac } from '../src/net/addr.js';
import { fdbLine, neighborLines, showVxlan } from '../src/vxlan/show.js';
import type { Vtep } from '../src/vxlan/vtep.js';
import type { FdbEntry } from '../src/vxlan/fdb.js';
import { LabWorld } from '../src/lab/world.js';
import { linuxVxlanOf, type LinuxVxlanDevice } from '../src/lab/linux-vxlan.js';
import { noSetting } from './common.js';

const HELP: Readonly<Record<string, string>> = {
  vxlan: 'VXLAN tunnel endpoint',
  vni: 'VXLAN network identifier',
  '<1-16777215>': 'VNI',
  fdb: 'Forwarding database: inner MAC -> remote VTEP',
  'XX:XX:XX:XX:XX:XX': 'Inner MAC (00:00:00:00:00:00: every broadcast, multicast and unknown unicast frame)',
  remote: 'The remote VTEP',
  'A.B.C.D': 'Its IPv4 address',
  port: 'Its UDP port (default: udp-port)',
  '<1-65535>': 'UDP port',
};

const LAB_HELP: Readonly<Record<string, string>> = {
  lab: 'Embedded lab', host: 'Lab host with a vxlan device: its name or address', fdb: 'Its vxlan device\'s FDB (bridge fdb)',
  neigh: 'Its vxlan device\'s neighbours (ip neigh)', add: 'Add (refused when the MAC is there)', append: 'Add another remote (the all-zeros list)',
  replace: 'Add or replace', del: 'Delete', 'XX:XX:XX:XX:XX:XX': 'MAC', dst: 'Remote VTEP', 'A.B.C.D': 'IPv4 address',
  port: 'Its UDP port', '<1-65535>': 'UDP port', lladdr: 'The neighbour\'s MAC',
};

function vtepOf(ctx: Ctx): Vtep {
  const v = ctx.appliance.vxlan;
  if (v === null) throw new CliError('% The packet engine is not running');
  return v;
}

const fdbKey = (f: VxlanFdbConfig) => (f.mac === 0 ? `0/${f.vni}/${f.remote}/${f.port}` : `${f.mac}/${f.vni}`);

export const vxlanCommands = defineCommands<Ctx>([
  // ---- a VLAN's segment ----
  {
    syntax: 'vxlan vni (1-16777215)', modes: ['vlan'], doc: 'Bridge the VLAN to a VXLAN segment (the VTEP is set up with `vxlan`)',
    help: { ...HELP, vxlan: 'VXLAN segment of this VLAN' },
    run: (ctx, a) => ctx.stage(VLAN, 'vxlan', (v) => ({ ...v, vni: a.num('vni') })),
  },
  {
    syntax: 'no vxlan vni', modes: ['vlan'], doc: 'No VXLAN segment for the VLAN', help: { ...HELP, vxlan: 'VXLAN segment of this VLAN' },
    run: (ctx) => ctx.stage(VLAN, 'vxlan', (v) => ({ ...v, vni: null })),
  },
  // ---- the VTEP ----
  {
    syntax: 'vxlan', modes: ['config'], doc: 'Edit the VXLAN tunnel endpoint', help: HELP,
    run: (ctx) => ctx.session.enterSubmode(VXLAN, '', ctx),
  },
  {
    syntax: 'no vxlan', modes: ['config'], doc: 'The VXLAN tunnel endpoint back to its factory settings (down: no source-address)', help: HELP,
    run: (ctx) => ctx.commit(VXLAN.remove(ctx.cfg, '')),
  },
  {
    syntax: 'source-address A.B.C.D', modes: ['vxlan'], doc: 'The local VTEP address: the outer source, where VXLAN is received',
    help: { 'source-address': 'The local VTEP address (one of a data interface\'s)', 'A.B.C.D': 'IPv4 address' },
    run: (ctx, a) => ctx.stage(VXLAN, 'source-address', (x) => ({ ...x, sourceAddress: a.ip('source-address') })),
  },
  {
    syntax: 'udp-port (1-65535)', modes: ['vxlan'], doc: `The UDP port of VXLAN (default ${VXLAN_DEFAULT_PORT}, the IANA port; Linux's own default is 8472)`,
    help: { 'udp-port': 'UDP port of VXLAN', '<1-65535>': 'Port (4789 IANA, 8472 Linux)' },
    run: (ctx, a) => ctx.stage(VXLAN, 'udp-port', (x) => ({ ...x, udpPort: a.num('udp-port') })),
  },
  {
    syntax: 'learning <enable|disable>', modes: ['vxlan'], doc: 'Learn inner source MACs of received frames into the FDB (default enable)',
    help: { learning: 'FDB learning', enable: 'Learn (as Linux\'s `learning`)', disable: 'Only static entries' },
    run: (ctx, a) => ctx.stage(VXLAN, 'learning', (x) => ({ ...x, learning: a.str('learning') === 'enable' })),
  },
  {
    syntax: 'arp-proxy <enable|disable>', modes: ['vxlan'],
    doc: 'Answer ARP requests from the local side for known remote neighbours here, without sending them across (default disable)',
    help: { 'arp-proxy': 'ARP proxy (as Linux\'s `proxy`)', enable: 'Answer from the neighbour table', disable: 'Send every ARP across' },
    run: (ctx, a) => ctx.stage(VXLAN, 'arp-proxy', (x) => ({ ...x, arpProxy: a.str('arp-proxy') === 'enable' })),
  },
  {
    syntax: 'ageing (0-1000000)', modes: ['vxlan'], doc: `Seconds a learned FDB entry lives without frames from its MAC (default ${VXLAN_DEFAULT_AGEING}; 0 never)`,
    help: { ageing: 'Ageing of learned FDB entries', '<0-1000000>': 'Seconds (0: never)' },
    run: (ctx, a) => ctx.stage(VXLAN, 'ageing', (x) => ({ ...x, ageing: a.num('ageing') })),
  },
  {
    syntax: 'max-entries (1-1048576)', modes: ['vxlan'], doc: `Most learned FDB entries; learning beyond is refused and counted (default ${VXLAN_DEFAULT_MAX_ENTRIES})`,
    help: { 'max-entries': 'Limit of learned FDB entries', '<1-1048576>': 'Entries' },
    run: (ctx, a) => ctx.stage(VXLAN, 'max-entries', (x) => ({ ...x, maxEntries: a.num('max-entries') })),
  },
  {
    syntax: 'mtu (68-65000)', modes: ['vxlan'], doc: `The overlay MTU: larger frames are dropped and counted (default ${VXLAN_DEFAULT_MTU}: 1500 - 50)`,
    help: { mtu: 'Overlay MTU (the inner IP packet)', '<68-65000>': 'Bytes' },
    run: (ctx, a) => ctx.stage(VXLAN, 'mtu', (x) => ({ ...x, mtu: a.num('mtu') })),
  },
  noSetting(VXLAN, 'source-address', 'No local VTEP address (the VTEP is down)', (x, d) => ({ ...x, sourceAddress: d.sourceAddress }),
    { 'source-address': 'The local VTEP address' }),
  noSetting(VXLAN, 'udp-port', `Back to UDP port ${VXLAN_DEFAULT_PORT}`, (x, d) => ({ ...x, udpPort: d.udpPort }), { 'udp-port': 'UDP port of VXLAN' }),
  noSetting(VXLAN, 'learning', 'Back to learning enable', (x, d) => ({ ...x, learning: d.learning }), { learning: 'FDB learning' }),
  noSetting(VXLAN, 'arp-proxy', 'Back to arp-proxy disable', (x, d) => ({ ...x, arpProxy: d.arpProxy }), { 'arp-proxy': 'ARP proxy' }),
  noSetting(VXLAN, 'ageing', `Back to ${VXLAN_DEFAULT_AGEING} s`, (x, d) => ({ ...x, ageing: d.ageing }), { ageing: 'Ageing of learned FDB entries' }),
  noSetting(VXLAN, 'max-entries', `Back to ${VXLAN_DEFAULT_MAX_ENTRIES}`, (x, d) => ({ ...x, maxEntries: d.maxEntries }), { 'max-entries': 'Limit of learned FDB entries' }),
  noSetting(VXLAN, 'mtu', `Back to ${VXLAN_DEFAULT_MTU}`, (x, d) => ({ ...x, mtu: d.mtu }), { mtu: 'Overlay MTU' }),
  // ---- static FDB entries ----
  {
    syntax: 'vxlan fdb XX:XX:XX:XX:XX:XX$mac vni (1-16777215) remote A.B.C.D [port (1-65535)]', modes: ['config'],
    doc: 'A static FDB entry (bridge fdb add/append ... self dst A.B.C.D vni N port N): never aged, never moved; 00:00:00:00:00:00 adds a VTEP to the flood list',
    help: HELP,
    run: (ctx, a) => {
      const f: VxlanFdbConfig = { mac: a.num('mac') as Mac, vni: a.num('vni'), remote: a.ip('remote'), port: a.optNum('port') };
      // A unicast MAC has one remote (a new line replaces it); the all-zeros entry lists every remote.
      const rest = ctx.cfg.vxlanFdb.filter((x) => fdbKey(x) !== fdbKey(f) && !(f.mac === 0 && x.mac === 0 && x.vni === f.vni && x.remote === f.remote));
      ctx.commit({ ...ctx.cfg, vxlanFdb: [...rest, f] });
    },
  },
  {
    syntax: 'no vxlan fdb XX:XX:XX:XX:XX:XX$mac vni (1-16777215) [remote A.B.C.D]', modes: ['config'],
    doc: 'Remove a static FDB entry (of the all-zeros list: one remote, or all)', help: HELP,
    run: (ctx, a) => {
      const mac = a.num('mac'), vni = a.num('vni'), remote = a.optIp('remote');
      const gone = (x: VxlanFdbConfig) => x.mac === mac && x.vni === vni && (remote === null || x.remote === remote);
      if (!ctx.cfg.vxlanFdb.some(gone)) throw new CliError(`% There is no vxlan fdb ${formatMac(mac)} vni ${vni}${remote === null ? '' : ` remote ${formatIpv4(remote)}`}`);
      ctx.commit({ ...ctx.cfg, vxlanFdb: ctx.cfg.vxlanFdb.filter((x) => !gone(x)) });
    },
  },
  // ---- static neighbours ----
  {
    syntax: 'arp A.B.C.D XX:XX:XX:XX:XX:XX$mac vlan NAME', modes: ['config'],
    doc: 'A static neighbour (ip neigh add ... lladdr MAC): PERMANENT, never asked, never aged; the ARP proxy answers for it',
    help: { arp: 'Static neighbour', 'A.B.C.D': 'Its IPv4 address', 'XX:XX:XX:XX:XX:XX': 'Its MAC', vlan: 'The VLAN (with an interface) it is on', NAME: 'VLAN name' },
    run: (ctx, a) => {
      const e: StaticArpConfig = { addr: a.ip('arp'), mac: a.num('mac') as Mac, vlan: a.str('vlan') };
      ctx.commit({ ...ctx.cfg, staticArps: [...ctx.cfg.staticArps.filter((x) => x.addr !== e.addr), e] });
    },
  },
  {
    syntax: 'no arp A.B.C.D', modes: ['config'], doc: 'Remove a static neighbour',
    help: { arp: 'Static neighbour', 'A.B.C.D': 'Its IPv4 address' },
    run: (ctx, a) => {
      const addr = a.ip('arp');
      if (!ctx.cfg.staticArps.some((x) => x.addr === addr)) throw new CliError(`% There is no arp ${formatIpv4(addr)}`);
      ctx.commit({ ...ctx.cfg, staticArps: ctx.cfg.staticArps.filter((x) => x.addr !== addr) });
    },
  },
  // ---- runtime ----
  {
    syntax: 'show vxlan', modes: ['global'], privilege: 1, doc: 'The VTEP: its settings, its segments (VNIs) and their counters, the FDB\'s counters',
    help: HELP,
    run: (ctx) => ctx.write(showVxlan(vtepOf(ctx))),
  },
  {
    syntax: 'show vxlan fdb [vni (1-16777215)]', modes: ['global'], privilege: 1,
    doc: 'The FDB, one line per entry as bridge fdb show prints it (a learned entry has no `permanent`)', help: HELP,
    run: (ctx, a) => {
      const lines = vtepOf(ctx).fdb.entries(a.optNum('vni') ?? -1).map(fdbLine);
      ctx.write(lines.map((l) => `${l}\n`).join(''));
    },
    json: {
      schema: '{ mac: string; vni: number; remote: string; port: number; static: boolean; ageSec: number | null }[]',
      of: (ctx, a) => {
        const now = ctx.appliance.clock.now();
        return vtepOf(ctx).fdb.entries(a.optNum('vni') ?? -1).map((e) => ({
          mac: formatMac(e.mac), vni: e.vni, remote: formatIpv4(e.remote), port: e.port, static: e.isStatic,
          ageSec: e.isStatic ? null : Math.floor((now - e.seen) / 1000),
        }));
      },
    },
  },
  {
    syntax: 'clear vxlan fdb [vni (1-16777215)]', modes: ['global'], doc: 'Forget the learned FDB entries (static ones stay)', help: HELP,
    run: (ctx, a) => {
      const n = vtepOf(ctx).clearFdb(a.optNum('vni') ?? -1);
      ctx.print(`${n} FDB entr${n === 1 ? 'y' : 'ies'} cleared`);
    },
  },
  {
    syntax: 'show ip neighbors', modes: ['global'], privilege: 1,
    doc: 'The neighbour (ARP) table as ip neigh show prints it, with Linux\'s states (REACHABLE, STALE, DELAY, PROBE, FAILED, INCOMPLETE, PERMANENT)',
    help: { ip: 'IPv4', neighbors: 'The neighbour table' },
    run: (ctx) => {
      const rows = ctx.appliance.runtime.neighbors?.() ?? [];
      ctx.write(neighborLines(rows).map((l) => `${l}\n`).join(''));
    },
    json: {
      schema: '{ address: string; interface: string; mac: string | null; state: "INCOMPLETE" | "REACHABLE" | "STALE" | "DELAY" | "PROBE" | "FAILED" | "NOARP" | "PERMANENT" }[]',
      of: (ctx) => (ctx.appliance.runtime.neighbors?.() ?? []).map((r) => ({
        address: formatIpv4(r.addr), interface: r.iface, mac: r.mac === null ? null : formatMac(r.mac), state: r.state,
      })),
    },
  },
  // ---- the lab's Linux VTEP (file 004's second host) ----
  {
    syntax: 'lab fdb WORD$host', modes: ['global'], privilege: 1, doc: 'bridge fdb show of a lab host\'s vxlan device', help: LAB_HELP,
    run: (ctx, a) => {
      const d = labDevice(ctx, a.str('host'));
      ctx.write(d.fdb.entries().map((e) => `${linuxFdbLine(d, e)}\n`).join(''));
    },
  },
  {
    syntax: 'lab fdb WORD$host <add|append|replace>$op XX:XX:XX:XX:XX:XX$mac dst A.B.C.D [port (1-65535)]', modes: ['global'],
    doc: 'bridge fdb add|append|replace MAC dev vxlan1 self dst A.B.C.D on a lab host (permanent; add refuses a MAC already there)', help: LAB_HELP,
    run: (ctx, a) => {
      const d = labDevice(ctx, a.str('host'));
      const mac = a.num('mac') as Mac, op = a.str('op');
      if (op === 'add' && mac !== 0 && d.fdb.lookup(d.vni, mac) !== undefined) throw new CliError('% RTNETLINK answers: File exists');
      d.fdbAdd(mac, a.ip('dst'), a.optNum('port') ?? d.dstport);
    },
  },
  {
    syntax: 'lab fdb WORD$host del XX:XX:XX:XX:XX:XX$mac [dst A.B.C.D]', modes: ['global'],
    doc: 'bridge fdb del MAC dev vxlan1 [dst A.B.C.D] on a lab host (a static or a learned entry)', help: LAB_HELP,
    run: (ctx, a) => {
      if (!labDevice(ctx, a.str('host')).fdbDel(a.num('mac') as Mac, a.optIp('dst'))) throw new CliError('% RTNETLINK answers: No such file or directory');
    },
  },
  {
    syntax: 'lab neigh WORD$host', modes: ['global'], privilege: 1, doc: 'ip neigh show dev vxlan1 of a lab host', help: LAB_HELP,
    run: (ctx, a) => {
      const d = labDevice(ctx, a.str('host'));
      ctx.write([...d.neigh].sort(([x], [y]) => x - y).map(([ip, m]) => `${formatIpv4(ip)} dev ${d.name} lladdr ${formatMac(m)} PERMANENT\n`).join(''));
    },
  },
  {
    syntax: 'lab neigh WORD$host add A.B.C.D lladdr XX:XX:XX:XX:XX:XX$mac', modes: ['global'],
    doc: 'ip neigh add A.B.C.D lladdr MAC dev vxlan1 on a lab host (what its ARP proxy answers)', help: LAB_HELP,
    run: (ctx, a) => void labDevice(ctx, a.str('host')).neigh.set(a.ip('add'), a.num('mac') as Mac),
  },
  {
    syntax: 'lab neigh WORD$host del A.B.C.D', modes: ['global'], doc: 'ip neigh del A.B.C.D dev vxlan1 on a lab host', help: LAB_HELP,
    run: (ctx, a) => {
      if (!labDevice(ctx, a.str('host')).neigh.delete(a.ip('del'))) throw new CliError('% RTNETLINK answers: No such file or directory');
    },
  },
]);


function labDevice(ctx: Ctx, name: string): LinuxVxlanDevice {
  const w = ctx.appliance.world;
  if (!(w instanceof LabWorld)) throw new CliError('% No lab is loaded');
  const h = w.findHost(name);
  if (!h) throw new CliError(`% There is no lab host "${name}"`);
  const d = linuxVxlanOf(h);
  if (!d) throw new CliError(`% Lab host ${h.name} has no vxlan device`);
  return d;
}

/** Linux's own line: port and VNI only when they differ from the device's. */
function linuxFdbLine(d: LinuxVxlanDevice, e: FdbEntry): string {
  return `${formatMac(e.mac)} dev ${d.name} dst ${formatIpv4(e.remote)}${e.port !== d.dstport ? ` port ${e.port}` : ''}${e.vni !== d.vni ? ` vni ${e.vni}` : ''} self${e.isStatic ? ' permanent' : ''}`;
}

/** The VLAN's line in its block. */
export function vlanVxlanRunning(vni: number | null): string[] {
  return vni === null ? [] : [`vxlan vni ${vni}`];
}

/** The `vxlan` section's body: the settings that differ from the factory's. */
export function vxlanRunning(x: VxlanConfig): string[] {
  const d = defaultVxlan();
  const lines: string[] = [];
  if (x.sourceAddress !== null) lines.push(`source-address ${formatIpv4(x.sourceAddress)}`);
  if (x.udpPort !== d.udpPort) lines.push(`udp-port ${x.udpPort}`);
  if (x.learning !== d.learning) lines.push(`learning ${x.learning ? 'enable' : 'disable'}`);
  if (x.arpProxy !== d.arpProxy) lines.push(`arp-proxy ${x.arpProxy ? 'enable' : 'disable'}`);
  if (x.ageing !== d.ageing) lines.push(`ageing ${x.ageing}`);
  if (x.maxEntries !== d.maxEntries) lines.push(`max-entries ${x.maxEntries}`);
  if (x.mtu !== d.mtu) lines.push(`mtu ${x.mtu}`);
  return lines;
}

export function vxlanFdbRunning(cfg: RunningConfig): string[] {
  return cfg.vxlanFdb.map((f) => `vxlan fdb ${formatMac(f.mac)} vni ${f.vni} remote ${formatIpv4(f.remote)}${f.port === null ? '' : ` port ${f.port}`}`);
}

export function staticArpRunning(cfg: RunningConfig): string[] {
  return cfg.staticArps.map((a) => `arp ${formatIpv4(a.addr as Ipv4)} ${formatMac(a.mac)} vlan ${a.vlan}`);
}
