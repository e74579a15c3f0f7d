/**
 * Properties over seeds and networks: the correct configuration of each protocol, with 2–4
 * clients contending on two resources (taken in opposite orders) under random latencies, never
 * violates an invariant (mutual-exclusion, stale-write, fencing, liveness), every script runs to
 * its end, and a run is a pure function of its inputs (the same trace hash twice).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClientStep } from '../../src/clients/index.js';
import type { ProtocolModule, ServiceOptions } from '../../src/protocols/contract.js';
import { gridProtocol, leaseLockProtocol, redlockProtocol, zkProtocol } from '../../src/protocols/index.js';
import { runWorld, serviceOptions, type WorldClient } from './world.js';

function workload(clients: number, rounds: number): WorldClient[] {
  return Array.from({ length: clients }, (_, c): WorldClient => ({
    id: `c${c + 1}`,
    startMs: c * 3,
    repeat: rounds,
    steps: (['a', 'b'] as const).flatMap((resource, k): ClientStep[] => {
      const r = (c + k) % 2 === 0 ? resource : resource === 'a' ? 'b' : 'a';
      return [
        { op: 'lock', resource: r, mode: 'EX' },
        { op: 'work', ms: 2 },
        { op: 'write', resource: r },
        { op: 'unlock', resource: r },
      ];
    }),
  }));
}

const cases: Array<[string, ProtocolModule, number, Partial<ServiceOptions>]> = [
  ['redlock', redlockProtocol, 5, { leaseMs: 5000, fanout: 'parallel' }],
  ['redlock (sequential)', redlockProtocol, 3, { leaseMs: 5000, fanout: 'sequential' }],
  ['zk', zkProtocol, 1, { leaseMs: 10_000, keepAliveMs: 1000, fencing: true }],
  ['zk (parent watch)', zkProtocol, 1, { leaseMs: 10_000, keepAliveMs: 1000, watch: 'parent', fencing: true }],
  ['lease-lock', leaseLockProtocol, 1, { leaseMs: 5000, fencing: true }],
  // Without faults the grid has one decider (m1), so it is exclusive; partitions are what break it.
  ['grid', gridProtocol, 3, {}],
];

describe('correct configurations pass on any seed and latency', () => {
  for (const [name, protocol, managers, overrides] of cases) {
    it(name, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 2 ** 32 - 1 }),
          fc.integer({ min: 0, max: 5 }),
          fc.integer({ min: 0, max: 10 }),
          fc.integer({ min: 2, max: 4 }),
          (seed, minMs, spreadMs, clients) => {
            const spec = {
              protocol,
              managers,
              options: serviceOptions({ retryDelayMs: 20, ...overrides }),
              clients: workload(clients, 3),
              latencyRangeMs: [minMs, minMs + spreadMs] as [number, number],
              seed,
              durationMs: 20_000,
              livenessMs: 15_000,
              checkTokens: overrides.fencing === true,
            };
            const a = runWorld(spec);
            expect(a.violations).toEqual([]);
            // Every script ran to its end.
            expect(a.lockEvents.filter((e) => e.type === 'done')).toHaveLength(clients);
            expect(runWorld(spec).hash).toBe(a.hash);
          },
        ),
        { numRuns: 25 },
      );
    });
  }
});
