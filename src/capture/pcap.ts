// Classic pcap files (not pcapng): reading in both byte orders with
// microsecond or nanosecond time stamps, writing little-endian microsecond
// files. Only LINKTYPE_ETHERNET is accepted, the appliance's only link type.

import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';

export const LINKTYPE_ETHERNET = 1;
export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;
export const PCAP_DEFAULT_SNAPLEN = 262144;
const GLOBAL_HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;
/** Largest caplen a record may claim (libpcap accepts up to this whatever the snaplen). */
const MAX_RECORD_CAPLEN = 262144;

export interface PcapRecord {
  tsSec: number;
  /** Microseconds (converted from nanoseconds for nanosecond files, as libpcap does by default). */
  tsUsec: number;
  /** The nanosecond fraction, for records read from a nanosecond file. */
  tsNsec?: number;
  caplen: number;
  origLen: number;
  data: Uint8Array;
}

export interface PcapFile {
  linktype: number;
  snaplen: number;
  /** Whether the file stored nanosecond time stamps. */
  nanosecond: boolean;
  littleEndian: boolean;
  versionMajor: number;
  versionMinor: number;
  records: PcapRecord[];
  /** Set when the file ended inside a record: the records before it were kept. */
  truncated: { offset: number; message: string } | null;
}

export class PcapError extends Error {
  override name = 'PcapError';
}

