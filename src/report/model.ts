/**
 * The inputs of the HTML reports. The reports are a pure function of these inputs: whoever runs
 * a scenario (the CLI, a test) builds a `RunReportInput` / `SuiteReportInput` from the results
 * src/explore produced (src/explore/result.ts) and hands it to src/report/write.ts. Nothing here
 * has behaviour.
 */

import { invariantNames, type InvariantName } from '../check/index.js';
import type { NodeClockSamples, ReplayResult, ScenarioRunResult } from '../explore/result.js';
import type { Protocol } from '../scenario/index.js';
import type { TraceEvent } from '../sim/types.js';

/** Every invariant name, in the order of DESIGN §4 (the suite chart lists them in this order). */
export const INVARIANT_NAMES: readonly InvariantName[] = invariantNames;

/** What the run report shows of the scenario file; every string is escaped before display. */
export interface ReportScenarioInfo {
  /** The scenario's `name` ([a-z0-9-]+); also names the report file. */
  name: string;
  title: string;
  /** Markdown (a small safe subset is rendered: paragraphs, lists, `code`, **bold**, *em*). */
  lesson: string;
  protocol: Protocol;
  /** The scenario file, as the user named it. */
  file?: string;
}

/**
 * Everything one run report needs. `events` is the full canonical trace (DESIGN §5.5) in event
 * order; the report derives its charts from it, and takes verdicts from `result`.
 */
export interface RunReportInput {
  scenario: ReportScenarioInfo;
  seed: number;
  result: ReplayResult;
  events: readonly TraceEvent[];
  /** Every node's clock, sampled by the harness; without it the clock chart samples the events that carry `local`. */
  clocks?: readonly NodeClockSamples[];
  /** The exact command that reproduces this run, shown verbatim. */
  replayCommand: string;
}

/** One scenario row of the suite page. */
export interface SuiteScenarioInput {
  scenario: ScenarioRunResult;
  title: string;
  protocol: Protocol;
  /** Wall-clock time the sweep of this scenario took (measured by the caller, not under src/). */
  wallMs: number;
  /**
   * Relative hrefs of the run reports written for this scenario, keyed by the seed in decimal
   * (`"7"`). Looked up per failure, never iterated. A seed without an entry shows its replay command only.
   */
  reportLinks: Record<string, string>;
}

/** Everything the suite page needs. */
export interface SuiteReportInput {
  /** The command that produced the suite (shown in the header), e.g. `lockstep run --seeds 200`. */
  generatedBy: string;
  scenarios: SuiteScenarioInput[];
}
