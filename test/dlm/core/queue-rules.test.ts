/**
 * The resource's three intrusive queues and its held-mode counts, driven directly and read both
 * ways (head to tail by `next`, tail to head by `prev`) so that every link a mutant of
 * src/dlm/core/resource.ts could break shows in an exact list (`npm run mutants`).
 */
import { describe, expect, it } from 'vitest';
import { LockSpaceInvariantError } from '../../../src/dlm/core/errors.js';
import { LockFlag } from '../../../src/dlm/core/flags.js';
import { Mode } from '../../../src/dlm/core/modes.js';
import { LockRecord, LockState, Resource, pathOf } from '../../../src/dlm/core/resource.js';

type Queue = 'granted' | 'conv' | 'wait';

/** A queue as lock ids head to tail, asserting the tail-to-head walk is its exact reverse. */
function ids(res: Resource, queue: Queue): number[] {
  const head = { granted: res.grantedHead, conv: res.convHead, wait: res.waitHead }[queue];
  const tail = { granted: res.grantedTail, conv: res.convTail, wait: res.waitTail }[queue];
  const forward: number[] = [];
  for (let l = head; l !== null; l = l.next) forward.push(l.id);
  const backward: number[] = [];
  for (let l = tail; l !== null; l = l.prev) backward.push(l.id);
  expect(backward.reverse()).toEqual(forward);
  return forward;
}

function counts(res: Resource): [number, number, number] {
  return [res.grantedCount, res.convCount, res.waitCount];
}

describe('a resource queue', () => {
  const states: [Queue, LockState][] = [
    ['granted', LockState.GRANTED],
    ['conv', LockState.CONVERTING],
    ['wait', LockState.WAITING],
  ];

  it.each(states)('%s: links at the tail and at the head, and unlinks from the head, the middle and the tail', (queue, state) => {
    const res = new Resource('r', null);
    const locks = [1, 2, 3, 4].map((id) => new LockRecord(id, `o${id}`, res, null, Mode.PR, 0, 0));
    res.link(locks[0]!, state, false);
    res.link(locks[1]!, state, false);
    res.link(locks[2]!, state, true);
    res.link(locks[3]!, state, true);
    expect(ids(res, queue)).toEqual([4, 3, 1, 2]);
    expect(locks.map((l) => l.state)).toEqual([state, state, state, state]);
    res.unlink(locks[0]!);
    expect(ids(res, queue)).toEqual([4, 3, 2]);
    expect([locks[0]!.state, locks[0]!.prev, locks[0]!.next]).toEqual([LockState.NONE, null, null]);
    res.unlink(locks[3]!);
    expect(ids(res, queue)).toEqual([3, 2]);
    res.unlink(locks[1]!);
    expect(ids(res, queue)).toEqual([3]);
    res.unlink(locks[2]!);
    expect(ids(res, queue)).toEqual([]);
    expect(counts(res)).toEqual([0, 0, 0]);
  });

  it.each(states)('%s: links at the head of an empty queue', (queue, state) => {
    const res = new Resource('r', null);
    const lock = new LockRecord(1, 'o1', res, null, Mode.CR, 0, 0);
    res.link(lock, state, true);
    expect(ids(res, queue)).toEqual([1]);
    res.unlink(lock);
    expect(ids(res, queue)).toEqual([]);
  });

  it('keeps the three queues and their counts apart', () => {
    const res = new Resource('r', null);
    const [g, c, w] = [1, 2, 3].map((id) => new LockRecord(id, `o${id}`, res, null, Mode.EX, 0, 0));
    res.link(g!, LockState.GRANTED, false);
    res.link(c!, LockState.CONVERTING, true);
    res.link(w!, LockState.WAITING, false);
    expect([ids(res, 'granted'), ids(res, 'conv'), ids(res, 'wait')]).toEqual([[1], [2], [3]]);
    expect(counts(res)).toEqual([1, 1, 1]);
    res.unlink(c!);
    expect(counts(res)).toEqual([1, 0, 1]);
    expect([ids(res, 'granted'), ids(res, 'conv'), ids(res, 'wait')]).toEqual([[1], [], [3]]);
  });

  it('counts waiters by the mode they asked for and the NOORDER ones, both ways', () => {
    const res = new Resource('r', null);
    expect(res.waitAsked).toBeNull();
    const a = new LockRecord(1, 'a', res, null, Mode.PW, LockFlag.NOORDER, 0);
    const b = new LockRecord(2, 'b', res, null, Mode.PW, 0, 0);
    const c = new LockRecord(3, 'c', res, null, Mode.CR, LockFlag.NOORDER | LockFlag.VALBLK, 0);
    for (const l of [a, b, c]) res.link(l, LockState.WAITING, false);
    expect([res.waitAsked, res.waitNoorder]).toEqual([[0, 1, 0, 0, 2, 0], 2]);
    res.unlink(a);
    expect([res.waitAsked, res.waitNoorder]).toEqual([[0, 1, 0, 0, 1, 0], 1]);
    res.unlink(b);
    expect([res.waitAsked, res.waitNoorder]).toEqual([[0, 1, 0, 0, 0, 0], 1]);
    const granted = new LockRecord(4, 'd', res, null, Mode.EX, LockFlag.NOORDER, 0);
    res.link(granted, LockState.GRANTED, false);
    res.link(new LockRecord(5, 'e', res, null, Mode.EX, LockFlag.NOORDER, 0), LockState.CONVERTING, false);
    expect([res.waitAsked, res.waitNoorder]).toEqual([[0, 1, 0, 0, 0, 0], 1]);
  });

  it('refuses to unlink a lock that is on no queue, naming it', () => {
    const res = new Resource('r', null);
    const lock = new LockRecord(7, 'a', res, null, Mode.NL, 0, 0);
    expect(() => res.unlink(lock)).toThrow(new LockSpaceInvariantError('lock 7 is on no queue'));
  });
});

