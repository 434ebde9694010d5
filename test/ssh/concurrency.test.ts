// 20 SSH consoles on one running config at once: each keeps its own mode and staged edit,
// `apply` is atomic, and a conflicting apply to the same object is reported, never merged.
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderRunningConfig } from '../../commands/running-config.js';
import { validate } from '../../src/config/validate.js';
import { batch, newAppliance } from '../helpers/cli.js';
import { connect, rig, Shell, type Rig } from './ssh-helpers.js';

const N = 20;
const CONFLICT = /% real (\d+) was changed by another session since you started editing it/;

describe(`${N} concurrent SSH sessions`, () => {
  let r: Rig;
  const clients: ssh2.Client[] = [];
  let shells: Shell[] = [];
  const shows: string[] = [];

  beforeAll(async () => {
    r = await rig('configure terminal\nusername admin password s3cret privilege 15\nend\n');
    for (const c of await Promise.all(Array.from({ length: N }, () => connect(r.port, { username: 'admin', password: 's3cret' })))) clients.push(c);
    shells = await Promise.all(clients.map((c) => Shell.open(c, { cols: 200, rows: 0 })));
  }, 60000);
  afterAll(async () => {
    for (const c of clients) c.end();
    await r?.close();
  });

  it('all are listed by show users, each on its own line', async () => {
    const out = await shells[0]!.run('show users');
    expect(out.split('\n').filter((l) => / ssh 127\.0\.0\.1:\d+ /.test(l))).toHaveLength(N);
    expect(out.split('\n').filter((l) => l.startsWith('*'))).toHaveLength(1);
  });

  it('each creates its own real while the others read the running config; nothing is lost', async () => {
    await Promise.all(shells.map(async (s, i) => {
      expect(await s.run('configure terminal')).toBe('');
      await s.run(`real ${100 + i}`);
      await s.run(` name s${i}`);
      shows.push(await s.run('do show running-config'));
      await s.run(` rip 10.1.${i}.1`);
      expect(await s.run(' apply')).toBe('');
      shows.push(await s.run('do show running-config'));
      expect(s.prompt).toBe(`switch(config-real[${100 + i}])#`);
      expect(await s.run('end')).toBe('');
    }));
    const reals = r.app.config.reals.map((x) => [x.id, x.name]);
    expect(reals).toEqual(Array.from({ length: N }, (_, i) => [100 + i, `s${i}`]));
  });

  it('concurrent edits of one new object: exactly one apply wins, the others are told', async () => {
    await Promise.all(shells.map(async (s, i) => {
      await s.run('configure terminal');
      await s.run('real 1');
      await s.run(` name winner${i}`);
      await s.run(' rip 10.9.9.9');
    }));
    // Every session has staged its edit; now all apply at once.
    const results = await Promise.all(shells.map((s) => s.run(' apply')));
    const won = results.map((o, i) => (o === '' ? i : -1)).filter((i) => i >= 0);
    expect(won).toHaveLength(1);
    for (const [i, o] of results.entries()) if (i !== won[0]) expect(o).toMatch(CONFLICT);
    expect(r.app.config.reals.find((x) => x.id === 1)?.name).toBe(`winner${won[0]}`);
    // The losers leave with their edit discarded; nothing of theirs reached the running config.
    await Promise.all(shells.map((s) => s.run('end')));
    (globalThis as { winner1?: number }).winner1 = won[0];
  });

  it('concurrent edits of one existing object: one wins, the rest are reported, nothing merges', async () => {
    await Promise.all(shells.map(async (s, i) => {
      await s.run('configure terminal');
      await s.run('real 100');
      await s.run(i % 2 ? ` description d${i}` : ` weight ${i + 2}`);
    }));
    const results = await Promise.all(shells.map((s) => s.run(' apply')));
    const won = results.map((o, i) => (o === '' ? i : -1)).filter((i) => i >= 0);
    expect(won).toHaveLength(1);
    for (const [i, o] of results.entries()) if (i !== won[0]) expect(o).toMatch(CONFLICT);
    const real100 = r.app.config.reals.find((x) => x.id === 100)!;
    const w = won[0]!;
    // Only the winner's change: the base values of everything else.
    expect([real100.description, real100.weight]).toEqual(w % 2 ? [`d${w}`, 1] : ['', w + 2]);
    await Promise.all(shells.map((s) => s.run('end')));
    (globalThis as { winner100?: number }).winner100 = w;
  });

  it('the final running config is valid and equals the expected union', async () => {
    expect(validate(r.app.config)).toEqual([]);
    const g = globalThis as { winner1?: number; winner100?: number };
    const w1 = g.winner1!, w100 = g.winner100!;
    const admin = r.app.config.users[0]!;
    const expected = newAppliance();
    const lines = ['configure terminal', `username admin password hashed ${admin.passwordHash} privilege 15`];
    for (let i = 0; i < N; i++) {
      lines.push(`real ${100 + i}`, ` name s${i}`, ` rip 10.1.${i}.1`);
      if (i === 0) lines.push(w100 % 2 ? ` description d${w100}` : ` weight ${w100 + 2}`);
      lines.push(' apply');
    }
    lines.push('real 1', ` name winner${w1}`, ' rip 10.9.9.9', ' apply', 'end');
    const b = await batch(expected, lines.join('\n'));
    expect(b.err).toBe('');
    expect(renderRunningConfig(r.app.config)).toBe(renderRunningConfig(expected.config));
  });

  it('every running config a session saw meanwhile was a whole one (it loads as it is)', async () => {
    expect(shows).toHaveLength(2 * N);
    for (const text of shows) {
      const fresh = newAppliance();
      const b = await batch(fresh, text);
      expect(b.err).toBe('');
      expect(validate(fresh.config)).toEqual([]);
    }
  });
});
