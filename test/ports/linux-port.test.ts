// The Linux port backend on a veth pair: one end in a namespace this file creates (the peer,
// 192.0.2.2/24), the other end owned by the backend in this process. Traffic stays on the pair.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPortAddon, openLinuxPort, PortAttachError, type LinuxPort } from '../../src/ports/linux/index.js';
import { resetPortAddon } from '../../src/ports/linux/addon.js';
import {
  capturePeer,
  createTestNet,
  frame,
  hex,
  inetSum,
  packetSocketsOn,
  promiscuity,
  PY,
  sendFromPeer,
  sleep,
  until,
  whyNoNetns,
  type TestNet,
} from './netns.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const why = whyNoNetns();
const HOST_MAC = '02:00:00:00:aa:01';
const OTHER_MAC = '02:00:00:00:bb:02';
const ETH_TEST = 0x88b5; // IEEE local experimental

/** A received frame, copied out of its slot. */
type Got = Uint8Array;

function collect(port: LinuxPort, keep: (f: Uint8Array, len: number) => boolean = () => true): Got[] {
  const got: Got[] = [];
  port.attach((f, len) => {
    if (keep(f, len)) got.push(f.slice(0, len));
  });
  return got;
}

const isTest = (f: Uint8Array, len: number): boolean => {
  // ethertype after any tags
  let o = 12;
  while (o + 4 <= len && (((f[o]! << 8) | f[o + 1]!) === 0x8100 || ((f[o]! << 8) | f[o + 1]!) === 0x88a8)) o += 4;
  return ((f[o]! << 8) | f[o + 1]!) === ETH_TEST;
};

describe('the native addon', () => {
  it('is built and loads', () => {
    const a = loadPortAddon();
    expect(typeof a.open).toBe('function');
  });

  it('a missing addon is reported as "% Cannot attach port to IFNAME: ..."', () => {
    const was = process.env['PASK_PORT_ADDON'];
    process.env['PASK_PORT_ADDON'] = '/nonexistent/pask_port.node';
    resetPortAddon();
    try {
      expect(() => openLinuxPort('eth0')).toThrow(/^% Cannot attach port to eth0: the native port addon is not built \(no \/nonexistent\/pask_port\.node; run scripts\/setup\.sh\)$/);
    } finally {
      if (was === undefined) delete process.env['PASK_PORT_ADDON'];
      else process.env['PASK_PORT_ADDON'] = was;
      resetPortAddon();
    }
  });

  it('rejects bad interface names and options without touching the system', () => {
    expect(() => openLinuxPort('')).toThrow(PortAttachError);
    expect(() => openLinuxPort('a-very-long-interface-name')).toThrow(/^% Cannot attach port to a-very-long-interface-name: invalid interface name$/);
    expect(() => openLinuxPort('../x')).toThrow(/invalid interface name/);
    const a = loadPortAddon();
    expect(() => a.open('lo', { rxSlots: 0 })).toThrow(/out of range/);
    expect(() => a.open('lo', { blockSize: 5000 })).toThrow(/out of range/);
    expect(() => a.stats({} as never)).toThrow(/not a port handle/);
    expect(() => a.flush(null as never, 1)).toThrow(/not a port handle/);
  });
});

