// The operator's everyday commands, as batches: pipes, the commands an IOS user reaches for,
// `no` forms, the answers that were wrong, and the seed's fixed column widths.
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandRegistry } from '../../commands/index.js';
import { renderRunningConfig } from '../../commands/running-config.js';
import { leavesOf } from '../../src/cli/grammar/syntax.js';
import { SUBMODES } from '../../src/cli/modes.js';
import { defaultConfig } from '../../src/config/defaults.js';
import { batch, labAppliance, newAppliance, REFERENCE_SCENARIO, runClean } from '../helpers/cli.js';
import { seedOutput } from '../helpers/seed.js';

const scenario = async () => {
  const app = newAppliance();
  await runClean(app, REFERENCE_SCENARIO);
  return app;
};

describe('output pipes', () => {
  it('a regular expression may contain |, quoted or not', async () => {
    const app = newAppliance();
    const both = /^ +Product Name +: PAS-K3200X\n +Serial Number +: R211K30000A03201\n$/;
    expect(await runClean(app, 'show system | include Product|Serial')).toMatch(both);
    expect(await runClean(app, 'sh sys | i Product|Serial')).toMatch(both);
    expect(await runClean(app, 'show system | include "Product|Serial"')).toMatch(both);
    expect(await runClean(app, 'show system | include Product|Serial | count')).toBe('Count: 2 lines\n');
    expect(await runClean(app, 'show system | include Product | count')).toBe('Count: 1 line\n');
  });

  it('| section prints the sections a match falls in, whole', async () => {
    const app = await scenario();
    expect(await runClean(app, 'show running-config | section ^real')).toBe('real 1\n name server\n rip 192.168.211.150\n rport 80\n apply\n');
    expect(await runClean(app, 'show running-config | section sticky')).toMatch(/^slb test\n vip 192\.168\.193\.50 .*\n( .*\n)* sticky time 60\n apply\n$/);
    const bad = await batch(app, 'show system | frob x');
    expect(bad.err).toContain('% Unknown output modifier "frob": use include, exclude, begin, section, count or json');
  });
});