describe('held-mode counts', () => {
  it('sets a mode’s bit with its first holder and clears it with its last', () => {
    const res = new Resource('r', null);
    res.addHeld(Mode.PR);
    res.addHeld(Mode.PR);
    res.addHeld(Mode.NL);
    expect([res.held, res.heldMask]).toEqual([[1, 0, 0, 2, 0, 0], 0b1001]);
    res.removeHeld(Mode.PR);
    expect([res.held, res.heldMask]).toEqual([[1, 0, 0, 1, 0, 0], 0b1001]);
    res.removeHeld(Mode.PR);
    expect([res.held, res.heldMask]).toEqual([[1, 0, 0, 0, 0, 0], 0b0001]);
    res.removeHeld(Mode.NL);
    expect([res.held, res.heldMask]).toEqual([[0, 0, 0, 0, 0, 0], 0]);
  });

  it('refuses a count below zero, naming the mode and resource, and changes nothing', () => {
    const parent = new Resource('top', null);
    const res = new Resource('leaf', parent);
    res.addHeld(Mode.CR);
    expect(() => res.removeHeld(Mode.EX)).toThrow(new LockSpaceInvariantError('held count of mode 5 would go negative on top/leaf'));
    expect([res.held, res.heldMask]).toEqual([[0, 1, 0, 0, 0, 0], 0b10]);
  });
});

describe('resource names', () => {
  it('shows a sub-resource by its path and depth', () => {
    const root = new Resource('db', null);
    const table = new Resource('t1', root);
    const row = new Resource('row9', table);
    expect([root.display, table.display, row.display]).toEqual(['db', 'db/t1', 'db/t1/row9']);
    expect([root.depth, table.depth, row.depth]).toEqual([0, 1, 2]);
    expect([pathOf(root), pathOf(row)]).toEqual([['db'], ['db', 't1', 'row9']]);
  });

  it('starts a lock with no granted mode, its asked mode as requested', () => {
    const res = new Resource('r', null);
    const lock = new LockRecord(3, 'a', res, null, Mode.CW, LockFlag.VALBLK, 2);
    expect([lock.gr, lock.rq, lock.asked, lock.flags, lock.priority, lock.state]).toEqual([-1, Mode.CW, Mode.CW, LockFlag.VALBLK, 2, LockState.NONE]);
  });
});
