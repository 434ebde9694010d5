// The reference the fast path is measured against: the minimum an IP-in-IP load balancer must
// do per packet, written as tightly as JavaScript allows — parse Ethernet/IPv4/TCP, find the
// 5-tuple in an open-addressing table of typed arrays (a SYN of an unknown tuple adds it),
// count the packet, copy the packet behind a new Ethernet header and outer IPv4 header with
// its checksum, hand the frame to the sink. No allocation, no validation beyond what parsing
// needs, no timeouts, no configuration: what the engine does on top of this is its overhead.

export interface FrameSink {
  transmit(frame: Uint8Array, len: number): void;
}

function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Words per table slot: source ip, destination ip, ports (sport << 16 | dport), real ip (0: free), packets. */
const STRIDE = 8;

export class TightLoop {
  private readonly mask: number;
  private readonly wrap: number;
  /** The flow table: one 32-byte slot per flow, so a probe touches one cache line. */
  private readonly tab: Int32Array;
  private readonly out = new Uint8Array(2048);
  flows = 0;

  /** `slots`: a power of two, larger than the flows it will hold (kept under half full). */
  constructor(slots: number, private readonly srcIp: number, private readonly ripOfNew: number,
    private readonly dstMac: number, private readonly srcMac: number, private readonly sink: FrameSink) {
    this.mask = slots - 1;
    this.wrap = slots * STRIDE - 1;
    this.tab = new Int32Array(slots * STRIDE).fill(0); // touched now, as the engine's tables are
  }

  receive(f: Uint8Array, len: number): void {
    if (len < 54 || f[12] !== 0x08 || f[13] !== 0x00) return;
    const vihl = f[14]!;
    const ihl = (vihl & 0x0f) << 2;
    if ((vihl >>> 4) !== 4 || ihl < 20 || f[23] !== 6 || ((f[20]! & 0x3f) | f[21]!) !== 0) return;
    const ipLen = (f[16]! << 8) | f[17]!;
    const l4 = 14 + ihl;
    if (ipLen < ihl + 20 || 14 + ipLen > len) return;
    const src = (f[26]! << 24) | (f[27]! << 16) | (f[28]! << 8) | f[29]!;
    const dst = (f[30]! << 24) | (f[31]! << 16) | (f[32]! << 8) | f[33]!;
    const ports = (f[l4]! << 24) | (f[l4 + 1]! << 16) | (f[l4 + 2]! << 8) | f[l4 + 3]!;
    const tab = this.tab, mask = this.mask;
    let b = (mix(src ^ mix(dst ^ mix(ports ^ 6))) & mask) * STRIDE;
    while (tab[b + 3] !== 0 && (tab[b] !== src || tab[b + 1] !== dst || tab[b + 2] !== ports)) b = (b + STRIDE) & this.wrap;
    if (tab[b + 3] === 0) {
      if ((f[l4 + 13]! & 0x16) !== 0x02) return; // only a SYN opens a flow
      tab[b] = src;
      tab[b + 1] = dst;
      tab[b + 2] = ports;
      tab[b + 3] = this.ripOfNew;
      this.flows++;
    }
    tab[b + 4]!++;
    const out = this.out, rip = tab[b + 3]!, s = this.srcIp, dm = this.dstMac, sm = this.srcMac;
    for (let k = 0; k < ipLen; k++) out[34 + k] = f[14 + k]!;
    out[0] = dm / 0x10000000000; out[1] = dm / 0x100000000; out[2] = dm >>> 24; out[3] = dm >>> 16; out[4] = dm >>> 8; out[5] = dm;
    out[6] = sm / 0x10000000000; out[7] = sm / 0x100000000; out[8] = sm >>> 24; out[9] = sm >>> 16; out[10] = sm >>> 8; out[11] = sm;
    out[12] = 0x08; out[13] = 0x00;
    const total = ipLen + 20;
    out[14] = 0x45; out[15] = f[15]!; out[16] = total >>> 8; out[17] = total;
    out[18] = 0; out[19] = 0; out[20] = f[20]! & 0x40; out[21] = 0; out[22] = 64; out[23] = 4;
    out[24] = 0; out[25] = 0;
    out[26] = s >>> 24; out[27] = s >>> 16; out[28] = s >>> 8; out[29] = s;
    out[30] = rip >>> 24; out[31] = rip >>> 16; out[32] = rip >>> 8; out[33] = rip;
    let sum = 0;
    for (let k = 14; k < 34; k += 2) sum += (out[k]! << 8) | out[k + 1]!;
    sum = (sum & 0xffff) + (sum >>> 16);
    sum = (sum & 0xffff) + (sum >>> 16);
    const c = ~sum & 0xffff;
    out[24] = c >>> 8; out[25] = c;
    this.sink.transmit(out, 34 + ipLen);
  }
}
