/**
 * §3.5, §3.6 FORCEUNLOCK (Linux `DLM_LKF_FORCEUNLOCK`: unlock whatever queue the lock is on) and
 * dequeue-all (VMS `$DEQ` with LCK$M_DEQALL: every lock of the process, or every sublock of one
 * lock), with exact completions, effects, queues and value blocks.
 */
import { describe, expect, it } from 'vitest';
import { completions, granted, lvb, queued, queues, space, types } from './helpers.js';

describe('§3.6 FORCEUNLOCK', () => {
  it('§3.6 a waiting request: plain unlock is BUSY; FORCEUNLOCK removes it with one UNLOCKED completion', () => {
    const s = space();
    granted(s, 'a', 'r', 'EX');
    const b = queued(s, 'b', 'r', 'EX');
    queued(s, 'c', 'r', 'PR');
    s.clearEffects();
    expect(s.unlock(b).status).toBe('BUSY');
    expect(s.effects).toEqual([]);
    expect(s.unlock(b, { flags: ['FORCEUNLOCK'] })).toEqual({ status: 'UNLOCKED', lockId: b, reason: undefined });
    expect(types(s.effects)).toEqual(['dequeue', 'complete']);
    expect(s.effects[0]).toMatchObject({ type: 'dequeue', lockId: b, mode: 'EX', reason: 'cancel' });
    expect(completions(s.effects)).toEqual(['2 unlock UNLOCKED -']);
    expect(queues(s, 'r')).toEqual({ granted: ['1:EX'], converting: [], waiting: ['3:PR'] });
    expect(s.lockInfo(b)).toBeUndefined();
  });

  it('§3.6 a converting lock: its conversion and its granted mode go, and the grant pass runs', () => {
    const s = space();
    granted(s, 'a', 'r', 'PR');
    const b = granted(s, 'b', 'r', 'PR');
    expect(s.convert(b, 'EX').status).toBe('QUEUED');
    queued(s, 'c', 'r', 'PR');
    s.clearEffects();
    expect(s.unlock(b, { flags: ['FORCEUNLOCK'] }).status).toBe('UNLOCKED');
    expect(completions(s.effects)).toEqual(['2 unlock UNLOCKED -', '3 lock GRANTED PR']);
    expect(queues(s, 'r')).toEqual({ granted: ['1:PR', '3:PR'], converting: [], waiting: [] });
  });

  it('§3.6 a converting PW holder: IVVALBLK invalidates the block, a passed value is written', () => {
    const s = space();
    granted(s, 'k', 'r', 'CR');
    const w = granted(s, 'w', 'r', 'PW', { flags: ['VALBLK'] });
    expect(s.convert(w, 'EX', { flags: ['VALBLK'] }).status).toBe('QUEUED');
    s.clearEffects();
    s.unlock(w, { flags: ['FORCEUNLOCK', 'IVVALBLK'] });
    expect(types(s.effects)).toEqual(['dequeue', 'lvb-invalidate', 'complete']);
    expect(lvb(s, 'r')).toBe('!');

    const t = space();
    granted(t, 'k', 'r', 'CR');
    const v = granted(t, 'w', 'r', 'PW', { flags: ['VALBLK'] });
    t.convert(v, 'EX', { flags: ['VALBLK'] });
    t.unlock(v, { flags: ['FORCEUNLOCK'], value: 'last' });
    expect(lvb(t, 'r')).toBe('last');
  });

  it('§3.6 on a granted lock FORCEUNLOCK is a plain unlock; the last lock takes the resource with it', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'EX');
    const b = queued(s, 'b', 'r', 'PR');
    s.unlock(b, { flags: ['FORCEUNLOCK'] });
    s.clearEffects();
    expect(s.unlock(a, { flags: ['FORCEUNLOCK'] }).status).toBe('UNLOCKED');
    expect(types(s.effects)).toEqual(['complete', 'resource-destroy']);
    expect(s.resourceCount).toBe(0);
  });

  it('§3.6 FORCEUNLOCK still refuses a lock with sublocks, and is not a flag of lock or convert', () => {
    const s = space();
    const p = granted(s, 'a', 'root', 'NL');
    granted(s, 'a', 'leaf', 'EX', { parentLockId: p });
    expect(s.unlock(p, { flags: ['FORCEUNLOCK'] }).status).toBe('SUBLOCKS');
    expect(s.lock('b', 'r', 'EX', { flags: ['FORCEUNLOCK'] }).reason).toBe('FORCEUNLOCK not valid on a new request');
    expect(s.convert(p, 'EX', { flags: ['FORCEUNLOCK'] }).reason).toBe('FORCEUNLOCK not valid on a conversion');
  });
});

