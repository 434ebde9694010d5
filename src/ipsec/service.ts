// The IPsec service of an appliance: the IKE daemon on UDP 500/4500, ESP in and out (raw IP
// protocol 50 and UDP-encapsulated on 4500, RFC 3948), and the VTIs, all following the running
// config. It runs on an IpsecPlatform: pask's engine and host stack (appliance.ts), or any
// other stack that offers sockets, routed sends and tunnel interfaces.
//
//   out: route -> vti0 (Vti.transmit) -> CHILD SA's ESP -> outer IPv4 [UDP] -> sendIpv4 (routed)
//   in:  UDP 4500 (non-ESP marker 0: IKE; 0xff: keepalive; else ESP) / protocol 50 / UDP 500
//        ESP -> CHILD SA by SPI -> decrypt -> selectors -> Vti.deliver -> inject as from vti0

import type { Clock, Timer } from '../util/clock.js';
import type { RunningConfig } from '../config/model.js';
import { connectionName, VTI_DEFAULT_MTU, type IpsecConfig } from '../config/ipsec.js';
import type { TunnelEndpoint } from '../engine/interfaces.js';
import type { Ipv4, Prefix } from '../net/addr.js';
import { readU32 } from '../packet/bytes.js';
import { dhByGroup, encrByName, integByName, prfByName, type EspSuite, type IkeSuite } from './crypto/algorithms.js';
import { EspEncap, fragmentOuter, IPPROTO_ESP } from './esp/encap.js';
import { ESP_HEADER_LEN, NEXT_HEADER_IPV4 } from './esp/esp-sa.js';
import { IKE_PORT, NATT_PORT } from './ike/constants.js';
import { IkeDaemon, type IkeDaemonOptions, type IkeSeverity } from './ike/daemon.js';
import { ANY_TS, type ChildSa, type PeerSettings } from './ike/sa.js';
import { covers } from './ike/selectors.js';
import { Vti } from './vti.js';

export interface UdpPort {
  send(src: Ipv4, dst: Ipv4, dport: number, data: Uint8Array): boolean;
  close(): void;
}

/** What the service runs on. */
export interface IpsecPlatform {
  readonly clock: Clock;
  sourceFor(dst: Ipv4): Ipv4 | null;
  /** A UDP port on every own address; null when taken. */
  udp(port: number, on: (src: Ipv4, dst: Ipv4, sport: number, payload: Uint8Array) => void): UdpPort | null;
  /** Every packet of IP protocol `proto` to an own address. */
  raw(proto: number, on: (src: Ipv4, dst: Ipv4, payload: Uint8Array) => void): { close(): void };
  /** Sends a whole IPv4 packet (header and checksum done) as the appliance, routed. */
  sendIpv4(packet: Uint8Array, len: number): boolean;
  nextIpId(): number;
  /** Tunnel interfaces: added (returns its index), changed, removed. */
  addTunnel(name: string, endpoint: TunnelEndpoint, opts: { address: Prefix | null; mtu: number }): number;
  updateTunnel(name: string, change: { address: Prefix | null; mtu: number }): void;
  removeTunnel(name: string): void;
  /** Re-injects a decrypted packet as received on interface `ifIdx`. */
  inject(ifIdx: number, buf: Uint8Array, off: number, len: number): void;
}

/** Opens a sealed pre-shared secret (null: it cannot be, `why` says why). */
export type SecretOpener = (sealed: string) => { ok: true; secret: Uint8Array } | { ok: false; reason: string };

export class EspCounters {
  /** ESP packets for an SPI we have no CHILD SA for. */
  unknownSpi = 0;
  /** Too short to hold an SPI, or UDP datagrams that are neither IKE, keepalive nor ESP. */
  malformed = 0;
  /** Decrypted, but not an IPv4 packet (next header, version, lengths). */
  badInner = 0;
  /** Decrypted packets outside the CHILD SA's traffic selectors. */
  selectorMismatch = 0;
  /** Decrypt failures (by the SAs: replay, ICV, padding...), all SAs together. */
  decryptFailures = 0;
  /** ESP from an address other than the SA's peer. */
  wrongPeer = 0;
  natKeepalives = 0;
  /** Outer packets that were routed into a VTI again (the peer reachable only through its own tunnel). */
  looped = 0;
  /** Keepalives we sent from behind a NAT (RFC 3948 §2.3, every 20 s). */
  natKeepalivesSent = 0;
  sent = 0;
  received = 0;
}

