// A small seeded PRNG (mulberry32): everything the appliance and the lab pick "at random"
// (source ports, ISNs, identifiers) comes from one of these, so that tests and labs replay.

/** FNV-1a of a string: derives independent streams from one seed. */
export function hashString(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export class Prng {
  private a: number;

  constructor(seed: number) {
    this.a = seed >>> 0;
  }

  /** A stream for `label` that does not depend on how much another stream was used. */
  static derive(seed: number, label: string): Prng {
    return new Prng(hashString(label, (seed >>> 0) ^ 0x9e3779b9));
  }

  /** An unsigned 32-bit integer. */
  u32(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A number in [0, 1). */
  float(): number {
    return this.u32() / 0x100000000;
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }
}
