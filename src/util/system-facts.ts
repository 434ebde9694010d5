// Facts about the machine the appliance runs on, for `show system`.

import { statfsSync } from 'node:fs';
import { totalmem } from 'node:os';

export interface SystemFacts {
  readonly memoryMb: number;
  readonly storage: string;
  readonly logStorage: string;
}

export function systemFacts(): SystemFacts {
  const memoryMb = Math.round(totalmem() / (1024 * 1024));
  try {
    const s = statfsSync('/');
    const total = s.blocks * s.bsize;
    const used = (s.blocks - s.bfree) * s.bsize;
    const gb = (n: number) => `${(n / 1e9).toFixed(1)}GB`;
    const pct = total ? Math.round((used / total) * 100) : 0;
    return { memoryMb, storage: gb(total), logStorage: `${gb(s.bavail * s.bsize)} (used: ${(used / 1e9).toFixed(1)}G (${pct}%))` };
  } catch {
    return { memoryMb, storage: 'unknown', logStorage: 'unknown' };
  }
}
