import { Prng } from '../../src/util/prng.js';

/** The project's seeded PRNG with the conveniences generated tests use. */
export function rng(seed: number) {
  const p = new Prng(seed);
  const next = () => p.float();
  const int = (lo: number, hi: number) => p.int(lo, hi);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const chance = (q: number) => next() < q;
  const subset = <T>(xs: readonly T[], q = 0.5): T[] => xs.filter(() => next() < q);
  return { next, int, pick, chance, subset };
}
export type Rng = ReturnType<typeof rng>;
