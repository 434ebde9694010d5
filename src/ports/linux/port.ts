// A PortBackend on a Linux interface: an AF_PACKET socket (TPACKET_V2 receive ring, sendmmsg
// transmit) owned through the native addon in native/pask_port.c.
//
// Receive: the kernel wakes the addon as frames arrive and the addon drains the ring while it
// holds frames (level-triggered, like NAPI: no added latency, and under load each wake-up takes
// a batch of what queued meanwhile); `rxCoalesceUs` can add NIC-style interrupt moderation. It
// copies up to `rxSlots` frames per event-loop wake-up into fixed slots of one shared buffer
// and calls back once; the frames are handed to `rx` one by one from that
// call, each as a preallocated view on its slot (no allocation per frame). A frame is valid
// during the `rx` call only, as the PortBackend contract says.
//
// Transmit: `transmit` copies the frame into a slot of the transmit buffer; the slots are
// sent with one sendmmsg at the end of the receive batch, at the end of the current task
// (a microtask) for frames sent from elsewhere (timers), or when the slots are full.

import { copyBytes } from '../../packet/bytes.js';
import type { BackendCounter, FrameHandler, PortBackend } from '../backend.js';
import { loadPortAddon, type NativeHandle, type NativeStats, type PortAddon } from './addon.js';

export interface LinuxPortOptions {
  /** The port's name (`PortBackend.name`); default `linux:IFNAME`. */
  name?: string;
  /** Frames handed to JS per wake-up at most (the batch); default 256. */
  batch?: number;
  /** Transmit slots (frames per sendmmsg at most); default 256. */
  txBatch?: number;
  /** Largest frame carried, bytes; default MTU + 14 + 8 (two VLAN tags), rounded up to 64. */
  maxFrame?: number;
  /** Receive ring: block size (a power of two, at least a page) and count; default 256 KiB x 32 (8 MiB), cut into frames of header + `maxFrame`. */
  ringBlockSize?: number;
  ringBlocks?: number;
  /** Accepted (1..1000) and ignored: a TPACKET_V3 setting; the ring is TPACKET_V2 now. */
  blockTimeoutMs?: number;
  /**
   * Interrupt moderation: when frames arrive less than this apart, stop being woken per frame
   * and read the ring every this many microseconds until an interval brings nothing
   * (0..100000). Default 0 (off): each interval is added latency, which a closed loop of TCP
   * connections pays on every request (bench:real measured 67k req/s at 50 us against 82k at 0,
   * for more CPU per frame: a timerfd read and re-arm and two epoll changes per interval).
   */
  rxCoalesceUs?: number;
  /** Receive every frame on the link, not only ours (PACKET_ADD_MEMBERSHIP); default true. */
  promiscuous?: boolean;
  /** Do not receive what this host (this port included) sends on the link; default true. */
  ignoreOutgoing?: boolean;
  /** Complete TCP/UDP checksums the local stack left to offload (veth, tap); default true. */
  fixChecksums?: boolean;
  /** Turn GRO and LRO off while the port is open (restored on close); default true. */
  disableOffloads?: boolean;
  /** Send past the qdisc layer (PACKET_QDISC_BYPASS); default false. */
  qdiscBypass?: boolean;
  /** Socket send buffer, bytes; default 4 MiB. */
  sndbuf?: number;
  /** Called with what a receive handler threw (the frame is counted and skipped). Default: the first one is printed to stderr. */
  onError?: (err: unknown) => void;
}

export interface LinuxPortStats extends NativeStats {
  /** Frames `transmit` refused: bad length or arguments, longer than a slot, or after close. */
  txRejected: number;
  /** Frames received while no handler was attached (or after it was detached mid-batch). */
  rxUnhandled: number;
  /** Exceptions thrown by the receive handler. */
  rxHandlerErrors: number;
  /** Frames waiting in the transmit slots. */
  txPending: number;
}

/** `% Cannot attach port to IFNAME: REASON` */
export class PortAttachError extends Error {
  constructor(readonly ifname: string, readonly reason: string, readonly code: string = '') {
    super(`% Cannot attach port to ${ifname}: ${reason}`);
    this.name = 'PortAttachError';
  }
}

const IFNAME_RE = /^[^\s/:]{1,15}$/;

function reasonFor(code: string, msg: string): string {
  switch (code) {
    case 'EPERM':
    case 'EACCES':
      return 'permission denied (a packet socket needs root or CAP_NET_RAW)';
    case 'ENODEV':
    case 'ENXIO':
      return 'no such interface';
    default:
      return msg;
  }
}

