// `pask -c "tcpdump ... -r FILE [EXPR]"` prints what tcpdump 4.99 prints, line for line.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pask } from '../helpers/pask.js';

const samples = new URL('../fixtures/tcpdump-reference/', import.meta.url).pathname;
const corpus = new URL('../fixtures/tcpdump/', import.meta.url).pathname;

describe('pask tcpdump -r', () => {
  for (const flags of ['-nn', '-nne', '-nnevv']) {
    it(`${flags} on the reference samples`, async () => {
      const r = await pask(['-c', `tcpdump ${flags} -r ${samples}samples.pcap`], { env: { TZ: 'UTC' } });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(readFileSync(`${samples}samples${flags}.txt`, 'utf8'));
    });
  }
  for (const flags of ['-nn', '-nne', '-nnv', '-nnevv']) {
    it(`${flags} on the scapy corpus`, async () => {
      const r = await pask(['-c', `tcpdump ${flags} -r ${corpus}corpus.pcap`], { env: { TZ: 'UTC' } });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(readFileSync(`${corpus}corpus${flags}.txt`, 'utf8'));
    });
  }
  it('applies a filter expression and -c', async () => {
    const r = await pask(['-c', `tcpdump -nn -c 2 -r ${samples}samples.pcap ip proto 4`], { env: { TZ: 'UTC' } });
    const expected = readFileSync(`${samples}samples-nn.txt`, 'utf8').split('\n').filter((l) => l.includes('192.168.193.181 > 192.168.211.150')).slice(0, 2);
    expect(r.stdout).toBe(expected.join('\n') + '\n');
  });
  it('a bad expression is a clear error', async () => {
    const r = await pask(['-c', `tcpdump -nn -r ${samples}samples.pcap host 999.1.1.1`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^-c 1: % tcpdump: /);
  });
});
