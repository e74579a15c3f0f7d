/**
 * §5 resources: created by the first request, destroyed (with the value block) when the last lock
 * goes, names compared exactly ([PROJECT]); parent locks and sub-resources (VMS trees).
 */
import { describe, expect, it } from 'vitest';
import { LockSpace, MAX_TREE_DEPTH } from '../../../src/dlm/core/index.js';
import { granted, queued, queues, space, types } from './helpers.js';

describe('§5 lifecycle', () => {
  it('§5 a resource is created by its first request and destroyed with its last lock', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'PR');
    expect(types(s.effects)).toEqual(['resource-create', 'complete']);
    expect(s.effects[0]).toEqual({ type: 'resource-create', resource: 'r', name: 'r', parent: undefined });
    const b = granted(s, 'b', 'r', 'PR');
    expect(s.resourceCount).toBe(1);
    s.clearEffects();
    s.unlock(a);
    expect(s.resource('r')).toBeDefined();
    s.unlock(b);
    expect(types(s.effects)).toEqual(['complete', 'complete', 'resource-destroy']);
    expect(s.resource('r')).toBeUndefined();
    expect(s.resourceCount).toBe(0);
  });

  it('§5 waiting and converting locks keep the resource alive', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'NL');
    const x = granted(s, 'x', 'r', 'EX');
    s.convert(a, 'PR');
    const w = queued(s, 'w', 'r', 'CR');
    s.unlock(x); // grants a PR and w CR
    expect(queues(s, 'r')).toEqual({ granted: ['1:PR', '3:CR'], converting: [], waiting: [] });
    s.unlock(a);
    s.unlock(w);
    expect(s.resource('r')).toBeUndefined();
  });

  it('§5 [PROJECT] names compare as exact strings, including length and case', () => {
    const s = space();
    granted(s, 'a', 'A', 'EX');
    expect(s.lock('b', 'A\u0000', 'EX').status).toBe('GRANTED');
    expect(s.lock('c', 'a', 'EX').status).toBe('GRANTED');
    expect(s.lock('d', 'A', 'EX').status).toBe('QUEUED');
    expect(s.resourcePaths()).toEqual([['A'], ['A\u0000'], ['a']]);
  });
});

describe('§5 trees (parent locks)', () => {
  it('§5 a sub-resource is named under its parent lock’s resource and displayed as parent/child', () => {
    const s = space();
    const p = granted(s, 'a', 'db', 'CR');
    s.clearEffects();
    const c = granted(s, 'a', 'row7', 'EX', { parentLockId: p });
    expect(s.effects[0]).toEqual({ type: 'resource-create', resource: 'db/row7', name: 'row7', parent: 'db' });
    expect(s.lockInfo(c)).toMatchObject({ resource: 'db/row7', path: ['db', 'row7'], parentLockId: p });
    expect(s.lockInfo(p)?.sublocks).toBe(1);
    expect(s.resource('db')?.children).toEqual(['row7']);
    expect(s.resource('db', 'row7')?.granted.map((l) => l.lockId)).toEqual([c]);
    // The root named "row7" is another resource.
    expect(s.lock('b', 'row7', 'EX').status).toBe('GRANTED');
  });

  it('§5 the same name under two different parent resources is two resources', () => {
    const s = space();
    const p1 = granted(s, 'a', 'db1', 'CR');
    const p2 = granted(s, 'b', 'db2', 'CR');
    expect(s.lock('a', 'row', 'EX', { parentLockId: p1 }).status).toBe('GRANTED');
    expect(s.lock('b', 'row', 'EX', { parentLockId: p2 }).status).toBe('GRANTED');
  });

  it('§5 the same name under the same parent resource is one resource, whoever’s parent lock it hangs from', () => {
    const s = space();
    const pa = granted(s, 'a', 'db', 'CR');
    const pb = granted(s, 'b', 'db', 'CR');
    expect(s.lock('a', 'row', 'EX', { parentLockId: pa }).status).toBe('GRANTED');
    expect(s.lock('b', 'row', 'EX', { parentLockId: pb }).status).toBe('QUEUED');
  });

  it('§5 the parent must exist and belong to the same owner (INVALID_ARG), and be granted (PARNOTGRANT)', () => {
    const s = space();
    const p = granted(s, 'a', 'db', 'CR');
    expect(s.lock('a', 'row', 'EX', { parentLockId: 99 }).status).toBe('INVALID_ARG');
    expect(s.lock('b', 'row', 'EX', { parentLockId: p }).status).toBe('INVALID_ARG');
    granted(s, 'x', 'q', 'EX');
    const w = queued(s, 'a', 'q', 'EX');
    expect(s.lock('a', 'row', 'EX', { parentLockId: w }).status).toBe('PARNOTGRANT');
  });

  it('§5 SUBLOCKS: a parent cannot be unlocked while it has sublocks; the sub-resource dies first', () => {
    const s = space();
    const p = granted(s, 'a', 'db', 'CR');
    const c = granted(s, 'a', 'row', 'EX', { parentLockId: p });
    const gc = granted(s, 'a', 'cell', 'EX', { parentLockId: c });
    expect(s.lockInfo(gc)?.resource).toBe('db/row/cell');
    expect(s.unlock(p).status).toBe('SUBLOCKS');
    expect(s.unlock(c).status).toBe('SUBLOCKS');
    s.clearEffects();
    s.unlock(gc);
    s.unlock(c);
    s.unlock(p);
    expect(s.effects.filter((e) => e.type === 'resource-destroy').map((e) => e.resource)).toEqual(['db/row/cell', 'db/row', 'db']);
    expect(s.resourceCount).toBe(0);
  });

  it('§5 a waiting sublock counts as a sublock', () => {
    const s = space();
    const pa = granted(s, 'a', 'db', 'CR');
    const pb = granted(s, 'b', 'db', 'CR');
    granted(s, 'a', 'row', 'EX', { parentLockId: pa });
    const w = queued(s, 'b', 'row', 'EX', { parentLockId: pb });
    expect(s.unlock(pb).status).toBe('SUBLOCKS');
    s.cancel(w);
    expect(s.unlock(pb).status).toBe('UNLOCKED');
  });

  it(`§5 trees are bounded at ${MAX_TREE_DEPTH} levels`, () => {
    const s = new LockSpace();
    let parent = granted(s, 'a', 'n0', 'NL');
    for (let i = 1; i < MAX_TREE_DEPTH; i++) parent = granted(s, 'a', `n${i}`, 'NL', { parentLockId: parent });
    expect(s.lockInfo(parent)?.path).toHaveLength(MAX_TREE_DEPTH);
    expect(s.lock('a', 'deeper', 'NL', { parentLockId: parent }).status).toBe('INVALID_ARG');
  });
});
