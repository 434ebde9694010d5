// The lab's TCP beyond one small request: segmentation, loss and retransmission, resets,
// reuse of a 4-tuple in TIME_WAIT.
import { describe, expect, it } from 'vitest';
import { ipv4, type Ipv4 } from '../../src/net/addr.js';
import { DropReason, IPPROTO_TCP, PacketMeta, TCP_RST, decodeFrame } from '../../src/packet/index.js';
import { defaultLab, type Host, type LabWorld, type TcpConnection, type TcpEndReason } from '../../src/lab/index.js';
import { record } from './helpers.js';

const RIP1 = ipv4('192.168.211.150');

/** Server side: on port 9000, sends `size` bytes (0..255 repeating), then closes. */
function blaster(h: Host, size: number): void {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = i & 0xff;
  h.tcp.listen(9000, (c) => {
    c.write(data);
    c.close();
  });
}

/** Client side: collects everything, closes when the server does. */
function fetchAll(w: LabWorld, h: Host, dst: Ipv4): Promise<{ bytes: Uint8Array; end: TcpEndReason; conn: TcpConnection }> {
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    const c = h.tcp.connect(dst, 9000);
    c.onData = (d) => chunks.push(d);
    c.onPeerClose = () => c.close();
    c.onEnd = (end) => resolve({ bytes: Buffer.concat(chunks), end, conn: c });
    void w;
  });
}

function tcpMeta(f: Uint8Array): PacketMeta | null {
  const m = new PacketMeta();
  return decodeFrame(f, f.length, m) === DropReason.OK && m.proto === IPPROTO_TCP ? m : null;
}

describe('lab TCP', () => {
  it('segments a large send by the MSS and delivers it in order', async () => {
    const w = defaultLab();
    const seen = record(w);
    blaster(w.host('server1')!, 10_000);
    const r = await w.settle(fetchAll(w, w.host('client')!, RIP1), 10_000);
    expect(r?.end).toBe('closed');
    expect(r!.bytes.length).toBe(10_000);
    expect(r!.bytes.every((b, i) => b === (i & 0xff))).toBe(true);
    const data = seen.filter((s) => s.from === 'server1.eno1' && s.m.proto === IPPROTO_TCP && s.m.payloadLen > 0);
    expect(data.map((s) => s.m.payloadLen)).toEqual([1460, 1460, 1460, 1460, 1460, 1460, 1240]);
  });

  /** Drops the `nth` data segment server1 sends, once; the transfer's result and how long it took. */
  async function lossyFetch(nth: number): Promise<{ dropped: number; ms: number; ok: boolean; end: string | undefined }> {
    const w = defaultLab();
    blaster(w.host('server1')!, 10_000);
    const link = w.linkAt('server1.eno1')!;
    let dataSeen = 0;
    let dropped = 0;
    link.drop = (f, from) => {
      if (from.label !== 'server1.eno1') return false;
      const m = tcpMeta(f);
      if (!m || m.payloadLen === 0) return false;
      if (++dataSeen !== nth) return false;
      dropped++;
      return true;
    };
    const t0 = w.clock.now();
    const r = await w.settle(fetchAll(w, w.host('client')!, RIP1), 10_000);
    const ok = r !== null && r.bytes.length === 10_000 && r.bytes.every((b, i) => b === (i & 0xff));
    return { dropped, ms: w.clock.now() - t0, ok, end: r?.end };
  }

  it('recovers the last segment, which no duplicate ACK follows, by retransmission after the RTO', async () => {
    const r = await lossyFetch(7);
    expect(r).toMatchObject({ dropped: 1, ok: true, end: 'closed' });
    expect(r.ms).toBeGreaterThanOrEqual(200);
  });

  it('recovers a segment in mid-stream by fast retransmit on duplicate ACKs, well before the RTO', async () => {
    const r = await lossyFetch(3);
    expect(r).toMatchObject({ dropped: 1, ok: true, end: 'closed' });
    expect(r.ms).toBeLessThan(200);
  });

  it('gives up on a peer that stopped answering and reports timeout', async () => {
    const w = defaultLab();
    const s1 = w.host('server1')!;
    s1.tcp.listen(9000, () => {});
    const c = w.host('client')!.tcp.connect(RIP1, 9000);
    let end: TcpEndReason | null = null;
    c.onEnd = (e) => (end = e);
    c.onEstablished = () => {
      w.linkAt('server1.eno1')!.up = false;
      c.write('hello');
    };
    await w.wait(60_000);
    expect(end).toBe('timeout');
    expect(c.state).toBe('CLOSED');
  });

  it('a RST in an established connection ends it as reset', async () => {
    const w = defaultLab();
    let serverConn: TcpConnection | null = null;
    w.host('server1')!.tcp.listen(9000, (c) => (serverConn = c));
    const c = w.host('client')!.tcp.connect(RIP1, 9000);
    let end: TcpEndReason | null = null;
    c.onEnd = (e) => (end = e);
    await w.wait(5);
    expect(c.state).toBe('ESTABLISHED');
    const seen = record(w);
    serverConn!.abort();
    await w.wait(5);
    expect(end).toBe('reset');
    expect(seen.find((s) => s.from === 'server1.eno1')!.m.tcpFlags & TCP_RST).toBeTruthy();
    expect(w.host('client')!.tcp.connections()).toHaveLength(0);
  });

  it('a new SYN on a 4-tuple in TIME_WAIT opens a new connection', async () => {
    const w = defaultLab();
    const client = w.host('client')!;
    const s1 = w.host('server1')!;
    const first = await w.settle(client.httpGet('192.168.211.150'), 5000);
    expect(first?.status).toBe(200);
    // the server closed first: it holds the TIME_WAIT
    const tw = s1.tcp.connections().find((c) => c.state === 'TIME_WAIT')!;
    expect(tw).toBeDefined();
    const c = client.tcp.connect(RIP1, 80, { sport: tw.rport });
    let established = false;
    c.onEstablished = () => (established = true);
    // (a SYN below the old sequence space gets an ACK, a RST, and is retransmitted 1 s later)
    await w.wait(1500);
    expect(established).toBe(true);
  });
});
