import { describe, expect, it } from 'vitest';
import { loadScenario, replay, run } from 'lockstep';
import { verifyScenario } from 'lockstep/vitest';
import doubleProcessing from './scenarios/double-processing.js';
import fenced from './scenarios/fenced.js';

describe('job-queue worker', () => {
  it('without fencing, a stalled worker processes the job twice (the checkers find a stale write)', async () => {
    const result = await run(doubleProcessing, { seeds: 5 });
    expect(result).toMeetExpectation();
    const failure = result.scenarios[0]!.failures[0]!;
    expect(failure.invariant).toBe('stale-write');
    expect(failure.message).toContain("storage accepted w1's write (no token)");
  });

  it('both results are in the story: w2 writes, then w1 wakes up and writes again', async () => {
    const told = await replay(doubleProcessing, 0);
    const writes = told.story.filter((line) => line.includes('storage accepts'));
    expect(writes.map((line) => line.replace(/^.*storage accepts /, ''))).toEqual([
      'w2\'s write to job-42: "processed by w2"',
      'w1\'s write to job-42: "processed by w1"',
    ]);
  });

  it('with fencing tokens, the late write is rejected and every seed passes', async () => {
    await verifyScenario(fenced, { seeds: 10 });
  });

  it('the broken scenario, expected to pass, fails with its seed, invariant and replay command', async () => {
    const source = await loadScenario('examples/job-queue/scenarios/double-processing.ts');
    const asIfExpectedToPass = { ...source, scenario: { ...source.scenario, expect: 'pass' as const } };
    await expect(verifyScenario(asIfExpectedToPass, { seeds: 1 })).rejects.toThrow(
      'replay: npx lockstep replay examples/job-queue/scenarios/double-processing.ts --seed 0',
    );
  });
});
