import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { choiceBounds, checkDeadlockBoundUs } from '../../../src/explore/check/bounds.js';
import { ChoosingScheduler } from '../../../src/explore/check/choices.js';
import { search } from '../../../src/explore/check/search.js';
import { simulate } from '../../../src/explore/simulate.js';
import { EventKind } from '../../../src/sim/index.js';
import { CHECK_FAULT_SIZES_MS, parseScenario, type Scenario } from '../../../src/scenario/index.js';

/** The lockstep side of the SPIN comparison (bench/spin/lock-service.pml), two clients × one round. */
function spinScenario(): Scenario {
  const file = 'scenarios/check/spin-lock-service-2x1.json';
  return parseScenario(JSON.parse(readFileSync(file, 'utf8')), file);
}

const ASYNC = { network: 'async', faultKinds: [], faultBudget: 0, ...CHECK_FAULT_SIZES_MS } as const;

describe('lockstep check: the SPIN comparison scenario', () => {
  it('never offers an event that could only run past the end of the run (asynchronous network)', () => {
    const scenario = spinScenario();
    const horizonUs = scenario.durationMs * 1000;
    const offeredUs: number[] = [];
    // Always take the event due last: a timer due after the end, were it offered, would be taken.
    const scheduler = new ChoosingScheduler(choiceBounds(scenario, ASYNC), {
      decide(point) {
        const due = point.choices.map((choice) => (choice.kind === 'run' && choice.event.kind !== EventKind.Deliver ? choice.event.timeUs : -1));
        offeredUs.push(...due);
        return due.indexOf(Math.max(...due));
      },
    });
    const { result } = simulate(scenario, 0, { scheduler, traceKernelEvents: false, onBuilt: (world) => scheduler.attach(world.sim) });
    expect(result.stats.simMs).toBeLessThanOrEqual(scenario.durationMs);
    expect(offeredUs.length).toBeGreaterThan(0);
    expect(offeredUs.filter((t) => t > horizonUs)).toEqual([]);
  });

  it('finds the planted bug (EX compatible with PR) by BFS as mutual-exclusion, and the clean service not', () => {
    const scenario = spinScenario();
    const common = {
      scenario,
      seed: 0,
      bounds: choiceBounds(scenario, ASYNC),
      maxEvents: 100_000,
      deadlockBoundUs: checkDeadlockBoundUs(scenario),
      strategy: 'bfs' as const,
      depth: 1000,
      maxStates: 40,
      sleepSets: false,
      bitstateBits: undefined,
      walks: 1,
      pctChangePoints: 2,
    };
    const clean = search(common);
    expect(clean.states).toBe(40);
    expect(clean.counterexample).toBeUndefined();
    const planted = search({ ...common, mutations: { wrongMatrixEntry: true } });
    expect(planted.counterexample?.invariants).toEqual(['mutual-exclusion']);
    expect(planted.counterexample?.steps).toBe(12);
  });
});
