// File 003's IPsec outputs are the format contract: with the file's own values, `show vpn`,
// `show vpn ipsec sa`, `show interfaces vti vti0` and its capture print exactly the file's blocks.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TcpdumpPrinter } from '../../src/capture/print/printer.js';
import { ipv4 } from '../../src/net/addr.js';
import { writeIpv4Header } from '../../src/packet/ipv4.js';
import { ChildSa, IkeSa } from '../../src/ipsec/ike/sa.js';
import { captureLine, showIpsecSa, showVti } from '../../src/ipsec/show.js';
import { Vti } from '../../src/ipsec/vti.js';
import { newVti } from '../../src/config/ipsec.js';
import { newAppliance, runClean } from '../helpers/cli.js';
import { FILE003_ESP, FILE003_IKE, peer } from './helpers.js';

const FIXTURE = readFileSync(new URL('../fixtures/ipsec/003-show.txt', import.meta.url), 'utf8').split('\n');

/** The file's output of `command` (up to the next command, trailing blank lines dropped). */
function file003(command: string): string {
  const i = FIXTURE.indexOf(command);
  if (i < 0) throw new Error(`no block ${command}`);
  let j = i + 1;
  while (j < FIXTURE.length && !FIXTURE[j]!.startsWith('show ')) j++;
  return FIXTURE.slice(i + 1, j).join('\n').replace(/\n+$/, '') + '\n';
}

const GUI_AND_CLI = `configure terminal
vlan eth0
 vid 10
 port 1 untagged
 apply
interface eth0
 ip address 203.0.113.1/24
 apply
end
configure
set vpn ipsec esp-group FOO0 proposal 1 encryption aes256
set vpn ipsec esp-group FOO0 proposal 1 hash sha1
set vpn ipsec ike-group FOO0 proposal 1 dh-group 2
set vpn ipsec ike-group FOO0 proposal 1 encryption aes256
set vpn ipsec ike-group FOO0 proposal 1 hash sha1
set vpn ipsec site-to-site peer 192.0.2.1 local-address 203.0.113.1
set vpn ipsec site-to-site peer 192.0.2.1 tunnel 1 esp-group FOO0
set vpn ipsec site-to-site peer 192.0.2.1 tunnel 1 local prefix 192.168.1.0/24
set vpn ipsec site-to-site peer 192.0.2.1 tunnel 1 remote prefix 172.16.1.0/24
`;

describe('file 003 layouts', () => {
  it('show vpn: the configuration tree as the file prints it (the excerpt up to its "...")', async () => {
    const app = newAppliance();
    const out = await runClean(app, `${GUI_AND_CLI}show vpn\ncommit\n`);
    const want = file003('show vpn').replace(/\.\.\.\n$/, '');
    expect(out.startsWith(want), out).toBe(true);
    // With the GUI step's other settings the file's lines still come in its order (it showed the relevant ones).
    const more = await runClean(app, `configure
set vpn ipsec site-to-site peer 192.0.2.1 authentication mode pre-shared-secret
set vpn ipsec site-to-site peer 192.0.2.1 authentication pre-shared-secret 'sec ret'
set vpn ipsec site-to-site peer 192.0.2.1 description IPsecAzure
set vpn ipsec site-to-site peer 192.0.2.1 ike-group FOO0
show vpn
`);
    const lines = more.split('\n');
    let k = 0;
    for (const l of want.trimEnd().split('\n')) {
      while (k < lines.length && lines[k] !== l) k++;
      expect(k, `${l}\n${more}`).toBeLessThan(lines.length);
    }
    expect(more).toContain('               pre-shared-secret ****************\n');
    expect(more).not.toContain('sec ret');
  });

  it('show vpn ipsec sa: the file\'s SAs print the file\'s block', () => {
    const now = 1_000_000_000;
    const sa = new IkeSa(2, peer(ipv4('192.0.2.1')), true, Buffer.from('ecdf3193545e701f', 'hex'), Buffer.from('ee1b587910cc8b32', 'hex'),
      ipv4('203.0.113.1'), ipv4('192.0.2.1'), now - 787_000);
    sa.state = 'ESTABLISHED';
    sa.suite = FILE003_IKE;
    sa.remoteId = '192.0.2.1';
    sa.establishedAt = now - 787_000;
    sa.rekeyAt = now + 27_228_000;
    const k = new Uint8Array(32), a = new Uint8Array(20);
    const c = new ChildSa(1, sa, FILE003_ESP, 0xc92b831a, 0x596eba1a, { inEk: k, inAk: a, outEk: k, outAk: a },
      [{ proto: 0, startPort: 0, endPort: 65535, start: 0, end: 0xffffffff }], [{ proto: 0, startPort: 0, endPort: 65535, start: 0, end: 0xffffffff }],
      now - 787_000, 27_000_000, 0, true);
    c.rekeyAt = now + 25_448_000;
    Object.assign(c.inbound.counters, { bytes: 4180, packets: 85, lastMs: now - 3000 });
    Object.assign(c.outbound.counters, { bytes: 3366, packets: 62, lastMs: now - 3000 });
    sa.children.push(c);
    expect(showIpsecSa([sa], now)).toBe(file003('show vpn ipsec sa'));
  });

  it('show interfaces vti vti0: the file\'s counters print the file\'s block', () => {
    const v = new Vti('vti0', { outbound: () => null, acquire: () => {}, sendEsp: () => false, inject: () => {}, mssClamp: 0 });
    Object.assign(v.counters, { rxBytes: 51978, rxPackets: 593, txBytes: 50543, txPackets: 556 });
    expect(showVti(newVti('vti0'), v, ipv4('203.0.113.1'), ipv4('192.0.2.1'))).toBe(file003('show interfaces vti vti0'));
  });

  it('show interfaces vti vti0 capture: the file\'s packets print the file\'s lines', () => {
    const printer = new TcpdumpPrinter({ n: 1 });
    const echo = (src: string, dst: string, type: number, seq: number) => {
      const p = new Uint8Array(84);
      writeIpv4Header(p, 0, ipv4(src), ipv4(dst), 1, 84, 64, 1, 0x4000);
      p[20] = type;
      p[24] = 12993 >> 8; p[25] = 12993 & 0xff; p[27] = seq;
      let s = 0;
      for (let i = 20; i < 84; i += 2) s += (p[i]! << 8) | p[i + 1]!;
      while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
      p[22] = (~s >> 8) & 0xff; p[23] = ~s & 0xff;
      return p;
    };
    const at = (h: number, m: number, s: number, us: number) => new Date(2017, 6, 4, h, m, s).getTime() * 1000 + us;
    const lines = [
      captureLine(printer, at(22, 40, 10, 503017), echo('172.16.1.10', '192.168.1.10', 8, 18), 0, 84),
      captureLine(printer, at(22, 40, 10, 504918), echo('192.168.1.10', '172.16.1.10', 0, 18), 0, 84),
      captureLine(printer, at(22, 40, 11, 509699), echo('172.16.1.10', '192.168.1.10', 8, 19), 0, 84),
      captureLine(printer, at(22, 40, 11, 512768), echo('192.168.1.10', '172.16.1.10', 0, 19), 0, 84),
    ];
    expect(`${lines.join('\n')}\n`).toBe(file003('show interfaces vti vti0 capture'));
  });
});