/** The underlay MTU an outer packet may use before it is fragmented. */
const UNDERLAY_MTU = 1500;
const IN_OFF = 64;
const NAT_KEEPALIVE_MS = 20_000;
const KEEPALIVE = Uint8Array.of(0xff);

export class IpsecService {
  readonly daemon: IkeDaemon;
  readonly esp = new EspCounters();
  readonly vtis = new Map<string, Vti>();
  mssClamp = 0;
  private cfg: IpsecConfig | null = null;
  private ports: { p500: UdpPort | null; p4500: UdpPort | null; raw: { close(): void } | null } = { p500: null, p4500: null, raw: null };
  private keepalive: Timer | null = null;
  private sending = false;
  private readonly out = new Uint8Array(65536 + 128);
  private readonly frag = new Uint8Array(UNDERLAY_MTU + 64);
  private readonly inBuf = new Uint8Array(65536 + 128);
  private readonly encaps = new WeakMap<ChildSa, EspEncap>();
  /** Peer address -> its VTI. */
  private readonly vtiOfPeer = new Map<number, Vti>();
  /** Why a peer's secret could not be opened (reported once per change). */
  private readonly secretProblems = new Map<number, string>();

  constructor(private readonly net: IpsecPlatform, private readonly log: (sev: IkeSeverity, text: string) => void,
    private readonly openSecret: SecretOpener, opts: IkeDaemonOptions = {}) {
    const self = this;
    this.daemon = new IkeDaemon({
      sendIke(local, remote, lport, rport, data) {
        const port = lport === NATT_PORT ? self.ports.p4500 : self.ports.p500;
        if (port === null) return false;
        if (lport !== NATT_PORT) return port.send(local, remote, rport, data);
        const b = new Uint8Array(data.length + 4);
        b.set(data, 4);
        return port.send(local, remote, rport, b);
      },
      sourceFor: (remote) => net.sourceFor(remote),
    }, net.clock, log, opts);
  }

  /** Follows a committed configuration. */
  configure(cfg: RunningConfig): void {
    const x = cfg.ipsec;
    if (this.cfg === x) return;
    this.cfg = x;
    this.mssClamp = x.mssClamp ?? 0;
    this.configureVtis(x);
    const peers = this.peerSettings(x);
    const active = peers.length !== 0;
    if (active) this.open();
    this.daemon.setPeers(peers);
    this.vtiOfPeer.clear();
    for (const p of x.peers) {
      const b = p.vti?.bind;
      const v = b ? this.vtis.get(b) : undefined;
      if (v && peers.some((s) => s.remote === p.addr)) {
        v.peer = p.addr;
        this.vtiOfPeer.set(p.addr >>> 0, v);
      }
    }
    for (const v of this.vtis.values()) if (![...this.vtiOfPeer.values()].includes(v)) v.peer = null;
    if (!active) this.closePorts();
  }

  private configureVtis(x: IpsecConfig): void {
    for (const [name] of [...this.vtis]) {
      if (!x.vtis.some((v) => v.name === name)) {
        this.net.removeTunnel(name);
        this.vtis.delete(name);
      }
    }
    for (const c of x.vtis) {
      const opts = { address: c.address, mtu: c.mtu ?? VTI_DEFAULT_MTU };
      let v = this.vtis.get(c.name);
      if (v === undefined) {
        v = new Vti(c.name, this);
        v.ifIdx = this.net.addTunnel(c.name, v, opts);
        this.vtis.set(c.name, v);
      } else {
        this.net.updateTunnel(c.name, opts);
      }
    }
  }

