// BGP-4 numbers: message types, error codes (RFC 4271 4.5, 6; RFC 4486; RFC 6608; RFC 7313),
// path attribute types and flags, capability codes.

export const BGP_PORT = 179;
export const BGP_VERSION = 4;
export const HEADER_LEN = 19;
export const MAX_MESSAGE_LEN = 4096;
export const MARKER_LEN = 16;

export const MSG_OPEN = 1;
export const MSG_UPDATE = 2;
export const MSG_NOTIFICATION = 3;
export const MSG_KEEPALIVE = 4;
export const MSG_ROUTE_REFRESH = 5;

/** Smallest length of each message type, header included. */
export const MIN_LEN: Readonly<Record<number, number>> = {
  [MSG_OPEN]: 29, [MSG_UPDATE]: 23, [MSG_NOTIFICATION]: 21, [MSG_KEEPALIVE]: 19, [MSG_ROUTE_REFRESH]: 23,
};

export const ERR_HEADER = 1;
export const ERR_OPEN = 2;
export const ERR_UPDATE = 3;
export const ERR_HOLD_TIMER = 4;
export const ERR_FSM = 5;
export const ERR_CEASE = 6;
export const ERR_ROUTE_REFRESH = 7;

export const HEADER_NOT_SYNCHRONIZED = 1;
export const HEADER_BAD_LENGTH = 2;
export const HEADER_BAD_TYPE = 3;

export const OPEN_UNSUPPORTED_VERSION = 1;
export const OPEN_BAD_PEER_AS = 2;
export const OPEN_BAD_IDENTIFIER = 3;
export const OPEN_UNSUPPORTED_PARAMETER = 4;
export const OPEN_UNACCEPTABLE_HOLD_TIME = 6;
export const OPEN_UNSUPPORTED_CAPABILITY = 7;

export const UPDATE_MALFORMED_ATTRIBUTE_LIST = 1;
export const UPDATE_UNRECOGNIZED_WELL_KNOWN = 2;
export const UPDATE_MISSING_WELL_KNOWN = 3;
export const UPDATE_ATTRIBUTE_FLAGS = 4;
export const UPDATE_ATTRIBUTE_LENGTH = 5;
export const UPDATE_INVALID_ORIGIN = 6;
export const UPDATE_INVALID_NEXT_HOP = 8;
export const UPDATE_OPTIONAL_ATTRIBUTE = 9;
export const UPDATE_INVALID_NETWORK = 10;
export const UPDATE_MALFORMED_AS_PATH = 11;

export const FSM_UNEXPECTED_IN_OPENSENT = 1;
export const FSM_UNEXPECTED_IN_OPENCONFIRM = 2;
export const FSM_UNEXPECTED_IN_ESTABLISHED = 3;

export const CEASE_MAX_PREFIXES = 1;
export const CEASE_ADMIN_SHUTDOWN = 2;
export const CEASE_PEER_DECONFIGURED = 3;
export const CEASE_ADMIN_RESET = 4;
export const CEASE_CONNECTION_REJECTED = 5;
export const CEASE_CONFIG_CHANGE = 6;
export const CEASE_COLLISION = 7;
export const CEASE_OUT_OF_RESOURCES = 8;

export const ROUTE_REFRESH_BAD_LENGTH = 1;

export const ATTR_ORIGIN = 1;
export const ATTR_AS_PATH = 2;
export const ATTR_NEXT_HOP = 3;
export const ATTR_MED = 4;
export const ATTR_LOCAL_PREF = 5;
export const ATTR_ATOMIC_AGGREGATE = 6;
export const ATTR_AGGREGATOR = 7;
export const ATTR_COMMUNITIES = 8;
export const ATTR_ORIGINATOR_ID = 9;
export const ATTR_CLUSTER_LIST = 10;
export const ATTR_MP_REACH = 14;
export const ATTR_MP_UNREACH = 15;
export const ATTR_AS4_PATH = 17;
export const ATTR_AS4_AGGREGATOR = 18;

export const FLAG_OPTIONAL = 0x80;
export const FLAG_TRANSITIVE = 0x40;
export const FLAG_PARTIAL = 0x20;
export const FLAG_EXTENDED = 0x10;

