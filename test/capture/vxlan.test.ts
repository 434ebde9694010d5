// VXLAN printed as tcpdump 4.99 prints it: the frames the appliance's VTEP sends and receives
// (file 004's addresses) and the malformed ones, with every common flag set, against the
// fixture text tcpdump printed (test/fixtures/tcpdump/vxlan-*.txt) and, when it is installed,
// against the live tcpdump.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PcapWriter } from '../../src/capture/pcap.js';
import { FIXTURES, firstDifference, printFile, runTcpdump, tcpdumpInstalled, withTz } from './helpers.js';
import { vxlanFrames } from './vxlan-gen.js';

const PCAP = join(FIXTURES, 'vxlan.pcap');
const FLAGS = ['-nn', '-nne', '-nnv', '-nnvv', '-nnevv', '-n', '-nnx', '-nnq', '-e'];

/** Writes the generated frames as a pcap (1 s apart, from 2025-05-16 03:44:51 UTC). */
function writePcap(path: string): void {
  const w = PcapWriter.open(path, 65535);
  vxlanFrames().forEach(([f, cap], i) => w.write({ tsSec: 1747367091 + i, tsUsec: 1000 * i, caplen: cap, origLen: f.length, data: f.subarray(0, cap) }));
  w.close();
}

describe('VXLAN in tcpdump\'s words', () => {
  it('the fixture pcap holds the frames the code makes (fixtures current)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pask-vxlan-pcap-'));
    try {
      writePcap(join(dir, 'v.pcap'));
      expect(readFileSync(join(dir, 'v.pcap')).equals(readFileSync(PCAP))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const flags of ['-nn', '-nnevv']) {
    it(`prints the fixture as tcpdump ${flags} did`, () => {
      const expected = readFileSync(join(FIXTURES, `vxlan${flags}.txt`), 'utf8');
      expect(expected).toContain('VXLAN, flags [I] (0x08), vni 42\n');
      expect(firstDifference(withTz('UTC', () => printFile([flags], PCAP)), expected)).toBeNull();
    });
  }

  it.skipIf(!tcpdumpInstalled)('prints every frame as the installed tcpdump does, for every flag set', () => {
    for (const flags of FLAGS) {
      const live = runTcpdump([flags], PCAP);
      expect(firstDifference(withTz('UTC', () => printFile([flags], PCAP)), live), flags).toBeNull();
    }
  });
});
