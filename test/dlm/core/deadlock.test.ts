/**
 * §6 deadlock: immediate conversion-deadlock detection (§6.2, [PROJECT] newcomer refused; CONVDEADLK;
 * NODLCKWT) and the timed wait-for-graph search across resources (§6.1 [PROJECT]: deadlockWaitMs,
 * victim by priority then first timed out, NODLCKWT/NODLCKBLK excluded), with every cycle reported
 * edge by edge (waiter, holder, resource, modes, the request that created the edge).
 */
import { describe, expect, it } from 'vitest';
import {
  LockSpace,
  findCycleThrough,
  toCycleEdges,
  type DeadlockEffect,
  type EdgeView,
  type Effect,
} from '../../../src/dlm/core/index.js';
import { completions, granted, queued, queues, space } from './helpers.js';

const deadlocks = (effects: readonly Effect[]): DeadlockEffect[] => effects.filter((e): e is DeadlockEffect => e.type === 'deadlock');
const ms = 1000;

describe('§6.2 immediate conversion-deadlock detection', () => {
  it('§6.2 [PROJECT] default: the newcomer is refused with DEADLOCK and keeps its old mode; the earlier converter waits on', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'PR', { nowUs: 10 });
    const b = granted(s, 'b', 'r', 'PR', { nowUs: 20 });
    expect(s.convert(a, 'EX', { nowUs: 30 }).status).toBe('QUEUED');
    s.clearEffects();
    expect(s.convert(b, 'EX', { nowUs: 40 })).toMatchObject({ status: 'DEADLOCK', lockId: b });
    expect(completions(s.effects)).toEqual(['2 convert DEADLOCK PR']);
    expect(queues(s, 'r')).toEqual({ granted: ['2:PR'], converting: ['1:PR>EX'], waiting: [] });
    const [d] = deadlocks(s.effects);
    expect(d).toMatchObject({ detection: 'conversion', resolution: 'refused', initiatorLockId: b, victimLockId: b, victimOwner: 'b', atUs: 40 });
    expect(d!.cycle).toEqual([
      {
        kind: 'conflict',
        resource: 'r',
        waiterLockId: a,
        waiterOwner: 'a',
        waiterMode: 'EX',
        waiterPriority: 0,
        waiterSinceUs: 30,
        waiterSeq: expect.any(Number),
        holderLockId: b,
        holderOwner: 'b',
        holderMode: 'PR',
        createdByLockId: a,
        createdAtUs: 30,
      },
      {
        kind: 'conflict',
        resource: 'r',
        waiterLockId: b,
        waiterOwner: 'b',
        waiterMode: 'EX',
        waiterPriority: 0,
        waiterSinceUs: 40,
        waiterSeq: expect.any(Number),
        holderLockId: a,
        holderOwner: 'a',
        holderMode: 'PR',
        createdByLockId: b,
        createdAtUs: 40,
      },
    ]);
    expect(toCycleEdges(d!.cycle)).toEqual([
      { node: 'a', resource: 'r', mode: 'EX', waitsFor: 'b', heldMode: 'PR' },
      { node: 'b', resource: 'r', mode: 'EX', waitsFor: 'a', heldMode: 'PR' },
    ]);
  });

  it('§6.2 a deadlock through queue order (QUECVT) is reported with a queue edge', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'NL');
    const b = granted(s, 'b', 'r', 'CR');
    expect(s.convert(a, 'EX').status).toBe('QUEUED'); // blocked by b's CR
    s.clearEffects();
    // b CR→PW fits, but QUECVT puts it behind a, which waits for b's CR.
    expect(s.convert(b, 'PW', { flags: ['QUECVT'] }).status).toBe('DEADLOCK');
    expect(toCycleEdges(deadlocks(s.effects)[0]!.cycle)).toEqual([
      { node: 'a', resource: 'r', mode: 'EX', waitsFor: 'b', heldMode: 'CR' },
      { node: 'b', resource: 'r', mode: 'PW', waitsFor: 'a' },
    ]);
    expect(deadlocks(s.effects)[0]!.cycle.map((e) => e.kind)).toEqual(['conflict', 'queue']);
  });

  it('§6.2 CONVDEADLK reports the deadlock as demoted, then demotes (see flags tests for the grants)', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'PR');
    const b = granted(s, 'b', 'r', 'PR');
    s.convert(a, 'EX');
    s.clearEffects();
    s.convert(b, 'EX', { flags: ['CONVDEADLK'] });
    expect(deadlocks(s.effects)).toMatchObject([{ detection: 'conversion', resolution: 'demoted', victimLockId: b }]);
    expect(deadlocks(s.effects)[0]!.cycle[0]).toMatchObject({ holderLockId: b, holderMode: 'PR' });
  });

  it('§6.2 NODLCKWT: queued anyway, reported as queued, and basted with its own mode', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'PR');
    const b = granted(s, 'b', 'r', 'PR');
    s.convert(a, 'PW');
    s.clearEffects();
    expect(s.convert(b, 'EX', { flags: ['NODLCKWT'] }).status).toBe('QUEUED');
    expect(deadlocks(s.effects)).toMatchObject([{ resolution: 'queued', victimLockId: undefined }]);
    expect(queues(s, 'r')?.converting).toEqual(['1:PR>PW', '2:PR>EX']);
  });

  it('§6.2 no deadlock when the newcomer’s granted mode blocks nobody ahead', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'NL');
    granted(s, 'x', 'r', 'EX');
    const b = granted(s, 'b', 'r', 'NL');
    s.convert(a, 'PR');
    s.clearEffects();
    expect(s.convert(b, 'PR').status).toBe('QUEUED');
    expect(deadlocks(s.effects)).toEqual([]);
  });
});