export class LinuxPort implements PortBackend {
  readonly name: string;
  readonly ifindex: number;
  readonly mtu: number;
  /** The interface's own MAC address, `aa:bb:cc:dd:ee:ff`. */
  readonly mac: string;
  /** The largest frame this port carries (the slot size). */
  readonly maxFrame: number;

  private readonly addon: PortAddon;
  private readonly h: NativeHandle;
  private readonly rxViews: Uint8Array[];
  private readonly rxLens: Uint32Array;
  private readonly txData: Uint8Array;
  private readonly txLens: Uint32Array;
  private readonly txSlots: number;
  private readonly txSlotSize: number;
  private readonly onError: ((err: unknown) => void) | null;
  private handler: FrameHandler | null = null;
  private started = false;
  private isClosed = false;
  private inBatch = false;
  private flushQueued = false;
  private txCount = 0;
  private txRejected = 0;
  private rxUnhandled = 0;
  private rxHandlerErrors = 0;

  /** Use openLinuxPort(). */
  constructor(readonly ifname: string, opts: LinuxPortOptions = {}) {
    if (typeof ifname !== 'string' || !IFNAME_RE.test(ifname)) throw new PortAttachError(String(ifname), 'invalid interface name', 'EINVAL');
    let addon: PortAddon;
    try {
      addon = loadPortAddon();
    } catch (e) {
      throw new PortAttachError(ifname, (e as Error).message, 'ENOADDON');
    }
    this.addon = addon;
    const slot = opts.maxFrame === undefined ? 0 : Math.ceil(opts.maxFrame / 64) * 64;
    let o;
    try {
      o = addon.open(ifname, {
        rxSlots: opts.batch ?? 256,
        txSlots: opts.txBatch ?? 256,
        rxSlotSize: slot,
        txSlotSize: slot,
        blockSize: opts.ringBlockSize ?? 1 << 18,
        blockCount: opts.ringBlocks ?? 32,
        blockTimeoutMs: opts.blockTimeoutMs ?? 1,
        promiscuous: opts.promiscuous ?? true,
        ignoreOutgoing: opts.ignoreOutgoing ?? true,
        fixChecksums: opts.fixChecksums ?? true,
        disableOffloads: opts.disableOffloads ?? true,
        qdiscBypass: opts.qdiscBypass ?? false,
        sndbuf: opts.sndbuf ?? 4 << 20,
        rxCoalesceUs: opts.rxCoalesceUs ?? 0,
      });
    } catch (e) {
      const err = e as Error & { code?: string };
      const code = typeof err.code === 'string' ? err.code : '';
      throw new PortAttachError(ifname, reasonFor(code, err.message), code);
    }
    this.h = o.handle;
    this.name = opts.name ?? `linux:${ifname}`;
    this.ifindex = o.ifindex;
    this.mtu = o.mtu;
    this.mac = o.mac;
    this.maxFrame = Math.min(o.rxSlotSize, o.txSlotSize);
    this.rxLens = new Uint32Array(o.rxLens);
    this.rxViews = [];
    for (let i = 0; i < o.rxSlots; i++) this.rxViews.push(new Uint8Array(o.rxData, i * o.rxSlotSize, o.rxSlotSize));
    this.txData = new Uint8Array(o.txData);
    this.txLens = new Uint32Array(o.txLens);
    this.txSlots = o.txSlots;
    this.txSlotSize = o.txSlotSize;
    let told = false;
    this.onError = opts.onError ?? ((err: unknown) => {
      if (told) return;
      told = true;
      process.stderr.write(`% Port ${this.name}: receive handler failed (further failures are only counted): ${(err as Error)?.stack ?? String(err)}\n`);
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Sends frame[0, len); the frame is copied, the caller may reuse it at once. */
  transmit(frame: Uint8Array, len: number): void {
    if (this.isClosed || !(frame instanceof Uint8Array) || !(len >= 14 && len <= frame.length) || len > this.txSlotSize) {
      this.txRejected++;
      return;
    }
    len = len | 0;
    if (this.txCount === this.txSlots) this.flush();
    const i = this.txCount++;
    if (len === frame.length) this.txData.set(frame, i * this.txSlotSize);
    else copyBytes(this.txData, i * this.txSlotSize, frame, 0, len); // no subarray view per frame
    this.txLens[i] = len;
    if (!this.inBatch && !this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flushTask);
    }
  }

  /** Sends what `transmit` queued now; returns how many frames the kernel took. */
  flush(): number {
    const n = this.txCount;
    if (n === 0 || this.isClosed) return 0;
    this.txCount = 0;
    return this.addon.flush(this.h, n);
  }

  private readonly flushTask = (): void => {
    this.flushQueued = false;
    this.flush();
  };

  attach(rx: FrameHandler): void {
    if (this.isClosed) throw new PortAttachError(this.ifname, 'the port is closed', 'EBADF');
    this.handler = rx;
    if (!this.started) {
      this.addon.start(this.h, this.onBatch);
      this.started = true;
    }
  }

  /** Stops delivering; frames then wait in the kernel ring and are dropped once it is full. */
  detach(): void {
    this.handler = null;
    if (this.started && !this.isClosed) this.addon.stop(this.h);
    this.started = false;
  }

  private readonly onBatch = (n: number): void => {
    this.inBatch = true;
    try {
      const views = this.rxViews, lens = this.rxLens;
      for (let i = 0; i < n; i++) {
        const rx = this.handler;
        if (rx === null || this.isClosed) {
          this.rxUnhandled += n - i;
          break;
        }
        try {
          rx(views[i]!, lens[i]!);
        } catch (e) {
          this.rxHandlerErrors++;
          try {
            this.onError?.(e);
          } catch {
            // the error reporter failing is not the port's problem
          }
        }
      }
    } finally {
      this.inBatch = false;
      this.flush();
    }
  };

  stats(): LinuxPortStats {
    return {
      ...this.addon.stats(this.h),
      txRejected: this.txRejected,
      rxUnhandled: this.rxUnhandled,
      rxHandlerErrors: this.rxHandlerErrors,
      txPending: this.txCount,
    };
  }

  /** stats() as labelled lines for `show port N`. */
  counters(): readonly BackendCounter[] {
    const s = this.stats();
    const errno = (n: number) => (n === 0 ? 'none' : describeErrno(n));
    return [
      ['Interface', this.ifname],
      ['RX packets', s.rxPackets],
      ['RX bytes', s.rxBytes],
      ['RX batches', s.rxBatches],
      ['RX largest batch', s.rxMaxBatch],
      ['RX kernel packets', s.rxKernelPackets],
      ['RX kernel drops', s.rxKernelDrops],
      ['RX kernel freezes', s.rxKernelFreezes],
      ['RX checksums completed', s.rxChecksumsCompleted],
      ['RX VLAN tags restored', s.rxVlanRestored],
      ['RX oversize', s.rxOversize],
      ['RX truncated', s.rxTruncated],
      ['RX runts', s.rxRunts],
      ['RX own frames skipped', s.rxOutgoingSkipped],
      ['RX unhandled', s.rxUnhandled],
      ['RX errors', s.rxErrors],
      ['RX handler errors', s.rxHandlerErrors],
      ['RX callback errors', s.rxCallbackErrors],
      ['Last RX error', errno(s.lastRxErrno)],
      ['TX packets', s.txPackets],
      ['TX bytes', s.txBytes],
      ['TX flushes', s.txFlushes],
      ['TX pending', s.txPending],
      ['TX rejected', s.txRejected],
      ['TX drops', s.txDrops],
      ['TX errors', s.txErrors],
      ['Last TX error', errno(s.lastTxErrno)],
    ];
  }

  /** Sends what is queued, then releases the socket, the ring and the promiscuous membership. Idempotent. */
  close(): void {
    if (this.isClosed) return;
    this.flush();
    this.handler = null;
    this.started = false;
    this.addon.close(this.h);
    this.isClosed = true;
  }
}

/**
 * Opens a port on Linux interface `ifname`. Throws PortAttachError
 * (`% Cannot attach port to IFNAME: ...`) when the addon is not built, the interface does not
 * exist or the process may not open packet sockets.
 */
export function openLinuxPort(ifname: string, opts: LinuxPortOptions = {}): LinuxPort {
  return new LinuxPort(ifname, opts);
}

/** A readable errno (`Network is down (ENETDOWN)`), e.g. for stats().lastTxErrno. */
export function describeErrno(errno: number): string {
  try {
    return loadPortAddon().strerror(errno);
  } catch {
    return `errno ${errno}`;
  }
}
