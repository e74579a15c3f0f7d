import { describe, expect, it } from 'vitest';
import { replay, run } from 'lockstep';
import 'lockstep/vitest';
import plantedBug from './scenarios/planted-bug.js';
import correct from './scenarios/correct.js';

describe('a user-written lease protocol', () => {
  it('the planted units bug is caught: b is granted the lock 10 ms into a\'s 10 s lease, and a\'s write is stale', async () => {
    const result = await run(plantedBug, { seeds: 3 });
    expect(result).toMeetExpectation();
    const failure = result.scenarios[0]!.failures[0]!;
    expect(failure.invariant).toBe('stale-write');
    expect(failure.message).toMatch(/^storage accepted a's write \(no token\) at [\d.]+ ms, but a's lock on report ended at [\d.]+ ms \(expired\)$/);
  });

  it('the checkers saw the server\'s own events: a grant to a, its expiry, a grant to b', async () => {
    const told = await replay(plantedBug, 0);
    const service = told.events.filter((e) => e.node === 'm1' && ['grant', 'expire', 'release'].includes(e.type)).map((e) => `${e.type} ${String(e.fields?.['client'])}`);
    expect(service.slice(0, 3)).toEqual(['grant a', 'expire a', 'grant b']);
    expect(told.result.observations.map((o) => o.kind)).toEqual(['belief-overlap']);
  });

  it('without the bug, every seed passes', async () => {
    expect(await run(correct)).toMeetExpectation();
  });
});
