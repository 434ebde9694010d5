// File 002 on real interfaces: pask as the gateway load balancer (nat-mode geneve) between a
// workload host and an "internet" host with real kernels, two pask instances as its GENEVE
// appliances. curl gets 20 answers of 20; tshark decodes the GENEVE on the wire (class 0x0108,
// types 1, 2, 3, lengths 12, 12, 8); the returns are accepted; appliances that drop one flow's
// returns make that flow fail and no other; packets built by scapy cross the gateway, and a
// scapy-made gateway gets its GENEVE back from an appliance byte for byte (bad ones: nothing).

import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryRows, realHealth } from './appliance.js';
import { APPL, FAKE_GWLB, GeneveTopology, INET, WL, WL_B } from './geneve-topology.js';
import { acquireSystemLock, until, which, whyNoSystem } from './topology.js';

const scapyMissing = spawnSync('/usr/bin/python3', ['-c', 'import scapy.contrib.geneve'], { stdio: 'ignore' }).status !== 0;
const why = whyNoSystem() ?? (!which('tshark') ? 'missing tshark (Debian: tshark; run sh scripts/setup.sh --system)'
  : scapyMissing ? 'missing scapy for /usr/bin/python3 (Debian: python3-scapy)' : null);

const GWLB_CONFIG = `configure terminal
hostname gwlb
vlan appliance
 vid 11
 port 1 untagged
 apply
interface appliance
 ip address 10.254.11.60/24
 apply
vlan workload
 vid 121
 port 2 untagged
 apply
interface workload
 ip address 10.1.21.1/24
 apply
vlan outside
 vid 100
 port 3 untagged
 apply
interface outside
 ip address 198.51.100.1/24
 apply
health-check 11
 type http
 port 80
 interval 2
 timeout 1
 apply
real 11
 name appliance-1
 rip ${APPL[0]}
 apply
real 12
 name appliance-2
 rip ${APPL[1]}
 apply
slb gwlb
 nat-mode geneve
 lb-method hash
 hash-tuple 5
 geneve-endpoint-id 2356de92d389839c
 health-check 11
 real 11
 real 12
 filter 1 type include protocol all sip 10.1.0.0/16
 filter 2 type include protocol all dip 10.1.0.0/16
 apply
end
`;

/** An appliance; both drop (do not return) what comes from 10.1.21.102, whichever carries it. */
const applianceConfig = (addr: string) => `configure terminal
hostname appliance-${addr.split('.')[3]}
vlan gwlb
 vid 11
 port 1 untagged
 apply
interface gwlb
 ip address ${addr}/24
 apply
route default-gateway 10.254.11.60
geneve-appliance
 interface gwlb
 udp-port 6081
 health-port 80
 filter 1 type exclude protocol all sip ${WL_B}/32
 status enable
 apply
end
`;

