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
    expect([...violated].sort()).toEqual(['deadlock', 'mutual-exclusion', 'stale-write']);
  });
});
