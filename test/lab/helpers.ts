// Helpers for the lab tests: a frame log, a stand-in for the appliance on a port, TCP option text.
import { ipv4, mac, type Ipv4, type Mac } from '../../src/net/addr.js';
import {
  ARP_REQUEST, DECODE_VERIFY_IP_CHECKSUM, DECODE_VERIFY_L4_CHECKSUM, DropReason, ETHERTYPE_ARP, PacketMeta,
  buildArpFrame, decodeFrame, type TcpOptionSpec,
} from '../../src/packet/index.js';
import type { LabWorld } from '../../src/lab/index.js';
import type { PortBackend } from '../../src/ports/backend.js';

export interface Seen {
  readonly t: number;
  readonly from: string;
  readonly to: string;
  readonly frame: Uint8Array;
  readonly m: PacketMeta;
}

/** Records every frame on every link of `w`, decoded (checksums verified: a bad one fails the test). */
export function record(w: LabWorld): Seen[] {
  const out: Seen[] = [];
  w.tap((frame, from, to, t) => {
    const m = new PacketMeta();
    const r = decodeFrame(frame, frame.length, m, DECODE_VERIFY_IP_CHECKSUM | DECODE_VERIFY_L4_CHECKSUM);
    if (r !== DropReason.OK) throw new Error(`bad frame from ${from.label}: drop reason ${r}`);
    out.push({ t, from: from.label, to: to.label, frame, m });
  });
  return out;
}

/** TCP options as tcpdump prints them: `mss 1460,nop,wscale 8,nop,nop,sackOK`. */
export function tcpOptions(s: Seen): string {
  const f = s.frame;
  const start = s.m.l4Off + 20;
  const end = s.m.l4Off + s.m.tcpDataOffset * 4;
  const parts: string[] = [];
  for (let i = start; i < end;) {
    const k = f[i]!;
    if (k === 0) break;
    if (k === 1) { parts.push('nop'); i++; continue; }
    const l = f[i + 1]!;
    const u16 = (o: number) => (f[o]! << 8) | f[o + 1]!;
    const u32 = (o: number) => ((f[o]! << 24) | (f[o + 1]! << 16) | (f[o + 2]! << 8) | f[o + 3]!) >>> 0;
    if (k === 2) parts.push(`mss ${u16(i + 2)}`);
    else if (k === 3) parts.push(`wscale ${f[i + 2]}`);
    else if (k === 4) parts.push('sackOK');
    else if (k === 8) parts.push(`TS val ${u32(i + 2)} ecr ${u32(i + 6)}`);
    else parts.push(`opt-${k}`);
    i += l;
  }
  return parts.join(',');
}

/** Options with timestamp values blanked: `mss 1460,sackOK,TS,nop,wscale 7`. */
export function tcpOptionShape(s: Seen): string {
  return tcpOptions(s).replace(/TS val \d+ ecr \d+/g, 'TS');
}

export const APPLIANCE_MAC = mac('00:06:c4:90:03:93');
export const APPLIANCE_IP = ipv4('192.168.193.181');

// The default lab's service, server1 and client, as the appliance's packets to the reals carry them.
export const VIP = ipv4('192.168.193.50');
export const RIP1 = ipv4('192.168.211.150');
export const CLIENT = ipv4('192.168.212.225');
/** The router's MAC on the appliance's side. */
export const ROUTER_C1 = mac('00:00:5e:00:01:c1');
/** The lab client's (Windows) SYN options. */
export const CLIENT_SYN_OPTIONS: TcpOptionSpec[] = [
  { kind: 'mss', value: 1460 }, { kind: 'nop' }, { kind: 'wscale', value: 8 }, { kind: 'nop' }, { kind: 'nop' }, { kind: 'sackOK' },
];

/**
 * Stands in for the appliance on a lab port: answers ARP for its addresses, records what it
 * receives, sends frames.
 */
export class FakeAppliance {
  readonly received: { frame: Uint8Array; m: PacketMeta }[] = [];
  readonly backend: PortBackend;

  constructor(w: LabWorld, port: number, readonly hwMac: Mac = APPLIANCE_MAC, readonly addrs: Ipv4[] = [APPLIANCE_IP]) {
    const b = w.portBackend(port);
    if (!b) throw new Error(`lab port ${port} is not connected`);
    this.backend = b;
    b.attach((frame, len) => {
      const copy = frame.slice(0, len);
      const m = new PacketMeta();
      if (decodeFrame(copy, len, m) !== DropReason.OK) return;
      this.received.push({ frame: copy, m });
      if (m.etherType === ETHERTYPE_ARP && m.arpOp === ARP_REQUEST && this.addrs.includes(m.arpTpa)) {
        this.send(buildArpFrame({ op: 'reply', sha: this.hwMac, spa: m.arpTpa, tha: m.arpSha, tpa: m.arpSpa, dstMac: m.arpSha, srcMac: this.hwMac, padTo: 60 }));
      }
    });
  }

  send(frame: Uint8Array): void {
    this.backend.transmit(frame, frame.length);
  }

  /** Received IPv4 frames (not ARP). */
  ip(): { frame: Uint8Array; m: PacketMeta }[] {
    return this.received.filter((r) => r.m.etherType === 0x0800);
  }
}
