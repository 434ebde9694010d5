import { describe, expect, it } from 'vitest';
import { CORPUS } from './helpers.js';
import { readPcapFile } from '../../src/capture/pcap.js';
import { TcpdumpPrinter, type PrintOptions } from '../../src/capture/print/printer.js';
import { compileFilter } from '../../src/capture/filter/compile.js';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PRINTER_OPTIONS: Partial<PrintOptions>[] = [
  { n: 2 },
  { n: 0, e: true, v: 3, S: true, X: 2 },
  { n: 1, e: true, q: 1, x: 2, t: 2 },
  { n: 2, v: 1, A: 1, t: 3 },
  { n: 2, v: 2, x: 1, t: 4, A: 2 },
  { n: 2, e: true, v: 2, X: 1, t: 5, q: 2 },
];

const INTERESTING = [0, 1, 2, 3, 4, 5, 6, 8, 11, 17, 0x14, 0x40, 0x45, 0x46, 0x4f, 0x50, 0x80, 0x81, 0x86, 0x88, 0xa8, 0xdd, 0xfe, 0xff];
const PORTS = [22, 80, 161, 162, 4789, 6081, 8080, 21, 25, 554];

// The printers and filters catch their own exceptions (a bug must not take a capture down), so
// "no exception" proves nothing here: each counts what it caught, and those counts must stay 0.
describe('fuzz: mutated and truncated frames', () => {
  it('10,000 frames through every flag combination: no internal error, sane text', () => {
    const base = readPcapFile(CORPUS).records.map((r) => r.data).filter((d) => d.length > 0);
    const random = rng(0x9a5c);
    const printers = PRINTER_OPTIONS.map((o) => new TcpdumpPrinter(o));
    const filters = ['tcp', 'port 80', 'host 10.0.0.1 or arp', 'vlan and udp', 'tcp[tcpflags] & tcp-syn != 0',
      'icmp[icmptype] = icmp-echo', 'ip[2:2] / ip[8] > 3', 'not ether broadcast', 'portrange 1-1024', 'len > 100']
      .map((e) => {
        const c = compileFilter(e);
        if (!c.ok) throw new Error(c.error);
        return { expr: e, hits: 0, ...c };
      });
    let printed = 0;
    let cutMarks = 0;
    for (let n = 0; n < 10000; n++) {
      const src = base[Math.floor(random() * base.length)]!;
      let data: Uint8Array;
      if (random() < 0.05) {
        data = new Uint8Array(Math.floor(random() * 120));
        for (let i = 0; i < data.length; i++) data[i] = Math.floor(random() * 256);
      } else {
        data = new Uint8Array(src);
        const flips = 1 + Math.floor(random() * 6);
        for (let f = 0; f < flips; f++) {
          // Mostly header bytes, where the printers make their decisions.
          const pos = Math.floor(random() < 0.7 ? random() * Math.min(80, data.length) : random() * data.length);
          const r = random();
          if (r < 0.4) data[pos] = INTERESTING[Math.floor(random() * INTERESTING.length)]!;
          else if (r < 0.6 && pos + 1 < data.length) {
            const p = PORTS[Math.floor(random() * PORTS.length)]!;
            data[pos] = p >> 8;
            data[pos + 1] = p & 0xff;
          } else data[pos] = Math.floor(random() * 256);
        }
      }
      let caplen = data.length;
      if (random() < 0.5) caplen = Math.floor(random() * (data.length + 1));
      const origLen = random() < 0.1 ? caplen + Math.floor(random() * 3000) : data.length;
      const rec = { tsSec: Math.floor(random() * 2 ** 32), tsUsec: Math.floor(random() * 1e6), caplen, origLen, data };
      const frameHex = () => `${Buffer.from(data.subarray(0, caplen)).toString('hex')} (caplen ${caplen}, len ${origLen})`;
      for (const p of printers) {
        const text = p.format(rec);
        if (p.internalErrors !== 0) throw new Error(`printer ${JSON.stringify(p.options)} hit an internal error on ${frameHex()}`);
        // -A copies the packet's own newlines; every other output ends without one.
        if ((p.options.A === 0 && text.endsWith('\n')) || /undefined|NaN|\[object/.test(text)) {
          throw new Error(`bad output for frame ${frameHex()}: ${JSON.stringify(text)}`);
        }
        if (text.includes(' [|')) cutMarks++;
        printed++;
      }
      for (const f of filters) {
        if (f.match(data, caplen, origLen)) f.hits++;
        if (f.stats.internalErrors !== 0) throw new Error(`filter "${f.expr}" hit an internal error on ${frameHex()}`);
      }
    }
    expect(printed).toBe(60000);
    expect(cutMarks).toBeGreaterThan(1000);
    // Every filter both matched and rejected frames: none was short-circuited to one answer.
    for (const f of filters) expect(f.hits > 0 && f.hits < 10000, `${f.expr}: ${f.hits} matches`).toBe(true);
  });
});
