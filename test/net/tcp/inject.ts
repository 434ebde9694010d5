// Hand-made segments for the tests that poke a stack directly.
import { TCP_HEADER_LEN, setTcpChecksum, writeTcpHeader } from '../../../src/packet/tcp.js';
import type { TcpStack } from '../../../src/net/tcp/index.js';
import { decode } from './harness.js';

export interface Craft {
  readonly sport: number;
  readonly dport: number;
  readonly seq: number;
  readonly ack?: number;
  readonly flags: number;
  readonly window?: number;
  readonly payload?: Uint8Array;
}

/** Builds the segment from src to dst and feeds it to `stack` as its IP layer would. */
export function inject(stack: TcpStack, src: number, dst: number, s: Craft): void {
  const len = TCP_HEADER_LEN + (s.payload?.length ?? 0);
  const seg = new Uint8Array(len);
  writeTcpHeader(seg, 0, s.sport, s.dport, s.seq >>> 0, (s.ack ?? 0) >>> 0, s.flags, s.window ?? 1000);
  if (s.payload) seg.set(s.payload, TCP_HEADER_LEN);
  setTcpChecksum(seg, 0, len, src, dst);
  stack.input(src, dst, seg, decode(src, dst, seg)!);
}
