/**
 * `--fault-strategy`: run and replay every scenario's drawn faults under one placement strategy,
 * overriding each scenario's `randomFaults.strategy` (see src/explore/strategies/).
 */
import { FAULT_STRATEGIES, type FaultStrategy, type LoadedScenario } from '../scenario/index.js';
import { withFaultStrategy } from '../explore/strategies/index.js';
import type { ScenarioRunResult } from '../explore/result.js';

/** The flag's value, or undefined when absent; `usage` builds the error for a bad one. */
export function parseFaultStrategy(text: string | undefined, usage: (message: string) => Error): FaultStrategy | undefined {
  if (text === undefined) return undefined;
  const strategy = FAULT_STRATEGIES.find((s) => s === text);
  if (strategy === undefined) throw usage(`--fault-strategy: expected one of ${FAULT_STRATEGIES.join(', ')}, got "${text}"`);
  return strategy;
}

/** The suite with every fault-drawing scenario set to `strategy` (unchanged when undefined). */
export function overrideFaultStrategy(suite: LoadedScenario[], strategy: FaultStrategy | undefined): LoadedScenario[] {
  if (strategy === undefined) return suite;
  return suite.map((loaded) => ({ ...loaded, scenario: withFaultStrategy(loaded.scenario, strategy) }));
}

/** The entry with `--fault-strategy` added to each replay command, so it replays what was run. */
export function replayWithStrategy(entry: ScenarioRunResult, strategy: FaultStrategy | undefined): ScenarioRunResult {
  if (strategy === undefined) return entry;
  return { ...entry, failures: entry.failures.map((f) => ({ ...f, replay: `${f.replay} --fault-strategy ${strategy}` })) };
}
