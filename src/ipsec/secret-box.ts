// Pre-shared secrets are kept sealed: AES-256-GCM under a 32-byte key that lives outside the
// configuration, in `ipsec-secret.key` beside the start-up config (mode 0600, made on first
// use), or in memory for an appliance that saves nothing. The running config, `show
// running-config`, `show vpn` and the saved file hold only
//
//   $ipsec-aes256gcm$<key id: 8 hex>$<base64: nonce(12) | ciphertext | tag(16)>
//
// The key id (the first 4 bytes of SHA-256 of the key) tells "sealed under another key" apart
// from a damaged value. IKE needs the secret itself (it keys the AUTH prf), so it is sealed,
// not hashed: whoever holds both the config and the key file can read it, no one else.

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const PREFIX = '$ipsec-aes256gcm$';
export const SECRET_KEY_FILE = 'ipsec-secret.key';

export function secretKeyPath(startupConfigPath: string): string {
  return join(dirname(startupConfigPath), SECRET_KEY_FILE);
}

export class SecretBox {
  readonly keyId: string;
  constructor(private readonly key: Uint8Array) {
    if (key.length !== 32) throw new RangeError('the IPsec secret key must be 32 bytes');
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  }

  seal(secret: string): string {
    const nonce = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, nonce);
    c.setAAD(Buffer.from(this.keyId));
    const ct = Buffer.concat([c.update(secret, 'utf8'), c.final()]);
    return `${PREFIX}${this.keyId}$${Buffer.concat([nonce, ct, c.getAuthTag()]).toString('base64')}`;
  }

  /** The secret, or why it cannot be had. */
  open(sealed: string): { ok: true; secret: Uint8Array } | { ok: false; reason: string } {
    const parts = parseSealed(sealed);
    if (parts === null) return { ok: false, reason: 'not a sealed secret' };
    if (parts.keyId !== this.keyId) return { ok: false, reason: `sealed under another key (${parts.keyId}, this appliance's is ${this.keyId})` };
    const b = parts.blob;
    if (b.length < 12 + 16) return { ok: false, reason: 'damaged sealed secret' };
    try {
      const d = createDecipheriv('aes-256-gcm', this.key, b.subarray(0, 12));
      d.setAAD(Buffer.from(this.keyId));
      d.setAuthTag(b.subarray(b.length - 16));
      return { ok: true, secret: Buffer.concat([d.update(b.subarray(12, b.length - 16)), d.final()]) };
    } catch {
      return { ok: false, reason: 'damaged sealed secret' };
    }
  }
}

export function isSealed(text: string): boolean {
  return parseSealed(text) !== null;
}

function parseSealed(text: string): { keyId: string; blob: Buffer } | null {
  if (!text.startsWith(PREFIX)) return null;
  const rest = text.slice(PREFIX.length);
  const m = /^([0-9a-f]{8})\$([A-Za-z0-9+/]+={0,2})$/.exec(rest);
  if (!m) return null;
  return { keyId: m[1]!, blob: Buffer.from(m[2]!, 'base64') };
}

/** The key in `path` (made, mode 0600, when absent). */
export function loadOrCreateKey(path: string): Uint8Array {
  if (existsSync(path)) {
    const text = readFileSync(path, 'utf8').trim();
    const key = Buffer.from(text, 'base64');
    if (key.length !== 32) throw new Error(`${path} does not hold a 32-byte key`);
    return key;
  }
  mkdirSync(dirname(path), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(path, key.toString('base64') + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
  return key;
}

const boxes = new WeakMap<object, SecretBox>();

/**
 * The box of an appliance: its key file beside the start-up config, or a key of its own in
 * memory when it saves nothing. `owner` is the appliance (the key is made once per appliance).
 */
export function secretBoxOf(owner: { readonly startupConfigPath: string | null }): SecretBox {
  let b = boxes.get(owner);
  if (b === undefined) {
    b = new SecretBox(owner.startupConfigPath ? loadOrCreateKey(secretKeyPath(owner.startupConfigPath)) : randomBytes(32));
    boxes.set(owner, b);
  }
  return b;
}
