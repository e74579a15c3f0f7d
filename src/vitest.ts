/**
 * `lockstep/vitest`: lockstep in a vitest suite. Importing it registers the matcher
 * `expect(await run(scenario)).toMeetExpectation()`, and {@link verifyScenario} runs a scenario
 * and, when it does not meet its expectation, fails the test with the invariant, an excerpt of
 * the failing seed's story and the exact replay command — what a person needs to start on it.
 *
 * vitest is a peer dependency: this module uses the `expect` of the vitest the user's project
 * installed, so the matcher lands on the user's own `expect`.
 */
import { expect } from 'vitest';
import { replay, run, type RunOptions, type ScenarioLike } from './library/api.js';
import type { RunResult, ScenarioRunResult } from './explore/result.js';

/** The matcher's types, merged into vitest's `expect(...)`. */
interface LockstepMatchers<R = unknown> {
  /** The run result (of `run()`) says every scenario met its expectation. */
  toMeetExpectation(): R;
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Matchers<T = any> extends LockstepMatchers<T> {}
}

/** Lines saying why one scenario did not meet its expectation, with a replay command per failing seed. */
export function describeUnmet(entry: ScenarioRunResult): string[] {
  const lines: string[] = [];
  if (entry.expect === 'pass') {
    lines.push(`${entry.scenario}: expected to pass, but ${entry.failures.length} of ${entry.seedsRun} seeds violated an invariant`);
  } else {
    lines.push(`${entry.scenario}: expected a ${entry.expect.violation} violation, but none of ${entry.seedsRun} seeds had one`);
  }
  for (const failure of entry.failures) {
    lines.push(`  seed ${failure.seed}: ${failure.invariant} at ${failure.atMs.toFixed(1)} ms: ${failure.message}`);
    lines.push(`    replay: ${failure.replay}`);
  }
  return lines;
}

function isRunResult(value: unknown): value is RunResult {
  return typeof value === 'object' && value !== null && typeof (value as RunResult).ok === 'boolean' && Array.isArray((value as RunResult).scenarios);
}

expect.extend({
  toMeetExpectation(received: unknown) {
    if (!isRunResult(received)) {
      return { pass: false, message: () => 'toMeetExpectation() expects the result of run() from lockstep (await it first)' };
    }
    const unmet = received.scenarios.filter((entry) => !entry.met);
    return {
      pass: received.ok && unmet.length === 0,
      message: () =>
        unmet.length === 0
          ? `expected some scenario not to meet its expectation, but all ${received.scenarios.length} did`
          : unmet.flatMap(describeUnmet).join('\n'),
    };
  },
});

/** How many story lines before the first violation an excerpt shows. */
const EXCERPT_LINES_BEFORE = 12;

/**
 * The part of a story worth reading first: its two header lines, the events leading up to the
 * first violation, and the verdict.
 */
export function storyExcerpt(story: readonly string[]): string[] {
  const violation = story.findIndex((line) => line.includes('VIOLATION'));
  const verdict = story.findIndex((line) => line.startsWith('verdict:'));
  if (violation < 0) return story.slice(0, 2 + EXCERPT_LINES_BEFORE);
  const from = Math.max(4, violation - EXCERPT_LINES_BEFORE);
  const excerpt = [...story.slice(0, 2), '', ...(from > 4 ? ['   ...'] : []), ...story.slice(from, violation + 1)];
  if (verdict >= 0) excerpt.push('', ...story.slice(verdict, verdict + 2));
  return excerpt;
}

/**
 * Runs `scenario` (as {@link run} does) and fails the calling test unless it meets its
 * expectation. The failure message names each unmet scenario's failing seeds and their
 * invariants, with the replay command, and tells the first failing seed's story up to its
 * violation. Returns the run result when the expectation is met.
 */
export async function verifyScenario(scenario: ScenarioLike, options: RunOptions = {}): Promise<RunResult> {
  const result = await run(scenario, options);
  const unmet = result.scenarios.filter((entry) => !entry.met);
  if (unmet.length === 0) return result;
  const lines = unmet.flatMap(describeUnmet);
  const first = unmet[0]!.failures[0];
  if (first !== undefined) {
    const told = await replay(scenario, first.seed, { file: unmet[0]!.file });
    lines.push('', `story of seed ${first.seed} (up to its first violation):`, ...storyExcerpt(told.story), '', `replay: ${told.replayCommand}`);
  }
  throw new LockstepExpectationError(lines.join('\n'), result);
}

/** A scenario did not meet its expectation; `result` is the run result. */
export class LockstepExpectationError extends Error {
  constructor(
    message: string,
    readonly result: RunResult,
  ) {
    super(message);
    this.name = 'LockstepExpectationError';
  }
}
