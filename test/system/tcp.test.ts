// The appliance's own TCP against a real Linux TCP stack: pask owns p1 in its namespace, a Linux
// router forwards, and a Python peer in the client namespace behind it runs the other end of
// `ttcp` (send 10 MB of the pattern byte i = i mod 251, half-close, check what arrives). Both
// roles: the appliance connects to the peer, and the peer connects to the appliance.

import { describe, expect, it } from 'vitest';
import { useRoutedPask } from './routed-pask.js';
import { CLIENT_IP, PASK_IP, whyNoSystem } from './topology.js';

const why = whyNoSystem(['python3']);
const BYTES = 10 * 1024 * 1024;

/** The Linux end of ttcp: `listen PORT` or `connect HOST PORT`; prints `sent N received M firstbad K`. */
const PEER = `
import socket, sys, threading
mode = sys.argv[1]
N = ${BYTES}
PERIOD = 251
block = bytes(range(PERIOD)) * (65536 // PERIOD + 2)
if mode == 'listen':
    srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('0.0.0.0', int(sys.argv[2]))); srv.listen(1); srv.settimeout(120)
    print('ready', flush=True)
    s, _ = srv.accept()
else:
    import time
    for attempt in range(100):
        try:
            s = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=120)
            break
        except ConnectionRefusedError:
            time.sleep(0.2)  # the appliance's listener is not up yet
    else:
        raise SystemExit('connection refused')
s.settimeout(120)
def send():
    sent = 0
    while sent < N:
        off = sent % PERIOD
        n = min(65536, N - sent)
        s.sendall(block[off:off + n]); sent += n
    s.shutdown(socket.SHUT_WR)
t = threading.Thread(target=send); t.start()
got = 0; bad = -1
while True:
    d = s.recv(65536)
    if not d: break
    if bad < 0:
        exp = block[got % PERIOD:got % PERIOD + len(d)] if len(d) <= 65536 else bytes((got + i) % PERIOD for i in range(len(d)))
        if d != exp:
            bad = next(i for i in range(len(d)) if d[i] != (got + i) % PERIOD) + got
    got += len(d)
t.join(); s.close()
print('sent %d received %d firstbad %d' % (N, got, bad), flush=True)
`;

function collect(child: import('node:child_process').ChildProcess): { out: () => string; done: Promise<number> } {
  let out = '';
  child.stdout?.on('data', (d) => (out += String(d)));
  child.stderr?.on('data', (d) => (out += String(d)));
  return { out: () => out, done: new Promise((resolve) => child.on('exit', (code) => resolve(code ?? -1))) };
}

describe.skipIf(!!why)(`the appliance's TCP with a Linux TCP stack${why ? ` (skipped: ${why})` : ''}`, () => {
  const env = useRoutedPask();

  it('client role: the appliance connects to Linux and 10 MB cross each way intact', async () => {
    const peer = collect(env().topo.spawn('client', ['python3', '-c', PEER, 'listen', '5001']));
    for (let i = 0; i < 100 && !peer.out().includes('ready'); i++) await new Promise((r) => setTimeout(r, 100));
    const out = await env().pask.cli(`ttcp connect ${CLIENT_IP} port 5001 bytes ${BYTES} timeout 300`)
      .catch((e: Error) => `${e.message}\npeer: ${peer.out()}`);
    expect(out).toContain(`ttcp: sent ${BYTES} bytes, received ${BYTES} bytes`);
    expect(out).toContain('data verified');
    expect(await peer.done).toBe(0);
    expect(peer.out()).toContain(`sent ${BYTES} received ${BYTES} firstbad -1`);
  }, 360_000);

  it('server role: Linux connects to the appliance and 10 MB cross each way intact', async () => {
    const run = env().pask.cli(`ttcp listen port 5002 bytes ${BYTES} timeout 300`);
    const peer = collect(env().topo.spawn('client', ['python3', '-c', PEER, 'connect', PASK_IP, '5002']));
    const out = await run.catch((e: Error) => `${e.message}\npeer: ${peer.out()}`);
    expect(out).toContain('ttcp: listening on TCP port 5002');
    expect(out).toContain(`ttcp: sent ${BYTES} bytes, received ${BYTES} bytes`);
    expect(out).toContain('data verified');
    expect(await peer.done).toBe(0);
    expect(peer.out()).toContain(`sent ${BYTES} received ${BYTES} firstbad -1`);
  }, 360_000);
});
