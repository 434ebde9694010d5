// The appliance's own TCP (src/net/tcp through the host stack and the engine) against a lab
// host's TCP: 10 MB each way at once, data verified, across the appliance's link losing 5% of
// its frames in both directions and delaying some so that later ones overtake them.
import { describe, expect, it } from 'vitest';
import type { Appliance } from '../../src/appliance.js';
import { LabWorld } from '../../src/lab/index.js';
import type { TcpConnection } from '../../src/net/tcp/index.js';
import { Prng } from '../../src/util/prng.js';
import { labAppliance, REFERENCE_SCENARIO, runClean } from '../helpers/cli.js';
import { RIP1 } from '../lab/helpers.js';

const SIZE = 10 * 1024 * 1024;

/** Byte i of stream `k`: a pattern a lost, duplicated or misplaced segment cannot reproduce. */
function patternByte(k: number, i: number): number {
  return ((i * 31 + (i >>> 11) * 7 + k * 101) & 0xff);
}

/** Writes SIZE pattern bytes in 64 KiB pieces, waiting for drain when the send buffer is full; then FIN. */
function stream(c: TcpConnection, k: number): void {
  let sent = 0;
  const push = () => {
    while (sent < SIZE) {
      const n = Math.min(65536, SIZE - sent);
      const chunk = new Uint8Array(n);
      for (let i = 0; i < n; i++) chunk[i] = patternByte(k, sent + i);
      sent += n;
      if (!c.write(chunk)) return; // queued; go on at onDrain
    }
    c.close();
  };
  c.onDrain = push;
  push();
}

/** Checks the received bytes against stream `k`'s pattern as they arrive. */
function verifier(k: number): { onData: (d: Uint8Array) => void; readonly got: number; readonly bad: number } {
  let got = 0, bad = 0;
  return {
    onData: (d) => {
      for (let i = 0; i < d.length; i++) if (d[i] !== patternByte(k, got + i)) bad++;
      got += d.length;
    },
    get got() { return got; },
    get bad() { return bad; },
  };
}

async function lossyLab(): Promise<{ app: Appliance; world: LabWorld }> {
  const app = await labAppliance();
  await runClean(app, REFERENCE_SCENARIO);
  if (!(app.world instanceof LabWorld)) throw new Error('no lab');
  const world = app.world;
  const link = world.linkAt('appliance.1')!;
  const rng = new Prng(0x7c9);
  link.drop = () => rng.int(0, 99) < 5;
  link.jitter = () => (rng.int(0, 99) < 3 ? 2 : 0);
  return { app, world };
}

describe('the appliance\'s TCP in the lab', () => {
  it('moves 10 MB each way with a lab host across a link that loses 5% and reorders some', async () => {
    const { app, world } = await lossyLab();
    const server1 = world.host('server1')!;
    const atServer = verifier(1);
    let serverEnd = '';
    server1.tcp.listen(9000, (c) => {
      c.onData = atServer.onData;
      c.onEnd = (e) => (serverEnd = e);
      // Accepted once the handshake is complete: send at once.
      stream(c, 2);
    });
    const stack = app.stack!;
    const c = stack.tcpConnect(RIP1, 9000);
    const atAppliance = verifier(2);
    c.onData = atAppliance.onData;
    let end = '';
    c.onEnd = (e) => (end = e);
    c.onEstablished = () => stream(c, 1);
    await world.settle(new Promise<void>((resolve) => {
      const poll = () => (end !== '' && serverEnd !== '' ? resolve() : void world.clock.setTimeout(poll, 100));
      poll();
    }), 600_000);
    expect(world.linkAt('appliance.1')!.dropped).toBeGreaterThan(1000);
    expect([atServer.got, atServer.bad, atAppliance.got, atAppliance.bad]).toEqual([SIZE, 0, SIZE, 0]);
    expect([end, serverEnd]).toEqual(['closed', 'closed']);
    expect(c.retransmits).toBeGreaterThan(0);
    expect(c.fastRetransmits).toBeGreaterThan(0);
    await app.close();
  }, 120_000);

  it('accepts a connection from a lab host on a listening port; the port is reserved from the health monitor', async () => {
    const app = await labAppliance();
    await runClean(app, REFERENCE_SCENARIO);
    const world = app.world as LabWorld;
    const stack = app.stack!;
    const got: string[] = [];
    const stop = stack.tcpListen(8179, (c) => {
      c.onData = (d) => got.push(Buffer.from(d).toString());
      c.onPeerClose = () => c.close();
    });
    expect(stop).not.toBeNull();
    expect(stack.ports.inUse(8179)).toBe(true);
    expect(stack.tcpListen(8179, () => {})).toBeNull();
    const c = world.host('server1')!.tcp.connect(app.stack!.sourceFor(RIP1)!, 8179);
    let end = '';
    c.onEstablished = () => {
      c.write('hello appliance');
      c.close();
    };
    c.onEnd = (e) => (end = e);
    await world.wait(2000);
    expect(got.join('')).toBe('hello appliance');
    expect(end).toBe('closed');
    stop!();
    // Listening again while the old connection lingers (TIME_WAIT) works at once, as with SO_REUSEADDR.
    const again = stack.tcpListen(8179, () => {});
    expect(again).not.toBeNull();
    again!();
    await world.wait(70_000);
    expect(stack.ports.inUse(8179)).toBe(false);
    await app.close();
  });
});
