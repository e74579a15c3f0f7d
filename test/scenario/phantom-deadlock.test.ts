// S21's lessons, pinned at the outcomes their text quotes: with `deadlock.confirm: false` the
// coordinator acts on a union of a stale edge (q → p, reported at 1,500 ms) and a new one
// (p → q), reports a phantom and aborts p; with the default confirmation the stale edge is
// refused and nobody is aborted.
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/explore/simulate.js';
import { loadScenarioFile } from '../../src/scenario/index.js';

async function run(name: string, seed: number) {
  const { scenario } = await loadScenarioFile(`scenarios/${name}.json`);
  return simulate(scenario, seed, { record: true });
}

describe('phantom deadlock from stale wait-for edges (phantom-deadlock-stale-edges / -confirmed-edges)', () => {
  it('trusting the gathered edges: a deadlock on q → p → q is reported after p stopped holding a, and p is the victim', async () => {
    const { result, events } = await run('phantom-deadlock-stale-edges', 0);
    expect(result.violations.map((v) => v.invariant)).toEqual(['deadlock']);
    expect(result.violations[0]!.message).toContain('a phantom');
    const reported = events!.filter((e) => e.type === 'deadlock');
    expect(reported.map((e) => e.fields?.['victim'])).toEqual(['p']);
    const released = events!.find((e) => e.type === 'release' && e.fields?.['client'] === 'p' && e.fields?.['resource'] === 'a')!;
    expect(released.tUs).toBeLessThan(reported[0]!.tUs);
    const pOutcomes = events!.filter((e) => e.type === 'complete' && e.fields?.['client'] === 'p' && e.fields?.['resource'] === 'b');
    expect(pOutcomes.map((e) => e.fields?.['status'])).toEqual(['DEADLOCK']);
  });

  it('confirming at the masters: no deadlock is reported and p gets b once q releases it', async () => {
    const { result, events } = await run('phantom-deadlock-confirmed-edges', 0);
    expect(result.violations).toEqual([]);
    expect(events!.filter((e) => e.type === 'deadlock')).toEqual([]);
    const pOutcomes = events!.filter((e) => e.type === 'complete' && e.fields?.['client'] === 'p' && e.fields?.['resource'] === 'b');
    expect(pOutcomes.map((e) => e.fields?.['status'])).toEqual(['GRANTED', 'UNLOCKED']);
  });
});
