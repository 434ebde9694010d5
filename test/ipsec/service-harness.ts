// Two IpsecServices (pask 203.0.113.1 and its peer 192.0.2.1) on fake platforms wired back to
// back on a virtual clock: UDP and raw-IP sends of one arrive at the other a millisecond later,
// what a VTI decrypts is recorded instead of injected into an engine.

import { ipv4, type Ipv4 } from '../../src/net/addr.js';
import { readU16, readU32 } from '../../src/packet/bytes.js';
import { VirtualClock } from '../../src/util/clock.js';
import { defaultConfig } from '../../src/config/defaults.js';
import type { IpsecConfig } from '../../src/config/ipsec.js';
import type { RunningConfig } from '../../src/config/model.js';
import type { TunnelEndpoint } from '../../src/engine/interfaces.js';
import { IpsecService, type IpsecPlatform } from '../../src/ipsec/service.js';
import type { IkeDaemonOptions } from '../../src/ipsec/ike/daemon.js';

type UdpHandler = (src: Ipv4, dst: Ipv4, sport: number, payload: Uint8Array) => void;
type RawHandler = (src: Ipv4, dst: Ipv4, payload: Uint8Array) => void;

export class FakeNet implements IpsecPlatform {
  peer: FakeNet | null = null;
  readonly udpHandlers = new Map<number, UdpHandler>();
  readonly rawHandlers = new Map<number, RawHandler>();
  readonly tunnels = new Map<string, TunnelEndpoint>();
  /** Packets the VTIs decrypted (what the engine would have received on vti0). */
  readonly injected: Uint8Array[] = [];
  /** Outer packets sent (for the fuzzers to start from). */
  readonly sent: Uint8Array[] = [];
  cut = false;

  constructor(readonly clock: VirtualClock, readonly addr: Ipv4) {}

  sourceFor(): Ipv4 {
    return this.addr;
  }

  udp(port: number, on: UdpHandler) {
    this.udpHandlers.set(port, on);
    return {
      send: (src: Ipv4, dst: Ipv4, dport: number, data: Uint8Array) => {
        const copy = data.slice();
        this.sent.push(copy);
        if (!this.cut) this.clock.setTimeout(() => this.peer?.udpHandlers.get(dport)?.(src, dst, port, copy), 1);
        return true;
      },
      close: () => void this.udpHandlers.delete(port),
    };
  }

  raw(proto: number, on: RawHandler) {
    this.rawHandlers.set(proto, on);
    return { close: () => void this.rawHandlers.delete(proto) };
  }

  sendIpv4(packet: Uint8Array, len: number): boolean {
    const p = packet.slice(0, len);
    this.sent.push(p);
    if (this.cut) return true;
    const src = readU32(p, 12) as Ipv4, dst = readU32(p, 16) as Ipv4, hl = (p[0]! & 15) * 4;
    this.clock.setTimeout(() => {
      if (p[9] === 17) this.peer?.udpHandlers.get(readU16(p, hl + 2))?.(src, dst, readU16(p, hl), p.subarray(hl + 8));
      else this.peer?.rawHandlers.get(p[9]!)?.(src, dst, p.subarray(hl));
    }, 1);
    return true;
  }

  nextIpId(): number {
    return 1;
  }

  addTunnel(name: string, endpoint: TunnelEndpoint): number {
    this.tunnels.set(name, endpoint);
    return 7;
  }

  updateTunnel(): void {}

  removeTunnel(name: string): void {
    this.tunnels.delete(name);
  }

  inject(_i: number, buf: Uint8Array, off: number, len: number): void {
    this.injected.push(buf.slice(off, off + len));
  }
}

export function ipsecConfig(peer: string, local: string, over: { initiate?: boolean; force?: boolean; childLifetime?: number; modern?: boolean } = {}): IpsecConfig {
  return {
    ikeGroups: [{ name: 'G', proposals: [over.modern ? { id: 1, encryption: 'aes256gcm128', hash: 'sha256', dhGroup: 31 } : { id: 1, encryption: 'aes256', hash: 'sha1', dhGroup: 2 }],
      lifetime: 28800, keyExchange: 'ikev2', dpd: null }],
    espGroups: [{ name: 'E', proposals: [over.modern ? { id: 1, encryption: 'aes256gcm128', hash: null } : { id: 1, encryption: 'aes256', hash: 'sha1' }],
      lifetime: over.childLifetime ?? 27000, pfs: 'disable', mode: 'tunnel' }],
    vtis: [{ name: 'vti0', address: null, mtu: null, description: '' }],
    peers: [{ addr: ipv4(peer), description: '', localAddress: ipv4(local), ikeGroup: 'G', secret: 'lab-secret', connectionType: over.initiate ? 'initiate' : 'respond',
      forceEncapsulation: over.force ?? false, vti: { bind: 'vti0', espGroup: 'E' }, tunnels: [] }],
    mssClamp: null,
    autoFirewallNatExclude: false,
  };
}

export interface ServicePair {
  readonly clock: VirtualClock;
  readonly a: IpsecService;
  readonly b: IpsecService;
  readonly netA: FakeNet;
  readonly netB: FakeNet;
  readonly logsA: string[];
}

export function servicePair(optsA: IkeDaemonOptions = {}, over: { force?: boolean; childLifetime?: number; modern?: boolean } = {}): ServicePair {
  const clock = new VirtualClock();
  const netA = new FakeNet(clock, ipv4('203.0.113.1')), netB = new FakeNet(clock, ipv4('192.0.2.1'));
  netA.peer = netB;
  netB.peer = netA;
  const open = (s: string) => ({ ok: true as const, secret: new TextEncoder().encode(s) });
  const logsA: string[] = [];
  const a = new IpsecService(netA, (sev, t) => logsA.push(`${sev}: ${t}`), open, optsA);
  const b = new IpsecService(netB, () => {}, open);
  const cfg = (x: IpsecConfig): RunningConfig => ({ ...defaultConfig(), ipsec: x });
  a.configure(cfg(ipsecConfig('192.0.2.1', '203.0.113.1', { childLifetime: over.childLifetime, modern: over.modern })));
  b.configure(cfg(ipsecConfig('203.0.113.1', '192.0.2.1', { initiate: true, force: over.force, childLifetime: over.childLifetime, modern: over.modern })));
  clock.advance(100);
  return { clock, a, b, netA, netB, logsA };
}

/** An ICMP echo request 192.168.1.10 -> 172.16.1.10 (or back), `n` bytes long. */
export function innerPacket(n = 84, reverse = false): Uint8Array {
  const p = new Uint8Array(n);
  p[0] = 0x45;
  p[2] = n >> 8;
  p[3] = n & 0xff;
  p[8] = 64;
  p[9] = 1;
  const s = reverse ? [172, 16, 1, 10] : [192, 168, 1, 10], d = reverse ? [192, 168, 1, 10] : [172, 16, 1, 10];
  p.set(s, 12);
  p.set(d, 16);
  p[20] = 8;
  return p;
}

/** Sends one inner packet from `from`'s vti0 and runs the clock; whether `to` injected it. */
export function crosses(pair: ServicePair, from: 'a' | 'b'): boolean {
  const src = from === 'a' ? pair.netA : pair.netB, dst = from === 'a' ? pair.netB : pair.netA;
  const before = dst.injected.length;
  const p = innerPacket(84, from === 'b');
  src.tunnels.get('vti0')!.transmit(p, 0, p.length, 0);
  pair.clock.advance(5);
  return dst.injected.length === before + 1;
}
