/**
 * Property test of the timed deadlock search (§6.1 [PROJECT]) against an independent, naive
 * wait-for graph built from the public snapshots: a pending request waits for every lock whose
 * granted mode conflicts with it (conflict), and for every request the queue rules serve before it
 * (queue: all of them, not just the nearest); NODLCKWT requests wait for nothing, NODLCKBLK locks
 * block nothing. A conflict edge continues from any pending request of the holder's owner, a queue
 * edge from the request ahead. After random lock/convert/cancel traffic and a search with every
 * request timed out:
 * - if the naive graph had a cycle, a deadlock was reported;
 * - the first reported cycle is made of naive edges and is closed;
 * - each victim is the cycle's lowest-priority, first-queued waiter;
 * - no cycle is left.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LockSpace, type LockInfo } from '../../../src/dlm/core/index.js';
import { modelCompatible } from './model/reference-model.js';

const OWNERS = ['a', 'b', 'c', 'd'];
const NAMES = ['r1', 'r2', 'r3'];
const MODES = ['NL', 'CR', 'CW', 'PR', 'PW', 'EX'] as const;
const NOORDER = 0x2000;
const NODLCKWT = 0x100;
const NODLCKBLK = 0x200;

interface NaiveEdge {
  kind: 'conflict' | 'queue';
  waiter: number;
  holder: number;
  holderOwner: string;
}

function naiveEdges(s: LockSpace): { edges: NaiveEdge[]; pending: LockInfo[] } {
  const edges: NaiveEdge[] = [];
  const pending: LockInfo[] = [];
  for (const path of s.resourcePaths()) {
    const r = s.resource(...path)!;
    const holders = [...r.granted, ...r.converting];
    const order = [...r.converting, ...r.waiting];
    for (const x of order) {
      pending.push(x);
      if (x.flags & NODLCKWT) continue;
      const rq = MODES.indexOf(x.requestedMode!);
      for (const y of holders) {
        if (y === x || y.flags & NODLCKBLK) continue;
        if (!modelCompatible(MODES.indexOf(y.grantedMode!), rq)) edges.push({ kind: 'conflict', waiter: x.lockId, holder: y.lockId, holderOwner: y.owner });
      }
      if (x.flags & NOORDER) continue;
      const ahead = x.state === 'converting' ? r.converting.slice(0, r.converting.indexOf(x)) : [...r.converting, ...r.waiting.slice(0, r.waiting.indexOf(x))];
      for (const y of ahead) if (!(y.flags & NODLCKBLK)) edges.push({ kind: 'queue', waiter: x.lockId, holder: y.lockId, holderOwner: y.owner });
    }
  }
  return { edges, pending };
}

function hasCycle(s: LockSpace): boolean {
  const { edges, pending } = naiveEdges(s);
  const ownerOf = new Map(pending.map((p) => [p.lockId, p.owner]));
  const succ = (id: number): number[] =>
    edges.filter((e) => e.waiter === id).flatMap((e) => (e.kind === 'queue' ? [e.holder] : pending.filter((p) => p.owner === e.holderOwner).map((p) => p.lockId)));
  for (const start of ownerOf.keys()) {
    const seen = new Set<number>();
    const stack = succ(start);
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n === start) return true;
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(...succ(n));
    }
  }
  return false;
}

type Op =
  | { op: 'lock'; owner: string; name: string; mode: number; flags: string[]; priority: number }
  | { op: 'convert'; pick: number; mode: number; flags: string[] }
  | { op: 'cancel'; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('lock' as const),
      owner: fc.constantFrom(...OWNERS),
      name: fc.constantFrom(...NAMES),
      mode: fc.integer({ min: 0, max: 5 }),
      flags: fc.subarray(['NODLCKWT', 'NODLCKBLK', 'NOORDER', 'HEADQUE'], { maxLength: 1 }),
      priority: fc.integer({ min: 0, max: 2 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('convert' as const),
      pick: fc.nat(40),
      mode: fc.integer({ min: 0, max: 5 }),
      flags: fc.subarray(['NODLCKWT', 'NODLCKBLK', 'CONVDEADLK', 'NOORDER'], { maxLength: 1 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('cancel' as const), pick: fc.nat(40) }) },
);

describe('§6.1 the timed search vs a naive wait-for graph (property)', () => {
  it('finds every cycle, reports real ones, picks the right victim, and leaves none', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 4, maxLength: 40 }), (ops) => {
        const s = new LockSpace({ deadlockWaitMs: 1 });
        const ids: number[] = [];
        let t = 0;
        for (const o of ops) {
          t += 100;
          if (o.op === 'lock') {
            const r = s.lock(o.owner, o.name, MODES[o.mode]!, { flags: o.flags, priority: o.priority, nowUs: t });
            if (r.lockId > 0) ids.push(r.lockId);
          } else if (ids.length > 0) {
            const id = ids[o.pick % ids.length]!;
            if (o.op === 'convert') s.convert(id, MODES[o.mode]!, { flags: o.flags, nowUs: t });
            else s.cancel(id, { nowUs: t });
          }
        }
        const before = naiveEdges(s);
        const cyclic = hasCycle(s);
        const found = s.findDeadlocks(t + 1_000_000);
        expect(found.length > 0).toBe(cyclic);
        if (found.length > 0) {
          const first = found[0]!;
          for (const e of first.cycle) {
            expect(before.edges.some((n) => n.kind === e.kind && n.waiter === e.waiterLockId && n.holder === e.holderLockId)).toBe(true);
          }
          expect(first.cycle[0]!.waiterLockId).toBe(first.initiatorLockId);
        }
        for (const d of found) {
          const c = d.cycle;
          // Closed: each edge leads to the next edge's waiter (same request for a queue edge, same owner for a conflict edge).
          c.forEach((e, i) => {
            const next = c[(i + 1) % c.length]!;
            if (e.kind === 'queue') expect(next.waiterLockId).toBe(e.holderLockId);
            else expect(next.waiterOwner).toBe(e.holderOwner);
          });
          const best = [...c].sort((x, y) => x.waiterPriority - y.waiterPriority || x.waiterSinceUs - y.waiterSinceUs || x.waiterSeq - y.waiterSeq)[0]!;
          expect(d.victimLockId).toBe(best.waiterLockId);
        }
        expect(hasCycle(s)).toBe(false);
      }),
      { numRuns: 400 },
    );
  });
});
