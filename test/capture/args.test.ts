import { describe, expect, it } from 'vitest';
import { parseTcpdumpArgs } from '../../src/capture/args.js';

describe('parseTcpdumpArgs', () => {
  it('combines flags as tcpdump does', () => {
    const r = parseTcpdumpArgs(['-nnevv', '-c5', '-i', 'port3', 'tcp', 'port', '80', '-X']);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.opts).toMatchObject({ n: 2, e: true, v: 2, X: 1, q: 0, S: false, t: 0 });
    expect(r.count).toBe(5);
    expect(r.iface).toBe('port3');
    expect(r.expr).toBe('tcp port 80');
    expect(r.writeFile).toBeNull();
    expect(r.readFile).toBeNull();
    const frame = new Uint8Array(54);
    frame.set([0x08, 0x00], 12);
    frame.set([0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6], 14);
    frame.set([0x04, 0xd2, 0x00, 0x50], 34);
    expect(r.filter(frame)).toBe(true);
    frame[37] = 81;
    expect(r.filter(frame)).toBe(false);
  });

  it('reads -w, -r, -s, -S, -q, -x, -A, -tttt and --', () => {
    const r = parseTcpdumpArgs(['-w', '/tmp/a.pcap', '-r/tmp/b.pcap', '-s', '96', '-Sqxx', '-A', '-tttt', '--', '-1']);
    expect(r.ok).toBe(false); // "-1" after -- is a filter word, and not a valid expression
    const ok = parseTcpdumpArgs(['-w', '/tmp/a.pcap', '-r/tmp/b.pcap', '-s', '96', '-Sqxx', '-A', '-tttt', '-l', '-p']);
    expect(ok.ok).toBe(true);
    if (!ok.ok) return;
    expect(ok.writeFile).toBe('/tmp/a.pcap');
    expect(ok.readFile).toBe('/tmp/b.pcap');
    expect(ok.snaplen).toBe(96);
    expect(ok.opts).toMatchObject({ S: true, q: 1, x: 2, A: 1, t: 4 });
    expect(ok.expr).toBe('');
    expect(ok.filter(new Uint8Array(1))).toBe(true);
  });

  it('reports errors starting with "% "', () => {
    const cases: Array<[string[], string]> = [
      [['-z'], "% tcpdump: invalid option -- 'z'"],
      [['-c'], "% tcpdump: option requires an argument -- 'c'"],
      [['-c', '0'], '% tcpdump: invalid packet count 0'],
      [['-c', 'x'], '% tcpdump: invalid packet count x'],
      [['-s', '999999'], '% tcpdump: invalid snaplen 999999 (must be >= 0 and <= 262144)'],
      [['--verbose'], "% tcpdump: unrecognized option '--verbose'"],
      [['-i', 'p1', '-r', 'f'], '% tcpdump: -i and -r are mutually exclusive'],
      [['tcp', 'or'], '% tcpdump: syntax error in filter expression: unexpected end of expression'],
      [['port', '70000'], '% tcpdump: illegal port number 70000 > 65535'],
    ];
    for (const [argv, error] of cases) expect(parseTcpdumpArgs(argv)).toEqual({ ok: false, error });
  });
});
