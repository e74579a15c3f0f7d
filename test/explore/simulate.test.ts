/**
 * simulate() reaches the checkers two ways: with only the hasher and the checkers listening, the
 * kernel hands them events as arguments (no event objects); with a recorder too, every listener
 * gets event objects. Both must judge identically, and hash identically, event for event.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/explore/simulate.js';
import { parseScenario } from '../../src/scenario/index.js';
import { canonicalLine, hashLines } from '../../src/sim/index.js';

const scenarios = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scenarios');
const load = (name: string) => parseScenario(JSON.parse(readFileSync(join(scenarios, `${name}.json`), 'utf8')), `${name}.json`);

describe('simulate: argument-passing listeners and event objects agree', () => {
  // One scenario per invariant family that fires, and one that passes.
  const names = [
    'gc-pause-unfenced',
    'redlock-clock-jump-wall',
    'ab-ba-deadlock-undetected',
    'value-block-holder-crash',
    'zk-herd-parent-watch',
    'dlm-failover-within-grace',
  ];
  for (const name of names) {
    it(`${name}: the same verdict, findings and trace hash with and without a recorder`, () => {
      const scenario = load(name);
      for (const seed of [1, 2]) {
        const plain = simulate(scenario, seed);
        const recorded = simulate(scenario, seed, { record: true });
        expect(plain.events).toBeUndefined();
        expect(recorded.result).toEqual(plain.result);
        expect(hashLines(recorded.events!.map(canonicalLine))).toBe(plain.result.traceHash);
      }
    });
  }

  it('the scenarios above include violations of several invariants (the comparison is not vacuous)', () => {
    const violated = new Set(names.flatMap((name) => simulate(load(name), 1).result.violations.map((v) => v.invariant)));
    expect([...violated].sort()).toEqual(['deadlock', 'herd', 'mutual-exclusion', 'stale-write']);
  });
});

describe('simulate: clock samples for the report', () => {
  it('a recorded run samples every node clock at the start, on both sides of each jump, and at the end', () => {
    const { clocks } = simulate(load('redlock-clock-jump-wall'), 1, { record: true });
    expect(clocks!.map((c) => c.node)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'storage', 'c1', 'c2']);
    expect(clocks!.find((c) => c.node === 'm3')).toEqual({ node: 'm3', tUs: [0, 999_999, 1_000_000, 20_000_000], offsetUs: [0, 0, 10_000_000, 10_000_000] });
    expect(clocks!.find((c) => c.node === 'm1')).toEqual({ node: 'm1', tUs: [0, 20_000_000], offsetUs: [0, 0] });
  });

  it('skew and drift drawn from the seed show in the samples; a run that does not record has none', () => {
    const scenario = { ...load('redlock-clock-jump-wall'), clocks: { skewMs: 50, driftPpm: 100 } };
    const { clocks } = simulate(scenario, 1, { record: true });
    const m1 = clocks!.find((c) => c.node === 'm1')!;
    expect(m1.tUs).toEqual([0, 20_000_000]);
    expect(Math.abs(m1.offsetUs[0]!)).toBeLessThanOrEqual(50_000);
    // Drift within ±100 ppm moves the offset by at most 2,000 µs over 20 s.
    expect(Math.abs(m1.offsetUs[1]! - m1.offsetUs[0]!)).toBeLessThanOrEqual(2000);
    expect(clocks!.some((c) => c.offsetUs[1] !== c.offsetUs[0])).toBe(true);
    expect(simulate(scenario, 1).clocks).toBeUndefined();
  });
});

