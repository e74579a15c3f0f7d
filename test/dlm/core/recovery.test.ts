/**
 * §8.2 recovery: purge of a dead owner's locks (value-block rule of §4.3 b, then a grant pass), and
 * `snapshot` / `adopt` for a new master rebuilding resources from surviving lock copies (PR↔CW
 * repair, value-block recovery of §4.3, first grant pass ignoring conversion order). Also the
 * space's own configuration errors and bounds.
 */
import { describe, expect, it } from 'vitest';
import { AdoptError, COMPATIBILITY, LockSpace, LockSpaceCapacityError, LockSpaceConfigError, type LockCopy } from '../../../src/dlm/core/index.js';
import { completions, granted, lvb, queued, queues, space, types } from './helpers.js';

describe('§8.2 purge', () => {
  it('§8.2 removes every lock of the owner: waiting ones disappear, granted ones are released; no completions', () => {
    const s = space();
    const a = granted(s, 'dead', 'r', 'PR');
    granted(s, 'live', 'r', 'PR');
    const h = granted(s, 'live', 'q', 'EX');
    const w = queued(s, 'dead', 'q', 'EX');
    s.clearEffects();
    expect(s.purge('dead')).toBe(2);
    expect(types(s.effects)).toEqual(['release', 'dequeue']);
    expect(s.effects[0]).toEqual({ type: 'release', lockId: a, owner: 'dead', resource: 'r', mode: 'PR', reason: 'purge' });
    expect(s.effects[1]).toEqual({ type: 'dequeue', lockId: w, owner: 'dead', resource: 'q', mode: 'EX', reason: 'purge' });
    expect(queues(s, 'q')).toEqual({ granted: [`${h}:EX`], converting: [], waiting: [] });
    expect(s.locksOf('dead')).toEqual([]);
    expect(s.purge('nobody')).toBe(0);
  });

  it('§8.2 a purged converting lock leaves its queue and releases its granted mode; then the grant pass runs', () => {
    const s = space();
    const d = granted(s, 'dead', 'r', 'PR');
    granted(s, 'x', 'r', 'PR');
    s.convert(d, 'EX');
    const w = queued(s, 'y', 'r', 'CR');
    s.clearEffects();
    s.purge('dead');
    expect(types(s.effects)).toEqual(['dequeue', 'release', 'complete']);
    expect(s.effects[0]).toMatchObject({ type: 'dequeue', lockId: d, mode: 'EX', reason: 'purge' });
    expect(completions(s.effects)).toEqual([`${w} lock GRANTED CR`]);
  });

  it('§8.2 waiters behind a dead holder are granted', () => {
    const s = space();
    granted(s, 'dead', 'r', 'EX');
    queued(s, 'a', 'r', 'PR');
    queued(s, 'b', 'r', 'PR');
    s.clearEffects();
    s.purge('dead');
    expect(completions(s.effects)).toEqual(['2 lock GRANTED PR', '3 lock GRANTED PR']);
  });

  it('§4.3 (b) a purged EX holder invalidates the value block; the next VALBLK grant sees VALNOTVALID', () => {
    const s = space();
    granted(s, 'dead', 'r', 'EX');
    queued(s, 'a', 'r', 'PR', { flags: ['VALBLK'] });
    s.clearEffects();
    s.purge('dead');
    expect(types(s.effects)).toEqual(['release', 'lvb-invalidate', 'complete']);
    expect(completions(s.effects)).toEqual(['2 lock GRANTED PR [VALNOTVALID] =']);
  });

  it('§8.2 sublocks and their sub-resources go first (deepest resource destroyed first)', () => {
    const s = space();
    const p = granted(s, 'dead', 'db', 'CR');
    const c = granted(s, 'dead', 'row', 'EX', { parentLockId: p });
    granted(s, 'dead', 'cell', 'EX', { parentLockId: c });
    s.clearEffects();
    expect(s.purge('dead')).toBe(3);
    expect(s.effects.filter((e) => e.type === 'resource-destroy').map((e) => e.resource)).toEqual(['db/row/cell', 'db/row', 'db']);
    expect(s.resourceCount).toBe(0);
  });
});

