/**
 * §6.1, §10 the `vms` profile's deadlock handling: a conversion deadlock is not refused when it
 * forms (Linux §6.2) but waits on the conversion queue until the timed search (DEADLOCK_WAIT) finds
 * it and cancels one victim with DEADLOCK (lowest priority, then the first to time out), as VMS
 * does; CONVDEADLK, Linux's own resolution, is refused. §4.1 the 64-byte XVALBLK value block.
 */
import { describe, expect, it } from 'vitest';
import { LockSpace } from '../../../src/dlm/core/index.js';
import { basts, completions, granted, queued, queues, types } from './helpers.js';

const WAIT_MS = 1000;
const WAIT_US = WAIT_MS * 1000;

/** Two PR holders that both convert to EX: the classic conversion deadlock (§6.2). */
function prToExDeadlock(s: LockSpace, priorityOfB = 0): { a: number; b: number } {
  const a = granted(s, 'a', 'r', 'PR', { nowUs: 0 });
  const b = granted(s, 'b', 'r', 'PR', { nowUs: 0, priority: priorityOfB });
  expect(s.convert(a, 'EX', { nowUs: 10 }).status).toBe('QUEUED');
  return { a, b };
}

describe('§6.1 vms profile: a conversion deadlock waits for the timed search', () => {
  it('§10 the linux profile refuses the newcomer at once; the vms profile queues it', () => {
    const linux = new LockSpace({ deadlockWaitMs: WAIT_MS });
    const l = prToExDeadlock(linux);
    expect(linux.convert(l.b, 'EX', { nowUs: 20 }).status).toBe('DEADLOCK');

    const vms = new LockSpace({ profile: 'vms', deadlockWaitMs: WAIT_MS });
    const v = prToExDeadlock(vms);
    vms.clearEffects();
    expect(vms.convert(v.b, 'EX', { nowUs: 20 }).status).toBe('QUEUED');
    expect(types(vms.effects)).toEqual(['enqueue']);
    expect(queues(vms, 'r')).toEqual({ granted: [], converting: ['1:PR>EX', '2:PR>EX'], waiting: [] });
  });

  it('§6.1 before DEADLOCK_WAIT nothing is searched; then the first to time out is the one victim', () => {
    const s = new LockSpace({ profile: 'vms', deadlockWaitMs: WAIT_MS });
    const { a, b } = prToExDeadlock(s);
    s.convert(b, 'EX', { nowUs: 20 });
    expect(s.findDeadlocks(WAIT_US + 9)).toEqual([]);
    expect(s.nextDeadlockSearchUs(WAIT_US + 9)).toBe(WAIT_US + 10);
    s.clearEffects();
    const found = s.findDeadlocks(WAIT_US + 20);
    expect(found.map((d) => [d.detection, d.resolution, d.initiatorLockId, d.victimLockId])).toEqual([['timed', 'victim', a, a]]);
    expect(found[0]!.cycle.map((e) => `${e.waiterLockId}-${e.kind}->${e.holderLockId}`)).toEqual(['1-conflict->2', '2-conflict->1']);
    // The victim's conversion is cancelled: it keeps PR, which still blocks b, so b waits on.
    expect(completions(s.effects)).toEqual(['1 convert DEADLOCK PR']);
    expect(queues(s, 'r')).toEqual({ granted: ['1:PR'], converting: ['2:PR>EX'], waiting: [] });
    expect(s.findDeadlocks(2 * WAIT_US + 20)).toEqual([]);
  });

  it('§6.1 the lower deadlock priority is the victim, whoever timed out first', () => {
    const s = new LockSpace({ profile: 'vms', deadlockWaitMs: WAIT_MS });
    const { a, b } = prToExDeadlock(s, -1);
    s.convert(b, 'EX', { nowUs: 20 });
    s.clearEffects();
    const found = s.findDeadlocks(WAIT_US + 20);
    expect(found.map((d) => [d.initiatorLockId, d.victimLockId, d.victimOwner])).toEqual([[a, b, 'b']]);
    expect(completions(s.effects)).toEqual(['2 convert DEADLOCK PR']);
    expect(queues(s, 'r')).toEqual({ granted: ['2:PR'], converting: ['1:PR>EX'], waiting: [] });
  });

  it('§6.2 example NL→EX then PR→EX (QUECVT): cancelling the first victim lets the other conversion through', () => {
    const s = new LockSpace({ profile: 'vms', deadlockWaitMs: WAIT_MS });
    const a = granted(s, 'a', 'r', 'NL', { nowUs: 0 });
    const b = granted(s, 'b', 'r', 'PR', { nowUs: 0 });
    expect(s.convert(a, 'EX', { nowUs: 10 }).status).toBe('QUEUED');
    expect(s.convert(b, 'EX', { nowUs: 20, flags: ['QUECVT'] }).status).toBe('QUEUED');
    s.clearEffects();
    const found = s.findDeadlocks(WAIT_US + 20);
    expect(found.map((d) => d.victimLockId)).toEqual([a]);
    // b waits behind a by queue order (Rule CQ), a for b's PR.
    expect(found[0]!.cycle.map((e) => `${e.waiterLockId}-${e.kind}->${e.holderLockId}`)).toEqual(['1-conflict->2', '2-queue->1']);
    expect(completions(s.effects)).toEqual(['1 convert DEADLOCK NL', '2 convert GRANTED EX']);
    expect(queues(s, 'r')).toEqual({ granted: ['1:NL', '2:EX'], converting: [], waiting: [] });
  });

  it('§6.1 DEADLOCK_WAIT 0 turns the search off: the conversion deadlock stays', () => {
    const s = new LockSpace({ profile: 'vms' });
    const { b } = prToExDeadlock(s);
    expect(s.convert(b, 'EX', { nowUs: 20 }).status).toBe('QUEUED');
    expect(s.findDeadlocks(100 * WAIT_US)).toEqual([]);
    expect(queues(s, 'r')).toEqual({ granted: [], converting: ['1:PR>EX', '2:PR>EX'], waiting: [] });
  });

  it('§6.1 a NODLCKWT conversion is no waiter: no self-bast (Linux only) and no cycle through it', () => {
    const s = new LockSpace({ profile: 'vms', deadlockWaitMs: WAIT_MS });
    const { b } = prToExDeadlock(s);
    s.clearEffects();
    expect(s.convert(b, 'EX', { nowUs: 20, flags: ['NODLCKWT'] }).status).toBe('QUEUED');
    expect(basts(s.effects)).toEqual([]);
    expect(s.findDeadlocks(WAIT_US + 20)).toEqual([]);
    expect(queues(s, 'r')).toEqual({ granted: [], converting: ['1:PR>EX', '2:PR>EX'], waiting: [] });
  });

  it('§10 CONVDEADLK is Linux only: INVALID_ARG in the vms profile, nothing changes', () => {
    const s = new LockSpace({ profile: 'vms', deadlockWaitMs: WAIT_MS });
    const { b } = prToExDeadlock(s);
    s.clearEffects();
    const r = s.convert(b, 'EX', { flags: ['CONVDEADLK'] });
    expect([r.status, r.reason]).toEqual(['INVALID_ARG', 'CONVDEADLK is not valid in the vms profile (conversion deadlocks go to the timed search)']);
    expect(s.effects).toEqual([]);
    expect(queues(s, 'r')).toEqual({ granted: ['2:PR'], converting: ['1:PR>EX'], waiting: [] });
  });

  it('§6.1 a new request behind a deadlocked conversion queue waits and is not the victim of a cycle it is not on', () => {
    const s = new LockSpace({ profile: 'vms', deadlockWaitMs: WAIT_MS });
    const { a, b } = prToExDeadlock(s);
    s.convert(b, 'EX', { nowUs: 20 });
    const c = queued(s, 'c', 'r', 'NL', { nowUs: 5 });
    s.clearEffects();
    expect(s.findDeadlocks(WAIT_US + 20).map((d) => d.victimLockId)).toEqual([a]);
    expect(completions(s.effects)).toEqual(['1 convert DEADLOCK PR']);
    expect(s.lockInfo(c)?.state).toBe('waiting');
    expect(s.lockInfo(b)?.state).toBe('converting');
  });
});

