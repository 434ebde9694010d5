import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import {
  CORPUS, FLAG_SETS, SAMPLES_DIR, firstDifference, fixtureText, printFile, runTcpdump, tcpdumpInstalled, withTz,
} from './helpers.js';
import { readFileSync } from 'node:fs';
import { TcpdumpPrinter } from '../../src/capture/print/printer.js';
import { readPcapFile } from '../../src/capture/pcap.js';

const samplesPcap = join(SAMPLES_DIR, 'samples.pcap');

describe('reference samples', () => {
  for (const flags of ['-nn', '-nne', '-nnevv']) {
    it(`reproduces samples${flags}.txt line for line`, () => {
      const expected = readFileSync(join(SAMPLES_DIR, `samples${flags}.txt`), 'utf8');
      const actual = withTz('UTC', () => printFile([flags], samplesPcap));
      expect(firstDifference(actual, expected)).toBeNull();
    });
  }
});

describe('corpus printed as tcpdump 4.99 prints it', () => {
  for (const { file, flags } of FLAG_SETS) {
    it(`tcpdump ${flags.join(' ') || '(no flags)'} -> ${file}`, () => {
      const expected = fixtureText(file);
      expect(expected.split('\n').length).toBeGreaterThan(300);
      const actual = withTz('UTC', () => printFile(flags, CORPUS));
      expect(firstDifference(actual, expected)).toBeNull();
    });
  }
});

describe('time stamps use the local time zone', () => {
  const shift = (text: string, minutes: number): string =>
    text.replace(/^(\d\d):(\d\d):(\d\d)\./gm, (_m, h: string, mi: string, s: string) => {
      const t = (Number(h) * 60 + Number(mi) + minutes + 24 * 60) % (24 * 60);
      return `${String(Math.floor(t / 60)).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}:${s}.`;
    });

  it('prints Asia/Kolkata time (UTC+5:30)', () => {
    const expected = shift(fixtureText('corpus-nn.txt'), 330);
    const actual = withTz('Asia/Kolkata', () => printFile(['-nn'], CORPUS));
    expect(firstDifference(actual, expected)).toBeNull();
  });

  it('prints America/New_York time (UTC-4 in May)', () => {
    const expected = shift(fixtureText('corpus-nn.txt'), -240);
    const actual = withTz('America/New_York', () => printFile(['-nn'], CORPUS));
    expect(firstDifference(actual, expected)).toBeNull();
  });

  it.skipIf(!tcpdumpInstalled)('matches the live tcpdump in another time zone, with -tttt dates', () => {
    for (const flags of ['-nn', '-nntttt']) {
      const expected = runTcpdump([flags], CORPUS, 'Pacific/Auckland');
      const actual = withTz('Pacific/Auckland', () => printFile([flags], CORPUS));
      expect(firstDifference(actual, expected)).toBeNull();
    }
  });
});

describe('live tcpdump', () => {
  // Fixtures made without -n would depend on the resolver of the machine; only -n sets are re-run.
  const numeric = FLAG_SETS.filter((f) => f.flags.length > 0 && f.flags[0]!.startsWith('-n'));
  it.skipIf(!tcpdumpInstalled)('still prints the fixture text for every -n flag set (fixtures are current)', () => {
    for (const { file, flags } of numeric) {
      const live = runTcpdump(flags, CORPUS);
      expect(firstDifference(live, fixtureText(file)), file).toBeNull();
    }
  });

  it.skipIf(!tcpdumpInstalled)('prints the reference samples as the fixtures say', () => {
    for (const flags of ['-nn', '-nne', '-nnevv']) {
      const live = runTcpdump([flags], samplesPcap);
      expect(live).toBe(readFileSync(join(SAMPLES_DIR, `samples${flags}.txt`), 'utf8'));
    }
  });
});

describe('printer state and edge cases', () => {
  const frame = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
  // 10.9.0.1:33000 -> 10.9.0.2:8443 ACK, seq 1000001, ack 2000001 (from the corpus conversation)
  const rec = (data: Uint8Array, caplen = data.length, origLen = data.length) =>
    ({ tsSec: 0, tsUsec: 0, caplen, origLen, data });

  it('keeps relative sequence numbers per conversation, and -S or reset() turns them off', () => {
    const lines = printFile(['-nn', '-t'], CORPUS).split('\n');
    const synAck = lines.find((l) => l.startsWith('IP 10.9.0.2.8443 > 10.9.0.1.33000: Flags [S.]'));
    const data = lines.find((l) => l.startsWith('IP 10.9.0.2.8443 > 10.9.0.1.33000: Flags [P.]'));
    expect(synAck).toContain('seq 2000000, ack 1000001');
    expect(data).toContain('seq 1:101, ack 1,');
    const absolute = printFile(['-nnS', '-t'], CORPUS).split('\n')
      .find((l) => l.startsWith('IP 10.9.0.2.8443 > 10.9.0.1.33000: Flags [P.]'));
    expect(absolute).toContain('seq 2000001:2000101, ack 1000001,');

    const records = readPcapFile(CORPUS).records;
    const i = lines.indexOf(data!);
    const printer = new TcpdumpPrinter({ n: 2, t: 1 });
    for (let k = 0; k <= i; k++) printer.format(records[k]!);
    expect(printer.format(records[i]!)).toBe(data);
    printer.reset();
    // Without the SYN/ACK seen, the conversation starts at this packet: absolute numbers.
    expect(printer.format(records[i]!)).toContain('seq 2000001:2000101, ack 1000001,');
  });

  it('reports invalid record headers like tcpdump, without a time stamp', () => {
    const p = new TcpdumpPrinter({ n: 2 });
    expect(p.format(rec(new Uint8Array(0), 0, 0))).toBe('[Invalid header: caplen==0, len==0]');
    expect(p.format(rec(new Uint8Array(60), 60, 20))).toBe('[Invalid header: len(20) < caplen(60)]');
  });

  it('marks a frame cut inside the Ethernet header', () => {
    const p = new TcpdumpPrinter({ n: 2, t: 1 });
    expect(p.format(rec(frame('ffffffffffff0011'), 8, 60))).toBe(' [|ether]');
  });

  it('prints nanosecond time stamps with nine digits when asked', () => {
    const p = new TcpdumpPrinter({ n: 2, t: 2 }, true);
    const arp = frame('ffffffffffff 000000000001 0806 0001 0800 0604 0001 000000000001 0a000001 000000000000 0a000002');
    expect(p.format({ tsSec: 1, tsUsec: 5, caplen: arp.length, origLen: arp.length, data: arp }))
      .toBe('1.000000005 ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28');
  });
});
