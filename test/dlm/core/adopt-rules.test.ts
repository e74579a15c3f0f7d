/**
 * §8.2 adopt, rule by rule (src/dlm/core/recovery.ts): a new master checks the whole batch of
 * surviving lock copies before it changes anything, and refuses an inconsistent copy with an
 * AdoptError that names the copy and the rule it breaks; it adopts parents before their sublocks
 * whatever the copy order, and recovers a value block from the copy held above CR, else from the
 * freshest copy (ties: the later one), reading granted and converting locks only.
 */
import { describe, expect, it } from 'vitest';
import { AdoptError, LockSpace, type LockCopy } from '../../../src/dlm/core/index.js';
import { MAX_TREE_DEPTH } from '../../../src/dlm/core/lockspace-types.js';
import { granted, lvb, queued, queues, space } from './helpers.js';

/** A valid granted root copy, with `changes` applied. */
const copy = (changes: Partial<LockCopy> = {}): LockCopy => ({ owner: 'a', path: ['x'], state: 'granted', grantedMode: 'PR', ...changes }) as LockCopy;

/** Adopts `copies` into `s` and returns the AdoptError message, checking nothing changed. */
function refusal(s: LockSpace, copies: readonly LockCopy[]): string {
  const before = { locks: s.lockCount, paths: s.resourcePaths() };
  let message = '';
  try {
    s.adopt(copies);
  } catch (error) {
    expect(error).toBeInstanceOf(AdoptError);
    message = (error as Error).message;
  }
  expect({ locks: s.lockCount, paths: s.resourcePaths() }).toEqual(before);
  return message;
}

