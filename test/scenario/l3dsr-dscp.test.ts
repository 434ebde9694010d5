// The reference scenario switched to `nat-mode l3dsr-dscp` on the embedded lab, as batches: the
// appliance sends the client's packets to the RIP marked with DSCP 10 (tos 0x28); the reals,
// told by `lab dscp-vip` that DSCP 10 means the VIP on their lo, answer the client from the VIP.
import { describe, expect, it } from 'vitest';
import type { Appliance } from '../../src/appliance.js';
import { formatIpv4 } from '../../src/net/addr.js';
import { IPPROTO_TCP, TCP_ACK, TCP_RST, TCP_SYN } from '../../src/packet/index.js';
import { LabWorld } from '../../src/lab/index.js';
import { batch, labAppliance, realStates as reals, REFERENCE_SCENARIO, runClean as run } from '../helpers/cli.js';
import { record, type Seen } from '../lab/helpers.js';

// Two reals, DSCP 10, and a plain TCP check to each RIP's port 80 instead of the IP-in-IP ones:
// this mode does not tunnel, so the reals' IP-in-IP is switched off to show it is not used.
const DSCP_SERVICE = [
  'configure terminal',
  'health-check 3', ' type tcp', ' port 0', ' apply',
  'real 2', ' name server2', ' rip 192.168.211.151', ' rport 80', ' apply',
  'slb test', ' nat-mode l3dsr-dscp', ' dscp 10', ' no health-check 1', ' health-check 3', ' real 2', ' sticky time 0', ' apply',
  'end',
  'lab ipip server1 off',
  'lab ipip server2 off',
  '',
].join('\n');

const RESTORE = 'lab dscp-vip server1 10 192.168.193.50\nlab dscp-vip 192.168.211.151 10 192.168.193.50\n';

async function lab(restore = true): Promise<{ app: Appliance; world: LabWorld; seen: Seen[] }> {
  const app = await labAppliance();
  const r = await batch(app, REFERENCE_SCENARIO + DSCP_SERVICE + (restore ? RESTORE : '') + 'wait 10\n');
  expect(r.err).toBe('');
  const world = app.world;
  if (!(world instanceof LabWorld)) throw new Error('no lab');
  return { app, world, seen: record(world) };
}

/** The lines of `lab request`, times dropped. */
const requestLines = (out: string) => out.split('\n').filter((l) => /^(\d+|total) /.test(l)).map((l) => l.replace(/ \(.*\)$/, ''));

/** TCP segments the lab carried into the client. */
const toClient = (seen: Seen[]) => seen.filter((s) => s.to === 'client.eth0' && s.m.proto === IPPROTO_TCP);

