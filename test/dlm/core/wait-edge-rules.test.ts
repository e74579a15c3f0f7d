/**
 * Rules of the wait-for edges the lock space reports (src/dlm/core/deadlock.ts, §6): an edge is
 * created by whichever of its two requests came later (a holder granted, or a request put ahead
 * with HEADQUE, after the waiter queued), a queue edge names the mode its holder asks, and the
 * queue edges of a request run back past requests that do not wait in order (NOORDER, NODLCKWT,
 * NODLCKBLK) to the first one that does, from the head of the waiting queue into the conversion queue.
 */
import { describe, expect, it } from 'vitest';
import type { LockSpace } from '../../../src/dlm/core/index.js';
import { granted, queued, space } from './helpers.js';

/** The space's edges as `waiter>holder kind`, in the order the space lists them. */
const edges = (s: LockSpace, kind?: 'conflict' | 'queue'): string[] =>
  s.waitForEdges().flatMap((e) => (kind === undefined || e.kind === kind ? [`${e.waiterOwner}>${e.holderOwner} ${e.kind}`] : []));

describe('wait-for edges', () => {
  it('§6 a queue edge to a request put ahead later (HEADQUE) is created by that request, at its queue time, and names the mode it asks', () => {
    const s = space();
    granted(s, 'a', 'r', 'EX', { nowUs: 0 });
    const b = queued(s, 'b', 'r', 'EX', { nowUs: 10 });
    const c = queued(s, 'c', 'r', 'PW', { nowUs: 20, flags: ['HEADQUE'] });
    const edge = s.waitForEdges().find((e) => e.kind === 'queue' && e.waiterLockId === b);
    expect(edge).toMatchObject({ holderLockId: c, holderMode: 'PW', createdByLockId: c, createdAtUs: 20 });
  });

  it('§6 a conflict edge to a holder granted after the waiter queued is created by the holder, at its grant time', () => {
    const s = space();
    granted(s, 'a', 'r', 'PR', { nowUs: 0 });
    const n = granted(s, 'n', 'r', 'NL', { nowUs: 0 });
    const b = queued(s, 'b', 'r', 'EX', { nowUs: 10 });
    expect(s.convert(n, 'CR', { nowUs: 20 }).status).toBe('GRANTED');
    const edge = s.waitForEdges().find((e) => e.kind === 'conflict' && e.waiterLockId === b && e.holderLockId === n);
    expect(edge).toMatchObject({ holderMode: 'CR', createdByLockId: n, createdAtUs: 20 });
  });

  it('§6 queue edges run back past a NOORDER request to the first request that waits in order, and stop there', () => {
    const s = space();
    granted(s, 'a', 'r', 'EX');
    queued(s, 'b', 'r', 'EX');
    queued(s, 'c', 'r', 'EX', { flags: ['NOORDER'] });
    queued(s, 'd', 'r', 'EX');
    queued(s, 'e', 'r', 'EX');
    expect(edges(s, 'queue')).toEqual(['d>c queue', 'd>b queue', 'e>d queue']);
  });

  it('§6 the head of the waiting queue waits for the conversion queue’s tail, also through an out-of-order head', () => {
    const s = space();
    granted(s, 'a', 'r', 'PR');
    const b = granted(s, 'b', 'r', 'PR');
    expect(s.convert(b, 'EX').status).toBe('QUEUED');
    queued(s, 'c', 'r', 'EX', { flags: ['NOORDER'] });
    queued(s, 'd', 'r', 'PR');
    expect(edges(s, 'queue')).toEqual(['d>c queue', 'd>b queue']);
  });
});