describe('§8.2 adopt refuses an inconsistent copy, naming it and the rule', () => {
  it('owner, path, depth', () => {
    const s = space();
    expect(refusal(s, [copy({ owner: '' })])).toBe('lock copy 0: owner must be a non-empty string');
    expect(refusal(s, [copy(), copy({ owner: 7 as unknown as string })])).toBe('lock copy 1: owner must be a non-empty string');
    for (const path of [[], ['x', ''], ['x', 3], 'x']) {
      expect(refusal(s, [copy({ path: path as string[] })])).toBe('lock copy 0: path must be a non-empty list of names');
    }
    const deep = Array.from({ length: MAX_TREE_DEPTH + 1 }, (_, i) => `n${i}`);
    expect(refusal(s, [copy({ path: deep, parentLockId: 1 })])).toBe(`lock copy 0: resource tree deeper than ${MAX_TREE_DEPTH}`);
  });

  it('accepts a tree exactly MAX_TREE_DEPTH deep', () => {
    const s = space();
    const chain = Array.from({ length: MAX_TREE_DEPTH }, (_, i) =>
      copy({ lockId: i + 1, path: Array.from({ length: i + 1 }, (_, j) => `n${j}`), ...(i > 0 ? { parentLockId: i } : {}) }),
    );
    expect(s.adopt(chain)).toEqual(chain.map((c) => c.lockId));
    expect(s.resourcePaths()).toHaveLength(MAX_TREE_DEPTH);
  });

  it('lock ids: positive integers, free in the space and in the batch', () => {
    const s = space();
    const held = granted(s, 'a', 'live', 'PR');
    for (const lockId of [0, -1, 1.5]) expect(refusal(s, [copy({ lockId })])).toBe('lock copy 0: lockId must be a positive integer');
    expect(refusal(s, [copy({ lockId: held })])).toBe(`lock copy 0: lock id ${held} is already in use`);
    expect(refusal(s, [copy({ lockId: 9 }), copy({ lockId: 9, owner: 'b' })])).toBe('lock copy 1: lock id 9 is already in use');
  });

  it('flags, modes, queue state', () => {
    const s = space();
    for (const flags of [-1, 0.5]) expect(refusal(s, [copy({ flags })])).toBe('lock copy 0: flags must be a bitmask');
    expect(refusal(s, [copy({ grantedMode: 'ZZ' as 'PR' })])).toBe('lock copy 0: unknown grantedMode');
    expect(refusal(s, [copy({ state: 'waiting', grantedMode: undefined, requestedMode: 'QQ' as 'PR' })])).toBe('lock copy 0: unknown requestedMode');
    const granted_ = 'lock copy 0: a granted copy has a grantedMode and no requestedMode';
    expect(refusal(s, [copy({ grantedMode: undefined })])).toBe(granted_);
    expect(refusal(s, [copy({ requestedMode: 'EX' })])).toBe(granted_);
    expect(refusal(s, [copy({ state: 'converting', requestedMode: undefined })])).toBe('lock copy 0: a converting copy has a requestedMode');
    for (const requestedMode of ['NL', 'PW', 'EX'] as const) {
      expect(refusal(s, [copy({ state: 'converting', grantedMode: undefined, requestedMode })])).toBe('lock copy 0: only a PR/CW conversion may omit its grantedMode');
    }
    const waiting = 'lock copy 0: a waiting copy has a requestedMode and no grantedMode';
    expect(refusal(s, [copy({ state: 'waiting', grantedMode: undefined })])).toBe(waiting);
    expect(refusal(s, [copy({ state: 'waiting', requestedMode: 'EX' })])).toBe(waiting);
    expect(refusal(s, [copy({ state: 'held' as 'granted' })])).toBe('lock copy 0: unknown state held');
  });

  it('times, priorities, values, resources', () => {
    const s = space({ valueBlockBytes: 4 });
    granted(s, 'a', 'live', 'PR');
    for (const queuedAtUs of [-1, Number.NaN]) expect(refusal(s, [copy({ queuedAtUs })])).toBe('lock copy 0: queuedAtUs must be a time');
    for (const priority of [Number.POSITIVE_INFINITY, Number.NaN]) expect(refusal(s, [copy({ priority })])).toBe('lock copy 0: priority must be a finite number');
    expect(refusal(s, [copy({ value: 'abcde' })])).toBe('lock copy 0: value longer than 4 bytes');
    expect(refusal(s, [copy({ path: ['live'] })])).toBe('lock copy 0: resource live already exists');
    const sub = granted(s, 'a', 'live', 'CR');
    granted(s, 'a', 'row', 'CR', { parentLockId: sub });
    expect(refusal(s, [copy({ path: ['live', 'row'], parentLockId: sub })])).toBe('lock copy 0: resource live/row already exists');
    // Two copies of one new resource are one resource, not a clash; a value of exactly the block size fits.
    expect(s.adopt([copy({ value: 'abcd', queuedAtUs: 0, priority: -3 }), copy({ owner: 'b' })])).toHaveLength(2);
    expect(queues(s, 'x')?.granted).toHaveLength(2);
  });

  it('parents: none for a root, one for a sublock, known, of the same owner, not waiting, on the parent resource', () => {
    const s = space();
    const root = granted(s, 'a', 'db', 'CR');
    const waiting = (granted(s, 'z', 'w', 'EX'), queued(s, 'a', 'w', 'EX'));
    expect(refusal(s, [copy({ parentLockId: root })])).toBe('lock copy 0: a root resource lock has no parent');
    expect(refusal(s, [copy({ path: ['db', 'y'] })])).toBe('lock copy 0: a sub-resource lock needs its parentLockId');
    expect(refusal(s, [copy({ path: ['db', 'y'], parentLockId: 77 })])).toBe('lock copy 0: unknown parent lock 77');
    expect(refusal(s, [copy({ owner: 'b', path: ['db', 'y'], parentLockId: root })])).toBe('lock copy 0: the parent lock belongs to another owner');
    expect(refusal(s, [copy({ path: ['w', 'y'], parentLockId: waiting })])).toBe('lock copy 0: the parent lock is not granted');
    expect(refusal(s, [copy({ path: ['elsewhere', 'y'], parentLockId: root })])).toBe('lock copy 0: the parent lock is not on the parent resource');
    const inBatch = [copy({ lockId: 50, path: ['p'], state: 'waiting', grantedMode: undefined, requestedMode: 'EX' }), copy({ path: ['p', 'c'], parentLockId: 50 })];
    expect(refusal(s, inBatch)).toBe('lock copy 1: the parent lock is not granted');
    const otherOwner = [copy({ lockId: 60, path: ['p'] }), copy({ owner: 'b', path: ['p', 'c'], parentLockId: 60 })];
    expect(refusal(s, otherOwner)).toBe('lock copy 1: the parent lock belongs to another owner');
    const misplaced = [copy({ lockId: 70, path: ['p'] }), copy({ path: ['q', 'c'], parentLockId: 70 })];
    expect(refusal(s, misplaced)).toBe('lock copy 1: the parent lock is not on the parent resource');
  });
});