/** c1 holds a, waits for b; c2 holds b, waits for a (requests at 1 ms and 2 ms). */
function crossed(opts: { deadlockWaitMs?: number; p1?: number; p2?: number } = {}): { s: LockSpace; w1: number; w2: number; h1: number; h2: number } {
  const s = new LockSpace({ deadlockWaitMs: opts.deadlockWaitMs ?? 10 });
  const h1 = granted(s, 'c1', 'a', 'EX', { nowUs: 0 });
  const h2 = granted(s, 'c2', 'b', 'EX', { nowUs: 0 });
  const w1 = queued(s, 'c1', 'b', 'EX', { nowUs: 1 * ms, priority: opts.p1 ?? 0 });
  const w2 = queued(s, 'c2', 'a', 'PR', { nowUs: 2 * ms, priority: opts.p2 ?? 0 });
  s.clearEffects();
  return { s, w1, w2, h1, h2 };
}

describe('§6.1 the timed wait-for search', () => {
  it('§6.1 0 turns the search off', () => {
    const { s } = crossed({ deadlockWaitMs: 0 });
    expect(s.findDeadlocks(1_000_000 * ms)).toEqual([]);
    expect(s.nextDeadlockSearchUs(0)).toBeUndefined();
    expect(s.effects).toEqual([]);
  });

  it('§6.1 nothing is searched before a request has waited deadlockWaitMs', () => {
    const { s } = crossed();
    expect(s.nextDeadlockSearchUs(0)).toBe(11 * ms);
    expect(s.findDeadlocks(10.999 * ms)).toEqual([]);
    expect(s.effects).toEqual([]);
  });

  it('§6.1 a cycle across two resources is found; on a priority tie the first to time out is the victim', () => {
    const { s, w1, w2, h1, h2 } = crossed();
    const found = s.findDeadlocks(11 * ms);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ detection: 'timed', resolution: 'victim', initiatorLockId: w1, victimLockId: w1, victimOwner: 'c1', atUs: 11 * ms });
    expect(toCycleEdges(found[0]!.cycle)).toEqual([
      { node: 'c1', resource: 'b', mode: 'EX', waitsFor: 'c2', heldMode: 'EX' },
      { node: 'c2', resource: 'a', mode: 'PR', waitsFor: 'c1', heldMode: 'EX' },
    ]);
    expect(found[0]!.cycle.map((e) => [e.waiterLockId, e.holderLockId, e.createdByLockId, e.createdAtUs])).toEqual([
      [w1, h2, w1, 1 * ms],
      [w2, h1, w2, 2 * ms],
    ]);
    // The deadlock effect comes before the victim's dequeue and completion.
    expect(s.effects.map((e) => e.type)).toEqual(['deadlock', 'dequeue', 'complete']);
    expect(completions(s.effects)).toEqual([`${w1} lock DEADLOCK -`]);
    expect(s.effects[1]).toMatchObject({ type: 'dequeue', lockId: w1, reason: 'deadlock' });
    // The victim keeps every other lock; the cycle is gone.
    expect(s.lockInfo(h1)?.state).toBe('granted');
    expect(s.findDeadlocks(100 * ms)).toEqual([]);
  });

  it('§6.1 the lowest priority is the victim, whoever started the search', () => {
    const { s, w1, w2 } = crossed({ p1: 5, p2: 1 });
    const [d] = s.findDeadlocks(20 * ms);
    expect(d).toMatchObject({ initiatorLockId: w1, victimLockId: w2, victimOwner: 'c2' });
  });

  it('§6.1 a victim conversion goes back to its old mode and the grant pass runs', () => {
    const s = new LockSpace({ deadlockWaitMs: 5 });
    const a1 = granted(s, 'c1', 'a', 'PR', { nowUs: 0 });
    const b2 = granted(s, 'c2', 'b', 'PR', { nowUs: 0 });
    const b3 = granted(s, 'c3', 'b', 'NL', { nowUs: 0 });
    granted(s, 'c2', 'a', 'NL', { nowUs: 0 });
    expect(s.convert(b3, 'CR', { nowUs: 0 }).status).toBe('GRANTED');
    expect(s.convert(a1, 'EX', { nowUs: 1 * ms }).status).toBe('GRANTED'); // c2 holds only NL on a
    // c1 holds EX on a; c2 converts b PR→EX, blocked by c3's CR: no cycle yet.
    expect(s.convert(b2, 'EX', { nowUs: 2 * ms }).status).toBe('QUEUED');
    const w = queued(s, 'c3', 'a', 'PR', { nowUs: 3 * ms }); // c3 waits for c1's EX: still no cycle
    expect(s.findDeadlocks(50 * ms)).toEqual([]);
    // c1's PR fits next to c2's PR and c3's CR, but waits behind c2's conversion (Rule P).
    const c1b = queued(s, 'c1', 'b', 'PR', { nowUs: 4 * ms });
    s.clearEffects();
    const found = s.findDeadlocks(60 * ms);
    // Cycle: c2 (b PR→EX) waits for c3's CR; c3 (a PR) waits for c1's EX; c1 (b PR) waits behind c2's conversion.
    expect(found).toHaveLength(1);
    expect(found[0]!.cycle.map((e) => `${e.waiterOwner}>${e.holderOwner}:${e.kind}`)).toEqual(['c2>c3:conflict', 'c3>c1:conflict', 'c1>c2:queue']);
    // All priorities 0: the first to time out is c2's conversion (queued at 2 ms).
    expect(found[0]).toMatchObject({ initiatorLockId: b2, victimLockId: b2 });
    expect(completions(s.effects)).toEqual([`${b2} convert DEADLOCK PR`, `${c1b} lock GRANTED PR`]);
    expect(s.lockInfo(b2)).toMatchObject({ state: 'granted', grantedMode: 'PR' });
    expect(w).toBeGreaterThan(0);
  });

  it('§6.1 NODLCKWT requests are not waiters: their cycle is left alone', () => {
    const s = new LockSpace({ deadlockWaitMs: 10 });
    granted(s, 'c1', 'a', 'EX', { nowUs: 0 });
    granted(s, 'c2', 'b', 'EX', { nowUs: 0 });
    queued(s, 'c1', 'b', 'EX', { nowUs: 0, flags: ['NODLCKWT'] });
    queued(s, 'c2', 'a', 'EX', { nowUs: 0 });
    expect(s.findDeadlocks(100 * ms)).toEqual([]);
    expect(s.waitForEdges().map((e) => e.waiterOwner)).toEqual(['c2']);
  });

  it('§6.1 NODLCKBLK locks are not blockers: their cycle is left alone', () => {
    const s = new LockSpace({ deadlockWaitMs: 10 });
    granted(s, 'c1', 'a', 'EX', { nowUs: 0, flags: ['NODLCKBLK'] });
    granted(s, 'c2', 'b', 'EX', { nowUs: 0 });
    queued(s, 'c1', 'b', 'EX', { nowUs: 0 });
    queued(s, 'c2', 'a', 'EX', { nowUs: 0 });
    expect(s.findDeadlocks(100 * ms)).toEqual([]);
    expect(s.waitForEdges().map((e) => `${e.waiterOwner}>${e.holderOwner}`)).toEqual(['c1>c2']);
  });

  it('§6.1 a cycle closing only through FIFO order (strict Rule NW) is found through queue edges', () => {
    const s = new LockSpace({ deadlockWaitMs: 10 });
    granted(s, 'c', 'r1', 'EX', { nowUs: 0 });
    granted(s, 'b', 'r2', 'EX', { nowUs: 0 });
    queued(s, 'a', 'r1', 'EX', { nowUs: 1 * ms }); // a waits for c's EX
    queued(s, 'b', 'r1', 'NL', { nowUs: 2 * ms }); // b's NL fits, but waits behind a
    queued(s, 'c', 'r2', 'PR', { nowUs: 3 * ms }); // c waits for b's EX on r2
    const [d] = s.findDeadlocks(20 * ms);
    expect(d!.cycle.map((e) => `${e.waiterOwner}>${e.holderOwner}:${e.kind}`)).toEqual(['a>c:conflict', 'c>b:conflict', 'b>a:queue']);
    expect(d!.victimOwner).toBe('a');
  });

  it('§6.1 two pending requests of one owner, one behind the other, are no deadlock', () => {
    const s = new LockSpace({ deadlockWaitMs: 10 });
    granted(s, 'x', 'r', 'EX', { nowUs: 0 });
    queued(s, 'a', 'r', 'PR', { nowUs: 0 });
    queued(s, 'a', 'r', 'PR', { nowUs: 0 });
    expect(s.findDeadlocks(100 * ms)).toEqual([]);
    expect(s.waitForEdges().map((e) => `${e.waiterLockId}>${e.holderLockId}:${e.kind}`)).toEqual(['2>1:conflict', '3>1:conflict', '3>2:queue']);
  });

  it('§6.1 an owner waiting for its own granted lock is a one-edge cycle', () => {
    const s = new LockSpace({ deadlockWaitMs: 10 });
    const h = granted(s, 'a', 'r', 'PR', { nowUs: 0 });
    const w = queued(s, 'a', 'r', 'EX', { nowUs: 0 });
    const [d] = s.findDeadlocks(10 * ms);
    expect(d).toMatchObject({ victimLockId: w });
    expect(d!.cycle.map((e) => [e.waiterLockId, e.holderLockId])).toEqual([[w, h]]);
  });

  it('§6.1 several cycles are all resolved, in the order their requests timed out', () => {
    const s = new LockSpace({ deadlockWaitMs: 1 });
    for (const [p, q, t] of [['a', 'b', 0], ['c', 'd', 5]] as const) {
      granted(s, p, `${p}1`, 'EX', { nowUs: t * ms });
      granted(s, q, `${q}1`, 'EX', { nowUs: t * ms });
      queued(s, p, `${q}1`, 'EX', { nowUs: t * ms });
      queued(s, q, `${p}1`, 'EX', { nowUs: t * ms });
    }
    const found = s.findDeadlocks(10 * ms);
    expect(found.map((d) => d.victimOwner)).toEqual(['a', 'c']);
    expect(s.findDeadlocks(20 * ms)).toEqual([]);
  });

  it('§6.1 searches repeat while requests wait (a cycle may close after its members timed out)', () => {
    const s = new LockSpace({ deadlockWaitMs: 10 });
    granted(s, 'c1', 'a', 'EX', { nowUs: 0 });
    const h2 = granted(s, 'c2', 'b', 'PR', { nowUs: 0 });
    queued(s, 'c2', 'a', 'EX', { nowUs: 0 });
    expect(s.findDeadlocks(20 * ms)).toEqual([]);
    expect(s.nextDeadlockSearchUs(20 * ms)).toBe(30 * ms);
    // c2 then upgrades b PR→EX (granted, nobody else there), and c1 asks for b: the cycle closes.
    s.convert(h2, 'EX', { nowUs: 21 * ms });
    queued(s, 'c1', 'b', 'PR', { nowUs: 22 * ms });
    expect(s.nextDeadlockSearchUs(22 * ms)).toBe(32 * ms);
    const [d] = s.findDeadlocks(30 * ms);
    expect(d).toMatchObject({ victimOwner: 'c2' });
    // The edge c2 → c1 on a was created by c2's request (0 ms); c1 → c2 on b by c1's request (22 ms).
    expect(d!.cycle.map((e) => [e.waiterOwner, e.createdAtUs])).toEqual([
      ['c2', 0],
      ['c1', 22 * ms],
    ]);
  });

  it('§6.1 an edge created by a later grant names the holder’s request', () => {
    const s = new LockSpace({ deadlockWaitMs: 10 });
    const x = granted(s, 'x', 'r', 'EX', { nowUs: 0 });
    queued(s, 'y', 'r', 'EX', { nowUs: 1 * ms });
    const w = queued(s, 'w', 'r', 'PW', { nowUs: 2 * ms });
    s.unlock(x, { nowUs: 5 * ms }); // y granted at 5 ms
    const edge = s.waitForEdges().find((e) => e.waiterLockId === w && e.kind === 'conflict');
    expect(edge).toMatchObject({ holderOwner: 'y', createdByLockId: 2, createdAtUs: 5 * ms, waiterSinceUs: 2 * ms });
  });
});

