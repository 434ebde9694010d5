// The port stage: the 16 switch ports, their backends and capture taps, rx/tx accounting,
// and L2 output (the Ethernet header and 802.1Q tag each egress port needs).

import { isMulticastMac, MAX_PORTS } from '../net/addr.js';
import { ETH_HEADER_LEN, VLAN_TAG_LEN, writeEthernet } from '../packet/ethernet.js';
import type { CaptureTap, PortBackend } from '../ports/backend.js';
import { L2_PORTS, type EngineContext } from './context.js';
import { EngineDrop } from './stats.js';

export class Ports {
  readonly backends: (PortBackend | null)[] = new Array(MAX_PORTS + 1).fill(null);
  readonly taps: (CaptureTap | null)[] = new Array(MAX_PORTS + 1).fill(null);

  constructor(private readonly dp: EngineContext) {}

  private tsUs(): number {
    return Math.floor(this.dp.clock.wallNow() * 1000);
  }

  /** Counts a received frame and shows it to the port's tap. */
  rx(port: number, frame: Uint8Array, len: number): void {
    const st = this.dp.stats, ps = st.ports[port]!;
    st.rxPackets++;
    st.rxBytes += len;
    ps.rxPackets++;
    ps.rxBytes += len;
    const tap = this.taps[port];
    if (tap !== null) tap(port, 'in', frame, len, this.tsUs());
  }

  /** Sends frame buf[0, len) out of `port`. */
  tx(port: number, buf: Uint8Array, len: number): void {
    const be = this.backends[port];
    const st = this.dp.stats, ps = st.ports[port]!;
    if (be === null) {
      st.drops[EngineDrop.PORT_DOWN]!++;
      ps.drops[EngineDrop.PORT_DOWN]!++;
      return;
    }
    st.txPackets++;
    st.txBytes += len;
    ps.txPackets++;
    ps.txBytes += len;
    const tap = this.taps[port];
    if (tap !== null) tap(port, 'out', buf, len, this.tsUs());
    be.transmit(buf, len);
  }

  /**
   * Writes the Ethernet header for `port` (tagged if the port is a tagged member of `vid`) in
   * front of the payload buf[off, off+len), moving the payload so the frame starts at 0, and
   * sends it. Returns where the payload now is.
   */
  txL2(port: number, buf: Uint8Array, off: number, len: number, vid: number, dstMac: number, etherType: number): number {
    return this.txFramed(port, buf, off, len, dstMac, etherType, this.dp.vlans.isTagged(vid, port) ? vid : -1);
  }

  /**
   * The one place the engine writes link headers: an Ethernet header (802.1Q-tagged with `tag`
   * when tag >= 0) in front of the payload buf[off, off+len), the payload moved so the frame
   * starts at 0 unless it already sits right after the header (the fast path puts it there),
   * and the frame sent out of `port`. Returns where the payload now is.
   */
  txFramed(port: number, buf: Uint8Array, off: number, len: number, dstMac: number, etherType: number, tag: number): number {
    const hdr = tag >= 0 ? ETH_HEADER_LEN + VLAN_TAG_LEN : ETH_HEADER_LEN;
    if (off !== hdr) {
      buf.copyWithin(hdr, off, off + len);
      off = hdr;
    }
    writeEthernet(buf, 0, dstMac, this.dp.baseMac, etherType, tag);
    this.tx(port, buf, hdr + len);
    return off;
  }

  /** L2 output of the appliance in VLAN `vid`: to the port behind `dstMac`, or flooded to the VLAN's ports. */
  emit(buf: Uint8Array, off: number, len: number, vid: number, dstMac: number, etherType: number): void {
    const dp = this.dp;
    const p = isMulticastMac(dstMac) ? 0 : dp.macs.lookup(vid, dstMac);
    if (p !== 0 && dp.vlans.isMember(vid, p)) {
      this.txL2(p, buf, off, len, vid, dstMac, etherType);
      return;
    }
    const mask = dp.vlans.members(vid);
    let n = 0;
    for (let q = 1; q <= L2_PORTS; q++) {
      if (((mask >>> q) & 1) === 0 || this.backends[q] === null) continue;
      off = this.txL2(q, buf, off, len, vid, dstMac, etherType);
      n++;
    }
    if (n !== 0) dp.stats.flooded++;
  }
}