describe('everyday commands', () => {
  it('show version, show clock, show terminal', async () => {
    const app = newAppliance();
    const v = await runClean(app, 'show version');
    expect(v).toMatch(/^pask \d+\.\d+\.\d+, PAS-K-style L4 switch and load balancer\nProduct PAS-K3200X, serial number R211K30000A03201, OS version v2\.2\.7\.4\.0\nswitch uptime is 0 seconds\n/);
    expect(await runClean(app, 'show clock')).toMatch(/^\d\d:\d\d:\d\d\.\d{3} UTC (Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} \d{1,2} \d{4}\n$/);
    const t = await runClean(app, 'terminal length 0\nterminal width 132\nshow terminal');
    expect(t).toContain('Length       : 0 lines (no paging)\n');
    expect(t).toContain('Width        : 132 columns\n');
  });

  it('show interface NAME and show vlan NAME show one', async () => {
    const app = await scenario();
    const i = await runClean(app, 'show interface test');
    expect(i).toContain('  test up     00:06:c4:90:03:93 192.168.193.181/24 192.168.193.255 default\n');
    expect(i).not.toContain('mgmt');
    const v = await runClean(app, 'show vlan test');
    expect(v).toContain('test      | 193     |');
    expect(v).not.toContain('default   |');
    expect((await batch(app, 'show vlan nosuch')).err).toContain('% There is no vlan nosuch');
    expect((await batch(app, 'show interface nosuch')).err).toContain('% There is no interface nosuch');
  });

  it('show running-config of one kind or one object', async () => {
    const app = await scenario();
    expect(await runClean(app, 'show running-config slb test')).toMatch(/^slb test\n vip 192\.168\.193\.50 protocol tcp vport 80\n( .*\n)+ apply\n!\n$/);
    expect(await runClean(app, 'show running-config real 1')).toBe('real 1\n name server\n rip 192.168.211.150\n rport 80\n apply\n!\n');
    expect(await runClean(app, 'show running-config route'))
      .toBe('route default-gateway 192.168.193.1\nroute network 192.168.212.0/24 gateway 192.168.193.1\n!\n');
    const hcs = await runClean(app, 'show running-config health-check');
    expect(hcs).toContain('health-check 1\n');
    expect(hcs).toContain('health-check 2\n');
    expect((await batch(app, 'show running-config slb nosuch')).err).toContain('% There is no slb nosuch');
    expect((await batch(app, 'show running-config real 9')).err).toContain('% There is no real 9');
  });

  it('wr saves, write terminal shows, write erase erases, copy startup-config running-config merges it back', async () => {
    const app = await scenario();
    const dir = mkdtempSync(join(tmpdir(), 'pask-everyday-'));
    app.startupConfigPath = join(dir, 'startup-config');
    expect(await runClean(app, 'wr')).toBe('[OK]\n');
    expect(readFileSync(app.startupConfigPath, 'utf8')).toBe(renderRunningConfig(app.config));
    expect(await runClean(app, 'write terminal')).toBe(renderRunningConfig(app.config));
    await runClean(app, 'configure terminal\nno slb test\nend');
    expect(app.config.slbs).toEqual([]);
    expect(await runClean(app, 'copy startup-config running-config')).toBe('[OK]\n');
    expect(app.config.slbs.map((s) => s.name)).toEqual(['test']);
    expect(await runClean(app, 'write erase')).toBe('[OK]\n');
    expect(existsSync(app.startupConfigPath)).toBe(false);
    expect((await batch(app, 'copy startup-config running-config')).err).toContain('% There is no saved start-up configuration');
  });

  it('reload: refused in a batch with unsaved changes; else the appliance restarts from its start-up configuration', async () => {
    const app = await labAppliance();
    await runClean(app, `${REFERENCE_SCENARIO}wait 10\nlab request client http://192.168.193.50/\n`);
    const refused = await batch(app, 'reload');
    expect(refused.err).toContain('% The running configuration has unsaved changes: save them first (write memory)');
    expect(app.config.slbs).toHaveLength(1);
    await runClean(app, 'write memory\nconfigure terminal\nhostname CHANGED\nend');
    const before = await batch(app, 'reload');
    expect(before.err).toContain('unsaved changes');
    await runClean(app, 'configure terminal\nhostname PAS-K\nend');
    expect(await runClean(app, 'wait 100\nreload')).toContain('Reloaded with the start-up configuration');
    expect(app.config.hostname).toBe('PAS-K');
    expect(app.config.slbs.map((s) => s.name)).toEqual(['test']);
    expect(await runClean(app, 'show version')).toContain('PAS-K uptime is 0 seconds');
    expect(await runClean(app, 'show statistics')).toMatch(/RX packets +: 0\n/);
    expect(await runClean(app, 'show log')).toMatch(/config: operator \(batch\) reloaded the appliance/);
  });

  it('clear arp forgets the resolved neighbours; they come back when needed', async () => {
    const app = await labAppliance();
    await runClean(app, `${REFERENCE_SCENARIO}wait 10`);
    expect(await runClean(app, 'show arp')).toContain('192.168.193.1');
    expect(await runClean(app, 'clear arp')).toMatch(/^[1-9]\d* ARP entr(y|ies) cleared\n$/);
    expect(await runClean(app, 'show arp')).not.toMatch(/complete/);
    expect(await runClean(app, 'wait 10\nshow arp')).toMatch(/192\.168\.193\.1 .* complete/);
  });

  it('ip address takes a dotted mask', async () => {
    const app = newAppliance();
    await runClean(app, 'configure terminal\nvlan test\n vid 193\n apply\ninterface test\n ip address 192.168.193.181 255.255.255.0\n apply\nend');
    expect(await runClean(app, 'show running-config interface test')).toBe('interface test\n ip address 192.168.193.181/24\n apply\n!\n');
    expect((await batch(app, 'configure terminal\ninterface test\n ip address 10.0.0.1 255.0.255.0')).err).toContain('% 255.0.255.0 is not a valid network mask');
  });
});

