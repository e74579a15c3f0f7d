import { describe, expect, it } from 'vitest';
import { CheckError, createCheckers, type Violation } from '../../src/check/index.js';
import { Stream, ms } from './stream.js';

function notify(s: Stream, tMs: number, client: string, path: string, cause: string, change: 'created' | 'deleted' = 'deleted'): Stream {
  return s.raw(tMs, 'm1', 'notify', { client, path, cause, change });
}

function herd(s: Stream, endMs?: number): Violation[] {
  const set = createCheckers({ invariants: ['herd'], livenessUs: ms(60_000), healUs: 0 });
  for (const e of s.events) set.onEvent(e);
  set.finish(ms(endMs ?? 0));
  return set.violations;
}

describe('herd', () => {
  it('fires when one release wakes every waiter watching the parent, naming them all', () => {
    let s = new Stream();
    for (const c of ['c2', 'c3', 'c4']) s = notify(s, 1000, c, 'locknode', 'lock-0000000000');
    s.grant(1005, 'c1', 'locknode', 'EX');
    expect(herd(s)).toEqual([
      {
        invariant: 'herd',
        atUs: 1_000_000,
        message: 'm1 woke 3 waiters (c2, c3, c4) at 1000.0 ms for one change (lock-0000000000 deleted under locknode): a change wakes at most one waiter',
        resource: 'locknode',
        nodes: ['c2', 'c3', 'c4'],
      },
    ]);
  });

  it('judges an instant still open at the end of the run, and counts a node watch and a parent watch of one change together', () => {
    const s = notify(notify(new Stream(), 1000, 'c2', 'locknode/lock-0000000000', 'lock-0000000000'), 1000, 'c3', 'locknode', 'lock-0000000000');
    expect(herd(s, 2000).map((v) => [v.atUs, v.nodes])).toEqual([[1_000_000, ['c2', 'c3']]]);
  });

  it('is silent when each change wakes only the next waiter (predecessor watches)', () => {
    let s = new Stream();
    s = notify(s, 1000, 'c2', 'locknode/lock-0000000000', 'lock-0000000000');
    s = notify(s, 2000, 'c3', 'locknode/lock-0000000001', 'lock-0000000001');
    // Two resources whose nodes share a name, released at the same instant: two changes.
    s = notify(s, 3000, 'c4', 'a/lock-0000000000', 'lock-0000000000');
    s = notify(s, 3000, 'c5', 'b/lock-0000000000', 'lock-0000000000');
    // The same node created and deleted: two changes.
    s = notify(s, 4000, 'c6', 'a', 'lock-0000000001', 'created');
    s = notify(s, 4000, 'c7', 'a', 'lock-0000000001', 'deleted');
    expect(herd(s, 5000)).toEqual([]);
  });

  it('rejects a notify event without its fields', () => {
    const s = new Stream().raw(1000, 'm1', 'notify', { client: 'c2', path: 'locknode' });
    expect(() => herd(s)).toThrow(CheckError);
    expect(() => herd(s)).toThrow("event #1 (notify): field 'cause' is missing");
  });
});
