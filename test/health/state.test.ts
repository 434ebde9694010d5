import { describe, expect, it } from 'vitest';
import { HcStateMachine } from '../../src/health/state.js';

/** Feeds results ('o' success, 'x' failure); returns the state after each as u/d/-. */
function run(sm: HcStateMachine, results: string): string {
  let out = '';
  for (const r of results) {
    sm.record(r === 'o');
    out += sm.up === null ? '-' : sm.up ? 'u' : 'd';
  }
  return out;
}

describe('HcStateMachine', () => {
  it('starts unprobed (counted as down); the first success brings it up whatever recover says', () => {
    const sm = new HcStateMachine(3, 5);
    expect(sm.up).toBe(null);
    expect(sm.record(true)).toBe(true);
    expect(sm.up).toBe(true);
  });

  it('a first failure only makes the down state known (no change)', () => {
    const sm = new HcStateMachine(3, 0);
    expect(sm.record(false)).toBe(false);
    expect(sm.up).toBe(false);
    expect(run(sm, 'o')).toBe('u');
  });

  it('goes down after `retry` failures in a row; a success in between starts the count again', () => {
    expect(run(new HcStateMachine(3, 0), 'oxxx')).toBe('uuud');
    expect(run(new HcStateMachine(3, 0), 'oxxoxxoxxx')).toBe('uuuuuuuuud');
    expect(run(new HcStateMachine(1, 0), 'ox')).toBe('ud');
  });

  it('comes back after `recover` successes in a row (0 and 1: the first)', () => {
    expect(run(new HcStateMachine(1, 0), 'oxo')).toBe('udu');
    expect(run(new HcStateMachine(1, 1), 'oxo')).toBe('udu');
    expect(run(new HcStateMachine(1, 3), 'oxoooo')).toBe('uddduu');
    expect(run(new HcStateMachine(1, 3), 'oxooxooo')).toBe('uddddddu');
  });

  it('flapping: alternating results never take it down with retry 2, nor back up with recover 2', () => {
    expect(run(new HcStateMachine(2, 2), 'o' + 'xo'.repeat(20))).toBe('u'.repeat(41));
    expect(run(new HcStateMachine(2, 2), 'oxx' + 'ox'.repeat(20))).toBe('uud' + 'd'.repeat(40));
  });

  it('reports exactly the transitions', () => {
    const sm = new HcStateMachine(2, 2);
    const changes = [...'oxxooxo'].map((r) => sm.record(r === 'o'));
    expect(changes).toEqual([true, false, true, false, true, false, false]);
  });
});