describe.skipIf(!!why)(`GENEVE gateway and appliances on real interfaces${why ? ` (skipped: ${why})` : ''}`, () => {
  let release: (() => void) | null = null;
  let topo: GeneveTopology;
  const pask = (r: 'gwlb' | 'appl1' | 'appl2') => topo.pask.get(r)!;

  beforeAll(async () => {
    release = await acquireSystemLock();
    topo = await GeneveTopology.create();
    await pask('appl1').batch(applianceConfig(APPL[0]));
    await pask('appl2').batch(applianceConfig(APPL[1]));
    await pask('gwlb').batch(GWLB_CONFIG);
    let health: Record<string, string> = {};
    await until(async () => {
      health = realHealth(await pask('gwlb').cli('show info slb gwlb'));
      return health['11'] === 'ACT' && health['12'] === 'ACT';
    }, 30_000, 250);
    if (health['11'] !== 'ACT' || health['12'] !== 'ACT') {
      throw new Error(`the appliances did not go ACT: ${JSON.stringify(health)}\n${await pask('gwlb').cli('show info slb gwlb', 'show arp', 'show log')}`);
    }
  }, 300_000);

  afterAll(async () => {
    try {
      await topo?.destroy();
    } finally {
      release?.();
    }
  }, 60_000);

  it('20 of 20 curls through the gateway and the appliances; tshark decodes the three options; the returns are accepted', async () => {
    const cap = await topo.capture('lan', 'br0', 'udp port 6081');
    const bodies = Array.from({ length: 20 }, () => topo.curl(WL));
    const file = await cap.stop();
    expect(bodies).toEqual(Array(20).fill('internet'));

    // tshark: every GENEVE packet carries class 0x0108 types 1, 2, 3 (option lengths 12, 12, 8; header options 32).
    const r = spawnSync('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=|', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'udp.srcport',
      '-e', 'udp.dstport', '-e', 'geneve.proto_type', '-e', 'geneve.option.class', '-e', 'geneve.option.type', '-e', 'geneve.option.length',
      '-e', 'geneve.option.unknown.data', '-e', 'tcp.srcport', '-e', 'tcp.dstport'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stdout.split('\n').filter(Boolean).map((l) => l.split('|'));
    expect(rows.length).toBeGreaterThanOrEqual(20 * 7 * 2);
    const toAppliance = new Map<string, Set<string>>();
    for (const [ips, ipd, sport, dport, proto, cls, type, len, data, tsport, tdport] of rows) {
      expect([sport, dport, proto]).toEqual(['60001', '6081', '0x0800']);
      expect(cls).toBe('0x0108,0x0108,0x0108');
      expect(type).toBe('0x01,0x02,0x03');
      expect(len).toBe('32,12,12,8');
      const [endpoint, attachment, cookie] = data!.split(',');
      expect([endpoint, attachment]).toEqual(['2356de92d389839c', '0000000000000000']);
      const outer = ips!.split(',')[0]!, outerDst = ipd!.split(',')[0]!;
      const appliance = outer === '10.254.11.60' ? outerDst : outer;
      expect(APPL).toContain(appliance);
      // One cookie per flow (the client's port), on one appliance, both ways.
      const flow = tsport === '80' ? tdport! : tsport!;
      const key = `${flow} ${cookie}`;
      if (!toAppliance.has(key)) toAppliance.set(key, new Set());
      toAppliance.get(key)!.add(appliance);
    }
    expect(toAppliance.size).toBe(20);
    for (const [k, v] of toAppliance) expect(v.size, k).toBe(1);
    expect(new Set([...toAppliance.values()].map((v) => [...v][0]))).toEqual(new Set(APPL));
    // The gateway sent to each appliance and saw every packet back (4 legs per packet on the wire).
    expect(rows.filter(([s]) => s!.startsWith('10.254.11.60,')).length).toBe(rows.length / 2);

    const info = await pask('gwlb').cli('show info slb gwlb');
    const targets = info.split('\n    GENEVE Target\n')[1]!.split('\n\n')[0]!.split('\n').slice(1).map((l) => l.trim().split(/\s+/));
    for (const t of targets) {
      expect(Number(t[5])).toBeGreaterThan(0); // Tx pkts
      expect(t[7]).toBe(t[5]); // Rx pkts: every packet came back
      expect(t[9]).toBe('0'); // none refused
    }
    const entry = await pask('gwlb').cli('show entry');
    const rowsEntry = entryRows(entry).filter((l) => l.startsWith('tcp'));
    expect(rowsEntry.length).toBe(20);
    for (const l of rowsEntry) expect(l).toMatch(/^tcp +10\.1\.21\.101:\d+ +198\.51\.100\.10:80 +- +198\.51\.100\.10:80 +10\.1\.21\.101:\d+ +slb\.gwlb:1[12]$/);
    for (const a of ['appl1', 'appl2'] as const) {
      const show = await pask(a).cli('show geneve-appliance');
      const rec = Number(/Received +: (\d+)/.exec(show)![1]);
      expect(rec).toBeGreaterThan(0);
      expect(show).toContain(`Returned         : ${rec}\n`);
    }
  }, 120_000);

  it('the flows whose returns the appliances drop fail, and no other', async () => {
    const failed = Array.from({ length: 3 }, () => topo.curl(WL_B, 2));
    const fine = Array.from({ length: 10 }, () => topo.curl(WL));
    expect(failed.every((b) => b.startsWith('error'))).toBe(true);
    expect(fine).toEqual(Array(10).fill('internet'));
    const dropped = await Promise.all((['appl1', 'appl2'] as const).map(async (a) => /policy +: (\d+)/.exec(await pask(a).cli('show geneve-appliance'))?.[1] ?? '0'));
    expect(dropped.reduce((n, x) => n + Number(x), 0)).toBeGreaterThanOrEqual(3);
  }, 120_000);

  it('scapy-built packets from the workload cross: ICMP echoes, a UDP datagram to a closed port, a TCP SYN', () => {
    const out = topo.scapy('wl', `
from scapy.all import *
conf.verb = 0
ans, unans = sr([IP(src="${WL}", dst="${INET}")/ICMP(id=0x4242, seq=i) for i in range(5)], timeout=3)
print("icmp", len(ans), len(unans))
a = sr1(IP(src="${WL}", dst="${INET}")/UDP(sport=40000, dport=9), timeout=3)
print("udp", a is not None and a.haslayer(ICMP) and a[ICMP].type == 3 and a[ICMP].code == 3)
a = sr1(IP(src="${WL}", dst="${INET}")/TCP(sport=40001, dport=80, flags="S", seq=1000), timeout=3)
print("tcp", a is not None and a.haslayer(TCP) and a[TCP].flags == "SA" and a[TCP].ack == 1001)
`);
    expect(out).toContain('icmp 5 0');
    expect(out).toContain('udp True');
    expect(out).toContain('tcp True');
  }, 120_000);

  it('a scapy-made gateway gets its GENEVE back from an appliance byte for byte; bad GENEVE gets nothing and is counted', async () => {
    const before = await pask('appl1').cli('show geneve-appliance');
    const out = topo.scapy('lan', `
from scapy.all import *
from scapy.contrib.geneve import GENEVE, GeneveOptions
conf.verb = 0
def opts(cookie, drop=None, extra=None):
    o = [GeneveOptions(classid=0x0108, type=1, data=bytes.fromhex("2356de92d389839c")),
         GeneveOptions(classid=0x0108, type=2, data=bytes(8)),
         GeneveOptions(classid=0x0108, type=3, data=cookie)]
    if drop is not None: del o[drop]
    if extra is not None: o.insert(0, extra)
    return o
inner = IP(src="${WL}", dst="${INET}", ttl=63)/ICMP(id=7, seq=1)/Raw(b"x" * 32)
def probe(g, ttl=200):
    p = IP(src="${FAKE_GWLB}", dst="${APPL[0]}", ttl=ttl, id=0)/UDP(sport=60001, dport=6081)/g
    s = AsyncSniffer(iface="br0", filter="udp and src host ${APPL[0]} and dst host ${FAKE_GWLB}", count=1, timeout=2)
    s.start(); time.sleep(0.3); send(p); s.join()
    return bytes(p), (s.results[0] if s.results else None)
sent, back = probe(GENEVE(proto=0x0800, options=opts(b"\\x11\\x22\\x33\\x44"))/inner)
ok = back is not None and back[IP].src == "${APPL[0]}" and back[IP].dst == "${FAKE_GWLB}" and back[UDP].sport == 60001 \\
    and back[UDP].dport == 6081 and back[IP].ttl == 199 and bytes(back[UDP].payload) == sent[28:]
print("good", ok)
# An unknown extra (non-critical) option comes back as it went.
sent, back = probe(GENEVE(proto=0x0800, options=opts(b"\\x01\\x02\\x03\\x04", extra=GeneveOptions(classid=0x0101, type=0x05, data=b"abcd")))/inner)
print("extra", back is not None and bytes(back[UDP].payload) == sent[28:])
for name, g in [("missing", GENEVE(proto=0x0800, options=opts(b"\\x00\\x00\\x00\\x01", drop=2))/inner),
                ("critical", GENEVE(proto=0x0800, critical=1, options=opts(b"\\x00\\x00\\x00\\x02", extra=GeneveOptions(classid=0x0101, type=0x85, data=b"abcd")))/inner),
                ("protocol", GENEVE(proto=0x6558, options=opts(b"\\x00\\x00\\x00\\x03"))/inner)]:
    print(name, probe(g)[1] is None)
`);
    expect(out).toContain('good True');
    expect(out).toContain('extra True');
    expect(out).toContain('missing True');
    expect(out).toContain('critical True');
    expect(out).toContain('protocol True');
    const after = await pask('appl1').cli('show geneve-appliance');
    const n = (t: string, k: string) => Number(new RegExp(`${k} +: (\\d+)`).exec(t)?.[1] ?? 0);
    expect(n(after, 'missing-aws-option') - n(before, 'missing-aws-option')).toBe(1);
    expect(n(after, 'unknown-critical-option') - n(before, 'unknown-critical-option')).toBe(1);
    expect(n(after, 'bad-protocol') - n(before, 'bad-protocol')).toBe(1);
  }, 120_000);
});
