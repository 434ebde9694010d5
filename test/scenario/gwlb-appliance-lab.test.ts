// `--lab gwlb-appliance` (file 002): pask is the appliance 10.254.11.101 behind a lab GWLB
// 10.254.11.60. Pings and HTTP between the workload and the internet host cross pask in
// GENEVE; `tcpdump -nvv 'port 6081'` prints file 002's four records per echo; the health port
// answers; the policy (filters, default action, per-flow sessions) decides what is returned;
// bad input is counted and dropped.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Appliance } from '../../src/appliance.js';
import { bootAppliance } from '../../src/boot.js';
import { LabWorld } from '../../src/lab/index.js';
import { GWLB_ADDRESS, INTERNET, labGwlbOf, WORKLOAD } from '../../src/lab/geneve-lab.js';
import { ipv4 } from '../../src/net/addr.js';
import { buildTcpFrame } from '../../src/packet/build.js';
import { AWS_OPTIONS_LEN, writeAwsOptions, writeGeneveHeader, writeGeneveOption } from '../../src/packet/geneve.js';
import { TCP_ACK } from '../../src/packet/tcp.js';
import { batch, runClean as run } from '../helpers/cli.js';

async function boot(): Promise<{ app: Appliance; world: LabWorld }> {
  const home = mkdtempSync(join(tmpdir(), 'pask-gwlb-appliance-'));
  const app = await bootAppliance({ lab: 'gwlb-appliance', ports: [], config: null, startupPath: join(home, 'startup-config') },
    { out: () => {}, err: (t) => { throw new Error(t); } }, 'batch');
  if (!(app.world instanceof LabWorld)) throw new Error('no lab');
  return { app, world: app.world };
}

/** The cli-contract's scenario 002 configuration of the appliance. */
const APPLIANCE_CONFIG = `configure terminal
hostname appliance-11-101
vlan gwlb
 vid 11
 port 1 untagged
 apply
interface gwlb
 ip address 10.254.11.101/24
 apply
route default-gateway 10.254.11.1
geneve-appliance
 interface gwlb
 udp-port 6081
 health-port 80
 status enable
 apply
end
`;

const okCount = (out: string, re: RegExp) => out.split('\n').filter((l) => re.test(l)).length;

