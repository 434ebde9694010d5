import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CORPUS, FIXTURES, fixtureText, tcpdumpInstalled } from './helpers.js';
import { readPcapFile } from '../../src/capture/pcap.js';
import { compileFilter } from '../../src/capture/filter/compile.js';

interface FilterFixture {
  filters: string[];
  bad: string[];
  results: Record<string, { match?: number[]; error?: string }>;
  frames: number;
}

const fixture = JSON.parse(fixtureText('filters.json')) as FilterFixture;
const records = readPcapFile(CORPUS).records;

function matched(expr: string): number[] {
  const c = compileFilter(expr);
  if (!c.ok) throw new Error(c.error);
  const out: number[] = [];
  records.forEach((r, i) => {
    if (c.match(r.data, r.caplen, r.origLen)) out.push(i);
  });
  return out;
}

describe('filters select the packets tcpdump selects', () => {
  it('fixture covers the corpus', () => {
    expect(fixture.frames).toBe(records.length);
    expect(fixture.filters.length).toBeGreaterThanOrEqual(30);
  });
  for (const expr of fixture.filters) {
    it(expr, () => {
      const expected = fixture.results[expr]!.match!;
      expect(matched(expr)).toEqual(expected);
    });
  }
  it('some filters match a proper subset and some match nothing', () => {
    const sizes = fixture.filters.map((f) => fixture.results[f]!.match!.length);
    expect(sizes.some((n) => n > 0 && n < records.length)).toBe(true);
  });
});

describe('pcap semantics', () => {
  const c = (e: string) => {
    const r = compileFilter(e);
    if (!r.ok) throw new Error(r.error);
    return r.match;
  };
  const hex = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
  // Ether / IP 10.0.0.1 > 10.0.0.2 proto 4 / IP 1.1.1.1 > 2.2.2.2 / TCP 1234 > 80
  const ipip = hex(`000000000002 000000000001 0800
    4500 0050 0001 0000 4004 0000 0a000001 0a000002
    4500 003c 0001 0000 4006 0000 01010101 02020202
    04d2 0050 00000001 00000000 5002 2000 0000 0000`);

  it('port 80 and udp look at the outer IPv4 header only', () => {
    expect(c('port 80')(ipip)).toBe(false);
    expect(c('tcp')(ipip)).toBe(false);
    expect(c('udp')(ipip)).toBe(false);
    expect(c('proto 4')(ipip)).toBe(true);
    expect(c('ip proto 4')(ipip)).toBe(true);
    expect(c('host 10.0.0.1')(ipip)).toBe(true);
    expect(c('host 1.1.1.1')(ipip)).toBe(false);
  });

  it('a load past the captured data rejects the packet, even under or/not', () => {
    expect(c('ip[100] = 0 or arp')(ipip)).toBe(false);
    expect(c('tcp[100] = 0 or ip')(ipip)).toBe(true); // not TCP: the load never runs
    expect(c('ip or tcp[100] = 0')(ipip)).toBe(true);
    expect(c('not ether[200] = 1')(ipip)).toBe(false);
    expect(c('ip')(ipip, 10)).toBe(false);
  });

  it('len and less/greater use the wire length', () => {
    expect(c('len = 1500')(ipip, ipip.length, 1500)).toBe(true);
    expect(c('greater 1000')(ipip, ipip.length, 1500)).toBe(true);
    expect(c('less 100')(ipip, ipip.length, 1500)).toBe(false);
  });

  it('and/or associate left with equal precedence, as in libpcap', () => {
    // (ip or arp) and udp: false for the IPIP packet; ip or (arp and udp) would be true.
    expect(c('ip or arp and udp')(ipip)).toBe(false);
    expect(c('ip or (arp and udp)')(ipip)).toBe(true);
  });

  it('runtime division by zero rejects the packet', () => {
    expect(c('ip[1] / ip[1] = 1 or arp')(ipip)).toBe(false);
  });

  it('an empty expression matches everything', () => {
    expect(c('')(ipip)).toBe(true);
  });
});

