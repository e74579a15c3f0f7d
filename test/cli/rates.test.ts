// `lockstep run --all-seeds` end to end: the rate lines and the early-stop notice, on stdout and
// in the JSON result.
import { describe, expect, it } from 'vitest';
import { cli } from './cli.js';

describe('run --all-seeds', () => {
  it('states the early stop without it, in the human output and the JSON', () => {
    const human = cli('run', 'scenarios/gc-pause-unfenced.json', '--seeds', '3');
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('      stopped at the first find; --all-seeds to measure a rate (seed 0 of 3 planned)\n');
    const json = JSON.parse(cli('run', 'scenarios/gc-pause-unfenced.json', '--seeds', '3', '--json').stdout);
    expect(json.scenarios[0].earlyStop).toEqual({ atSeed: 0, seedsPlanned: 3, notice: 'stopped at the first find; --all-seeds to measure a rate' });
    expect(json.scenarios[0].rates).toBeUndefined();
  });

  it('sweeps every seed and prints a rate with its 95 % interval per invariant', () => {
    const human = cli('run', 'scenarios/gc-pause-unfenced.json', '--seeds', '3', '--all-seeds');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/expect stale-write +3 seeds/);
    expect(human.stdout).toContain('      rate stale-write: 3/3 seeds = 100.0 % (95 % CI 43.9–100.0 %)\n');
    expect(human.stdout).not.toContain('stopped at the first find');
    const json = JSON.parse(cli('run', 'scenarios/gc-pause-unfenced.json', '--seeds', '3', '--all-seeds', '--json').stdout);
    expect(json.scenarios[0].seedsRun).toBe(3);
    expect(json.scenarios[0].earlyStop).toBeUndefined();
    expect(json.scenarios[0].rates).toHaveLength(1);
    expect(json.scenarios[0].rates[0]).toMatchObject({ invariant: 'stale-write', seeds: 3, rate: 1, high: 1 });
    expect(json.scenarios[0].rates[0].low).toBeCloseTo(0.43850, 4);
  });
});
