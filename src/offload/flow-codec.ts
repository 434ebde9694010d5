// The offload program's flow table entries as bytes: struct flow_key and struct flow_val of
// native/pask_offload.bpf.c (little-endian host, addresses and ports in network order as in
// the packet). Pure and allocation-free: the caller owns the buffers.

export const FLOW_KEY_SIZE = 20;
export const FLOW_VAL_SIZE = 56;

/** flow_val.action */
export const FlowAction = {
  DSR: 1,
  IPIP: 2,
  DSCP: 3,
  DNAT: 4,
  SNAT: 5,
} as const;

export interface FlowKey {
  proto: number;
  src: number;
  sport: number;
  dst: number;
  dport: number;
  /** The ingress interface's ifindex. */
  ifindex: number;
}

export interface FlowValue {
  action: number;
  /** ACT_DSCP: the DSCP (0..63). */
  dscp: number;
  /** ACT_DNAT/ACT_SNAT: the new port (0: kept, DNAT only). */
  port: number;
  /** The new destination (DSCP, DNAT), source (SNAT) or outer destination (IPIP). */
  addr: number;
  /** ACT_IPIP: the outer source. */
  outerSrc: number;
  outIfindex: number;
  /** 48-bit numbers (net/addr.ts Mac). */
  dstMac: number;
  srcMac: number;
  /** ACT_IPIP: the egress MTU (a bigger packet once encapsulated goes up to pask). */
  mtu: number;
}

/** What the kernel counted for a flow. */
export interface FlowCounters {
  packets: number;
  bytes: number;
  /** CLOCK_MONOTONIC milliseconds of the last packet (0: none yet). */
  lastMs: number;
}

function be32(b: Uint8Array, off: number, v: number): void {
  b[off] = v >>> 24;
  b[off + 1] = (v >>> 16) & 0xff;
  b[off + 2] = (v >>> 8) & 0xff;
  b[off + 3] = v & 0xff;
}

function be16(b: Uint8Array, off: number, v: number): void {
  b[off] = (v >>> 8) & 0xff;
  b[off + 1] = v & 0xff;
}

function le32(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
  b[off + 2] = (v >>> 16) & 0xff;
  b[off + 3] = v >>> 24;
}

function le16(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
}

function mac(b: Uint8Array, off: number, m: number): void {
  const hi = Math.floor(m / 0x100000000);
  b[off] = (hi >>> 8) & 0xff;
  b[off + 1] = hi & 0xff;
  be32(b, off + 2, m >>> 0);
}

/** A little-endian u64 as a number (exact below 2^53). */
function le64(b: Uint8Array, off: number): number {
  const lo = (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
  const hi = (b[off + 4]! | (b[off + 5]! << 8) | (b[off + 6]! << 16) | (b[off + 7]! << 24)) >>> 0;
  return hi * 0x100000000 + lo;
}

export function encodeFlowKey(out: Uint8Array, k: FlowKey): void {
  out.fill(0, 0, FLOW_KEY_SIZE);
  be32(out, 0, k.src);
  be32(out, 4, k.dst);
  be16(out, 8, k.sport);
  be16(out, 10, k.dport);
  le32(out, 12, k.ifindex);
  out[16] = k.proto & 0xff;
}

/** The value with zero counters. */
export function encodeFlowValue(out: Uint8Array, v: FlowValue): void {
  out.fill(0, 0, FLOW_VAL_SIZE);
  out[0] = v.action;
  out[1] = v.dscp & 0x3f;
  be16(out, 2, v.port);
  be32(out, 4, v.addr);
  be32(out, 8, v.outerSrc);
  le32(out, 12, v.outIfindex);
  mac(out, 16, v.dstMac);
  mac(out, 22, v.srcMac);
  le16(out, 28, v.mtu);
}

export function decodeFlowCounters(val: Uint8Array, into: FlowCounters): FlowCounters {
  into.packets = le64(val, 32);
  into.bytes = le64(val, 40);
  into.lastMs = le64(val, 48) / 1e6;
  return into;
}
