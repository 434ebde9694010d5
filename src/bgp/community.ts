// RFC 1997 communities: 32-bit values written AS:VALUE, and the well-known ones by name.

import { COMMUNITY_NO_ADVERTISE, COMMUNITY_NO_EXPORT, COMMUNITY_NO_EXPORT_SUBCONFED } from './wire/constants.js';

const NAMES: ReadonlyMap<number, string> = new Map([
  [COMMUNITY_NO_EXPORT, 'no-export'],
  [COMMUNITY_NO_ADVERTISE, 'no-advertise'],
  [COMMUNITY_NO_EXPORT_SUBCONFED, 'local-AS'],
]);

export function formatCommunity(c: number): string {
  return NAMES.get(c >>> 0) ?? `${c >>> 16}:${c & 0xffff}`;
}

export function formatCommunities(list: readonly number[]): string {
  return list.map(formatCommunity).join(' ');
}

/** `65000:100`, `no-export`, `no-advertise`, `local-AS`; null when it is none of them. */
export function parseCommunity(text: string): number | null {
  for (const [v, n] of NAMES) if (n.toLowerCase() === text.toLowerCase()) return v;
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(text);
  if (!m) return null;
  const hi = Number(m[1]), lo = Number(m[2]);
  if (hi > 0xffff || lo > 0xffff) return null;
  return ((hi << 16) | lo) >>> 0;
}

/** Whether a route with these communities may be sent to a peer (`external`: an eBGP peer). */
export function communitiesAllow(list: readonly number[] | null, external: boolean): boolean {
  if (list === null) return true;
  for (const c of list) {
    if (c === COMMUNITY_NO_ADVERTISE) return false;
    if (external && (c === COMMUNITY_NO_EXPORT || c === COMMUNITY_NO_EXPORT_SUBCONFED)) return false;
  }
  return true;
}
