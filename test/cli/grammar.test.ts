import { describe, expect, it } from 'vitest';
import { compileDef, type CommandDef } from '../../src/cli/grammar/command.js';
import { CommandSet } from '../../src/cli/grammar/command-set.js';
import { formatIpv4, formatPrefix } from '../../src/net/addr.js';

type Ctx = string[];
const defs: CommandDef<Ctx>[] = [
  { syntax: 'show running-config', modes: ['x'], doc: 'Running config', run: (c) => void c.push('run') },
  { syntax: 'show route', modes: ['x'], doc: 'Routes', run: (c) => void c.push('route') },
  { syntax: 'show real [(1-65535)$id]', modes: ['x'], doc: 'Reals', run: (c, a) => void c.push(`real ${a.optNum('id')}`) },
  { syntax: 'configure terminal', modes: ['x'], doc: 'Config', run: (c) => void c.push('conf') },
  { syntax: 'route network A.B.C.D/M gateway A.B.C.D [priority (1-255)] [description LINE]', modes: ['x'], doc: 'Route', help: { network: 'A network route' },
    run: (c, a) => void c.push(`net ${formatPrefix(a.prefix('network'))} ${formatIpv4(a.ip('gateway'))} ${a.optNum('priority')} ${a.optStr('description')}`) },
  { syntax: 'vip A.B.C.D protocol <tcp|udp> vport (1-65535)', modes: ['x'], doc: 'VIP', run: (c, a) => void c.push(`vip ${a.str('protocol')} ${a.num('vport')}`) },
  { syntax: 'filter (1-64)$id {type <include|exclude>|protocol <all|tcp|udp>|sip A.B.C.D/M|dip A.B.C.D/M}', modes: ['x'], doc: 'Filter',
    run: (c, a) => void c.push(`filter ${a.num('id')} ${a.optStr('type')} ${a.optStr('protocol')} ${a.optPrefix('dip') ? formatPrefix(a.optPrefix('dip')!) : '-'}`) },
  { syntax: 'slb NAME', modes: ['x'], doc: 'SLB', run: (c, a) => void c.push(`slb ${a.str('slb')}`) },
  { syntax: 'sticky time (0-86400)', modes: ['x'], doc: 'Sticky', run: (c, a) => void c.push(`sticky ${a.num('time')}`) },
];
const set = new CommandSet<Ctx>(defs.map(compileDef), { show: 'Show running system information' });

function run(line: string): string {
  const r = set.parse(line);
  if (r.kind !== 'ok') return r.kind === 'error' ? r.message + (r.caretCol !== null ? `@${r.caretCol}` : '') : r.kind;
  const out: string[] = [];
  r.command.run(out, r.args);
  return out.join();
}

describe('grammar', () => {
  it('accepts unambiguous prefixes', () => {
    expect(run('sh ru')).toBe('run');
    expect(run('conf t')).toBe('conf');
    expect(run('show rea 7')).toBe('real 7');
    expect(run('show real')).toBe('real null');
  });
  it('reports ambiguity, incompleteness and invalid input with a caret', () => {
    expect(run('sh r')).toBe('% Ambiguous command: "sh r"');
    expect(run('show')).toBe('% Incomplete command.');
    expect(run('show bogus')).toBe("% Invalid input detected at '^' marker.@5");
    expect(run('route network 10.0.0.0/8 gateway 10.1.1.300')).toBe("% Invalid input detected at '^' marker.@33");
    expect(run('show real 70000')).toBe('% Value 70000 is out of range (1-65535)');
  });
  it('binds typed arguments under the keyword before them', () => {
    expect(run('route network 192.168.212.0/24 gateway 192.168.193.1')).toBe('net 192.168.212.0/24 192.168.193.1 null null');
    expect(run('route net 10.0.0.0/8 gat 10.0.0.1 pri 5 desc to the "lab"')).toBe('net 10.0.0.0/8 10.0.0.1 5 to the "lab"');
    expect(run('route network 10.0.0.0/8 gateway 10.0.0.1 description "a b"')).toBe('net 10.0.0.0/8 10.0.0.1 null a b');
    expect(run('vip 192.168.193.50 protocol tcp vport 80')).toBe('vip tcp 80');
  });
  it('takes options in any order, each once', () => {
    expect(run('filter 1 type include protocol tcp dip 192.168.193.50/32')).toBe('filter 1 include tcp 192.168.193.50/32');
    expect(run('filter 1 dip 1.2.3.4/32 type exclude')).toBe('filter 1 exclude null 1.2.3.4/32');
    expect(run('filter 1 type include type exclude')).toMatch(/^% Invalid input/);
  });
  it('prefers keywords over free names only where they exist', () => {
    expect(run('slb test')).toBe('slb test');
    expect(run('sticky time 60')).toBe('sticky 60');
  });
  it('lists help for the next token and completes keywords', () => {
    const h = set.help('show ');
    expect(Array.isArray(h) && h.map((x) => x.word)).toEqual(['real', 'route', 'running-config']);
    const h2 = set.help('sh');
    expect(Array.isArray(h2) && h2[0]).toEqual({ word: 'show', help: 'Show running system information' });
    const h3 = set.help('show real ');
    expect(Array.isArray(h3) && h3.map((x) => x.word)).toEqual(['<1-65535>', '<cr>']);
    expect(set.complete('conf')).toEqual({ line: 'configure ', choices: [] });
    expect(set.complete('show r')).toEqual({ line: 'show r', choices: ['real', 'route', 'running-config'] });
    expect(set.complete('show ru')).toEqual({ line: 'show running-config ', choices: [] });
  });
  it('splits output pipes off the command', () => {
    const r = set.parse('show running-config | include slb | count');
    expect(r.kind === 'ok' && r.pipes).toEqual(['include slb', 'count']);
  });
  it('keeps a | inside a regular expression (no space before it, or not followed by a modifier)', () => {
    const pipes = (line: string) => { const r = set.parse(line); return r.kind === 'ok' ? r.pipes : r.kind; };
    expect(pipes('show running-config | include Product|Serial')).toEqual(['include Product|Serial']);
    expect(pipes('show running-config | i Product|Serial | count')).toEqual(['i Product|Serial', 'count']);
    expect(pipes('show running-config | include a |Serial')).toEqual(['include a |Serial']);
    expect(pipes('show running-config | include "a | b" | c')).toEqual(['include "a | b"', 'c']);
    expect(pipes('show running-config | include x | json')).toEqual(['include x', 'json']);
  });
  it('takes an optional choice: [a|b]', () => {
    const def: CommandDef<Ctx> = { syntax: 'show ip route [connected|static|bgp]', modes: ['x'], doc: 'Routes', run: (c, a) => void c.push(`route ${a.optStr('route')}`) };
    const opt = new CommandSet<Ctx>([def].map(compileDef), {});
    const go = (line: string) => { const r = opt.parse(line); const out: string[] = []; if (r.kind === 'ok') r.command.run(out, r.args); return r.kind === 'ok' ? out.join() : r.kind; };
    expect(go('show ip route')).toBe('route null');
    expect(go('show ip route st')).toBe('route static');
    expect(go('show ip route bogus')).toBe('error');
  });
});
