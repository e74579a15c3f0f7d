/** What the check tests share: a scenario file as the CLI loads it, and a search's options. */
import { readFileSync } from 'node:fs';
import { choiceBounds, checkDeadlockBoundUs, type ChoiceOptions } from '../../../src/explore/check/bounds.js';
import type { SearchOptions } from '../../../src/explore/check/search.js';
import { CHECK_FAULT_SIZES_MS, parseScenario, type Scenario } from '../../../src/scenario/index.js';

/** The scenario in `file`, parsed as `lockstep check FILE` parses it. */
export function scenarioFile(file: string): Scenario {
  return parseScenario(JSON.parse(readFileSync(file, 'utf8')), file);
}

/** The timed network's choices only: no fault, no window. */
export const NO_FAULTS: ChoiceOptions = { network: 'bounded', faultKinds: [], faultBudget: 0, ...CHECK_FAULT_SIZES_MS };

/** A BFS of `scenario` at seed 0 within `choices`, no reduction, as `defaults` and then `overrides` bound it. */
export function searchOptions(scenario: Scenario, choices: ChoiceOptions, defaults: Pick<SearchOptions, 'depth' | 'maxStates' | 'walks'>, overrides: Partial<SearchOptions>): SearchOptions {
  return {
    scenario,
    seed: 0,
    bounds: choiceBounds(scenario, choices),
    maxEvents: 100_000,
    deadlockBoundUs: checkDeadlockBoundUs(scenario),
    strategy: 'bfs',
    sleepSets: false,
    bitstateBits: undefined,
    pctChangePoints: 2,
    ...defaults,
    ...overrides,
  };
}