/** Parses a classic pcap file; throws PcapError for a bad header or an unsupported link type. */
export function parsePcap(bytes: Uint8Array): PcapFile {
  if (bytes.length < GLOBAL_HEADER_LEN) {
    throw new PcapError(`truncated pcap file: ${bytes.length} bytes, shorter than the ${GLOBAL_HEADER_LEN}-byte file header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magicBE = view.getUint32(0, false);
  let le: boolean;
  let nano: boolean;
  if (magicBE === PCAP_MAGIC_USEC || magicBE === PCAP_MAGIC_NSEC) {
    le = false;
    nano = magicBE === PCAP_MAGIC_NSEC;
  } else {
    const magicLE = view.getUint32(0, true);
    if (magicLE === PCAP_MAGIC_USEC || magicLE === PCAP_MAGIC_NSEC) {
      le = true;
      nano = magicLE === PCAP_MAGIC_NSEC;
    } else if (magicBE === 0x0a0d0d0a) {
      throw new PcapError('pcapng files are not supported; save the capture as classic pcap');
    } else {
      throw new PcapError(`not a pcap file: bad magic number 0x${magicBE.toString(16).padStart(8, '0')}`);
    }
  }
  const versionMajor = view.getUint16(4, le);
  const versionMinor = view.getUint16(6, le);
  if (versionMajor !== 2) {
    throw new PcapError(`unsupported pcap file version ${versionMajor}.${versionMinor}`);
  }
  const snaplen = view.getUint32(16, le);
  const linkField = view.getUint32(20, le);
  const linktype = linkField & 0x0fffffff;
  if (linktype !== LINKTYPE_ETHERNET) {
    throw new PcapError(`unsupported link type ${linktype}: only LINKTYPE_ETHERNET (1) captures can be read`);
  }

  const records: PcapRecord[] = [];
  let truncated: PcapFile['truncated'] = null;
  let off = GLOBAL_HEADER_LEN;
  while (off < bytes.length) {
    if (bytes.length - off < RECORD_HEADER_LEN) {
      truncated = {
        offset: off,
        message: `truncated dump file; tried to read ${RECORD_HEADER_LEN} file header bytes, only got ${bytes.length - off}`,
      };
      break;
    }
    const tsSec = view.getUint32(off, le);
    const frac = view.getUint32(off + 4, le);
    const caplen = view.getUint32(off + 8, le);
    const origLen = view.getUint32(off + 12, le);
    if (caplen > Math.max(MAX_RECORD_CAPLEN, snaplen)) {
      truncated = {
        offset: off,
        message: `invalid packet capture length ${caplen}, bigger than snaplen of ${Math.max(MAX_RECORD_CAPLEN, snaplen)}`,
      };
      break;
    }
    const start = off + RECORD_HEADER_LEN;
    if (bytes.length - start < caplen) {
      truncated = {
        offset: off,
        message: `truncated dump file; tried to read ${caplen} captured bytes, only got ${bytes.length - start}`,
      };
      break;
    }
    const rec: PcapRecord = {
      tsSec,
      tsUsec: nano ? Math.floor(frac / 1000) : frac,
      caplen,
      origLen,
      data: bytes.slice(start, start + caplen),
    };
    if (nano) rec.tsNsec = frac;
    records.push(rec);
    off = start + caplen;
  }
  return { linktype, snaplen, nanosecond: nano, littleEndian: le, versionMajor, versionMinor, records, truncated };
}

export function readPcapFile(path: string): PcapFile {
  return parsePcap(readFileSync(path));
}

function globalHeader(snaplen: number): Uint8Array {
  const h = new Uint8Array(GLOBAL_HEADER_LEN);
  const v = new DataView(h.buffer);
  v.setUint32(0, PCAP_MAGIC_USEC, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setInt32(8, 0, true);
  v.setUint32(12, 0, true);
  v.setUint32(16, snaplen, true);
  v.setUint32(20, LINKTYPE_ETHERNET, true);
  return h;
}

/** The bytes of one record (header and data); data beyond the snaplen is cut. */
export function encodeRecord(rec: { tsSec: number; tsUsec: number; caplen?: number; origLen?: number; data: Uint8Array }, snaplen = PCAP_DEFAULT_SNAPLEN): Uint8Array {
  const avail = Math.min(rec.caplen ?? rec.data.length, rec.data.length);
  const caplen = Math.min(avail, snaplen);
  const origLen = Math.max(rec.origLen ?? rec.data.length, caplen);
  const out = new Uint8Array(RECORD_HEADER_LEN + caplen);
  const v = new DataView(out.buffer);
  v.setUint32(0, rec.tsSec >>> 0, true);
  v.setUint32(4, rec.tsUsec >>> 0, true);
  v.setUint32(8, caplen, true);
  v.setUint32(12, origLen >>> 0, true);
  out.set(rec.data.subarray(0, caplen), RECORD_HEADER_LEN);
  return out;
}

/** A whole pcap file (little-endian, microseconds, LINKTYPE_ETHERNET). */
export function encodePcap(records: Iterable<{ tsSec: number; tsUsec: number; caplen?: number; origLen?: number; data: Uint8Array }>, snaplen = PCAP_DEFAULT_SNAPLEN): Uint8Array {
  const parts: Uint8Array[] = [globalHeader(snaplen)];
  let total = GLOBAL_HEADER_LEN;
  for (const r of records) {
    const e = encodeRecord(r, snaplen);
    parts.push(e);
    total += e.length;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * Streaming writer: `PcapWriter.open(path)` writes the file header, `write`
 * appends records, `close` closes the file. Writing to a temporary name and
 * renaming it is the caller's business.
 */
export class PcapWriter {
  private fd: number | null;
  private count = 0;

  private constructor(fd: number, readonly path: string, readonly snaplen: number) {
    this.fd = fd;
  }

  static open(path: string, snaplen = PCAP_DEFAULT_SNAPLEN): PcapWriter {
    const fd = openSync(path, 'w');
    const w = new PcapWriter(fd, path, snaplen);
    w.writeAll(globalHeader(snaplen));
    return w;
  }

  get recordsWritten(): number {
    return this.count;
  }

  write(rec: { tsSec: number; tsUsec: number; caplen?: number; origLen?: number; data: Uint8Array }): void {
    if (this.fd === null) throw new PcapError(`pcap writer for ${this.path} is closed`);
    this.writeAll(encodeRecord(rec, this.snaplen));
    this.count++;
  }

  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    closeSync(fd);
  }

  private writeAll(buf: Uint8Array): void {
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd!, buf, off, buf.length - off);
  }
}