describe('§6 cluster-wide hooks', () => {
  it('§6 completeAsDeadlockVictim completes a pending request with DEADLOCK and runs the grant pass', () => {
    const s = space();
    const a = granted(s, 'a', 'r', 'EX');
    const b = queued(s, 'b', 'r', 'EX');
    const c = queued(s, 'c', 'r', 'NL');
    s.clearEffects();
    expect(s.completeAsDeadlockVictim(b).status).toBe('DEADLOCK');
    expect(completions(s.effects)).toEqual([`${b} lock DEADLOCK -`, `${c} lock GRANTED NL`]);
    expect(s.completeAsDeadlockVictim(a).status).toBe('INVALID_ARG');
    expect(s.completeAsDeadlockVictim(99).status).toBe('INVALID_ARG');
  });

  it('§6 findCycleThrough works on edges gathered from several masters, with their own keys', () => {
    interface E {
      w: string;
      wo: string;
      h: string;
      ho: string;
    }
    const view: EdgeView<E> = { waiter: (e) => e.w, waiterOwner: (e) => e.wo, holder: (e) => e.h, holderOwner: (e) => e.ho, kind: () => 'conflict' };
    const m1: E[] = [{ w: 'm1:7', wo: 'c1', h: 'm1:3', ho: 'c2' }];
    const m2: E[] = [{ w: 'm2:4', wo: 'c2', h: 'm2:1', ho: 'c3' }];
    const m3: E[] = [
      { w: 'm3:9', wo: 'c3', h: 'm3:2', ho: 'c9' },
      { w: 'm3:8', wo: 'c3', h: 'm3:5', ho: 'c1' },
    ];
    const cycle = findCycleThrough([...m1, ...m2, ...m3], 'm1:7', view);
    expect(cycle?.map((e) => e.w)).toEqual(['m1:7', 'm2:4', 'm3:8']);
    expect(findCycleThrough(m1, 'm1:7', view)).toBeNull();
  });
});