  /** The peers the daemon serves: those bound to a VTI, with everything they need. */
  private peerSettings(x: IpsecConfig): PeerSettings[] {
    const out: PeerSettings[] = [];
    for (const p of x.peers) {
      if (p.vti === null || p.vti.bind === null || !x.vtis.some((v) => v.name === p.vti!.bind)) continue;
      const ike = x.ikeGroups.find((g) => g.name === p.ikeGroup);
      const esp = x.espGroups.find((g) => g.name === p.vti!.espGroup);
      if (!ike || !esp) continue;
      const ikeSuites: IkeSuite[] = [];
      for (const q of ike.proposals) {
        const encr = q.encryption ? encrByName(q.encryption) : undefined;
        const hash = q.hash ?? 'sha256';
        const integ = encr?.aead ? null : integByName(hash) ?? null;
        const prf = prfByName(hash);
        const dh = dhByGroup(q.dhGroup ?? 2);
        if (encr && prf && dh && (encr.aead || integ)) ikeSuites.push({ encr, integ, prf, dh });
      }
      const pfsGroup = esp.pfs === 'disable' ? null : esp.pfs === 'enable' ? (ikeSuites[0]?.dh ?? null) : dhByGroup(Number(esp.pfs.slice(8))) ?? null;
      const espSuites: EspSuite[] = [];
      for (const q of esp.proposals) {
        const encr = q.encryption ? encrByName(q.encryption) : undefined;
        const integ = encr?.aead ? null : integByName(q.hash ?? '') ?? null;
        if (encr && (encr.aead || integ)) espSuites.push({ encr, integ, dh: pfsGroup });
      }
      if (ikeSuites.length === 0 || espSuites.length === 0) continue;
      let secret: Uint8Array | null = null;
      const prior = this.secretProblems.get(p.addr >>> 0);
      if (p.secret === null) {
        if (prior !== 'none') this.log('err', `${connectionName(p.addr)}: no pre-shared-secret configured: the peer cannot authenticate`);
        this.secretProblems.set(p.addr >>> 0, 'none');
      } else {
        const o = this.openSecret(p.secret);
        if (o.ok) {
          secret = o.secret;
          this.secretProblems.delete(p.addr >>> 0);
        } else {
          if (prior !== o.reason) this.log('err', `${connectionName(p.addr)}: the pre-shared secret cannot be read: ${o.reason}`);
          this.secretProblems.set(p.addr >>> 0, o.reason);
        }
      }
      out.push({
        name: connectionName(p.addr), remote: p.addr, local: p.localAddress, secret, ikeSuites, espSuites,
        ikeLifetimeS: ike.lifetime, childLifetimeS: esp.lifetime, initiate: p.connectionType === 'initiate',
        dpd: ike.dpd ? { intervalS: ike.dpd.interval, timeoutS: ike.dpd.timeout, action: ike.dpd.action } : null,
        forceEncap: p.forceEncapsulation, localTs: [ANY_TS], remoteTs: [ANY_TS],
      });
    }
    return out;
  }

  private open(): void {
    if (this.ports.p500 === null) {
      this.ports.p500 = this.net.udp(IKE_PORT, (src, dst, sport, payload) => this.daemon.receive(dst, src, IKE_PORT, sport, payload));
      if (this.ports.p500 === null) this.log('err', 'UDP port 500 is taken: IKE cannot listen');
    }
    if (this.ports.p4500 === null) {
      this.ports.p4500 = this.net.udp(NATT_PORT, (src, dst, sport, payload) => this.natt(src, dst, sport, payload));
      if (this.ports.p4500 === null) this.log('err', 'UDP port 4500 is taken: IKE and ESP in UDP cannot listen');
    }
    if (this.ports.raw === null) this.ports.raw = this.net.raw(IPPROTO_ESP, (src, _dst, payload) => this.espIn(src, payload, 0));
    this.keepalive ??= this.net.clock.setInterval(() => this.sendKeepalives(), NAT_KEEPALIVE_MS);
  }

  /** From behind a real NAT (not a forced encapsulation), a 0xff byte keeps the NAT's mapping. */
  private sendKeepalives(): void {
    for (const sa of this.daemon.list()) {
      if (!sa.established || !sa.natLocal || sa.peer.forceEncap || sa.lport !== NATT_PORT || this.ports.p4500 === null) continue;
      this.ports.p4500.send(sa.local, sa.remote, sa.rport, KEEPALIVE);
      this.esp.natKeepalivesSent++;
    }
  }

  private closePorts(): void {
    this.keepalive?.cancel();
    this.keepalive = null;
    this.ports.p500?.close();
    this.ports.p4500?.close();
    this.ports.raw?.close();
    this.ports = { p500: null, p4500: null, raw: null };
  }

  close(): void {
    this.daemon.close();
    this.closePorts();
    for (const name of this.vtis.keys()) this.net.removeTunnel(name);
    this.vtis.clear();
  }

  /** UDP 4500: a non-ESP marker (IKE), a NAT keepalive, or ESP (RFC 3948 §2.2). */
  private natt(src: Ipv4, dst: Ipv4, sport: number, payload: Uint8Array): void {
    if (payload.length === 1 && payload[0] === 0xff) {
      this.esp.natKeepalives++;
      return;
    }
    if (payload.length < ESP_HEADER_LEN) {
      if (payload.length >= 4 && readU32(payload, 0) === 0) this.daemon.receive(dst, src, NATT_PORT, sport, payload.subarray(4));
      else this.esp.malformed++;
      return;
    }
    if (readU32(payload, 0) === 0) {
      this.daemon.receive(dst, src, NATT_PORT, sport, payload.subarray(4));
      return;
    }
    this.espIn(src, payload, sport);
  }

