/**
 * §3.5 PERSISTENT locks (Linux `DLM_LKF_PERSISTENT`): when the owner process exits
 * (`clearOwner`, Linux `dlm_clear_proc_locks`) they stay granted as orphans, their pending requests
 * cancelled, while the owner's other locks are unlocked with FORCEUNLOCK|IVVALBLK; an orphan is
 * taken over by `adoptOrphan` (Linux `dlm_user_adopt_orphan`: same resource and granted mode) or
 * removed by `purgeOrphans` (Linux `do_purge`). A node failure (`purge`) removes orphans too.
 */
import { describe, expect, it } from 'vitest';
import { completions, granted, lvb, queued, queues, space, types } from './helpers.js';

describe('§3.5 PERSISTENT: orphans on owner exit', () => {
  it('§3.5 a persistent granted lock stays granted as an orphan; the owner\'s other locks go (PW/EX invalidate the block)', () => {
    const s = space();
    const keep = granted(s, 'a', 'r1', 'EX', { flags: ['PERSISTENT'] });
    granted(s, 'a', 'r2', 'EX', { flags: ['VALBLK'] });
    granted(s, 'k', 'r2', 'NL');
    const w = queued(s, 'w', 'r1', 'PR');
    s.clearEffects();
    expect(s.clearOwner('a')).toEqual({ released: 1, orphaned: 1 });
    expect(types(s.effects)).toEqual(['release', 'lvb-invalidate']);
    expect(completions(s.effects)).toEqual([]);
    expect(lvb(s, 'r2')).toBe('!');
    expect(s.lockInfo(keep)).toMatchObject({ owner: 'a', state: 'granted', grantedMode: 'EX', orphan: true });
    // The orphan still blocks: w waits on.
    expect(queues(s, 'r1')).toEqual({ granted: ['1:EX'], converting: [], waiting: [`${w}:PR`] });
  });

  it('§3.5 a persistent lock\'s pending conversion is cancelled back to its mode; a persistent waiting request ends', () => {
    const s = space();
    granted(s, 'b', 'r', 'PR');
    const a = granted(s, 'a', 'r', 'PR', { flags: ['PERSISTENT'] });
    expect(s.convert(a, 'EX', { flags: ['PERSISTENT'] }).status).toBe('QUEUED');
    granted(s, 'z', 'q', 'EX');
    const waiting = queued(s, 'a', 'q', 'EX', { flags: ['PERSISTENT'] });
    s.clearEffects();
    expect(s.clearOwner('a')).toEqual({ released: 1, orphaned: 1 });
    expect(s.effects.flatMap((e) => (e.type === 'dequeue' ? [`${e.lockId}:${e.reason}`] : []))).toEqual([`${a}:purge`, `${waiting}:purge`]);
    expect(completions(s.effects)).toEqual([]);
    expect(queues(s, 'r')).toEqual({ granted: ['1:PR', '2:PR'], converting: [], waiting: [] });
    expect(queues(s, 'q')).toEqual({ granted: ['3:EX'], converting: [], waiting: [] });
    expect(s.lockInfo(a)).toMatchObject({ orphan: true, grantedMode: 'PR', requestedMode: undefined });
    expect(s.lockInfo(waiting)).toBeUndefined();
  });

  it('§3.5 a conversion that drops PERSISTENT makes the lock an ordinary one again (each request\'s flags replace the lock\'s)', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'EX', { flags: ['PERSISTENT'] });
    expect(s.convert(a, 'PR').status).toBe('GRANTED');
    expect(s.clearOwner('a')).toEqual({ released: 1, orphaned: 0 });
    expect(s.resourceCount).toBe(0);
  });

  it('§3.5 an orphan cannot be converted or unlocked by id; a purge of its node removes it', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'PW', { flags: ['PERSISTENT'] });
    s.clearOwner('a');
    expect(s.convert(a, 'EX')).toEqual({ status: 'INVALID_ARG', lockId: a, reason: 'the lock is an orphan (adopt it first)' });
    expect(s.unlock(a)).toEqual({ status: 'INVALID_ARG', lockId: a, reason: 'the lock is an orphan (adopt or purge it)' });
    expect(s.dequeueAll('a').count).toBe(0);
    s.clearEffects();
    expect(s.purge('a')).toBe(1);
    expect(types(s.effects)).toEqual(['release', 'lvb-invalidate', 'resource-destroy']);
    expect(s.purgeOrphans()).toBe(0);
  });

  it('§3.5 PERSISTENT is refused on a sublock', () => {
    const s = space();
    const p = granted(s, 'a', 'root', 'NL');
    expect(s.lock('a', 'leaf', 'EX', { parentLockId: p, flags: ['PERSISTENT'] }).status).toBe('INVALID_ARG');
  });
});

