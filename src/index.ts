/**
 * lockstep as a library: test your own lock clients and lock protocols under deterministic
 * simulation, from your own test suite. See docs/api.md for the reference and README "Use it
 * from your tests" for the two-minute path; `lockstep/vitest` adds `toMeetExpectation()`.
 *
 * Everything exported here is public and follows semver; the rest of the package is not.
 */

// --- scenarios and runs ------------------------------------------------------------------------
export { defineProtocol, defineScenario, loadScenario, replay, run, simulate } from './library/api.js';
export type {
  ClientDefinition,
  DefinedScenario,
  Replay,
  RunOptions,
  ScenarioDefinition,
  ScenarioLike,
  ScenarioSource,
  SimulateOptions,
} from './library/api.js';
export { ScenarioError } from './scenario/index.js';
export type { Protocol, Scenario, ScenarioInput } from './scenario/index.js';

// --- results (the CLI's JSON shapes, DESIGN §5.3 and §5.4) ---------------------------------------
export type {
  DeadlockCycleEdge,
  DeadlockReport,
  Observation,
  ReplayResult,
  ReplayStats,
  RunResult,
  ScenarioRunResult,
  SeedFailure,
  Violation,
} from './explore/result.js';
export type { Expectation, InvariantName, ScenarioFault } from './scenario/index.js';
export { NondeterminismError } from './explore/sweep.js';
export { SimBoundExceeded, SimError } from './sim/index.js';

// --- traces --------------------------------------------------------------------------------------
export type { TraceEvent, TraceFields } from './sim/index.js';
export { canonicalLine } from './sim/index.js';

// --- user-written clients ------------------------------------------------------------------------
export { AmbientCallError, AsyncClientError } from './clients/index.js';
export type * from './clients/client-context.js';

// --- user-written lock protocols: the driver contract -------------------------------------------
export type { LockProtocol } from './clients/index.js';
export type { ClientSpec, DriverFactory, DriverHost, LocalDeadline, LockDriver, LockOutcome, LockRequest, ServiceOptions } from './protocols/index.js';
export type { ModeName, StatusName } from './vocabulary/index.js';
export type { ClockKind, Message, Process, ProcessContext, ProcessFactory, Rng, TimerId } from './sim/index.js';
