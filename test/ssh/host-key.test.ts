// Host keys the appliance makes must always be readable by its SSH server.
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { ephemeralHostKey, generateHostKeyPair } from '../../src/ssh/host-key.js';

describe('SSH host key generation', () => {
  it('every generated key reads back (ssh2 alone fails about 1 in 270)', () => {
    for (let i = 0; i < 1500; i++) {
      const pair = generateHostKeyPair();
      expect(ssh2.utils.parseKey(pair.private)).not.toBeInstanceOf(Error);
    }
  });
  it('an ephemeral key has a fingerprint', () => {
    expect(ephemeralHostKey().fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});
