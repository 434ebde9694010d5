// Prefix lists as route filters: rules in sequence order, the first that matches decides;
// no match (or an empty list) denies, as in IOS and FRR.

import { ruleMatches, type PrefixListConfig } from '../config/bgp.js';

export function prefixListPermits(list: PrefixListConfig, addr: number, len: number): boolean {
  for (const r of list.rules) if (ruleMatches(r, addr, len)) return r.action === 'permit';
  return false;
}

/** A filter by name over the configured lists (no name: everything passes). */
export type PrefixFilter = (addr: number, len: number) => boolean;

export function prefixFilter(lists: readonly PrefixListConfig[], name: string | null): PrefixFilter {
  if (name === null) return () => true;
  const list = lists.find((l) => l.name === name);
  if (list === undefined) return () => false;
  return (addr, len) => prefixListPermits(list, addr, len);
}