  // ================================================================================= ESP in

  private espIn(src: Ipv4, payload: Uint8Array, sport: number): void {
    const e = this.esp;
    e.received++;
    if (payload.length < ESP_HEADER_LEN) {
      e.malformed++;
      return;
    }
    const spi = readU32(payload, 0);
    const child = this.daemon.childBySpi(spi);
    if (child === undefined || child.state === 'DELETED') {
      e.unknownSpi++;
      return;
    }
    if (child.ike.remote !== src >>> 0) {
      e.wrongPeer++;
      return;
    }
    const now = this.net.clock.now();
    const n = child.inbound.decrypt(payload, 0, payload.length, this.inBuf, IN_OFF, now);
    if (n < 0) {
      e.decryptFailures++;
      const v = this.vtiOfPeer.get(child.ike.remote);
      if (v) v.counters.rxErrors++;
      return;
    }
    this.daemon.heard(child);
    if (sport !== 0 && child.ike.lport === NATT_PORT) child.ike.rport = sport;
    const b = this.inBuf;
    const vti = this.vtiOfPeer.get(child.ike.remote);
    if (child.inbound.nextHeader !== NEXT_HEADER_IPV4 || n < 20 || (b[IN_OFF]! >>> 4) !== 4 || ((b[IN_OFF + 2]! << 8) | b[IN_OFF + 3]!) > n) {
      // Next header 59 is a dummy packet (TFC): dropped quietly.
      if (child.inbound.nextHeader !== 59) {
        e.badInner++;
        if (vti) vti.counters.rxErrors++;
      }
      return;
    }
    const len = (b[IN_OFF + 2]! << 8) | b[IN_OFF + 3]!;
    if (!covers(child.remoteTs, readU32(b, IN_OFF + 12)) || !covers(child.localTs, readU32(b, IN_OFF + 16))) {
      e.selectorMismatch++;
      if (vti) vti.counters.rxDropped++;
      return;
    }
    if (!vti) {
      e.badInner++;
      return;
    }
    vti.deliver(b, IN_OFF, len);
  }

  // ================================================================================= ESP out (VtiHost)

  outbound(peer: Ipv4): ChildSa | null {
    return this.daemon.outbound(peer);
  }

  acquire(peer: Ipv4): void {
    this.daemon.acquire(peer);
  }

  inject(ifIdx: number, buf: Uint8Array, off: number, len: number): void {
    this.net.inject(ifIdx, buf, off, len);
  }

  sendEsp(child: ChildSa, buf: Uint8Array, off: number, len: number): boolean {
    // An outer packet routed into a VTI again (the peer's address learned through the tunnel)
    // would recurse: it is dropped and counted instead.
    if (this.sending) {
      this.esp.looped++;
      return false;
    }
    this.sending = true;
    try {
      return this.encryptAndSend(child, buf, off, len);
    } finally {
      this.sending = false;
    }
  }

  private encryptAndSend(child: ChildSa, buf: Uint8Array, off: number, len: number): boolean {
    const sa = child.ike;
    let step = this.encaps.get(child);
    if (step === undefined) {
      step = new EspEncap(child.outbound);
      this.encaps.set(child, step);
    }
    step.natT = sa.encap ? { sport: NATT_PORT, dport: sa.rport === IKE_PORT ? NATT_PORT : sa.rport } : null;
    const n = step.wrap(this.out, 0, buf, off, len, sa.local, sa.remote, false, this.net.nextIpId());
    if (n < 0) return false;
    child.outbound.used(this.net.clock.now());
    this.esp.sent++;
    if (n <= UNDERLAY_MTU) return this.net.sendIpv4(this.out, n);
    return fragmentOuter(this.out, n, UNDERLAY_MTU, this.frag, (b, m) => this.net.sendIpv4(b, m));
  }

  vtiFor(peer: Ipv4): Vti | undefined {
    return this.vtiOfPeer.get(peer >>> 0);
  }

  peerOfVti(name: string): Ipv4 | null {
    return this.vtis.get(name)?.peer ?? null;
  }
}
