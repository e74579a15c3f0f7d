// Partitions and clock jumps as the check's own choices: lessons whose staged fault is taken out,
// so that only the search can put it back, at a moment and on a node of its choosing.
import { describe, expect, it } from 'vitest';
import type { ChoiceOptions } from '../../../src/explore/check/bounds.js';
import { search, type SearchResult } from '../../../src/explore/check/search.js';
import { simulate } from '../../../src/explore/simulate.js';
import { CHECK_FAULT_SIZES_MS, type Scenario } from '../../../src/scenario/index.js';
import { scenarioFile, searchOptions } from './fixtures.js';

/** A shipped lesson with its staged faults of `kind` taken out. */
function withoutStaged(name: string, kind: string): Scenario {
  const scenario = scenarioFile(`scenarios/${name}.json`);
  return { ...scenario, faults: scenario.faults.filter((f) => f.kind !== kind) };
}

/** One injected fault of `kind` at most, sized by `sizes`, choices only in `windowMs`. */
function oneFault(kind: 'partition' | 'clock-jump', windowMs: [number, number], sizes: Partial<ChoiceOptions>): ChoiceOptions {
  return { network: 'bounded', faultKinds: [kind], faultBudget: 1, ...CHECK_FAULT_SIZES_MS, ...sizes, windowMs };
}

function check(scenario: Scenario, choices: ChoiceOptions): SearchResult {
  return search(searchOptions(scenario, choices, { depth: 50, maxStates: 5000, walks: 1 }, {}));
}

/** The story's last decision (the fault the search chose). */
function lastDecision(result: SearchResult): string | undefined {
  return result.counterexample?.story.at(-1)?.text;
}

/** The repro's schedule, replayed as `lockstep replay` does: the invariants it breaks. */
function replayed(scenario: Scenario, choices: ChoiceOptions, decisions: readonly number[]): string[] {
  const { windowMs: _window, ...schedule } = choices;
  return simulate({ ...scenario, schedule: { ...schedule, faultKinds: [...schedule.faultKinds], decisions: [...decisions] } }, 0).result.violations.map((v) => v.invariant);
}

describe('lockstep check: injected clock jumps', () => {
  const jump = oneFault('clock-jump', [100, 1200], { clockJumpMs: 10_000 });

  it('finds the Redlock clock-jump bug with no jump staged: m3 jumps while c1 holds, and c2 gets a majority', () => {
    const scenario = withoutStaged('redlock-clock-jump-wall', 'clock-jump');
    const found = check(scenario, jump);
    expect(found.counterexample?.invariants).toEqual(['mutual-exclusion']);
    expect([found.counterexample?.steps, found.counterexample?.decisions]).toEqual([28, [3]]);
    expect(lastDecision(found)).toBe("jump m3's wall clock by +10000 ms");
    expect(replayed(scenario, jump, found.counterexample!.scheduleDecisions)).toEqual(['mutual-exclusion']);
    // Without the jump among the choices, the same window holds no violation.
    const none = check(scenario, { ...jump, faultKinds: [] });
    expect([none.counterexample, none.exhaustive]).toEqual([undefined, true]);
  });

  it('the monotonic-clock twin is clean under every jump of every node in the same window', () => {
    const result = check(withoutStaged('redlock-clock-jump-mono', 'clock-jump'), jump);
    expect([result.counterexample, result.exhaustive, result.states]).toEqual([undefined, true, 4]);
  });
});

describe('lockstep check: injected partitions', () => {
  const long = oneFault('partition', [0, 1100], { partitionMs: 59_000 });
  const short = oneFault('partition', [0, 1100], { partitionMs: 1000 });

  it('finds the ZooKeeper session-expiry stale write with no partition staged: c1 is cut off from the server, not from the storage', () => {
    const scenario = withoutStaged('zk-session-expiry-unfenced', 'partition');
    const found = check(scenario, long);
    expect(found.counterexample?.invariants).toEqual(['stale-write']);
    expect(lastDecision(found)).toBe('cut c1 off from every other node but storage for 59000 ms');
    expect(replayed(scenario, long, found.counterexample!.scheduleDecisions)).toEqual(['stale-write']);
  });

  it('finds the limit the fenced twin states: the server cut off, no newer holder writes, so the late write passes', () => {
    const found = check(withoutStaged('zk-session-expiry-fenced', 'partition'), long);
    expect(found.counterexample?.invariants).toEqual(['stale-write']);
    expect(lastDecision(found)).toBe('cut m1 off from every other node but storage for 59000 ms');
  });

  it('a partition shorter than the session breaks neither twin, over every node and moment in the window', () => {
    for (const name of ['zk-session-expiry-unfenced', 'zk-session-expiry-fenced']) {
      const result = check(withoutStaged(name, 'partition'), short);
      expect([name, result.counterexample, result.exhaustive]).toEqual([name, undefined, true]);
    }
  });
});