/** Sub-mode setting commands (first word) that have no `no` form on purpose: mandatory values and lists edited item by item. */
const NO_FORM_EXEMPT: Record<string, string[]> = {
  vlan: ['vid', 'port'], interface: ['ip', 'shutdown'], slb: ['vip', 'filter', 'health-check', 'real'], real: ['rip'],
  'health-check': [], 'port-boundary': ['port', 'src-ip', 'dst-ip', 'src-port', 'dst-port', 'include-mac', 'vlan'],
};

describe('no forms', () => {
  it('every setting of every object has a no form', () => {
    const missing: string[] = [];
    for (const mode of SUBMODES) {
      const cmds = commandRegistry().set(mode, true).commands.filter((c) => c.modes.includes(mode));
      const firstWords = (c: (typeof cmds)[number]) => leavesOf(c.tree).slice(0, 1).flatMap((l) => (l.t === 'kw' ? [l.word] : []));
      const settings = new Set(cmds.flatMap((c) => (c.syntax.startsWith('<') ? [] : firstWords(c))).filter((w) => !['no', 'apply', 'exit', 'end', 'do'].includes(w)));
      const negated = new Set(cmds.filter((c) => c.syntax.startsWith('no ')).map((c) => c.syntax.split(' ')[1]!));
      for (const w of settings) if (!negated.has(w) && !(NO_FORM_EXEMPT[mode] ?? []).includes(w)) missing.push(`${mode}: no ${w}`);
    }
    expect(missing).toEqual([]);
  });

  it('no lb-method, no nat-mode, no sticky time, no status... return the service to its defaults', async () => {
    const app = await scenario();
    await runClean(app, [
      'configure terminal', 'slb test', 'lb-method wrr', 'status disable', 'priority 7', 'fail-skip real', 'fail-action drop', 'session-reset both',
      'keep-backup real enable', 'hc-condition any', 'sticky src-subnet 255.255.255.0', 'session-timeout 30', 'apply',
      'no nat-mode', 'no lb-method', 'no sticky time', 'no status', 'no priority', 'no fail-skip', 'no fail-action', 'no session-reset',
      'no keep-backup', 'no hc-condition', 'no sticky src-subnet', 'no session-timeout', 'apply', 'end',
    ].join('\n'));
    const text = await runClean(app, 'show running-config slb test');
    expect(text).toBe('slb test\n vip 192.168.193.50 protocol tcp vport 80\n health-check 1\n real 1\n filter 1 type include protocol tcp dip 192.168.193.50/32\n apply\n!\n');
  });

  it('a real, a health check, a port boundary and a VLAN go back to their defaults too', async () => {
    const app = await scenario();
    await runClean(app, [
      'configure terminal',
      'real 1', 'weight 5', 'max-conns 9', 'status disable', 'no name', 'no rport', 'no weight', 'no max-conns', 'no status', 'apply',
      'health-check 2', 'timeout 1', 'retry 5', 'graceful-shutdown enable', 'http path /x', 'udp reply required', 'no timeout', 'no retry',
      'no graceful-shutdown', 'no http', 'no udp reply', 'no port', 'apply',
      'port-boundary 1', 'type exclude', 'status disable', 'promisc on', 'protocol tcp', 'no type', 'no status', 'no promisc', 'no protocol', 'apply',
      'vlan test', 'tbm enable', 'no tbm', 'apply', 'end',
    ].join('\n'));
    expect(await runClean(app, 'show running-config real 1')).toBe('real 1\n rip 192.168.211.150\n apply\n!\n');
    expect(await runClean(app, 'show running-config health-check 2')).toBe('health-check 2\n type ip-tunnel-udp\n inner-tip 192.168.193.50\n apply\n!\n');
    expect(await runClean(app, 'show running-config port-boundary 1')).toBe('port-boundary 1\n port 1,2\n apply\n!\n');
    expect(await runClean(app, 'show running-config vlan test')).toBe('vlan test\n vid 193\n port 1 untagged\n apply\n!\n');
    await runClean(app, 'configure terminal\nsession-timeout udp 99\nno session-timeout udp\nbanner motd hello\nno banner motd\nend');
    expect(app.config.sessionTimeouts).toEqual(defaultConfig().sessionTimeouts);
    expect(app.config.banner).toBe('');
  });
});

