import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORPUS, firstDifference, fixtureText, printFile, runTcpdump, tcpdumpInstalled, withTz } from './helpers.js';
import { PcapError, PcapWriter, encodePcap, parsePcap, readPcapFile } from '../../src/capture/pcap.js';
import { TcpdumpPrinter } from '../../src/capture/print/printer.js';

const tmp = mkdtempSync(join(tmpdir(), 'pask-pcap-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const original = new Uint8Array(readFileSync(CORPUS));
const corpus = parsePcap(original);

/** Rewrites a little-endian microsecond file as big-endian and/or nanosecond. */
function convert(bytes: Uint8Array, bigEndian: boolean, nano: boolean): Uint8Array {
  const src = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Uint8Array(bytes);
  const dst = new DataView(out.buffer);
  const le = !bigEndian;
  dst.setUint32(0, nano ? 0xa1b23c4d : 0xa1b2c3d4, le);
  dst.setUint16(4, src.getUint16(4, true), le);
  dst.setUint16(6, src.getUint16(6, true), le);
  for (const o of [8, 12, 16, 20]) dst.setUint32(o, src.getUint32(o, true), le);
  let off = 24;
  while (off < bytes.length) {
    const caplen = src.getUint32(off + 8, true);
    dst.setUint32(off, src.getUint32(off, true), le);
    dst.setUint32(off + 4, src.getUint32(off + 4, true) * (nano ? 1000 : 1) + (nano ? 789 : 0), le);
    dst.setUint32(off + 8, caplen, le);
    dst.setUint32(off + 12, src.getUint32(off + 12, true), le);
    off += 16 + caplen;
  }
  return out;
}

describe('reading', () => {
  it('reads the corpus', () => {
    expect(corpus.linktype).toBe(1);
    expect(corpus.littleEndian).toBe(true);
    expect(corpus.nanosecond).toBe(false);
    expect(corpus.truncated).toBeNull();
    expect(corpus.records.length).toBe(JSON.parse(fixtureText('filters.json')).frames);
    const cut = corpus.records.filter((r) => r.caplen < r.origLen);
    expect(cut.length).toBeGreaterThan(100);
    expect(corpus.records[1]!.tsUsec).toBe(1000);
  });

  for (const [name, be, nano] of [['big-endian', true, false], ['nanosecond', false, true], ['big-endian nanosecond', true, true]] as const) {
    it(`reads ${name} files to the same records`, () => {
      const f = parsePcap(convert(original, be, nano));
      expect(f.littleEndian).toBe(!be);
      expect(f.nanosecond).toBe(nano);
      expect(f.records.length).toBe(corpus.records.length);
      f.records.forEach((r, i) => {
        const o = corpus.records[i]!;
        expect([r.tsSec, r.tsUsec, r.caplen, r.origLen]).toEqual([o.tsSec, o.tsUsec, o.caplen, o.origLen]);
        expect(Buffer.from(r.data).equals(Buffer.from(o.data))).toBe(true);
        if (nano) expect(r.tsNsec).toBe(o.tsUsec * 1000 + 789);
      });
    });
  }

  it.skipIf(!tcpdumpInstalled)('prints a big-endian nanosecond file as tcpdump does', () => {
    const path = join(tmp, 'be-ns.pcap');
    writeFileSync(path, convert(original, true, true));
    const actual = withTz('UTC', () => printFile(['-nn'], path));
    expect(firstDifference(actual, runTcpdump(['-nn'], path))).toBeNull();
  });

  it('rejects other link types, pcapng and garbage with clear errors', () => {
    const linux = new Uint8Array(original.subarray(0, 24));
    new DataView(linux.buffer).setUint32(20, 113, true);
    expect(() => parsePcap(linux)).toThrow(/unsupported link type 113: only LINKTYPE_ETHERNET \(1\)/);
    expect(() => parsePcap(Uint8Array.from([0x0a, 0x0d, 0x0d, 0x0a, ...new Array(28).fill(0)]))).toThrow(/pcapng/);
    expect(() => parsePcap(new Uint8Array(40))).toThrow(/bad magic number 0x00000000/);
    expect(() => parsePcap(new Uint8Array(10))).toThrow(PcapError);
  });

  it('stops at the last whole record of a truncated file and reports it', () => {
    const sizes = corpus.records.map((r) => 16 + r.caplen);
    let end = 24;
    for (let n = 0; n < 5; n++) end += sizes[n]!;
    // Cut in the middle of record 5's data, in its header, and exactly after it.
    const inData = parsePcap(original.subarray(0, end + 16 + 3));
    expect(inData.records.length).toBe(5);
    expect(inData.truncated?.offset).toBe(end);
    expect(inData.truncated?.message).toMatch(/truncated dump file; tried to read \d+ captured bytes, only got 3/);
    const inHeader = parsePcap(original.subarray(0, end + 7));
    expect(inHeader.records.length).toBe(5);
    expect(inHeader.truncated?.message).toMatch(/only got 7/);
    const whole = parsePcap(original.subarray(0, end));
    expect(whole.records.length).toBe(5);
    expect(whole.truncated).toBeNull();
  });
});

describe('writing', () => {
  it('encodePcap writes back the same bytes', () => {
    expect(Buffer.from(encodePcap(corpus.records)).equals(Buffer.from(original))).toBe(true);
  });

  it('the streaming writer produces a file that reads back identically', () => {
    const path = join(tmp, 'stream.pcap');
    const w = PcapWriter.open(path);
    for (const r of corpus.records) w.write(r);
    expect(w.recordsWritten).toBe(corpus.records.length);
    w.close();
    w.close();
    expect(() => w.write(corpus.records[0]!)).toThrow(/closed/);
    const back = readPcapFile(path);
    expect(back.snaplen).toBe(262144);
    expect(Buffer.from(readFileSync(path)).equals(Buffer.from(original))).toBe(true);
    const printer = new TcpdumpPrinter({ n: 2, e: true, v: 2 });
    const text = withTz('UTC', () => back.records.map((r) => printer.format(r) + '\n').join(''));
    expect(firstDifference(text, fixtureText('corpus-nnevv.txt'))).toBeNull();
  });

  it('cuts records at the snaplen and keeps the wire length', () => {
    const rec = corpus.records.find((r) => r.caplen > 100)!;
    const f = parsePcap(encodePcap([rec], 64));
    expect(f.snaplen).toBe(64);
    expect(f.records[0]!.caplen).toBe(64);
    expect(f.records[0]!.origLen).toBe(rec.origLen);
  });

  it.skipIf(!tcpdumpInstalled)('tcpdump reads the written file and prints the same', () => {
    const path = join(tmp, 'written.pcap');
    const w = PcapWriter.open(path);
    for (const r of corpus.records) w.write({ tsSec: r.tsSec, tsUsec: r.tsUsec, caplen: r.caplen, origLen: r.origLen, data: r.data });
    w.close();
    for (const flags of ['-nn', '-nnevv', '-nnX']) {
      expect(firstDifference(runTcpdump([flags], path), runTcpdump([flags], CORPUS))).toBeNull();
    }
  });
});
