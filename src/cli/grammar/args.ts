// Typed access to what a parse bound.

import type { Ipv4, Prefix } from '../../net/addr.js';
import type { ArgValue } from './types.js';

export class Args {
  constructor(
    private readonly binds: ReadonlyMap<string, ArgValue>,
    private readonly words: readonly string[],
  ) {}

  /** A keyword appeared on the line. */
  has(word: string): boolean {
    return this.words.includes(word);
  }
  isSet(name: string): boolean {
    return this.binds.has(name);
  }
  str(name: string): string {
    return this.need(name) as string;
  }
  optStr(name: string): string | null {
    return (this.binds.get(name) as string | undefined) ?? null;
  }
  num(name: string): number {
    return this.need(name) as number;
  }
  optNum(name: string): number | null {
    return (this.binds.get(name) as number | undefined) ?? null;
  }
  ip(name: string): Ipv4 {
    return this.need(name) as Ipv4;
  }
  optIp(name: string): Ipv4 | null {
    return (this.binds.get(name) as Ipv4 | undefined) ?? null;
  }
  prefix(name: string): Prefix {
    return this.need(name) as Prefix;
  }
  optPrefix(name: string): Prefix | null {
    return (this.binds.get(name) as Prefix | undefined) ?? null;
  }
  list(name: string): number[] {
    return this.need(name) as number[];
  }
  range(name: string): { from: number; to: number } {
    return this.need(name) as { from: number; to: number };
  }
  private need(name: string): ArgValue {
    const v = this.binds.get(name);
    if (v === undefined) throw new Error(`command definition bug: no argument "${name}"`);
    return v;
  }
}
