/**
 * §9 argument refusals of the lock space's requests, one rule at a time: a malformed argument is
 * answered with INVALID_ARG (or the status the rule names), the lock id it concerns (0 for a new
 * request) and a reason naming what is wrong, and changes nothing (no effect, no lock, no
 * resource). The first invalid argument, in the documented order, is the one reported.
 */
import { describe, expect, it } from 'vitest';
import { LockSpace } from '../../../src/dlm/core/index.js';
import { granted, queued, space } from './helpers.js';

/** Runs `request` on `s` and checks it changed nothing; returns its answer. */
function refusedBy<T>(s: LockSpace, request: () => T): T {
  s.clearEffects();
  const before = { locks: s.lockCount, paths: s.resourcePaths(), copies: s.snapshot() };
  const answer = request();
  expect(s.effects).toEqual([]);
  expect({ locks: s.lockCount, paths: s.resourcePaths(), copies: s.snapshot() }).toEqual(before);
  return answer;
}

const invalid = (lockId: number, reason: string) => ({ status: 'INVALID_ARG', lockId, reason });

describe('§9 lock refuses malformed arguments', () => {
  it('mode, flags, priority, time, value, in that order', () => {
    const s = space({ valueBlockBytes: 4 });
    expect(refusedBy(s, () => s.lock('a', 'r', 'XX' as 'EX', { flags: -1 }))).toEqual(invalid(0, 'unknown mode XX'));
    expect(refusedBy(s, () => s.lock('a', 'r', 'EX', { flags: ['NOPE'], priority: Number.NaN }))).toEqual(invalid(0, 'unknown flag'));
    expect(refusedBy(s, () => s.lock('a', 'r', 'EX', { flags: 1.5 }))).toEqual(invalid(0, 'unknown flag'));
    expect(refusedBy(s, () => s.lock('a', 'r', 'EX', { flags: -2 }))).toEqual(invalid(0, 'unknown flag'));
    expect(refusedBy(s, () => s.lock('a', 'r', 'EX', { priority: Number.POSITIVE_INFINITY, nowUs: -1 }))).toEqual(invalid(0, 'priority must be a finite number'));
    expect(refusedBy(s, () => s.lock('a', 'r', 'EX', { priority: '3' as unknown as number }))).toEqual(invalid(0, 'priority must be a finite number'));
    expect(refusedBy(s, () => s.lock('a', 'r', 'EX', { nowUs: Number.NaN, value: 'toolong' }))).toEqual(invalid(0, 'nowUs must be a finite number >= 0'));
    expect(refusedBy(s, () => s.lock('a', 'r', 'EX', { value: 'abcde' }))).toEqual(invalid(0, 'value longer than 4 bytes'));
  });

  it('parent lock, flags against the mode, owner and resource names', () => {
    const s = space();
    const mine = granted(s, 'a', 'db', 'PR');
    const theirs = granted(s, 'b', 'db', 'PR');
    granted(s, 'z', 'w', 'EX');
    const waiting = queued(s, 'a', 'w', 'EX');
    expect(refusedBy(s, () => s.lock('a', 'row', 'EX', { parentLockId: 99 }))).toEqual(invalid(0, 'unknown parent lock 99'));
    expect(refusedBy(s, () => s.lock('a', 'row', 'EX', { parentLockId: theirs }))).toEqual(invalid(0, 'the parent lock belongs to another owner'));
    expect(refusedBy(s, () => s.lock('a', 'row', 'EX', { parentLockId: waiting }))).toEqual({ status: 'PARNOTGRANT', lockId: 0, reason: 'the parent lock is not granted' });
    expect(refusedBy(s, () => s.lock('a', 'row', 'EX', { parentLockId: mine, flags: ['PERSISTENT'] }))).toEqual(
      invalid(0, 'PERSISTENT is not valid on a sublock (orphans are whole locks on root resources)'),
    );
    expect(refusedBy(s, () => s.lock('a', 'r', 'EX', { flags: ['NOQUEUEBAST'] }))).toEqual(invalid(0, 'NOQUEUEBAST requires NOQUEUE'));
    expect(refusedBy(s, () => s.lock('', 'r', 'EX'))).toEqual(invalid(0, 'owner must be a non-empty string'));
    expect(refusedBy(s, () => s.lock(7 as unknown as string, 'r', 'EX'))).toEqual(invalid(0, 'owner must be a non-empty string'));
    expect(refusedBy(s, () => s.lock('a', '', 'EX'))).toEqual(invalid(0, 'resource name must be a non-empty string'));
    expect(refusedBy(s, () => s.lock('a', 3 as unknown as string, 'EX'))).toEqual(invalid(0, 'resource name must be a non-empty string'));
  });
});

