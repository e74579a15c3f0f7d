/**
 * The bounds that stop a runaway producer, reached through the code that grows each list: the lock
 * table's holders of one resource (by grants, and by CONVDEADLK demotions of locks that held no
 * grant), and the notifications the herd checker gathers at one instant. Each bound lets exactly
 * its limit through and fails loudly, naming the list, on the one after.
 */
import { describe, expect, it } from 'vitest';
import { HerdChecker } from '../../src/check/index.js';
import type { CheckedEvent } from '../../src/check/lock-event.js';
import { LockTable, MAX_LOCKS_PER_RESOURCE } from '../../src/check/lock-table.js';

const noSink = { violation: () => {}, observation: () => {} };

/** Resolve and commit `e` as the CheckerSet does around the checkers. */
function apply(table: LockTable, e: CheckedEvent): void {
  table.resolve(e);
  table.commit(e);
}

const grant = (seq: number, client: string): CheckedEvent => ({ seq, tUs: 0, node: 'm1', type: 'grant', fields: { client, resource: 'r', mode: 'NL' } }) as CheckedEvent;
const demote = (seq: number, client: string): CheckedEvent => ({ seq, tUs: 0, node: 'm1', type: 'release', fields: { client, resource: 'r', reason: 'demote' } }) as CheckedEvent;

describe('runaway bounds', () => {
  it('holds the holders of one resource to MAX_LOCKS_PER_RESOURCE granted locks', () => {
    const table = new LockTable();
    for (let i = 0; i < MAX_LOCKS_PER_RESOURCE; i++) apply(table, grant(i, `c${i}`));
    expect(table.resource('r').holders).toHaveLength(MAX_LOCKS_PER_RESOURCE);
    expect(() => apply(table, grant(MAX_LOCKS_PER_RESOURCE, 'one-more'))).toThrow(new RangeError(`check: the holders of r exceed ${MAX_LOCKS_PER_RESOURCE} locks`));
  });

  it('holds the holders of one resource to MAX_LOCKS_PER_RESOURCE demoted locks', () => {
    const table = new LockTable();
    for (let i = 0; i < MAX_LOCKS_PER_RESOURCE; i++) apply(table, demote(i, `c${i}`));
    expect(table.resource('r').holders).toHaveLength(MAX_LOCKS_PER_RESOURCE);
    expect(() => apply(table, demote(MAX_LOCKS_PER_RESOURCE, 'one-more'))).toThrow(new RangeError(`check: the holders of r exceed ${MAX_LOCKS_PER_RESOURCE} locks`));
  });

  it('holds the notifications gathered at one instant to 100000', () => {
    const herd = new HerdChecker();
    const notify = (seq: number): CheckedEvent =>
      ({ seq, tUs: 1_000_000, node: 'zk1', type: 'notify', fields: { client: 'c2', path: 'locknode', cause: 'lock-0000000000', change: 'deleted' } }) as CheckedEvent;
    for (let i = 0; i < 100_000; i++) herd.onEvent(notify(i), noSink);
    expect(() => herd.onEvent(notify(100_000), noSink)).toThrow(new RangeError('herd: more than 100000 notifications at 1000.0 ms'));
  });
});