describe('§8.2 adopt (a new master rebuilds from surviving copies)', () => {
  it('§8.2 snapshot → adopt into an empty space rebuilds the same queues and value blocks', () => {
    const s = space();
    const k = granted(s, 'k', 'r', 'NL');
    const w = granted(s, 'w', 'r', 'EX');
    s.unlock(w, { value: 'v1' });
    const a = granted(s, 'a', 'r', 'PR', { flags: ['VALBLK'] });
    granted(s, 'b', 'r', 'PR');
    s.convert(a, 'EX', { flags: ['VALBLK'] });
    queued(s, 'c', 'r', 'CR');
    const p = granted(s, 'a', 'db', 'CR');
    granted(s, 'a', 'row', 'PW', { parentLockId: p });
    const copies = s.snapshot();
    const t = space();
    const ids = t.adopt(copies);
    expect(ids).toEqual(copies.map((c) => c.lockId));
    expect(queues(t, 'r')).toEqual(queues(s, 'r'));
    expect(queues(t, 'db', 'row')).toEqual(queues(s, 'db', 'row'));
    expect(t.lockInfo(k)).toMatchObject({ owner: 'k', grantedMode: 'NL' });
    // a read "v1" when granted PR with VALBLK, and its pending conversion carries VALBLK: a copy above CR wins.
    expect(lvb(t, 'r')).toBe('v1');
    expect(t.effects.filter((e) => e.type === 'complete')).toEqual([]);
  });

  it('§8.2 the dead owner’s copies are simply not sent; the first grant pass then grants what it can', () => {
    const s = space();
    granted(s, 'dead', 'r', 'EX');
    const a = queued(s, 'a', 'r', 'PR');
    const t = space();
    t.adopt(s.snapshot().filter((c) => c.owner !== 'dead'));
    expect(completions(t.effects)).toEqual([`${a} lock GRANTED PR`]);
  });

  it('§8.2 step 6: the first pass grants conversions regardless of queue order', () => {
    // Old master had EX granted to the dead node, with NL→EX then PR→EX converting.
    const copies: LockCopy[] = [
      { lockId: 5, owner: 'a', path: ['r'], state: 'converting', grantedMode: 'NL', requestedMode: 'EX' },
      { lockId: 6, owner: 'b', path: ['r'], state: 'converting', grantedMode: 'PR', requestedMode: 'EX' },
    ];
    const t = space();
    t.adopt(copies);
    // a (first) is blocked by b's PR; b is granted out of order. Then a waits for b's EX.
    expect(completions(t.effects)).toEqual(['6 convert GRANTED EX']);
    expect(queues(t, 'r')).toEqual({ granted: ['6:EX'], converting: ['5:NL>EX'], waiting: [] });
  });

  it('§8.2 step 4: a PR↔CW converter with an unknown granted mode is repaired', () => {
    const t = space();
    t.adopt([
      { lockId: 1, owner: 'a', path: ['r'], state: 'granted', grantedMode: 'PR' },
      { lockId: 2, owner: 'b', path: ['r'], state: 'converting', requestedMode: 'CW' },
    ]);
    // Another lock holds PR, so b must still hold PR (CW would conflict with it): PR→CW, blocked.
    expect(t.lockInfo(2)).toMatchObject({ state: 'converting', grantedMode: 'PR', requestedMode: 'CW' });
    const u = space();
    u.adopt([{ lockId: 1, owner: 'b', path: ['r'], state: 'converting', requestedMode: 'PR' }]);
    // Nothing else holds PR or CW: the conversion is taken as done.
    expect(u.lockInfo(1)).toMatchObject({ state: 'granted', grantedMode: 'PR' });
  });

  it('§4.3 recovery: a copy held above CR wins; with only NL/CR copies the freshest is used and marked invalid', () => {
    const t = space();
    t.adopt([
      { owner: 'a', path: ['r'], state: 'granted', grantedMode: 'CR', flags: 0x8, value: 'old', lvbSeq: 3 },
      { owner: 'b', path: ['r'], state: 'granted', grantedMode: 'PR', flags: 0x8, value: 'good', lvbSeq: 4 },
    ]);
    expect(lvb(t, 'r')).toBe('good');
    expect(t.resource('r')?.valueBlock.seq).toBe(4);
    const u = space();
    u.adopt([
      { owner: 'a', path: ['r'], state: 'granted', grantedMode: 'CR', flags: 0x8, value: 'new', lvbSeq: 9 },
      { owner: 'b', path: ['r'], state: 'granted', grantedMode: 'NL', flags: 0x8, value: 'old', lvbSeq: 7 },
    ]);
    expect(lvb(u, 'r')).toBe('new!');
    expect(u.effects.filter((e) => e.type === 'lvb-invalidate')).toMatchObject([{ reason: 'recovery' }]);
    const v = space();
    v.adopt([{ owner: 'a', path: ['r'], state: 'granted', grantedMode: 'EX', value: 'no VALBLK' }]);
    expect(lvb(v, 'r')).toBe('');
  });

  it('§8.2 inconsistent copies are refused before anything changes', () => {
    const s = space();
    granted(s, 'a', 'live', 'PR');
    const bad: [string, LockCopy[]][] = [
      ['a resource that already exists', [{ owner: 'b', path: ['live'], state: 'granted', grantedMode: 'PR' }]],
      ['a duplicate lock id', [{ lockId: 1, owner: 'b', path: ['x'], state: 'granted', grantedMode: 'PR' }]],
      ['a sub-resource copy without its parent', [{ owner: 'b', path: ['x', 'y'], state: 'granted', grantedMode: 'PR' }]],
      ['a granted copy without a mode', [{ owner: 'b', path: ['x'], state: 'granted' }]],
      ['a waiting copy with a granted mode', [{ owner: 'b', path: ['x'], state: 'waiting', grantedMode: 'PR', requestedMode: 'EX' }]],
      ['an EX conversion without a granted mode', [{ owner: 'b', path: ['x'], state: 'converting', requestedMode: 'EX' }]],
      ['a value too long', [{ owner: 'b', path: ['x'], state: 'granted', grantedMode: 'PR', value: 'x'.repeat(40) }]],
    ];
    for (const [, copies] of bad) expect(() => s.adopt(copies)).toThrow(AdoptError);
    expect(s.resourcePaths()).toEqual([['live']]);
    expect(s.lockCount).toBe(1);
  });

  it('§8.2 fresh ids do not collide with ids the batch keeps', () => {
    const t = space();
    const ids = t.adopt([
      { owner: 'a', path: ['r'], state: 'granted', grantedMode: 'NL' },
      { lockId: 1, owner: 'b', path: ['r'], state: 'granted', grantedMode: 'NL' },
    ]);
    expect(ids).toEqual([2, 1]);
    expect(t.lock('c', 'r', 'NL').lockId).toBe(3);
  });
});

