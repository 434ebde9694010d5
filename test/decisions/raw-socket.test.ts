// Evidence for docs/decisions.md: raw-socket (named by the design card) opens kernel raw IP
// sockets. It cannot be a port backend (no Ethernet frames: IPv4/IPv6 families only), and its
// packets go through the kernel's IP stack and routing table, which know nothing of the
// appliance's addresses (they live in pask's engine, in the lab or behind an AF_PACKET port).
// So the appliance's own sockets are pask's host stack (src/stack), not raw-socket.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);

function whyNot(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root (raw sockets and namespaces need it)';
  try {
    require('raw-socket');
  } catch (e) {
    return `raw-socket did not build: ${(e as Error).message}`;
  }
  if (spawnSync('ip', ['-V']).status !== 0) return 'iproute2 is not installed';
  return null;
}

const skip = whyNot();

/** Runs `script` with node in a fresh network namespace that has only `lo` (up); its stdout. */
function inEmptyNamespace(script: string): string {
  const ns = `pask-rawsock-${process.pid}`;
  spawnSync('ip', ['netns', 'add', ns]);
  try {
    spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '-e', script], {
      encoding: 'utf8', timeout: 10_000, env: { ...process.env, NODE_PATH: require.resolve('raw-socket').replace(/raw-socket.*$/, '') },
    });
    return r.stdout + r.stderr;
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

describe.skipIf(skip !== null)(`raw-socket as the appliance's sockets${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('offers only IP families: no Ethernet frames, so it cannot be a port backend of an L2 switch', () => {
    const raw = require('raw-socket');
    const families = Object.keys(raw.AddressFamily).filter((k) => !/^\d+$/.test(k));
    expect(families.sort()).toEqual(['IPv4', 'IPv6']);
  });

  it('is an endpoint of the kernel\'s IP stack: the kernel answers it, and an appliance address is unknown to the kernel', () => {
    const out = inEmptyNamespace(`
      const raw = require('raw-socket');
      const s = raw.createSocket({ protocol: raw.Protocol.ICMP });
      const echo = Buffer.from([8, 0, 0, 0, 0x12, 0x34, 0, 1]);
      raw.writeChecksum(echo, 2, raw.createChecksum(echo));
      s.on('message', (b, src) => { console.log('reply-from ' + src); });
      s.send(echo, 0, echo.length, '127.0.0.1', (e) => console.log('loopback ' + (e ? e.code || e.message : 'sent')));
      // 192.168.193.181 is the reference lab's appliance address: pask owns it, the kernel does not.
      s.send(echo, 0, echo.length, '192.168.193.181', (e) => console.log('appliance ' + (e ? (e.code || e.message) : 'sent')));
      setTimeout(() => { s.close(); process.exit(0); }, 500);
    `);
    expect(out).toContain('loopback sent');
    expect(out).toContain('reply-from 127.0.0.1');
    // With no route in the kernel for it, the kernel refuses: the packet never reaches a pask engine.
    expect(out).toMatch(/appliance (ENETUNREACH|Network is unreachable)/);
  });
});
