// OPEN (with RFC 5492 capabilities), NOTIFICATION, KEEPALIVE and ROUTE-REFRESH: encoders that
// build whole messages and total decoders (a bad message gives the NOTIFICATION to send, never
// an exception). UPDATE is in update.ts.

import {
  AFI_IPV4, AS_TRANS, BGP_VERSION, CAP_ENHANCED_ROUTE_REFRESH, CAP_FOUR_OCTET_AS, CAP_GRACEFUL_RESTART, CAP_MULTIPROTOCOL,
  CAP_ROUTE_REFRESH, CAP_ROUTE_REFRESH_OLD, ERR_OPEN, ERR_ROUTE_REFRESH, HEADER_LEN, MARKER_LEN, MSG_KEEPALIVE,
  MSG_NOTIFICATION, MSG_OPEN, MSG_ROUTE_REFRESH, OPEN_BAD_IDENTIFIER, OPEN_UNACCEPTABLE_HOLD_TIME, OPEN_UNSUPPORTED_PARAMETER,
  OPEN_UNSUPPORTED_VERSION, OPT_PARAM_CAPABILITIES, ROUTE_REFRESH_BAD_LENGTH,
} from './constants.js';

/** A NOTIFICATION's content: what to send when a message is bad, or what a peer sent. */
export interface BgpError {
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
}

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: BgpError };

export function bgpError(code: number, subcode: number, data: Uint8Array = new Uint8Array(0)): { ok: false; error: BgpError } {
  return { ok: false, error: { code, subcode, data } };
}

/** An AFI/SAFI pair as one number (afi << 8 | safi). */
export function afiSafi(afi: number, safi: number): number {
  return (afi << 8) | safi;
}

export interface Capabilities {
  /** Multiprotocol AFI/SAFI pairs (afiSafi()). */
  readonly multiprotocol: readonly number[];
  readonly routeRefresh: boolean;
  readonly routeRefreshOld: boolean;
  readonly enhancedRouteRefresh: boolean;
  /** RFC 6793: the sender's 4-octet AS, or null when it did not offer the capability. */
  readonly fourOctetAs: number | null;
  readonly gracefulRestart: boolean;
  /** Capability codes not understood (ignored, RFC 5492 3). */
  readonly unknown: readonly number[];
}

export interface OpenMessage {
  readonly version: number;
  /** The 2-octet My Autonomous System field (AS_TRANS for a 4-octet AS). */
  readonly myAs: number;
  readonly holdTime: number;
  readonly bgpId: number;
  readonly caps: Capabilities;
}

/** The AS the speaker of an OPEN is in: the capability's 4-octet AS, else the 2-octet field. */
export function openAs(o: OpenMessage): number {
  return o.caps.fourOctetAs ?? o.myAs;
}

function header(len: number, type: number): Uint8Array {
  const b = new Uint8Array(len);
  b.fill(0xff, 0, MARKER_LEN);
  b[16] = len >>> 8;
  b[17] = len & 0xff;
  b[18] = type;
  return b;
}

export function encodeKeepalive(): Uint8Array {
  return header(HEADER_LEN, MSG_KEEPALIVE);
}

export interface OpenSettings {
  readonly asn: number;
  readonly holdTime: number;
  readonly bgpId: number;
  readonly routeRefresh: boolean;
  readonly fourOctetAs: boolean;
  /** Multiprotocol AFI/SAFI pairs to announce. */
  readonly multiprotocol: readonly number[];
  /** Announce graceful restart (RFC 4724) as a helper, restart time 120 s, no address family preserved. */
  readonly gracefulRestart?: boolean;
  /** With route refresh: also Cisco's pre-standard code 128 (default true). */
  readonly routeRefreshOld?: boolean;
}

export function encodeOpen(s: OpenSettings): Uint8Array {
  const caps: number[] = [];
  for (const p of s.multiprotocol) caps.push(CAP_MULTIPROTOCOL, 4, (p >>> 16) & 0xff, (p >>> 8) & 0xff, 0, p & 0xff);
  if (s.routeRefresh) caps.push(CAP_ROUTE_REFRESH, 0);
  if (s.routeRefresh && s.routeRefreshOld !== false) caps.push(CAP_ROUTE_REFRESH_OLD, 0);
  if (s.fourOctetAs) caps.push(CAP_FOUR_OCTET_AS, 4, (s.asn >>> 24) & 0xff, (s.asn >>> 16) & 0xff, (s.asn >>> 8) & 0xff, s.asn & 0xff);
  if (s.gracefulRestart) caps.push(CAP_GRACEFUL_RESTART, 2, 0, 120);
  const params = caps.length > 0 ? [OPT_PARAM_CAPABILITIES, caps.length, ...caps] : [];
  const len = HEADER_LEN + 10 + params.length;
  const b = header(len, MSG_OPEN);
  const myAs = s.asn > 0xffff ? AS_TRANS : s.asn;
  b[19] = BGP_VERSION;
  b[20] = myAs >>> 8;
  b[21] = myAs & 0xff;
  b[22] = s.holdTime >>> 8;
  b[23] = s.holdTime & 0xff;
  b[24] = (s.bgpId >>> 24) & 0xff;
  b[25] = (s.bgpId >>> 16) & 0xff;
  b[26] = (s.bgpId >>> 8) & 0xff;
  b[27] = s.bgpId & 0xff;
  b[28] = params.length;
  b.set(params, 29);
  return b;
}

