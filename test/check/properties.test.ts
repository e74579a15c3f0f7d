import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ModeName } from '../../src/vocabulary/index.js';
import { compatible, modeNames } from '../../src/check/index.js';
import { WaitForGraph } from '../../src/check/wait-graph.js';
import { Stream, check } from './stream.js';

const clients = ['c1', 'c2', 'c3', 'c4'] as const;
const resources = ['a', 'b'] as const;

type LockOp =
  | { kind: 'grant'; client: string; resource: string; mode: ModeName }
  | { kind: 'release' | 'expire'; client: string; resource: string };

const lockOp: fc.Arbitrary<LockOp> = fc.oneof(
  fc.record({ kind: fc.constant('grant' as const), client: fc.constantFrom(...clients), resource: fc.constantFrom(...resources), mode: fc.constantFrom(...modeNames) }, { noNullPrototype: true }),
  fc.record({ kind: fc.constantFrom('release' as const, 'expire' as const), client: fc.constantFrom(...clients), resource: fc.constantFrom(...resources) }, { noNullPrototype: true }),
);

function toStream(ops: readonly LockOp[]): Stream {
  const s = new Stream();
  ops.forEach((op, i) => {
    if (op.kind === 'grant') s.grant(i, op.client, op.resource, op.mode);
    else if (op.kind === 'release') s.release(i, op.client, op.resource);
    else s.expire(i, op.client, op.resource);
  });
  return s;
}

describe('mutual-exclusion properties', () => {
  it('never fires on random interleavings of compatible-only grants', () => {
    fc.assert(
      fc.property(fc.array(lockOp, { maxLength: 60 }), (ops) => {
        const held = new Map<string, Map<string, ModeName>>();
        const kept = ops.filter((op) => {
          const onResource = held.get(op.resource) ?? new Map<string, ModeName>();
          held.set(op.resource, onResource);
          if (op.kind !== 'grant') {
            onResource.delete(op.client);
            return true;
          }
          for (const [other, mode] of onResource) if (other !== op.client && !compatible(mode, op.mode)) return false;
          onResource.set(op.client, op.mode);
          return true;
        });
        expect(check(toStream(kept), ['mutual-exclusion']).violations).toEqual([]);
      }),
    );
  });

  it('fires exactly at the grants a naive full recomputation finds incompatible', () => {
    fc.assert(
      fc.property(fc.array(lockOp, { maxLength: 60 }), (ops) => {
        const held = new Map<string, ModeName>();
        const expected: [number, string[]][] = [];
        ops.forEach((op, i) => {
          const key = (c: string) => `${op.resource}/${c}`;
          if (op.kind !== 'grant') {
            held.delete(key(op.client));
            return;
          }
          const clashing = clients.filter((c) => c !== op.client && held.has(key(c)) && !compatible(held.get(key(c))!, op.mode));
          if (clashing.length > 0) expected.push([i * 1000, [op.client, ...clashing].sort()]);
          held.set(key(op.client), op.mode);
        });
        const got = check(toStream(ops), ['mutual-exclusion']).violations.map((v): [number, string[]] => [v.atUs, [...v.nodes].sort()]);
        expect(got).toEqual(expected);
      }),
    );
  });
});

describe('fencing properties', () => {
  const fencedOp = fc.record(
    { write: fc.boolean(), client: fc.constantFrom(...clients), resource: fc.constantFrom(...resources), step: fc.integer({ min: 1, max: 5 }) },
    { noNullPrototype: true },
  );

  it('never fires for strictly increasing grant tokens and writes that carry the latest token', () => {
    fc.assert(
      fc.property(fc.array(fencedOp, { maxLength: 60 }), (ops) => {
        const s = new Stream();
        let token = 0;
        const latest = new Map<string, number>();
        ops.forEach((op, i) => {
          if (op.write) {
            const t = latest.get(op.resource);
            if (t !== undefined) s.write(i, op.client, op.resource, `v${i}`, t);
          } else {
            token += op.step;
            latest.set(op.resource, token);
            s.grant(i, op.client, op.resource, 'EX', { token });
          }
        });
        expect(check(s, ['fencing']).violations).toEqual([]);
      }),
    );
  });

  it('fires exactly once when one accepted write goes below the highest accepted token', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 2, maxLength: 30 }), fc.nat(), (steps, pick) => {
        const tokens: number[] = [];
        steps.reduce((acc, step) => {
          tokens.push(acc + step);
          return acc + step;
        }, 0);
        const s = new Stream();
        tokens.forEach((t, i) => s.write(i, 'c1', 'f', `v${i}`, t));
        const back = tokens[pick % (tokens.length - 1)]!;
        s.write(tokens.length, 'c2', 'f', 'late', back);
        const { violations } = check(s, ['fencing']);
        expect(violations.map((v) => v.atUs)).toEqual([tokens.length * 1000]);
      }),
    );
  });
});

