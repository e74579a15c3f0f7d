/**
 * §3.5/§8.2 the owner-wide operations (dequeueAll, purge, clearOwner, adoptOrphan, purgeOrphans)
 * and the time every operation runs at: each takes exactly the locks its rule names (the sublocks
 * of the given lock only; orphans on the named root resource only), releases same-depth locks in
 * lock-id order, settles a resource once however many of its locks went, runs at the time it is
 * given, and — when it finds nothing to do — changes nothing, not even the time later requests
 * default to. A drain of the effects leaves an empty buffer.
 */
import { describe, expect, it } from 'vitest';
import { AdoptError, LockFlag, type LockSpace } from '../../../src/dlm/core/index.js';
import { completions, granted, queued, space, types } from './helpers.js';

/** The time a request made now without `nowUs` is stamped with (the space's latest time). */
function defaultTimeUs(s: LockSpace): number | undefined {
  const probe = s.lock('probe', 'clock-probe', 'NL');
  const at = s.lockInfo(probe.lockId)?.grantedAtUs;
  s.unlock(probe.lockId);
  return at;
}

describe('effects drain', () => {
  it('takeEffects hands over the buffer and leaves an empty one', () => {
    const s = space();
    granted(s, 'a', 'r', 'EX');
    expect(types(s.takeEffects())).toEqual(['resource-create', 'complete']);
    expect(s.effects).toEqual([]);
  });
});

describe('§3.5 dequeueAll', () => {
  it('with a lock id: only the sublocks under that lock, not those under the owner\'s other locks; the answer names the lock', () => {
    const s = space();
    const db = granted(s, 'a', 'db', 'CR');
    granted(s, 'a', 'table', 'PR', { parentLockId: db });
    const other = granted(s, 'a', 'other', 'CR');
    const kept = granted(s, 'a', 'kept', 'PR', { parentLockId: other });
    s.clearEffects();
    expect(s.dequeueAll('a', { parentLockId: db })).toEqual({ status: 'UNLOCKED', lockId: db, reason: undefined, count: 1 });
    expect(completions(s.effects)).toEqual(['2 unlock UNLOCKED -']);
    expect(s.locksOf('a').map((l) => l.lockId)).toEqual([db, other, kept]);
  });

  it('same-depth locks go in lock-id order, whatever order the space holds them in', () => {
    const s = space();
    // Adopted with kept ids, so the space holds lock 9 before lock 4.
    expect(s.adopt([{ lockId: 9, owner: 'a', path: ['r1'], state: 'granted', grantedMode: 'PR' }, { lockId: 4, owner: 'a', path: ['r2'], state: 'granted', grantedMode: 'PR' }])).toEqual([9, 4]);
    s.clearEffects();
    expect(s.dequeueAll('a').count).toBe(2);
    expect(completions(s.effects)).toEqual(['4 unlock UNLOCKED -', '9 unlock UNLOCKED -']);
  });

  it('takes IVVALBLK and an empty flag list', () => {
    for (const flags of [[], 0, ['IVVALBLK']] as const) {
      const s = space();
      granted(s, 'a', 'r', 'EX');
      expect(s.dequeueAll('a', { flags: flags as never })).toEqual({ status: 'UNLOCKED', lockId: 0, reason: undefined, count: 1 });
    }
  });
});

describe('§8.2 clearOwner and purgeOrphans settle each resource once', () => {
  it('clearOwner of two locks on one resource destroys it once', () => {
    const s = space();
    granted(s, 'a', 'r', 'PR');
    granted(s, 'a', 'r', 'CR');
    s.clearEffects();
    expect(s.clearOwner('a')).toEqual({ released: 2, orphaned: 0 });
    expect(types(s.effects)).toEqual(['release', 'release', 'resource-destroy']);
    expect(s.resourcePaths()).toEqual([]);
  });

  it('purgeOrphans of two orphans on one resource destroys it once', () => {
    const s = space();
    granted(s, 'a', 'r', 'PR', { flags: ['PERSISTENT'] });
    granted(s, 'a', 'r', 'CR', { flags: ['PERSISTENT'] });
    expect(s.clearOwner('a')).toEqual({ released: 0, orphaned: 2 });
    s.clearEffects();
    expect(s.purgeOrphans('a')).toBe(2);
    expect(types(s.effects)).toEqual(['release', 'release', 'resource-destroy']);
    expect(s.resourcePaths()).toEqual([]);
  });
});

