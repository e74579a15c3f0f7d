/**
 * What the lock space shows of itself (LockSpace.resource, lockInfo, locksOf, counts): a lock's
 * granted mode and grant time only while it holds one, its requested mode and queue time only
 * while it waits, its latest request's flags, its parent and its live sublocks; a resource's queues
 * in order, its parent and children, and a copy of its value block.
 */
import { describe, expect, it } from 'vitest';
import { granted, queued, space } from './helpers.js';

describe('lock space views', () => {
  it('shows each lock and resource exactly', () => {
    const s = space({ valueBlockBytes: 4 });
    const root = granted(s, 'a', 'db', 'PR', { nowUs: 1, flags: ['VALBLK'] });
    granted(s, 'b', 'db', 'PR', { nowUs: 2, priority: 4 });
    granted(s, 'a', 'row', 'EX', { parentLockId: root, nowUs: 5 });
    s.convert(root, 'EX', { nowUs: 6 });
    queued(s, 'c', 'db', 'CW', { nowUs: 7 });
    const none = { parentLockId: undefined, sublocks: 0, demoted: false, orphan: false };
    const converting = { lockId: 1, owner: 'a', resource: 'db', path: ['db'], state: 'converting', grantedMode: 'PR', requestedMode: 'EX', flags: 0, priority: 0, ...none, sublocks: 1, queuedAtUs: 6, grantedAtUs: 1 };
    const sublock = { lockId: 3, owner: 'a', resource: 'db/row', path: ['db', 'row'], state: 'granted', grantedMode: 'EX', requestedMode: undefined, flags: 0, priority: 0, ...none, parentLockId: 1, queuedAtUs: undefined, grantedAtUs: 5 };
    const block = { value: '', bytes: new Uint8Array(4), valid: true, seq: 0, extendedValid: true };
    expect(s.resource('db')).toStrictEqual({
      resource: 'db',
      name: 'db',
      path: ['db'],
      parent: undefined,
      granted: [{ lockId: 2, owner: 'b', resource: 'db', path: ['db'], state: 'granted', grantedMode: 'PR', requestedMode: undefined, flags: 0, priority: 4, ...none, queuedAtUs: undefined, grantedAtUs: 2 }],
      converting: [converting],
      waiting: [{ lockId: 4, owner: 'c', resource: 'db', path: ['db'], state: 'waiting', grantedMode: undefined, requestedMode: 'CW', flags: 0, priority: 0, ...none, queuedAtUs: 7, grantedAtUs: undefined }],
      valueBlock: block,
      children: ['row'],
    });
    expect(s.resource('db', 'row')).toStrictEqual({ resource: 'db/row', name: 'row', path: ['db', 'row'], parent: 'db', granted: [sublock], converting: [], waiting: [], valueBlock: block, children: [] });
    expect(s.locksOf('a')).toStrictEqual([converting, sublock]);
    expect(s.lockInfo(3)).toStrictEqual(sublock);
    expect([s.resourceCount, s.lockCount]).toEqual([2, 4]);
    expect(s.resource('db', 'nope')).toBeUndefined();
    expect(s.lockInfo(99)).toBeUndefined();
    // The value block shown is a copy.
    s.resource('db')!.valueBlock.bytes[0] = 7;
    expect(s.resource('db')!.valueBlock.bytes).toEqual(new Uint8Array(4));
  });
});
