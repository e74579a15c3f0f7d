/**
 * The checks a master runs on a root it has just rebuilt from the survivors' copies: each one
 * passes on a consistent rebuild and throws a RecoveryAssertionError naming the check, the master,
 * its time and the root on the state it exists to catch.
 */
import { describe, expect, it } from 'vitest';
import { COMPATIBILITY, LockSpace, type LockCopy } from '../../../src/dlm/core/index.js';
import { assertRebuiltRoot, RecoveryAssertionError, type RebuiltRoot } from '../../../src/dlm/protocol/recovery-assertions.js';
import { TOKEN_RECOVERY_GAP } from '../../../src/dlm/protocol/tuning.js';

function granted(lockId: number, owner: string, path: string[], grantedMode: LockCopy['grantedMode']): LockCopy {
  return { lockId, owner, path, state: 'granted', grantedMode, flags: 0 };
}

/** A rebuilt root `r` in which every lock id maps to the session `s-<owner>`. */
function rebuiltRoot(copies: LockCopy[], overrides: Partial<RebuiltRoot> = {}): RebuiltRoot {
  const space = new LockSpace({ deadlockWaitMs: 0 });
  space.adopt(copies, { nowUs: 5_000 });
  const sessions = new Map(copies.map((copy) => [copy.lockId!, `s-${copy.owner}`]));
  return {
    node: 'm2',
    nowUs: 5_000,
    root: 'r',
    space,
    compatibility: COMPATIBILITY,
    sessionOfLock: (lockId) => sessions.get(lockId),
    isOwnerless: () => false,
    lostSessions: new Set(),
    seenTokens: new Map([['r', 7]]),
    tokenCounter: () => 7 + TOKEN_RECOVERY_GAP,
    ...overrides,
  };
}

function failure(rebuilt: RebuiltRoot): RecoveryAssertionError {
  try {
    assertRebuiltRoot(rebuilt);
  } catch (error) {
    if (error instanceof RecoveryAssertionError) return error;
    throw error;
  }
  throw new Error('expected a RecoveryAssertionError');
}

describe('recovery assertions', () => {
  it('accept a consistent rebuilt root', () => {
    const sublock = { ...granted(3, 'a', ['r', 'x'], 'EX'), parentLockId: 1 };
    const rebuilt = rebuiltRoot([granted(1, 'a', ['r'], 'PR'), granted(2, 'b', ['r'], 'CR'), sublock]);
    expect(() => assertRebuiltRoot(rebuilt)).not.toThrow();
  });

  it('reject two incompatible granted modes on one resource', () => {
    const error = failure(rebuiltRoot([granted(1, 'a', ['r'], 'EX'), granted(2, 'b', ['r'], 'PR')]));
    expect(error.check).toBe('granted-modes-compatible');
    expect([error.node, error.nowUs, error.root]).toEqual(['m2', 5_000, 'r']);
    expect(error.message).toBe('master m2 at 5000 µs (mono): the rebuilt root r breaks granted-modes-compatible: a holds EX and b holds PR on r');
  });

  it('judge compatibility by the matrix the lock space grants by', () => {
    const permissive = COMPATIBILITY.map((row) => [...row]);
    permissive[3]![5] = true;
    permissive[5]![3] = true;
    const rebuilt = rebuiltRoot([granted(1, 'a', ['r'], 'EX'), granted(2, 'b', ['r'], 'PR')], { compatibility: permissive });
    expect(() => assertRebuiltRoot(rebuilt)).not.toThrow();
  });

  it('reject a lock without a record, or of a session that is over, unless it is an ownerless remnant', () => {
    const copies = [granted(1, 'a', ['r'], 'PR'), granted(2, 'b', ['r'], 'PR')];
    const unrecorded = failure(rebuiltRoot(copies, { sessionOfLock: (lockId) => (lockId === 1 ? 's-a' : undefined) }));
    expect(unrecorded.check).toBe('owner-session-live');
    expect(unrecorded.message).toContain('lock 2 of b on r has no record');
    const ended = failure(rebuiltRoot(copies, { lostSessions: new Set(['s-b']) }));
    expect(ended.check).toBe('owner-session-live');
    expect(ended.message).toContain('belongs to the ended session s-b');
    const remnant = rebuiltRoot(copies, { sessionOfLock: (lockId) => (lockId === 1 ? 's-a' : undefined), isOwnerless: (lockId) => lockId === 2 });
    expect(() => assertRebuiltRoot(remnant)).not.toThrow();
  });

  it('look only at the rebuilt root', () => {
    const rebuilt = rebuiltRoot([granted(1, 'a', ['other'], 'EX'), granted(2, 'b', ['other'], 'EX')]);
    expect(() => assertRebuiltRoot(rebuilt)).not.toThrow();
  });

  it('reject a token counter less than the gap above a token a survivor saw', () => {
    const rebuilt = rebuiltRoot([granted(1, 'a', ['r'], 'EX')], { tokenCounter: () => 7 + TOKEN_RECOVERY_GAP - 1 });
    const error = failure(rebuilt);
    expect(error.check).toBe('token-above-copies');
    expect(error.message).toContain(`token counter of r is ${6 + TOKEN_RECOVERY_GAP}, a survivor saw 7`);
  });
});