describe('§3.5 dequeue-all (VMS LCK$M_DEQALL)', () => {
  it('§3.5 every lock of the owner goes, granted or pending, each with one UNLOCKED; others are granted after', () => {
    const s = space();
    granted(s, 'a', 'r1', 'EX');
    const b1 = granted(s, 'b', 'r2', 'PR');
    queued(s, 'b', 'r1', 'PR');
    queued(s, 'c', 'r1', 'EX');
    queued(s, 'c', 'r2', 'EX');
    expect(s.convert(b1, 'PW').status).toBe('GRANTED');
    s.clearEffects();
    const r = s.dequeueAll('a');
    expect(r).toEqual({ status: 'UNLOCKED', lockId: 0, reason: undefined, count: 1 });
    expect(completions(s.effects)).toEqual(['1 unlock UNLOCKED -', '3 lock GRANTED PR']);
    s.clearEffects();
    expect(s.dequeueAll('b').count).toBe(2);
    // Every lock goes first, then the resources settle in the order they were touched (r2, r1).
    expect(completions(s.effects)).toEqual(['2 unlock UNLOCKED -', '3 unlock UNLOCKED -', '5 lock GRANTED EX', '4 lock GRANTED EX']);
    expect(s.locksOf('b')).toEqual([]);
    expect(queues(s, 'r1')).toEqual({ granted: ['4:EX'], converting: [], waiting: [] });
    expect(queues(s, 'r2')).toEqual({ granted: ['5:EX'], converting: [], waiting: [] });
  });

  it('§3.5 an owner with no locks: UNLOCKED, count 0, no effects', () => {
    const s = space();
    granted(s, 'a', 'r', 'EX');
    s.clearEffects();
    expect(s.dequeueAll('nobody')).toEqual({ status: 'UNLOCKED', lockId: 0, reason: undefined, count: 0 });
    expect(s.effects).toEqual([]);
  });

  it('§5 with a lock id: every sublock under it at any depth, deepest first; the lock itself stays', () => {
    const s = space();
    const root = granted(s, 'a', 'db', 'CR');
    const table = granted(s, 'a', 'table', 'CR', { parentLockId: root });
    granted(s, 'a', 'row', 'EX', { parentLockId: table });
    const other = granted(s, 'a', 'other', 'PR');
    s.clearEffects();
    expect(s.dequeueAll('a', { parentLockId: root }).count).toBe(2);
    expect(completions(s.effects)).toEqual(['3 unlock UNLOCKED -', '2 unlock UNLOCKED -']);
    expect(types(s.effects).filter((t) => t === 'resource-destroy')).toHaveLength(2);
    expect(s.locksOf('a').map((l) => l.lockId)).toEqual([root, other]);
    expect(s.resourcePaths()).toEqual([['db'], ['other']]);
    expect(s.lockInfo(root)?.sublocks).toBe(0);
  });

  it('§3.5 IVVALBLK invalidates the block of each PW/EX lock; no value is written', () => {
    const s = space();
    granted(s, 'k', 'r', 'NL');
    const w = granted(s, 'w', 'r', 'EX', { flags: ['VALBLK'] });
    s.convert(w, 'PW', { flags: ['VALBLK'], value: 'v1' });
    s.dequeueAll('w');
    expect(lvb(s, 'r')).toBe('v1');
    const x = granted(s, 'x', 'r', 'PW');
    s.dequeueAll('x', { flags: ['IVVALBLK'] });
    expect(lvb(s, 'r')).toBe('v1!');
    expect(x).toBe(3);
  });

  it('§3.5 bad arguments are INVALID_ARG and change nothing', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'EX');
    s.clearEffects();
    expect(s.dequeueAll('a', { flags: ['VALBLK'] }).status).toBe('INVALID_ARG');
    expect(s.dequeueAll('b', { parentLockId: a })).toEqual({ status: 'INVALID_ARG', lockId: a, reason: `lock ${a} is not a lock of b`, count: 0 });
    expect(s.dequeueAll('a', { nowUs: -1 }).status).toBe('INVALID_ARG');
    expect(s.effects).toEqual([]);
    expect(s.lockCount).toBe(1);
  });
});
