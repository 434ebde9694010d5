// The engine side of established-flow offload (src/offload/flow-offload.ts) against a fake
// kernel flow table: what is installed when, what each entry says, what is read back, and
// every way an entry leaves. The real XDP program is exercised by test/system/offload.test.ts.

import { describe, expect, it } from 'vitest';
import type { RealId } from '../../src/config/model.js';
import { FlowAction, FLOW_KEY_SIZE } from '../../src/offload/flow-codec.js';
import { FlowOffload } from '../../src/offload/flow-offload.js';
import type { FlowTable } from '../../src/offload/kernel.js';
import { readMac } from '../../src/net/addr.js';
import { CLIENT, ME, REAL1, REAL1_MAC, ROUTER_MAC, SRV_IP, VIP, labConfig, takeAll, type Rig } from '../engine/dataplane/harness.js';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN, clientTcp, primedSlbRig } from '../engine/dataplane/frames.js';
import { buildTcpFrame } from '../../src/packet/index.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const be32 = (b: Uint8Array, o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
const be16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const le32 = (b: Uint8Array, o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

/** The kernel's flow table, in memory. */
class FakeTable implements FlowTable {
  readonly mode = 'generic' as const;
  readonly entries = new Map<string, { key: Uint8Array; val: Uint8Array }>();
  readonly links = new Map<number, number>();
  mono = 5000;
  closed = false;
  private nextFd = 40;
  attach(ifindex: number): number {
    this.links.set(this.nextFd, ifindex);
    return this.nextFd++;
  }
  detach(link: number): number {
    return this.links.delete(link) ? 0 : -9;
  }
  put(key: Uint8Array, val: Uint8Array): number {
    expect(key.length).toBe(FLOW_KEY_SIZE);
    this.entries.set(hex(key), { key: Uint8Array.from(key), val: Uint8Array.from(val) });
    return 0;
  }
  get(key: Uint8Array, val: Uint8Array): number {
    const e = this.entries.get(hex(key));
    if (e === undefined) return -2;
    val.set(e.val);
    return 0;
  }
  del(key: Uint8Array): number {
    return this.entries.delete(hex(key)) ? 0 : -2;
  }
  monotonicMs(): number {
    return this.mono;
  }
  close(): void {
    this.closed = true;
  }
  /** What the XDP program does per packet: count and stamp (`n` packets of `bytes` in all, the last now). */
  forward(n: number, bytes: number): void {
    const [e] = [...this.entries.values()];
    const v = e!.val;
    const add = (off: number, x: number) => {
      const cur = le32(v, off) + le32(v, off + 4) * 2 ** 32 + x;
      for (let i = 0; i < 8; i++) v[off + i] = Math.floor(cur / 2 ** (8 * i)) & 0xff;
    };
    add(32, n);
    add(40, bytes);
    const ns = this.mono * 1e6;
    for (let i = 0; i < 8; i++) v[48 + i] = Math.floor(ns / 2 ** (8 * i)) & 0xff;
  }
  only(): { key: Uint8Array; val: Uint8Array } {
    expect(this.entries.size).toBe(1);
    return [...this.entries.values()][0]!;
  }
}

/** The rig's ports look like Linux ports (an ifindex each), the offloader on a fake kernel. */
function offloaded(r: Rig): { off: FlowOffload; kernel: FakeTable } {
  for (let p = 1; p <= 16; p++) Object.assign(r.ports[p]!, { ifindex: 100 + p });
  const kernel = new FakeTable();
  const off = new FlowOffload(r.engine, ME, () => kernel);
  expect(off.enable()).toBeNull();
  return { off, kernel };
}

/** The client's connection: the handshake (the DSR modes never see the SYN/ACK), a request, its ACK and a second request: five packets. */
function handshake(r: Rig, sport = 40000): void {
  r.ports[1]!.inject(clientTcp(sport, TCP_SYN, { seq: 100 }));
  r.ports[1]!.inject(clientTcp(sport, TCP_ACK, { seq: 101, ack: 5001 }));
  r.ports[1]!.inject(clientTcp(sport, TCP_ACK | TCP_PSH, { seq: 101, ack: 5001, payload: 'GET /' }));
  r.ports[1]!.inject(clientTcp(sport, TCP_ACK, { seq: 106, ack: 5200 }));
  r.ports[1]!.inject(clientTcp(sport, TCP_ACK | TCP_PSH, { seq: 106, ack: 5200, payload: 'GET /' }));
  takeAll(r);
}

describe('established-flow offload (engine side)', () => {
  it('refuses without a Linux port, or when the kernel side cannot open; the engine is left alone', () => {
    const r = primedSlbRig();
    const off = new FlowOffload(r.engine, ME, () => 'permission denied (loading a BPF program needs root or CAP_BPF)');
    expect(off.enable()).toBe('no port is attached to a Linux interface');
    Object.assign(r.ports[1]!, { ifindex: 7 });
    expect(off.enable()).toMatch(/permission denied/);
    expect(off.enabled).toBe(false);
    handshake(r);
    expect(off.status().flows).toBe(0);
  });

  it('l3dsr-iptunnel: nothing for the handshake, the first request and its ACK (a one-request connection stays with the engine); the 5th packet installs the tunnel to the real', () => {
    const r = primedSlbRig({ natMode: 'l3dsr-iptunnel' });
    const { kernel } = offloaded(r);
    r.ports[1]!.inject(clientTcp(40000, TCP_SYN, { seq: 100 }));
    r.ports[1]!.inject(clientTcp(40000, TCP_ACK, { seq: 101, ack: 5001 }));
    r.ports[1]!.inject(clientTcp(40000, TCP_ACK | TCP_PSH, { seq: 101, ack: 5001, payload: 'GET /' }));
    r.ports[1]!.inject(clientTcp(40000, TCP_ACK, { seq: 106, ack: 5200 }));
    expect(kernel.entries.size).toBe(0);
    r.ports[1]!.inject(clientTcp(40000, TCP_ACK | TCP_PSH, { seq: 106, ack: 5200, payload: 'GET /' }));
    const { key, val } = kernel.only();
    // key: client -> VIP:80 as received on port 1
    expect([be32(key, 0), be32(key, 4), be16(key, 8), be16(key, 10), le32(key, 12), key[16]]).toEqual([CLIENT, VIP, 40000, 80, 101, 6]);
    // value: IP-in-IP from the egress interface's address to the real (on VLAN srv, port 3), to its MAC
    expect(val[0]).toBe(FlowAction.IPIP);
    expect(be32(val, 4)).toBe(REAL1);
    expect(be32(val, 8)).toBe(SRV_IP);
    expect(le32(val, 12)).toBe(103);
    expect(readMac(val, 16)).toBe(REAL1_MAC);
    expect(readMac(val, 22)).toBe(ME);
    expect(val[28]! | (val[29]! << 8)).toBe(1500);
    // The program is on every (Linux) port.
    expect(kernel.links.size).toBe(16);
  });

  it('dsr rewrites MACs only; l3dsr-dscp the destination and DSCP', () => {
    // dsr's real is on a connected network: the lab's reals are on VLAN srv (port 3).
    let r = primedSlbRig({ natMode: 'dsr', reals: [{ id: 1, rip: REAL1 }] });
    let k = offloaded(r).kernel;
    handshake(r);
    let e = k.only();
    expect(e.val[0]).toBe(FlowAction.DSR);
    expect(readMac(e.val, 16)).toBe(REAL1_MAC);
    expect(le32(e.val, 12)).toBe(103);

    r = primedSlbRig({ natMode: 'l3dsr-dscp', dscp: 10, reals: [{ id: 1, rip: REAL1 }] });
    k = offloaded(r).kernel;
    handshake(r);
    e = k.only();
    expect(e.val[0]).toBe(FlowAction.DSCP);
    expect(e.val[1]).toBe(10);
    expect(be32(e.val, 4)).toBe(REAL1);
  });

  it('nat: one entry per direction once established (DNAT to RIP:rport, SNAT back to VIP:80)', () => {
    const r = primedSlbRig({ natMode: 'nat', reals: [{ id: 1, rip: REAL1, rport: 8080 }] });
    const { kernel } = offloaded(r);
    r.ports[1]!.inject(clientTcp(40000, TCP_SYN, { seq: 100 }));
    const synAck = buildTcpFrame({ dstMac: ME, srcMac: REAL1_MAC, src: REAL1, dst: CLIENT, sport: 8080, dport: 40000, seq: 5000, ack: 101, flags: TCP_SYN | TCP_ACK });
    r.ports[3]!.inject(synAck);
    expect(kernel.entries.size).toBe(0);
    for (let i = 0; i < 4; i++) r.ports[1]!.inject(clientTcp(40000, TCP_ACK, { seq: 101, ack: 5001 }));
    for (let i = 0; i < 4; i++) {
      r.ports[3]!.inject(buildTcpFrame({ dstMac: ME, srcMac: REAL1_MAC, src: REAL1, dst: CLIENT, sport: 8080, dport: 40000, seq: 5001, ack: 101, flags: TCP_ACK }));
    }
    const vals = [...kernel.entries.values()].sort((a, b) => a.val[0]! - b.val[0]!);
    expect(vals.map((e) => e.val[0])).toEqual([FlowAction.DNAT, FlowAction.SNAT]);
    expect([be32(vals[0]!.val, 4), be16(vals[0]!.val, 2)]).toEqual([REAL1, 8080]);
    expect([be32(vals[1]!.val, 4), be16(vals[1]!.val, 2)]).toEqual([VIP, 80]);
    expect([be32(vals[1]!.key, 0), be16(vals[1]!.key, 8), le32(vals[1]!.key, 12)]).toEqual([REAL1, 8080, 103]);
    expect(readMac(vals[1]!.val, 16)).toBe(ROUTER_MAC);
  });

  it('reads back what the kernel forwarded: the session counts it and does not time out', () => {
    const r = primedSlbRig({ natMode: 'l3dsr-iptunnel', slb: { sessionTimeout: 30 } });
    const { off, kernel } = offloaded(r);
    handshake(r);
    const sid = r.engine.sessions.list()[0]!;
    const before = r.engine.sessions.packets(sid, 0);
    for (let s = 0; s < 10; s++) {
      r.clock.advance(20_000); // longer than nothing at all would survive twice over
      kernel.mono += 20_000;
      kernel.forward(3, 300);
      r.clock.advance(0);
    }
    off.refresh();
    expect(r.engine.sessions.size).toBe(1);
    expect(r.engine.sessions.packets(sid, 0)).toBe(before + 30);
    expect(off.status()).toMatchObject({ packets: 30, bytes: 3000, flows: 1 });
    expect(r.engine.sessions.lastSeen(sid)).toBe(r.clock.now());
    // Nothing more: the session times out, and its entry goes with it.
    r.clock.advance(61_000);
    expect(r.engine.sessions.size).toBe(0);
    expect(kernel.entries.size).toBe(0);
    expect(off.status().removedBy.ended).toBe(1);
  });

  it('a FIN (which the program always hands up) takes the flow out of the kernel', () => {
    const r = primedSlbRig({ natMode: 'l3dsr-iptunnel' });
    const { off, kernel } = offloaded(r);
    handshake(r);
    kernel.forward(4, 400);
    r.ports[1]!.inject(clientTcp(40000, TCP_FIN | TCP_ACK, { seq: 200, ack: 6000 }));
    expect(kernel.entries.size).toBe(0);
    expect(off.status()).toMatchObject({ removedBy: { state: 1 }, packets: 4 });
  });

  it('a capture on a port takes its flows out and installs none until it stops', () => {
    const r = primedSlbRig({ natMode: 'l3dsr-iptunnel' });
    const { kernel } = offloaded(r);
    handshake(r, 40000);
    expect(kernel.entries.size).toBe(1);
    r.engine.setCaptureTap(1, () => {});
    expect(kernel.entries.size).toBe(0);
    r.ports[1]!.inject(clientTcp(40000, TCP_ACK | TCP_PSH, { seq: 101, ack: 5001, payload: 'GET /' }));
    expect(kernel.entries.size).toBe(0);
    r.engine.setCaptureTap(1, null);
    r.ports[1]!.inject(clientTcp(40000, TCP_ACK, { seq: 111, ack: 5001 }));
    expect(kernel.entries.size).toBe(1);
  });

  it('a configuration change and a real going down take the flows out', () => {
    const r = primedSlbRig({ natMode: 'l3dsr-iptunnel' });
    const { off, kernel } = offloaded(r);
    handshake(r, 40000);
    r.engine.configure(labConfig({ natMode: 'l3dsr-iptunnel', stickyTime: 5 }));
    expect(kernel.entries.size).toBe(0);
    expect(off.status().removedBy.topology).toBe(1);
    r.ports[1]!.inject(clientTcp(40000, TCP_ACK, { seq: 101, ack: 5001 }));
    expect(kernel.entries.size).toBe(1);
    r.engine.setRealHealth('web', 1 as RealId, false, 'rst', false);
    expect(kernel.entries.size).toBe(0);
    expect(off.status().removedBy.ended).toBe(1);
  });

  it('disable removes every entry, detaches the program and closes the kernel side', () => {
    const r = primedSlbRig({ natMode: 'l3dsr-iptunnel' });
    const { off, kernel } = offloaded(r);
    handshake(r, 40000);
    handshake(r, 40001);
    expect(kernel.entries.size).toBe(2);
    off.disable();
    expect(kernel.entries.size).toBe(0);
    expect(kernel.links.size).toBe(0);
    expect(kernel.closed).toBe(true);
    expect(off.status()).toMatchObject({ enabled: false, flows: 0, removedBy: { disable: 2 } });
    // The engine forwards on by itself.
    r.ports[1]!.inject(clientTcp(40000, TCP_ACK, { seq: 101, ack: 5001 }));
    expect(takeAll(r)).toHaveLength(1);
  });
});
