/**
 * `dequeue` with reason `reset`: a master dropped its whole lock state with the request still
 * queued there. It ends the checkers' entry only when that master queued the request last; when
 * another master queued it since (a rebuild of the resource after the first was declared dead),
 * the entry is the second master's, and the request waits there still. Every other dequeue
 * reason ends the entry whoever traces it (a rebuilt master ends requests it learnt of without
 * queuing them itself).
 */
import { describe, expect, it } from 'vitest';
import { Stream, check } from './stream.js';

/** c1 holds `file` (granted by m1); c2 waits at m1; m2 rebuilds `file` and queues c2 there. */
function rebuiltQueue(): Stream {
  return new Stream()
    .grant(0, 'c1', 'file', 'EX')
    .add(10, 'enqueue', { client: 'c2', resource: 'file', mode: 'EX', queue: 'waiting' }, 'm1')
    .add(20, 'enqueue', { client: 'c2', resource: 'file', mode: 'EX', queue: 'waiting' }, 'm2');
}

describe('grant-order: a reset drops the queue entry of the master that reset only', () => {
  it('fires when m2 grants c3 ahead of c2, whose entry m2 queued, after m1 (which queued it first) reset', () => {
    const s = rebuiltQueue()
      .add(30, 'dequeue', { client: 'c2', resource: 'file', reason: 'reset' }, 'm1')
      .release(40, 'c1', 'file')
      .grant(40, 'c3', 'file', 'EX', {}, 'm2');
    const { violations } = check(s, ['grant-order']);
    expect(violations.map((v) => v.message)).toEqual([
      "m2 granted c3's new request for EX, immediately, on file at 40.0 ms ahead of c2's waiting request for EX (queued at 20.0 ms) (rule N: a new request is granted at once only when both queues are empty)",
    ]);
  });

  /** c2 queued at m1 only; `node` ends it with `reason`; then m2 grants c3 the released lock. */
  const endedThenGranted = (reason: 'reset' | 'purge', node: string) =>
    new Stream()
      .grant(0, 'c1', 'file', 'EX')
      .add(10, 'enqueue', { client: 'c2', resource: 'file', mode: 'EX', queue: 'waiting' }, 'm1')
      .add(30, 'dequeue', { client: 'c2', resource: 'file', reason }, node)
      .release(40, 'c1', 'file')
      .grant(40, 'c3', 'file', 'EX', {}, 'm2');

  it('is silent when the master that queued the request last resets: the request is gone', () => {
    expect(check(endedThenGranted('reset', 'm1'), ['grant-order']).violations).toEqual([]);
  });

  it('is silent when another master ends the request for another reason (a rebuild ending a purged session\u2019s request)', () => {
    expect(check(endedThenGranted('purge', 'm2'), ['grant-order']).violations).toEqual([]);
  });
});

describe('deadlock and value-block keep the entry a reset of another master leaves', () => {
  it('deadlock: c2, still queued at m2 after m1\u2019s reset, waits for c1 in a cycle that persists', () => {
    const cycle = (reseter: string) =>
      new Stream()
        .grant(0, 'c1', 'a', 'EX')
        .grant(0, 'c2', 'b', 'EX')
        .add(10, 'enqueue', { client: 'c1', resource: 'b', mode: 'EX', queue: 'waiting' }, 'm1')
        .add(10, 'enqueue', { client: 'c2', resource: 'a', mode: 'EX', queue: 'waiting' }, 'm1')
        .add(20, 'enqueue', { client: 'c2', resource: 'a', mode: 'EX', queue: 'waiting' }, 'm2')
        .add(30, 'dequeue', { client: 'c2', resource: 'a', reason: 'reset' }, reseter);
    const kept = check(cycle('m1'), ['deadlock'], { deadlockBoundMs: 5_000, endMs: 60_000 });
    // The cycle as m2's entry formed it (20 ms), the bound later.
    expect(kept.violations.map((v) => v.atUs)).toEqual([5_020_000]);
    const gone = check(cycle('m2'), ['deadlock'], { deadlockBoundMs: 5_000, endMs: 60_000 });
    expect(gone.violations).toEqual([]);
  });

  it('value-block: c2\u2019s entry at m2 keeps the resource and its value alive through m1\u2019s reset', () => {
    const run = (reseter: string) =>
      new Stream()
        .grant(0, 'c1', 'file', 'EX', { value: '' })
        .add(5, 'enqueue', { client: 'c2', resource: 'file', mode: 'PR', queue: 'waiting' }, 'm1')
        .add(6, 'enqueue', { client: 'c2', resource: 'file', mode: 'PR', queue: 'waiting' }, 'm2')
        .lvbWrite(10, 'c1', 'file', 'v1')
        .add(11, 'dequeue', { client: 'c2', resource: 'file', reason: 'reset' }, reseter)
        .release(12, 'c1', 'file')
        .grant(20, 'c3', 'file', 'PR', { value: '' }, 'm2');
    // Kept alive by c2's entry at m2, the resource still holds "v1": handing out "" is wrong.
    expect(check(run('m1'), ['value-block']).violations.map((v) => v.invariant)).toEqual(['value-block']);
    // Dropped by m2 itself, nothing kept the resource: it was destroyed, and "" is right.
    expect(check(run('m2'), ['value-block']).violations).toEqual([]);
  });
});
