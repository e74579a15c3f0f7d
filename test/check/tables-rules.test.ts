/**
 * The checkers' own tables and bounded lists, each pinned by exact answers: the mode predicates
 * (typed in by hand on purpose, never derived from src/dlm/core), invariant names, and the queue
 * and holder lists with their bounds and their loud failures. Each case is one a mutant of
 * src/check would get wrong (`npm run mutants`).
 */
import { describe, expect, it } from 'vitest';
import { compatible, isInvariantName, isModeName, lvbOperation, modeNames, permitsWrite } from '../../src/check/index.js';
import { LockState, LockTable, MAX_LOCKS_PER_RESOURCE, pushLock, removeLock } from '../../src/check/lock-table.js';
import { MAX_QUEUE_LENGTH, enqueueLock } from '../../src/check/queues.js';

describe('the checkers’ mode predicates', () => {
  it('knows exactly the six mode names', () => {
    expect(modeNames.map((m) => isModeName(m))).toEqual([true, true, true, true, true, true]);
    expect(['nl', 'XX', '', 0, undefined, null].map((m) => isModeName(m))).toEqual([false, false, false, false, false, false]);
  });

  it('lets exactly CW, PW and EX write', () => {
    expect(modeNames.filter((m) => permitsWrite(m))).toEqual(['CW', 'PW', 'EX']);
  });

  it('reads the value block on every new request, and by the table on a conversion', () => {
    expect(modeNames.map((m) => lvbOperation(undefined, m))).toEqual(['read', 'read', 'read', 'read', 'read', 'read']);
    expect(modeNames.map((m) => lvbOperation('PW', m))).toEqual(['write', 'write', 'write', 'write', 'write', 'read']);
    expect(modeNames.map((m) => lvbOperation('CR', m))).toEqual(['none', 'read', 'read', 'read', 'read', 'read']);
  });

  it('answers compatibility from the hand-typed matrix (row held, column requested)', () => {
    expect(modeNames.map((m) => compatible('PR', m))).toEqual([true, true, false, true, false, false]);
    expect(modeNames.map((m) => compatible(m, 'CW'))).toEqual([true, true, true, false, false, false]);
  });
});

describe('invariant names', () => {
  it('are strings from the list; nothing else is one', () => {
    expect(isInvariantName('liveness')).toBe(true);
    expect([undefined, 3, ['fencing'], 'Fencing'].map((x) => isInvariantName(x))).toEqual([false, false, false, false]);
  });
});

describe('queue and holder lists', () => {
  const table = new LockTable();
  const res = table.resource('r');
  const lock = (client: string) => new LockState(client, res, []);

  it('files a request at the tail, or at the head with HEADQUE', () => {
    const list: LockState[] = [];
    const [a, b, c] = [lock('a'), lock('b'), lock('c')];
    enqueueLock(list, a, [], 'waiting');
    enqueueLock(list, b, ['NOQUEUE'], 'waiting');
    enqueueLock(list, c, ['VALBLK', 'HEADQUE'], 'waiting');
    expect(list.map((l) => l.client)).toEqual(['c', 'a', 'b']);
  });

  it('holds a queue to MAX_QUEUE_LENGTH requests and says which queue overflowed', () => {
    const full = new Array<LockState>(MAX_QUEUE_LENGTH - 1).fill(lock('x'));
    enqueueLock(full, lock('y'), [], 'converting');
    expect(full).toHaveLength(MAX_QUEUE_LENGTH);
    expect(() => enqueueLock(full, lock('z'), [], 'converting')).toThrow(new RangeError(`check: the converting queue of r exceeds ${MAX_QUEUE_LENGTH} requests`));
  });

  it('holds a resource list to MAX_LOCKS_PER_RESOURCE locks', () => {
    const full = new Array<LockState>(MAX_LOCKS_PER_RESOURCE - 1).fill(lock('x'));
    pushLock(full, lock('y'), 'the holders');
    expect(full).toHaveLength(MAX_LOCKS_PER_RESOURCE);
    expect(() => pushLock(full, lock('z'), 'the believers')).toThrow(new RangeError(`check: the believers of r exceed ${MAX_LOCKS_PER_RESOURCE} locks`));
  });

  it('removes a lock keeping the order of the rest, and is loud when the lock is not there', () => {
    const [a, b, c, d] = [lock('a'), lock('b'), lock('c'), lock('d')];
    const list = [a, b, c, d];
    removeLock(list, b);
    expect(list.map((l) => l.client)).toEqual(['a', 'c', 'd']);
    removeLock(list, d);
    expect(list.map((l) => l.client)).toEqual(['a', 'c']);
    removeLock(list, a);
    expect(list.map((l) => l.client)).toEqual(['c']);
    expect(() => removeLock(list, b)).toThrow(new RangeError("check: b's lock on r is not in the list it is filed under"));
    expect(list.map((l) => l.client)).toEqual(['c']);
  });
});
