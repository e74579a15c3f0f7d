/**
 * The lock table's rules (src/check/lock-table.ts): which resource and lock an event names, and
 * the grants in its two views — the lock view, where a CONVDEADLK demotion leaves the lock at NL
 * among the holders, and the strict view, where any release ends the grant — with holders kept in
 * grant order (a conversion keeps its place) and strict holders listed in the order their grants
 * became live.
 */
import { describe, expect, it } from 'vitest';
import { readEvent, type CheckedEvent } from '../../src/check/index.js';
import { LockTable, readsFor, strictHolders } from '../../src/check/lock-table.js';
import { Stream } from './stream.js';

/** Resolves and commits every event of `s` on `table`, as a CheckerSet does. */
function run(table: LockTable, s: Stream): void {
  for (const raw of s.events) {
    const e = readEvent(raw) as CheckedEvent;
    table.resolve(e);
    table.commit(e);
  }
}

const holders = (table: LockTable, resource: string): string[] => table.resource(resource).holders.map((l) => `${l.client}:${l.mode}${l.granted ? '' : '(lock view only)'}`);

describe('lock table grants', () => {
  it('keeps holders in grant order; a conversion keeps its place and its first grant order, with the new mode, time and token', () => {
    const table = new LockTable();
    run(table, new Stream().grant(1, 'c1', 'r', 'PR', { token: 1 }).grant(2, 'c2', 'r', 'PR', { token: 2 }).grant(3, 'c1', 'r', 'EX', { token: 3 }));
    expect(holders(table, 'r')).toEqual(['c1:EX', 'c2:PR']);
    const c1 = table.find('c1', 'r')!;
    expect([c1.grantedUs, c1.token, c1.grantOrder]).toEqual([3_000, 3, 1]);
    expect(table.find('c2', 'r')!.grantOrder).toBe(2);
    run(table, new Stream().grant(4, 'c3', 'r', 'NL'));
    expect(table.find('c3', 'r')).toMatchObject({ mode: 'NL', granted: true, grantOrder: 3, token: undefined });
  });

  it('ends a grant in both views on unlock, purge, cancel, superseded and expire', () => {
    for (const end of ['unlock', 'purge', 'cancel', 'superseded', 'expire'] as const) {
      const table = new LockTable();
      const s = new Stream().grant(1, 'c1', 'r', 'PR').grant(2, 'c2', 'r', 'PR');
      if (end === 'expire') s.expire(3, 'c1', 'r');
      else s.release(3, 'c1', 'r', end);
      run(table, s);
      expect(holders(table, 'r')).toEqual(['c2:PR']);
      expect(table.find('c1', 'r')).toMatchObject({ mode: undefined, granted: false });
    }
  });

  it('leaves a demoted lock at NL among the holders in the lock view, its grant ended in the strict view', () => {
    const table = new LockTable();
    run(table, new Stream().grant(1, 'c1', 'r', 'PR').grant(2, 'c2', 'r', 'PR').release(3, 'c1', 'r', 'demote'));
    expect(holders(table, 'r')).toEqual(['c1:NL(lock view only)', 'c2:PR']);
    // A demotion of a lock with no grant files it as a holder at NL.
    run(table, new Stream().release(4, 'c3', 'r', 'demote'));
    expect(holders(table, 'r')).toEqual(['c1:NL(lock view only)', 'c2:PR', 'c3:NL(lock view only)']);
    // Granted again, it is live again with a new grant order; released, it leaves the holders.
    run(table, new Stream().grant(5, 'c1', 'r', 'EX').release(6, 'c3', 'r'));
    expect(holders(table, 'r')).toEqual(['c1:EX', 'c2:PR']);
    expect(table.find('c1', 'r')!.grantOrder).toBe(3);
  });

  it('lists strict holders other than the one asked about, in the order their grants became live', () => {
    const table = new LockTable();
    run(table, new Stream().grant(1, 'c1', 'r', 'PR').grant(2, 'c2', 'r', 'PR').grant(3, 'c3', 'r', 'PR').release(4, 'c1', 'r', 'demote').grant(5, 'c1', 'r', 'PR'));
    const res = table.resource('r');
    expect(res.holders.map((l) => l.client)).toEqual(['c1', 'c2', 'c3']);
    expect(strictHolders(res, table.find('c3', 'r')!).map((l) => l.client)).toEqual(['c2', 'c1']);
    run(table, new Stream().release(6, 'c2', 'r', 'demote'));
    expect(strictHolders(res, table.find('c3', 'r')!).map((l) => l.client)).toEqual(['c1']);
  });
});

describe('lock table look-ups', () => {
  it('names the lock of a client event, only the resource of an lvb-invalidate, nothing for crash, deadlock and notify', () => {
    const table = new LockTable();
    const events = new Stream()
      .grant(1, 'c1', 'r', 'EX')
      .lvbInvalidate(2, 'q', 'holder-died', 'c1')
      .crash(3, 'c1')
      .deadlock(4, 'c1', [{ node: 'c1', resource: 'r', mode: 'EX', waitsFor: 'c2' }])
      .raw(5, 'zk1', 'notify', { client: 'c1', path: '/l', cause: '/l/a', change: 'deleted' })
      .events.map((raw) => readEvent(raw) as CheckedEvent);
    const named = events.map((e) => {
      table.resolve(e);
      return [table.res?.name, table.lock?.client];
    });
    expect(named).toEqual([
      ['r', 'c1'],
      ['q', undefined],
      [undefined, undefined],
      [undefined, undefined],
      [undefined, undefined],
    ]);
  });

  it('finds locks without making them, and lists a client’s locks in the order resources were first named', () => {
    const table = new LockTable();
    run(table, new Stream().grant(1, 'c2', 'b', 'PR').grant(2, 'c1', 'a', 'PR').grant(3, 'c1', 'b', 'PR').release(4, 'c1', 'b'));
    expect(table.find('c1', 'zzz')).toBeUndefined();
    expect(table.find('c9', 'a')).toBeUndefined();
    expect(table.locksOf('c1').map((l) => `${l.client}@${l.res.name}`)).toEqual(['c1@b', 'c1@a']);
    expect(table.locksOf('c9')).toEqual([]);
    // A resource is made once: the same record on every mention.
    expect(table.resource('a')).toBe(table.find('c1', 'a')!.res);
  });

  it('makes a checker with a private table read the grant, release and expire events it must commit', () => {
    const shared = new LockTable();
    expect(readsFor(['request', 'grant'], shared)).toEqual(['request', 'grant']);
    expect(readsFor(['request', 'grant'], undefined)).toEqual(['request', 'grant', 'release', 'expire']);
    expect(readsFor(['expire'], undefined)).toEqual(['expire', 'grant', 'release']);
  });
});