describe('§8.2 adopt builds parents first and sublocks under them', () => {
  it('adopts a sublock listed before its parent, returning ids in copy order (fresh ids in adoption order)', () => {
    const s = space();
    const ids = s.adopt([copy({ path: ['p', 'c'], parentLockId: 10 }), copy({ owner: 'a', path: ['q'] }), copy({ lockId: 10, path: ['p'] })]);
    expect(ids).toEqual([12, 11, 10]);
    expect(s.lockInfo(12)).toMatchObject({ owner: 'a', parentLockId: 10, grantedMode: 'PR' });
    expect(s.resourcePaths()).toEqual([['q'], ['p'], ['p', 'c']]);
  });

  it('puts a sublock of a live parent lock under that lock’s resource', () => {
    const s = space();
    const root = granted(s, 'a', 'db', 'CR');
    const [id] = s.adopt([copy({ path: ['db', 'row'], parentLockId: root })]);
    expect(s.lockInfo(id!)).toMatchObject({ owner: 'a', parentLockId: root, state: 'granted', grantedMode: 'PR' });
    expect(queues(s, 'db', 'row')?.granted).toEqual([`${id}:PR`]);
  });

  it('keeps queue times and priorities from the copies, and times a copy without one at the adoption', () => {
    const s = space();
    s.adopt(
      [
        copy({ lockId: 1, grantedMode: 'EX' }),
        copy({ lockId: 2, owner: 'b', state: 'waiting', grantedMode: undefined, requestedMode: 'PR', queuedAtUs: 5, priority: 2 }),
        copy({ lockId: 3, owner: 'c', state: 'waiting', grantedMode: undefined, requestedMode: 'PR' }),
      ],
      { nowUs: 40 },
    );
    expect(s.snapshot().map((c) => [c.lockId, c.queuedAtUs, c.priority])).toEqual([
      [1, 40, 0],
      [2, 5, 2],
      [3, 40, 0],
    ]);
  });
});

