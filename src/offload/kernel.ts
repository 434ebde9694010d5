// Where offloaded flows live: the kernel's XDP program and its flow table, through the native
// addon (build/Release/pask_offload.node, native/pask_offload.c) and the program object
// compiled at set-up (build/pask_offload.bpf.o). `openKernelFlowTable` says in one line why it
// cannot, and the engine then forwards every packet itself, as without offload.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How the program is attached: generic XDP (any driver, in the kernel's receive path) or the driver's own. */
export type XdpMode = 'generic' | 'native';

/** The kernel side, as the offloader uses it (a fake in tests). Errors are negative errno values. */
export interface FlowTable {
  readonly mode: XdpMode;
  /** Attaches the program to an interface through a BPF link: the link's descriptor, or -errno. */
  attach(ifindex: number): number;
  /** Closes a link (the program leaves that interface). */
  detach(link: number): number;
  put(key: Uint8Array, val: Uint8Array): number;
  /** Fills `val`; 0, or -ENOENT when the entry is gone. */
  get(key: Uint8Array, val: Uint8Array): number;
  del(key: Uint8Array): number;
  /** CLOCK_MONOTONIC in ms: the clock of the program's last-seen stamps. */
  monotonicMs(): number;
  close(): void;
}

type Handle = { readonly __offload: unique symbol };

interface OffloadAddon {
  open(obj: string): Handle;
  attach(h: Handle, ifindex: number, mode: number): number;
  detach(link: number): number;
  put(h: Handle, key: Uint8Array, val: Uint8Array): number;
  get(h: Handle, key: Uint8Array, val: Uint8Array): number;
  del(h: Handle, key: Uint8Array): number;
  close(h: Handle): void;
  monotonicMs(): number;
}

/** The package root (the directory with binding.gyp), from src/offload or dist/src/offload. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'binding.gyp'))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return dir;
}

export function offloadAddonPath(): string {
  const env = process.env['PASK_OFFLOAD_ADDON'];
  return env ? resolve(env) : join(packageRoot(), 'build', 'Release', 'pask_offload.node');
}

export function offloadObjectPath(): string {
  const env = process.env['PASK_OFFLOAD_OBJ'];
  return env ? resolve(env) : join(packageRoot(), 'build', 'pask_offload.bpf.o');
}

/** Opens the kernel flow table, or returns why it cannot (one line). */
export function openKernelFlowTable(mode: XdpMode = 'generic'): FlowTable | string {
  if (process.platform !== 'linux') return `not on Linux (${process.platform})`;
  const addonPath = offloadAddonPath();
  if (!existsSync(addonPath)) return `the native offload addon is not built (no ${addonPath}; run scripts/setup.sh)`;
  const obj = offloadObjectPath();
  if (!existsSync(obj)) return `the offload program is not built (no ${obj}; scripts/setup.sh --system installs clang and libbpf-dev)`;
  let addon: OffloadAddon;
  try {
    addon = createRequire(import.meta.url)(addonPath) as OffloadAddon;
  } catch (e) {
    return `the native offload addon does not load: ${(e as Error).message.split('\n')[0]}`;
  }
  let h: Handle;
  try {
    h = addon.open(obj);
  } catch (e) {
    const err = e as Error & { code?: string };
    return err.code === 'EPERM' ? 'permission denied (loading a BPF program needs root or CAP_BPF)' : err.message;
  }
  const m = mode === 'native' ? 2 : 1;
  let open = true;
  return {
    mode,
    attach: (ifindex) => addon.attach(h, ifindex, m),
    detach: (link) => addon.detach(link),
    put: (k, v) => addon.put(h, k, v),
    get: (k, v) => addon.get(h, k, v),
    del: (k) => addon.del(h, k),
    monotonicMs: () => addon.monotonicMs(),
    close: () => {
      if (open) addon.close(h);
      open = false;
    },
  };
}