describe.skipIf(!!why)(`Linux port on a veth pair${why ? ` (skipped: ${why})` : ''}`, () => {
  let net: TestNet;
  const open: LinuxPort[] = [];
  const port = (opts: Parameters<typeof openLinuxPort>[1] = {}): LinuxPort => {
    const p = openLinuxPort(net.hostIf, opts);
    open.push(p);
    return p;
  };

  beforeAll(() => {
    net = createTestNet();
  });
  afterAll(() => {
    for (const p of open) p.close();
    net?.destroy();
  });

  it('reports a missing interface clearly', () => {
    expect(() => openLinuxPort('pasknosuch0')).toThrow(/^% Cannot attach port to pasknosuch0: no such interface$/);
    try {
      openLinuxPort('pasknosuch0');
    } catch (e) {
      expect((e as PortAttachError).code).toBe('ENODEV');
    }
  });

  // The child imports the compiled tree, which the global setup builds.
  const dist = join(ROOT, 'dist', 'src', 'ports', 'linux', 'index.js');
  it.skipIf(!existsSync(dist))('reports missing privileges clearly (a child process without root)', () => {
    const code = [
      `const m = await import(${JSON.stringify(dist)});`,
      'm.loadPortAddon();',
      'process.setgid(65534); process.setuid(65534);',
      `try { m.openLinuxPort(${JSON.stringify(net.hostIf)}); console.log('opened'); } catch (e) { console.log(e.message); }`,
    ].join('\n');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', cwd: '/' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(`% Cannot attach port to ${net.hostIf}: permission denied (a packet socket needs root or CAP_NET_RAW)`);
  });

  it.skipIf(!existsSync(dist))('a forgotten detached port is closed by GC; a worker that exits closes its ports', () => {
    const code = `
      import { readFileSync } from 'node:fs';
      import { Worker } from 'node:worker_threads';
      const m = await import(${JSON.stringify(dist)});
      const count = () => readFileSync('/proc/net/packet', 'utf8').trim().split('\\n').slice(1)
        .filter((l) => Number(l.trim().split(/\\s+/)[4]) === ${net.hostIfindex}).length;
      const out = [];
      let p = m.openLinuxPort(${JSON.stringify(net.hostIf)});
      p.attach(() => {}); p.detach(); p = null;
      out.push(count());
      for (let i = 0; i < 5; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); }
      out.push(count());
      const w = new Worker(\`Promise.all([import(${JSON.stringify(dist)}), import('node:worker_threads')]).then(([m, wt]) => {
        m.openLinuxPort(${JSON.stringify(net.hostIf)}).attach(() => {}); wt.parentPort.postMessage(1); });\`, { eval: true });
      await new Promise((r) => w.once('message', r));
      out.push(count());
      await w.terminate();
      out.push(count());
      console.log(out.join(' '));`;
    const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', code], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const base = packetSocketsOn(net.hostIfindex);
    expect(r.stdout.trim()).toBe(`${base + 1} ${base} ${base + 1} ${base}`);
  });

  it('opens: MTU, MAC, slot size; promiscuous while open, released on close', async () => {
    const before = packetSocketsOn(net.hostIfindex);
    const p = port();
    expect(p.mtu).toBe(1500);
    expect(p.mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    expect(p.maxFrame).toBe(1536);
    expect(p.name).toBe(`linux:${net.hostIf}`);
    expect(packetSocketsOn(net.hostIfindex)).toBe(before + 1);
    expect(promiscuity(net.hostIf)).toBe(1);
    p.close();
    p.close(); // idempotent
    expect(p.closed).toBe(true);
    expect(packetSocketsOn(net.hostIfindex)).toBe(before);
    expect(promiscuity(net.hostIf)).toBe(0);
    // After close: transmit is refused and counted, attach says why.
    p.transmit(new Uint8Array(60), 60);
    expect(p.stats().txRejected).toBe(1);
    expect(() => p.attach(() => {})).toThrow(/^% Cannot attach port to .*: the port is closed$/);
  });

  it('frames it transmits arrive at the peer byte for byte (untagged, 802.1Q, QinQ, full size)', async () => {
    const p = port();
    const own = collect(p, (f) => hex(f.subarray(6, 12)) === HOST_MAC.replace(/:/g, ''));
    const frames = [
      frame('ff:ff:ff:ff:ff:ff', HOST_MAC, [], ETH_TEST, [1, 2, 3, 4]),
      frame(OTHER_MAC, HOST_MAC, [[0x8100, (5 << 13) | 193]], ETH_TEST, [5, 6, 7]),
      frame(OTHER_MAC, HOST_MAC, [[0x88a8, 100], [0x8100, 193]], ETH_TEST, [8, 9]),
      frame(OTHER_MAC, HOST_MAC, [], ETH_TEST, Array.from({ length: 1500 }, (_, i) => i & 0xff)),
      frame(OTHER_MAC, HOST_MAC, [[0x8100, 193]], ETH_TEST, Array.from({ length: 1500 }, (_, i) => (i * 7) & 0xff)),
    ];
    const cap = await capturePeer(net, ['ether', 'src', HOST_MAC], frames.length);
    // The caller may reuse its buffer at once: send each frame from one scratch buffer.
    const scratch = new Uint8Array(4096);
    for (const f of frames) {
      scratch.set(f);
      p.transmit(scratch, f.length);
      scratch.fill(0xee);
    }
    expect(p.stats().txPending).toBe(frames.length); // sent at the end of this task
    await Promise.resolve();
    expect(p.stats().txPending).toBe(0);
    const got = await cap.done;
    expect(got.map(hex)).toEqual(frames.map(hex));
    const s = p.stats();
    expect(s.txPackets).toBe(frames.length);
    expect(s.txBytes).toBe(frames.reduce((a, f) => a + f.length, 0));
    expect(s.txFlushes).toBe(1);
    expect(s.txErrors + s.txDrops + s.txRejected).toBe(0);
    await sleep(50);
    expect(own).toEqual([]); // PACKET_IGNORE_OUTGOING: the port does not see what it sent
    p.close();
  });

  it('carries jumbo frames when the link has a jumbo MTU', async () => {
    spawnSync('ip', ['link', 'set', net.hostIf, 'mtu', '9000']);
    net.exec('ip', ['link', 'set', net.peerIf, 'mtu', '9000']);
    try {
      const p = port();
      expect(p.mtu).toBe(9000);
      expect(p.maxFrame).toBe(9024);
      const got = collect(p, isTest);
      const jumbo = frame(HOST_MAC, net.peerMac, [[0x8100, 193]], ETH_TEST, Array.from({ length: 9000 }, (_, i) => (i * 11) & 0xff));
      sendFromPeer(net, [jumbo]);
      expect(await until(() => got.length >= 1)).toBe(true);
      expect(hex(got[0]!)).toBe(hex(jumbo));
      const cap = await capturePeer(net, ['ether', 'src', HOST_MAC], 1);
      const out = frame(OTHER_MAC, HOST_MAC, [], ETH_TEST, Array.from({ length: 9000 }, (_, i) => (i * 13) & 0xff));
      p.transmit(out, out.length);
      expect((await cap.done).map(hex)).toEqual([hex(out)]);
      p.close();
    } finally {
      spawnSync('ip', ['link', 'set', net.hostIf, 'mtu', '1500']);
      net.exec('ip', ['link', 'set', net.peerIf, 'mtu', '1500']);
    }
  });

  it.skipIf(spawnSync('sh', ['-c', 'command -v ethtool']).status !== 0)('turns GRO off while open and restores it on close', () => {
    const gro = (): string => /generic-receive-offload: (\w+)/.exec(spawnSync('ethtool', ['-k', net.hostIf], { encoding: 'utf8' }).stdout)?.[1] ?? '?';
    spawnSync('ethtool', ['-K', net.hostIf, 'gro', 'on']);
    expect(gro()).toBe('on');
    const p = port();
    expect(gro()).toBe('off');
    p.close();
    expect(gro()).toBe('on');
    spawnSync('ethtool', ['-K', net.hostIf, 'gro', 'off']);
    const q = port({ disableOffloads: false });
    spawnSync('ethtool', ['-K', net.hostIf, 'gro', 'on']);
    q.close();
    expect(gro()).toBe('on'); // untouched when not asked
    spawnSync('ethtool', ['-K', net.hostIf, 'gro', 'off']);
  });

  it('refuses bad transmit arguments and oversize frames without throwing, counting them', () => {
    const p = port();
    const big = new Uint8Array(2000);
    p.transmit(big, 1600); // longer than MTU + 2 tags
    p.transmit(big, 0);
    p.transmit(big, 13); // shorter than an Ethernet header
    p.transmit(big, 2001); // past the buffer
    p.transmit(big, Number.NaN);
    p.transmit(null as never, 60);
    p.transmit('frame' as never, 60);
    expect(p.stats().txRejected).toBe(7);
    expect(p.stats().txPending).toBe(0);
    p.close();
  });

  it('delivers what the peer sends byte for byte, with VLAN tags the kernel stripped put back', async () => {
    const p = port();
    const got = collect(p, isTest);
    const dst = HOST_MAC;
    const frames = [
      frame(dst, net.peerMac, [], ETH_TEST, [0xa1]),
      frame(dst, net.peerMac, [[0x8100, (5 << 13) | 193]], ETH_TEST, [0xa2]),
      frame(dst, net.peerMac, [[0x8100, 0]], ETH_TEST, [0xa3]), // priority tag, VID 0
      frame(dst, net.peerMac, [[0x88a8, 100], [0x8100, 193]], ETH_TEST, [0xa4]), // QinQ
      frame(dst, net.peerMac, [[0x8100, (7 << 13) | (1 << 12) | 4094]], ETH_TEST, [0xa5]), // PCP 7, DEI, VID 4094
      frame('ff:ff:ff:ff:ff:ff', net.peerMac, [], ETH_TEST, Array.from({ length: 1500 }, (_, i) => (i * 3) & 0xff)),
      frame(dst, net.peerMac, [[0x8100, 193]], ETH_TEST, Array.from({ length: 1500 }, (_, i) => (i * 5) & 0xff)),
    ];
    sendFromPeer(net, frames);
    expect(await until(() => got.length >= frames.length)).toBe(true);
    expect(got.map(hex)).toEqual(frames.map(hex));
    const s = p.stats();
    expect(s.rxVlanRestored).toBeGreaterThanOrEqual(5);
    expect(s.rxPackets).toBeGreaterThanOrEqual(frames.length);
    expect(s.rxBytes).toBeGreaterThanOrEqual(frames.reduce((a, f) => a + f.length, 0));
    expect(s.rxBatches).toBeGreaterThanOrEqual(1);
    expect(s.rxKernelDrops).toBe(0);
    p.close();
  });

  it('delivers the ARP request a ping in the peer namespace sends', async () => {
    const p = port();
    const got = collect(p, (f) => f[12] === 0x08 && f[13] === 0x06);
    spawnSync('ip', ['netns', 'exec', net.ns, 'ping', '-c', '1', '-W', '1', '192.0.2.77'], { stdio: 'ignore' });
    expect(await until(() => got.length >= 1)).toBe(true);
    const arp = got[0]!;
    expect(hex(arp.subarray(0, 6))).toBe('ffffffffffff');
    expect(hex(arp.subarray(6, 12))).toBe(net.peerMac.replace(/:/g, ''));
    expect(hex(arp.subarray(14, 22))).toBe('0001080006040001'); // Ethernet/IPv4 request
    expect([...arp.subarray(28, 32)].join('.')).toBe('192.0.2.2'); // sender
    expect([...arp.subarray(38, 42)].join('.')).toBe('192.0.2.77'); // target
    p.close();
  });

  it('completes the UDP checksum the peer stack left to offload', async () => {
    net.exec('ip', ['neigh', 'replace', '192.0.2.9', 'lladdr', OTHER_MAC, 'dev', net.peerIf]);
    const send = `import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b'checksum me please', ('192.0.2.9', 9999))`;
    const isUdp = (f: Uint8Array): boolean => f[12] === 0x08 && f[13] === 0x00 && f[23] === 17 && f[36] === 0x27 && f[37] === 0x0f;

    const raw = port({ fixChecksums: false });
    const rawGot = collect(raw, isUdp);
    const fixed = port();
    const fixedGot = collect(fixed, isUdp);
    spawnSync('ip', ['netns', 'exec', net.ns, PY, '-c', send], { stdio: 'ignore' });
    expect(await until(() => rawGot.length >= 1 && fixedGot.length >= 1)).toBe(true);
    const udpSum = (f: Uint8Array): number => {
      const ip = f.subarray(14, 34), udp = f.subarray(34, 14 + ((ip[2]! << 8) | ip[3]!));
      const pseudo = new Uint8Array(12);
      pseudo.set(ip.subarray(12, 20), 0);
      pseudo[9] = 17;
      pseudo[10] = udp.length >> 8;
      pseudo[11] = udp.length & 0xff;
      return inetSum([pseudo, udp]);
    };
    const s = fixed.stats();
    if (raw.stats().rxChecksumsCompleted === 0 && udpSum(rawGot[0]!) === 0) {
      // This kernel/veth computed the checksum in software already: nothing to complete.
      expect(s.rxChecksumsCompleted).toBe(0);
    } else {
      expect(udpSum(rawGot[0]!)).not.toBe(0); // the partial checksum, as the peer left it
      expect(s.rxChecksumsCompleted).toBeGreaterThanOrEqual(1);
    }
    expect(udpSum(fixedGot[0]!)).toBe(0);
    expect(hex(fixedGot[0]!.subarray(42))).toBe(hex(new TextEncoder().encode('checksum me please')));
    raw.close();
    fixed.close();
  });

  it('counts frames larger than its slots instead of delivering them', async () => {
    const p = port({ maxFrame: 128 });
    expect(p.maxFrame).toBe(128);
    const got = collect(p, isTest);
    sendFromPeer(net, [frame(HOST_MAC, net.peerMac, [], ETH_TEST, new Uint8Array(1000)), frame(HOST_MAC, net.peerMac, [], ETH_TEST, [0xb1])]);
    expect(await until(() => got.length >= 1)).toBe(true);
    await sleep(50);
    expect(got.length).toBe(1);
    expect(got[0]![14]).toBe(0xb1);
    expect(p.stats().rxOversize).toBe(1);
    p.close();
  });

  it('never crashes on a throwing handler: the error is reported once and counted', async () => {
    const errors: unknown[] = [];
    const p = port({ onError: (e) => errors.push(e) });
    let n = 0;
    p.attach((f, len) => {
      if (!isTest(f, len)) return;
      n++;
      throw new Error('handler bug');
    });
    sendFromPeer(net, [1, 2, 3].map((i) => frame(HOST_MAC, net.peerMac, [], ETH_TEST, [i])));
    expect(await until(() => n >= 3)).toBe(true);
    expect(p.stats().rxHandlerErrors).toBe(3);
    expect(errors.length).toBe(3);
    expect((errors[0] as Error).message).toBe('handler bug');
    p.close();
  });

  it('detach stops delivery; attach again resumes; close inside the handler is safe', async () => {
    const p = port();
    let a = 0, b = 0;
    p.attach((f, len) => {
      if (isTest(f, len)) a++;
    });
    sendFromPeer(net, [frame(HOST_MAC, net.peerMac, [], ETH_TEST, [1])]);
    expect(await until(() => a === 1)).toBe(true);
    p.detach();
    p.attach((f, len) => {
      if (!isTest(f, len)) return;
      b++;
      p.close();
    });
    sendFromPeer(net, [2, 3, 4].map((i) => frame(HOST_MAC, net.peerMac, [], ETH_TEST, [i])));
    expect(await until(() => b >= 1)).toBe(true);
    await sleep(100);
    expect(b).toBe(1);
    expect(p.closed).toBe(true);
    expect(a).toBe(1);
  });

  it('the native functions refuse misuse with exceptions, never a crash', () => {
    const a = loadPortAddon();
    expect(() => a.open(123 as never, {})).toThrow(/must be a string/);
    a.close(a.open(net.hostIf, { batch: 'x' } as never).handle); // unknown keys are ignored
    expect(() => a.open(net.hostIf, { rxSlots: -1 })).toThrow(/invalid option rxSlots/);
    expect(() => a.open(net.hostIf, { sndbuf: 'big' as never })).toThrow(/invalid option sndbuf/);
    const o = a.open(net.hostIf, { rxSlots: 4, txSlots: 4 });
    expect(() => a.start(o.handle, 5 as never)).toThrow(/must be a function/);
    const txLens = new Uint32Array(o.txLens);
    txLens.set([0, 99999, 13, 70000]); // all invalid
    expect(a.flush(o.handle, 4)).toBe(0);
    expect(a.flush(o.handle, 1e9)).toBe(0); // more than there are slots
    expect(a.flush(o.handle, -1 as never)).toBe(0);
    expect(a.stats(o.handle).txErrors).toBeGreaterThanOrEqual(4);
    a.close(o.handle);
    a.close(o.handle);
    expect(a.flush(o.handle, 2)).toBe(0);
    expect(() => a.start(o.handle, () => {})).toThrow(/closed/);
    a.stop(o.handle);
    expect(a.stats(o.handle).txDrops).toBe(2);
  });

  it('survives the link going down and up, and keeps receiving', async () => {
    const p = port();
    const got = collect(p, isTest);
    spawnSync('ip', ['link', 'set', net.hostIf, 'down']);
    p.transmit(frame(OTHER_MAC, HOST_MAC, [], ETH_TEST, [1]), 60);
    p.flush();
    await sleep(50);
    spawnSync('ip', ['link', 'set', net.hostIf, 'up']);
    await until(() => /state UP/.test(spawnSync('ip', ['link', 'show', net.hostIf], { encoding: 'utf8' }).stdout), 3000);
    sendFromPeer(net, [frame(HOST_MAC, net.peerMac, [], ETH_TEST, [0xc1])]);
    expect(await until(() => got.length >= 1)).toBe(true);
    const s = p.stats();
    expect(s.txErrors).toBe(1);
    expect(s.lastTxErrno).toBeGreaterThan(0); // ENETDOWN
    p.close();
  });
});

describe.skipIf(!!(why ?? whyNoNetns(['trafgen'])))(`Linux port under a flood${why ?? whyNoNetns(['trafgen']) ? ` (skipped: ${why ?? whyNoNetns(['trafgen'])})` : ''}`, () => {
  let net: TestNet;
  beforeAll(() => {
    net = createTestNet();
  });
  afterAll(() => net?.destroy());

  it('a trafgen flood for 3 s: no crash, batched delivery, timers keep firing, drops counted', async () => {
    const p = openLinuxPort(net.hostIf);
    let rx = 0, echoed = 0;
    const echo = new Uint8Array(64);
    p.attach((f, len) => {
      rx++;
      if ((rx & 63) === 0) {
        // an engine forwarding part of the flood back out
        echo.set(f.subarray(0, 60));
        echo.set([2, 0, 0, 0, 0xaa, 2], 6);
        p.transmit(echo, 60);
        echoed++;
      }
    });
    let ticks = 0, last = Date.now(), maxGap = 0;
    const timer = setInterval(() => {
      const now = Date.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks++;
    }, 10);
    const conf = `{ 0x02, 0x00, 0x00, 0x00, 0xaa, 0x01, 0x02, 0x00, 0x00, 0x00, 0xbb, 0x02, 0x88, 0xb5, fill(0x00, 46) }`;
    const tg = spawn('ip', ['netns', 'exec', net.ns, 'timeout', '-s', 'INT', '3', 'trafgen', '-o', net.peerIf, '-P', '1', '-q', '-i', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    tg.stdin.end(conf);
    let tgErr = '';
    tg.stderr.on('data', (d: Buffer) => (tgErr += d.toString()));
    const started = Date.now();
    await new Promise<void>((resolve) => tg.on('exit', () => resolve()));
    const elapsed = Date.now() - started;
    await sleep(200);
    clearInterval(timer);
    const s = p.stats();
    p.close();
    const info = { rx, echoed, ticks, maxGap, elapsed, drops: s.rxKernelDrops, kernel: s.rxKernelPackets, maxBatch: s.rxMaxBatch, batches: s.rxBatches, tx: s.txPackets, txDrops: s.txDrops };
    process.stderr.write(`flood: ${JSON.stringify(info)}\n`);
    expect(elapsed, tgErr).toBeGreaterThan(2000);
    expect(rx).toBeGreaterThan(10_000);
    expect(s.rxMaxBatch).toBeGreaterThan(1); // frames come in batches, one JS call each
    expect(s.rxKernelPackets).toBeGreaterThanOrEqual(s.rxPackets);
    expect(s.txPackets + s.txDrops + s.txErrors).toBe(echoed);
    // The event loop was never starved: a 10 ms timer kept firing.
    expect(ticks).toBeGreaterThan((elapsed / 10) * 0.5);
    expect(maxGap).toBeLessThan(500);
  });
});
