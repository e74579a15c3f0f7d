import { describe, expect, it } from 'vitest';
import type { ChoiceOptions } from '../../../src/explore/check/bounds.js';
import { search, type SearchOptions } from '../../../src/explore/check/search.js';
import { simulate } from '../../../src/explore/simulate.js';
import type { Scenario } from '../../../src/scenario/index.js';
import { NO_FAULTS as TIMED_NETWORK, scenarioFile, searchOptions } from './fixtures.js';

/** A shipped lesson, as `lockstep check NAME` loads it. */
function lesson(name: string): Scenario {
  return scenarioFile(`scenarios/${name}.json`);
}

/** A search of every schedule within `choices`' bounds, breadth first by kernel events, no reduction. */
function options(scenario: Scenario, choices: ChoiceOptions, overrides: Partial<SearchOptions> = {}): SearchOptions {
  return searchOptions(scenario, choices, { depth: 300, maxStates: 5000, walks: 1 }, overrides);
}

/** The lesson's own replay: the timed path (no decision), its length in kernel events up to the violation. */
function lessonReplaySteps(scenario: Scenario): number | undefined {
  return search(options(scenario, TIMED_NETWORK, { depth: 0 })).counterexample?.steps;
}

describe('lockstep check: the lessons', () => {
  it('finds the Redlock restart bug, and no path shorter than the lesson\'s own exists within bounds', () => {
    const scenario = lesson('redlock-restart-no-persistence');
    const result = search(options(scenario, TIMED_NETWORK));
    expect(lessonReplaySteps(scenario)).toBe(29);
    expect(result.counterexample?.invariants).toEqual(['mutual-exclusion']);
    expect(result.counterexample?.steps).toBe(29);
    expect(result.counterexample?.decisions).toEqual([]);
    // BFS stopped by itself (below the state bound) once no pending path could be shorter than 29 events.
    expect(result.states).toBe(1260);
    expect(result.states).toBeLessThan(5000);
  });

  it('finds the conversion deadlock\'s stale write in fewer events than the lesson, within a choice window, and its repro replays', () => {
    const scenario = lesson('conversion-deadlock-ignored');
    const result = search(options(scenario, { ...TIMED_NETWORK, windowMs: [100, 230] }));
    const found = result.counterexample!;
    expect(lessonReplaySteps(scenario)).toBe(82);
    expect(found.invariants).toEqual(['stale-write']);
    expect(found.steps).toBe(80);
    expect(found.decisions).toEqual([0, 1, 1, 0, 2]);
    expect(result.states).toBe(58);
    // The repro lists the same path as the unwindowed model's decisions: 53 timed choice points first.
    expect(found.scheduleDecisions).toEqual([...new Array<number>(53).fill(0), 1, 1, 0, 2]);
    const replayed = simulate({ ...scenario, schedule: { decisions: [...found.scheduleDecisions], ...TIMED_NETWORK, faultKinds: [] } }, 0).result;
    expect(replayed.violations.map((v) => v.invariant)).toEqual(['stale-write']);
  });

  it('AB–BA: the broken twin deadlocks in fewer events than the lesson, the fixed twin is clean over every schedule of the same window', () => {
    const window: ChoiceOptions = { ...TIMED_NETWORK, windowMs: [10, 12] };
    const broken = search(options(lesson('ab-ba-deadlock-undetected'), window));
    expect(lessonReplaySteps(lesson('ab-ba-deadlock-undetected'))).toBe(63);
    expect(broken.counterexample?.invariants).toEqual(['deadlock']);
    expect(broken.counterexample?.steps).toBe(62);
    expect(broken.counterexample?.decisions).toEqual([5]);
    const fixed = search(options(lesson('ab-ba-deadlock-detected'), window));
    expect(fixed.counterexample).toBeUndefined();
    expect(fixed.exhaustive).toBe(true);
    expect(fixed.states).toBe(204);
    expect(fixed.transitions).toBe(613);
  });

  it('dining philosophers: left-first deadlocks in fewer events than the lesson, ordered forks are clean over every schedule of the same window', () => {
    const window: ChoiceOptions = { ...TIMED_NETWORK, windowMs: [50, 52] };
    const broken = search(options(lesson('dining-philosophers-left-first'), window));
    expect(lessonReplaySteps(lesson('dining-philosophers-left-first'))).toBe(153);
    expect(broken.counterexample?.invariants).toEqual(['deadlock']);
    expect(broken.counterexample?.steps).toBe(148);
    const fixed = search(options(lesson('dining-philosophers-ordered'), window));
    expect(fixed.counterexample).toBeUndefined();
    expect(fixed.exhaustive).toBe(true);
    expect(fixed.states).toBe(31);
  });

  it('a window only withholds choices: the same search without one offers more and agrees where both end', () => {
    const scenario = lesson('conversion-deadlock-refused');
    const windowed = search(options(scenario, { ...TIMED_NETWORK, windowMs: [200, 206] }));
    expect(windowed.exhaustive).toBe(true);
    expect(windowed.counterexample).toBeUndefined();
    expect(windowed.states).toBe(1);
    expect(windowed.transitions).toBe(3);
    const unwindowed = search(options(scenario, TIMED_NETWORK, { maxStates: 50 }));
    expect(unwindowed.exhaustive).toBe(false);
    expect(unwindowed.unexplored).toBeGreaterThan(0);
  });
});