/** Decodes an OPEN (buf[off, off+len) is the whole message) and checks what RFC 4271 6.2 lets it check alone. */
export function decodeOpen(buf: Uint8Array, off: number, len: number): Decoded<OpenMessage> {
  const p = off + HEADER_LEN;
  const version = buf[p]!;
  if (version !== BGP_VERSION) return bgpError(ERR_OPEN, OPEN_UNSUPPORTED_VERSION, Uint8Array.of(0, BGP_VERSION));
  const myAs = (buf[p + 1]! << 8) | buf[p + 2]!;
  const holdTime = (buf[p + 3]! << 8) | buf[p + 4]!;
  const bgpId = ((buf[p + 5]! << 24) | (buf[p + 6]! << 16) | (buf[p + 7]! << 8) | buf[p + 8]!) >>> 0;
  const optLen = buf[p + 9]!;
  const end = off + len;
  if (p + 10 + optLen !== end) return bgpError(ERR_OPEN, 0);
  if (holdTime === 1 || holdTime === 2) return bgpError(ERR_OPEN, OPEN_UNACCEPTABLE_HOLD_TIME);
  if (bgpId === 0 || bgpId === 0xffffffff || (bgpId >>> 28) >= 0xe) {
    return bgpError(ERR_OPEN, OPEN_BAD_IDENTIFIER);
  }
  const mp: number[] = [];
  const unknown: number[] = [];
  let rr = false, rrOld = false, err = false, gr = false;
  let as4: number | null = null;
  let q = p + 10;
  while (q < end) {
    if (q + 2 > end) return bgpError(ERR_OPEN, 0);
    const type = buf[q]!, plen = buf[q + 1]!;
    const pend = q + 2 + plen;
    if (pend > end) return bgpError(ERR_OPEN, 0);
    if (type !== OPT_PARAM_CAPABILITIES) return bgpError(ERR_OPEN, OPEN_UNSUPPORTED_PARAMETER);
    let c = q + 2;
    while (c < pend) {
      if (c + 2 > pend) return bgpError(ERR_OPEN, 0);
      const code = buf[c]!, clen = buf[c + 1]!;
      const v = c + 2;
      if (v + clen > pend) return bgpError(ERR_OPEN, 0);
      switch (code) {
        case CAP_MULTIPROTOCOL:
          if (clen !== 4) return bgpError(ERR_OPEN, 0);
          mp.push(afiSafi((buf[v]! << 8) | buf[v + 1]!, buf[v + 3]!));
          break;
        case CAP_ROUTE_REFRESH:
          rr = true;
          break;
        case CAP_ROUTE_REFRESH_OLD:
          rrOld = true;
          break;
        case CAP_ENHANCED_ROUTE_REFRESH:
          err = true;
          break;
        case CAP_GRACEFUL_RESTART:
          gr = true;
          break;
        case CAP_FOUR_OCTET_AS:
          if (clen !== 4) return bgpError(ERR_OPEN, 0);
          as4 = ((buf[v]! << 24) | (buf[v + 1]! << 16) | (buf[v + 2]! << 8) | buf[v + 3]!) >>> 0;
          break;
        default:
          unknown.push(code);
      }
      c = v + clen;
    }
    q = pend;
  }
  return {
    ok: true,
    value: {
      version, myAs, holdTime, bgpId,
      caps: { multiprotocol: mp, routeRefresh: rr, routeRefreshOld: rrOld, enhancedRouteRefresh: err, fourOctetAs: as4, gracefulRestart: gr, unknown },
    },
  };
}

/** RFC 4760 8: a speaker without any multiprotocol capability does IPv4 unicast. */
export function doesIpv4Unicast(c: Capabilities): boolean {
  return c.multiprotocol.length === 0 || c.multiprotocol.includes(afiSafi(AFI_IPV4, 1));
}

export function encodeNotification(code: number, subcode: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const b = header(HEADER_LEN + 2 + data.length, MSG_NOTIFICATION);
  b[19] = code;
  b[20] = subcode;
  b.set(data, 21);
  return b;
}

export function decodeNotification(buf: Uint8Array, off: number, len: number): BgpError {
  return { code: buf[off + 19]!, subcode: buf[off + 20]!, data: buf.slice(off + 21, off + len) };
}

export interface RouteRefresh {
  readonly afi: number;
  readonly safi: number;
  /** RFC 7313 subtype (0: a plain refresh request). */
  readonly subtype: number;
}

export function encodeRouteRefresh(afi: number, safi: number): Uint8Array {
  const b = header(HEADER_LEN + 4, MSG_ROUTE_REFRESH);
  b[19] = afi >>> 8;
  b[20] = afi & 0xff;
  b[21] = 0;
  b[22] = safi;
  return b;
}

export function decodeRouteRefresh(buf: Uint8Array, off: number, len: number): Decoded<RouteRefresh> {
  if (len !== HEADER_LEN + 4) {
    return bgpError(ERR_ROUTE_REFRESH, ROUTE_REFRESH_BAD_LENGTH, buf.slice(off, off + Math.min(len, HEADER_LEN + 4)));
  }
  const p = off + HEADER_LEN;
  return { ok: true, value: { afi: (buf[p]! << 8) | buf[p + 1]!, subtype: buf[p + 2]!, safi: buf[p + 3]! } };
}
