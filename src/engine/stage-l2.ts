// The L2 stage: VLAN classification (802.1Q), MAC learning, and the forwarding decision:
// frames for the appliance's MAC (and broadcast ARP/IPv4) go up to L3, others are bridged
// within their VLAN (known unicast to its port, unknown/broadcast/multicast flooded), with
// the tag added or removed per egress port.

import { BROADCAST_MAC, isMulticastMac } from '../net/addr.js';
import { copyBytes } from '../packet/bytes.js';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, VLAN_TAG_LEN } from '../packet/ethernet.js';
import { DropReason, type PacketMeta } from '../packet/meta.js';
import { L2_PORTS, type EngineContext } from './context.js';
import { EngineDrop } from './stats.js';

export class L2Stage {
  constructor(private readonly dp: EngineContext) {}

  /** A decoded frame (`r`: the decoder's verdict; L2 errors have been dropped already). */
  input(port: number, frame: Uint8Array, m: PacketMeta, r: number): void {
    const dp = this.dp;
    // ---- VLAN ----
    let vid: number;
    if (m.vlanId > 0) {
      vid = m.vlanId;
      if (!dp.vlans.isTagged(vid, port)) {
        dp.drop(EngineDrop.VLAN_NOT_MEMBER);
        return;
      }
    } else {
      vid = dp.vlans.pvid[port]!; // untagged or priority-tagged: the port's native VLAN
      if (vid === 0) {
        dp.drop(EngineDrop.VLAN_NOT_MEMBER);
        return;
      }
    }

    // ---- learning ----
    const src = m.srcMac;
    if (src === dp.baseMac) {
      dp.drop(EngineDrop.OWN_SOURCE_MAC);
      return;
    }
    const now = dp.clock.now();
    if (!isMulticastMac(src)) {
      dp.macs.learn(vid, src, port, now);
      if (!dp.timerArmed) dp.arm();
    }

    // ---- forwarding decision ----
    const dst = m.dstMac;
    const inTagged = m.vlanId >= 0;
    if (dst === dp.baseMac) {
      dp.l3.input(port, vid, frame, m, r, false, now);
      return;
    }
    if (dst === BROADCAST_MAC) {
      this.flood(port, vid, frame, m.len, inTagged);
      if (m.etherType === ETHERTYPE_ARP || m.etherType === ETHERTYPE_IPV4) dp.l3.input(port, vid, frame, m, r, true, now);
      return;
    }
    if (isMulticastMac(dst)) {
      this.flood(port, vid, frame, m.len, inTagged);
      if (dp.groups.size !== 0 && m.etherType === ETHERTYPE_IPV4 && dp.groups.has(m.ipDst >>> 0)) dp.l3.input(port, vid, frame, m, r, true, now);
      return;
    }
    if (dp.slb.anyPromisc && r === DropReason.OK && m.etherType === ETHERTYPE_IPV4 && dp.slb.isPromiscPort(port) &&
      dp.slb.vipIndex(m.ipDst) >= 0) {
      // A promiscuous port boundary: traffic to a VIP is taken even when not addressed to the appliance's MAC.
      dp.l3.input(port, vid, frame, m, r, false, now);
      return;
    }
    const out = dp.macs.lookup(vid, dst);
    if (out === port) {
      dp.drop(EngineDrop.L2_SAME_PORT);
      return;
    }
    if (out !== 0 && dp.vlans.isMember(vid, out)) {
      this.bridgeTo(out, vid, frame, m.len, inTagged);
      dp.stats.bridged++;
      return;
    }
    this.flood(port, vid, frame, m.len, inTagged);
  }

  /** Sends the received frame out of `egress` with the tagging that port needs in VLAN `vid`. */
  bridgeTo(egress: number, vid: number, frame: Uint8Array, len: number, inTagged: boolean): void {
    const dp = this.dp;
    const outTagged = dp.vlans.isTagged(vid, egress);
    if (!inTagged && !outTagged) {
      dp.ports.tx(egress, frame, len);
      return;
    }
    const b = dp.l2out;
    if (inTagged && outTagged) {
      if ((((frame[14]! & 0x0f) << 8) | frame[15]!) === vid) {
        dp.ports.tx(egress, frame, len);
        return;
      }
      // priority-tagged (VLAN 0) in: the tag gets the VLAN id
      copyBytes(b, 0, frame, 0, len);
      b[14] = (frame[14]! & 0xf0) | ((vid >>> 8) & 0x0f);
      b[15] = vid & 0xff;
      dp.ports.tx(egress, b, len);
      return;
    }
    if (inTagged) {
      // pop: the MACs, then everything after the tag
      copyBytes(b, 0, frame, 0, 12);
      copyBytes(b, 12, frame, 16, len - 16);
      dp.ports.tx(egress, b, len - VLAN_TAG_LEN);
      return;
    }
    // push
    copyBytes(b, 0, frame, 0, 12);
    b[12] = 0x81;
    b[13] = 0x00;
    b[14] = (vid >>> 8) & 0x0f;
    b[15] = vid & 0xff;
    copyBytes(b, 16, frame, 12, len - 12);
    dp.ports.tx(egress, b, len + VLAN_TAG_LEN);
  }

  /** Floods the received frame to the VLAN's other ports that have a backend. */
  flood(inPort: number, vid: number, frame: Uint8Array, len: number, inTagged: boolean): void {
    const dp = this.dp;
    const mask = dp.vlans.members(vid);
    let n = 0;
    for (let p = 1; p <= L2_PORTS; p++) {
      if (p === inPort || ((mask >>> p) & 1) === 0 || dp.ports.backends[p] === null) continue;
      this.bridgeTo(p, vid, frame, len, inTagged);
      n++;
    }
    if (n !== 0) dp.stats.flooded++;
  }
}