describe('§4.1 vms profile: the 64-byte extended value block (XVALBLK)', () => {
  const X = ['VALBLK', 'XVALBLK'];
  const long = 'L'.repeat(64);

  /** A resource whose block was last written whole by an XVALBLK writer; an NL lock keeps it alive. */
  function writtenWhole(): LockSpace {
    const s = new LockSpace({ profile: 'vms' });
    granted(s, 'keeper', 'r', 'NL');
    const w = granted(s, 'w', 'r', 'EX', { flags: X });
    expect(s.unlock(w, { flags: X, value: long }).status).toBe('UNLOCKED');
    return s;
  }

  it('§4.1 the system copy is 64 bytes; VALBLK moves 16 of them, XVALBLK all 64', () => {
    const s = writtenWhole();
    expect(s.extendedValueBlockBytes).toBe(64);
    expect(s.valueBlockBytes).toBe(16);
    s.clearEffects();
    granted(s, 'short', 'r', 'PR', { flags: ['VALBLK'] });
    granted(s, 'whole', 'r', 'PR', { flags: X });
    expect(completions(s.effects)).toEqual([`3 lock GRANTED PR =${'L'.repeat(16)}`, `4 lock GRANTED PR =${long}`]);
    expect(s.resource('r')?.valueBlock).toMatchObject({ value: long, valid: true, extendedValid: true, seq: 1 });
  });

  it('§4.1 a VALBLK writer writes the first 16 bytes: XVALBLK readers get XVALNOTVALID until a whole write', () => {
    const s = writtenWhole();
    const w16 = granted(s, 'w16', 'r', 'EX', { flags: ['VALBLK'] });
    s.unlock(w16, { value: 'short' });
    const tail = 'L'.repeat(64 - 16);
    expect(s.resource('r')?.valueBlock).toMatchObject({ value: `short${'\u0000'.repeat(11)}${tail}`, valid: true, extendedValid: false, seq: 2 });
    s.clearEffects();
    const r16 = granted(s, 'r16', 'r', 'PR', { flags: ['VALBLK'] });
    const r64 = granted(s, 'r64', 'r', 'PR', { flags: X });
    expect(completions(s.effects)).toEqual(['4 lock GRANTED PR =short', `5 lock GRANTED PR [XVALNOTVALID] =short${'\u0000'.repeat(11)}${tail}`]);
    // An XVALBLK writer makes the whole block good again.
    s.unlock(r16);
    expect(s.convert(r64, 'EX', { flags: X }).status).toBe('GRANTED');
    s.convert(r64, 'NL', { flags: X, value: 'W'.repeat(64) });
    s.clearEffects();
    granted(s, 'again', 'r', 'PR', { flags: X });
    expect(completions(s.effects)).toEqual([`6 lock GRANTED PR =${'W'.repeat(64)}`]);
    expect(s.resource('r')?.valueBlock.extendedValid).toBe(true);
  });

  it('§4.1 value sizes: 16 bytes without XVALBLK, 64 with it; one byte more is INVALID_ARG', () => {
    const s = new LockSpace({ profile: 'vms' });
    const a = granted(s, 'a', 'r', 'EX', { flags: X });
    expect(s.unlock(a, { flags: ['VALBLK'], value: 'x'.repeat(17) }).status).toBe('INVALID_ARG');
    expect(s.unlock(a, { flags: X, value: 'x'.repeat(65) }).status).toBe('INVALID_ARG');
    expect(s.lock('b', 'r', 'PR', { flags: ['VALBLK'], value: 'x'.repeat(17) }).status).toBe('INVALID_ARG');
    expect(s.unlock(a, { flags: X, value: 'x'.repeat(64) }).status).toBe('UNLOCKED');
  });

  it('§4.1 XVALBLK needs VALBLK, and exists only in the vms profile', () => {
    const vms = new LockSpace({ profile: 'vms' });
    expect(vms.lock('a', 'r', 'PR', { flags: ['XVALBLK'] })).toEqual({ status: 'INVALID_ARG', lockId: 0, reason: 'XVALBLK requires VALBLK' });
    const linux = new LockSpace();
    expect(linux.lock('a', 'r', 'PR', { flags: X })).toEqual({ status: 'INVALID_ARG', lockId: 0, reason: 'XVALBLK is valid only in the vms profile' });
    expect(linux.resourceCount + vms.resourceCount).toBe(0);
  });

  it('§4.1 a larger valueBlockBytes in the vms profile makes the system copy that large', () => {
    const s = new LockSpace({ profile: 'vms', valueBlockBytes: 128 });
    expect([s.valueBlockBytes, s.extendedValueBlockBytes]).toEqual([128, 128]);
  });
});
