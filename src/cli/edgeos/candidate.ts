// EdgeOS-style configuration (`configure`, then `set ...` / `delete ...` lines, `commit`,
// `compare`, `discard`, `save`, `exit`): a candidate configuration per session, applied to the
// running one only by `commit`.
//
// The candidate is a RunningConfig like any other, built by the `set`/`delete` commands of each
// family (mode `edgeos`) through `editCandidate(ctx, change)`. The changes are kept as functions
// too: when another session commits in between, `commit` replays them over the new running
// configuration instead of overwriting it. Validation happens at `commit`, on the whole
// configuration, as with `apply`; a `set` only refuses what can never be right (a bad value).
//
// Extension point: a family adds its lines as ordinary commands of mode `edgeos`:
//
//   { syntax: 'set vpn ipsec esp-group WORD lifetime (30-86400)', modes: ['edgeos'], doc: ..., help: ...,
//     run: (ctx, a) => editCandidate(ctx, (cfg) => ({ ...cfg, ipsec: ... })) }
//
// and `show CONFIG-PATH` in mode `edgeos` when it wants EdgeOS's tree view of its part.

import type { RunningConfig } from '../../config/model.js';
import type { Ctx } from '../context.js';
import { CliError } from '../errors.js';

export type ConfigChange = (cfg: RunningConfig) => RunningConfig;

/** One session's candidate. */
export interface EdgeosEdit {
  /** The running configuration the candidate was built on. */
  base: RunningConfig;
  candidate: RunningConfig;
  /** The changes since the last commit, in order. */
  changes: ConfigChange[];
}

export function newEdgeosEdit(running: RunningConfig): EdgeosEdit {
  return { base: running, candidate: running, changes: [] };
}

/** The session's candidate (a command of mode `edgeos` only runs while there is one). */
export function edgeosEdit(ctx: Ctx): EdgeosEdit {
  const f = ctx.session.frame;
  if (f.mode !== 'edgeos') throw new Error('command definition bug: not in EdgeOS configuration mode');
  return f.edgeos;
}

/** The candidate as it stands, brought onto the current running configuration first. */
export function currentCandidate(ctx: Ctx): RunningConfig {
  const e = edgeosEdit(ctx);
  rebase(e, ctx.appliance.config);
  return e.candidate;
}

/** Replays the changes over `running` when it moved since the candidate was built. */
function rebase(e: EdgeosEdit, running: RunningConfig): void {
  if (e.base === running) return;
  let c = running;
  for (const ch of e.changes) c = ch(c);
  e.base = running;
  e.candidate = c;
}

/**
 * Applies a `set`/`delete` line's change to the candidate. `change` throws a CliError for a
 * value it refuses; the candidate is then left as it was.
 */
export function editCandidate(ctx: Ctx, change: ConfigChange): void {
  const e = edgeosEdit(ctx);
  rebase(e, ctx.appliance.config);
  e.candidate = change(e.candidate);
  e.changes.push(change);
}

export function hasChanges(e: EdgeosEdit): boolean {
  return e.changes.length > 0;
}

/** `commit`: validates the candidate whole and makes it the running configuration. */
export function commitCandidate(ctx: Ctx): boolean {
  const e = edgeosEdit(ctx);
  if (!hasChanges(e)) return false;
  rebase(e, ctx.appliance.config);
  ctx.commit(e.candidate);
  const now = ctx.appliance.config;
  e.base = e.candidate = now;
  e.changes = [];
  return true;
}

/** `discard`: forgets the uncommitted changes. */
export function discardCandidate(ctx: Ctx): boolean {
  const e = edgeosEdit(ctx);
  const had = hasChanges(e);
  const now = ctx.appliance.config;
  e.base = e.candidate = now;
  e.changes = [];
  return had;
}

/**
 * `compare`: the difference between the running and the candidate configuration, as the
 * lines of `show running-config` that go (`-`) and come (`+`), each under its section's head.
 */
export function compareLines(before: string, after: string): string[] {
  const a = before.split('\n').filter((l) => l !== '' && l !== '!');
  const b = after.split('\n').filter((l) => l !== '' && l !== '!');
  const ops = diff(a, b);
  const out: string[] = [];
  let head: string | null = null;
  let headShown = false;
  for (const [op, line] of ops) {
    if (!line.startsWith(' ')) {
      head = line;
      headShown = false;
    }
    if (op === ' ') continue;
    if (line.startsWith(' ') && head !== null && !headShown) {
      out.push(`  ${head}`);
      headShown = true;
    }
    if (!line.startsWith(' ')) headShown = true;
    out.push(`${op} ${line}`);
  }
  return out;
}

/** Longest-common-subsequence diff of two short line lists. */
function diff(a: readonly string[], b: readonly string[]): [' ' | '-' | '+', string][] {
  const n = a.length, m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) {
    lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const out: [' ' | '-' | '+', string][] = [];
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push([' ', a[i]!]);
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) out.push(['+', b[j++]!]);
    else out.push(['-', a[i++]!]);
  }
  return out;
}

/** A value in single or double quotes (`'Deny Local Gateway Address'`), as EdgeOS takes it. */
export function unquote(text: string): string {
  const t = text.trim();
  if (t.length >= 2 && ((t[0] === '\'' && t[t.length - 1] === '\'') || (t[0] === '"' && t[t.length - 1] === '"'))) return t.slice(1, -1);
  return t;
}

export function refuse(message: string): never {
  throw new CliError(message.startsWith('%') ? message : `% ${message}`);
}