describe('§9 convert, unlock and cancel refuse malformed arguments', () => {
  it('convert: unknown lock, mode, flags, time, value', () => {
    const s = space({ valueBlockBytes: 4 });
    const a = granted(s, 'a', 'r', 'PR');
    expect(refusedBy(s, () => s.convert(99, 'EX'))).toEqual(invalid(99, 'unknown lock 99'));
    expect(refusedBy(s, () => s.convert(a, 'QQ' as 'EX'))).toEqual(invalid(a, 'unknown mode QQ'));
    expect(refusedBy(s, () => s.convert(a, 'EX', { flags: ['NOPE'], nowUs: -1 }))).toEqual(invalid(a, 'unknown flag'));
    expect(refusedBy(s, () => s.convert(a, 'EX', { nowUs: -1, value: 'abcde' }))).toEqual(invalid(a, 'nowUs must be a finite number >= 0'));
    expect(refusedBy(s, () => s.convert(a, 'EX', { value: 'abcde' }))).toEqual(invalid(a, 'value longer than 4 bytes'));
  });

  it('unlock: unknown lock, flags, a lock not granted, a lock with sublocks', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'EX');
    const w = queued(s, 'b', 'r', 'EX');
    granted(s, 'a', 'row', 'EX', { parentLockId: a });
    expect(refusedBy(s, () => s.unlock(99))).toEqual(invalid(99, 'unknown lock 99'));
    expect(refusedBy(s, () => s.unlock(a, { flags: ['NOQUEUE'] }))).toEqual(invalid(a, 'NOQUEUE not valid on an unlock'));
    expect(refusedBy(s, () => s.unlock(w))).toEqual({ status: 'BUSY', lockId: w, reason: 'the lock is not granted (cancel its pending request, or unlock with FORCEUNLOCK)' });
    expect(refusedBy(s, () => s.unlock(a))).toEqual({ status: 'SUBLOCKS', lockId: a, reason: 'the lock still has 1 sublocks' });
  });

  it('cancel: unknown lock, bad time', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'EX');
    expect(refusedBy(s, () => s.cancel(99))).toEqual(invalid(99, 'unknown lock 99'));
    expect(refusedBy(s, () => s.cancel(a, { nowUs: -5 }))).toEqual(invalid(a, 'nowUs must be a finite number >= 0'));
  });
});

describe('§9 dequeueAll and adoptOrphan refuse malformed arguments', () => {
  it('dequeueAll takes only IVVALBLK, a valid time and a parent lock of the owner', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'EX');
    const b = granted(s, 'b', 'q', 'EX');
    const refused = (reason: string, lockId = 0) => ({ ...invalid(lockId, reason), count: 0 });
    expect(refusedBy(s, () => s.dequeueAll('a', { flags: ['VALBLK'] }))).toEqual(refused('only IVVALBLK is valid on dequeueAll'));
    expect(refusedBy(s, () => s.dequeueAll('a', { flags: -1 }))).toEqual(refused('only IVVALBLK is valid on dequeueAll'));
    expect(refusedBy(s, () => s.dequeueAll('a', { nowUs: -1 }))).toEqual(refused('nowUs must be a finite number >= 0'));
    expect(refusedBy(s, () => s.dequeueAll('a', { parentLockId: b }))).toEqual(refused(`lock ${b} is not a lock of a`, b));
    expect(refusedBy(s, () => s.dequeueAll('a', { parentLockId: 99 }))).toEqual(refused('lock 99 is not a lock of a', 99));
    expect(s.dequeueAll('a', { flags: ['IVVALBLK'] })).toMatchObject({ status: 'UNLOCKED', count: 1 });
    expect(s.lockInfo(a)).toBeUndefined();
  });

  it('adoptOrphan: mode, owner, flags, flags against the mode, time', () => {
    const s = space();
    expect(refusedBy(s, () => s.adoptOrphan('a', 'r', 'ZZ' as 'EX'))).toEqual(invalid(0, 'unknown mode ZZ'));
    expect(refusedBy(s, () => s.adoptOrphan('', 'r', 'EX'))).toEqual(invalid(0, 'owner must be a non-empty string'));
    expect(refusedBy(s, () => s.adoptOrphan(5 as unknown as string, 'r', 'EX'))).toEqual(invalid(0, 'owner must be a non-empty string'));
    expect(refusedBy(s, () => s.adoptOrphan('a', 'r', 'EX', { flags: ['NOPE'] }))).toEqual(invalid(0, 'unknown flag'));
    expect(refusedBy(s, () => s.adoptOrphan('a', 'r', 'EX', { flags: ['EXPEDITE'] }))).toEqual(invalid(0, 'EXPEDITE is valid only for NL requests'));
    expect(refusedBy(s, () => s.adoptOrphan('a', 'r', 'EX', { nowUs: Number.NaN }))).toEqual(invalid(0, 'nowUs must be a finite number >= 0'));
  });

  it('completeAsDeadlockVictim names why it refuses', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'EX');
    expect(refusedBy(s, () => s.completeAsDeadlockVictim(99))).toEqual(invalid(99, 'unknown lock 99'));
    expect(refusedBy(s, () => s.completeAsDeadlockVictim(a))).toEqual(invalid(a, 'the lock has no pending request'));
  });
});
