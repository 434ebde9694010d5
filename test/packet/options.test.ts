// The TCP option walker and byte helpers, on hand-laid option bytes (RFC 9293 3.2, RFC 7323, RFC 2018).

import { describe, expect, it } from 'vitest';
import { copyBytes, IpMeta, ipv4OptionsValid, parseTcpOptions } from '../../src/packet/index.js';
import { hex } from './helpers.js';

function walk(bytes: string): IpMeta {
  const b = hex(bytes);
  const m = new IpMeta();
  m.mss = 999; // stale values must be cleared
  m.hasTimestamps = true;
  parseTcpOptions(b, 0, b.length, m);
  return m;
}

describe('TCP option walker', () => {
  it('reads MSS, SACK-permitted, timestamps, NOP and window scale in any order', () => {
    expect(walk('01 03 03 0e 08 0a 00000001 00000002 04 02 02 04 ffff 00')).toMatchObject({
      mss: 0xffff, wscale: 14, sackPermitted: true, hasTimestamps: true, tsVal: 1, tsEcr: 2, tcpOptionsOk: true,
    });
  });

  it('counts SACK blocks', () => {
    expect(walk('0101 050a 00000001 00000002').sackBlocks).toBe(1);
    expect(walk('0101 0512 00000001 00000002 00000003 00000004').sackBlocks).toBe(2);
  });

  it('stops at EOL', () => {
    expect(walk('00 02 04 05b4')).toMatchObject({ mss: -1, tcpOptionsOk: true, hasTimestamps: false });
  });

  it('ignores known options with the wrong length and skips unknown ones', () => {
    expect(walk('02 05 05b4 00 08 06 00000001 03 02 fe 04 abcd 04 02')).toMatchObject({
      mss: -1, hasTimestamps: false, tsVal: 0, wscale: -1, sackPermitted: true, tcpOptionsOk: true,
    });
  });

  it('flags a length byte below 2, past the end, or missing', () => {
    expect(walk('02 04 05b4 fe 01 0000')).toMatchObject({ mss: 1460, tcpOptionsOk: false });
    expect(walk('02 04 05b4 08 0a 0000')).toMatchObject({ mss: 1460, hasTimestamps: false, tcpOptionsOk: false });
    expect(walk('01 01 01 02').tcpOptionsOk).toBe(false);
  });
});

describe('IPv4 option validation', () => {
  it('accepts NOP/EOL/TLVs and rejects bad lengths', () => {
    expect(ipv4OptionsValid(hex('94040000'), 0, 4)).toBe(true);
    expect(ipv4OptionsValid(hex('01010100'), 0, 4)).toBe(true);
    expect(ipv4OptionsValid(hex('00ffffff'), 0, 4)).toBe(true);
    expect(ipv4OptionsValid(hex('94050000'), 0, 4)).toBe(false);
    expect(ipv4OptionsValid(hex('94010000'), 0, 4)).toBe(false);
    expect(ipv4OptionsValid(hex('01010194'), 0, 4)).toBe(false);
  });
});

describe('copyBytes', () => {
  it('behaves like memmove within a buffer and between views of the same memory', () => {
    const ab = new ArrayBuffer(32);
    const whole = new Uint8Array(ab);
    for (let i = 0; i < 32; i++) whole[i] = i;
    const a = new Uint8Array(ab, 0, 32);
    const b = new Uint8Array(ab, 4, 28);
    copyBytes(b, 0, a, 0, 10); // destination 4 bytes above the source, overlapping
    expect([...whole.subarray(0, 16)]).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 14, 15]);
    for (let i = 0; i < 32; i++) whole[i] = i;
    copyBytes(a, 0, b, 0, 10); // destination below the source
    expect([...whole.subarray(0, 12)]).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 10, 11]);
    for (let i = 0; i < 32; i++) whole[i] = i;
    copyBytes(whole, 2, whole, 0, 5);
    expect([...whole.subarray(0, 8)]).toEqual([0, 1, 0, 1, 2, 3, 4, 7]);
    const other = new Uint8Array(4);
    copyBytes(other, 1, whole, 10, 3);
    expect([...other]).toEqual([0, 10, 11, 12]);
  });
});
