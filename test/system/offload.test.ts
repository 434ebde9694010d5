// Established-flow offload on real interfaces (src/offload/, native/pask_offload.bpf.c): file 000
// with both reals, `offload enable`. Keep-alive connections through the VIP: after the handshake
// their packets are tunnelled by the XDP program on the appliance's port and never reach pask
// (its port counters stand still) while the sessions' counters keep counting them; a capture
// started mid-flow sees the flow again; a real going down still fails over; `offload disable`
// leaves nothing in the kernel; nat sessions are translated in both directions in the kernel. The other system tests run with offload on too when
// PASK_SYSTEM_OFFLOAD=1 (see suite.ts).

import { describe, expect, it } from 'vitest';
import { waitHealth, type PaskServe } from './appliance.js';
import { lanScenario, OFFLOAD_ENABLE, referenceScenario, SECOND_REAL } from './scenarios.js';
import { curlMany, systemRig, tally, whyNoSystem } from './suite.js';
import { CLIENT_IP, PASK_IP, sleep, VIP, which, type Topology } from './topology.js';

const why = whyNoSystem() ?? (which('wrk') ? null : 'wrk is not installed (apt-get install wrk)');

/** A number in a `show` line `    Label   : N`. */
function field(text: string, label: string): number {
  const m = new RegExp(`^\\s+${label.replace(/[()]/g, '\\$&')}\\s+: (\\d+)`, 'm').exec(text);
  if (!m) throw new Error(`no "${label}" in:\n${text}`);
  return Number(m[1]);
}

/** wrk from the client over `conns` keep-alive connections in the background until stop() (SIGINT: wrk prints its summary). */
function wrkInBackground(topo: Topology, conns: number): { stop(): Promise<string> } {
  const child = topo.spawn('client', ['wrk', '-t1', `-c${conns}`, '-d60s', `http://${VIP}/`]);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.resume();
  const done = new Promise<string>((resolve) => child.on('exit', () => resolve(out)));
  return {
    stop: () => {
      topo.signal(child, 'SIGINT');
      return done;
    },
  };
}

function requestsOf(wrkOut: string): number {
  const m = /(\d+) requests in/.exec(wrkOut);
  if (!m) throw new Error(`no request count in wrk's output:\n${wrkOut}`);
  return Number(m[1]);
}

/** A show command through the control socket (quick: no pask process started). */
async function show(pask: PaskServe, line: string): Promise<string> {
  return (await pask.socketCommand(line)).out;
}