describe('configuration and bounds', () => {
  it('rejects invalid options with LockSpaceConfigError', () => {
    expect(() => new LockSpace({ valueBlockBytes: 0 })).toThrow(LockSpaceConfigError);
    expect(() => new LockSpace({ valueBlockBytes: 1.5 })).toThrow(LockSpaceConfigError);
    expect(() => new LockSpace({ deadlockWaitMs: -1 })).toThrow(LockSpaceConfigError);
    expect(() => new LockSpace({ profile: 'nt' as never })).toThrow(LockSpaceConfigError);
    expect(() => new LockSpace({ compatibility: [[true]] })).toThrow(LockSpaceConfigError);
    expect(() => new LockSpace({ maxLocks: 0 })).toThrow(LockSpaceConfigError);
  });

  it('maxLocks bounds the space (LockSpaceCapacityError, nothing created)', () => {
    const s = new LockSpace({ maxLocks: 2 });
    granted(s, 'a', 'r', 'NL');
    granted(s, 'b', 'r', 'NL');
    expect(() => s.lock('c', 'q', 'NL')).toThrow(LockSpaceCapacityError);
    expect(s.resourcePaths()).toEqual([['r']]);
  });

  it('TEST-ONLY compatibility override changes what is granted (the plant hook works)', () => {
    const wrong = COMPATIBILITY.map((row) => [...row]);
    wrong[5]![5] = true;
    const s = new LockSpace({ compatibility: wrong });
    granted(s, 'a', 'r', 'EX');
    expect(s.lock('b', 'r', 'EX').status).toBe('GRANTED');
  });

  it('TEST-ONLY unsafeGrantSkipsFifo grants a compatible request behind a blocked head', () => {
    const s = new LockSpace({ unsafeGrantSkipsFifo: true });
    const x = granted(s, 'x', 'r', 'PR');
    queued(s, 'a', 'r', 'EX');
    queued(s, 'b', 'r', 'CR');
    s.clearEffects();
    s.convert(x, 'NL');
    expect(completions(s.effects)).toEqual(['1 convert GRANTED NL', '2 lock GRANTED EX']);
    const t = new LockSpace({ unsafeGrantSkipsFifo: true });
    const y = granted(t, 'y', 'r', 'PW');
    queued(t, 'a', 'r', 'EX');
    queued(t, 'b', 'r', 'CR');
    t.clearEffects();
    t.convert(y, 'PR');
    expect(completions(t.effects)).toEqual(['1 convert GRANTED PR', '3 lock GRANTED CR']);
  });
});
