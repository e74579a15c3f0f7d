/**
 * §9 every status, with its synchronous/asynchronous reporting, and §3.6 unlock and cancel.
 * [PROJECT] §9: INVALID_ARG, BUSY, SUBLOCKS and PARNOTGRANT are synchronous with no completion;
 * everything else arrives as a completion (NOTQUEUED and DEADLOCK also synchronously).
 */
import { describe, expect, it } from 'vitest';
import { completions, granted, queued, queues, space, types } from './helpers.js';

describe('§9 statuses', () => {
  it('§9 GRANTED: synchronous and as the completion, with the mode now held', () => {
    const s = space();
    expect(s.lock('a', 'r', 'PW')).toEqual({ status: 'GRANTED', lockId: 1, reason: undefined });
    expect(s.effects.find((e) => e.type === 'complete')).toEqual({
      type: 'complete',
      op: 'lock',
      lockId: 1,
      owner: 'a',
      resource: 'r',
      status: 'GRANTED',
      mode: 'PW',
      requestedMode: 'PW',
      flags: 0,
      value: undefined,
      valueBytes: undefined,
      lvbSeq: undefined,
    });
  });

  it('§9 queued requests complete later, exactly once, when granted', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'EX');
    expect(s.lock('b', 'r', 'EX')).toEqual({ status: 'QUEUED', lockId: 2, reason: undefined });
    expect(completions(s.takeEffects())).toEqual(['1 lock GRANTED EX']);
    s.unlock(a);
    expect(completions(s.takeEffects())).toEqual(['1 unlock UNLOCKED -', '2 lock GRANTED EX']);
  });

  it('§9 NOTQUEUED: synchronous and as the completion', () => {
    const s = space();
    granted(s, 'a', 'r', 'EX');
    s.clearEffects();
    expect(s.lock('b', 'r', 'PR', { flags: ['NOQUEUE'] }).status).toBe('NOTQUEUED');
    expect(completions(s.effects)).toEqual(['2 lock NOTQUEUED -']);
  });

  it('§9 DEADLOCK: synchronous and as the completion; the lock keeps its mode', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'PR');
    const b = granted(s, 'b', 'r', 'PR');
    s.convert(a, 'EX');
    s.clearEffects();
    expect(s.convert(b, 'EX').status).toBe('DEADLOCK');
    expect(completions(s.effects)).toEqual(['2 convert DEADLOCK PR']);
  });

  it('§9 ABORTED (§3.6): cancelling a waiting new request removes it and runs the grant pass', () => {
    const s = space();
    granted(s, 'a', 'r', 'PR');
    const b = queued(s, 'b', 'r', 'EX');
    queued(s, 'c', 'r', 'PR');
    s.clearEffects();
    expect(s.cancel(b)).toEqual({ status: 'ABORTED', lockId: b, reason: undefined });
    expect(types(s.effects)).toEqual(['dequeue', 'complete', 'complete']);
    expect(s.effects[0]).toMatchObject({ type: 'dequeue', lockId: b, mode: 'EX', reason: 'cancel' });
    expect(completions(s.effects)).toEqual(['2 lock ABORTED -', '3 lock GRANTED PR']);
    expect(s.lockInfo(b)).toBeUndefined();
  });

  it('§9 ABORTED: the completion holds no mode and names the mode that had been asked for', () => {
    const s = space();
    granted(s, 'a', 'r', 'EX');
    const b = queued(s, 'b', 'r', 'PW');
    s.clearEffects();
    s.cancel(b);
    expect(s.effects.find((e) => e.type === 'complete')).toMatchObject({ op: 'lock', status: 'ABORTED', mode: undefined, requestedMode: 'PW' });
    // The id is gone: a second cancel is an invalid argument, not a second completion.
    s.clearEffects();
    expect(s.cancel(b).status).toBe('INVALID_ARG');
    expect(s.effects).toEqual([]);
  });

  it('§9 CANCELLED (§3.6): cancelling a conversion returns the lock to its old mode and runs the grant pass', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'PR');
    granted(s, 'b', 'r', 'PR');
    s.convert(a, 'EX');
    const c = queued(s, 'c', 'r', 'CR');
    s.clearEffects();
    expect(s.cancel(a).status).toBe('CANCELLED');
    expect(completions(s.effects)).toEqual(['1 convert CANCELLED PR', '3 lock GRANTED CR']);
    expect(queues(s, 'r')).toEqual({ granted: ['2:PR', '1:PR', '3:CR'], converting: [], waiting: [] });
    expect(c).toBe(3);
  });

  it('§9 CANCELGRANT (§3.6): nothing to cancel, nothing changes, one completion says so', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'PR');
    s.clearEffects();
    expect(s.cancel(a).status).toBe('CANCELGRANT');
    expect(completions(s.effects)).toEqual(['1 cancel CANCELGRANT PR']);
    expect(s.lockInfo(a)).toMatchObject({ state: 'granted', grantedMode: 'PR' });
  });

  it('§9 UNLOCKED (§3.6): the lock is removed and the grant pass runs', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'EX');
    queued(s, 'b', 'r', 'EX');
    s.clearEffects();
    expect(s.unlock(a)).toEqual({ status: 'UNLOCKED', lockId: a, reason: undefined });
    expect(completions(s.effects)).toEqual(['1 unlock UNLOCKED -', '2 lock GRANTED EX']);
    expect(s.lockInfo(a)).toBeUndefined();
  });

  it('§9 BUSY (§3.6 [PROJECT]): unlocking a converting or waiting lock is refused; cancel it instead', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'PR');
    granted(s, 'b', 'r', 'PR');
    s.convert(a, 'EX');
    const c = queued(s, 'c', 'r', 'EX');
    s.clearEffects();
    expect(s.unlock(a).status).toBe('BUSY');
    expect(s.unlock(c).status).toBe('BUSY');
    expect(s.convert(c, 'NL').status).toBe('BUSY');
    expect(s.effects).toEqual([]);
    expect(queues(s, 'r')).toEqual({ granted: ['2:PR'], converting: ['1:PR>EX'], waiting: ['3:EX'] });
  });

  it('§9 INVALID_ARG: synchronous, no completion, nothing created', () => {
    const s = space();
    expect(s.lock('a', 'r', 'CR', { flags: ['EXPEDITE'] })).toMatchObject({ status: 'INVALID_ARG', lockId: 0 });
    expect(s.effects).toEqual([]);
    expect(s.resourceCount).toBe(0);
  });

  it('§9 SUBLOCKS: a parent with sublocks cannot be unlocked; synchronous, nothing changes', () => {
    const s = space();
    const p = granted(s, 'a', 'db', 'PR');
    const c = granted(s, 'a', 'table', 'EX', { parentLockId: p });
    s.clearEffects();
    expect(s.unlock(p).status).toBe('SUBLOCKS');
    expect(s.effects).toEqual([]);
    s.unlock(c);
    expect(s.unlock(p).status).toBe('UNLOCKED');
  });

  it('§9 PARNOTGRANT: the parent lock must be granted; synchronous, nothing created', () => {
    const s = space();
    const x = granted(s, 'x', 'db', 'EX');
    const p = queued(s, 'a', 'db', 'PR');
    s.clearEffects();
    expect(s.lock('a', 'table', 'EX', { parentLockId: p })).toMatchObject({ status: 'PARNOTGRANT', lockId: 0 });
    expect(s.effects).toEqual([]);
    // A converting parent is not granted either (its state is CONVERT).
    s.unlock(x); // a's PR is granted
    const q = granted(s, 'b', 'db', 'PR');
    expect(s.convert(p, 'EX').status).toBe('QUEUED');
    expect(s.lock('a', 'table', 'EX', { parentLockId: p }).status).toBe('PARNOTGRANT');
    expect(s.lock('b', 'table', 'EX', { parentLockId: q }).status).toBe('GRANTED');
  });
});