describe('§4.3 value block recovery from the copies', () => {
  const valblk = 0x8;

  it('takes the later of two copies with the same sequence number, and marks it invalid', () => {
    const s = space();
    s.adopt([
      copy({ grantedMode: 'CR', flags: valblk, value: 'first', lvbSeq: 5 }),
      copy({ owner: 'b', grantedMode: 'NL', flags: valblk, value: 'second', lvbSeq: 5 }),
    ]);
    expect(lvb(s, 'x')).toBe('second!');
    expect(s.resource('x')?.valueBlock.seq).toBe(5);
  });

  it('reads a converting copy held above CR, but never a waiting copy', () => {
    const s = space();
    s.adopt([
      copy({ grantedMode: 'NL', flags: valblk, value: 'low', lvbSeq: 1 }),
      copy({ owner: 'b', state: 'converting', grantedMode: 'PR', requestedMode: 'EX', flags: valblk, value: 'conv', lvbSeq: 2 }),
      copy({ owner: 'c', state: 'waiting', grantedMode: undefined, requestedMode: 'EX', flags: valblk, value: 'queued', lvbSeq: 9 }),
    ]);
    expect(lvb(s, 'x')).toBe('conv');
    const t = space();
    t.adopt([
      copy({ grantedMode: 'NL', flags: valblk, value: 'low', lvbSeq: 1 }),
      copy({ owner: 'c', state: 'waiting', grantedMode: undefined, requestedMode: 'EX', flags: valblk, value: 'queued', lvbSeq: 9 }),
    ]);
    expect(lvb(t, 'x')).toBe('low!');
  });

  it('takes the first copy held above CR, and leaves the block alone when no copy carries VALBLK', () => {
    const s = space();
    s.adopt([
      copy({ grantedMode: 'PR', flags: valblk, value: 'one', lvbSeq: 1 }),
      copy({ owner: 'b', grantedMode: 'PR', flags: valblk, value: 'two', lvbSeq: 2 }),
    ]);
    expect(lvb(s, 'x')).toBe('one');
    expect(s.resource('x')?.valueBlock.seq).toBe(1);
    const t = space();
    t.adopt([copy({ grantedMode: 'CR', value: 'ignored', lvbSeq: 3 })]);
    expect(lvb(t, 'x')).toBe('');
    expect(t.effects.filter((e) => e.type === 'lvb-invalidate')).toEqual([]);
  });

  it('repairs a PR↔CW converter to the CW another lock holds', () => {
    const s = space();
    s.adopt([copy({ lockId: 1, grantedMode: 'CW' }), copy({ lockId: 2, owner: 'b', state: 'converting', grantedMode: undefined, requestedMode: 'PR' })]);
    expect(s.lockInfo(2)).toMatchObject({ state: 'converting', grantedMode: 'CW', requestedMode: 'PR' });
  });
});

describe('§8.2 snapshot reports each lock as a surviving node would', () => {
  it('gives resources parents first and locks granted, converting, waiting; a granted lock its grant flags, a queued one its request flags; the value block copy it last read', () => {
    const s = space({ valueBlockBytes: 4 });
    granted(s, 'k', 'r', 'NL', { flags: ['VALBLK'], nowUs: 5 });
    s.unlock(granted(s, 'w', 'r', 'EX'), { value: 'v1' });
    const a = granted(s, 'a', 'r', 'PR', { flags: ['VALBLK'], nowUs: 10 });
    granted(s, 'b', 'r', 'PR', { nowUs: 20, priority: 3 });
    s.convert(a, 'EX', { nowUs: 30 });
    queued(s, 'c', 'r', 'EX', { flags: ['NOORDER'], nowUs: 50 });
    const p = granted(s, 'a', 'db', 'CR', { nowUs: 60 });
    granted(s, 'a', 'row', 'PW', { parentLockId: p, nowUs: 70 });
    expect(s.snapshot()).toStrictEqual([
      { lockId: 1, owner: 'k', path: ['r'], state: 'granted', flags: 0x8, priority: 0, queuedAtUs: 5, grantedMode: 'NL', value: new Uint8Array(4), lvbSeq: 0 },
      { lockId: 4, owner: 'b', path: ['r'], state: 'granted', flags: 0, priority: 3, queuedAtUs: 20, grantedMode: 'PR' },
      { lockId: 3, owner: 'a', path: ['r'], state: 'converting', flags: 0, priority: 0, queuedAtUs: 30, grantedMode: 'PR', requestedMode: 'EX', value: new Uint8Array([118, 49, 0, 0]), lvbSeq: 1 },
      { lockId: 5, owner: 'c', path: ['r'], state: 'waiting', flags: 0x2000, priority: 0, queuedAtUs: 50, requestedMode: 'EX' },
      { lockId: 6, owner: 'a', path: ['db'], state: 'granted', flags: 0, priority: 0, queuedAtUs: 60, grantedMode: 'CR' },
      { lockId: 7, owner: 'a', path: ['db', 'row'], state: 'granted', flags: 0, priority: 0, queuedAtUs: 70, parentLockId: 6, grantedMode: 'PW' },
    ]);
  });
});
