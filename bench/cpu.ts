// CPU-time measurement shared by the benches: the machine is shared, so wall time would count
// other processes' work.

/** CPU time (user + system, ms) of running fn. */
export function cpuMs(fn: () => void): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

/**
 * ns per call of two loops of `n` calls each (`a` and `b`, alternating), the best of `passes`
 * passes after one warm-up pass.
 */
export function bestNsPair(n: number, passes: number, a: () => void, b: () => void): [number, number] {
  let best = [Infinity, Infinity];
  for (let p = 0; p <= passes; p++) {
    const x = cpuMs(() => { for (let i = 0; i < n; i++) a(); });
    const y = cpuMs(() => { for (let i = 0; i < n; i++) b(); });
    if (p > 0) best = [Math.min(best[0]!, x), Math.min(best[1]!, y)];
  }
  return [Math.round((best[0]! * 1e6) / n), Math.round((best[1]! * 1e6) / n)];
}