/** What may differ from file 002: time stamps, IP and ICMP ids and sequence numbers, the cookie, the hosts' own TTLs. */
function shape(text: string): string {
  return text.split('\n').map((l) => l
    .replace(/^\d\d:\d\d:\d\d\.\d{6} /, 'TIME ')
    .replace(/^(\tIP \(tos 0x0, )ttl \d+, id \d+/, '$1ttl T, id I')
    .replace(/type 0x3 len 8 data [0-9a-f]{8}/, 'type 0x3 len 8 data COOKIE')
    .replace(/ICMP echo (request|reply), id \d+, seq \d+/, 'ICMP echo $1, id I, seq S')).join('\n');
}

const FILE_002 = readFileSync(new URL('../fixtures/seeds/002-tcpdump.txt', import.meta.url), 'utf8')
  .split('\n').filter((l) => !l.startsWith('#')).map((l) => l.replace(/^ {8}/, '\t')).join('\n');

/** GENEVE payloads the lab GWLB host sends to pask by hand. */
function geneve(inner: Uint8Array, opts: { protocol?: number; cookie?: number } = {}): Uint8Array {
  const b = new Uint8Array(8 + AWS_OPTIONS_LEN + inner.length);
  writeGeneveHeader(b, 0, AWS_OPTIONS_LEN, 0, opts.protocol ?? 0x0800, 0);
  writeAwsOptions(b, 8, 0x2356de92, 0xd389839c, 0, 0, opts.cookie ?? 77);
  b.set(inner, 8 + AWS_OPTIONS_LEN);
  return b;
}

describe('pask as a GENEVE appliance (--lab gwlb-appliance)', () => {
  it('pings and HTTP cross; tcpdump -nvv \'port 6081\' prints file 002\'s four lines per echo', async () => {
    const { app, world } = await boot();
    await run(app, APPLIANCE_CONFIG);
    await run(app, 'capture start g port 6081\n');
    expect(okCount(await run(app, `lab ping workload ${INTERNET} count 1\n`), /^1 reply from 54\.230\.62\.60/)).toBe(1);
    const dump = await run(app, 'capture stop g\nshow capture g -nvv\n');
    expect(shape(dump)).toBe(shape(FILE_002));

    expect(okCount(await run(app, `lab ping workload ${INTERNET} count 3\n`), /reply from 54\.230\.62\.60/)).toBe(3);
    expect(okCount(await run(app, `lab request workload http://${INTERNET}/ count 4\n`), /200 OK internet/)).toBe(4);
    const show = await run(app, 'show geneve-appliance\n');
    expect(show).toMatch(/State +: listening/);
    expect(show).toMatch(/Health Port +: 80 \(listening\)/);
    const received = Number(/Received +: (\d+)/.exec(show)![1]);
    expect(received).toBeGreaterThan(8 + 4 * 8);
    expect(show).toContain(`Returned         : ${received}`);
    expect(labGwlbOf(world.host('gwlb'))!.refused).toBe(0);
    expect(app.runtime.engineCounters().internalErrors).toBe(0);
    await app.close();
  });

  it('the health port answers the gateway\'s TCP and HTTP checks; status disable closes it and stops returning', async () => {
    const { app } = await boot();
    await run(app, APPLIANCE_CONFIG);
    expect(await run(app, 'lab request gwlb http://10.254.11.101/\n')).toMatch(/^1 200 OK/);
    await run(app, 'configure terminal\ngeneve-appliance\n status disable\n apply\nend\n');
    expect(await run(app, 'lab request gwlb http://10.254.11.101/\n')).toMatch(/^1 reset/);
    expect(okCount(await run(app, `lab ping workload ${INTERNET} count 1\n`), /reply from/)).toBe(0);
    expect(await run(app, 'show geneve-appliance\n')).toMatch(/State +: closed/);
    // Enabled again: GENEVE and the health port at once (the old listener's connection may still
    // linger in TIME_WAIT: the host stack lets its port be listened on again, as SO_REUSEADDR does).
    await run(app, 'configure terminal\ngeneve-appliance\n status enable\n apply\nend\n');
    expect(await run(app, 'show geneve-appliance\n')).toMatch(/Health Port +: 80 \(listening\)/);
    expect(await run(app, 'lab request gwlb http://10.254.11.101/\n')).toMatch(/^1 200 OK/);
    expect(okCount(await run(app, `lab ping workload ${INTERNET} count 1\n`), /reply from/)).toBe(1);
    await app.close();
  });

  it('policy: include returns, exclude drops, the default action takes the rest; hits are counted', async () => {
    const { app } = await boot();
    await run(app, APPLIANCE_CONFIG + 'configure terminal\ngeneve-appliance\n filter 1 type exclude protocol icmp\n apply\nend\n');
    expect(okCount(await run(app, `lab ping workload ${INTERNET} count 2\n`), /reply from/)).toBe(0);
    expect(okCount(await run(app, `lab request workload http://${INTERNET}/ count 2\n`), /200 OK/)).toBe(2);
    let show = await run(app, 'show geneve-appliance\n');
    expect(show).toMatch(/ {7}1 +exclude icmp +0\.0\.0\.0\/0 +0\.0\.0\.0\/0 +enable 2\b/);
    expect(show).toMatch(/policy +: 2/);
    // Only HTTP to the internet host: include tcp to it, drop the rest.
    await run(app, 'configure terminal\ngeneve-appliance\n no filter 1\n filter 2 type include protocol tcp dip 54.230.62.60/32\n' +
      ' default-action drop\n apply\nend\nclear geneve-appliance counters\n');
    // The answers (from the internet host) match no filter: dropped by the default action, so the requests fail.
    expect(okCount(await run(app, `lab request workload http://${INTERNET}/ count 2\n`), /200 OK/)).toBe(0);
    show = await run(app, 'show geneve-appliance\n');
    expect(show).toMatch(/ {7}2 +include tcp +0\.0\.0\.0\/0 +54\.230\.62\.60\/32 +enable [1-9]/);
    expect(show).toMatch(/Default hits +: [1-9]/);
    await run(app, 'configure terminal\ngeneve-appliance\n filter 3 type include protocol tcp sip 54.230.62.60/32\n apply\nend\n');
    expect(okCount(await run(app, `lab request workload http://${INTERNET}/ count 2\n`), /200 OK/)).toBe(2);
    expect(okCount(await run(app, `lab ping workload ${INTERNET} count 1\n`), /reply from/)).toBe(0);
    await app.close();
  }, 60_000);

  it('per-flow sessions: flows start with their first packet (TCP: a SYN); a packet of no flow is dropped', async () => {
    const { app, world } = await boot();
    await run(app, APPLIANCE_CONFIG + 'configure terminal\ngeneve-appliance\n session enable\n apply\nend\n');
    expect(okCount(await run(app, `lab ping workload ${INTERNET} count 2\n`), /reply from/)).toBe(2);
    expect(okCount(await run(app, `lab request workload http://${INTERNET}/ count 2\n`), /200 OK/)).toBe(2);
    const sessions = await run(app, 'show geneve-appliance sessions\n');
    expect(sessions).toMatch(/icmp +10\.1\.21\.101:0 +54\.230\.62\.60:0 +[0-9a-f]{8} +2 +2 +NONE/);
    expect(sessions.match(/^tcp +10\.1\.21\.101:\d+ +54\.230\.62\.60:80 +[0-9a-f]{8} +\d+ +\d+ +(TIME_WAIT|CLOSED|FIN_WAIT)/gm)?.length).toBe(2);
    // A mid-stream TCP segment of a connection the appliance never saw.
    const gwlb = world.host('gwlb')!;
    const ack = Uint8Array.from(buildTcpFrame({ src: ipv4(WORKLOAD), dst: ipv4(INTERNET), sport: 40000, dport: 80, flags: TCP_ACK, seq: 5, ack: 9 }).subarray(14));
    gwlb.udp.send(ipv4(GWLB_ADDRESS), 60001, ipv4('10.254.11.101'), 6081, geneve(ack));
    await run(app, 'wait 1\n');
    expect(await run(app, 'show geneve-appliance\n')).toMatch(/unknown-flow +: 1/);
    await app.close();
  });

  it('bad input is counted and dropped, never thrown, never returned', async () => {
    const { app, world } = await boot();
    await run(app, APPLIANCE_CONFIG);
    expect(okCount(await run(app, `lab ping workload ${INTERNET} count 1\n`), /reply from/)).toBe(1);
    const gwlb = world.host('gwlb')!;
    const before = (await run(app, 'show geneve-appliance\n')).match(/Returned +: (\d+)/)![1];
    const inner = Uint8Array.from(buildTcpFrame({ src: ipv4(WORKLOAD), dst: ipv4(INTERNET), sport: 40000, dport: 80, flags: 2 }).subarray(14));
    const send = (p: Uint8Array) => gwlb.udp.send(ipv4(GWLB_ADDRESS), 60001, ipv4('10.254.11.101'), 6081, p);
    send(new Uint8Array(6)); // truncated
    const past = geneve(inner);
    past[8 + 3] = 20; // an option running past the options
    send(past);
    const crit = new Uint8Array(8 + 4 + AWS_OPTIONS_LEN + inner.length);
    writeGeneveHeader(crit, 0, 4 + AWS_OPTIONS_LEN, 0x40, 0x0800, 0);
    writeGeneveOption(crit, 8, 0x0103, 0x85, []);
    writeAwsOptions(crit, 12, 1, 2, 3, 4, 5);
    crit.set(inner, 12 + AWS_OPTIONS_LEN);
    send(crit); // an unknown critical option
    send(geneve(inner, { protocol: 0x6558 })); // not IPv4/IPv6
    const missing = geneve(inner);
    missing[8 + 14] = 9; // option 2 becomes an unknown (non-critical) type 9: attachment id missing
    send(missing);
    const badInner = geneve(inner);
    badInner[40 + 10] ^= 0xff; // the inner IPv4 header checksum
    send(badInner);
    await run(app, 'wait 1\n');
    const show = await run(app, 'show geneve-appliance\n');
    for (const r of ['truncated', 'bad-option-length', 'unknown-critical-option', 'bad-protocol', 'missing-aws-option', 'bad-inner']) {
      expect(show, r).toMatch(new RegExp(`${r} +: 1\\n`));
    }
    expect(show).toContain(`Returned         : ${before}\n`);
    expect(app.runtime.engineCounters().internalErrors).toBe(0);
    expect(okCount(await run(app, `lab ping workload ${INTERNET} count 1\n`), /reply from/)).toBe(1);
    await app.close();
  });

  it('configuration: the geneve-appliance section round-trips, is checked, and goes with no geneve-appliance', async () => {
    const { app } = await boot();
    await run(app, APPLIANCE_CONFIG + 'configure terminal\ngeneve-appliance\n filter 4 type exclude protocol udp sip 10.9.0.0/16 description "no udp"\n' +
      ' default-action drop\n session enable\n apply\nend\n');
    const rc = await run(app, 'show running-config\n');
    expect(rc).toContain('geneve-appliance\n interface gwlb\n health-port 80\n filter 4 type exclude protocol udp sip 10.9.0.0/16 description "no udp"\n' +
      ' default-action drop\n session enable\n apply\n!\n');
    const again = await boot();
    await run(again.app, rc);
    expect(await run(again.app, 'show running-config\n')).toBe(rc);
    await again.app.close();
    const bad = await batch(app, 'configure terminal\ngeneve-appliance\n interface nowhere\n apply\nend\n');
    expect(bad.err).toContain('geneve-appliance: there is no data interface nowhere');
    const prompt = await batch(app, 'configure terminal\nno geneve-appliance\nend\nshow geneve-appliance\n');
    expect(prompt.err).toContain('% There is no geneve-appliance');
    expect(await run(app, 'show running-config\n')).not.toContain('geneve-appliance');
    await app.close();
  });
});
