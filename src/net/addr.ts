// Addresses as numbers: IPv4 as an unsigned 32-bit integer, MAC as a 48-bit integer.
// Branded so that an address, a port and an id can never be mixed up.

declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type Ipv4 = Brand<number, 'Ipv4'>;
export type Mac = Brand<number, 'Mac'>;
/** A TCP/UDP port number, 0..65535. */
export type L4Port = Brand<number, 'L4Port'>;
/** An appliance switch port, 1..16. */
export type PortNo = Brand<number, 'PortNo'>;
export type VlanId = Brand<number, 'VlanId'>;

export interface Prefix {
  readonly addr: Ipv4;
  readonly len: number;
}

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIpv4(text: string): Ipv4 | null {
  const m = IPV4_RE.exec(text);
  if (!m) return null;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i]!;
    if (part.length > 1 && part[0] === '0') return null;
    const n = Number(part);
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return v as Ipv4;
}

export function ipv4(text: string): Ipv4 {
  const v = parseIpv4(text);
  if (v === null) throw new Error(`not an IPv4 address: ${text}`);
  return v;
}

export function formatIpv4(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

export function maskOf(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

export function lenOfMask(mask: number): number | null {
  let len = 0;
  while (len < 32 && ((mask >>> (31 - len)) & 1) === 1) len++;
  return maskOf(len) === mask >>> 0 ? len : null;
}

/** `a.b.c.d/len`; the address keeps its host bits (an interface address). */
export function parsePrefix(text: string): Prefix | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const addr = parseIpv4(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (addr === null || !/^\d{1,2}$/.test(lenText)) return null;
  const len = Number(lenText);
  if (len > 32) return null;
  return { addr, len };
}

export function formatPrefix(p: Prefix): string {
  return `${formatIpv4(p.addr)}/${p.len}`;
}

export function networkOf(p: Prefix): Ipv4 {
  return ((p.addr & maskOf(p.len)) >>> 0) as Ipv4;
}

export function broadcastOf(p: Prefix): Ipv4 {
  return ((p.addr | ~maskOf(p.len)) >>> 0) as Ipv4;
}

export function prefixContains(p: Prefix, a: number): boolean {
  const m = maskOf(p.len);
  return ((a & m) >>> 0) === ((p.addr & m) >>> 0);
}

const MAC_RE = /^([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})$/;

export function parseMac(text: string): Mac | null {
  const m = MAC_RE.exec(text);
  if (!m) return null;
  let v = 0;
  for (let i = 1; i <= 6; i++) v = v * 256 + parseInt(m[i]!, 16);
  return v as Mac;
}

export function mac(text: string): Mac {
  const v = parseMac(text);
  if (v === null) throw new Error(`not a MAC address: ${text}`);
  return v;
}

export function formatMac(m: number): string {
  const hi = Math.floor(m / 0x100000000);
  const lo = m >>> 0;
  const b = [(hi >>> 8) & 255, hi & 255, lo >>> 24, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export const BROADCAST_MAC = 0xffffffffffff as Mac;

export function isMulticastMac(m: number): boolean {
  return (Math.floor(m / 0x10000000000) & 1) === 1;
}

export function l4Port(n: number): L4Port {
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new RangeError(`port out of range: ${n}`);
  return n as L4Port;
}

export const PORT_COUNT = 16;
/** Engine ports: 1..PORT_COUNT are physical; the virtual ports of loopback and tunnel interfaces follow, up to MAX_PORTS. */
export const MAX_PORTS = 64;

export function portNo(n: number): PortNo {
  if (!Number.isInteger(n) || n < 1 || n > PORT_COUNT) throw new RangeError(`switch port out of range: ${n}`);
  return n as PortNo;
}

export function vlanId(n: number): VlanId {
  if (!Number.isInteger(n) || n < 1 || n > 4094) throw new RangeError(`VLAN id out of range: ${n}`);
  return n as VlanId;
}

/** Reads/writes a MAC at a byte offset without allocating. */
export function readMac(buf: Uint8Array, off: number): Mac {
  return ((buf[off]! * 0x10000000000) + (buf[off + 1]! * 0x100000000) +
    ((buf[off + 2]! << 24) >>> 0) + (buf[off + 3]! << 16) + (buf[off + 4]! << 8) + buf[off + 5]!) as Mac;
}

export function writeMac(buf: Uint8Array, off: number, m: number): void {
  const hi = Math.floor(m / 0x100000000);
  const lo = m >>> 0;
  buf[off] = (hi >>> 8) & 255;
  buf[off + 1] = hi & 255;
  buf[off + 2] = lo >>> 24;
  buf[off + 3] = (lo >>> 16) & 255;
  buf[off + 4] = (lo >>> 8) & 255;
  buf[off + 5] = lo & 255;
}
