/**
 * The inputs of the HTML reports, and the JSON result shapes of DESIGN §5.3 (replay) and §5.4
 * (run) that those inputs carry. The reports are a pure function of these inputs: whoever runs a
 * scenario (the CLI, a test) builds a `RunReportInput` / `SuiteReportInput` and hands it to
 * src/report/write.ts. Nothing here has behaviour.
 *
 * Times in the result shapes are milliseconds of true (simulation) time, as in the JSON
 * contracts; trace events keep the kernel's microseconds (`TraceEvent.tUs`).
 */

import type { ModeName } from '../vocabulary/index.js';
import { invariantNames, type InvariantName } from '../check/violation.js';
import type { TraceEvent } from '../sim/types.js';

/** The invariant names of DESIGN §4 (owned by the checkers; part of the public contract). */
export type { InvariantName };

/** Every invariant name, in the order of DESIGN §4 (the suite chart lists them in this order). */
export const INVARIANT_NAMES: readonly InvariantName[] = invariantNames;

/** The lock services a scenario may run (DESIGN §5.2 `protocol`). */
export type ProtocolName = 'dlm' | 'redlock' | 'zk' | 'lease-lock';

/** A scenario's expectation (DESIGN §5.2 `expect`): pass, or at least one seed violates X. */
export type Expectation = 'pass' | { violation: InvariantName };

// ----------------------------------------------------------------------------------------------
// Faults in the scenario-file form (DESIGN §5.2: milliseconds, absolute true times).

export interface PauseFaultSpec { kind: 'pause'; atMs: number; node: string; forMs: number }
export interface CrashFaultSpec { kind: 'crash'; atMs: number; node: string; restartAfterMs?: number }
export interface ClockJumpFaultSpec { kind: 'clock-jump'; atMs: number; node: string; byMs: number; clock: 'wall' }
export interface ClockDriftFaultSpec { kind: 'clock-drift'; atMs: number; node: string; ppm: number }
export interface PartitionFaultSpec {
  kind: 'partition';
  atMs: number;
  groups: string[][];
  forMs?: number;
  oneWay?: boolean;
}
export interface DelayFaultSpec { kind: 'delay'; atMs: number; from: string; to: string; extraMs: number; forMs: number }
export interface DropFaultSpec { kind: 'drop'; atMs: number; from: string; to: string; forMs: number }

/** One applied fault, as printed with every failure (§5.3 `faults`). */
export type FaultSpec =
  | PauseFaultSpec
  | CrashFaultSpec
  | ClockJumpFaultSpec
  | ClockDriftFaultSpec
  | PartitionFaultSpec
  | DelayFaultSpec
  | DropFaultSpec;

// ----------------------------------------------------------------------------------------------
// §5.3 Replay result.

/** An invariant violation found by the checkers (§5.3 `violations[]`). */
export interface Violation {
  invariant: InvariantName;
  atMs: number;
  message: string;
  resource?: string;
  nodes: string[];
}

/** A reported non-violation (§4: belief-overlap), as a true-time interval on one resource. */
export interface Observation {
  kind: 'belief-overlap';
  fromMs: number;
  toMs: number;
  resource: string;
  nodes: string[];
}

/** One edge of a reported wait-for cycle: `node` waits in `mode` on `resource` for `waitsFor`. */
export interface DeadlockCycleEdge {
  node: string;
  resource: string;
  mode: ModeName;
  waitsFor: string;
}

/** A deadlock the service found and resolved (§5.3 `deadlocks[]`). */
export interface DeadlockReport {
  atMs: number;
  victim: string;
  cycle: DeadlockCycleEdge[];
}

/** Counters of one run (§5.3 `stats`). */
export interface ReplayStats {
  events: number;
  messages: number;
  simMs: number;
}

/** The result of one (scenario, seed) run: `lockstep replay --json` (DESIGN §5.3). */
export interface ReplayResult {
  scenario: string;
  seed: number;
  ok: boolean;
  expectMet: boolean;
  violations: Violation[];
  observations: Observation[];
  deadlocks: DeadlockReport[];
  faults: FaultSpec[];
  stats: ReplayStats;
  traceHash: string;
}

// ----------------------------------------------------------------------------------------------
// §5.4 Run result.

/** One failing seed of a sweep, with the exact command that reproduces it. */
export interface SeedFailure {
  seed: number;
  invariant: InvariantName;
  atMs: number;
  message: string;
  replay: string;
}

/** One scenario of a sweep (§5.4 `scenarios[]`). `failures` are the finds. */
export interface ScenarioRunResult {
  scenario: string;
  file: string;
  seedsRun: number;
  expect: Expectation;
  met: boolean;
  failures: SeedFailure[];
}

/** The result of `lockstep run --json` (DESIGN §5.4). */
export interface RunResult {
  ok: boolean;
  scenarios: ScenarioRunResult[];
}

// ----------------------------------------------------------------------------------------------
// Report inputs.

/** What the run report shows of the scenario file; every string is escaped before display. */
export interface ReportScenarioInfo {
  /** The scenario's `name` ([a-z0-9-]+); also names the report file. */
  name: string;
  title: string;
  /** Markdown (a small safe subset is rendered: paragraphs, lists, `code`, **bold**, *em*). */
  lesson: string;
  protocol: ProtocolName;
  /** The scenario file, as the user named it. */
  file?: string;
}

/**
 * Everything one run report needs. `events` is the full canonical trace (DESIGN §5.5) in event
 * order; the report derives its charts from it, and takes verdicts from `result`.
 */
/**
 * One node's wall clock read by the harness (which may see true time), at enough instants to
 * draw it exactly: the start, both sides of every jump and drift change, and the end. The trace
 * alone cannot give this for a node that traces little (a Redlock instance sends and receives,
 * and message events carry no `local`).
 */
export interface NodeClockSamples {
  node: string;
  /** True times of the samples, µs, non-decreasing. */
  tUs: number[];
  /** Wall clock minus true time at each, µs. */
  offsetUs: number[];
}

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
  protocol: ProtocolName;
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