describe('§3.5 adopting and purging orphans', () => {
  /** Orphans of `a` on r: PR (id 1) and EX on q (id 2); `a` exited. */
  function orphaned() {
    const s = space();
    granted(s, 'a', 'r', 'PR', { flags: ['PERSISTENT'] });
    granted(s, 'a', 'q', 'EX', { flags: ['PERSISTENT'] });
    s.clearOwner('a');
    s.clearEffects();
    return s;
  }

  it('§3.5 the same resource and mode adopts the orphan: same id and queue place, new owner, no effects', () => {
    const s = orphaned();
    expect(s.adoptOrphan('b', 'r', 'PR', { flags: ['PERSISTENT'] })).toEqual({ status: 'ADOPTED', lockId: 1, reason: undefined });
    expect(s.effects).toEqual([]);
    expect(s.lockInfo(1)).toMatchObject({ owner: 'b', orphan: false, grantedMode: 'PR', state: 'granted' });
    expect(s.locksOf('b').map((l) => l.lockId)).toEqual([1]);
    // Adopted with PERSISTENT, it is orphaned again when b exits.
    expect(s.clearOwner('b')).toEqual({ released: 0, orphaned: 1 });
    expect(s.adoptOrphan('c', 'r', 'PR').status).toBe('ADOPTED');
    s.unlock(1);
    expect(s.resource('r')).toBeUndefined();
  });

  it('§3.5 an orphan there in another mode is NOTQUEUED (Linux -EAGAIN); none there is INVALID_ARG (-ENOENT)', () => {
    const s = orphaned();
    expect(s.adoptOrphan('b', 'r', 'EX')).toEqual({ status: 'NOTQUEUED', lockId: 0, reason: 'the orphans on r hold other modes' });
    expect(s.adoptOrphan('b', 'nowhere', 'EX')).toEqual({ status: 'INVALID_ARG', lockId: 0, reason: 'no orphan lock on nowhere' });
    expect(s.adoptOrphan('b', 'r', 'XX' as never).status).toBe('INVALID_ARG');
    expect(s.lockInfo(1)?.orphan).toBe(true);
  });

  it('§3.5 purgeOrphans(owner) removes that owner\'s orphans with IVVALBLK; the waiting request behind is granted', () => {
    const s = orphaned();
    const w = queued(s, 'w', 'q', 'EX');
    granted(s, 'x', 'r', 'PR', { flags: ['PERSISTENT'] });
    s.clearOwner('x');
    s.clearEffects();
    expect(s.purgeOrphans('a')).toBe(2);
    expect(types(s.effects)).toEqual(['release', 'release', 'lvb-invalidate', 'complete']);
    expect(completions(s.effects)).toEqual([`${w} lock GRANTED EX`]);
    expect(lvb(s, 'q')).toBe('!');
    expect(s.lockInfo(4)?.orphan).toBe(true);
    expect(s.purgeOrphans()).toBe(1);
    expect(s.resource('r')).toBeUndefined();
  });

  it('§6 a waiter blocked by an orphan waits for no process: no phantom cycle when a new process takes the old name', () => {
    const s = space({ deadlockWaitMs: 1 });
    granted(s, 'a', 'r1', 'EX', { flags: ['PERSISTENT'], nowUs: 0 });
    s.clearOwner('a');
    granted(s, 'a', 'r2', 'EX', { nowUs: 0 });
    const mine = queued(s, 'a', 'r1', 'EX', { nowUs: 0 });
    expect(s.findDeadlocks(10_000)).toEqual([]);
    expect(s.waitForEdges().map((e) => `${e.waiterLockId}->${e.holderOwner}`)).toEqual([`${mine}->orphan of a`]);
  });
});
