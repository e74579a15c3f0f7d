/**
 * §3.4 Rule CQ outside recovery: every grant pass an operation runs (unlock, cancel, purge,
 * dequeueAll, clearOwner, a HEADQUE request or conversion, a deadlock victim) grants queued
 * conversions in queue order, so a conversion compatible with every held mode still waits behind
 * a blocked one. Only the first pass after recovery ignores the order (see recovery.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { LockSpace } from '../../../src/dlm/core/index.js';
import { granted, queues, space } from './helpers.js';

/**
 * Lock 1 (n) holds NL, lock 2 (w) PR; lock 3 (x) converts PR→EX, blocked by w; lock 4 (y) converts
 * NL→`mode` with `flags` (by default CR with QUECVT: compatible with every held mode), queued behind x.
 */
function blockedHeadCompatibleBehind(mode: 'CR' | 'EX' = 'CR', flags: string[] = ['QUECVT']): LockSpace {
  const s = space();
  granted(s, 'n', 'r', 'NL');
  granted(s, 'w', 'r', 'PR');
  const x = granted(s, 'x', 'r', 'PR');
  const y = granted(s, 'y', 'r', 'NL');
  expect(s.convert(x, 'EX').status).toBe('QUEUED');
  expect(s.convert(y, mode, { flags }).status).toBe('QUEUED');
  s.clearEffects();
  return s;
}

const HEAD_THEN_COMPATIBLE = ['3:PR>EX', '4:NL>CR'];

describe('§3.4 Rule CQ holds in every grant pass', () => {
  it('unlock', () => {
    const s = blockedHeadCompatibleBehind();
    expect(s.unlock(1).status).toBe('UNLOCKED');
    expect(queues(s, 'r')?.converting).toEqual(HEAD_THEN_COMPATIBLE);
  });

  it('cancel of a waiting request', () => {
    const s = blockedHeadCompatibleBehind();
    const q = s.lock('q', 'r', 'EX').lockId;
    expect(s.cancel(q).status).toBe('ABORTED');
    expect(queues(s, 'r')?.converting).toEqual(HEAD_THEN_COMPATIBLE);
  });

  it('cancel of a conversion, and a deadlock victim chosen elsewhere', () => {
    const s = blockedHeadCompatibleBehind();
    expect(s.convert(1, 'EX').status).toBe('QUEUED'); // n NL→EX, behind y
    expect(s.cancel(1).status).toBe('CANCELLED');
    expect(queues(s, 'r')?.converting).toEqual(HEAD_THEN_COMPATIBLE);
    expect(s.convert(1, 'EX').status).toBe('QUEUED');
    expect(s.completeAsDeadlockVictim(1).status).toBe('DEADLOCK');
    expect(queues(s, 'r')?.converting).toEqual(HEAD_THEN_COMPATIBLE);
  });

  it('purge, dequeueAll and clearOwner', () => {
    for (const end of [(s: LockSpace) => s.purge('n'), (s: LockSpace) => s.dequeueAll('n'), (s: LockSpace) => s.clearOwner('n')]) {
      const s = blockedHeadCompatibleBehind();
      end(s);
      expect(queues(s, 'r')).toEqual({ granted: ['2:PR'], converting: HEAD_THEN_COMPATIBLE, waiting: [] });
    }
  });

  it('a HEADQUE request and a HEADQUE conversion', () => {
    const s = blockedHeadCompatibleBehind();
    expect(s.lock('h', 'r', 'EX', { flags: ['HEADQUE'] }).status).toBe('QUEUED');
    expect(queues(s, 'r')?.converting).toEqual(HEAD_THEN_COMPATIBLE);
    expect(s.convert(1, 'EX', { flags: ['HEADQUE'] }).status).toBe('QUEUED');
    expect(queues(s, 'r')?.converting).toEqual(['1:NL>EX', ...HEAD_THEN_COMPATIBLE]);
  });

  it('the pass after a demoted conversion is granted at once', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'PR');
    const b = granted(s, 'b', 'r', 'PR');
    const x = granted(s, 'x', 'r', 'NL');
    const y = granted(s, 'y', 'r', 'NL');
    expect(s.convert(b, 'CW').status).toBe('QUEUED');
    expect(s.convert(x, 'EX').status).toBe('QUEUED');
    expect(s.convert(y, 'CR', { flags: ['QUECVT'] }).status).toBe('QUEUED');
    // a is demoted, b's CW and then a's CW are granted; x's EX stays blocked, and y behind it.
    expect(s.convert(a, 'CW', { flags: ['CONVDEADLK'] }).status).toBe('GRANTED');
    expect(queues(s, 'r')).toEqual({ granted: [`${b}:CW`, `${a}:CW`], converting: [`${x}:NL>EX`, `${y}:NL>CR`], waiting: [] });
  });

  it('nor in its alternate mode: an ALTPR conversion behind a blocked one waits although PR is grantable', () => {
    const s = blockedHeadCompatibleBehind('EX', ['QUECVT', 'ALTPR']);
    expect(s.unlock(1).status).toBe('UNLOCKED');
    expect(queues(s, 'r')).toEqual({ granted: ['2:PR'], converting: ['3:PR>EX', '4:NL>EX'], waiting: [] });
  });
});