describe('bad expressions', () => {
  for (const expr of fixture.bad) {
    it(`${JSON.stringify(expr)} is rejected with a % error`, () => {
      const res = fixture.results[expr]!;
      const mine = compileFilter(expr);
      // tcpdump rejects everything in the list except a few it reads leniently.
      if (res.error === undefined) {
        expect(mine.ok).toBe(true);
        if (mine.ok) expect(matched(expr)).toEqual(res.match);
        return;
      }
      expect(mine.ok).toBe(false);
      if (!mine.ok) expect(mine.error).toMatch(/^% tcpdump: /);
    });
  }

  it('names the offending token', () => {
    const r = compileFilter('tcp and and udp');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toBe("% tcpdump: syntax error in filter expression: unexpected 'and' at position 9");
    const h = compileFilter('host nosuchhost');
    expect(h.ok).toBe(false);
    if (!h.ok) expect(h.error).toBe("% tcpdump: unknown host 'nosuchhost'");
  });

  it('never throws on garbage', () => {
    const junk = ['(((', ')', '[', 'tcp[', 'tcp[1:', 'ip[0] &', '- - -', '\\', 'host 999.1.1.1', 'net 1.2.3.4 mask x',
      'ether host zz:zz', 'port -1', 'vlan vlan vlan', 'len len', '0x', '\u00e9', 'portrange a-b-c'];
    for (const j of junk) {
      const r = compileFilter(j);
      if (!r.ok) expect(r.error).toMatch(/^% tcpdump: /);
    }
  });
});

describe.skipIf(!tcpdumpInstalled)('live tcpdump agrees with the filter fixture', () => {
  it('matches for a sample of the expressions', () => {
    for (const expr of fixture.filters.slice(0, 12)) {
      const r = spawnSync('tcpdump', ['-nn', '-tt', '-r', CORPUS, expr], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
      const base = Number(fixtureText('corpus-nntt.txt').split('.')[0]);
      const idx = r.stdout.split('\n').filter((l) => /^\d/.test(l)).map((l) => Number(l.split('.')[0]) - base);
      expect(idx, expr).toEqual(fixture.results[expr]!.match);
    }
  });
});

describe('filters on mutated and cut frames (fuzz.pcap)', () => {
  interface Outcome { bitmap?: string; error?: string }
  const fuzzFixture = JSON.parse(fixtureText('filters-fuzz.json')) as {
    frames: number;
    results: Record<string, { optimized: Outcome; unoptimized: Outcome }>;
  };
  const fuzzRecords = readPcapFile(join(FIXTURES, 'fuzz.pcap')).records;
  const toSet = (hex: string): Set<number> => {
    const bits = BigInt('0x' + hex);
    const s = new Set<number>();
    for (let i = 0; i < fuzzRecords.length; i++) if ((bits >> BigInt(i)) & 1n) s.add(i);
    return s;
  };

  it('fixture covers the fuzz capture', () => {
    expect(fuzzRecords.length).toBe(fuzzFixture.frames);
    expect(fuzzRecords.filter((r) => r.caplen < r.origLen).length).toBeGreaterThan(300);
  });

  for (const [expr, res] of Object.entries(fuzzFixture.results)) {
    it(expr, () => {
      const c = compileFilter(expr);
      expect(c.ok).toBe(true);
      if (!c.ok) return;
      const mine = new Set<number>();
      fuzzRecords.forEach((r, i) => {
        if (c.match(r.data, r.caplen, r.origLen)) mine.add(i);
      });
      // Exactly the unoptimized BPF program (tcpdump -O) ...
      expect([...mine]).toEqual([...toSet(res.unoptimized.bitmap!)]);
      // ... which never matches a packet optimized tcpdump rejects.
      const optimized = res.optimized.bitmap === undefined ? new Set<number>() : toSet(res.optimized.bitmap);
      for (const i of mine) expect(optimized.has(i), `packet ${i}`).toBe(true);
    });
  }
});