describe('l3dsr-dscp on the lab', () => {
  it('the reals are ACT on a plain tcp check to the RIP (IP-in-IP off), and lab show lists the entries', async () => {
    const { app } = await lab();
    expect(await reals(app)).toEqual({ 1: 'ACT', 2: 'ACT' });
    const info = await run(app, 'show info slb test');
    expect(info).toContain('    NAT Mode             : l3dsr-dscp');
    expect(info).toContain('    Service Health       : ACT');
    // The check is a plain TCP connection to the RIP, not tunnelled.
    const dump = await run(app, 'tcpdump -nei test -c 8 tcp and src host 192.168.193.181 and dst port 80');
    expect(dump).toMatch(/length 74: 192\.168\.193\.181\.\d+ > 192\.168\.211\.15[01]\.80: Flags \[S\], seq \d+, win 64240, options \[mss 1460,sackOK,TS val \d+ ecr 0,nop,wscale 8\], length 0\n/);
    expect(dump).not.toMatch(/ipip/);
    const show = await run(app, 'lab show');
    expect(show).toMatch(/\n {4}DSCP -> VIP \(L3DSR\)\n {7}Host +DSCP TOS +VIP\n {7}server1 10 +0x28 192\.168\.193\.50\n {7}server2 10 +0x28 192\.168\.193\.50\n/);
    expect(show).toMatch(/server1 +192\.168\.211\.1 +off +1 +2 +off +linux/);
  });

  it('the client gets 200s from both reals; the SYN leaves the appliance for the RIP with tos 0x28; the answer comes from the VIP', async () => {
    const { app, world, seen } = await lab();
    const out = await run(app, 'capture start c1 -i test tcp and host 192.168.212.225\nlab request client http://192.168.193.50/ count 4\ncapture stop c1');
    expect(requestLines(out)).toEqual(['1 200 OK server1', '2 200 OK server2', '3 200 OK server1', '4 200 OK server2', 'total 4: server1 2, server2 2']);

    // On the appliance: the client's SYN to the VIP in, the same SYN out to the RIP, marked with DSCP 10.
    const cap = await run(app, 'show capture c1 -nnv');
    expect(cap).toMatch(/IP \(tos 0x0, ttl 127, id (\d+), offset 0, flags \[DF\], proto TCP \(6\), length 52\)\n {4}192\.168\.212\.225\.(\d+) > 192\.168\.193\.50\.80: Flags \[S\], cksum 0x[0-9a-f]{4} \(correct\), seq (\d+), win 65535, options \[mss 1460,nop,wscale 8,nop,nop,sackOK\], length 0\n.*IP \(tos 0x28, ttl 127, id \1, offset 0, flags \[DF\], proto TCP \(6\), length 52\)\n {4}192\.168\.212\.225\.\2 > 192\.168\.211\.150\.80: Flags \[S\], cksum 0x[0-9a-f]{4} \(correct\), seq \3, win 65535, options \[mss 1460,nop,wscale 8,nop,nop,sackOK\], length 0\n/);
    expect(cap).toMatch(/IP \(tos 0x28, .*\)\n {4}192\.168\.212\.225\.\d+ > 192\.168\.211\.151\.80: Flags \[S\]/);
    // Every packet the appliance sends on to a RIP carries the mark; nothing goes to the RIPs unmarked.
    const toRip = cap.split('\n').map((l, i, a) => [a[i - 1] ?? '', l] as const).filter(([, l]) => / > 192\.168\.211\.15[01]\.80:/.test(l));
    expect(toRip.length).toBeGreaterThanOrEqual(4 * 5);
    for (const [hdr] of toRip) expect(hdr).toMatch(/^\d\d:\d\d:\d\d\.\d{6} IP \(tos 0x28, /);
    // The answers go straight from the reals to the client: none crosses the appliance.
    expect(cap).not.toMatch(/192\.168\.193\.50\.80 > 192\.168\.212\.225/);
    expect(cap).not.toMatch(/192\.168\.211\.15[01]\.80 > 192\.168\.212\.225/);

    // What reaches the client comes from the VIP, port 80.
    const answers = toClient(seen);
    const synAcks = answers.filter((s) => s.m.tcpFlags === (TCP_SYN | TCP_ACK));
    expect(synAcks).toHaveLength(4);
    for (const s of answers) {
      expect(formatIpv4(s.m.ipSrc)).toBe('192.168.193.50');
      expect(s.m.sport).toBe(80);
    }
    // ... sent by both reals from the VIP on their lo.
    const fromReals = seen.filter((s) => /^server[12]\.eno1$/.test(s.from) && s.m.proto === IPPROTO_TCP &&
      s.m.tcpFlags === (TCP_SYN | TCP_ACK) && formatIpv4(s.m.ipDst) === '192.168.212.225');
    expect(fromReals.map((s) => `${s.from} ${formatIpv4(s.m.ipSrc)}.${s.m.sport} > ${formatIpv4(s.m.ipDst)}`)).toEqual([
      'server1.eno1 192.168.193.50.80 > 192.168.212.225', 'server2.eno1 192.168.193.50.80 > 192.168.212.225',
      'server1.eno1 192.168.193.50.80 > 192.168.212.225', 'server2.eno1 192.168.193.50.80 > 192.168.212.225',
    ]);
    expect(world.host('server1')!.ip.stats.vipRestored).toBeGreaterThan(0);
    expect(world.host('server2')!.ip.stats.vipRestored).toBeGreaterThan(0);

    // show entry and show info slb count the four sessions.
    const entry = await run(app, 'show entry');
    const rows = entry.split('\n').filter((l) => l.startsWith('tcp '));
    expect(rows).toHaveLength(4);
    for (const r of rows) expect(r).toMatch(/^tcp  192\.168\.212\.225:(\d+) 192\.168\.193\.50:80 - .* slb\.test:[12]$/);
    expect(rows.filter((r) => r.endsWith('slb.test:1'))).toHaveLength(2);
    expect(rows.filter((r) => r.endsWith('slb.test:2'))).toHaveLength(2);
    const info = await run(app, 'show info slb test');
    expect(info).toContain('       1     include tcp      0.0.0.0/0 192.168.193.50/32 enable 4');
    expect(info).toMatch(/\n {11}1 +server +2 +2\n {11}2 +server2 +2 +2\n/);
    expect(info).toContain('        Total sessions   : 4');
  });

  it('without the lab dscp-vip entry the real answers from its RIP, the client resets it, and the request times out', async () => {
    const { app, seen } = await lab(false);
    expect(await reals(app)).toEqual({ 1: 'ACT', 2: 'ACT' });
    const out = await run(app, 'capture start c1 -i test tcp and host 192.168.212.225\nlab request client http://192.168.193.50/\ncapture stop c1');
    expect(requestLines(out)).toEqual(['1 timeout']);
    // The appliance did its part: the marked SYN went to the RIP (retransmitted by the client).
    const cap = await run(app, 'show capture c1 -nnv');
    expect(cap).toMatch(/IP \(tos 0x28, .*\)\n {4}192\.168\.212\.225\.\d+ > 192\.168\.211\.150\.80: Flags \[S\]/);
    // The real answered from the RIP, which the client has no connection with: it resets.
    const atClient = toClient(seen);
    expect(atClient.length).toBeGreaterThan(0);
    for (const s of atClient) expect(formatIpv4(s.m.ipSrc)).toBe('192.168.211.150');
    expect(seen.some((s) => s.from === 'client.eth0' && (s.m.tcpFlags & TCP_RST) !== 0 && formatIpv4(s.m.ipDst) === '192.168.211.150')).toBe(true);
    expect(seen.some((s) => s.to === 'client.eth0' && formatIpv4(s.m.ipSrc) === '192.168.193.50')).toBe(false);
  });

  it('lab dscp-vip makes it work, no lab dscp-vip takes it away again', async () => {
    const { app, world } = await lab(false);
    await run(app, RESTORE);
    const out1 = await run(app, 'lab request client http://192.168.193.50/ count 2');
    expect(requestLines(out1)).toEqual(['1 200 OK server1', '2 200 OK server2', 'total 2: server1 1, server2 1']);
    await run(app, 'no lab dscp-vip server1 10');
    expect(world.host('server1')!.dscpVips.size).toBe(0);
    expect([...world.host('server2')!.dscpVips].map(([d, v]) => `${d} ${formatIpv4(v)}`)).toEqual(['10 192.168.193.50']);
    const out2 = await run(app, 'lab request client http://192.168.193.50/ count 2');
    expect(requestLines(out2)).toEqual(['1 timeout', '2 200 OK server2', 'total 2: timeout 1, server2 1']);
    expect(await run(app, 'lab show')).toMatch(/\n {4}DSCP -> VIP \(L3DSR\)\n {7}Host +DSCP TOS +VIP\n {7}server2 10 +0x28 192\.168\.193\.50\n\n/);
  });

  it('errors are clear and change nothing', async () => {
    const { app, world } = await lab();
    const before = await run(app, 'lab show');
    const r = await batch(app, [
      'lab dscp-vip nobody 10 192.168.193.50',
      'lab dscp-vip server1 12 192.168.211.150',
      'lab dscp-vip server1 12 10.1.1.1',
      'no lab dscp-vip server1 12',
      'no lab dscp-vip nobody 10',
    ].join('\n'));
    expect(r.ok).toBe(false);
    expect(r.err.split('\n').filter(Boolean)).toEqual([
      'batch:1: % There is no lab host "nobody"',
      'batch:2: % 192.168.211.150 is not an address on the lo of lab host server1',
      'batch:3: % 10.1.1.1 is not an address on the lo of lab host server1',
      'batch:4: % Lab host server1 has no DSCP 12 entry',
      'batch:5: % There is no lab host "nobody"',
    ]);
    expect([...world.host('server1')!.dscpVips.keys()]).toEqual([10]);
    const mask = (t: string) => t.replace(/Virtual Time +: [\d.]+ s/, '').replace(/(tcp +80 +http +up +)\d+/g, '$1');
    expect(mask(await run(app, 'lab show'))).toBe(mask(before));
  });
});
