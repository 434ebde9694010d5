// Flows that survive an instance going away: a maglev service in a direct-return mode takes up
// a mid-flow TCP segment it has no session for on the real Maglev picks (the one the instance
// that died had), instead of resetting it.
import { describe, expect, it } from 'vitest';
import { IPPROTO_IPIP, IPPROTO_TCP, TCP_RST } from '../../../src/packet/index.js';
import { REAL1, REAL2, REAL3, VIP, decode, sentOne, takeAll } from './harness.js';
import { TCP_ACK, TCP_SYN, clientTcp, primedSlbRig } from './frames.js';

const reals = [{ id: 1, rip: REAL1 }, { id: 2, rip: REAL2 }, { id: 3, rip: REAL3 }];

describe('maglev mid-flow adoption', () => {
  it('two instances with the same reals send a flow\'s later segments to the real the first one chose', () => {
    const a = primedSlbRig({ lbMethod: 'maglev', reals });
    const b = primedSlbRig({ lbMethod: 'maglev', reals });
    for (let i = 0; i < 100; i++) {
      a.ports[1]!.inject(clientTcp(30000 + i, TCP_SYN));
      const first = sentOne(a).m.ipDst;
      // The flow moves to b mid-way (a died, ECMP rehashed): b has no session for it.
      b.ports[1]!.inject(clientTcp(30000 + i, TCP_ACK, { seq: 276011401 }));
      const { m } = sentOne(b);
      expect(m.proto).toBe(IPPROTO_IPIP);
      expect(m.ipDst).toBe(first);
    }
    expect(b.engine.sessions.size).toBe(100);
    expect(b.engine.runtime.sessions().length).toBe(100);
  });

  it('other methods, and a RST, still get the old answer: a RST from the VIP, no session', () => {
    for (const spec of [{ lbMethod: 'rr' as const, reals }, { lbMethod: 'maglev' as const, reals, natMode: 'nat' as const }]) {
      const r = primedSlbRig(spec);
      r.ports[1]!.inject(clientTcp(31000, TCP_ACK, { seq: 276011401 }));
      const out = takeAll(r);
      expect(out).toHaveLength(1);
      const rst = decode(out[0]![1]);
      expect(rst.proto).toBe(IPPROTO_TCP);
      expect(rst.tcpFlags & TCP_RST).toBe(TCP_RST);
      expect(rst.ipSrc).toBe(VIP);
      expect(r.engine.sessions.size).toBe(0);
    }
    const m = primedSlbRig({ lbMethod: 'maglev', reals });
    m.ports[1]!.inject(clientTcp(31001, TCP_RST | TCP_ACK, { seq: 276011401 }));
    expect(takeAll(m)).toHaveLength(0);
    expect(m.engine.sessions.size).toBe(0);
  });
});
