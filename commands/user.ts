// User accounts and the enable secret. Only salted hashes are ever stored or shown.

import { defineCommands } from '../src/cli/grammar/command.js';
import type { Ctx } from '../src/cli/context.js';
import { CliError } from '../src/cli/errors.js';
import type { RunningConfig, UserConfig } from '../src/config/model.js';
import { hashSecret, isSecretHash } from '../src/config/secrets.js';
import { quote } from './quote.js';

function upsert(cfg: RunningConfig, name: string, change: (u: UserConfig) => UserConfig): RunningConfig {
  const old = cfg.users.find((u) => u.name === name) ?? { name, privilege: 1 as const, passwordHash: null, publicKeys: [] };
  const next = change(old);
  const users = cfg.users.some((u) => u.name === name) ? cfg.users.map((u) => (u.name === name ? next : u)) : [...cfg.users, next];
  return { ...cfg, users };
}

/** A secret as typed, or an already hashed one (`hashed` keyword, as show running-config prints). */
function secretOf(text: string, hashed: boolean): string {
  if (!hashed) return hashSecret(text);
  if (!isSecretHash(text)) throw new CliError('% That is not a hash this appliance made (scrypt$...)');
  return text;
}

const PRIVILEGE_HELP = { 1: 'Read only: show commands (enable for more)', 15: 'Everything' };

export const userCommands = defineCommands<Ctx>([
  {
    syntax: 'username NAME password [hashed] WORD$secret [privilege <1|15>]', modes: ['config'], doc: 'Add a user or set its password',
    help: {
      username: 'User accounts', NAME: 'User name', password: 'The user\'s password (kept as a salted hash)', hashed: 'The secret is a hash from show running-config',
      WORD: 'The password (or its hash)', privilege: '1: read only (enable to go further), 15: everything', ...PRIVILEGE_HELP,
    },
    run: (ctx, a) => ctx.commit(upsert(ctx.cfg, a.str('username'), (u) => ({
      ...u,
      passwordHash: secretOf(a.str('secret'), a.has('hashed')),
      privilege: a.optStr('privilege') === null ? u.privilege : (Number(a.str('privilege')) as 1 | 15),
    }))),
  },
  {
    syntax: 'username NAME privilege <1|15>', modes: ['config'], doc: 'Set a user\'s privilege',
    help: { NAME: 'User name', privilege: 'What the user may do', ...PRIVILEGE_HELP },
    run: (ctx, a) => ctx.commit(upsert(ctx.cfg, a.str('username'), (u) => ({ ...u, privilege: Number(a.str('privilege')) as 1 | 15 }))),
  },
  {
    syntax: 'username NAME public-key LINE', modes: ['config'], doc: 'Add an SSH public key ("ssh-ed25519 AAAA...")',
    help: { NAME: 'User name', 'public-key': 'An SSH public key the user logs in with', LINE: 'The key, quoted: "ssh-ed25519 AAAA... comment"' },
    run: (ctx, a) => {
      const key = a.str('public-key').trim();
      if (!/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521) [A-Za-z0-9+/=]+( .*)?$/.test(key)) {
        throw new CliError('% Invalid public key: expected "ssh-ed25519 AAAA..." (or ssh-rsa, ecdsa-sha2-*)');
      }
      ctx.commit(upsert(ctx.cfg, a.str('username'), (u) => (u.publicKeys.includes(key) ? u : { ...u, publicKeys: [...u.publicKeys, key] })));
    },
  },
  {
    syntax: 'no username NAME', modes: ['config'], doc: 'Remove a user', help: { NAME: 'User name' },
    run: (ctx, a) => {
      const name = a.str('username');
      if (!ctx.cfg.users.some((u) => u.name === name)) throw new CliError(`% There is no user ${name}`);
      ctx.commit({ ...ctx.cfg, users: ctx.cfg.users.filter((u) => u.name !== name) });
    },
  },
  {
    syntax: 'enable secret [hashed] WORD$secret', modes: ['config'], doc: 'The secret that raises privilege-1 users with enable',
    help: { enable: 'The enable secret', secret: 'The secret privilege-1 users give to enable', hashed: 'The secret is a hash from show running-config', WORD: 'The secret (or its hash)' },
    run: (ctx, a) => ctx.commit({ ...ctx.cfg, enableSecretHash: secretOf(a.str('secret'), a.has('hashed')) }),
  },
  {
    syntax: 'no enable secret', modes: ['config'], doc: 'Remove the enable secret', help: { enable: 'The enable secret', secret: 'The enable secret' },
    run: (ctx) => ctx.commit({ ...ctx.cfg, enableSecretHash: null }),
  },
]);

export function usersRunning(cfg: RunningConfig): string[] {
  const lines: string[] = [];
  for (const u of cfg.users) {
    if (u.passwordHash) lines.push(`username ${u.name} password hashed ${u.passwordHash} privilege ${u.privilege}`);
    else lines.push(`username ${u.name} privilege ${u.privilege}`);
    for (const k of u.publicKeys) lines.push(`username ${u.name} public-key ${quote(k)}`);
  }
  if (cfg.enableSecretHash) lines.push(`enable secret hashed ${cfg.enableSecretHash}`);
  return lines;
}
