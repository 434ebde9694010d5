// Ethernet II with at most one 802.1Q tag.

import { readMac, writeMac } from '../net/addr.js';
import { copyBytes, readU16, writeU16 } from './bytes.js';
import { DropReason, type PacketMeta } from './meta.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100;
export const ETH_HEADER_LEN = 14;
export const VLAN_TAG_LEN = 4;
/** Offset of the TPID of an 802.1Q tag (right after the two MACs). */
export const VLAN_TAG_OFF = 12;

/** Fills dstMac, srcMac, vlanId, vlanPcp, etherType, l2Len, l3Off. `len` must be <= buf.length. */
export function parseEthernet(buf: Uint8Array, len: number, m: PacketMeta): number {
  if (len < ETH_HEADER_LEN) return DropReason.TRUNCATED_ETH;
  m.dstMac = readMac(buf, 0);
  m.srcMac = readMac(buf, 6);
  let type = readU16(buf, 12);
  let l2 = ETH_HEADER_LEN;
  if (type === ETHERTYPE_VLAN) {
    if (len < ETH_HEADER_LEN + VLAN_TAG_LEN) return DropReason.TRUNCATED_VLAN;
    const tci = readU16(buf, 14);
    m.vlanId = tci & 0x0fff;
    m.vlanPcp = tci >>> 13;
    type = readU16(buf, 16);
    l2 += VLAN_TAG_LEN;
  }
  m.etherType = type;
  m.l2Len = l2;
  m.l3Off = l2;
  return DropReason.OK;
}

/**
 * Writes an Ethernet header at `off`, with an 802.1Q tag when vlanId >= 0. Returns the bytes
 * written (14 or 18).
 */
export function writeEthernet(
  buf: Uint8Array, off: number, dstMac: number, srcMac: number, etherType: number, vlanId = -1, pcp = 0,
): number {
  writeMac(buf, off, dstMac);
  writeMac(buf, off + 6, srcMac);
  if (vlanId >= 0) {
    writeU16(buf, off + 12, ETHERTYPE_VLAN);
    writeU16(buf, off + 14, ((pcp & 7) << 13) | (vlanId & 0x0fff));
    writeU16(buf, off + 16, etherType);
    return ETH_HEADER_LEN + VLAN_TAG_LEN;
  }
  writeU16(buf, off + 12, etherType);
  return ETH_HEADER_LEN;
}

/**
 * Removes the 802.1Q tag of the tagged frame starting at `off` by moving the two MACs 4 bytes
 * up. Returns the new start of the frame (off + 4); its length is 4 less.
 */
export function popVlanTag(buf: Uint8Array, off: number): number {
  buf.copyWithin(off + VLAN_TAG_LEN, off, off + 12);
  return off + VLAN_TAG_LEN;
}

/**
 * Tags the untagged frame starting at `off`, which needs 4 bytes of headroom before it: moves
 * the MACs 4 bytes down and inserts the tag. Returns the new start (off - 4).
 */
export function pushVlanTag(buf: Uint8Array, off: number, vlanId: number, pcp = 0): number {
  const start = off - VLAN_TAG_LEN;
  copyBytes(buf, start, buf, off, 12);
  writeU16(buf, start + 12, ETHERTYPE_VLAN);
  writeU16(buf, start + 14, ((pcp & 7) << 13) | (vlanId & 0x0fff));
  return start;
}

/** Rewrites the VLAN id/PCP of a tagged frame in place. */
export function setVlanTag(buf: Uint8Array, off: number, vlanId: number, pcp = 0): void {
  writeU16(buf, off + 14, ((pcp & 7) << 13) | (vlanId & 0x0fff));
}