export const ORIGIN_IGP = 0;
export const ORIGIN_EGP = 1;
export const ORIGIN_INCOMPLETE = 2;
export type Origin = 0 | 1 | 2;

export const AS_SET = 1;
export const AS_SEQUENCE = 2;
export const AS_CONFED_SEQUENCE = 3;
export const AS_CONFED_SET = 4;

/** RFC 6793: the 2-octet stand-in for a 4-octet AS number. */
export const AS_TRANS = 23456;

export const OPT_PARAM_CAPABILITIES = 2;

export const CAP_MULTIPROTOCOL = 1;
export const CAP_ROUTE_REFRESH = 2;
export const CAP_GRACEFUL_RESTART = 64;
export const CAP_FOUR_OCTET_AS = 65;
export const CAP_ADD_PATH = 69;
export const CAP_ENHANCED_ROUTE_REFRESH = 70;
/** Cisco's pre-standard route refresh code (`(old)` in show output). */
export const CAP_ROUTE_REFRESH_OLD = 128;

export const AFI_IPV4 = 1;
export const AFI_IPV6 = 2;
export const SAFI_UNICAST = 1;

/** Well-known communities (RFC 1997). */
export const COMMUNITY_NO_EXPORT = 0xffffff01;
export const COMMUNITY_NO_ADVERTISE = 0xffffff02;
export const COMMUNITY_NO_EXPORT_SUBCONFED = 0xffffff03;

const ERROR_NAMES: Readonly<Record<number, string>> = {
  [ERR_HEADER]: 'Message Header Error', [ERR_OPEN]: 'OPEN Message Error', [ERR_UPDATE]: 'UPDATE Message Error',
  [ERR_HOLD_TIMER]: 'Hold Timer Expired', [ERR_FSM]: 'Finite State Machine Error', [ERR_CEASE]: 'Cease',
  [ERR_ROUTE_REFRESH]: 'ROUTE-REFRESH Message Error',
};

const SUBCODE_NAMES: Readonly<Record<number, Readonly<Record<number, string>>>> = {
  [ERR_HEADER]: { 1: 'Connection Not Synchronized', 2: 'Bad Message Length', 3: 'Bad Message Type' },
  [ERR_OPEN]: {
    1: 'Unsupported Version Number', 2: 'Bad Peer AS', 3: 'Bad BGP Identifier', 4: 'Unsupported Optional Parameter',
    6: 'Unacceptable Hold Time', 7: 'Unsupported Capability',
  },
  [ERR_UPDATE]: {
    1: 'Malformed Attribute List', 2: 'Unrecognized Well-known Attribute', 3: 'Missing Well-known Attribute',
    4: 'Attribute Flags Error', 5: 'Attribute Length Error', 6: 'Invalid ORIGIN Attribute', 8: 'Invalid NEXT_HOP Attribute',
    9: 'Optional Attribute Error', 10: 'Invalid Network Field', 11: 'Malformed AS_PATH',
  },
  [ERR_FSM]: {
    1: 'Receive Unexpected Message in OpenSent State', 2: 'Receive Unexpected Message in OpenConfirm State',
    3: 'Receive Unexpected Message in Established State',
  },
  [ERR_CEASE]: {
    1: 'Maximum Number of Prefixes Reached', 2: 'Administrative Shutdown', 3: 'Peer De-configured', 4: 'Administrative Reset',
    5: 'Connection Rejected', 6: 'Other Configuration Change', 7: 'Connection Collision Resolution', 8: 'Out of Resources',
  },
  [ERR_ROUTE_REFRESH]: { 1: 'Invalid Message Length' },
};

/** `6/2 (Cease/Administrative Shutdown)`: how the log names a NOTIFICATION. */
export function notificationText(code: number, subcode: number): string {
  const name = ERROR_NAMES[code] ?? `error ${code}`;
  const sub = SUBCODE_NAMES[code]?.[subcode];
  return `${code}/${subcode} (${name}${sub ? `/${sub}` : subcode ? `/subcode ${subcode}` : ''})`;
}