describe('answers that were wrong', () => {
  it('show entry slb nosuch names the missing service', async () => {
    const r = await batch(await scenario(), 'show entry slb nosuch');
    expect(r.err).toBe('batch:1: % There is no slb nosuch\n');
    expect(r.out).toBe('');
  });

  it('a real without a rip is refused at apply', async () => {
    const app = await scenario();
    const r = await batch(app, 'configure terminal\nreal 7\n name x\n apply\nend');
    expect(r.err).toContain('batch:4: % real 7 needs a real IP address (rip A.B.C.D)');
    expect(app.config.reals.map((x) => x.id)).toEqual([1]);
  });

  it('a new object left without apply is reported on stderr with its FILE:LINE', async () => {
    const r = await batch(newAppliance(), 'configure terminal\nreal 7\n rip 10.0.0.7\nexit');
    expect(r.ok).toBe(true);
    expect(r.out).toBe('');
    expect(r.err).toBe('batch:4: % real 7 was never applied: discarded (rip)\n');
  });

  it('no interface names what uses it', async () => {
    const r = await batch(await scenario(), 'configure terminal\nno interface test');
    expect(r.err).toContain('% interface test is used by the default gateway 192.168.193.1, route 192.168.212.0/24 gateway 192.168.193.1: remove them first');
  });

  it('a 3,000-character description is refused', async () => {
    const app = await scenario();
    const long = 'x'.repeat(3000);
    expect((await batch(app, `configure terminal\nslb test\n description ${long}`)).err).toContain('% The description is too long (3000 characters): at most 255');
    expect((await batch(app, `configure terminal\nslb test\n filter 1 description ${long}`)).err).toContain('% The description is too long (3000 characters): at most 255');
    expect(app.config.slbs[0]!.description).toBe('');
  });

  it('a disabled real\'s State-Time counts from when it was disabled', async () => {
    const app = await labAppliance();
    await runClean(app, `${REFERENCE_SCENARIO}wait 100`);
    await runClean(app, 'configure terminal\nreal 1\n status disable\n apply\nend\nwait 5');
    const info = await runClean(app, 'show info slb test');
    expect(info).toMatch(/ 1 +server +192\.168\.211\.150 80 +disable disable +INACT +0 days 00:00:05\n/);
  });
});

describe('the seed\'s column widths', () => {
  it('an empty show entry has the seed\'s header', async () => {
    const out = await runClean(newAppliance(), 'show entry');
    expect(out.split('\n')[1]).toBe(seedOutput('show entry').split('\n').find((l) => l.startsWith('Prot'))!.trimEnd());
  });

  it('G-SHDN keeps its width whatever the value', async () => {
    const app = await scenario();
    await runClean(app, 'configure terminal\nhealth-check 1\n graceful-shutdown enable\n apply\nend');
    const info = await runClean(app, 'show info slb test');
    expect(info).toContain('       ID    Name   RIP             Rport Backup Status G-SHDN  Health Cause State-Time      Description\n');
    expect(info).toMatch(/\n {7}1 {5}server 192\.168\.211\.150 80 {11}enable enable  /);
  });
});

describe('start-up configuration', () => {
  it('may be bare configuration lines, without configure terminal', async () => {
    const { bootAppliance } = await import('../../src/boot.js');
    const dir = mkdtempSync(join(tmpdir(), 'pask-startup-'));
    const file = join(dir, 'startup-config');
    writeFileSync(file, 'hostname BARE\nreal 3\n rip 10.0.0.3\n apply\n');
    let err = '';
    const app = await bootAppliance({ lab: 'none', ports: [], config: file }, { out: () => {}, err: (t) => (err += t) });
    try {
      expect(err).toBe('');
      expect(app.config.hostname).toBe('BARE');
      expect(app.config.reals.map((r) => r.id)).toEqual([3]);
      expect(await runClean(app, 'show log')).toContain(`config: start-up configuration ${file} loaded`);
    } finally {
      await app.close();
    }
  });
});