type GraphOp = { add: boolean; waiter: number; holder: number; resource: number };

function naiveHasCycle(edges: ReadonlyMap<string, ReadonlySet<string>>): boolean {
  const state = new Map<string, 'open' | 'done'>();
  const visit = (node: string): boolean => {
    const s = state.get(node);
    if (s === 'open') return true;
    if (s === 'done') return false;
    state.set(node, 'open');
    for (const next of edges.get(node) ?? []) if (visit(next)) return true;
    state.set(node, 'done');
    return false;
  };
  return [...edges.keys()].some((n) => visit(n));
}

describe('wait-for graph properties', () => {
  // Four nodes and mostly additions, so that several cycles share edges and a recorded cycle is
  // often broken while another through the same closing edge survives.
  const graphOp: fc.Arbitrary<GraphOp> = fc
    .record(
      {
        add: fc.integer({ min: 0, max: 3 }).map((n) => n > 0),
        waiter: fc.integer({ min: 0, max: 3 }),
        holder: fc.integer({ min: 0, max: 2 }),
        resource: fc.integer({ min: 0, max: 1 }),
      },
      { noNullPrototype: true },
    )
    .map((op) => ({ ...op, holder: op.holder >= op.waiter ? op.holder + 1 : op.holder }));

  it('agrees with a naive full recomputation after every edge change', () => {
    fc.assert(
      fc.property(fc.array(graphOp, { maxLength: 80 }), (ops) => {
        const graph = new WaitForGraph();
        const support = new Map<string, Set<number>>();
        ops.forEach((op, i) => {
          const w = `n${op.waiter}`;
          const h = `n${op.holder}`;
          const key = `${w}>${h}`;
          if (op.add) {
            graph.addSupport(w, h, `r${op.resource}`, { mode: 'EX', heldMode: 'EX' }, i);
            support.set(key, (support.get(key) ?? new Set()).add(op.resource));
          } else {
            graph.removeSupport(w, h, `r${op.resource}`);
            support.get(key)?.delete(op.resource);
            if (support.get(key)?.size === 0) support.delete(key);
          }
          const edges = new Map<string, Set<string>>();
          for (const k of support.keys()) {
            const [from, to] = k.split('>') as [string, string];
            edges.set(from, (edges.get(from) ?? new Set()).add(to));
          }
          expect([...graph.edges()].map(([a, b]) => `${a}>${b}`).sort()).toEqual([...support.keys()].sort());
          expect(graph.openCycleCount > 0).toBe(naiveHasCycle(edges));
          for (const record of graph.openCycles()) {
            expect(new Set(record.path).size).toBe(record.path.length);
            expect(record.path[0]).toBe(record.waiter);
            expect(record.path[1]).toBe(record.holder);
            record.path.forEach((node, j) => expect(graph.hasEdge(node, record.path[(j + 1) % record.path.length]!)).toBe(true));
          }
        });
      }),
      { numRuns: 1000 },
    );
  });
});

describe('belief-overlap properties', () => {
  it('observes nothing when beliefs are only ever in compatible modes', () => {
    const beliefOp = fc.record(
      { client: fc.constantFrom(...clients), resource: fc.constantFrom(...resources), mode: fc.option(fc.constantFrom(...modeNames), { nil: undefined }) },
      { noNullPrototype: true },
    );
    fc.assert(
      fc.property(fc.array(beliefOp, { maxLength: 60 }), (ops) => {
        const believed = new Map<string, ModeName>();
        const s = new Stream();
        ops.forEach((op, i) => {
          const key = (c: string) => `${op.resource}/${c}`;
          if (op.mode === undefined) {
            believed.delete(key(op.client));
            s.request(i, op.client, op.resource, 'unlock');
            return;
          }
          const clash = clients.some((c) => c !== op.client && believed.has(key(c)) && !compatible(believed.get(key(c))!, op.mode!));
          if (clash) return;
          believed.set(key(op.client), op.mode);
          s.complete(i, op.client, op.resource, 'GRANTED', { mode: op.mode });
        });
        expect(check(s, [], { endMs: ops.length + 1 }).observations).toEqual([]);
      }),
    );
  });
});