describe.skipIf(!!why)(`established-flow offload on real interfaces${why ? ` (skipped: ${why})` : ''}`, () => {
  const rig = systemRig({ variant: 'routed' }, `${referenceScenario()}${SECOND_REAL}${OFFLOAD_ENABLE}`);

  it('is enabled on the appliance\'s Linux port', async () => {
    const s = await rig.pask.cli('show offload');
    expect(s).toMatch(/State\s+: enabled \(XDP (generic|native)\)/);
    // The kernel's view of p1: the program is attached.
    expect(rig.topo.ip('pask', 'link', 'show', 'p1')).toMatch(/xdp/);
    expect(tally(curlMany(rig.topo, 2))).toEqual({ srv1: 1, srv2: 1 });
  }, 30_000);

  it('a keep-alive flow\'s packets after the handshake do not reach pask (port counters still) while its session keeps counting them', async () => {
    const { topo, pask } = rig;
    const w = wrkInBackground(topo, 2);
    await sleep(1000); // both connections open, established and offloaded
    const before = field(await show(pask, 'show port 1'), 'RX packets');
    const flows0 = await show(pask, 'show offload flows');
    await sleep(1500);
    const after = field(await show(pask, 'show port 1'), 'RX packets');
    const flows1 = await show(pask, 'show offload flows');
    const entry = await show(pask, 'show entry');
    const requests = requestsOf(await w.stop());
    await sleep(500);
    const status = await show(pask, 'show offload');

    // In 1.5 s the two connections carried thousands of packets; pask received only the health
    // checks' answers and what is not offloaded (ARP): a handful of frames.
    expect(requests).toBeGreaterThan(1000);
    expect(after - before, `${after - before} frames reached pask during the flows`).toBeLessThan(50);

    // The two sessions are in the kernel and their counters (the engine's plus the kernel's) grow.
    const rows = (t: string) => t.split('\n').filter((l) => l.includes(`${CLIENT_IP}:`) && l.includes(`${VIP}:80`));
    const pkts = (t: string) => rows(t).reduce((n, l) => n + Number(l.trim().split(/\s+/)[6]), 0);
    expect(rows(flows1), `${flows0}\n${flows1}`).toHaveLength(2);
    expect(pkts(flows1) - pkts(flows0), `${flows0}\n${flows1}`).toBeGreaterThan(500);
    // show entry lists the sessions (their last-seen times come back from the kernel: they do not time out).
    expect(entry.split('\n').filter((l) => l.startsWith(`tcp  ${CLIENT_IP}:`)).length).toBeGreaterThanOrEqual(2);
    expect(field(status, 'Hits (packets)')).toBeGreaterThan(requests / 2);
    // wrk closed its connections: the FINs go up to pask, which removes the kernel entries.
    expect(field(status, 'Flows in the kernel'), status).toBe(0);
  }, 60_000);

  it('a capture started mid-flow sees the flow\'s packets (the port\'s flows leave the kernel while it runs)', async () => {
    const { topo, pask } = rig;
    const w = wrkInBackground(topo, 1);
    await sleep(1000);
    expect(field(await show(pask, 'show offload'), 'Flows in the kernel')).toBe(1);
    // tcpdump's banner goes to standard error, its packets to standard output.
    const cap = (await pask.connect(['-c', `tcpdump -ni test src host ${CLIENT_IP} and tcp port 80 -c 10`], 20_000)).stdout;
    const seen = cap.split('\n').filter((l) => l.includes(`${CLIENT_IP}.`) && l.includes(`> ${VIP}.80:`));
    expect(seen.length, cap).toBe(10);
    // The capture is over: the flow goes back to the kernel on its next packet.
    await sleep(500);
    const s = await show(pask, 'show offload');
    requestsOf(await w.stop());
    expect(field(s, 'Flows in the kernel'), s).toBe(1);
    expect(field(s, '  capture'), s).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('a real going down still fails over: its flows leave the kernel with its sessions, new ones go to the other real', async () => {
    const { topo, pask } = rig;
    await topo.stopNginx('srv1');
    try {
      const down = await waitHealth(pask, { 1: 'DEACT rst', 2: 'ACT' }, 25_000, 'test');
      expect(down).toEqual({ 1: 'DEACT rst', 2: 'ACT' });
      expect(curlMany(topo, 6)).toEqual(Array(6).fill('srv2'));
      const w = wrkInBackground(topo, 2);
      await sleep(1500);
      const requests = requestsOf(await w.stop());
      expect(requests).toBeGreaterThan(100);
    } finally {
      await topo.startNginx('srv1');
    }
    expect(await waitHealth(pask, { 1: 'ACT', 2: 'ACT' }, 12_000, 'test')).toEqual({ 1: 'ACT', 2: 'ACT' });
  }, 90_000);

  it('offload disable removes every kernel entry and the program; the flows come back to pask', async () => {
    const { topo, pask } = rig;
    const w = wrkInBackground(topo, 2);
    await sleep(1000);
    expect(field(await show(pask, 'show offload'), 'Flows in the kernel')).toBe(2);
    await show(pask, 'configure terminal\noffload disable\nend');
    const s = await show(pask, 'show offload');
    expect(s).toMatch(/State\s+: disabled/);
    expect(field(s, 'Flows in the kernel')).toBe(0);
    expect(topo.ip('pask', 'link', 'show', 'p1')).not.toMatch(/xdp/);
    const before = field(await show(pask, 'show port 1'), 'RX packets');
    await sleep(1000);
    const after = field(await show(pask, 'show port 1'), 'RX packets');
    const out = await w.stop();
    expect(after - before, `${out}\n${s}`).toBeGreaterThan(500);
    expect(requestsOf(out)).toBeGreaterThan(1000);
    await show(pask, OFFLOAD_ENABLE.trimEnd());
  }, 60_000);
});

describe.skipIf(!!why)(`established-flow offload of nat sessions${why ? ` (skipped: ${why})` : ''}`, () => {
  const rig = systemRig({ variant: 'lan', serverGateway: PASK_IP, vipOnLo: false, nginxPorts: [8080] }, `${lanScenario('nat', { rport: 8080 })}${OFFLOAD_ENABLE}`);

  it('both directions are translated in the kernel: the answers no longer reach pask\'s server-side port, and every request is answered', async () => {
    const { topo, pask } = rig;
    const w = wrkInBackground(topo, 4);
    await sleep(1000);
    const before = field(await show(pask, 'show port 2'), 'RX packets');
    const mid = await show(pask, 'show offload');
    await sleep(1500);
    const after = field(await show(pask, 'show port 2'), 'RX packets');
    const out = await w.stop();
    expect(out).not.toMatch(/Socket errors|Non-2xx/);
    expect(requestsOf(out)).toBeGreaterThan(1000);
    expect(field(mid, '  client to real'), mid).toBe(4);
    expect(field(mid, '  real to client'), mid).toBe(4);
    expect(after - before, `${after - before} frames from the reals reached pask`).toBeLessThan(50);
  }, 60_000);
});
