/**
 * The JSON result shapes of DESIGN §5.3 (replay) and §5.4 (run), owned by the code that produces
 * them: src/explore builds them from a run, and the CLI and the reports read them. Nothing here
 * has behaviour.
 *
 * Times are milliseconds of true (simulation) time, as in the JSON contracts; trace events keep
 * the kernel's microseconds (`TraceEvent.tUs`). Faults are in the scenario-file form
 * (`ScenarioFault`), so a failure's fault list can be pasted back into a scenario.
 */

import type { ModeName } from '../vocabulary/index.js';
import type { InvariantName } from '../check/index.js';
import type { Expectation, ScenarioFault } from '../scenario/index.js';

// ----------------------------------------------------------------------------------------------
// §5.3 Replay result.

/** An invariant violation found by the checkers (§5.3 `violations[]`). */
export interface Violation {
  /**
   * The invariant violated, or `assertion`: a service node's own assertion on its state failed
   * (the run ends there; the message says which check).
   */
  invariant: InvariantName | 'assertion';
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

/**
 * A deadlock of the run (§5.3 `deadlocks[]`): one the service found and resolved (with its
 * `victim`), or — an extension of §5.3 — a wait-for cycle the service never resolved, which the
 * `deadlock` checker reported as a violation (`unresolved: true`, no victim, `formedAtMs` when
 * the cycle closed, `atMs` when the checker judged it).
 */
export interface DeadlockReport {
  atMs: number;
  /** The client whose request was refused to break the cycle; absent for an unresolved cycle. */
  victim?: string;
  cycle: DeadlockCycleEdge[];
  unresolved?: true;
  formedAtMs?: number;
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
  /** Every applied fault (the scenario's and the seed-drawn ones), as printed with every failure. */
  faults: ScenarioFault[];
  stats: ReplayStats;
  traceHash: string;
}

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

// ----------------------------------------------------------------------------------------------
// §5.4 Run result.

/** One failing seed of a sweep, with the exact command that reproduces it. */
export interface SeedFailure {
  seed: number;
  invariant: Violation['invariant'];
  atMs: number;
  message: string;
  replay: string;
}

/**
 * A seed that reached one of its run's bounds (kind `budget`) and so has no verdict: the
 * scenario is not met, and the replay command re-runs the seed to the same place.
 */
export interface SeedOverrun {
  seed: number;
  kind: 'budget';
  /** Which bound: kernel events, or simulated time. */
  bound: 'maxEvents' | 'maxTimeUs';
  /** The bound's value (events, or µs of simulated time). */
  limit: number;
  /** True time the run had reached, ms. */
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
  /** Seeds stopped by a bound; present only when there are any (an extension of §5.4). */
  overruns?: SeedOverrun[];
  /** Present when the sweep stopped at its first find, so no rate was measured (an extension of §5.4). */
  earlyStop?: EarlyStop;
  /** Per-invariant failure rates, present only with `--all-seeds` (an extension of §5.4). */
  rates?: InvariantRate[];
  /** A repro file whose seed no longer violates its invariant: the bug looks fixed (an extension of §5.4). */
  fixed?: string;
  /** The invariant a targeted search (`--invariant`) counted finds of (an extension of §5.4). */
  target?: Violation['invariant'];
  /** Every distinct failure a search sweep met, with `--all-seeds` or `--invariant` (an extension of §5.4). */
  distinctFailures?: DistinctFailure[];
  /** Abstract transitions the sweep's seeds reached, with `--coverage` (an extension of §5.4). */
  coverage?: CoverageSummary;
}

/** One distinct failure of a sweep: an invariant and a short signature (resource, nodes). */
export interface DistinctFailure {
  invariant: Violation['invariant'];
  /** `invariant resource nodes`, e.g. `stale-write file c1,c2`. */
  signature: string;
  /** Seeds that showed it. */
  seeds: number;
  /** The first of them, and its message. */
  firstSeed: number;
  message: string;
}

/** Coverage of a sweep: distinct abstract transitions (event type, node role, lock state) reached. */
export interface CoverageSummary {
  /** Distinct transitions over all seeds. */
  transitions: number;
  /** Seeds that reached at least one transition no earlier seed had. */
  seedsWithNew: number;
  /** The seeds run and their own new transitions, in run order (only seeds that added some). */
  newBySeed: { seed: number; added: number }[];
}

/** Where and why a sweep stopped before its last seed. */
export interface EarlyStop {
  /** The seed of the find it stopped at. */
  atSeed: number;
  /** How many seeds the sweep would have run. */
  seedsPlanned: number;
  /** The stated notice: "stopped at the first find; --all-seeds to measure a rate". */
  notice: string;
}

/** How often one invariant was violated over the seeds of a sweep, with a 95 % Wilson interval. */
export interface InvariantRate {
  invariant: Violation['invariant'];
  /** Seeds that violated it. */
  seeds: number;
  /** seeds / seedsRun. */
  rate: number;
  /** Lower and upper ends of the 95 % interval, fractions. */
  low: number;
  high: number;
}

/** The result of `lockstep run --json` (DESIGN §5.4). */
export interface RunResult {
  ok: boolean;
  scenarios: ScenarioRunResult[];
}
