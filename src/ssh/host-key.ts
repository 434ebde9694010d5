// The SSH host key: an ed25519 key made on first start and kept (mode 0600) beside the start-up
// configuration, so clients see the same key after a restart.

import { createHash } from 'node:crypto';
import { chmod, link, open, readFile, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import ssh2 from 'ssh2';

export const HOST_KEY_NAME = 'ssh_host_ed25519_key';

export interface HostKey {
  /** The private key, OpenSSH format (what ssh2's Server takes). */
  readonly privateKey: string;
  /** `ssh-ed25519 AAAA...` */
  readonly publicKey: string;
  /** `SHA256:...`, as `ssh-keygen -lf` and `ssh` print it. */
  readonly fingerprint: string;
  readonly path: string;
  readonly created: boolean;
}

export function hostKeyPath(startupConfigPath: string): string {
  return join(dirname(startupConfigPath), HOST_KEY_NAME);
}

/** `SHA256:<base64 without padding>` of an SSH public key blob. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

function describe(privateKey: string, path: string, created: boolean): HostKey {
  const parsed = ssh2.utils.parseKey(privateKey);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) throw new Error(`% Cannot read the SSH host key ${path}: ${key instanceof Error ? key.message : 'no key'}`);
  const blob = key.getPublicSSH();
  return { privateKey, publicKey: `${key.type} ${blob.toString('base64')}`, fingerprint: fingerprintOf(blob), path, created };
}

/**
 * A new ed25519 key pair in OpenSSH format. ssh2's generator sometimes (about 1 in 270 here)
 * writes a private key its own parser rejects as malformed, so keep only one that reads back.
 */
export function generateHostKeyPair(comment?: string): { private: string; public: string } {
  for (let i = 0; i < 20; i++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', comment ? { comment } : {});
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error)) return pair;
  }
  throw new Error('% Cannot make an SSH host key: every generated key was unreadable');
}

/** Reads the host key at `path`, or makes one there (atomically: a half-written key is never seen). */
export async function loadOrCreateHostKey(path: string): Promise<HostKey> {
  try {
    const text = await readFile(path, 'utf8');
    await chmod(path, 0o600).catch(() => {});
    return describe(text, path, false);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const pair = generateHostKeyPair('pask host key');
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(pair.private);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    // link() fails if another process made the key meanwhile: then use theirs.
    await link(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    await unlink(tmp).catch(() => {});
    return describe(await readFile(path, 'utf8'), path, false);
  }
  await unlink(tmp).catch(() => {});
  return describe(pair.private, path, true);
}

/** An ephemeral host key, for an appliance that has nowhere to keep one. */
export function ephemeralHostKey(): HostKey {
  const pair = generateHostKeyPair();
  return describe(pair.private, '(not saved)', true);
}
