// The engine's side of established-flow offload (src/offload/ is the other): what the engine
// tells a flow offloader, at the few places it matters. The engine stays the authority: it
// decides what a session's packets become, and the offloader only copies that decision into the
// kernel for sessions it sees established, drops it when told, and credits back what the kernel
// forwarded. Without an offloader (the lab, no root, no BPF) `EngineContext.offload` is null
// and each place costs one null check.

export interface OffloadHook {
  /**
   * A packet of session `sid` in direction `dir` (0: client to real, 1: real to client), received
   * on port `inPort`, just left on port `outPort` to `dstMac` (802.1Q-tagged with `tag` when tag
   * >= 0) after the engine updated the session to state `st`. `outerSrc` and `mtu` are the
   * egress's source address (the tunnel's outer source) and MTU; `gen` the engine's topology
   * generation the path was resolved in.
   */
  forwarded(sid: number, dir: number, st: number, inPort: number, outPort: number, dstMac: number, tag: number,
    outerSrc: number, mtu: number, gen: number): void;
  /** Session `sid` is ending (its fields are still readable). */
  ended(sid: number): void;
  /** Housekeeping, before the session sweep: per-flow counters and last-seen times come back. */
  sync(now: number, gen: number): void;
  /** A capture tap was set on port `port` (on) or removed from it. */
  tapped(port: number, on: boolean): void;
}
