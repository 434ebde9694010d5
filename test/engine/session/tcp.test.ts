import { describe, expect, it } from 'vitest';
import {
  SessionState as S, TcpFlag as F, TimeoutClass, tcpInitialState, tcpNextState, timeoutClassOf,
} from '../../../src/engine/session/index.js';

describe('TCP session states', () => {
  it('follows a normal open and close', () => {
    let s = tcpInitialState(F.SYN);
    expect(s).toBe(S.SYN_SENT);
    s = tcpNextState(s, 1, F.SYN | F.ACK);
    expect(s).toBe(S.SYN_RECV);
    s = tcpNextState(s, 0, F.ACK);
    expect(s).toBe(S.ESTABLISHED);
    s = tcpNextState(s, 1, F.ACK | F.PSH);
    expect(s).toBe(S.ESTABLISHED);
    s = tcpNextState(s, 1, F.FIN | F.ACK);
    expect(s).toBe(S.FIN_REPLY);
    s = tcpNextState(s, 1, F.ACK); // more from the same side
    expect(s).toBe(S.FIN_REPLY);
    s = tcpNextState(s, 0, F.FIN | F.ACK);
    expect(s).toBe(S.TIME_WAIT);
  });

  it('closes on RST in any state and reopens on a new client SYN', () => {
    for (const st of [S.SYN_SENT, S.SYN_RECV, S.ESTABLISHED, S.FIN_ORIG, S.TIME_WAIT]) {
      expect(tcpNextState(st, 0, F.RST)).toBe(S.CLOSED);
      expect(tcpNextState(st, 1, F.RST | F.ACK)).toBe(S.CLOSED);
    }
    expect(tcpNextState(S.CLOSED, 0, F.SYN)).toBe(S.SYN_SENT);
    expect(tcpNextState(S.TIME_WAIT, 0, F.SYN)).toBe(S.SYN_SENT);
    // DSR: the server's FIN is never seen; the client reusing its port starts over.
    expect(tcpNextState(S.FIN_ORIG, 0, F.SYN)).toBe(S.SYN_SENT);
    expect(tcpNextState(S.FIN_ORIG, 1, F.SYN | F.ACK)).toBe(S.FIN_ORIG);
    expect(tcpNextState(S.CLOSED, 1, F.SYN | F.ACK)).toBe(S.CLOSED);
  });

  it('does not establish on the client ACK before the server answered', () => {
    expect(tcpNextState(S.SYN_SENT, 0, F.ACK)).toBe(S.SYN_SENT);
    expect(tcpNextState(S.SYN_SENT, 0, F.SYN)).toBe(S.SYN_SENT); // retransmitted SYN
  });

  it('maps states to timeout classes', () => {
    expect(timeoutClassOf(6, S.SYN_SENT)).toBe(TimeoutClass.SYN);
    expect(timeoutClassOf(6, S.SYN_RECV)).toBe(TimeoutClass.SYN);
    expect(timeoutClassOf(6, S.ESTABLISHED)).toBe(TimeoutClass.ESTABLISHED);
    for (const st of [S.FIN_ORIG, S.FIN_REPLY, S.TIME_WAIT, S.CLOSED]) expect(timeoutClassOf(6, st)).toBe(TimeoutClass.FIN);
    expect(timeoutClassOf(17, S.NONE)).toBe(TimeoutClass.UDP);
    expect(timeoutClassOf(1, S.NONE)).toBe(TimeoutClass.ICMP);
  });
});
