// The audit trail: every committed configuration change, who made it and from where, as the
// difference between the running configurations before and after (in the words of
// `show running-config`, secrets masked), and every failed attempt to gain privilege.

import type { EventLog } from '../util/event-log.js';

/** Who is acting: a user name ('' when the front-end has none) and where from. */
export interface Actor {
  readonly user: string;
  /** `console`, `batch FILE`, `ssh 127.0.0.1:40222`, `socket`... */
  readonly from: string;
  /** The session's line in `show users`, when it has one. */
  readonly line?: number;
}

export function describeActor(a: Actor): string {
  const line = a.line === undefined ? '' : ` line ${a.line}`;
  return `${a.user ? `user ${a.user}` : 'operator'} (${a.from}${line})`;
}

interface Block {
  readonly head: string;
  readonly body: readonly string[];
}

/** `show running-config` text as blocks: a sub-mode section with its lines, or a single line. */
function blocks(text: string): Block[] {
  const out: { head: string; body: string[] }[] = [];
  for (const l of text.split('\n')) {
    if (l === '' || l === '!' || l === 'configure terminal' || l === 'end' || l === ' apply') continue;
    if (l.startsWith(' ')) out[out.length - 1]?.body.push(l.trim());
    else out.push({ head: l, body: [] });
  }
  return out;
}

const mask = (l: string) => l.replace(/scrypt\$\S+|\$ipsec-aes256gcm\$\S+/g, '*****');

/**
 * The change from `before` to `after`, one clause per object: `+real 7: rip 10.0.0.1`,
 * `slb test: -lb-method wrr, +lb-method lc`, `-route network ...`. Empty when nothing changed.
 */
export function configDiff(before: string, after: string): string {
  const a = blocks(before), b = blocks(after);
  const byHead = (list: Block[]) => new Map(list.map((x) => [x.head, x]));
  const ma = byHead(a), mb = byHead(b);
  const sections = new Set([...a, ...b].filter((x) => x.body.length > 0).map((x) => x.head));
  const clauses: string[] = [];
  for (const x of a) if (!mb.has(x.head)) clauses.push(`-${mask(x.head)}`);
  for (const x of b) {
    const old = ma.get(x.head);
    if (!old) {
      clauses.push(`+${mask(x.head)}${x.body.length ? `: ${x.body.map(mask).join(', ')}` : ''}`);
      continue;
    }
    if (!sections.has(x.head)) continue;
    const removed = old.body.filter((l) => !x.body.includes(l)).map((l) => `-${mask(l)}`);
    const added = x.body.filter((l) => !old.body.includes(l)).map((l) => `+${mask(l)}`);
    if (removed.length || added.length) clauses.push(`${mask(x.head)}: ${[...removed, ...added].join(', ')}`);
  }
  return clauses.join('; ');
}

export class Audit {
  constructor(private readonly log: EventLog) {}

  /** Records a committed change, given the running config as text before and after (nothing when it reads the same). */
  configChanged(actor: Actor, before: string, after: string): void {
    const diff = configDiff(before, after);
    if (diff) this.log.add('config', `${describeActor(actor)} changed the running config: ${diff}`, 'notice');
  }

  /** Something done to the configuration as a whole (saved, erased, reloaded). */
  configAction(actor: Actor, what: string): void {
    this.log.add('config', `${describeActor(actor)} ${what}`, 'notice');
  }

  privilegeRefused(actor: Actor, why: string): void {
    this.log.add('auth', `enable failed for ${describeActor(actor)}: ${why}`, 'warning');
  }
}
