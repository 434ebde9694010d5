// Loading the native half of the Linux port backend: build/Release/pask_port.node, built from
// native/pask_port.c by node-gyp (binding.gyp; scripts/setup.sh runs the build).

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ADDON_FILE = 'pask_port.node';

/** What `open` returns: the handle and the shared buffers the slots live in. */
export interface NativeOpen {
  handle: NativeHandle;
  rxData: ArrayBuffer;
  rxLens: ArrayBuffer;
  txData: ArrayBuffer;
  txLens: ArrayBuffer;
  ifindex: number;
  mtu: number;
  mac: string;
  rxSlots: number;
  rxSlotSize: number;
  txSlots: number;
  txSlotSize: number;
  blockSize: number;
  blockCount: number;
  /** The receive ring (TPACKET_V2): bytes per frame (header + largest frame) and frames in all. */
  frameSize: number;
  frameCount: number;
  kernelIgnoresOutgoing: boolean;
}

/** An opaque native port (a Node-API external). */
export type NativeHandle = { readonly __nativePort: unique symbol };

/** Counters kept by the native side (the kernel's PACKET_STATISTICS are summed in). */
export interface NativeStats {
  rxPackets: number;
  rxBytes: number;
  rxBatches: number;
  rxMaxBatch: number;
  rxOversize: number;
  rxTruncated: number;
  rxRunts: number;
  rxVlanRestored: number;
  rxChecksumsCompleted: number;
  rxOutgoingSkipped: number;
  rxErrors: number;
  rxCallbackErrors: number;
  rxKernelPackets: number;
  rxKernelDrops: number;
  /** Always 0 since the ring is TPACKET_V2 (a TPACKET_V3 counter, kept for compatibility). */
  rxKernelFreezes: number;
  txPackets: number;
  txBytes: number;
  txFlushes: number;
  txDrops: number;
  txErrors: number;
  lastRxErrno: number;
  lastTxErrno: number;
}

export interface NativeOpenOptions {
  rxSlots?: number;
  rxSlotSize?: number;
  txSlots?: number;
  txSlotSize?: number;
  blockSize?: number;
  blockCount?: number;
  /** Accepted (1..1000) and ignored: the TPACKET_V2 ring hands each frame over as it arrives. */
  blockTimeoutMs?: number;
  promiscuous?: boolean;
  ignoreOutgoing?: boolean;
  fixChecksums?: boolean;
  disableOffloads?: boolean;
  qdiscBypass?: boolean;
  sndbuf?: number;
  /** Receive coalescing interval under load, microseconds (0..100000; 0: off). */
  rxCoalesceUs?: number;
}

export interface PortAddon {
  open(ifname: string, opts: NativeOpenOptions): NativeOpen;
  start(h: NativeHandle, onBatch: (count: number) => void): void;
  stop(h: NativeHandle): void;
  flush(h: NativeHandle, count: number): number;
  stats(h: NativeHandle): NativeStats;
  close(h: NativeHandle): void;
  strerror(errno: number): string;
}

/** Where the addon is looked for: $PASK_PORT_ADDON, else build/Release/ of the package root. */
export function addonCandidates(): string[] {
  const env = process.env['PASK_PORT_ADDON'];
  if (env !== undefined && env !== '') return [resolve(env)];
  // This file is src/ports/linux/addon.ts, or dist/src/ports/linux/addon.js once compiled:
  // walk up to the directory that has binding.gyp or package.json.
  const out: string[] = [];
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    out.push(join(dir, 'build', 'Release', ADDON_FILE));
    if (existsSync(join(dir, 'binding.gyp'))) break;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return out;
}

let cached: PortAddon | null = null;
let cachedError: Error | null = null;

/** Loads the addon once; throws an Error with a one-line reason when it cannot. */
export function loadPortAddon(): PortAddon {
  if (cached !== null) return cached;
  if (cachedError !== null) throw cachedError;
  if (process.platform !== 'linux') {
    cachedError = new Error(`Linux interfaces are not supported on ${process.platform}`);
    throw cachedError;
  }
  const candidates = addonCandidates();
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) {
    cachedError = new Error(`the native port addon is not built (no ${candidates[candidates.length - 1] ?? ADDON_FILE}; run scripts/setup.sh)`);
    throw cachedError;
  }
  try {
    const req = createRequire(import.meta.url);
    cached = req(path) as PortAddon;
    return cached;
  } catch (e) {
    cachedError = new Error(`the native port addon ${path} does not load: ${(e as Error).message.split('\n')[0]}`);
    throw cachedError;
  }
}

/** Forgets a cached load result (tests that point $PASK_PORT_ADDON elsewhere). */
export function resetPortAddon(): void {
  cached = null;
  cachedError = null;
}
