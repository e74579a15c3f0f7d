/**
 * §8.2 what an adopted lock is afterwards: it counts its granted mode (NL included) like any
 * grant, keeps a pending NL request in its copy, takes its place in the space's event order after
 * every earlier event, is basted like any holder (no earlier bast to be redundant with), and the
 * space's fresh ids stay above every id in use. The first pass after recovery runs at the adopt
 * time. A PR↔CW conversion copy without a granted mode takes the mode of the first granted PR or
 * CW (other granted modes are skipped); a copy's block sequence counts only with its block, and a
 * VALBLK copy without a block leaves the block zeroed.
 */
import { describe, expect, it } from 'vitest';
import { LockFlag, type LockCopy } from '../../../src/dlm/core/index.js';
import { basts, granted, queued, queues, space } from './helpers.js';

const copy = (changes: Partial<LockCopy>): LockCopy => ({ owner: 'a', path: ['r'], state: 'granted', grantedMode: 'PR', ...changes }) as LockCopy;

describe('§8.2 an adopted lock afterwards', () => {
  it('an adopted NL hold is counted and released like any other', () => {
    const s = space();
    const [n] = s.adopt([copy({ grantedMode: 'NL' })]);
    expect(s.unlock(n!).status).toBe('UNLOCKED');
    expect(s.resourcePaths()).toEqual([]);
  });

  it('a pending NL request keeps its requested mode in the snapshot', () => {
    const s = space();
    granted(s, 'x', 'r', 'EX');
    queued(s, 'w', 'r', 'PR');
    const n = queued(s, 'n', 'r', 'NL'); // behind the PR waiter
    expect(s.snapshot().find((c) => c.lockId === n)).toMatchObject({ state: 'waiting', requestedMode: 'NL' });
  });

  it('adopted requests come after every earlier event, in copy order', () => {
    const s = space();
    granted(s, 'x', 'q', 'EX');
    queued(s, 'y', 'q', 'EX');
    s.adopt([copy({ lockId: 10, owner: 'h', grantedMode: 'EX' }), copy({ lockId: 11, owner: 'w', state: 'waiting', grantedMode: undefined, requestedMode: 'EX' })]);
    const seqs = s.waitForEdges().map((e) => [e.waiterLockId, e.waiterSeq, e.holderLockId]);
    // x's request and grant took 1 and 2, y's request 3; the adopted copies take 4 and 5.
    expect(seqs).toEqual([
      [2, 3, 1],
      [11, 5, 10],
    ]);
  });

  it('an adopted EX holder is basted for a PW request', () => {
    const s = space();
    const [h] = s.adopt([copy({ grantedMode: 'EX' })]);
    s.clearEffects();
    queued(s, 'b', 'r', 'PW');
    expect(basts(s.effects)).toEqual([`${h}:PW`]);
  });

  it('fresh ids stay above every id in use after adopting a lower kept id', () => {
    const s = space();
    const first = granted(s, 'a', 'p', 'NL');
    granted(s, 'a', 'p', 'NL');
    granted(s, 'a', 'p', 'NL');
    s.unlock(first);
    s.adopt([copy({ lockId: first })]);
    expect(s.lock('b', 'p', 'NL').lockId).toBe(4);
  });

  it('the first pass after recovery grants at the adopt time, which becomes the default time', () => {
    const s = space();
    s.adopt([copy({ state: 'waiting', grantedMode: undefined, requestedMode: 'EX', queuedAtUs: 10 })], { nowUs: 700 });
    const [lock] = s.resource('r')!.granted;
    expect([lock?.grantedMode, lock?.grantedAtUs]).toEqual(['EX', 700]);
    const probe = s.lock('p', 'other', 'NL').lockId;
    expect(s.lockInfo(probe)?.grantedAtUs).toBe(700);
  });
});

describe('§8.2 recover_conversion and recover_lvb', () => {
  it('a PR/CW conversion without its granted mode takes the first granted PR or CW, skipping other modes', () => {
    const s = space();
    s.adopt([
      copy({ lockId: 1, grantedMode: 'NL' }),
      copy({ lockId: 2, owner: 'b', grantedMode: 'CW' }),
      copy({ lockId: 3, owner: 'c', state: 'converting', grantedMode: undefined, requestedMode: 'PR' }),
    ]);
    // c holds CW (the granted CW's mode): its PR is then blocked by b's CW.
    expect(queues(s, 'r')).toEqual({ granted: ['1:NL', '2:CW'], converting: ['3:CW>PR'], waiting: [] });
  });

  it('a copy\'s block sequence counts only with its block', () => {
    const s = space({ valueBlockBytes: 4 });
    s.adopt([
      copy({ lockId: 1, grantedMode: 'CR', flags: LockFlag.VALBLK, value: 'old', lvbSeq: 2 }),
      copy({ lockId: 2, owner: 'b', grantedMode: 'CR', flags: LockFlag.VALBLK, lvbSeq: 5 }),
    ]);
    expect(s.resource('r')?.valueBlock).toMatchObject({ value: 'old', seq: 2, valid: false });
  });

  it('a VALBLK copy without a block leaves the block zeroed (and invalid)', () => {
    const s = space({ valueBlockBytes: 4 });
    s.adopt([copy({ grantedMode: 'CR', flags: LockFlag.VALBLK })]);
    expect(s.resource('r')?.valueBlock).toMatchObject({ value: '', seq: 0, valid: false });
  });
});