describe('§3.5 adoptOrphan', () => {
  it('takes only an orphan on the named root resource', () => {
    const s = space();
    granted(s, 'a', 'r1', 'PR', { flags: ['PERSISTENT'] });
    const second = granted(s, 'a', 'r2', 'PR', { flags: ['PERSISTENT'] });
    s.clearOwner('a');
    expect(s.adoptOrphan('b', 'r2', 'PR', { flags: [] })).toEqual({ status: 'ADOPTED', lockId: second, reason: undefined });
    expect(s.adoptOrphan('b', 'r3', 'PR', { flags: 0 })).toEqual({ status: 'INVALID_ARG', lockId: 0, reason: 'no orphan lock on r3' });
  });

  it('adopt refuses a PERSISTENT sublock copy, as lock() refuses a PERSISTENT sublock, so every orphan is a root lock', () => {
    const s = space();
    const copies = [
      { lockId: 1, owner: 'a', path: ['db'], state: 'granted' as const, grantedMode: 'PR' as const, flags: LockFlag.PERSISTENT },
      { lockId: 2, owner: 'a', path: ['db', 'row'], parentLockId: 1, state: 'granted' as const, grantedMode: 'PR' as const, flags: LockFlag.PERSISTENT },
    ];
    expect(() => s.adopt(copies)).toThrow(new AdoptError('lock copy 1: PERSISTENT is not valid on a sublock (orphans are whole locks on root resources)'));
    expect(s.snapshot()).toEqual([]);
    expect(s.adopt([copies[0]!, { ...copies[1]!, flags: 0 }])).toEqual([1, 2]);
    expect(s.clearOwner('a')).toEqual({ released: 1, orphaned: 1 });
    expect(s.adoptOrphan('b', 'db', 'PR')).toEqual({ status: 'ADOPTED', lockId: 1, reason: undefined });
  });
});

describe('the time an operation runs at', () => {
  it('each operation given nowUs stamps what it grants with it and makes it the default time', () => {
    const steps: [string, (s: LockSpace, blocker: number, waiter: number) => void][] = [
      ['unlock', (s, blocker) => s.unlock(blocker, { nowUs: 500 })],
      ['dequeueAll', (s) => s.dequeueAll('x', { nowUs: 500 })],
      ['purge', (s) => s.purge('x', { nowUs: 500 })],
      ['clearOwner', (s) => s.clearOwner('x', { nowUs: 500 })],
      ['cancel', (s, _blocker, waiter) => s.cancel(waiter, { nowUs: 500 })],
      ['completeAsDeadlockVictim', (s, _blocker, waiter) => s.completeAsDeadlockVictim(waiter, { nowUs: 500 })],
    ];
    for (const [name, step] of steps) {
      const s = space();
      const blocker = granted(s, 'x', 'r', 'EX', { nowUs: 100 });
      const waiter = queued(s, 'w', 'r', 'EX', { nowUs: 200 });
      const next = queued(s, 'n', 'r', 'NL', { nowUs: 300 });
      step(s, blocker, waiter);
      // Either the blocker or the EX waiter ahead of n went: n's NL is granted at 500.
      expect({ name, grantedAtUs: s.lockInfo(next)?.grantedAtUs }).toEqual({ name, grantedAtUs: 500 });
      expect({ name, defaultUs: defaultTimeUs(s) }).toEqual({ name, defaultUs: 500 });
    }
  });

  it('purgeOrphans and adoptOrphan given nowUs make it the default time', () => {
    const s = space();
    granted(s, 'a', 'r', 'PR', { flags: ['PERSISTENT'], nowUs: 100 });
    granted(s, 'a', 'q', 'PR', { flags: ['PERSISTENT'], nowUs: 100 });
    s.clearOwner('a');
    expect(s.adoptOrphan('b', 'r', 'PR', { nowUs: 400 }).status).toBe('ADOPTED');
    expect(defaultTimeUs(s)).toBe(400);
    expect(s.purgeOrphans('a', { nowUs: 600 })).toBe(1);
    expect(defaultTimeUs(s)).toBe(600);
  });

  it('an owner-wide operation that finds nothing changes nothing, not even the default time', () => {
    const s = space();
    granted(s, 'x', 'r', 'PR', { nowUs: 100 });
    s.clearEffects();
    expect(s.dequeueAll('nobody', { nowUs: 900 }).count).toBe(0);
    expect(s.purge('nobody', { nowUs: 900 })).toBe(0);
    expect(s.clearOwner('nobody', { nowUs: 900 })).toEqual({ released: 0, orphaned: 0 });
    expect(s.purgeOrphans(undefined, { nowUs: 900 })).toBe(0);
    expect(s.effects).toEqual([]);
    expect(defaultTimeUs(s)).toBe(100);
  });
});
