// An IPv4 prefix as one number (exact in a double): the key of every per-prefix table of the
// speaker, so that a full table needs no boxed prefix objects.

import { formatPrefix, maskOf, type Ipv4, type Prefix } from '../net/addr.js';

export type PrefixKey = number;

export function prefixKey(addr: number, len: number): PrefixKey {
  return ((addr & maskOf(len)) >>> 0) * 64 + len;
}

export function keyOf(p: Prefix): PrefixKey {
  return prefixKey(p.addr, p.len);
}

export function keyLen(k: PrefixKey): number {
  return k % 64;
}

export function keyAddr(k: PrefixKey): number {
  return (k - (k % 64)) / 64;
}

export function keyPrefix(k: PrefixKey): Prefix {
  return { addr: keyAddr(k) as Ipv4, len: keyLen(k) };
}

export function formatKey(k: PrefixKey): string {
  return formatPrefix(keyPrefix(k));
}
