/**
 * §9 the exact answers of a few requests not pinned elsewhere: a new request may carry a value
 * that fits (it is only written on a down-conversion or unlock), a sublock one level too deep is
 * refused naming the depth limit, a full space throws naming its capacity, and a conversion of a
 * lock that is not granted is BUSY with its reason.
 */
import { describe, expect, it } from 'vitest';
import { LockSpaceCapacityError } from '../../../src/dlm/core/index.js';
import { MAX_TREE_DEPTH } from '../../../src/dlm/core/lockspace-types.js';
import { granted, queued, space } from './helpers.js';

describe('§9 request answers', () => {
  it('a new request with a value that fits is granted', () => {
    const s = space({ valueBlockBytes: 4 });
    expect(s.lock('a', 'r', 'EX', { flags: ['VALBLK'], value: 'abcd' }).status).toBe('GRANTED');
  });

  it(`a sublock at depth ${MAX_TREE_DEPTH} is refused naming the limit`, () => {
    const s = space();
    let parent = granted(s, 'a', 'n0', 'NL');
    for (let depth = 1; depth < MAX_TREE_DEPTH; depth++) parent = granted(s, 'a', `n${depth}`, 'NL', { parentLockId: parent });
    expect(s.lock('a', 'deeper', 'NL', { parentLockId: parent })).toEqual({ status: 'INVALID_ARG', lockId: 0, reason: `resource tree deeper than ${MAX_TREE_DEPTH}` });
  });

  it('a full space throws a capacity error naming its size', () => {
    const s = space({ maxLocks: 2 });
    granted(s, 'a', 'r', 'NL');
    granted(s, 'b', 'r', 'NL');
    expect(() => s.lock('c', 'r', 'NL')).toThrow(new LockSpaceCapacityError('lock space holds 2 locks'));
  });

  it('converting a waiting lock is BUSY, with the reason', () => {
    const s = space();
    granted(s, 'a', 'r', 'EX');
    const w = queued(s, 'b', 'r', 'EX');
    expect(s.convert(w, 'PR')).toEqual({ status: 'BUSY', lockId: w, reason: 'the lock is not granted or has a request pending' });
  });
});
