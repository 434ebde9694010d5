// The reference scenario on the embedded lab, as batches: the appliance really forwards.
import { describe, expect, it } from 'vitest';
import { batch, labAppliance, REFERENCE_SCENARIO } from '../helpers/cli.js';
import { seedOutput, trimEnd } from '../helpers/seed.js';

async function ready() {
  const app = await labAppliance();
  const r = await batch(app, REFERENCE_SCENARIO + 'wait 10\n');
  expect(r.err).toBe('');
  return app;
}

async function run(app: Awaited<ReturnType<typeof labAppliance>>, text: string): Promise<string> {
  const r = await batch(app, text);
  expect(r.err).toBe('');
  return r.out;
}

const requestLines = (out: string) => out.split('\n').filter((l) => /^\d+ /.test(l));

describe('reference scenario on the lab', () => {
  it('the client gets four 200s over IP-in-IP; show entry, hits and totals count them', async () => {
    const app = await ready();
    const out = await run(app, 'capture start c1 -i test\nlab request 192.168.212.225 http://192.168.193.50/ count 4\ncapture stop c1');
    expect(requestLines(out).map((l) => l.replace(/ \(.*\)$/, ''))).toEqual(['1 200 OK server1', '2 200 OK server1', '3 200 OK server1', '4 200 OK server1']);
    const entry = await run(app, 'show entry');
    const rows = entry.split('\n').filter((l) => l.startsWith('tcp '));
    expect(rows).toHaveLength(4);
    for (const r of rows) expect(r).toMatch(/^tcp  192\.168\.212\.225:(\d+) 192\.168\.193\.50:80 - 192\.168\.193\.50:80 192\.168\.212\.225:\1 slb\.test:1$/);
    expect(entry.split('\n')[1]).toBe(seedOutput('show entry').split('\n')[1]);
    const info = await run(app, 'show info slb test');
    expect(info).toContain('       1     include tcp      0.0.0.0/0 192.168.193.50/32 enable 4');
    expect(info).toContain('        Total sessions   : 4');
    // The capture on the appliance shows the client's SYN and the same SYN inside the tunnel.
    const cap = await run(app, 'show capture c1 -nne');
    expect(cap).toMatch(/00:06:c4:74:5b:b0 > 00:06:c4:90:03:93, ethertype IPv4 \(0x0800\), length 66: 192\.168\.212\.225\.\d+ > 192\.168\.193\.50\.80: Flags \[S\], seq \d+, win 65535, options \[mss 1460,nop,wscale 8,nop,nop,sackOK\], length 0/);
    expect(cap).toMatch(/00:06:c4:90:03:93 > 00:00:5e:00:01:c1, ethertype IPv4 \(0x0800\), length 86: 192\.168\.193\.181 > 192\.168\.211\.150: 192\.168\.212\.225\.\d+ > 192\.168\.193\.50\.80: Flags \[S\], seq \d+, win 65535, options \[mss 1460,nop,wscale 8,nop,nop,sackOK\], length 0 \(ipip-proto-4\)/);
    // Replies go straight from the server to the client: none crosses the appliance.
    expect(cap).not.toMatch(/192\.168\.193\.50\.80 > 192\.168\.212\.225/);
  });

  it('a capture shows the health check as the seed does: SYN in the tunnel, SYN/ACK straight from the VIP', async () => {
    const app = await ready();
    const dump = await run(app, 'tcpdump -nei test host 192.168.193.181 and not arp -c 6');
    expect(dump).toMatch(/00:06:c4:90:03:93 > 00:00:5e:00:01:c1, ethertype IPv4 \(0x0800\), length 94: 192\.168\.193\.181 > 192\.168\.211\.150: 192\.168\.193\.181\.(\d+) > 192\.168\.193\.50\.80: Flags \[S\], seq \d+, win 64240, options \[mss 1460,sackOK,TS val \d+ ecr 0,nop,wscale 8\], length 0 \(ipip-proto-4\)/);
    expect(dump).toMatch(/00:d0:f8:22:35:42 > 00:06:c4:90:03:93, ethertype IPv4 \(0x0800\), length 74: 192\.168\.193\.50\.80 > 192\.168\.193\.181\.\d+: Flags \[S\.\], seq \d+, ack \d+, win 65160, options \[mss 1460,sackOK,TS val \d+ ecr \d+,nop,wscale 7\], length 0\n/);
    expect(dump).toMatch(/192\.168\.193\.181 > 192\.168\.211\.150: 192\.168\.193\.181\.\d+ > 192\.168\.193\.50\.80: Flags \[F\.\], seq 1, ack 1, win 251, options \[nop,nop,TS val \d+ ecr \d+\], length 0 \(ipip-proto-4\)/);
  });

  it('show info slb matches the seed once the one session has ended (State-Time aside)', async () => {
    const app = await ready();
    await run(app, 'lab request client http://192.168.193.50/\nwait 30');
    const mask = (t: string) => trimEnd(t).replace(/\d+ days \d\d:\d\d:\d\d/g, 'D days HH:MM:SS');
    expect(mask(await run(app, 'show info slb test'))).toBe(mask(seedOutput('show info slb test')));
  });

  it('without a port boundary: no SLB, hits stay 0 and the client is reset', async () => {
    const app = await ready();
    await run(app, 'configure terminal\nno port-boundary 1\nend');
    const out = await run(app, 'lab request client http://192.168.193.50/ count 2');
    expect(requestLines(out).map((l) => l.replace(/ \(.*\)$/, ''))).toEqual(['1 reset', '2 reset']);
    expect(await run(app, 'show info slb test')).toContain('192.168.193.50/32 enable 0');
    const dump = await run(app, 'capture start c -i test tcp\nlab request client http://192.168.193.50/\ncapture stop c\nshow capture c -nne');
    expect(dump).toMatch(/00:06:c4:90:03:93 > 00:00:5e:00:01:c1, ethertype IPv4 \(0x0800\), length 54: 192\.168\.193\.50\.80 > 192\.168\.212\.225\.\d+: Flags \[R\.\], seq 0, ack \d+, win 0, length 0/);
  });

  it('with two reals rr alternates', async () => {
    const app = await ready();
    await run(app, 'configure terminal\nreal 2\n name server2\n rip 192.168.211.151\n rport 80\n apply\nslb test\n real 2\n sticky time 0\n apply\nend\nwait 10');
    const out = await run(app, 'lab request client http://192.168.193.50/ count 6');
    const servers = requestLines(out).map((l) => l.split(' ')[3]);
    expect(servers).toEqual(['server1', 'server2', 'server1', 'server2', 'server1', 'server2']);
  });

  it('with sticky time 60 one client stays on one real', async () => {
    const app = await ready();
    await run(app, 'configure terminal\nreal 2\n name server2\n rip 192.168.211.151\n rport 80\n apply\nslb test\n real 2\n apply\nend\nwait 10');
    const servers = new Set(requestLines(await run(app, 'lab request client http://192.168.193.50/ count 6')).map((l) => l.split(' ')[3]));
    expect(servers.size).toBe(1);
  });
});
