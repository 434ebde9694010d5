// The Loc-RIB: per prefix, every path the speaker knows (one per peer, one per kind of local
// origin) and the selection over them. Each change reselects that prefix only; the table
// version counts selection changes (`BGP table version is N`).

import { NO_SELECTION, selectPaths, type Path, type PathSource, type Selection } from './best-path.js';
import type { PrefixKey } from './prefix-key.js';

export class Dest {
  paths: Path[] = [];
  sel: Selection = NO_SELECTION;
  /** Table version of the last selection change. */
  version = 0;
  /** Clock time the prefix was installed in the routing table, or -1 (not installed). */
  installedAt = -1;
  constructor(readonly key: PrefixKey) {}
}

function sameOwner(p: Path, source: PathSource | null, local: Path['local']): boolean {
  return p.source === source && p.local === local;
}

function sameSelection(a: Selection, b: Selection): boolean {
  if (a.best !== b.best || a.multipath.length !== b.multipath.length) return false;
  for (let i = 0; i < a.multipath.length; i++) if (a.multipath[i] !== b.multipath[i]) return false;
  return true;
}

export class LocRib {
  /** In the order prefixes were first learned (the order `show ip bgp` lists them). */
  readonly dests = new Map<PrefixKey, Dest>();
  version = 0;

  constructor(public maxEbgp = 1, public maxIbgp = 1) {}

  get size(): number {
    return this.dests.size;
  }

  get(key: PrefixKey): Dest | undefined {
    return this.dests.get(key);
  }

  /**
   * Puts `path` (or removes, with null) as the path of its owner (`source`, `local`) for `key`.
   * Returns the prefix's Dest when its selection changed, else null.
   */
  set(key: PrefixKey, source: PathSource | null, local: Path['local'], path: Path | null): Dest | null {
    let d = this.dests.get(key);
    if (d === undefined) {
      if (path === null) return null;
      d = new Dest(key);
      this.dests.set(key, d);
    }
    const ps = d.paths;
    let i = 0;
    while (i < ps.length && !sameOwner(ps[i]!, source, local)) i++;
    if (path === null) {
      if (i === ps.length) return null;
      ps.splice(i, 1);
    } else if (i === ps.length) ps.push(path);
    else ps[i] = path;
    return this.reselect(d);
  }

  /** Selects again (after a maximum-paths change); returns whether it changed. */
  reselect(d: Dest): Dest | null {
    const sel = d.paths.length === 0 ? NO_SELECTION : selectPaths(d.paths, this.maxEbgp, this.maxIbgp);
    if (d.paths.length === 0) this.dests.delete(d.key);
    if (sameSelection(sel, d.sel)) return null;
    d.sel = sel;
    d.version = ++this.version;
    return d;
  }
}
